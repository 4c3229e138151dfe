"""The executive week: every KPI this week, last week and the twelve weeks before, from the roll-ups.

``weekly_report(session, settings, week, now)`` reads the 15-minute roll-ups and
the customer weeks through ``dashboard.store.read`` (raw contacts only for the
week's topics), takes figures with the functions ``ccpulse report`` uses, and
returns a plain ``WeeklyReport``: no Dash, no clock (``now`` is passed in).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from dashboard.metrics import weekly
from dashboard.metrics.counts import Counts, total
from dashboard.metrics.journey import Touchpoints, fcr_provisional, touchpoints
from dashboard.metrics.windows import site_day, site_week, week_start, week_window
from dashboard.records import KNOWN_CHANNELS
from dashboard.settings import Settings
from dashboard.store import raw, read

HISTORY_WEEKS = 12  # weeks shown before the picked one
TOP_TOPICS = 8
JOURNEY_KPIS = {"touchpoints_mean": "mean", "touchpoints_4plus_share": "share_4plus",
                "channels_mean": "channels_mean"}


@dataclass(frozen=True)
class KpiTrend:
    """One KPI over the 13 weeks (oldest first, the picked week last); None is no value."""

    kpi: weekly.Kpi
    values: tuple[float | None, ...]
    target: float | None = None

    @property
    def this(self) -> float | None:
        return self.values[-1]

    @property
    def last(self) -> float | None:
        return self.values[-2] if len(self.values) > 1 else None

    @property
    def change(self) -> float | None:
        return weekly.change(self.kpi.kind, self.this, self.last)

    @property
    def verdict(self) -> str | None:
        return weekly.verdict(self.kpi, self.change, self.last)


@dataclass(frozen=True)
class Topic:
    topic: str
    contacts: int
    repeat_rate: float | None


@dataclass(frozen=True)
class Breakdown:
    """The picked week and the one before, per queue and per (weekday 0-6, hour) on the site's clock."""

    queues_this: dict[str, Counts] = field(default_factory=dict)
    queues_last: dict[str, Counts] = field(default_factory=dict)
    cells_this: dict[tuple[int, int], Counts] = field(default_factory=dict)
    cells_last: dict[tuple[int, int], Counts] = field(default_factory=dict)
    queue_channels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WeeklyReport:
    week: date
    weeks: tuple[date, ...]
    days_elapsed: int  # 7 for a complete week, fewer for the week in progress
    has_data: bool
    kpis: tuple[KpiTrend, ...]
    channels: tuple[str, ...]
    touchpoints_this: Touchpoints
    touchpoints_before: Touchpoints  # the week twelve weeks earlier
    topics: tuple[Topic, ...]
    breakdown: Breakdown
    fcr_provisional: bool

    def kpi(self, key: str) -> KpiTrend:
        return next(trend for trend in self.kpis if trend.kpi.key == key)


def latest_complete_week(now: datetime, tz, reset_hour: int = 0) -> date:
    """The Monday of the last ISO week that has ended by ``now`` on the site's clock."""
    return site_week(now, tz, reset_hour) - timedelta(days=7)


def days_elapsed(week: date, now: datetime, tz, reset_hour: int = 0) -> int:
    """Site days of the week begun by ``now``: 0 before it, 7 once it has ended, else 1-7."""
    window = week_window(week, tz, reset_hour)
    if now >= window.end:
        return 7
    if now < window.start:
        return 0
    return (site_day(now, tz, reset_hour) - week_start(week)).days + 1


def available_weeks(session: Session, settings: Settings, now: datetime) -> list[date]:
    """Mondays from the first stored week to the week of ``now``, newest first; [] for an empty store."""
    first = read.first_interval_start(session)
    if first is None:
        return []
    tz, reset = settings.tz, settings.day_reset_hour
    monday, last = site_week(first, tz, reset), site_week(now, tz, reset)
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks[::-1]


def _ordered_channels(names) -> tuple[str, ...]:
    known = [c for c in KNOWN_CHANNELS if c in names]
    return tuple(known + sorted(set(names) - set(known)))


def _series(kpi: weekly.Kpi, weeks, by_week, by_channel, journeys) -> tuple[float | None, ...]:
    if kpi.key in JOURNEY_KPIS:
        return tuple(getattr(journeys[w], JOURNEY_KPIS[kpi.key]) for w in weeks)
    source = by_channel[kpi.channel] if kpi.channel else by_week
    return tuple(kpi.value(source.get(w, Counts())) for w in weeks)


def _cells(by_interval: dict, tz) -> dict[tuple[int, int], Counts]:
    cells: dict[tuple[int, int], Counts] = {}
    for at, counts in by_interval.items():
        local = at.astimezone(tz)
        key = (local.weekday(), local.hour)
        cells[key] = cells.get(key, Counts()) + counts
    return cells


def week_breakdown(session: Session, settings: Settings, week: date) -> Breakdown:
    """Per queue and per weekday-hour counts of ``week`` and the week before (the summary's "where")."""
    tz, reset = settings.tz, settings.day_reset_hour
    this, last = week_window(week, tz, reset), week_window(week - timedelta(days=7), tz, reset)
    return Breakdown(
        queues_this=read.counts_by(session, this.start, this.end, "queue"),
        queues_last=read.counts_by(session, last.start, last.end, "queue"),
        cells_this=_cells(read.counts_by(session, this.start, this.end, "interval"), tz),
        cells_last=_cells(read.counts_by(session, last.start, last.end, "interval"), tz),
        queue_channels=read.queue_channels(session, last.start, this.end))


def week_topics(session: Session, settings: Settings, week: date, limit: int = TOP_TOPICS) -> tuple[Topic, ...]:
    """The week's most frequent contact topics with the share of their contacts repeated within the window."""
    window = week_window(week, settings.tz, settings.day_reset_hour)
    repeat_seconds = settings.repeat_window_days * 86400
    rows = raw.topic_contacts(session, window.start, window.end)[:limit]
    return tuple(Topic(topic, n, sum((nxt - at).total_seconds() <= repeat_seconds for at, nxt in pairs) / n)
                 for topic, n, pairs in rows)


def journey_of(sums: dict[str, int] | None) -> Touchpoints:
    """``journey.touchpoints``'s figures from a week's sums (``read.touchpoint_sums_by_week``); none → None."""
    n = (sums or {}).get("customers", 0)
    if not n:
        return touchpoints([])
    return Touchpoints(customers=n, contacts=sums["contacts"], shares={k: sums[k] / n for k in ("1", "2", "3", "4+")},
                       mean=sums["contacts"] / n, share_4plus=sums["4+"] / n, channels_mean=sums["channels"] / n)


def _weekly_counts(session: Session, settings: Settings, weeks) -> dict[date, dict[str, Counts]]:
    """Per week, per channel: one summed read per week (every interval lies in one site week)."""
    out = {}
    for monday in weeks:
        window = week_window(monday, settings.tz, settings.day_reset_hour)
        out[monday] = read.counts_by(session, window.start, window.end, "channel")
    return out


def weekly_report(session: Session, settings: Settings, week: date, now: datetime) -> WeeklyReport:
    """The picked ISO week (any day of it) against the week before and the twelve before that."""
    tz, reset = settings.tz, settings.day_reset_hour
    week = week_start(week)
    weeks = tuple(week - timedelta(days=7 * n) for n in range(HISTORY_WEEKS, -1, -1))
    per_week = _weekly_counts(session, settings, weeks)
    by_week = {w: total(per_week[w].values()) for w in weeks}
    channels = _ordered_channels({name for counts in per_week.values() for name in counts})
    by_channel = {name: {w: per_week[w].get(name, Counts()) for w in weeks} for name in channels}
    sums = read.touchpoint_sums_by_week(session, weeks[0], week)
    journeys = {w: journey_of(sums.get(w)) for w in weeks}
    trends = tuple(KpiTrend(kpi, _series(kpi, weeks, by_week, by_channel, journeys),
                            settings.service_level_target if kpi.key == "service_level" else None)
                   for kpi in weekly.kpis(settings.service_level_form, channels))
    return WeeklyReport(
        week=week, weeks=weeks, days_elapsed=days_elapsed(week, now, tz, reset),
        has_data=bool(by_week.get(week)), kpis=trends, channels=channels,
        touchpoints_this=journeys[week], touchpoints_before=journeys[weeks[0]],
        topics=week_topics(session, settings, week), breakdown=week_breakdown(session, settings, week),
        fcr_provisional=fcr_provisional(week_window(week, tz, reset).end, now,
                                        settings.repeat_window_days * 86400))
