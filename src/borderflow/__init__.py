"""borderflow: simulate the migration and asylum system at the U.S.-Mexico border."""

__version__ = "0.1.0"
