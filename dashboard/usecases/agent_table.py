"""``/agents``: one row per agent over a date range and the queue/channel filter.

Contact figures are the agent roll-up (``agent_interval_stats``) summed over the
range, state figures the state roll-up (``agent_state_stats``) plus each agent's
open state clipped at ``now``; ratios come from ``dashboard.metrics`` only, so
these rows equal the metric functions over the same raw records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.metrics import agents as agent_metrics
from dashboard.metrics import ratios
from dashboard.metrics.counts import Counts
from dashboard.settings import Settings
from dashboard.store import raw, read
from dashboard.usecases.filters import Filters

COLUMNS = ("agent_id", "name", "team", "contacts_handled", "aht_seconds", "acw_share", "occupancy",
           "utilization", "fcr", "transfer_rate", "csat", "nps", "aux_seconds")
DEFAULT_COLUMNS = ("name", "team", "contacts_handled", "aht_seconds", "acw_share", "occupancy",
                   "utilization", "fcr", "transfer_rate", "csat", "nps", "aux_seconds")


@dataclass(frozen=True, slots=True)
class AgentLine:
    """One agent's figures over the range; rates are fractions, None is no value."""

    agent_id: str
    name: str
    team: str
    contacts_handled: int
    aht_seconds: float | None
    acw_share: float | None
    occupancy: float | None
    utilization: float | None
    fcr: float | None
    transfer_rate: float | None
    csat: float | None
    nps: int | None
    aux_seconds: float
    aux_by_reason: dict[str, float] = field(default_factory=dict)


def agent_line(agent_id: str, name: str, team: str, counts: Counts, seconds: dict[str, float],
               aux: dict[str, float]) -> AgentLine:
    """One row from summed counts, seconds by state and aux seconds by reason."""
    return AgentLine(
        agent_id=agent_id, name=name, team=team, contacts_handled=agent_metrics.contacts_handled(counts),
        aht_seconds=ratios.aht_seconds(counts), acw_share=agent_metrics.after_contact_work_share(seconds),
        occupancy=agent_metrics.occupancy(seconds), utilization=agent_metrics.utilization(seconds),
        fcr=ratios.fcr(counts), transfer_rate=ratios.transfer_rate(counts), csat=ratios.csat(counts),
        nps=ratios.nps(counts), aux_seconds=seconds.get("aux", 0.0), aux_by_reason=aux)


def agent_lines(session: Session, settings: Settings, filters: Filters, now: datetime,
                only: list[str] | None = None) -> list[AgentLine]:
    """Every agent who handled a contact or was logged in within the range.

    With a queue or channel filter: only agents who handled contacts there, with
    their contact figures there; state time is the agent's whole time (a state
    belongs to no queue). ``only`` restricts the rows to these agent ids.
    """
    window = filters.window(settings.tz, settings.day_reset_hour)
    by_agent = read.counts_by(session, window.start, window.end, "agent", queues=filters.queues,
                              channels=filters.channels, agents=only)
    narrowed = filters.queues is not None or filters.channels is not None or only is not None
    closed = read.state_seconds_by_agent(session, window.start, window.end,
                                         list(set(by_agent) | set(only or ())) if narrowed else None)
    wanted = set(by_agent) | (set(only or ()) if narrowed else set(closed))
    current = [s for s in raw.open_states(session, wanted) if s.started_at < window.end]
    # open states are not in the roll-up yet: their time so far is added, clipped to the window
    seconds = agent_metrics.add_seconds(closed, agent_metrics.state_seconds(current, window.start, window.end, now))
    aux = read.aux_seconds_by_agent(session, window.start, window.end, wanted)
    for state in current:
        if state.state == "aux":
            part = agent_metrics.state_seconds([state], window.start, window.end, now)
            held = aux.setdefault(state.agent_id, {})
            held[state.reason or ""] = held.get(state.reason or "", 0.0) + part.get(state.agent_id, {}).get("aux", 0.0)
    people = raw.agent_rows(session, wanted)
    lines = []
    for agent_id in sorted(wanted):
        person = people.get(agent_id)
        lines.append(agent_line(agent_id, person.name if person else agent_id, (person.team or "") if person else "",
                                by_agent.get(agent_id, Counts()), seconds.get(agent_id, {}), aux.get(agent_id, {})))
    return lines


def aux_reasons(lines: list[AgentLine]) -> list[str]:
    """Every aux reason any line has, sorted ("" last)."""
    return sorted({r for line in lines for r in line.aux_by_reason}, key=lambda r: (r == "", r))


def grid_rows(lines: list[AgentLine]) -> list[dict]:
    """Plain dicts for the grid: the figures, plus one ``aux:<reason>`` column per aux reason."""
    rows = []
    for line in lines:
        row = {name: getattr(line, name) for name in COLUMNS}
        row.update({f"aux:{reason}": seconds for reason, seconds in line.aux_by_reason.items()})
        rows.append(row)
    return rows
