"""WHAT came out: result tables, indicators, targets and files."""
