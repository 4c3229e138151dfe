"""The mutable things of one simulated day: contacts in flight and agents with their state log.

Durations are drawn when a contact is created, in creation order, so the same
seed gives the same contact whatever happens around it. Times are integer
milliseconds since the epoch.
"""

from __future__ import annotations

import random

from collectors.sources.simulation.clock import HOUR, MINUTE, SECOND
from collectors.sources.simulation.journeys import Arrival
from collectors.sources.simulation.profiles import QUEUE_BY_NAME, QueueProfile
from collectors.sources.simulation.roster import DayPlan, RosterAgent

PENDING, WAITING, ACTIVE, DONE, ABANDONED = range(5)
MAX_PATIENCE_MS = 30 * MINUTE
MAX_WRAP_MS = 5 * MINUTE
MAX_CLOSE_MS = 8 * HOUR


def handle_ms(queue: QueueProfile, rng: random.Random) -> int:
    """A log-normal handling time for ``queue``, kept between 20 s and six medians."""
    seconds = queue.handle_median_seconds * rng.lognormvariate(0.0, queue.handle_sigma)
    return int(min(max(seconds, 20.0), 6 * queue.handle_median_seconds) * SECOND)


class SimContact:
    """One contact: the plan drawn at creation, and what the simulation made of it."""

    __slots__ = ("key", "queue", "customer_id", "topic", "language", "resolves", "arrived", "patience",
                 "handle", "wrap", "transfer", "first_leg", "second_handle", "close", "status", "enqueued",
                 "answered", "abandoned", "ended", "wrap_done", "first_agent", "agent", "transfer_at",
                 "second_answered", "unanswered", "retries")

    def __init__(self, arrival: Arrival, at_ms: int, key: str, rng: random.Random):
        queue = QUEUE_BY_NAME[arrival.queue]
        self.key, self.queue, self.arrived = key, queue, at_ms
        self.customer_id, self.topic = arrival.customer_id, arrival.topic
        self.language, self.resolves = arrival.language, arrival.resolves
        self.handle = handle_ms(queue, rng)
        self.wrap = int(min(rng.expovariate(1 / queue.wrap_mean_seconds) * SECOND, MAX_WRAP_MS))
        self.patience = None if not queue.sync else int(
            min(rng.expovariate(1 / queue.patience_mean_seconds) * SECOND, MAX_PATIENCE_MS))
        self.transfer = queue.transfer_to is not None and rng.random() < queue.transfer_share
        self.first_leg = int(self.handle * rng.uniform(0.25, 0.5))
        self.second_handle = handle_ms(QUEUE_BY_NAME[queue.transfer_to], rng) if self.transfer else 0
        self.close = 0 if queue.sync else int(min(
            queue.close_median_seconds * SECOND * rng.lognormvariate(0.0, 0.8), MAX_CLOSE_MS))
        self.status, self.enqueued, self.retries = PENDING, at_ms, 0
        self.answered = self.abandoned = self.ended = self.wrap_done = None
        self.first_agent = self.agent = self.transfer_at = self.second_answered = None
        self.unanswered = False

    @property
    def channel(self) -> str:
        return self.queue.channel


class SimAgent:
    """One agent on one day: what they hold now, what they owe (aux, logoff), and their state log.

    ``status`` is offline, idle, busy (one voice or async contact), wrap, chat
    (one to three chat sessions, talking or wrapping) or aux.
    """

    __slots__ = ("person", "plan", "skills", "status", "reason", "talking", "wrapping", "pending",
                 "off_due", "log")

    def __init__(self, person: RosterAgent, plan: DayPlan | None, day_start_ms: int):
        self.person, self.plan, self.skills = person, plan, person.skills
        self.status, self.reason = "offline", None
        self.talking = self.wrapping = 0
        self.pending: list[tuple[str, int]] = []
        self.off_due = False
        self.log: list[list] = [["offline", None, day_start_ms]]

    @property
    def agent_id(self) -> str:
        return self.person.agent_id

    def label(self) -> tuple[str, str | None]:
        """The reporting state (records.AGENT_STATES) and aux reason of the current status."""
        match self.status:
            case "offline":
                return "offline", None
            case "aux":
                return "aux", self.reason
            case "busy":
                return "on_contact", None
            case "wrap":
                return "after_contact_work", None
            case "chat":
                return ("on_contact", None) if self.talking else ("after_contact_work", None)
        return "available", None

    def mark(self, at_ms: int) -> None:
        """Log the current state from ``at_ms``, merging zero-length and repeated entries."""
        state, reason = self.label()
        last = self.log[-1]
        if (last[0], last[1]) == (state, reason):
            return
        if last[2] == at_ms:
            self.log.pop()
            if self.log and (self.log[-1][0], self.log[-1][1]) == (state, reason):
                return
        self.log.append([state, reason, at_ms])
