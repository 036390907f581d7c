"""INPUT: scenario files to validated, frozen objects."""
