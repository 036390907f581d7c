"""One switch for every compiled loop: Numba when it is installed, else plain Python.

``BORDERFLOW_KERNEL=numpy`` runs the loops uncompiled (the same functions, the same draws,
identical results: it is there to check the compiled ones); ``numba``, the default,
compiles them. Any other value is an error, so that a typo never runs the other kernel
unnoticed.

A loop is written once, as plain Python that Numba can compile: :func:`jitable` marks the
helpers it calls, and :func:`kernel` gives the loop compiled (once, on first use, cached on
disk) or as it is, as the switch says.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

#: The environment variable that chooses the kernel.
KERNEL_VARIABLE = "BORDERFLOW_KERNEL"
#: Its values: compiled, or the same loops uncompiled.
KERNELS = ("numba", "numpy")
#: Whether Numba is installed (imported only when a loop first needs it: it is slow to load).
HAVE_NUMBA = importlib.util.find_spec("numba") is not None

_F = TypeVar("_F", bound=Callable[..., Any])


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


#: Helpers marked by :func:`jitable`, made known to Numba when a loop is first compiled:
#: importing Numba takes a second, which a run that never compiles should not pay.
_helpers: list[Callable[..., Any]] = []


def jitable(fn: _F) -> _F:
    """Mark a helper of a loop: a plain Python function compiled into the loops calling it.

    Compiled inline where it is called: a call to a helper compiled apart costs a hop of
    the trip walk more than the helper's own work (the walk ran a third slower).
    """
    _helpers.append(fn)
    return fn


@functools.cache
def _compiled(loop: Callable[..., Any]) -> Callable[..., Any]:
    import numba
    from numba.extending import register_jitable

    while _helpers:
        register_jitable(inline="always")(_helpers.pop())
    return cast(Callable[..., Any], numba.njit(cache=True, nogil=True)(loop))


def kernel(loop: _F) -> _F:
    """``loop`` compiled when :func:`use_numba` (compiled once, on first use), else itself.

    Raises:
        ValueError: for a value of ``BORDERFLOW_KERNEL`` other than numba or numpy.
    """
    if not use_numba():
        return loop
    return cast(_F, _compiled(loop))
