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
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dashboard.metrics.counts import (COUNT_FIELDS, ContactPolicy, Counts, contact_contributions,
                                      response_due_at, state_contributions, survey_contributions)
from dashboard.metrics.windows import site_week
from dashboard.records import Agent, AgentStateInterval, Contact, SurveyResponse
from dashboard.store.models import (AgentIntervalStatRow, AgentRow, AgentStateRow, AgentStateStatRow,
                                    ContactRow, CustomerWeekRow, IntervalStatRow, SourceStateRow,
                                    SurveyRow)

CHUNK = 500
ROLLUP_CLOCK = "_rollups"
CONTACT_FIELDS = ("channel", "queue", "customer_id", "direction", "arrived_at", "answered_at",
                  "abandoned_at", "ended_at", "wrap_seconds", "hold_seconds", "agent_id",
                  "transfer_count", "resolved", "topic")
STATE_FIELDS = ("agent_id", "state", "reason", "started_at", "ended_at")
SURVEY_FIELDS = ("contact_source_id", "kind", "score", "responded_at", "comment")

PolicyFor = Callable[[str, str], ContactPolicy]  # (queue, channel) -> policy


@dataclass
class RollupDelta:
    """Changes to the roll-up tables accumulated over one batch, applied in one go."""

    queues: defaultdict = field(default_factory=lambda: defaultdict(Counts))
    agents: defaultdict = field(default_factory=lambda: defaultdict(Counts))
    states: defaultdict = field(default_factory=lambda: defaultdict(float))
    customer_weeks: dict = field(default_factory=dict)  # (week_start, customer) -> (contacts, channels)
    tz: object = None  # the site's zone: weeks of customer_weeks are cut in it

    def add_contributions(self, contributions: dict[datetime, Counts], queue: str, channel: str,
                          agent_id: str | None, sign: int) -> None:
        for at, counts in contributions.items():
            change = counts if sign > 0 else Counts() - counts
            self.queues[(at, queue, channel)] += change
            if agent_id:
                self.agents[(at, agent_id, queue, channel)] += change


@dataclass(frozen=True, slots=True)
class _Seen:
    """What a row contributed before this batch touched it."""

    queue: str
    channel: str
    agent_id: str | None
    contributions: dict


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def rollup_clock(session: Session) -> SourceStateRow:
    """The row holding the time up to which roll-ups are complete; locked for the transaction."""
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


def upsert_agents(session: Session, agents: list[Agent]) -> None:
    if not agents:
        return
    existing = {row.agent_id: row for chunk in _chunks([a.agent_id for a in agents])
                for row in session.scalars(select(AgentRow).where(AgentRow.agent_id.in_(chunk)))}
    for agent in agents:
        row = existing.get(agent.agent_id)
        if row is None:
            row = existing[agent.agent_id] = AgentRow(agent_id=agent.agent_id)
            session.add(row)
        row.source, row.name, row.team = agent.source, agent.name, agent.team
        row.skills = ",".join(agent.skills)


def _load(session: Session, model, source: str, keys: list[str]) -> dict[str, object]:
    rows = {}
    for chunk in _chunks(sorted(set(keys))):
        for row in session.scalars(select(model).where(model.source == source, model.source_id.in_(chunk))):
            rows[row.source_id] = row
    return rows


def _seen_contact(row: ContactRow, policy_for: PolicyFor, through: datetime) -> _Seen:
    policy = policy_for(row.queue, row.channel)
    return _Seen(row.queue, row.channel, row.agent_id, contact_contributions(row, policy, through))


def upsert_contacts(session: Session, source: str, contacts: list[Contact], policy_for: PolicyFor,
                    through: datetime, now: datetime, delta: RollupDelta) -> int:
    """Insert or update contacts, link customer journeys, and record the roll-up deltas."""
    latest = {c.source_id: c for c in contacts}  # the batch's last word on each contact wins
    rows = _load(session, ContactRow, source, list(latest))
    seen: dict[int, tuple[ContactRow, _Seen | None]] = {}
    inserted: list[ContactRow] = []
    relink: list[ContactRow] = []
    for source_id, contact in latest.items():
        row = rows.get(source_id)
        before = _seen_contact(row, policy_for, through) if row is not None else None
        if row is None:
            row = ContactRow(source=source, source_id=source_id)
            session.add(row)
            inserted.append(row)
        elif (row.customer_id, row.arrived_at, row.channel) != (contact.customer_id, contact.arrived_at,
                                                                 contact.channel):
            relink.append(row)
        for name in CONTACT_FIELDS:
            setattr(row, name, getattr(contact, name))
        row.response_due_at = response_due_at(row, policy_for(row.queue, row.channel))
        row.updated_at = now
        seen[id(row)] = (row, before)
    session.flush()
    for row, before in _link_journeys(session, inserted + relink, policy_for, through):
        if id(row) not in seen:
            seen[id(row)] = (row, before)
        row.updated_at = now
    for row in _relink_orphan_surveys(session, source, inserted):
        seen.setdefault(id(row), (row, None))
    for row, before in seen.values():
        if isinstance(row, SurveyRow):
            delta.add_contributions(survey_contributions(row), row.queue, row.channel, row.agent_id, +1)
            continue
        if before is not None:
            delta.add_contributions(before.contributions, before.queue, before.channel, before.agent_id, -1)
        delta.add_contributions(contact_contributions(row, policy_for(row.queue, row.channel), through),
                                row.queue, row.channel, row.agent_id, +1)
    for row in inserted:
        _count_customer_week(delta, row)
    return len(latest)


def _link_journeys(session: Session, rows: list[ContactRow], policy_for: PolicyFor,
                   through: datetime) -> list[tuple[ContactRow, _Seen]]:
    """Set ``next_contact_at`` on the same customers' contacts around ``rows``.

    Returns the other stored contacts whose repeat flag changed, each with what it
    contributed before the change, so the caller can re-roll them.
    """
    by_customer = defaultdict(list)
    for row in rows:
        if row.customer_id:
            by_customer[row.customer_id].append(row)
    if not by_customer:
        return []
    window = timedelta(seconds=max(policy_for("", "voice").repeat_window_seconds, 1.0))
    earliest = min(r.arrived_at for r in rows if r.customer_id) - window
    latest = max(r.arrived_at for r in rows if r.customer_id) + window
    known: dict[int, ContactRow] = {}
    for chunk in _chunks(sorted(by_customer)):
        for row in session.scalars(select(ContactRow).where(
                ContactRow.customer_id.in_(chunk), ContactRow.arrived_at >= earliest,
                ContactRow.arrived_at <= latest)):
            known[row.id] = row
    changed: list[tuple[ContactRow, _Seen]] = []
    batch_ids = {id(r) for r in rows}
    journeys = defaultdict(list)
    for row in known.values():
        journeys[row.customer_id].append(row)
    for journey in journeys.values():
        journey.sort(key=lambda r: (r.arrived_at, r.id))
        for current, following in zip(journey, journey[1:] + [None]):
            next_at = following.arrived_at if following is not None else None
            if next_at is not None and next_at - current.arrived_at > window:
                next_at = None
            if current.next_contact_at != next_at:
                if id(current) not in batch_ids:
                    changed.append((current, _seen_contact(current, policy_for, through)))
                current.next_contact_at = next_at
    return changed


def _relink_orphan_surveys(session: Session, source: str, inserted: list[ContactRow]) -> list[SurveyRow]:
    """Surveys that arrived before their contact: give them its queue now and roll them up."""
    if not inserted:
        return []
    by_id = {row.source_id: row for row in inserted}
    found = []
    for chunk in _chunks(list(by_id)):
        for survey in session.scalars(select(SurveyRow).where(
                SurveyRow.source == source, SurveyRow.contact_source_id.in_(chunk), SurveyRow.queue.is_(None))):
            contact = by_id[survey.contact_source_id]
            survey.queue, survey.channel, survey.agent_id = contact.queue, contact.channel, contact.agent_id
            found.append(survey)
    return found


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
                delta.states[(key[0], row.agent_id, key[1], key[2])] -= seconds
        for name in STATE_FIELDS:
            setattr(row, name, getattr(state, name))
        for key, seconds in state_contributions(row).items():
            delta.states[(key[0], row.agent_id, key[1], key[2])] += seconds
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
            delta.add_contributions(survey_contributions(row), row.queue, row.channel, row.agent_id, -1)
        for name in SURVEY_FIELDS:
            setattr(row, name, getattr(survey, name))
        contact = contacts.get(survey.contact_source_id)
        row.queue = contact.queue if contact else None
        row.channel = contact.channel if contact else None
        row.agent_id = contact.agent_id if contact else None
        if row.queue is not None:
            delta.add_contributions(survey_contributions(row), row.queue, row.channel, row.agent_id, +1)
    return len(latest)


def expire_responses(session: Session, policy_for: PolicyFor, through: datetime, now: datetime,
                     delta: RollupDelta) -> int:
    """Count the asynchronous contacts whose response target passed in (through, now] unanswered."""
    if now <= through:
        return 0
    rows = session.scalars(select(ContactRow).where(
        ContactRow.response_due_at > through, ContactRow.response_due_at <= now,
        ContactRow.answered_at.is_(None))).all()
    for row in rows:
        policy = policy_for(row.queue, row.channel)
        delta.add_contributions(contact_contributions(row, policy, through), row.queue, row.channel, row.agent_id, -1)
        delta.add_contributions(contact_contributions(row, policy, now), row.queue, row.channel, row.agent_id, +1)
    return len(rows)


def dialect_insert(session: Session):
    """The INSERT construct of the session's database, which knows ON CONFLICT DO UPDATE."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def apply_delta(session: Session, delta: RollupDelta) -> None:
    """Add the accumulated deltas to the roll-up tables (insert, or add to the existing row)."""
    session.flush()
    insert = dialect_insert(session)
    add_rows(session, IntervalStatRow, ("interval_start", "queue", "channel"), delta.queues, COUNT_FIELDS)
    add_rows(session, AgentIntervalStatRow, ("interval_start", "agent_id", "queue", "channel"), delta.agents,
             COUNT_FIELDS)
    add_rows(session, AgentStateStatRow, ("interval_start", "agent_id", "state", "reason"), delta.states,
             ("seconds",))
    _merge_customer_weeks(session, insert, delta.customer_weeks)


def add_rows(session: Session, model, keys: tuple[str, ...], changes: dict, sums: tuple[str, ...]) -> None:
    """Add each change (a Counts, or seconds for one ``sums`` column) to the row of its key; insert if absent."""
    rows = []
    for key, change in changes.items():
        values = change.as_dict() if sums is COUNT_FIELDS else {sums[0]: change}
        if any(abs(v) > 1e-9 for v in values.values()):
            rows.append(dict(zip(keys, key), **values))
    if not rows:
        return
    table = model.__table__
    statement = dialect_insert(session)(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: table.c[name] + statement.excluded[name] for name in sums})
    for chunk in _chunks(rows):
        session.execute(statement, chunk)


def _merge_customer_weeks(session: Session, insert, weeks: dict) -> None:
    if not weeks:
        return
    existing = {}
    keys = list(weeks)
    for chunk in _chunks(keys):
        for row in session.scalars(select(CustomerWeekRow).where(
                tuple_(CustomerWeekRow.week_start, CustomerWeekRow.customer_id).in_(chunk))):
            existing[(row.week_start, row.customer_id)] = row
    for key, (contacts, channels) in weeks.items():
        row = existing.get(key)
        if row is None:
            session.add(CustomerWeekRow(week_start=key[0], customer_id=key[1], contacts=contacts,
                                        channels=",".join(sorted(channels))))
        else:
            row.contacts += contacts
            row.channels = ",".join(sorted(set(filter(None, row.channels.split(","))) | channels))
