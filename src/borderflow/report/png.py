"""Figures as PNG files, where a renderer is available; a clear message where not.

Plotly renders static images with Kaleido, which is not a dependency of borderflow:

* Kaleido 1.x drives a Chrome or Chromium found on the machine (Debian's ``chromium``
  package works); it is told to use the plotly.js shipped with plotly and no MathJax,
  so it needs no network.
* Kaleido 0.2.1 ships its own headless renderer in the wheel (no browser needed);
  it is given the local plotly.js too, since it would otherwise load it from a CDN.

Nothing here raises for a missing renderer: :func:`write_pngs` says what it did.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import plotly
import plotly.graph_objects as go

INSTALL_HINT = (
    "PNG export needs Kaleido: pip install 'kaleido>=1' with a Chrome or Chromium on the "
    "machine (Debian: apt-get install chromium), or pip install kaleido==0.2.1, which "
    "carries its own renderer"
)
WIDTH = 1100


@dataclass
class PngResult:
    """What :func:`write_pngs` did.

    Attributes:
        written: the PNG files written.
        renderer: the renderer used (``None`` if there was none).
        message: one line for the user: where the files are, or why there are none.
    """

    written: list[Path] = field(default_factory=list)
    renderer: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        """Whether every figure was written."""
        return self.renderer is not None and bool(self.written)


def _plotlyjs() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def kaleido_version() -> str | None:
    """The installed Kaleido's version, or ``None``."""
    try:
        return metadata.version("kaleido")
    except metadata.PackageNotFoundError:
        return None


def _major(version: str) -> int:
    m = re.match(r"(\d+)", version)
    return int(m.group(1)) if m else 0


def static(fig: go.Figure) -> go.Figure:
    """A copy fit for a still image: no animation frames, slider or play buttons."""
    still = go.Figure(fig)
    still.frames = []
    still.layout.sliders = None
    still.layout.updatemenus = None
    return still


def _render_kaleido1(figs: Mapping[str, go.Figure], folder: Path) -> list[Path]:
    import kaleido  # type: ignore[import-not-found]  # an optional dependency

    specs = []
    paths = []
    for name, fig in figs.items():
        path = folder / f"{name}.png"
        height = int(fig.layout.height or 450)
        specs.append({"fig": static(fig), "path": path, "opts": {"width": WIDTH, "height": height}})
        paths.append(path)
    # one browser for all figures; MathJax off, as its default comes from a CDN
    kaleido.write_fig_from_object_sync(specs, kopts={"mathjax": False})
    return [p for p in paths if p.is_file()]


def _render_kaleido0(figs: Mapping[str, go.Figure], folder: Path) -> list[Path]:
    from kaleido.scopes.plotly import PlotlyScope  # type: ignore[import-not-found]

    scope = PlotlyScope(plotlyjs=str(_plotlyjs()), mathjax=False)
    paths = []
    for name, fig in figs.items():
        path = folder / f"{name}.png"
        height = int(fig.layout.height or 450)
        path.write_bytes(scope.transform(static(fig), format="png", width=WIDTH, height=height))
        paths.append(path)
    return paths


def write_pngs(figs: Mapping[str, go.Figure], folder: str | Path) -> PngResult:
    """Write each figure as ``folder/NAME.png`` if a renderer is available.

    Returns:
        What was written and a message; a missing or failing renderer is reported in
        the message, never raised, so the caller carries on.
    """
    folder = Path(folder)
    version = kaleido_version()
    if version is None:
        return PngResult(message=f"No PNG written: {INSTALL_HINT}.")
    folder.mkdir(parents=True, exist_ok=True)
    renderer = f"kaleido {version}"
    try:
        if _major(version) >= 1:
            written = _render_kaleido1(figs, folder)
        else:
            written = _render_kaleido0(figs, folder)
    except Exception as exc:  # a renderer that cannot start must not lose the results
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = " (Kaleido 1.x needs a Chrome or Chromium)" if _major(version) >= 1 else ""
        return PngResult(
            renderer=None,
            message=f"No PNG written: {renderer} failed{hint}: {first}",
        )
    return PngResult(
        written=written,
        renderer=renderer,
        message=f"{len(written)} PNG figure(s) written to {folder} with {renderer}",
    )
