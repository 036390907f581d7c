"""How people's choices answer policy: odds shifted by the asylum ban, apprehension and danger.

The parameters' shares and probabilities are read at a reference situation (no ban, a
chance of apprehension of :data:`REFERENCE_P_APPREHEND`, a city's ``violence_risk`` of 1);
the functions here move them away from it. Each link's strength is a labelled assumption
in ``parameters.csv`` (``ban_join_factor``, ``deterrence_elasticity``,
``violence_renege_elasticity``, ``violence_join_elasticity``,
``renege_unsheltered_factor``).
"""

from __future__ import annotations

import numpy as np

#: The chance of apprehension at which the parameters' shares are given: the caravan
#: scenarios' default ``p_apprehend``.
REFERENCE_P_APPREHEND = 0.8


def odds_times(p: np.ndarray | float, factor: np.ndarray | float) -> np.ndarray:
    """Probabilities ``p`` with their odds multiplied by ``factor`` (1 and 0 stay put)."""
    p = np.asarray(p, np.float64)
    factor = np.asarray(factor, np.float64)
    raised = p * factor
    denominator = raised + (1.0 - p)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(denominator > 0, raised / np.where(denominator > 0, denominator, 1.0), p)
    return np.asarray(out, np.float64)


def deterrence(p_apprehend: np.ndarray | float, elasticity: float) -> np.ndarray:
    """How much a chance of apprehension scales the will to try (1 at the reference).

    ``((1 - p_apprehend) / (1 - REFERENCE_P_APPREHEND)) ** elasticity``: certain
    apprehension deters everyone, an unguarded border draws more attempts.
    """
    escape = np.clip(1.0 - np.asarray(p_apprehend, np.float64), 0.0, 1.0)
    return np.asarray((escape / (1.0 - REFERENCE_P_APPREHEND)) ** elasticity, np.float64)
