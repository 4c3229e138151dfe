"""The week in plain words: the three largest changes and where they came from, deterministically.

``largest_changes(report)`` ranks the KPIs by how much they moved (shares in
points, NPS in half points, the rest in percent) and finds, for figures taken
from counts, the queue and the weekday-hours that carried most of the change;
``summary_sentences(findings, lang)`` words them through the i18n catalog.
Pure: a ``WeeklyReport`` in, text out.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.i18n import t
from dashboard.i18n.weekly_format import kpi_amount, kpi_value
from dashboard.metrics import weekly
from dashboard.metrics.counts import Counts
from dashboard.usecases.weekly_trends import KpiTrend, WeeklyReport

MOST = 3
MIN_MAGNITUDE = 1.0  # less than a point (or 1 %) is not worth a sentence
MIN_SHARE = 0.3  # a segment is named only when it carries at least this share of the change
ABANDON_KPIS = {"service_level", "abandon_rate", "asa_seconds"}


@dataclass(frozen=True)
class Finding:
    key: str
    kind: str
    this: float
    last: float
    change: float
    verdict: str | None
    queue: str | None = None
    channel: str | None = None
    hours: tuple[int, int, int] | None = None  # weekday 0-6, first hour, hour after the last
    abandons: tuple[int, int] | None = None  # last week, this week, in the named queue


def impacts(kpi: weekly.Kpi, this: dict, last: dict) -> dict:
    """Each segment's share of the change of ``kpi`` between two weeks, in the KPI's own units.

    A ratio R = Σ w_s r_s (w_s the segment's share of the denominator) moves by
    Σ [(r_s − R_last) w_s − (r'_s − R_last) w'_s]: each segment's term is its part,
    and the parts add up to the whole change. Counts move by their difference.
    """
    keys = set(this) | set(last)
    if kpi.kind == "count":
        return {k: (this.get(k, Counts()).offered - last.get(k, Counts()).offered) for k in keys}
    total_this = sum(kpi.weight(c) for c in this.values())
    total_last = sum(kpi.weight(c) for c in last.values())
    base = kpi.value(sum(last.values(), Counts()))
    if not total_this or not total_last or base is None:
        return {}

    def term(counts: Counts | None, total: float) -> float:
        if counts is None or not kpi.weight(counts):
            return 0.0
        return (kpi.value(counts) - base) * kpi.weight(counts) / total

    return {k: term(this.get(k), total_this) - term(last.get(k), total_last) for k in keys}


def _leading(parts: dict, delta: float):
    """The segment moving most in the direction of ``delta``, when it carries enough of it."""
    same = {k: v for k, v in parts.items() if v * delta > 0}
    if not same or not delta:
        return None
    key = max(same, key=lambda k: (abs(same[k]), str(k)))
    return key if abs(same[key]) >= MIN_SHARE * abs(delta) else None


def _hours(parts: dict, delta: float) -> tuple[int, int, int] | None:
    """The leading weekday-hour, widened to neighbouring hours that moved at least half as much."""
    cell = _leading(parts, delta)
    if cell is None:
        return None
    day, hour = cell
    sign, half = (1 if delta > 0 else -1), 0.5 * abs(parts[cell])
    first, after = hour, hour + 1
    while first > 0 and parts.get((day, first - 1), 0) * sign >= half:
        first -= 1
    while after < 24 and parts.get((day, after), 0) * sign >= half:
        after += 1
    return day, first, after


def _finding(trend: KpiTrend, report: WeeklyReport) -> Finding:
    kpi, breakdown = trend.kpi, report.breakdown
    delta = trend.this - trend.last
    finding = Finding(kpi.key, kpi.kind, trend.this, trend.last, trend.change, trend.verdict)
    if kpi.value is None or kpi.channel:
        return finding
    queue = _leading(impacts(kpi, breakdown.queues_this, breakdown.queues_last), delta)
    hours = _hours(impacts(kpi, breakdown.cells_this, breakdown.cells_last), delta)
    abandons = None
    if queue is not None and kpi.key in ABANDON_KPIS:
        before = breakdown.queues_last.get(queue, Counts()).abandoned
        after = breakdown.queues_this.get(queue, Counts()).abandoned
        abandons = (before, after) if before != after else None
    return Finding(kpi.key, kpi.kind, trend.this, trend.last, trend.change, trend.verdict, queue,
                   breakdown.queue_channels.get(queue) if queue else None, hours, abandons)


def largest_changes(report: WeeklyReport, most: int = MOST) -> list[Finding]:
    """Up to ``most`` KPIs that moved most since last week (per-channel volumes left to the cards)."""
    ranked = [(weekly.magnitude(tr.kpi.kind, tr.this, tr.last), tr) for tr in report.kpis
              if not tr.kpi.channel and tr.this is not None and tr.last is not None]
    ranked = [(size, tr) for size, tr in ranked if size >= MIN_MAGNITUDE]
    ranked.sort(key=lambda item: (-item[0], item[1].kpi.key))
    return [_finding(tr, report) for _, tr in ranked[:most]]


def sentence(finding: Finding, lang: str = "en") -> str:
    """One finding as a sentence: what moved, by how much, to what, and where it came from."""
    rose = finding.this > finding.last
    text = t("trends.summary.rose" if rose else "trends.summary.fell", lang,
             metric=t(f"trends.kpi.{finding.key}", lang), amount=kpi_amount(finding.kind, finding.change, lang),
             value=kpi_value(finding.kind, finding.this))
    places = []
    if finding.hours is not None:
        day, first, after = finding.hours
        places.append(t("trends.summary.hours", lang, day=t(f"trends.weekday.{day}", lang),
                        first=first, after=after))
    if finding.queue is not None:
        channel = t(f"channel.{finding.channel}", lang) if finding.channel else ""
        places.append(t("trends.summary.queue", lang, queue=finding.queue, channel=channel).strip())
    if places:
        text += t("trends.summary.mostly", lang, where=t("trends.summary.join", lang).join(places))
    if finding.abandons is not None:
        text += t("trends.summary.abandons", lang, before=finding.abandons[0], after=finding.abandons[1])
    return text + t("trends.summary.end", lang)


def summary_sentences(report: WeeklyReport, lang: str = "en") -> list[str]:
    """The summary's sentences; says so plainly when the week or the week before has no data."""
    if not report.has_data:
        return [t("trends.summary.no_data", lang)]
    findings = largest_changes(report)
    if not findings:
        previous = any(tr.last is not None for tr in report.kpis)
        return [t("trends.summary.steady" if previous else "trends.summary.no_previous", lang)]
    return [sentence(f, lang) for f in findings]
