"""``/contacts/<id>``: one contact's timeline, its survey, and the customer's journey around it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dashboard.metrics.counts import ContactPolicy, is_repeat
from dashboard.settings import Settings
from dashboard.store import raw
from dashboard.store.models import ContactRow


@dataclass(frozen=True, slots=True)
class Event:
    """One step of the contact: a key of the drill-down catalog and when it happened (None: unknown time)."""

    key: str
    at: datetime | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ContactDetail:
    contact: ContactRow
    events: list[Event]
    surveys: list[dict]
    journey: list[dict]
    repeat: bool
    journey_days: float


def events(contact: ContactRow) -> list[Event]:
    """Arrived, answered or abandoned, transfers (their count: the store keeps no time), ended, wrap-up done."""
    out = [Event("drill.event.arrived", contact.arrived_at, contact.queue)]
    if contact.answered_at is not None:
        out.append(Event("drill.event.answered", contact.answered_at, contact.agent_id or ""))
    elif contact.abandoned_at is not None:
        out.append(Event("drill.event.abandoned", contact.abandoned_at))
    if contact.transfer_count:
        out.append(Event("drill.event.transferred", None, str(contact.transfer_count)))
    if contact.ended_at is not None:
        out.append(Event("drill.event.ended", contact.ended_at))
        if contact.wrap_seconds:
            out.append(Event("drill.event.wrapped", contact.ended_at + timedelta(seconds=float(contact.wrap_seconds))))
    return out


def contact_detail(session: Session, settings: Settings, contact_id: int) -> ContactDetail | None:
    """The contact with store id ``contact_id``, or None when there is none.

    The journey is the customer's contacts, any channel, arrived within the journey
    window before or after this one (``journey_window_days``), this one included.
    """
    contact = session.get(ContactRow, contact_id)
    if contact is None:
        return None
    policy = ContactPolicy(repeat_window_seconds=settings.repeat_window_days * 86400.0)
    surveys = [{"kind": s.kind, "score": s.score, "responded_at": s.responded_at, "comment": s.comment or ""}
               for s in raw.surveys_of(session, [contact]).get(contact.id, [])]
    journey = []
    if contact.customer_id:
        span = timedelta(days=settings.journey_window_days)
        for row in raw.customer_contacts(session, contact.customer_id, contact.arrived_at - span,
                                          contact.arrived_at + span):
            journey.append({"id": row.id, "arrived_at": row.arrived_at, "channel": row.channel, "queue": row.queue,
                            "direction": row.direction, "agent_id": row.agent_id, "resolved": row.resolved,
                            "topic": row.topic or "", "this": row.id == contact.id,
                            "repeat": is_repeat(row, policy)})
    return ContactDetail(contact, events(contact), surveys, journey, is_repeat(contact, policy),
                         settings.journey_window_days)
