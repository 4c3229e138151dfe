"""The collector's memory of today: what the live snapshot needs, kept in step with every batch.

Rebuilding the snapshot from the store each tick read today's roll-ups, every waiting
contact and every agent's current state: a cost that grows with the day, not with the
tick. The active collector instead loads these once (``LiveState.load``, on start, on
takeover, or when another writer touched the store) and then applies each committed
batch's ``RollupDelta`` to them, so a tick costs what changed.

What is held:

- the 15-minute roll-ups of every (queue, channel) from the earliest live window on;
- every waiting contact (not answered, abandoned or ended: the queue or the backlog),
  as its arrival in its queue's sorted list, so counts past a share of the target are a
  binary search;
- every live conversation's agent (answered, not ended, synchronous), counted per agent
  (``store.deltas.live_fact`` says which contacts are waiting or held);
- every open agent-state interval and every agent's name, team and skills;
- the sources that brought contacts to each queue, with their latest arrival, so a tile
  goes stale with its own sources only (``queue_sources``).

The store stays the truth: each roll-up transaction numbers itself on the roll-up
clock (``write.clock_batches``), and memory that did not see every number is reloaded.
"""

from __future__ import annotations

import operator
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sortedcontainers import SortedList
from sqlalchemy import select
from sqlalchemy.orm import Session

from collectors.board import AgentBoard
from dashboard.metrics.counts import COUNT_FIELDS, Counts
from dashboard.store.deltas import RollupDelta, add_amounts, changes, keep_latest
from dashboard.store.models import (CURRENT_STATE, HELD, WAITING, AgentRow, AgentStateRow, ContactRow,
                                    IntervalStatRow, QueueSourceRow)

BREACH_SHARES = (50, 75, 100)  # percent of the response target


@dataclass
class LiveState:
    """Today's live inputs of one collector; ``batches`` is the roll-up clock number it reflects."""

    batches: int | None = None  # None: nothing loaded, or no longer trusted
    floor: datetime | None = None  # roll-ups from this interval on are held
    intervals: dict = field(default_factory=dict)  # (queue, channel) -> {interval: amounts (COUNT_FIELDS)}
    totals: dict = field(default_factory=dict)  # (queue, channel) -> the sum of its intervals held
    contacts: dict = field(default_factory=dict)  # (source, source id) -> live fact (``live_fact``)
    waiting: dict = field(default_factory=dict)  # (queue, channel) -> SortedList of arrivals
    held: Counter = field(default_factory=Counter)  # agent -> live conversations
    board: AgentBoard = field(default_factory=AgentBoard)  # open agent states and the agents' details
    arrivals: dict = field(default_factory=dict)  # (queue, channel) -> {source: its latest arrival there}
    journal: dict = field(default_factory=dict)  # journal id -> ``journal.Entry`` whose facts are taken in
    unread: list = field(default_factory=list)  # entries this collector's polls journaled, facts not taken yet
    filed_at: datetime | None = None  # when this collector last filed the journal
    counts_memo: tuple | None = None  # the last snapshot's window counts and what they were of (``snapshot``)
    # held by whoever changes or reads it: polls (``follow``) and the live job may run in parallel
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def forget(self) -> None:
        """Distrust everything held: the next refresh reloads from the store and files the journal
        (after a failed refresh, at once: the counts must not stand still while the page looks live)."""
        self.batches = None
        self.filed_at = None

    def load(self, session: Session, floor: datetime, batches: int) -> None:
        """Read everything held from the store, as of roll-up clock number ``batches``."""
        fresh = LiveState(batches=batches, floor=floor)
        stats = IntervalStatRow
        for at, queue, channel, *amounts in session.execute(
                select(stats.interval_start, stats.queue, stats.channel,
                       *[getattr(stats, name) for name in COUNT_FIELDS]).where(stats.interval_start >= floor)):
            fresh._add_interval((queue, channel), at, [amount or 0 for amount in amounts])
        contacts = ContactRow
        # two queries, each with the condition of its partial index spelled out (SQLite then uses it)
        for source, source_id, queue, channel, arrived_at in session.execute(
                select(contacts.source, contacts.source_id, contacts.queue, contacts.channel,
                       contacts.arrived_at).where(WAITING)):
            fresh._set_contact((source, source_id), ("waiting", queue, channel, arrived_at))
        for source, source_id, agent_id in session.execute(
                select(contacts.source, contacts.source_id, contacts.agent_id).where(HELD)):
            if agent_id:
                fresh._set_contact((source, source_id), ("held", agent_id))
        fed = QueueSourceRow
        for queue, channel, source, latest in session.execute(
                select(fed.queue, fed.channel, fed.source, fed.latest_arrival_at)):
            fresh._arrived((queue, channel, source), latest)
        for source, source_id, *state in session.execute(
                select(AgentStateRow.source, AgentStateRow.source_id, AgentStateRow.agent_id, AgentStateRow.state,
                       AgentStateRow.reason, AgentStateRow.started_at).where(CURRENT_STATE)):
            fresh.board.set_state((source, source_id), tuple(state))
        for agent_id, name, team, skills in session.execute(
                select(AgentRow.agent_id, AgentRow.name, AgentRow.team, AgentRow.skills)):
            fresh.board.set_agent(agent_id, (name, team, tuple(skill for skill in (skills or "").split(",") if skill)))
        fresh.board.refresh(fresh.held)
        # kept: the journal rows not filed yet (the caller takes their facts in again), when it last filed
        fresh.lock, fresh.journal, fresh.filed_at = self.lock, self.journal, self.filed_at
        fresh.unread = self.unread
        self.__dict__.update(fresh.__dict__)

    def apply(self, delta: RollupDelta, batches: int) -> None:
        """Take in one committed roll-up transaction's changes; it was clock number ``batches``."""
        for (at, queue, channel), amounts in changes(delta.queues):
            if at >= self.floor:
                self._add_interval((queue, channel), at, amounts)
        self.take_facts(delta)
        self.batches = batches

    def take_facts(self, delta: RollupDelta) -> None:
        """Take in the live facts of records (a batch's, or journal rows' not filed yet)."""
        for key, fact in delta.contacts.items():
            self._set_contact(key, fact)
        for fed, latest in delta.arrivals.items():
            self._arrived(fed, latest)
        for key, state in delta.states_open.items():
            self.board.set_state(key, state)
        for agent_id, details in delta.agent_details.items():
            self.board.set_agent(agent_id, details)
        self.board.refresh(self.held)

    def journaled(self, entry) -> None:
        """This collector's poll journaled ``entry`` (committed; the poll held the lock from before its
        commit, so no refresh read the row back meanwhile): held, its facts taken by the next refresh."""
        if entry is not None:
            with self.lock:
                self.journal[entry.id] = entry
                self.unread.append(entry)

    def take_unread(self, read: list) -> list:
        """The entries whose facts the refresh takes: those just ``read`` back from the journal and
        those handed over by polls, in journal order."""
        entries = sorted([*read, *self.unread], key=operator.attrgetter("id"))
        self.unread = []
        return entries

    def follow(self, delta: RollupDelta, number: int) -> None:
        """Take in a committed batch numbered ``number`` if nothing came between; else reload later.

        A number already passed is in what was loaded since (numbers follow the commits).
        """
        with self.lock:
            if self.batches is not None and number <= self.batches:
                return
            if self.batches is not None and self.batches == number - 1:
                self.apply(delta, number)
            else:
                self.forget()

    def move_floor(self, floor: datetime) -> None:
        """Drop the roll-ups before ``floor`` (no live window reaches them any more)."""
        if floor <= self.floor:
            return
        for scope, intervals in list(self.intervals.items()):
            for at in [at for at in intervals if at < floor]:
                _add(self.totals[scope], intervals.pop(at), -1)
            if not intervals:  # no live window reaches this queue's roll-ups any more
                del self.intervals[scope], self.totals[scope]
        self.floor = floor

    def _add_interval(self, scope: tuple[str, str], at: datetime, amounts: list) -> None:
        add_amounts(self.intervals.setdefault(scope, {}), at, amounts)
        add_amounts(self.totals, scope, amounts)

    def _arrived(self, fed: tuple[str, str, str], at: datetime) -> None:
        keep_latest(self.arrivals.setdefault(fed[:2], {}), fed[2], at)

    def _set_contact(self, key: tuple, fact: tuple | None) -> None:
        old = self.contacts.pop(key, None)
        if old is not None:
            if old[0] == "waiting":
                self.waiting[old[1:3]].remove(old[3])
            else:
                self.held[old[1]] -= 1
                self.board.touch(old[1])
        if fact is None:
            return
        self.contacts[key] = fact
        if fact[0] == "waiting":
            self.waiting.setdefault(fact[1:3], SortedList()).add(fact[3])
        else:
            self.held[fact[1]] += 1
            self.board.touch(fact[1])

    # what the snapshot reads ------------------------------------------------------------------

    def window_counts(self, starts: dict[str, datetime]) -> dict[tuple[str, str], dict[str, Counts]]:
        """Each window's counts per (queue, channel), a window running from its start to now.

        A window from the floor is the running total; a later one (the last 15, 30 or 60
        minutes) is the sum of its few intervals.
        """
        result = {}
        for scope, intervals in self.intervals.items():
            windows = {}
            for name, start in starts.items():
                if start <= self.floor:
                    windows[name] = Counts(*self.totals[scope])
                    continue
                amounts = [0] * len(COUNT_FIELDS)
                for at, interval in intervals.items():
                    if at >= start:
                        _add(amounts, interval)
                windows[name] = Counts(*amounts)
            result[scope] = windows
        return result

    def queue_sources(self) -> dict[tuple[str, str], list[str]]:
        """The sources that brought each (queue, channel) a contact arriving since the floor (today);
        for a queue with none yet today, every source that ever brought it one: its tile goes stale
        with those sources, not with any source that is down."""
        fed = {}
        for scope, sources in self.arrivals.items():
            today = sorted(source for source, latest in sources.items() if latest >= self.floor)
            fed[scope] = today or sorted(sources)
        return fed

    def queue_live(self, now: datetime, target_seconds) -> dict[tuple[str, str], dict]:
        """Waiting now, the oldest arrival and, for a backlog with a response target, how many are at or
        past 50/75/100 % of it. ``target_seconds(queue, channel)``: the target, None for no backlog."""
        live = {}
        for (queue, channel), arrivals in self.waiting.items():
            if not arrivals:
                continue
            entry = {"waiting": len(arrivals), "oldest_arrived_at": arrivals[0], "past_50": 0, "past_75": 0,
                     "past_100": 0}
            target = target_seconds(queue, channel)
            if target is not None:
                for share in BREACH_SHARES:  # an age of at least share % of the target
                    entry[f"past_{share}"] = arrivals.bisect_right(now - timedelta(seconds=target * share / 100))
            live[(queue, channel)] = entry
        return live


def _add(total: list, amounts: list, sign: int = 1) -> None:
    total[:] = map(operator.add if sign > 0 else operator.sub, total, amounts)
