"""Day roll-ups: each site day's sums of the 15-minute roll-ups, kept exact batch by batch.

``queue_day_stats``, ``agent_day_stats`` and ``agent_state_day_stats`` hold, per site
day (cut in the site's zone from the reset hour, so a daylight-saving day holds its
92 or 100 intervals), the SUM of that day's interval rows. Each batch's roll-up delta
is added to the day rows exactly as to the interval rows, so a day row always equals
the sum of its intervals (a rebuild recomputes them from the intervals, leaving out
days whose sum is all zero).

The zone and reset hour the days were cut with are kept on an internal
``source_states`` row (``_days``). Reads use the day tables only for that cut
(``split_window``); a store without it (just migrated) or cut another way (the
settings changed) is recomputed whole on the next batch (``rebuild_days``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Date, bindparam, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from dashboard.metrics.counts import COUNT_FIELDS
from dashboard.metrics.windows import Window, day_window, days_in, site_day
from dashboard.settings import Settings
from dashboard.store.deltas import add_amounts, add_rows
from dashboard.store.keyed_sums import Radix, Sums, codes_of, sums_frame
from dashboard.store.models import (AgentDayStatRow, AgentIntervalStatRow, AgentStateDayStatRow, AgentStateStatRow,
                                    IntervalStatRow, QueueDayStatRow, SourceStateRow, UTCDateTime)

DAY_CUT = "_days"
_CACHE = "ccpulse.day_cut"


@dataclass(frozen=True, slots=True)
class _Table:
    """A day table, the interval table it sums, its key columns after the day, what it sums."""

    day: type
    interval: type
    keys: tuple[str, ...]
    sums: tuple[str, ...]
    touched_by: str  # the key column a refresh narrows on: "queue" or "agent_id"


QUEUES = _Table(QueueDayStatRow, IntervalStatRow, ("queue", "channel"), COUNT_FIELDS, "queue")
AGENTS = _Table(AgentDayStatRow, AgentIntervalStatRow, ("agent_id", "queue", "channel"), COUNT_FIELDS, "agent_id")
STATES = _Table(AgentStateDayStatRow, AgentStateStatRow, ("agent_id", "state", "reason"), ("seconds",), "agent_id")
TABLES = (QUEUES, AGENTS, STATES)


@dataclass(frozen=True, slots=True)
class DayCut:
    """How the stored days were cut: the site's zone name and the day's reset hour."""

    timezone: str
    reset_hour: int

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def of(cls, settings: Settings) -> DayCut:
        return cls(settings.timezone, int(settings.day_reset_hour))


@dataclass(frozen=True, slots=True)
class Split:
    """A window as its partial days (read from the interval tables) and whole days (day tables)."""

    parts: list[Window]
    first_day: date | None = None
    last_day: date | None = None


def stored_cut(session: Session) -> DayCut | None:
    """The cut the day tables hold, None when they were never built; cached for the session."""
    if _CACHE not in session.info:
        row = session.get(SourceStateRow, DAY_CUT)
        cursor = json.loads(row.cursor or "{}") if row is not None else {}
        session.info[_CACHE] = (DayCut(cursor["timezone"], int(cursor["reset_hour"]))
                                if "timezone" in cursor else None)
    return session.info[_CACHE]


def split_window(session: Session, start: datetime, end: datetime, tz: tzinfo | None = None,
                 reset_hour: int | None = None) -> Split:
    """[start, end) as [partial head, whole stored days, partial tail]; empty parts left out.

    With ``tz`` (and ``reset_hour``) given, days are used only if the stored ones are cut the
    same way (the caller groups by them); without a stored cut the whole window is intervals.
    """
    cut = stored_cut(session)
    if cut is None or end <= start or (tz is not None and (_zone_name(tz), reset_hour) != (cut.timezone,
                                                                                             cut.reset_hour)):
        return Split([Window(start, end)] if end > start else [])
    zone = cut.tz
    whole = [day for day in days_in(Window(start, end), zone, cut.reset_hour)
             if start <= day_window(day, zone, cut.reset_hour).start
             and day_window(day, zone, cut.reset_hour).end <= end]
    if not whole:
        return Split([Window(start, end)])
    head, tail = day_window(whole[0], zone, cut.reset_hour).start, day_window(whole[-1], zone, cut.reset_hour).end
    parts = [w for w in (Window(start, head), Window(tail, end)) if w.end > w.start]
    return Split(parts, whole[0], whole[-1])


def _zone_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


def refresh_days(session: Session, settings: Settings, delta) -> None:
    """Add a batch's roll-up delta (a ``RollupDelta``) to the day rows of the days it touched.

    Call it after ``apply_delta`` in the same transaction. Each day row stays the sum of
    its interval rows because it receives exactly the changes they received, so a tick
    costs what changed, not the size of the day. A store whose days are not cut with the
    settings' zone and reset hour (or not built yet) is rebuilt whole instead.
    """
    cut = DayCut.of(settings)
    if stored_cut(session) != cut:
        rebuild_days(session, settings)
        return
    days = _Days(cut)
    for table, changes in ((QUEUES, delta.queues), (AGENTS, delta.agents), (STATES, delta.states)):
        by_day: dict = {}
        for key, amounts in changes.items():
            add_amounts(by_day, (days.of(key[0]), *key[1:]), amounts)
        add_rows(session, table.day, ("day", *table.keys), by_day, table.sums)


def rebuild_days(session: Session, settings: Settings) -> None:
    """Recompute every day row from the interval tables, cut with the settings' zone and reset hour."""
    cut = DayCut.of(settings)
    session.flush()
    for table in TABLES:
        session.execute(delete(table.day))
    bounds = [session.execute(select(func.min(t.interval.interval_start), func.max(t.interval.interval_start))).one()
              for t in TABLES]
    firsts, lasts = [b[0] for b in bounds if b[0] is not None], [b[1] for b in bounds if b[1] is not None]
    if firsts:
        days = _Days(cut)
        day, last = days.of(min(firsts)), days.of(max(lasts))
        while day <= last:
            for table in TABLES:
                _recompute(session, table, day, days.window(day), None)
            day += timedelta(days=1)
    _record_cut(session, cut)


def day_sums(settings: Settings, table: _Table, intervals: pd.DataFrame) -> pd.DataFrame:
    """The day rows of ``table`` from its interval rows held in memory (``interval_start`` naive UTC,
    the table's keys and sums): what ``rebuild_days`` sums in SQL, for a rebuild that has just
    computed those rows. Days cut with the settings' zone and reset hour (datetime64 midnights);
    all-zero rows left out; in key order. Each distinct interval start is cut once (a few thousand
    for millions of rows) and the rows are summed on integer codes (``store.keyed_sums``)."""
    days = _Days(DayCut.of(settings))
    starts, distinct = pd.factorize(intervals["interval_start"])
    day_of_start = np.array([days.of(at.to_pydatetime().replace(tzinfo=timezone.utc)) for at in distinct],
                            dtype="datetime64[D]")
    day_of_start, day_list = pd.factorize(day_of_start, sort=True)
    keys = [codes_of(intervals[name]) for name in table.keys]
    radix = Radix(len(day_list), *(len(dictionary) for _, dictionary in keys))
    sums = Sums()
    sums.add(radix.key(day_of_start[starts], *(codes for codes, _ in keys)),
             **{name: intervals[name].to_numpy() for name in table.sums})
    found, totals = sums.totals()
    kept = np.logical_or.reduce([total != 0 for total in totals.values()]) if totals else np.ones(0, dtype=bool)
    if not kept.all():
        found, totals = found[kept], {name: total[kept] for name, total in totals.items()}
    day, *codes = radix.codes(found)
    return sums_frame({"day": np.asarray(day_list, dtype="datetime64[D]")[day],
                       **{name: pd.Categorical.from_codes(code, categories=dictionary)
                          for name, code, (_, dictionary) in zip(table.keys, codes, keys)}}, totals, table.sums)


def day_runs(settings: Settings, starts: np.ndarray, runs: int) -> list[tuple[int, int]]:
    """``starts`` (interval starts, ascending, naive UTC datetime64) as about ``runs`` [first, stop)
    ranges of positions, each of whole site days as ``day_sums`` cuts them: the day sums of one
    range's interval rows are whole days, and follow the previous range's in key order."""
    days = _Days(DayCut.of(settings))
    of = [days.of(at.replace(tzinfo=timezone.utc)) for at in pd.DatetimeIndex(starts).to_pydatetime()]
    firsts = [0] + [position for position in range(1, len(of)) if of[position] != of[position - 1]]
    cuts = firsts[::math.ceil(len(firsts) / max(runs, 1))] + [len(of)]
    return list(zip(cuts[:-1], cuts[1:]))


def record_cut(session: Session, settings: Settings) -> None:
    """Note that the day tables are now cut with the settings' zone and reset hour."""
    _record_cut(session, DayCut.of(settings))


def _recompute(session: Session, table: _Table, day: date, window: Window, names: list[str] | None) -> None:
    """Replace the day's rows (of ``names`` only, when given) by the grouped sums of its interval rows."""
    removal, addition = _statements(table, names is not None)
    values = {"day": day, "start": window.start, "end": window.end}
    if names is not None:
        values["names"] = names
    session.execute(removal, {k: v for k, v in values.items() if k in ("day", "names")})
    session.execute(addition, values)


@cache
def _statements(table: _Table, narrowed: bool) -> tuple:
    """The DELETE and INSERT ... SELECT of ``_recompute``, built once: a refresh runs them per day."""
    source, target = table.interval, table.day.__table__.c  # Core: the ORM would take values as bulk rows
    removal = delete(table.day.__table__).where(target.day == bindparam("day", type_=Date()))
    sums = select(bindparam("day", type_=Date()).label("day"), *[getattr(source, k) for k in table.keys],
                  *[func.sum(getattr(source, f)).label(f) for f in table.sums]).where(
        source.interval_start >= bindparam("start", type_=UTCDateTime()),
        source.interval_start < bindparam("end", type_=UTCDateTime()))
    if narrowed:
        removal = removal.where(target[table.touched_by].in_(bindparam("names", expanding=True)))
        sums = sums.where(getattr(source, table.touched_by).in_(bindparam("names", expanding=True)))
    sums = sums.group_by(*[getattr(source, k) for k in table.keys]).having(
        or_(*[func.sum(getattr(source, f)) != 0 for f in table.sums]))
    return removal, insert(table.day.__table__).from_select(["day", *table.keys, *table.sums], sums)


def _record_cut(session: Session, cut: DayCut) -> None:
    row = session.get(SourceStateRow, DAY_CUT, with_for_update=True)
    if row is None:
        row = SourceStateRow(name=DAY_CUT, kind="internal", cursor="{}", accepted=0, rejected=0, skipped=0,
                             consecutive_failures=0, rejected_by_reason="{}")
        session.add(row)
    row.cursor = json.dumps({"timezone": cut.timezone, "reset_hour": cut.reset_hour})
    session.flush()
    session.info[_CACHE] = cut


class _Days:
    """Site days of interval starts and their windows, each computed once per refresh."""

    def __init__(self, cut: DayCut):
        self.tz, self.reset_hour = cut.tz, cut.reset_hour
        self._days: dict[datetime, date] = {}
        self._windows: dict[date, Window] = {}

    def of(self, at: datetime) -> date:
        if at not in self._days:
            self._days[at] = site_day(at, self.tz, self.reset_hour)
        return self._days[at]

    def window(self, day: date) -> Window:
        if day not in self._windows:
            self._windows[day] = day_window(day, self.tz, self.reset_hour)
        return self._windows[day]
