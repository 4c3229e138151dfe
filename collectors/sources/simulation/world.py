"""One operating day of the world, simulated once, indexed by the instants at which its records change.

``simulate_day(seed, day, tz, scale)`` is a pure function (cached): it plans
the day's arrivals and shifts, runs the engine and derives the surveys. A day's
agent states run from local midnight to the next; its events begin at 20:00 the
evening before (async arrivals that wait for the morning) and end, with
closings and late survey answers, before ``TAIL`` after its last midnight.

Each record has *change points* (a contact's arrival, answer, transfer,
abandon, end and end of wrap-up; a state's start and end; a survey's answer).
``view_*`` returns a record as seen at an instant: fields whose time has not
come are None (or 0), so nothing after that instant shows.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from collectors.sources.simulation.clock import HOUR, MINUTE, to_datetime, wall_ms
from collectors.sources.simulation.engine import Engine
from collectors.sources.simulation.feedback import SimSurvey, surveys_for
from collectors.sources.simulation.journeys import arrival_window, arrivals_for
from collectors.sources.simulation.model import SimAgent, SimContact
from collectors.sources.simulation.profiles import ASYNC_CUTOFF_HOURS, QUEUES
from collectors.sources.simulation.roster import day_plan, roster
from dashboard.records import AgentStateInterval, Contact, SurveyResponse

TAIL = 24 * HOUR
HARD_STOP_BEFORE_MIDNIGHT = 5 * MINUTE

StateRow = tuple[str, str, str, str | None, int, int]  # source id, agent, state, reason, start, end


class DayWorld:
    """The final records of one operating day and an index of their change points."""

    def __init__(self, day: date, start_ms: int, end_ms: int, contacts: list[SimContact],
                 states: list[StateRow], surveys: list[SimSurvey]):
        self.day, self.start_ms, self.end_ms = day, start_ms, end_ms
        self.contacts, self.states, self.surveys = contacts, states, surveys
        points: list[tuple[int, int]] = []
        self.first: list[int] = []
        self.last: list[int] = []
        for ref, times in enumerate(self._points()):
            points.extend((at, ref) for at in times)
            self.first.append(min(times))
            self.last.append(max(times))
        points.sort()
        self.times = [at for at, _ in points]
        self.refs = [ref for _, ref in points]

    def _points(self):
        for c in self.contacts:
            yield [t for t in (c.arrived, c.answered, c.abandoned, c.ended, c.wrap_done, c.transfer_at,
                               c.second_answered) if t is not None]
        for row in self.states:
            yield [row[4], row[5]]
        for survey in self.surveys:
            yield [survey.responded_ms]

    @property
    def horizon_ms(self) -> int:
        """No record of this day changes at or after this instant."""
        return self.end_ms + TAIL

    def changed(self, after_ms: int, until_ms: int) -> set[int]:
        """References of records with a change point in (after_ms, until_ms]."""
        low, high = bisect_right(self.times, after_ms), bisect_right(self.times, until_ms)
        return set(self.refs[low:high])

    def open_at(self, at_ms: int) -> set[int]:
        """References of records that exist at ``at_ms`` and change after it (waiting, running, open)."""
        return {ref for ref, (first, last) in enumerate(zip(self.first, self.last)) if first <= at_ms < last}

    def seen_by(self, at_ms: int) -> set[int]:
        """References of every record that exists at ``at_ms``."""
        return {ref for ref, first in enumerate(self.first) if first <= at_ms}

    def view(self, ref: int, at_ms: int, source: str):
        """Record ``ref`` as seen at ``at_ms`` (a Contact, AgentStateInterval or SurveyResponse)."""
        if ref < len(self.contacts):
            return view_contact(self.contacts[ref], at_ms, source)
        ref -= len(self.contacts)
        if ref < len(self.states):
            key, agent_id, state, reason, start, end = self.states[ref]
            return AgentStateInterval(source, key, agent_id, state, to_datetime(start),
                                      to_datetime(end) if end <= at_ms else None, reason)
        survey = self.surveys[ref - len(self.states)]
        return SurveyResponse(source, survey.key, survey.contact_key, survey.kind, survey.score,
                              to_datetime(survey.responded_ms), survey.comment)


def _seen(at_ms: int | None, now_ms: int) -> int | None:
    return at_ms if at_ms is not None and at_ms <= now_ms else None


def view_contact(c: SimContact, now_ms: int, source: str) -> Contact:
    """The contact as seen at ``now_ms``: agent, transfer, outcome and wrap-up appear when they happen."""
    answered, ended = _seen(c.answered, now_ms), _seen(c.ended, now_ms)
    abandoned, wrapped = _seen(c.abandoned, now_ms), _seen(c.wrap_done, now_ms)
    agent = c.agent if _seen(c.second_answered, now_ms) else c.first_agent if answered else None
    closed = ended is not None and wrapped is not None
    wrap_from = c.ended if c.queue.sync else c.answered
    wrap_seconds = (c.wrap_done - wrap_from) / 1000 if wrapped is not None and wrap_from is not None else 0.0
    resolved = None
    if closed and abandoned is None:
        resolved = False if c.unanswered else c.resolves
    return Contact(source=source, source_id=c.key, channel=c.channel, queue=c.queue.name,
                   arrived_at=to_datetime(c.arrived), customer_id=c.customer_id,
                   answered_at=to_datetime(answered) if answered is not None else None,
                   abandoned_at=to_datetime(abandoned) if abandoned is not None else None,
                   ended_at=to_datetime(ended) if ended is not None else None,
                   wrap_seconds=wrap_seconds, agent_id=agent,
                   transfer_count=1 if _seen(c.transfer_at, now_ms) is not None else 0,
                   resolved=resolved, topic=c.topic)


def _state_rows(agents: list[SimAgent], day: date, end_ms: int) -> list[StateRow]:
    rows: list[StateRow] = []
    stamp = f"{day:%Y%m%d}"
    for agent in agents:
        log = agent.log
        for number, (state, reason, start) in enumerate(log):
            end = log[number + 1][2] if number + 1 < len(log) else end_ms
            rows.append((f"{agent.agent_id}-{stamp}-{number:03d}", agent.agent_id, state, reason, start, end))
    return rows


@lru_cache(maxsize=12)
def simulate_day(seed: int, day: date, tz_name: str, scale: float = 1.0) -> DayWorld:
    """The world of operating ``day``: a pure function of its arguments."""
    tz = ZoneInfo(tz_name)
    day_start, day_end = wall_ms(day, 0, tz), wall_ms(day + timedelta(days=1), 0, tz)
    agents = [SimAgent(person, day_plan(seed, day, person, tz), day_start) for person in roster(scale)]
    closes = {q.name: (arrival_window(q, day, tz) or (day_start, day_start))[1] for q in QUEUES}
    engine = Engine(seed, day, scale, agents, closes, day_end - HARD_STOP_BEFORE_MIDNIGHT)
    engine.plan(arrivals_for(seed, day, tz_name, scale))
    engine.run()
    contacts = sorted(engine.contacts, key=lambda c: (c.arrived, c.key))
    rng = random.Random(f"surveys:{seed}:{day.isoformat()}:{scale}")
    surveys = [s for c in contacts for s in surveys_for(c, rng)]
    start = wall_ms(day - timedelta(days=1), ASYNC_CUTOFF_HOURS, tz)
    return DayWorld(day, start, day_end, contacts, _state_rows(agents, day, day_end), surveys)
