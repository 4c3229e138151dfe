"""Agent figures: occupancy, utilization, time in state, contacts handled, and AHT, FCR, CSAT per agent.

State time comes as seconds by state (the ``agent_state_stats`` roll-up holds
closed state intervals), plus the open intervals clipped at ``now``
(``state_seconds``), added with ``add_seconds``. Staffed time is every state but
offline; handle time is on_contact + after_contact_work; idle is available.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping

from dashboard.metrics import ratios
from dashboard.metrics.counts import Counts

HANDLE_STATES = ("on_contact", "after_contact_work")
IDLE_STATE = "available"
OFFLINE_STATE = "offline"


@dataclass(frozen=True, slots=True)
class AgentFigures:
    """One agent over one window; None is no value, shown as a dash."""

    agent_id: str
    state: str | None
    time_in_state_seconds: float | None
    occupancy: float | None
    utilization: float | None
    contacts_handled: int
    aht_seconds: float | None
    fcr: float | None
    csat: float | None


def state_seconds(states: Iterable, start: datetime, end: datetime, now: datetime) -> dict[str, dict[str, float]]:
    """Seconds per agent and state within [start, min(end, now)); an open interval runs until ``now``.

    ``states`` have the attributes of ``AgentStateInterval``. An interval that
    ends before it starts adds nothing.
    """
    stop = min(end, now)
    out: defaultdict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    for state in states:
        lo = max(state.started_at, start)
        hi = min(state.ended_at or now, stop)
        if hi > lo:
            out[state.agent_id][state.state] += (hi - lo).total_seconds()
    return {agent: dict(seconds) for agent, seconds in out.items()}


def add_seconds(*parts: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Seconds per agent and state summed over several sources (roll-ups and open intervals)."""
    out: defaultdict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    for part in parts:
        for agent, seconds in part.items():
            for state, value in seconds.items():
                out[agent][state] += value
    return {agent: dict(seconds) for agent, seconds in out.items()}


def handle_seconds(seconds: Mapping[str, float]) -> float:
    return sum(seconds.get(s, 0.0) for s in HANDLE_STATES)


def staffed_seconds(seconds: Mapping[str, float]) -> float:
    return sum(value for state, value in seconds.items() if state != OFFLINE_STATE)


def occupancy(seconds: Mapping[str, float]) -> float | None:
    """Handle ÷ (handle + available), in [0, 1]; no handle or available time → None."""
    handle = handle_seconds(seconds)
    denominator = handle + seconds.get(IDLE_STATE, 0.0)
    return handle / denominator if denominator else None


def utilization(seconds: Mapping[str, float]) -> float | None:
    """Handle ÷ staffed (every state but offline), in [0, 1]; never staffed → None."""
    staffed = staffed_seconds(seconds)
    return handle_seconds(seconds) / staffed if staffed else None


def after_contact_work_share(seconds: Mapping[str, float]) -> float | None:
    """After-contact work ÷ handle time (on_contact + after_contact_work), in [0, 1]; no handle time → None."""
    handle = handle_seconds(seconds)
    return seconds.get("after_contact_work", 0.0) / handle if handle else None


def time_in_state_seconds(current, now: datetime) -> float | None:
    """now − ``started_at`` of the agent's current state, seconds; no current state → None."""
    if current is None:
        return None
    return max(0.0, (now - current.started_at).total_seconds())


def contacts_handled(counts: Counts) -> int:
    """Contacts the agent ended in the window (a count)."""
    return counts.ended


def current_states(states: Iterable, now: datetime) -> dict[str, object]:
    """Each agent's state at ``now``: the latest interval started by ``now`` and not ended by it."""
    current: dict[str, object] = {}
    for state in states:
        if state.started_at <= now and (state.ended_at is None or state.ended_at > now):
            held = current.get(state.agent_id)
            if held is None or state.started_at >= held.started_at:
                current[state.agent_id] = state
    return current


def agent_figures(agent_id: str, seconds: Mapping[str, float], counts: Counts, current,
                  now: datetime) -> AgentFigures:
    """All of one agent's figures: state time in seconds by state, contact counts, current state or None."""
    return AgentFigures(
        agent_id=agent_id,
        state=getattr(current, "state", None),
        time_in_state_seconds=time_in_state_seconds(current, now),
        occupancy=occupancy(seconds),
        utilization=utilization(seconds),
        contacts_handled=contacts_handled(counts),
        aht_seconds=ratios.aht_seconds(counts),
        fcr=ratios.fcr(counts),
        csat=ratios.csat(counts))
