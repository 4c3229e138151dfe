"""Queries for pages and reports over the roll-up tables: sums in SQL, ratios in Python after.

Every function takes an open ``Session`` and a half-open UTC window [start, end)
of whole 15-minute intervals (see ``dashboard.metrics.windows``), and returns
additive figures only: ``Counts``, seconds, contact counts. Pages turn them into
ratios with ``dashboard.metrics.ratios`` and the other metric modules, the same
functions whichever page asks.

The whole site days of a window are read from the day roll-ups (``store.days``:
each day row is the sum of its interval rows), only its partial days at the ends
from the interval tables; the sums are the same, over far fewer rows. The records behind
the figures (an agent's contacts, a customer's journey) are read by ``store.raw``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone, tzinfo
from typing import Iterable, Sequence

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from dashboard.metrics.counts import COUNT_FIELDS, Counts
from dashboard.metrics.windows import Window, days_in, site_day, site_week, week_start, weeks_in
from dashboard.store.days import Split, split_window
from dashboard.store.models import (AgentDayStatRow, AgentIntervalStatRow, AgentStateDayStatRow, AgentStateStatRow,
                                    CustomerWeekRow, IntervalStatRow, QueueDayStatRow)

GROUPINGS = (None, "queue", "channel", "agent", "interval", "day", "week")
ALL = "all"
UTC = timezone.utc
DAY_TABLES = {IntervalStatRow: QueueDayStatRow, AgentIntervalStatRow: AgentDayStatRow,
              AgentStateStatRow: AgentStateDayStatRow}


def _sums(table) -> list:
    return [func.coalesce(func.sum(getattr(table, f)), 0).label(f) for f in COUNT_FIELDS]


def _ranged(session: Session, table, split: Split, build) -> list:
    """The rows of ``build(table, when, *time conditions)`` over a split window: its partial days
    from the interval ``table`` (``when`` = ``interval_start``), its whole days from the day table
    (``when`` = ``day``, the site date). Groups can repeat across the parts: callers add them up."""
    rows = []
    for part in split.parts:
        rows += session.execute(build(table, table.interval_start, table.interval_start >= part.start,
                                      table.interval_start < part.end)).all()
    if split.first_day is not None:
        days = DAY_TABLES[table]
        rows += session.execute(build(days, days.day, days.day >= split.first_day, days.day <= split.last_day)).all()
    return rows


def _filtered(query: Select, table, start: datetime, end: datetime, queues, channels, agents) -> Select:
    return _narrowed(query.where(table.interval_start >= start, table.interval_start < end), table,
                     queues, channels, agents)


def _narrowed(query: Select, table, queues, channels, agents) -> Select:
    if queues is not None:
        query = query.where(table.queue.in_(list(queues)))
    if channels is not None:
        query = query.where(table.channel.in_(list(channels)))
    if agents is not None:
        query = query.where(table.agent_id.in_(list(agents)))
    return query


def counts_by(session: Session, start: datetime, end: datetime, by: str | None = None, *,
              tz: tzinfo = UTC, reset_hour: int = 0, queues: Iterable[str] | None = None,
              channels: Iterable[str] | None = None, agents: Iterable[str] | None = None
              ) -> dict[object, Counts]:
    """Summed roll-up counts of the window [start, end), grouped ``by`` one key.

    - ``None``: one entry under the key ``"all"`` (empty ``Counts`` when nothing happened)
    - ``"queue"``, ``"channel"``: the queue or channel name; ``"agent"``: the agent id
      (from ``agent_interval_stats``: only contacts an agent handled)
    - ``"interval"``: the interval's aware UTC start
    - ``"day"``, ``"week"``: the site's date, or the Monday of its ISO week, in ``tz``
      from ``reset_hour``; intervals (and whole stored days, when cut the same
      way) are summed in SQL and grouped here, so a daylight-saving day holds its
      92 or 100 intervals. Every day (week) that
      overlaps the window appears, with empty ``Counts`` when nothing happened.
    Filters ``queues``, ``channels``, ``agents`` (None = all) narrow the rows first;
    ``agents`` reads the agent roll-up. Only groups with rows appear for the name
    groupings. Sums only: take ratios after with ``dashboard.metrics.ratios``.
    """
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}: expected one of {GROUPINGS}")
    table = AgentIntervalStatRow if by == "agent" or agents is not None else IntervalStatRow
    if by == "interval":
        query = _filtered(select(table.interval_start, *_sums(table)), table, start, end, queues, channels, agents)
        rows = session.execute(query.group_by(table.interval_start).order_by(table.interval_start)).all()
        return {key: Counts(*values) for key, *values in rows}
    calendar = by in ("day", "week")
    split = split_window(session, start, end, tz, reset_hour) if calendar else split_window(session, start, end)

    def build(source, when, *during):
        key = when if calendar else {"queue": source.queue, "channel": source.channel,
                                     "agent": getattr(source, "agent_id", None)}.get(by)
        query = _narrowed(select(*([key] if key is not None else []), *_sums(source)).where(*during), source,
                          queues, channels, agents)
        return query if key is None else query.group_by(key).order_by(key)

    rows = _ranged(session, table, split, build)
    if by is None:
        return {ALL: sum((Counts(*row) for row in rows), Counts())}
    if calendar:
        return _by_calendar(rows, by, start, end, tz, reset_hour)
    out: dict[object, Counts] = {}
    for key, *values in rows:
        out[key] = out[key] + Counts(*values) if key in out else Counts(*values)
    return out if len(split.parts) + (split.first_day is not None) < 2 else dict(sorted(out.items()))


def _by_calendar(rows: Sequence, by: str, start: datetime, end: datetime, tz: tzinfo,
                 reset_hour: int) -> dict[object, Counts]:
    window = Window(start, end)
    keys = days_in(window, tz, reset_hour) if by == "day" else weeks_in(window, tz, reset_hour)
    out: dict[object, Counts] = {key: Counts() for key in keys}
    place = site_day if by == "day" else site_week
    for at, *values in rows:
        if isinstance(at, datetime):
            key = place(at, tz, reset_hour)
        else:  # a whole day from the day roll-up, cut with the same zone and reset hour
            key = at if by == "day" else week_start(at)
        out[key] = out.get(key, Counts()) + Counts(*values)
    return out


def state_seconds_by_agent(session: Session, start: datetime, end: datetime,
                           agents: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
    """Seconds per agent and state in closed state intervals within [start, end) (the roll-up).

    The current, still open state of each agent is not in the roll-up: add it with
    ``dashboard.metrics.agents.state_seconds(open_states(...), start, end, now)``.
    """
    def build(table, when, *during):
        query = select(table.agent_id, table.state, func.sum(table.seconds)).where(*during)
        return _narrowed(query, table, None, None, agents).group_by(table.agent_id, table.state)

    out: defaultdict[str, dict[str, float]] = defaultdict(dict)
    for agent_id, state, seconds in _ranged(session, AgentStateStatRow, split_window(session, start, end), build):
        out[agent_id][state] = out[agent_id].get(state, 0.0) + float(seconds or 0.0)
    return dict(out)


def aux_seconds_by_reason(session: Session, start: datetime, end: datetime,
                          agents: Iterable[str] | None = None) -> dict[str, float]:
    """Seconds in aux per reason ("" when none given) in closed state intervals within [start, end)."""
    def build(table, when, *during):
        query = select(table.reason, func.sum(table.seconds)).where(table.state == "aux", *during)
        return _narrowed(query, table, None, None, agents).group_by(table.reason)

    out: dict[str, float] = {}
    for reason, seconds in _ranged(session, AgentStateStatRow, split_window(session, start, end), build):
        out[reason] = out.get(reason, 0.0) + float(seconds or 0.0)
    return out


def touchpoints(session: Session, week_start: date, last_week_start: date | None = None
                ) -> list[tuple[str, int, str]]:
    """(customer id, contacts, channels) rows of the ISO week from ``week_start``, or of the weeks
    from ``week_start`` to ``last_week_start`` inclusive; feed them to ``dashboard.metrics.journey``.

    A customer appears once per week; ``journey.per_customer`` adds the weeks up.
    """
    last = last_week_start or week_start
    query = select(CustomerWeekRow.customer_id, CustomerWeekRow.contacts, CustomerWeekRow.channels).where(
        CustomerWeekRow.week_start >= week_start, CustomerWeekRow.week_start <= last)
    return [(customer, int(contacts), channels or "") for customer, contacts, channels
            in session.execute(query.order_by(CustomerWeekRow.week_start, CustomerWeekRow.customer_id))]


def aux_seconds_by_agent(session: Session, start: datetime, end: datetime,
                         agents: Iterable[str] | None = None) -> dict[str, dict[str, float]]:
    """Seconds in aux per agent and reason ("" when none given), closed state intervals in [start, end)."""
    def build(table, when, *during):
        query = select(table.agent_id, table.reason, func.sum(table.seconds)).where(table.state == "aux", *during)
        return _narrowed(query, table, None, None, agents).group_by(table.agent_id, table.reason)

    out: defaultdict[str, dict[str, float]] = defaultdict(dict)
    for agent_id, reason, seconds in _ranged(session, AgentStateStatRow, split_window(session, start, end), build):
        out[agent_id][reason or ""] = out[agent_id].get(reason or "", 0.0) + float(seconds or 0.0)
    return dict(out)


def staffed_seconds_by_interval(session: Session, start: datetime, end: datetime,
                                agents: Iterable[str] | None = None) -> dict[datetime, dict[str, float]]:
    """Seconds each agent was staffed (any state but offline) in each 15-minute interval of [start, end)."""
    table = AgentStateStatRow
    query = select(table.interval_start, table.agent_id, func.sum(table.seconds)).where(
        table.state != "offline", table.interval_start >= start, table.interval_start < end)
    if agents is not None:
        query = query.where(table.agent_id.in_(list(agents)))
    out: defaultdict[datetime, dict[str, float]] = defaultdict(dict)
    for at, agent_id, seconds in session.execute(query.group_by(table.interval_start, table.agent_id)):
        out[at][agent_id] = float(seconds or 0.0)
    return dict(out)


def agent_counts_by_day(session: Session, start: datetime, end: datetime, agents: Iterable[str], *,
                        tz: tzinfo = UTC, reset_hour: int = 0) -> dict[str, dict[date, Counts]]:
    """Summed agent roll-up counts per agent and site day of [start, end): the input of trends."""
    def build(table, when, *during):
        query = _narrowed(select(table.agent_id, when, *_sums(table)).where(*during), table, None, None, agents)
        return query.group_by(table.agent_id, when)

    rows = _ranged(session, AgentIntervalStatRow, split_window(session, start, end, tz, reset_hour), build)
    out: defaultdict[str, dict[date, Counts]] = defaultdict(dict)
    for agent_id, at, *values in rows:
        day = site_day(at, tz, reset_hour) if isinstance(at, datetime) else at
        held = out[agent_id].get(day)
        out[agent_id][day] = Counts(*values) if held is None else held + Counts(*values)
    return dict(out)


def queue_channels(session: Session, start: datetime, end: datetime) -> dict[str, str]:
    """The queues with roll-up rows in [start, end) and each one's channel."""
    def build(table, when, *during):
        return select(table.queue, table.channel).where(*during).distinct().order_by(table.queue)

    rows = _ranged(session, IntervalStatRow, split_window(session, start, end), build)
    return {queue: channel for queue, channel in sorted(rows, key=lambda row: row[0])}


def touchpoints_by_week(session: Session, first_week: date, last_week: date
                        ) -> dict[date, list[tuple[str, int, str]]]:
    """``touchpoints`` rows of each ISO week from ``first_week`` to ``last_week`` (Mondays), in one read;
    every week in between appears, empty when no customer came."""
    weeks: dict[date, list[tuple[str, int, str]]] = {}
    day = first_week
    while day <= last_week:
        weeks[day] = []
        day = date.fromordinal(day.toordinal() + 7)
    query = select(CustomerWeekRow.week_start, CustomerWeekRow.customer_id, CustomerWeekRow.contacts,
                   CustomerWeekRow.channels).where(CustomerWeekRow.week_start >= first_week,
                                                   CustomerWeekRow.week_start <= last_week)
    for week, customer, contacts, channels in session.execute(query):
        weeks.setdefault(week, []).append((customer, int(contacts), channels or ""))
    return weeks


def first_interval_start(session: Session) -> datetime | None:
    """The earliest stored roll-up interval (aware UTC), None for an empty store: where history begins."""
    return session.scalar(select(func.min(IntervalStatRow.interval_start)))


def touchpoint_sums_by_week(session: Session, first_week: date, last_week: date) -> dict[date, dict[str, int]]:
    """Per ISO week (Monday) from ``first_week`` to ``last_week``, summed in SQL over ``customer_weeks``:
    customers, contacts, channels (distinct per customer, added up) and customers with 1, 2, 3, 4+
    contacts. Weeks without customers are absent. The figures ``journey.touchpoints`` takes over rows."""
    row = CustomerWeekRow
    channels = case((row.channels == "", 0),
                    else_=func.length(row.channels) - func.length(func.replace(row.channels, ",", "")) + 1)
    query = select(row.week_start, func.count(), func.sum(row.contacts), func.sum(channels),
                   *[func.sum(case((row.contacts == n, 1), else_=0)) for n in (1, 2, 3)],
                   func.sum(case((row.contacts >= 4, 1), else_=0))).where(
        row.week_start >= first_week, row.week_start <= last_week, row.contacts > 0,
        row.customer_id.is_not(None), row.customer_id != "").group_by(row.week_start)
    keys = ("customers", "contacts", "channels", "1", "2", "3", "4+")
    return {week: dict(zip(keys, (int(v or 0) for v in values))) for week, *values in session.execute(query)}
