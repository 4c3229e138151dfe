"""The simulated workforce: agents with teams and skills, and each agent's shift and planned aux on a day.

The roster depends only on the scale (agent a017 is the same person for every
seed); the day plans depend on (seed, date, agent), so any day can be planned
on its own. Shifts are 8.5 hours including lunch, start on a team pattern with
a daily jitter of up to 30 minutes, and voice teams are fitted into shorter
weekend opening hours. Two rest days a week rotate over the team; a few agents
are absent on any day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from collectors.sources.simulation.clock import MINUTE, wall_ms
from collectors.sources.simulation.profiles import QUEUE_BY_NAME

FIRST = ("Ava", "Noah", "Mia", "Liam", "Zoe", "Omar", "Lena", "Ravi", "Ines", "Tomas", "Yuki", "Sofia",
         "Mateo", "Amara", "Jonas", "Priya", "Felix", "Nora", "Elif", "Hugo", "Maya", "Kai", "Lucia",
         "Aiden", "Sara", "Emre", "Chloe", "Diego", "Hana", "Oskar")
LAST = ("Marsh", "Okafor", "Lindqvist", "Tanaka", "Moreau", "Brennan", "Castillo", "Novak", "Reyes",
        "Haddad", "Fischer", "Sato", "Quinn", "Varga", "Ortiz", "Kowalski", "Dubois", "Mensah", "Petrov",
        "Silva", "Ward", "Lund", "Bianchi", "Ferreira", "Holm")
KOREAN = ("Seo-yeon Park", "Ji-ho Han", "Da-eun Yoon", "Min-seo Cho", "Hyun-woo Baek", "Ye-jin Song")

# (team, skills in order of preference, agents at scale 1, shift start hours, fitted to voice hours)
TEAMS = (
    ("Billing", ("Billing", "Email Care"), 12, (7, 7, 7, 7.5, 7.5, 8, 8, 8.5, 9, 10, 12, 12.5), True),
    ("Tech", ("Tech Support", "Chat Support"), 11, (7, 7, 7.5, 7.5, 8, 8, 8.5, 9, 10, 12, 12.5), True),
    ("Sales", ("Sales", "Billing"), 7, (7.5, 8, 8, 8.5, 9, 11, 12.5), True),
    ("Korean", ("Korean Desk", "SMS Care", "Chat Support"), 4, (8.5, 9, 9.5, 10), True),
    ("Digital", ("Chat Support", "SMS Care", "Social Care", "Email Care"), 11,
     (6.5, 7, 14.5, 7.5, 8, 8.5, 14.5, 9, 10, 11, 14.5), False),
    ("Floor", ("Tech Support", "Billing", "Sales", "Email Care"), 6, (7, 7.5, 8, 9, 11, 12.5), True),
)
# Rest days weighted to the weekend, in proportion to the lower weekend demand.
REST_DAYS = ((5, 6), (5, 6), (6, 0), (4, 5), (5, 6), (1, 6), (4, 5), (2, 6), (5, 6), (3, 5), (1, 2), (3, 6))
# The late digital desk clears the day's async backlog: its rest days never leave an evening empty.
LATE_DESK_FROM_HOURS = 14
LATE_DESK_REST = ((0, 1), (2, 3), (4, 6))
SHIFT_HOURS = 8.5
ABSENCE_SHARE = 0.03


@dataclass(frozen=True)
class RosterAgent:
    agent_id: str
    name: str
    team: str
    skills: tuple[str, ...]
    start_hours: float  # usual shift start, local hours
    rest_days: tuple[int, int]
    voice_hours: bool  # fitted into the voice opening hours on short days


@dataclass(frozen=True)
class DayPlan:
    """One agent's working day: login and logoff instants, and planned aux (instant, reason, milliseconds)."""

    start_ms: int
    end_ms: int
    aux: tuple[tuple[int, str, int], ...]


def _name(index: int, team: str, korean_index: int) -> str:
    if team == "Korean":
        return KOREAN[korean_index % len(KOREAN)] + ("" if korean_index < len(KOREAN) else f" {korean_index}")
    base = f"{FIRST[index % len(FIRST)]} {LAST[(index + index // len(FIRST)) % len(LAST)]}"
    return base if index < len(FIRST) * len(LAST) else f"{base} {index}"


@lru_cache(maxsize=8)
def roster(scale: float = 1.0) -> tuple[RosterAgent, ...]:
    """Every agent of the center at ``scale`` (team sizes multiplied, at least one per team)."""
    agents: list[RosterAgent] = []
    other = korean = late = 0
    for team, skills, size, starts, voice in TEAMS:
        for member in range(max(1, round(size * scale))):
            number = len(agents) + 1
            if team == "Korean":
                name, korean = _name(0, team, korean), korean + 1
            else:
                name, other = _name(other, team, 0), other + 1
            start = starts[member % len(starts)]
            if start >= LATE_DESK_FROM_HOURS:
                rest, late = LATE_DESK_REST[late % len(LATE_DESK_REST)], late + 1
            else:
                rest = REST_DAYS[(number * 5) % len(REST_DAYS)]
            agents.append(RosterAgent(f"a{number:03d}", name, team, skills, start, rest, voice))
    return tuple(agents)


def _fit_hours(agent: RosterAgent, weekday: int, start: float) -> tuple[float, float] | None:
    """Start and end hours of the shift, fitted into the primary queue's opening hours on short days."""
    end = start + SHIFT_HOURS
    hours = QUEUE_BY_NAME[agent.skills[0]].hours[weekday]
    if not agent.voice_hours:
        return start, end
    if hours is None:
        return None
    opened, closed = hours
    start = max(start, opened - 0.5)
    end = min(start + SHIFT_HOURS, closed + 0.5)
    return (start, end) if end - start >= 4 else None


def day_plan(seed: int, day: date, agent: RosterAgent, tz: ZoneInfo) -> DayPlan | None:
    """The agent's shift on ``day``, or None on a rest day, an absence or a closed primary queue."""
    weekday = day.weekday()
    rng = random.Random(f"plan:{seed}:{day.isoformat()}:{agent.agent_id}")
    if weekday in agent.rest_days or rng.random() < ABSENCE_SHARE:
        return None
    fitted = _fit_hours(agent, weekday, agent.start_hours + rng.choice((-0.25, 0, 0, 0.25, 0.5)))
    if fitted is None:
        return None
    start, end = fitted
    planned = [(start + 2 + rng.uniform(-0.25, 0.25), "break", 15)]
    if end - start >= 6:
        planned.append((start + 4 + rng.uniform(-0.5, 0.5), "lunch", 30))
    if end - start >= 7.5:
        planned.append((start + 6.5 + rng.uniform(-0.25, 0.25), "break", 15))
    if rng.random() < 0.08:
        planned.append((start + 0.75, "training", 60))
    if rng.random() < 0.12:
        planned.append((start + 5.1, "meeting", 30))
    aux = tuple(sorted((wall_ms(day, hour, tz), reason, minutes * MINUTE)
                       for hour, reason, minutes in planned if hour < end - 0.25))
    return DayPlan(wall_ms(day, start, tz), wall_ms(day, end, tz), aux)
