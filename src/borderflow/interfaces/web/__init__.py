"""The web dashboard (``borderflow serve``).

:mod:`.requests` (what may be asked, validated and bounded) and :mod:`.jobs` (runs in
workers, progress, cancellation, cache) need no Dash; :mod:`.app` builds the Dash app and
is imported only when the dashboard starts, so the core works without the extra.
"""

INSTALL_HINT = 'The dashboard needs Dash: pip install "borderflow[dashboard]"'
