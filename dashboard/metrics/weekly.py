"""The executive KPIs of a week: which figure, from which counts, and whether higher is better.

One table (``kpis``) drives the trend page's cards, their colour and arrow, the
CSV export and the summary, so "a longer AHT is not green" is decided in one
place. Values come from ``dashboard.metrics.ratios`` (the functions every page
and ``ccpulse report`` use); None is no value, shown as a dash.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

from dashboard.metrics import ratios
from dashboard.metrics.counts import Counts

HIGHER, LOWER, NEUTRAL = 1, -1, 0
GOOD, BAD, FLAT, INFO = "good", "bad", "flat", "neutral"
# changes smaller than these read as "no change": 0.05 percentage points, 0.5 % relative
FLAT_POINTS, FLAT_RELATIVE = 0.0005, 0.005

KINDS = ("count", "share", "seconds", "mean", "nps")


@dataclass(frozen=True)
class Kpi:
    """One KPI: ``value`` of a week's ``Counts`` (None for journey figures, read elsewhere),
    ``weight`` its denominator (how much of the week a segment holds, for the summary)."""

    key: str
    kind: str
    better: int
    value: Callable[[Counts], float | None] | None = None
    weight: Callable[[Counts], float] | None = None
    channel: str | None = None


def offered(counts: Counts) -> int | None:
    """Contacts offered; a week with no records at all → None (a dash, not 0)."""
    return counts.offered if counts else None


def kpis(form: str = "abandons_count", channels: tuple[str, ...] = ()) -> tuple[Kpi, ...]:
    """The page's KPIs in reading order; ``channels`` adds a contacts figure per channel."""
    def queue_outcomes(counts: Counts) -> int:
        return counts.answered if form == "ignore_abandons" else counts.answered + counts.abandoned

    return (
        Kpi("contacts", "count", NEUTRAL, offered),
        *(Kpi(f"contacts.{name}", "count", NEUTRAL, offered, channel=name) for name in channels),
        Kpi("service_level", "share", HIGHER, partial(ratios.service_level, form=form), queue_outcomes),
        Kpi("response_sla", "share", HIGHER, ratios.response_sla, lambda c: c.responded + c.expired_unanswered),
        Kpi("abandon_rate", "share", LOWER, ratios.abandon_rate, lambda c: c.answered + c.abandoned),
        Kpi("asa_seconds", "seconds", LOWER, ratios.asa_seconds, lambda c: c.answered),
        Kpi("aht_seconds", "seconds", LOWER, ratios.aht_seconds, lambda c: c.ended),
        Kpi("fcr", "share", HIGHER, ratios.fcr, lambda c: c.resolved_known),
        Kpi("transfer_rate", "share", LOWER, ratios.transfer_rate, lambda c: c.ended),
        Kpi("repeat_contact_rate", "share", LOWER, ratios.repeat_contact_rate, lambda c: c.ended),
        Kpi("touchpoints_mean", "mean", LOWER),
        Kpi("touchpoints_4plus_share", "share", LOWER),
        Kpi("channels_mean", "mean", NEUTRAL),
        Kpi("csat", "share", HIGHER, ratios.csat, lambda c: c.csat_responses),
        Kpi("nps", "nps", HIGHER, ratios.nps, lambda c: c.nps_responses),
        Kpi("ces", "mean", HIGHER, ratios.ces, lambda c: c.ces_responses),
    )


def change(kind: str, this: float | None, last: float | None) -> float | None:
    """Week-over-week change: shares, seconds, means and NPS as a difference (shares in fractions
    of 1, so 0.06 is 6 points); counts as a relative change (0.1 = +10 %). Either side missing,
    or a count from zero → None."""
    if this is None or last is None:
        return None
    if kind == "count":
        return (this - last) / last if last else None
    return this - last


def is_flat(kind: str, delta: float) -> bool:
    if kind == "share":
        return abs(delta) < FLAT_POINTS
    if kind == "nps":
        return delta == 0
    if kind == "count":
        return abs(delta) < FLAT_RELATIVE
    return False


def verdict(kpi: Kpi, delta: float | None, last: float | None = None) -> str | None:
    """GOOD, BAD, FLAT, or INFO (a change that is neither, e.g. volume); no change known → None.

    Seconds and means are flat when they moved less than 0.5 % of last week's value.
    """
    if delta is None:
        return None
    flat = is_flat(kpi.kind, delta) or (kpi.kind in ("seconds", "mean") and last is not None
                                          and abs(delta) < FLAT_RELATIVE * abs(last))
    if flat or delta == 0:
        return FLAT
    if kpi.better == NEUTRAL:
        return INFO
    return GOOD if (delta > 0) == (kpi.better == HIGHER) else BAD


def magnitude(kind: str, this: float | None, last: float | None) -> float:
    """How large a change is, comparably across kinds: shares in points, NPS in half points (its
    scale is 200 wide), anything else in percent of last week's value; unknown → 0."""
    if this is None or last is None:
        return 0.0
    if kind == "share":
        return abs(this - last) * 100
    if kind == "nps":
        return abs(this - last) / 2
    return abs(this - last) / abs(last) * 100 if last else 0.0
