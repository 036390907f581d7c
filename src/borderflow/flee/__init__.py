"""Flee's scenarios, read and run with Flee 3.1's rules: a wing of its own.

The border model never imports it; it uses the layers below it (files read safely,
problems reported, results written atomically) and is used by the interfaces.

``io`` reads a Flee folder (locations, routes, conflicts, closures, validation series),
``kernel`` is the compiled day over the agents, ``rules`` the model around it, ``run``
runs it day by day, and ``out`` writes Flee's ``out.csv`` with the averaged relative
difference.
"""
