"""Roll-up deltas: what a batch changes in the roll-up tables, accumulated, then added in one go.

``dashboard.store.write`` turns every changed record into entries and adds them here;
``apply_delta`` adds the sums to the 15-minute tables (``dashboard.store.days`` to the day
tables) with one upsert per table, and merges the customer weeks. The delta also carries
each changed record's live fact (waiting, held, an open agent state), for the collector's
memory of today (``collectors.live``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timezone
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.metrics.counts import COUNT_FIELDS, Entry, is_async
from dashboard.store.bulk import upsert_statement
from dashboard.store.db import chunks
from dashboard.store.models import (AgentIntervalStatRow, AgentStateStatRow, CustomerWeekRow, IntervalStatRow,
                                    QueueSourceRow)

FIELD_INDEX = {name: index for index, name in enumerate(COUNT_FIELDS)}


@dataclass
class RollupDelta:
    """Changes to the roll-up tables accumulated over one batch, applied in one go.

    Each change is a list of amounts in the order of its table's summed columns
    (``COUNT_FIELDS``, or the one ``seconds`` of the state table): plain lists, because
    the collector adds a handful of entries for every changed record.
    """

    queues: dict = field(default_factory=dict)  # (interval, queue, channel) -> amounts
    agents: dict = field(default_factory=dict)  # (interval, agent, queue, channel) -> amounts
    states: dict = field(default_factory=dict)  # (interval, agent, state, reason) -> [seconds]
    customer_weeks: dict = field(default_factory=dict)  # (week_start, customer) -> (contacts, channels)
    # live facts, the last word of the batch on each record (None: nothing live)
    contacts: dict = field(default_factory=dict)  # (source, source id) -> ``live_fact``
    states_open: dict = field(default_factory=dict)  # (source, source id) -> (agent, state, reason, started)
    agent_details: dict = field(default_factory=dict)  # agent -> (name, team, skills)
    arrivals: dict = field(default_factory=dict)  # (queue, channel, source) -> latest arrival among the changes
    tz: object = None  # the site's zone: weeks of customer_weeks are cut in it

    def add(self, entries: Iterable[Entry], queue: str, channel: str, agent_id: str | None, sign: int) -> None:
        """Add (``sign`` +1) or take away (-1) a record's entries in its queue's and agent's rows."""
        queues, agents, width = self.queues, self.agents, len(COUNT_FIELDS)
        for at, name, amount in entries:
            index, amount = FIELD_INDEX[name], sign * amount
            row = queues.get((at, queue, channel))
            if row is None:
                row = queues[(at, queue, channel)] = [0] * width
            row[index] += amount
            if agent_id:
                row = agents.get((at, agent_id, queue, channel))
                if row is None:
                    row = agents[(at, agent_id, queue, channel)] = [0] * width
                row[index] += amount

    # the live facts: what the collector's memory of today takes from each record's last version

    def note_contact(self, source: str, contact) -> None:
        self.contacts[(source, contact.source_id)] = live_fact(contact)
        # which source feeds the queue: its tile goes stale with it
        keep_latest(self.arrivals, (contact.queue, contact.channel, source), contact.arrived_at)

    def note_state(self, source: str, state) -> None:
        self.states_open[(source, state.source_id)] = (None if state.ended_at is not None else (
            state.agent_id, state.state, state.reason, state.started_at.astimezone(timezone.utc)))

    def note_agent(self, agent) -> None:
        self.agent_details[agent.agent_id] = (agent.name, agent.team, tuple(skill for skill in agent.skills if skill))

    def counts_only(self) -> RollupDelta:
        """The same roll-up changes without the live facts (taken in already from the journal)."""
        return RollupDelta(queues=self.queues, agents=self.agents, states=self.states,
                           customer_weeks=self.customer_weeks, tz=self.tz)


def live_fact(contact) -> tuple | None:
    """What the live view holds of a contact: waiting in its queue (not answered, abandoned or
    ended), a live conversation of its agent (answered, not ended, synchronous: no response target),
    or nothing."""
    if contact.answered_at is None and contact.abandoned_at is None and contact.ended_at is None:
        return ("waiting", contact.queue, contact.channel, contact.arrived_at.astimezone(timezone.utc))
    if contact.answered_at is not None and contact.ended_at is None and not is_async(contact.channel):
        return ("held", contact.agent_id) if contact.agent_id else None
    return None


def changes(target: dict):
    """The (key, amounts) of ``target`` that change anything (an entry added and taken away does not)."""
    return ((key, amounts) for key, amounts in target.items() if any(abs(amount) > 1e-9 for amount in amounts))


def keep_latest(target: dict, key, at) -> None:
    """``target[key]`` becomes ``at`` unless it already holds a later time."""
    if key not in target or at > target[key]:
        target[key] = at


def add_amounts(target: dict, key: tuple, amounts: list) -> None:
    """Add ``amounts`` element by element to ``target[key]`` (a copy is stored for a new key)."""
    row = target.get(key)
    if row is None:
        target[key] = list(amounts)
    else:
        for index, amount in enumerate(amounts):
            row[index] += amount


def apply_delta(session: Session, delta: RollupDelta) -> None:
    """Add the accumulated deltas to the roll-up tables (insert, or add to the existing row) and move
    each queue source's latest arrival on (``queue_sources``)."""
    session.flush()
    add_rows(session, IntervalStatRow, ("interval_start", "queue", "channel"), delta.queues, COUNT_FIELDS)
    add_rows(session, AgentIntervalStatRow, ("interval_start", "agent_id", "queue", "channel"), delta.agents,
             COUNT_FIELDS)
    add_rows(session, AgentStateStatRow, ("interval_start", "agent_id", "state", "reason"), delta.states,
             ("seconds",))
    _merge_customer_weeks(session, delta.customer_weeks)
    if delta.arrivals:
        upsert_statement(session, QueueSourceRow.__table__, ("queue", "channel", "source"), (),
                         latest=("latest_arrival_at",)).run(session, [(*key, at) for key, at in delta.arrivals.items()])


def add_rows(session: Session, model, keys: tuple[str, ...], by_key: dict, sums: tuple[str, ...]) -> None:
    """Add each change (amounts in the order of ``sums``) to the row of its key; insert if absent.

    One upsert (``store.bulk``: rows as tuples at the driver; SQLAlchemy's ON CONFLICT
    construct has no cache key and was compiled anew on every execution).
    """
    rows = [(*key, *amounts) for key, amounts in changes(by_key)]
    if rows:
        upsert_statement(session, model.__table__, keys, sums).run(session, rows)


def _merge_customer_weeks(session: Session, weeks: dict) -> None:
    """Add each (week, customer)'s new contacts and channels; one upsert for the batch."""
    if not weeks:
        return
    table = CustomerWeekRow.__table__
    known: dict[tuple, set] = {}
    by_week = defaultdict(list)
    for week_start, customer in weeks:
        by_week[week_start].append(customer)
    for week_start, customers in by_week.items():  # one week at a time: a primary-key search
        for chunk in chunks(sorted(customers)):
            for row in session.execute(select(table.c.customer_id, table.c.channels).where(
                    table.c.week_start == week_start, table.c.customer_id.in_(chunk))):
                known[(week_start, row.customer_id)] = set(filter(None, row.channels.split(",")))
    rows = [(*key, contacts, ",".join(sorted(known.get(key, set()) | channels)))
            for key, (contacts, channels) in weeks.items()]
    upsert_statement(session, table, ("week_start", "customer_id"), ("contacts",), ("channels",)).run(session, rows)
