"""Idempotent writes: upsert records by (source, source id) and keep the roll-ups in step.

Every change to a contact, state interval or survey is turned into a roll-up
delta: what the old version contributed is taken away, what the new version
contributes is added. So a contact seen waiting, then answered, then ended adds
exactly one offered, one answered and one ended, and the same batch applied
twice changes nothing the second time.

Contributions are computed "as of" the roll-up clock (``through``); only
``expire_responses`` moves that clock, adding the response targets that passed.
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Callable

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from dashboard.metrics.counts import (ContactPolicy, contact_entries, response_due_at, state_contributions,
                                      survey_entries)
from dashboard.metrics.windows import site_week
from dashboard.records import Agent, AgentStateInterval, Contact, SurveyResponse
from dashboard.store.bulk import delete_statement, insert_statement, update_statement
from dashboard.store.db import chunks, hold_write_lock
from dashboard.store.deltas import RollupDelta, add_amounts
from dashboard.store.models import AgentRow, AgentStateRow, ContactLinkRow, ContactRow, SourceStateRow, SurveyRow

ROLLUP_CLOCK = "_rollups"
CONTACT_FIELDS = ("channel", "queue", "customer_id", "direction", "arrived_at", "answered_at",
                  "abandoned_at", "ended_at", "wrap_seconds", "hold_seconds", "agent_id",
                  "transfer_count", "resolved", "topic")
STATE_FIELDS = ("agent_id", "state", "reason", "started_at", "ended_at")
SURVEY_FIELDS = ("contact_source_id", "kind", "score", "responded_at", "comment")

PolicyFor = Callable[[str, str], ContactPolicy]  # (queue, channel) -> policy


def rollup_clock(session: Session) -> SourceStateRow:
    """The row holding the time up to which roll-ups are complete; locked for the transaction.

    On SQLite the lock is the store's write lock, taken before the row is read: a transaction that
    read first and wrote later would fail at once ("database is locked") whenever a poll committed
    in between, since SQLite lets no transaction write over a state newer than the one it read."""
    hold_write_lock(session.connection())
    row = session.execute(select(SourceStateRow).where(SourceStateRow.name == ROLLUP_CLOCK)
                          .with_for_update()).scalar_one_or_none()
    if row is None:
        row = SourceStateRow(name=ROLLUP_CLOCK, kind="internal", cursor="{}", accepted=0, rejected=0,
                             skipped=0, consecutive_failures=0, rejected_by_reason="{}")
        session.add(row)
        session.flush()
    return row


def clock_time(row: SourceStateRow, default: datetime) -> datetime:
    through = json.loads(row.cursor or "{}").get("through")
    return datetime.fromisoformat(through) if through else default


def clock_batches(row: SourceStateRow) -> int:
    """How many transactions have changed the roll-ups: each takes the next number (``stamp_clock``),
    so a reader that kept count (the collector's memory of today) knows when another writer came."""
    return int(json.loads(row.cursor or "{}").get("batches", 0))


def stamp_clock(row: SourceStateRow, through: datetime) -> int:
    """Record the roll-ups as complete up to ``through`` and number this transaction; returns its number."""
    number = clock_batches(row) + 1
    row.cursor = json.dumps({"through": through.isoformat(), "batches": number})
    return number


def upsert_agents(session: Session, agents: list[Agent], delta: RollupDelta) -> None:
    if not agents:
        return
    existing = {row.agent_id: row for chunk in chunks([a.agent_id for a in agents])
                for row in session.scalars(select(AgentRow).where(AgentRow.agent_id.in_(chunk)))}
    for agent in agents:
        row = existing.get(agent.agent_id)
        if row is None:
            row = existing[agent.agent_id] = AgentRow(agent_id=agent.agent_id)
            session.add(row)
        row.source, row.name, row.team = agent.source, agent.name, agent.team
        row.skills = ",".join(agent.skills)
        delta.note_agent(agent)


def _load(session: Session, model, source: str, keys: list[str]) -> dict[str, object]:
    rows = {}
    for chunk in chunks(sorted(set(keys))):
        for row in session.scalars(select(model).where(model.source == source, model.source_id.in_(chunk))):
            rows[row.source_id] = row
    return rows


CONTACTS = ContactRow.__table__
LINKS = ContactLinkRow.__table__
# a contact with its journey link (NULL: no next contact), as the rows below read it
LINKED_CONTACTS = CONTACTS.outerjoin(LINKS, LINKS.c.contact_id == CONTACTS.c.id)
# what a contact's roll-up entries and journey need, read as plain rows (no ORM objects)
STORED_CONTACT = [*(CONTACTS.c[name] for name in ("id", "source_id", *CONTACT_FIELDS)), LINKS.c.next_contact_at,
                  CONTACTS.c.response_due_at]
WRITTEN = (*CONTACT_FIELDS, "response_due_at")  # the columns of ``contacts`` a batch writes
_written = operator.attrgetter(*WRITTEN)  # a contact's stored values, in that order, read at C speed
_linked = operator.attrgetter(*WRITTEN, "next_contact_at")  # and its journey link


def _select_stored(*conditions):
    """The stored contacts meeting ``conditions``, as ``STORED_CONTACT`` rows (their links joined)."""
    return select(*STORED_CONTACT).select_from(LINKED_CONTACTS).where(*conditions)


def _stored_contacts(session: Session, source: str, keys: list[str]) -> dict[str, object]:
    rows = {}
    for chunk in chunks(sorted(set(keys))):
        for row in session.execute(_select_stored(CONTACTS.c.source == source, CONTACTS.c.source_id.in_(chunk))):
            rows[row.source_id] = row
    return rows


def upsert_contacts(session: Session, source: str, contacts: list[Contact], policy_for: PolicyFor,
                    through: datetime, now: datetime, delta: RollupDelta) -> int:
    """Insert or update contacts, link customer journeys, and record the roll-up deltas.

    Plain SQL rows throughout, not ORM objects: the collector writes hundreds of contacts
    a tick, and the ORM's unit of work cost more than the database.
    """
    latest = {c.source_id: c for c in contacts}  # the batch's last word on each contact wins
    stored = _stored_contacts(session, source, list(latest))
    fresh: dict[str, SimpleNamespace] = {}
    relink: list[str] = []
    for source_id, contact in latest.items():
        old = stored.get(source_id)
        values = {name: getattr(contact, name) for name in CONTACT_FIELDS}
        values["next_contact_at"] = old.next_contact_at if old is not None else None
        fresh[source_id] = SimpleNamespace(source_id=source_id, **values)
        if old is None or (old.customer_id, old.arrived_at, old.channel) != (
                contact.customer_id, contact.arrived_at, contact.channel):
            relink.append(source_id)
    for row, next_at in _link_journeys(session, source, [fresh[k] for k in relink], stored, fresh,
                                       policy_for):
        policy = policy_for(row.queue, row.channel)
        delta.add(contact_entries(row, policy, through), row.queue, row.channel, row.agent_id, -1)
        delta.add(contact_entries(SimpleNamespace(**{**row._asdict(), "next_contact_at": next_at}), policy, through),
                  row.queue, row.channel, row.agent_id, +1)
    for source_id, new in fresh.items():
        old = stored.get(source_id)
        policy = policy_for(new.queue, new.channel)
        new.response_due_at = response_due_at(new, policy)
        delta.note_contact(source, new)
        if old is not None:
            if _linked(new) == _linked(old):
                continue  # sent again unchanged: it adds what it takes away
            delta.add(contact_entries(old, policy_for(old.queue, old.channel), through), old.queue, old.channel,
                      old.agent_id, -1)
        delta.add(contact_entries(new, policy, through), new.queue, new.channel, new.agent_id, +1)
    _write_contacts(session, source, fresh, stored, now)
    inserted = [fresh[k] for k in latest if k not in stored]
    _relink_orphan_surveys(session, source, inserted, delta)
    for row in inserted:
        _count_customer_week(delta, row)
    return len(latest)


def _write_contacts(session: Session, source: str, fresh: dict[str, SimpleNamespace], stored: dict,
                    now: datetime) -> None:
    """Insert the new contacts; update only the columns that changed on the stored ones; set the
    journey links that changed.

    Updates are grouped by the set of columns they change (an answer, an end, ...), one
    statement each: the database then touches only the indexes on those columns.
    """
    inserts, updates = [], defaultdict(list)
    links: dict[int, datetime | None] = {}
    for source_id, new in fresh.items():
        old = stored.get(source_id)
        if old is None:
            inserts.append((source, source_id, *_written(new), now))
            continue
        if new.next_contact_at != old.next_contact_at:
            links[old.id] = new.next_contact_at
        new_values = _written(new)
        changed = tuple(name for name, value, was in zip(WRITTEN, new_values, _written(old)) if value != was)
        if changed:
            updates[changed].append((*(value for name, value in zip(WRITTEN, new_values) if name in changed),
                                     now, old.id))
    if inserts:
        insert_statement(session, CONTACTS, ("source", "source_id", *WRITTEN, "updated_at")).run(session, inserts)
        linked = {source_id: new.next_contact_at for source_id, new in fresh.items()
                  if source_id not in stored and new.next_contact_at is not None}
        for chunk in chunks(sorted(linked)):  # the new contacts' ids, now that they have them
            for contact_id, source_id in session.execute(select(CONTACTS.c.id, CONTACTS.c.source_id).where(
                    CONTACTS.c.source == source, CONTACTS.c.source_id.in_(chunk))):
                links[contact_id] = linked[source_id]
    for changed, rows in updates.items():
        update_statement(session, CONTACTS, (*changed, "updated_at")).run(session, rows)
    set_links(session, links)


def set_links(session: Session, links: dict[int, datetime | None]) -> None:
    """Set each contact's journey link (contact id -> its next contact's arrival; None: no next contact)."""
    if not links:
        return
    delete_statement(session, LINKS, "contact_id").run(session, [(contact_id,) for contact_id in links])
    insert_statement(session, LINKS, ("contact_id", "next_contact_at")).run(
        session, [(contact_id, next_at) for contact_id, next_at in links.items() if next_at is not None])




def _link_journeys(session: Session, source: str, moved: list[SimpleNamespace], stored: dict, fresh: dict,
                   policy_for: PolicyFor) -> list[tuple[object, datetime | None]]:
    """Set ``next_contact_at`` on the same customers' contacts around the ``moved`` batch contacts
    (new ones, and stored ones whose customer, arrival or channel changed: around both places).

    The batch's own contacts get theirs in ``fresh``; the other stored contacts whose next
    contact changed are updated here and returned (the stored row, its new next arrival) so
    the caller can re-roll them.
    """
    # a moved contact leaves its old place (customer, arrival) and takes its new one: both journeys change
    places = [(row.customer_id, row.arrived_at) for row in moved]
    places += [(old.customer_id, old.arrived_at) for old in (stored.get(row.source_id) for row in moved) if old]
    places = [(customer, arrived) for customer, arrived in places if customer]
    customers = sorted({customer for customer, _ in places})
    if not customers:
        return []
    window = timedelta(seconds=max(policy_for("", "voice").repeat_window_seconds, 1.0))
    arrivals = [arrived for _, arrived in places]
    earliest, latest = min(arrivals) - window, max(arrivals) + window
    # customer -> (source, source id) -> (arrived, id, batch order, next arrival); sorted on the first three
    journeys: dict[str, dict[tuple, tuple]] = defaultdict(dict)
    light = (CONTACTS.c.id, CONTACTS.c.source, CONTACTS.c.source_id, CONTACTS.c.customer_id,
             CONTACTS.c.arrived_at, LINKS.c.next_contact_at)
    for chunk in chunks(customers):
        for row in session.execute(select(*light).select_from(LINKED_CONTACTS).where(
                CONTACTS.c.customer_id.in_(chunk), CONTACTS.c.arrived_at >= earliest, CONTACTS.c.arrived_at <= latest)):
            if not (row.source == source and row.source_id in fresh):  # the batch's version wins below
                journeys[row.customer_id][(row.source, row.source_id)] = (row.arrived_at, row.id, 0,
                                                                          row.next_contact_at)
    wanted = set(customers)
    for order, new in enumerate(fresh.values()):
        if new.customer_id in wanted and earliest <= new.arrived_at <= latest:
            old = stored.get(new.source_id)
            journeys[new.customer_id][(source, new.source_id)] = (  # a new contact sorts after stored ones
                new.arrived_at, old.id if old is not None else float("inf"), order, new.next_contact_at)
    others: dict[int, datetime | None] = {}
    for journey in journeys.values():
        ordered = sorted(journey.items(), key=lambda item: item[1][:3])
        for (key, current), (_, following) in zip(ordered, ordered[1:] + [(None, None)]):
            next_at = following[0] if following is not None else None
            if next_at is not None and next_at - current[0] > window:
                next_at = None
            if current[3] == next_at:
                continue
            if key[0] == source and key[1] in fresh:
                fresh[key[1]].next_contact_at = next_at
            else:
                others[current[1]] = next_at
    if not others:
        return []
    changed = []
    for chunk in chunks(sorted(others)):
        for row in session.execute(_select_stored(CONTACTS.c.id.in_(chunk))):
            changed.append((row, others[row.id]))
    set_links(session, {row.id: next_at for row, next_at in changed})
    return changed


def _relink_orphan_surveys(session: Session, source: str, inserted: list[SimpleNamespace],
                           delta: RollupDelta) -> None:
    """Surveys that arrived before their contact: give them its queue now and roll them up."""
    if not inserted:
        return
    by_id = {row.source_id: row for row in inserted}
    table = SurveyRow.__table__
    found = []
    for chunk in chunks(list(by_id)):
        found += session.execute(select(table.c.id, table.c.contact_source_id, table.c.kind, table.c.score,
                                        table.c.responded_at).where(
            table.c.source == source, table.c.contact_source_id.in_(chunk), table.c.queue.is_(None))).all()
    if not found:
        return
    updates = []
    for survey in found:
        contact = by_id[survey.contact_source_id]
        updates.append({"row_id": survey.id, "queue": contact.queue, "channel": contact.channel,
                        "agent_id": contact.agent_id})
        delta.add(survey_entries(survey), contact.queue, contact.channel, contact.agent_id, +1)
    session.execute(update(table).where(table.c.id == bindparam("row_id")), updates)


def _count_customer_week(delta: RollupDelta, row: ContactRow) -> None:
    if not row.customer_id:
        return
    key = (site_week(row.arrived_at, delta.tz), row.customer_id)  # weeks cut at local midnight
    contacts, channels = delta.customer_weeks.get(key, (0, frozenset()))
    delta.customer_weeks[key] = (contacts + 1, channels | {row.channel})


def upsert_states(session: Session, source: str, states: list[AgentStateInterval], delta: RollupDelta) -> int:
    latest = {s.source_id: s for s in states}
    rows = _load(session, AgentStateRow, source, list(latest))
    for source_id, state in latest.items():
        row = rows.get(source_id)
        if row is None:
            row = AgentStateRow(source=source, source_id=source_id)
            session.add(row)
        else:
            for key, seconds in state_contributions(row).items():
                add_amounts(delta.states, (key[0], row.agent_id, key[1], key[2]), [-seconds])
        for name in STATE_FIELDS:
            setattr(row, name, getattr(state, name))
        delta.note_state(source, state)
        for key, seconds in state_contributions(row).items():
            add_amounts(delta.states, (key[0], row.agent_id, key[1], key[2]), [seconds])
    return len(latest)


def upsert_surveys(session: Session, source: str, surveys: list[SurveyResponse], delta: RollupDelta) -> int:
    latest = {s.source_id: s for s in surveys}
    rows = _load(session, SurveyRow, source, list(latest))
    contacts = _load(session, ContactRow, source, [s.contact_source_id for s in latest.values()])
    for source_id, survey in latest.items():
        row = rows.get(source_id)
        if row is None:
            row = SurveyRow(source=source, source_id=source_id)
            session.add(row)
        elif row.queue is not None:
            delta.add(survey_entries(row), row.queue, row.channel, row.agent_id, -1)
        for name in SURVEY_FIELDS:
            setattr(row, name, getattr(survey, name))
        contact = contacts.get(survey.contact_source_id)
        row.queue = contact.queue if contact else None
        row.channel = contact.channel if contact else None
        row.agent_id = contact.agent_id if contact else None
        if row.queue is not None:
            delta.add(survey_entries(row), row.queue, row.channel, row.agent_id, +1)
    return len(latest)


def expire_responses(session: Session, policy_for: PolicyFor, through: datetime, now: datetime,
                     delta: RollupDelta) -> int:
    """Count the asynchronous contacts whose response target passed in (through, now] unanswered."""
    if now <= through:
        return 0
    rows = session.execute(_select_stored(
        CONTACTS.c.response_due_at > through, CONTACTS.c.response_due_at <= now,
        CONTACTS.c.answered_at.is_(None))).all()
    for row in rows:
        policy = policy_for(row.queue, row.channel)
        delta.add(contact_entries(row, policy, through), row.queue, row.channel, row.agent_id, -1)
        delta.add(contact_entries(row, policy, now), row.queue, row.channel, row.agent_id, +1)
    return len(rows)


