"""Monthly departure multipliers estimated from a monthly series of the public record.

A background flow's ``seasonality`` is either 12 multipliers written by hand or an
estimate from a series of :mod:`borderflow.data` (:func:`estimate_seasonality`), written
``seasonality = { series = "usbp_sw_monthly", breakdown = "Family Unit Individuals",
from = 2012-10-31, to = 2018-09-30, lead_months = 1 }``.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

from borderflow import data

#: Months in a year; a fiscal year runs from October to September.
MONTHS = 12
FISCAL_YEAR_STARTS = 10


class SeasonalityError(ValueError):
    """A seasonality that cannot be estimated; the message starts with the field at fault."""


def _month_end(date: dt.date) -> bool:
    return (date + dt.timedelta(days=1)).day == 1


@lru_cache(maxsize=256)
def _monthly(
    series: str, first: dt.date, last: dt.date, breakdown: str | None, place: str | None
) -> dict[tuple[int, int], float]:
    """The series' value by (year, month) from ``first`` to ``last``, checked monthly."""
    try:
        rows = data.series(series, place=place, breakdown=breakdown)
    except data.SeriesError as exc:
        text = str(exc)
        field = "series"
        if text.startswith(f"series {series!r} has no place"):
            field = "place"
        elif text.startswith(f"series {series!r} has no breakdown"):
            field = "breakdown"
        raise SeasonalityError(f"{field}: {text}") from None
    dates = [d.date() for d in rows["date"]]
    values = [float(v) for v in rows["value"]]
    chosen = [(d, v) for d, v in zip(dates, values, strict=True) if first <= d <= last]
    by_month: dict[tuple[int, int], float] = {}
    for date, value in chosen:
        key = (date.year, date.month)
        if not _month_end(date) or key in by_month:
            what = (
                "several rows in one month: give its 'place' or 'breakdown'"
                if key in by_month
                else f"a row dated {date}, not at a month's end"
            )
            raise SeasonalityError(f"series: {series!r} is not one monthly series here ({what})")
        if not math.isfinite(value):
            raise SeasonalityError(f"series: {series!r} has no value on {date}")
        by_month[key] = value
    return by_month


def estimate_seasonality(
    series: str,
    first: dt.date,
    last: dt.date,
    *,
    breakdown: str | None = None,
    place: str | None = None,
    lead_months: int = 0,
) -> tuple[float, ...]:
    """Twelve departure multipliers (January to December) estimated from a monthly series.

    1. The rows of ``series`` (at ``place``, for ``breakdown``) dated from ``first`` to
       ``last``: one a month, dated at month end.
    2. For each complete fiscal year (October to September) among them, each month's share
       of that year's total, times 12: that year's profile (it averages 1). Months of an
       incomplete fiscal year at either end of the window are left out.
    3. The profiles averaged over the years, month by month.
    4. Shifted by ``lead_months``: departures in month ``m`` take the profile of month
       ``m + lead_months``, since people set out that long before they are counted (at the
       border, for apprehensions).
    5. Normalised so that the 12 multipliers average exactly 1.

    Raises:
        SeasonalityError: the series, place or breakdown does not exist, the window holds
            no complete fiscal year, the series is not monthly, a value is missing, or a
            year's total is 0. The message starts with the field at fault (``series``,
            ``place``, ``breakdown``, ``from``, ``to`` or ``lead_months``).
    """
    if not 0 <= lead_months < MONTHS:
        raise SeasonalityError(f"lead_months: must be 0 to 11, not {lead_months}")
    if last < first:
        raise SeasonalityError(f"to: {last} is before 'from' ({first})")
    by_month = _monthly(series, first, last, breakdown, place)
    profiles: list[list[float]] = []
    for year in sorted({y + (m >= FISCAL_YEAR_STARTS) for y, m in by_month}):
        # Fiscal year `year`: October of year - 1 to September of year.
        keys = [(year - 1, m) for m in range(FISCAL_YEAR_STARTS, MONTHS + 1)]
        keys += [(year, m) for m in range(1, FISCAL_YEAR_STARTS)]
        if not all(k in by_month for k in keys):
            continue
        total = sum(by_month[k] for k in keys)
        if total <= 0:
            raise SeasonalityError(f"series: {series!r} adds up to 0 in fiscal year {year}")
        profile = [0.0] * MONTHS
        for y, m in keys:
            profile[m - 1] = MONTHS * by_month[(y, m)] / total
        profiles.append(profile)
    if not profiles:
        raise SeasonalityError(
            f"from: no complete fiscal year (October to September) of {series!r} "
            f"between {first} and {last}"
        )
    mean = [sum(p[m] for p in profiles) / len(profiles) for m in range(MONTHS)]
    shifted = [mean[(m + lead_months) % MONTHS] for m in range(MONTHS)]
    scale = MONTHS / sum(shifted)
    return tuple(v * scale for v in shifted)


__all__ = ["SeasonalityError", "estimate_seasonality"]
