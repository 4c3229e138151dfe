"""Reads of the raw records for the drill-down pages: open states and contacts, one agent's
contacts and states, a contact's surveys and journey, agents' details, topics.

Unlike ``store.read`` (sums over roll-ups), these return stored rows, bounded by an agent, a
customer, a page of 500 or one week, so the pages can show the records behind a figure.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from dashboard.store.db import chunks
from dashboard.store.models import AgentRow, AgentStateRow, ContactLinkRow, ContactRow, SurveyRow


def open_states(session: Session, agents: Iterable[str] | None = None) -> list[AgentStateRow]:
    """Every agent's current (open) state interval, for time in state and the open part of state time."""
    query = select(AgentStateRow).where(AgentStateRow.ended_at.is_(None))
    if agents is not None:
        query = query.where(AgentStateRow.agent_id.in_(list(agents)))
    return list(session.scalars(query.order_by(AgentStateRow.agent_id)))


def open_contacts(session: Session, queues: Iterable[str] | None = None) -> list[ContactRow]:
    """Contacts with no answer (first response), abandon or end: the input of ``dashboard.metrics.live``."""
    query = select(ContactRow).where(ContactRow.answered_at.is_(None), ContactRow.abandoned_at.is_(None),
                                     ContactRow.ended_at.is_(None))
    if queues is not None:
        query = query.where(ContactRow.queue.in_(list(queues)))
    return list(session.scalars(query.order_by(ContactRow.arrived_at)))


CONTACT_SORTS = ("ended_at", "arrived_at", "channel", "queue", "transfer_count", "resolved")


def agent_contacts_page(session: Session, agent_id: str, start: datetime, end: datetime, *,
                        queues: Iterable[str] | None = None, channels: Iterable[str] | None = None,
                        offset: int = 0, limit: int = 500, sort: str = "ended_at", descending: bool = True
                        ) -> tuple[list[ContactRow], int]:
    """One page of the contacts an agent ended in [start, end), and how many there are in all.

    ``limit`` is capped at 500 rows; ``sort`` is one of ``CONTACT_SORTS`` (else ``ended_at``).
    """
    where = [ContactRow.agent_id == agent_id, ContactRow.ended_at >= start, ContactRow.ended_at < end]
    if queues is not None:
        where.append(ContactRow.queue.in_(list(queues)))
    if channels is not None:
        where.append(ContactRow.channel.in_(list(channels)))
    total_rows = session.execute(select(func.count()).select_from(ContactRow).where(*where)).scalar_one()
    column = getattr(ContactRow, sort if sort in CONTACT_SORTS else "ended_at")
    order = (column.desc(), ContactRow.id.desc()) if descending else (column.asc(), ContactRow.id.asc())
    rows = session.scalars(select(ContactRow).where(*where).order_by(*order).options(selectinload(ContactRow.link))
                           .offset(max(0, offset)).limit(max(1, min(limit, 500))))
    return list(rows), int(total_rows)


def surveys_of(session: Session, contacts: Sequence[ContactRow]) -> dict[int, list[SurveyRow]]:
    """The survey responses given about each contact, by the contact's store id."""
    keys = {(c.source, c.source_id): c.id for c in contacts}
    out: defaultdict[int, list[SurveyRow]] = defaultdict(list)
    for source in {c.source for c in contacts}:
        wanted = [sid for (src, sid) in keys if src == source]
        for chunk in chunks(wanted):
            for row in session.scalars(select(SurveyRow).where(
                    SurveyRow.source == source, SurveyRow.contact_source_id.in_(chunk))
                    .order_by(SurveyRow.responded_at)):
                out[keys[(source, row.contact_source_id)]].append(row)
    return dict(out)


def customer_contacts(session: Session, customer_id: str, start: datetime, end: datetime) -> list[ContactRow]:
    """A customer's contacts, any channel and direction, that arrived in [start, end), oldest first."""
    return list(session.scalars(select(ContactRow).where(
        ContactRow.customer_id == customer_id, ContactRow.arrived_at >= start, ContactRow.arrived_at < end)
        .order_by(ContactRow.arrived_at, ContactRow.id).options(selectinload(ContactRow.link))))


def agent_states_between(session: Session, agent_id: str, start: datetime, end: datetime) -> list[AgentStateRow]:
    """An agent's state intervals that overlap [start, end) (an open one counts as running), in order."""
    return list(session.scalars(select(AgentStateRow).where(
        AgentStateRow.agent_id == agent_id, AgentStateRow.started_at < end,
        (AgentStateRow.ended_at.is_(None)) | (AgentStateRow.ended_at > start))
        .order_by(AgentStateRow.started_at)))


def agent_comments(session: Session, agent_id: str, start: datetime, end: datetime,
                   limit: int = 10) -> list[SurveyRow]:
    """The latest survey responses with a comment about an agent's contacts, given in [start, end)."""
    return list(session.scalars(select(SurveyRow).where(
        SurveyRow.agent_id == agent_id, SurveyRow.comment.is_not(None), SurveyRow.comment != "",
        SurveyRow.responded_at >= start, SurveyRow.responded_at < end)
        .order_by(SurveyRow.responded_at.desc()).limit(limit)))


def agent_rows(session: Session, agents: Iterable[str] | None = None) -> dict[str, AgentRow]:
    """Known agents (name, team, skills) by id."""
    query = select(AgentRow)
    if agents is not None:
        query = query.where(AgentRow.agent_id.in_(list(agents)))
    return {row.agent_id: row for row in session.scalars(query)}


def topic_contacts(session: Session, start: datetime, end: datetime
                   ) -> list[tuple[str, int, list[tuple[datetime, datetime]]]]:
    """Per topic, inbound contacts arrived in [start, end) (raw records: one bounded week) and the
    (arrival, next contact's arrival) pairs of those that have a next contact, for the repeat rate.
    Contacts without a topic are left out; most contacts first."""
    inbound = (ContactRow.arrived_at >= start, ContactRow.arrived_at < end, ContactRow.direction != "outbound",
               ContactRow.topic.is_not(None), ContactRow.topic != "")
    counts = session.execute(select(ContactRow.topic, func.count()).where(*inbound)
                             .group_by(ContactRow.topic)).all()
    pairs: defaultdict[str, list] = defaultdict(list)
    for topic, arrived_at, next_at in session.execute(
            select(ContactRow.topic, ContactRow.arrived_at, ContactLinkRow.next_contact_at)
            .join(ContactLinkRow, ContactLinkRow.contact_id == ContactRow.id).where(*inbound)):
        pairs[topic].append((arrived_at, next_at))
    return sorted(((topic, int(n), pairs.get(topic, [])) for topic, n in counts), key=lambda r: (-r[1], r[0]))
