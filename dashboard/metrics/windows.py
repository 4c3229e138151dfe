"""Windows of time: the site's day and ISO week, date ranges, rolling windows, their 15-minute intervals.

Every window is a half-open range [start, end) of aware UTC instants, cut on the
site's wall clock (``tz``) and the day's reset hour. A day with a daylight-saving
change therefore lasts 23 or 25 hours: 92 or 100 intervals. Arithmetic is done in
UTC and only the cut points are read off the local clock, because Python adds a
``timedelta`` to a zoned datetime on the wall clock, which is wrong across a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from dashboard.metrics.counts import INTERVAL, interval_start

ROLLING_MINUTES = (15, 30, 60)


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open range [start, end) of aware UTC instants; ``start`` is what a page shows as "since"."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: pass timezone-aware times")
    return at.astimezone(timezone.utc)


def local_start(day: date, tz: tzinfo, reset_hour: int = 0) -> datetime:
    """The UTC instant when the site's ``day`` begins: ``reset_hour`` o'clock on the local wall clock.

    A reset hour that falls in a spring-forward gap (02:00 on the day clocks jump
    to 03:00) resolves to the moment of the jump.
    """
    wall = datetime.combine(day, time(reset_hour), tzinfo=tz)
    return wall.astimezone(timezone.utc)


def site_day(at: datetime, tz: tzinfo, reset_hour: int = 0) -> date:
    """The site's day that holds the instant ``at``: before the reset hour it is still yesterday."""
    local = _utc(at).astimezone(tz)
    day = local.date()
    if _utc(at) < local_start(day, tz, reset_hour):
        day -= timedelta(days=1)
    return day


def day_window(day: date, tz: tzinfo, reset_hour: int = 0) -> Window:
    """The site's ``day`` from its reset hour to the next day's: 23, 24 or 25 hours."""
    return Window(local_start(day, tz, reset_hour), local_start(day + timedelta(days=1), tz, reset_hour))


def today(now: datetime, tz: tzinfo, reset_hour: int = 0) -> Window:
    """The whole site day holding ``now`` (its end is in the future: figures so far)."""
    return day_window(site_day(now, tz, reset_hour), tz, reset_hour)


def week_start(day: date) -> date:
    """The Monday of the ISO week holding ``day`` (a week can span a year end: 2026-12-28 → 2027-01-03)."""
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> tuple[int, int]:
    """The ISO (year, week number) of ``day``: 2027-01-01 is in week 53 of 2026."""
    year, week, _ = day.isocalendar()
    return year, week


def week_window(monday: date, tz: tzinfo, reset_hour: int = 0) -> Window:
    """The ISO week from ``monday`` (any day of it is accepted) through Sunday, as whole site days."""
    first = week_start(monday)
    return Window(local_start(first, tz, reset_hour), local_start(first + timedelta(days=7), tz, reset_hour))


def site_week(at: datetime, tz: tzinfo, reset_hour: int = 0) -> date:
    """The Monday of the site's ISO week holding the instant ``at``."""
    return week_start(site_day(at, tz, reset_hour))


def date_range(first: date, last: date, tz: tzinfo, reset_hour: int = 0) -> Window:
    """The dates ``first`` to ``last`` inclusive, as whole site days; ``last`` before ``first`` is an error."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    return Window(local_start(first, tz, reset_hour), local_start(last + timedelta(days=1), tz, reset_hour))


def days_in(window: Window, tz: tzinfo, reset_hour: int = 0) -> list[date]:
    """The site days that overlap ``window``, in order."""
    day, last = site_day(window.start, tz, reset_hour), site_day(window.end - timedelta(microseconds=1),
                                                                 tz, reset_hour)
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


def weeks_in(window: Window, tz: tzinfo, reset_hour: int = 0) -> list[date]:
    """The Mondays of the ISO weeks that overlap ``window``, in order."""
    return sorted({week_start(day) for day in days_in(window, tz, reset_hour)})


def interval_starts(window: Window) -> list[datetime]:
    """The UTC starts of the 15-minute intervals that overlap ``window``, in order.

    Every zone's offset is a whole number of quarter hours, so the grid is the
    same in UTC and on the site's clock: a 25-hour day gives 100 starts.
    """
    cursor, end = interval_start(_utc(window.start)), _utc(window.end)
    starts = []
    while cursor < end:
        starts.append(cursor)
        cursor += INTERVAL
    return starts


def rolling(now: datetime, minutes: int = 30) -> Window:
    """The last ``minutes`` as whole intervals: the current (partial) interval and the ones before it.

    "Last 30 min" at 14:37 is [14:15, 14:45): the 14:30 interval so far and the
    14:15 one, shown as "since 14:15". It covers between ``minutes`` − 15 and
    ``minutes`` of real time, never a fraction of an interval, so it is always a
    sum of stored roll-ups. ``minutes`` is rounded up to a multiple of 15.
    """
    if minutes <= 0:
        raise ValueError("a rolling window lasts more than 0 minutes")
    count = -(-minutes // 15)
    current = interval_start(_utc(now))
    return Window(current - (count - 1) * INTERVAL, current + INTERVAL)


def live_windows(now: datetime, tz: tzinfo, reset_hour: int = 0) -> dict[str, Window]:
    """The live snapshot's windows: ``today`` (from the reset hour) and ``15m``, ``30m``, ``60m``."""
    windows = {"today": today(now, tz, reset_hour)}
    windows.update({f"{minutes}m": rolling(now, minutes) for minutes in ROLLING_MINUTES})
    return windows
