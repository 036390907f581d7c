"""Small HTML helpers of the report pages: escaping, numbers, and tables with their cells.

:func:`table` writes an HTML table, numbers right-aligned and everything escaped;
:class:`Raw` and :class:`Num` mark a cell that is already HTML or a number already
written as text. The report (:mod:`borderflow.report.html`), its U.S.-side section
(:mod:`borderflow.report.us_side_section`) and the comparison page build with these.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from borderflow.scenario.bounds import shown_capacity


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return _e(value)
    if isinstance(value, int | float):
        if value != value:  # NaN
            return "–"
        return shown_capacity(value, _finite)
    return _e(value)


def _finite(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"


def table(header: Sequence[str], rows: Iterable[Sequence[object]], *, cls: str = "") -> str:
    """An HTML table; numbers right-aligned, everything escaped."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, Raw):
                cells.append(f"<td>{v.text}</td>")
            elif isinstance(v, Num):
                cells.append(f'<td class="num">{_e(v.text)}</td>')
            elif isinstance(v, int | float) and not isinstance(v, bool):
                cells.append(f'<td class="num">{_num(v)}</td>')
            else:
                cells.append(f"<td>{_e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


@dataclass(frozen=True)
class Raw:
    """HTML that is already safe (built here), for a table cell."""

    text: str


@dataclass(frozen=True)
class Num:
    """A number already written as text (in its own format), right-aligned in a table."""

    text: str
