"""Peer implementations of borderflow's benchmark models (SimPy, Ciw)."""
