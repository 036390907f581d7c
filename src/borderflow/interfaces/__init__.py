"""WHO asks: the Python API and the command line."""
