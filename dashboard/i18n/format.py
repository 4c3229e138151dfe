"""Numbers, durations and times formatted for the reader; no value is a dash, never 0 %."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

DASH = "–"


def percent(value: float | None, digits: int = 0) -> str:
    """0.8123 → "81 %" (English) / "81%"; None → a dash."""
    if value is None:
        return DASH
    return f"{value * 100:.{digits}f}%"


def number(value: float | None, digits: int = 0, lang: str = "en") -> str:
    if value is None:
        return DASH
    return f"{value:,.{digits}f}"


def duration(seconds: float | None) -> str:
    """Seconds as m:ss, or h:mm:ss from an hour; None → a dash."""
    if seconds is None:
        return DASH
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clock(at: datetime | None, tz: ZoneInfo, lang: str = "en", seconds: bool = False) -> str:
    """A wall-clock time in the site's zone, 24-hour (the convention in both languages here)."""
    if at is None:
        return DASH
    return at.astimezone(tz).strftime("%H:%M:%S" if seconds else "%H:%M")


def signed_points(change: float | None) -> str:
    """A change of a rate in percentage points: +3.2 pt; None → a dash."""
    if change is None:
        return DASH
    return f"{change * 100:+.1f} pt"
