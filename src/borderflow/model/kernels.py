"""One switch for every compiled loop: Numba when it is installed, else plain Python.

``BORDERFLOW_KERNEL=numpy`` runs the loops uncompiled (the same functions, the same draws,
identical results: it is there to check the compiled ones); ``numba``, the default,
compiles them. Any other value is an error, so that a typo never runs the other kernel
unnoticed.
"""

from __future__ import annotations

import importlib.util
import os

#: The environment variable that chooses the kernel.
KERNEL_VARIABLE = "BORDERFLOW_KERNEL"
#: Its values: compiled, or the same loops uncompiled.
KERNELS = ("numba", "numpy")
#: Whether Numba is installed (imported only when a loop first needs it: it is slow to load).
HAVE_NUMBA = importlib.util.find_spec("numba") is not None


def chosen_kernel() -> str:
    """The kernel the environment asks for (``numba`` unless it says otherwise)."""
    return os.environ.get(KERNEL_VARIABLE, KERNELS[0])


def kernel_problem() -> str | None:
    """What is wrong with the kernel the environment asks for, or None."""
    chosen = chosen_kernel()
    if chosen not in KERNELS:
        return f"{KERNEL_VARIABLE}={chosen!r}: expected {' or '.join(KERNELS)}"
    return None


def use_numba() -> bool:
    """Whether loops run compiled (Numba installed, and not turned off).

    Raises:
        ValueError: for a value of ``BORDERFLOW_KERNEL`` other than numba or numpy.
    """
    problem = kernel_problem()
    if problem is not None:
        raise ValueError(problem)
    return HAVE_NUMBA and chosen_kernel() == "numba"
