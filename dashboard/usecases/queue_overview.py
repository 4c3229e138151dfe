"""``/queues``: every queue's KPIs for today and the chosen range, one queue's intraday intervals and staffing.

Figures come from the 15-minute roll-ups only (``counts_by``), ratios from
``dashboard.metrics.ratios``; staffing from ``dashboard.erlang`` over each interval's
observed arrivals and handle time. None is no value, shown as a dash.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from dashboard import erlang
from dashboard.metrics import ratios
from dashboard.metrics.agents import OFFLINE_STATE
from dashboard.metrics.counts import INTERVAL, Counts, interval_start, is_async
from dashboard.metrics.windows import day_window, interval_starts, site_day
from dashboard.settings import Settings
from dashboard.store import raw, read
from dashboard.usecases.filters import Filters

KPI_NAMES = ("offered", "answered", "service_level", "asa_seconds", "abandon_rate", "aht_seconds", "fcr",
             "transfer_rate", "csat", "response_sla")


def kpis(counts: Counts, form: str, asynchronous: bool) -> dict[str, float | None]:
    """The KPI row of one scope; service level, ASA and abandons mean nothing for an async queue (None)."""
    sync = not asynchronous
    return {
        "offered": counts.offered, "answered": counts.answered if sync else counts.responded,
        "service_level": ratios.service_level(counts, form) if sync else None,
        "asa_seconds": ratios.asa_seconds(counts) if sync else ratios.first_response_seconds(counts),
        "abandon_rate": ratios.abandon_rate(counts) if sync else None,
        "aht_seconds": ratios.aht_seconds(counts), "fcr": ratios.fcr(counts),
        "transfer_rate": ratios.transfer_rate(counts), "csat": ratios.csat(counts),
        "response_sla": ratios.response_sla(counts) if asynchronous else None,
    }


@dataclass(frozen=True, slots=True)
class QueueRow:
    queue: str
    name: str
    channel: str
    asynchronous: bool
    target: float
    threshold_seconds: float
    today: dict
    range: dict


def queue_rows(session: Session, settings: Settings, filters: Filters, now: datetime) -> list[QueueRow]:
    """One row per queue seen today or in the range (narrowed by the filters), in the settings' order."""
    tz, reset = settings.tz, settings.day_reset_hour
    span, today = filters.window(tz, reset), day_window(site_day(now, tz, reset), tz, reset)
    channels = {**read.queue_channels(session, today.start, today.end),
                **read.queue_channels(session, span.start, span.end)}
    names = [q for q in channels if (filters.queues is None or q in filters.queues)
             and (filters.channels is None or channels[q] in filters.channels)]
    if not names:
        return []
    in_range = read.counts_by(session, span.start, span.end, "queue", queues=names)
    in_today = read.counts_by(session, today.start, today.end, "queue", queues=names)
    order = {q: i for i, q in enumerate(settings.queue_order)}
    rows = []
    for queue in sorted(names, key=lambda q: (order.get(q, len(order)), q)):
        qs = settings.queue(queue, channels[queue])
        asynchronous = is_async(channels[queue])
        rows.append(QueueRow(
            queue=queue, name=qs.display_name or queue, channel=channels[queue], asynchronous=asynchronous,
            target=qs.service_level_target, threshold_seconds=float(
                qs.response_target_seconds if asynchronous else qs.service_level_seconds),
            today=kpis(in_today.get(queue, Counts()), qs.service_level_form, asynchronous),
            range=kpis(in_range.get(queue, Counts()), qs.service_level_form, asynchronous)))
    return rows


@dataclass(frozen=True, slots=True)
class IntervalPoint:
    """One 15-minute interval of one queue: traffic, outcome and staffing."""

    start: datetime
    offered: int
    answered: int
    service_level: float | None
    asa_seconds: float | None
    required_agents: int | None
    staffed_agents: float


@dataclass(frozen=True, slots=True)
class Intraday:
    queue: str
    day: date
    target: float
    threshold_seconds: float
    asynchronous: bool
    points: list[IntervalPoint]
    required_now: int | None
    staffed_now: int | None
    gap_now: int | None


def queue_agents(session: Session, queue: str, handled: set[str]) -> set[str]:
    """Agents skilled for the queue, plus any who handled its contacts that day."""
    skilled = {a for a, row in raw.agent_rows(session).items()
               if queue in {s.strip() for s in (row.skills or "").split(",")}}
    return skilled | handled


def intraday(session: Session, settings: Settings, queue: str, channel: str, day: date,
             now: datetime) -> Intraday:
    """The queue's intervals of ``day`` (up to ``now``), with Erlang C required agents and agents staffed.

    Staffed agents per interval are staffed seconds ÷ 900 over the queue's agents (a
    multi-skilled agent counts on each of their queues). Required agents use the
    interval's own AHT, or the day's when the interval ended nothing. The gap now is
    for today only: required in the last complete interval − agents staffed now.
    """
    qs = settings.queue(queue, channel)
    asynchronous = is_async(channel)
    window = day_window(day, settings.tz, settings.day_reset_hour)
    counts = read.counts_by(session, window.start, window.end, "interval", queues=[queue])
    handled = read.counts_by(session, window.start, window.end, "agent", queues=[queue])
    agents = queue_agents(session, queue, set(handled))
    staffed = read.staffed_seconds_by_interval(session, window.start, window.end, agents)
    day_aht = ratios.aht_seconds(sum(counts.values(), Counts()))
    threshold = float(qs.response_target_seconds if asynchronous else qs.service_level_seconds)
    points = []
    for at in interval_starts(window):
        if at > now:
            break
        c = counts.get(at, Counts())
        points.append(IntervalPoint(
            start=at, offered=c.offered, answered=c.responded if asynchronous else c.answered,
            service_level=None if asynchronous else ratios.service_level(c, qs.service_level_form),
            asa_seconds=ratios.first_response_seconds(c) if asynchronous else ratios.asa_seconds(c),
            required_agents=None if asynchronous else _required(c, day_aht, qs.service_level_target, threshold),
            staffed_agents=sum(staffed.get(at, {}).values()) / INTERVAL.total_seconds()))
    required_now = staffed_now = gap = None
    if window.contains(now) and not asynchronous:
        last_complete = [p for p in points if p.start + INTERVAL <= interval_start(now)]
        required_now = last_complete[-1].required_agents if last_complete else None
        staffed_now = sum(1 for s in raw.open_states(session, agents) if s.state != OFFLINE_STATE)
        gap = erlang.staffing_gap(required_now, staffed_now) if required_now is not None else None
    return Intraday(queue, day, qs.service_level_target, threshold, asynchronous, points,
                    required_now, staffed_now, gap)


def _required(counts: Counts, day_aht: float | None, target: float, threshold: float) -> int | None:
    aht = ratios.aht_seconds(counts) or day_aht
    if not counts.offered:
        return 0
    if not aht:
        return None
    traffic = erlang.traffic_erlangs(counts.offered, INTERVAL.total_seconds(), aht)
    return erlang.required_agents(traffic, aht, target, threshold)
