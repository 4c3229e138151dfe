"""Simulation time: integer milliseconds since the Unix epoch (UTC), and the site's local calendar.

Integers keep every comparison exact: a record's visible times and the poll
window's ``now`` live on the same millisecond grid, so nothing after ``now``
can leak through rounding.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SECOND = 1_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (floored to the millisecond)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: the simulator needs timezone-aware times")
    return (moment - EPOCH) // timedelta(milliseconds=1)


def to_datetime(ms: int) -> datetime:
    """The aware UTC datetime of ``ms`` milliseconds since the epoch."""
    return EPOCH + timedelta(milliseconds=ms)


def wall_ms(day: date, hours: float, tz: ZoneInfo) -> int:
    """The instant when the local wall clock shows ``hours`` after midnight of ``day`` (hours may pass 24)."""
    return to_ms(datetime.combine(day, time(), tzinfo=tz) + timedelta(hours=hours))


def local_date(ms: int, tz: ZoneInfo) -> date:
    """The site's calendar date at instant ``ms``."""
    return to_datetime(ms).astimezone(tz).date()


class LocalClock:
    """Fast local weekday and hour of day for instants in a bounded range, without datetime calls.

    UTC offsets are sampled every hour of the range; a daylight-saving change is
    taken to happen at the sampled hour where the offset differs, which is exact
    for every zone that changes on a whole UTC hour.
    """

    def __init__(self, start_ms: int, end_ms: int, tz: ZoneInfo):
        self.starts: list[int] = []
        self.offsets: list[int] = []
        for at in range(start_ms - start_ms % HOUR, end_ms + HOUR, HOUR):
            offset = to_datetime(at).astimezone(tz).utcoffset() // timedelta(milliseconds=1)
            if not self.offsets or self.offsets[-1] != offset:
                self.starts.append(at)
                self.offsets.append(offset)

    def wall(self, ms: int) -> int:
        """The local wall clock at instant ``ms``, as milliseconds since the local epoch."""
        return ms + self.offsets[max(bisect_right(self.starts, ms) - 1, 0)]

    def local(self, ms: int) -> tuple[int, float]:
        """(weekday with Monday = 0, local hour of day in [0, 24)) at instant ``ms``."""
        wall = self.wall(ms)
        return (wall // DAY + EPOCH_WEEKDAY) % 7, (wall % DAY) / HOUR

    def date(self, ms: int, shift_ms: int = 0) -> date:
        """The local calendar date at instant ``ms``, with the wall clock moved on by ``shift_ms``."""
        return date.fromordinal(EPOCH_ORDINAL + (self.wall(ms) + shift_ms) // DAY)
