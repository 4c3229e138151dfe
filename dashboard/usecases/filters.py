"""The drill-down filters as a value: a date range (a preset or custom dates), queues and channels.

The URL is the only place they live (``?range=last_week&queue=sales,support``), so a
link can be shared and the back button works; ``from_query`` and ``to_query`` turn
one into the other, and the same query always gives the same filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from urllib.parse import urlencode

from dashboard.metrics.windows import Window, date_range, site_day, week_start

PRESETS = ("today", "yesterday", "this_week", "last_week", "last_30_days", "custom")
DEFAULT_PRESET = "today"
MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Filters:
    """A site-date range [first, last] (inclusive) and optional queue and channel lists (None = all)."""

    preset: str
    first: date
    last: date
    queues: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None

    def window(self, tz: tzinfo, reset_hour: int = 0) -> Window:
        return date_range(self.first, self.last, tz, reset_hour)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def preset_dates(preset: str, today: date) -> tuple[date, date]:
    """The inclusive dates of a named range, relative to the site's ``today``."""
    if preset == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if preset == "this_week":
        return week_start(today), today
    if preset == "last_week":
        monday = week_start(today) - timedelta(days=7)
        return monday, monday + timedelta(days=6)
    if preset == "last_30_days":
        return today - timedelta(days=29), today
    return today, today


def _date(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _names(value: object) -> tuple[str, ...] | None:
    items = value if isinstance(value, list) else str(value or "").split(",")
    names = tuple(sorted({str(v).strip() for v in items if str(v).strip()}))
    return names or None


def from_query(query: dict, now: datetime, tz: tzinfo, reset_hour: int = 0) -> Filters:
    """Filters from URL query values; anything missing or malformed falls back to today, all queues.

    A custom range needs ``from`` and ``to`` (swapped when reversed, capped at a year).
    """
    today = site_day(now, tz, reset_hour)
    preset = query.get("range") if query.get("range") in PRESETS else DEFAULT_PRESET
    first, last = preset_dates(preset, today)
    if preset == "custom":
        start, end = _date(query.get("from")), _date(query.get("to"))
        if start is None or end is None:
            preset = DEFAULT_PRESET
        else:
            first, last = min(start, end), max(start, end)
            first = max(first, last - timedelta(days=MAX_DAYS - 1))
    return Filters(preset, first, last, _names(query.get("queue")), _names(query.get("channel")))


def to_query(filters: Filters, **extra: object) -> str:
    """The URL search string (with its "?") that ``from_query`` reads back into the same filters."""
    values: dict[str, str] = {"range": filters.preset}
    if filters.preset == "custom":
        values["from"], values["to"] = filters.first.isoformat(), filters.last.isoformat()
    if filters.queues:
        values["queue"] = ",".join(filters.queues)
    if filters.channels:
        values["channel"] = ",".join(filters.channels)
    values.update({k: str(v) for k, v in extra.items() if v not in (None, "", [], ())})
    return "?" + urlencode(values, safe=",")


def from_controls(preset: str | None, start: str | None, end: str | None, queues, channels,
                  now: datetime, tz: tzinfo, reset_hour: int = 0) -> Filters:
    """Filters from the filter bar's values; the dates count only for the custom range."""
    query = {"range": preset, "from": start, "to": end, "queue": queues or [], "channel": channels or []}
    return from_query(query, now, tz, reset_hour)
