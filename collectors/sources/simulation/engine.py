"""The discrete-event engine of one operating day: a heap of timed events, queues, agents, routing.

Routing: a new chat goes to a skilled agent already holding one or two chats
(filling agents up to three); any other new contact, or a chat that finds no
such agent, goes to the longest-idle skilled agent; otherwise it waits
first come, first served. A freed agent takes the waiting contact of the most
urgent channel (voice, chat, sms, social, email) that has waited longest. An
aux due while busy is taken after the work in hand, and no new work is taken
meanwhile. At the end of a shift an agent finishes what they hold, and stays
on only to clear queues that take no more arrivals that day (the evening
clean-up), until the hard stop five minutes before local midnight, which ends
whatever is left.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from datetime import date

from collectors.sources.simulation.clock import MINUTE
from collectors.sources.simulation.journeys import Arrival
from collectors.sources.simulation.model import (
    ABANDONED, ACTIVE, DONE, WAITING, SimAgent, SimContact)
from collectors.sources.simulation.profiles import PRIORITY, QUEUES

ARRIVE, ABANDON, LOGIN, LOGOFF, AUX_DUE, AUX_END, TALK_END, WRAP_END, CHAT_END, CHAT_WRAP_END = range(10)
CHAT_SLOTS = 3
RETRY_SHARE = 0.3


class Engine:
    """Simulates one operating day; ``run`` leaves the outcome in ``contacts`` and ``agents``."""

    def __init__(self, seed: int, day: date, scale: float, agents: list[SimAgent],
                 closes: dict[str, int], hard_stop_ms: int):
        self.rng = random.Random(f"engine:{seed}:{day.isoformat()}:{scale}")
        self.agents, self.closes, self.hard_stop = agents, closes, hard_stop_ms
        self.heap: list[tuple] = []
        self.seq = 0
        self.contacts: list[SimContact] = []
        self.waiting: dict[str, deque[SimContact]] = {q.name: deque() for q in QUEUES}
        self.idle: dict[str, dict[SimAgent, None]] = {q.name: {} for q in QUEUES}
        self.partial: dict[str, dict[SimAgent, None]] = {q.name: {} for q in QUEUES if q.channel == "chat"}
        self.staff = {q.name: [a for a in agents if q.name in a.skills] for q in QUEUES}
        self.handlers = (self._arrive, self._abandon, self._login, self._logoff, self._aux_due,
                         self._aux_end, self._talk_end, self._wrap_end, self._chat_end, self._chat_wrap_end)

    def push(self, at_ms: int, kind: int, subject, extra=None) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at_ms, self.seq, kind, subject, extra))

    def plan(self, arrivals: list[Arrival]) -> None:
        """Schedule the day's arrivals, logins, logoffs and planned aux."""
        for arrival in arrivals:
            self.push(arrival.at_ms, ARRIVE, SimContact(arrival, arrival.at_ms, arrival.key, self.rng))
        for agent in self.agents:
            if agent.plan is None:
                continue
            self.push(agent.plan.start_ms, LOGIN, agent)
            self.push(agent.plan.end_ms, LOGOFF, agent)
            for at_ms, reason, duration in agent.plan.aux:
                self.push(at_ms, AUX_DUE, agent, (reason, duration))

    def run(self) -> None:
        while self.heap and self.heap[0][0] < self.hard_stop:
            at_ms, _, kind, subject, extra = heapq.heappop(self.heap)
            self.handlers[kind](at_ms, subject, extra)
        self._stop(self.hard_stop)

    # ---- contacts ---------------------------------------------------------------------------

    def _arrive(self, t: int, contact: SimContact, _) -> None:
        self.contacts.append(contact)
        self._offer(contact, t)

    def _offer(self, contact: SimContact, t: int, front: bool = False) -> None:
        name = contact.queue.name
        agent = next(iter(self.partial.get(name, ())), None) or next(iter(self.idle[name]), None)
        if agent is not None:
            self._start(agent, contact, t)
            return
        contact.status = WAITING
        if front:
            self.waiting[name].appendleft(contact)
            return
        self.waiting[name].append(contact)
        if contact.patience is not None:
            self.push(t + contact.patience, ABANDON, contact)

    def _abandon(self, t: int, contact: SimContact, _) -> None:
        if contact.status != WAITING or contact.transfer_at is not None:
            return
        contact.status, contact.abandoned = ABANDONED, t
        retry_at = t + int(self.rng.uniform(3, 30) * MINUTE)
        if self.rng.random() < RETRY_SHARE and retry_at < self.closes[contact.queue.name]:
            arrival = _retry_arrival(contact)
            retry = SimContact(arrival, retry_at, f"{contact.key}-r{contact.retries + 1}", self.rng)
            retry.retries = contact.retries + 1
            self.push(retry_at, ARRIVE, retry)

    def _start(self, agent: SimAgent, contact: SimContact, t: int) -> None:
        """``agent`` takes ``contact`` now."""
        self._leave_idle(agent)
        contact.status = ACTIVE
        if contact.channel == "chat":
            contact.answered, contact.first_agent, contact.agent = t, agent.agent_id, agent.agent_id
            agent.status, agent.talking = "chat", agent.talking + 1
            self.push(t + contact.handle, CHAT_END, agent, contact)
        elif contact.queue.sync:
            agent.status = "busy"
            self.push(t + self._voice_leg(agent, contact, t), TALK_END, agent, contact)
        else:
            agent.status = "busy"
            self.push(t + contact.handle, TALK_END, agent, contact)
        self._sync_partial(agent)
        agent.mark(t)

    def _voice_leg(self, agent: SimAgent, contact: SimContact, t: int) -> int:
        """Length of this agent's talk; a planned transfer happens only if the target queue is staffed."""
        if contact.transfer_at is not None:
            contact.second_answered, contact.agent = t, agent.agent_id
            return contact.second_handle
        contact.answered, contact.first_agent, contact.agent = t, agent.agent_id, agent.agent_id
        target = contact.queue.transfer_to
        contact.transfer = contact.transfer and any(
            a.status != "offline" and not a.off_due for a in self.staff[target] if a is not agent)
        return contact.first_leg if contact.transfer else contact.handle

    def _talk_end(self, t: int, agent: SimAgent, contact: SimContact) -> None:
        wrap, transferring = contact.wrap, False
        if not contact.queue.sync:
            contact.answered, contact.agent, contact.first_agent = t, agent.agent_id, agent.agent_id
            contact.ended, contact.wrap_done, contact.status = t + max(contact.close, wrap), t + wrap, DONE
        elif contact.transfer and contact.transfer_at is None:
            contact.transfer_at, wrap, transferring = t, wrap // 2, True
        else:
            contact.ended, contact.wrap_done, contact.status = t, t + wrap, DONE
        agent.status = "wrap"
        agent.mark(t)
        self.push(t + wrap, WRAP_END, agent)
        if transferring:
            self._offer_transfer(contact, t)

    def _offer_transfer(self, contact: SimContact, t: int) -> None:
        """A blind transfer: the contact waits at the front of the target queue, with no abandon."""
        target = contact.queue.transfer_to
        agent = next(iter(self.idle[target]), None)
        if agent is not None:
            self._start(agent, contact, t)
            return
        contact.status = WAITING
        self.waiting[target].appendleft(contact)

    def _wrap_end(self, t: int, agent: SimAgent, _) -> None:
        self._free(agent, t)

    def _chat_end(self, t: int, agent: SimAgent, contact: SimContact) -> None:
        contact.ended, contact.wrap_done, contact.status = t, t + contact.wrap, DONE
        agent.talking, agent.wrapping = agent.talking - 1, agent.wrapping + 1
        agent.mark(t)
        self.push(t + contact.wrap, CHAT_WRAP_END, agent)

    def _chat_wrap_end(self, t: int, agent: SimAgent, _) -> None:
        agent.wrapping -= 1
        if agent.talking + agent.wrapping == 0:
            self._free(agent, t)
            return
        if not agent.pending and not agent.off_due:
            contact = self._next_contact(agent, t, chat_only=True)
            if contact is not None:
                self._start(agent, contact, t)
        self._sync_partial(agent)
        agent.mark(t)

    # ---- agents -----------------------------------------------------------------------------

    def _login(self, t: int, agent: SimAgent, _) -> None:
        agent.off_due = False
        self._free(agent, t)

    def _logoff(self, t: int, agent: SimAgent, _) -> None:
        agent.off_due = True
        agent.pending.clear()
        self._sync_partial(agent)
        if agent.status == "idle":
            self._free(agent, t)

    def _aux_due(self, t: int, agent: SimAgent, planned: tuple[str, int]) -> None:
        if agent.status == "offline" or agent.off_due:
            return
        agent.pending.append(planned)
        self._sync_partial(agent)
        if agent.status == "idle":
            self._free(agent, t)

    def _aux_end(self, t: int, agent: SimAgent, _) -> None:
        self._free(agent, t)

    def _free(self, agent: SimAgent, t: int) -> None:
        """``agent`` holds nothing: take a pending aux, log off, or take the next contact or wait."""
        self._leave_idle(agent)
        if agent.pending:
            agent.status, (agent.reason, duration) = "aux", agent.pending.pop(0)
            self.push(t + duration, AUX_END, agent)
        elif agent.off_due:
            contact = self._next_contact(agent, t, closed_only=True)
            if contact is None:
                agent.status = "offline"
            else:
                self._start(agent, contact, t)
                return
        else:
            contact = self._next_contact(agent, t)
            if contact is not None:
                self._start(agent, contact, t)
                return
            agent.status = "idle"
            for name in agent.skills:
                self.idle[name][agent] = None
        self._sync_partial(agent)
        agent.mark(t)

    def _leave_idle(self, agent: SimAgent) -> None:
        if agent.status == "idle":
            for name in agent.skills:
                self.idle[name].pop(agent, None)

    def _sync_partial(self, agent: SimAgent) -> None:
        """Keep ``agent`` listed for more chats exactly while they hold 1-2 chats and owe nothing."""
        room = (agent.status == "chat" and agent.talking + agent.wrapping < CHAT_SLOTS
                and not agent.pending and not agent.off_due)
        for name in agent.skills:
            if name in self.partial:
                if room:
                    self.partial[name][agent] = None
                else:
                    self.partial[name].pop(agent, None)

    def _next_contact(self, agent: SimAgent, t: int, chat_only: bool = False,
                      closed_only: bool = False) -> SimContact | None:
        """Pop the waiting contact this agent should take next, if any."""
        best, best_key = None, None
        for name in agent.skills:
            queue = self.waiting[name]
            while queue and queue[0].status != WAITING:
                queue.popleft()
            if not queue or (chat_only and name not in self.partial):
                continue
            if closed_only and (t < self.closes[name] or t > self.hard_stop - 10 * MINUTE):
                continue
            key = (PRIORITY[queue[0].channel], queue[0].enqueued)
            if best_key is None or key < best_key:
                best, best_key = name, key
        return None if best is None else self.waiting[best].popleft()

    def _stop(self, t: int) -> None:
        """The hard stop: end whatever is left, and log every agent off."""
        for contact in self.contacts:
            if contact.status == WAITING and contact.transfer_at is None and contact.queue.sync:
                contact.status, contact.abandoned = ABANDONED, t
            elif contact.status in (WAITING, ACTIVE):
                if contact.answered is None or not contact.queue.sync:
                    contact.answered, contact.unanswered = None, True
                contact.status, contact.ended, contact.wrap_done = DONE, t, t
        for agent in self.agents:
            agent.status = "offline"
            agent.mark(t)


def _retry_arrival(contact: SimContact) -> Arrival:
    return Arrival(0, contact.queue.name, contact.key, contact.customer_id, contact.topic,
                   contact.language, contact.resolves, date.min)
