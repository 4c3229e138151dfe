"""``/agents/<agent_id>``: one agent's day of states, contacts (paged), trends against the team, comments."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from dashboard.metrics import ratios
from dashboard.metrics.counts import ContactPolicy, handle_parts, is_repeat
from dashboard.metrics.windows import day_window, days_in
from dashboard.settings import Settings
from dashboard.store import raw, read
from dashboard.usecases.agent_table import AgentLine, agent_lines
from dashboard.usecases.filters import Filters

TREND_METRICS = {"aht_seconds": ratios.aht_seconds, "fcr": ratios.fcr, "csat": ratios.csat}
PAGE_ROWS = 500


@dataclass(frozen=True, slots=True)
class Segment:
    """One state interval of the day, clipped to the day (and to ``now`` while open)."""

    state: str
    reason: str
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True, slots=True)
class TrendPoint:
    day: date
    agent: float | None
    team_median: float | None


@dataclass(frozen=True, slots=True)
class AgentDetail:
    agent_id: str
    name: str
    team: str
    summary: AgentLine | None
    day: date
    segments: list[Segment]
    trends: dict[str, list[TrendPoint]]
    comments: list[dict]


def timeline(session: Session, settings: Settings, agent_id: str, day: date, now: datetime) -> list[Segment]:
    """The agent's states over the site ``day``, each clipped to the day; an open one runs to ``now``."""
    window = day_window(day, settings.tz, settings.day_reset_hour)
    out = []
    for row in raw.agent_states_between(session, agent_id, window.start, min(window.end, now)):
        start, end = max(row.started_at, window.start), min(row.ended_at or now, window.end, now)
        if end > start:
            out.append(Segment(row.state, row.reason or "", start, end))
    return out


def trends(session: Session, settings: Settings, filters: Filters, agent_id: str,
           team: list[str]) -> dict[str, list[TrendPoint]]:
    """Per site day of the range: the agent's AHT, FCR and CSAT and the median of the team's agents' own.

    A team member with no value that day is left out of the median; no values → None.
    """
    window = filters.window(settings.tz, settings.day_reset_hour)
    by_day = read.agent_counts_by_day(session, window.start, window.end, sorted(set(team) | {agent_id}),
                                      tz=settings.tz, reset_hour=settings.day_reset_hour)
    out: dict[str, list[TrendPoint]] = {name: [] for name in TREND_METRICS}
    for day in days_in(window, settings.tz, settings.day_reset_hour):
        for name, metric in TREND_METRICS.items():
            mine = by_day.get(agent_id, {}).get(day)
            values = [v for member in team if (c := by_day.get(member, {}).get(day)) is not None
                      and (v := metric(c)) is not None]
            out[name].append(TrendPoint(day, metric(mine) if mine is not None else None,
                                        statistics.median(values) if values else None))
    return out


def agent_detail(session: Session, settings: Settings, filters: Filters, agent_id: str, day: date,
                 now: datetime) -> AgentDetail | None:
    """Everything on the agent's page but the contacts; None for an agent the store does not know."""
    people = raw.agent_rows(session)
    person = people.get(agent_id)
    lines = agent_lines(session, settings, filters, now, only=[agent_id])
    summary = lines[0] if lines else None
    if person is None and (summary is None or not (summary.contacts_handled or summary.utilization)):
        return None
    team_name = person.team if person else None
    team = [a for a, row in people.items() if team_name and row.team == team_name] or list(people) or [agent_id]
    window = filters.window(settings.tz, settings.day_reset_hour)
    comments = [{"responded_at": s.responded_at, "kind": s.kind, "score": s.score, "comment": s.comment,
                 "queue": s.queue} for s in raw.agent_comments(session, agent_id, window.start, window.end)]
    return AgentDetail(agent_id, person.name if person else agent_id, (team_name or ""), summary, day,
                       timeline(session, settings, agent_id, day, now),
                       trends(session, settings, filters, agent_id, team), comments)


def contact_rows(session: Session, settings: Settings, filters: Filters, agent_id: str, offset: int,
                 limit: int, sort: str = "ended_at", descending: bool = True) -> tuple[list[dict], int]:
    """One page (≤ 500 rows) of the agent's contacts ended in the range, as grid rows, and the total."""
    window = filters.window(settings.tz, settings.day_reset_hour)
    rows, count = raw.agent_contacts_page(
        session, agent_id, window.start, window.end, queues=filters.queues, channels=filters.channels,
        offset=offset, limit=min(limit, PAGE_ROWS), sort=sort, descending=descending)
    surveys = raw.surveys_of(session, rows)
    repeat_window = ContactPolicy(repeat_window_seconds=settings.repeat_window_days * 86400.0)
    out = []
    for row in rows:
        csat = [s.score for s in surveys.get(row.id, []) if s.kind == "csat"]
        start = row.answered_at or row.arrived_at
        out.append({
            "id": row.id, "arrived_at": row.arrived_at.astimezone(settings.tz).isoformat(),
            "ended_at": row.ended_at.astimezone(settings.tz).isoformat(),
            "channel": row.channel, "queue": row.queue,
            "wait_seconds": (start - row.arrived_at).total_seconds(),
            "handle_seconds": sum(handle_parts(row)),  # as AHT counts it: an email's open hours are not work
            "transferred": (row.transfer_count or 0) >= 1, "resolved": row.resolved,
            "csat": csat[-1] if csat else None, "repeat": is_repeat(row, repeat_window)})
    return out, count
