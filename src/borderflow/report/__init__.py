"""Figures and self-contained HTML reports of runs, ensembles and comparisons."""
