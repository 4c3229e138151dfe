"""Typed SQLAlchemy 2.0 models: the store's tables.

All datetimes are stored as UTC and come back timezone-aware (``UTCDateTime``).
Roll-up tables hold additive counts and sums only, never a ratio (METRICS.md,
"Aggregation rules").
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Optional

from sqlalchemy import (Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC; refuses naive input so local time never slips in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: ccpulse stores only timezone-aware times")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite raw text from a hand-written query
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


WAITING = text("answered_at IS NULL AND abandoned_at IS NULL AND ended_at IS NULL")
CURRENT_STATE = text("ended_at IS NULL")
UNANSWERED_ASYNC = text("response_due_at IS NOT NULL AND answered_at IS NULL")
# a live conversation held by an agent: answered, not ended, synchronous (no response target)
HELD = text("answered_at IS NOT NULL AND ended_at IS NULL AND response_due_at IS NULL")


class ContactRow(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_contacts_source"),
        Index("ix_contacts_queue_arrived", "queue", "arrived_at"),
        Index("ix_contacts_arrived", "arrived_at"),
        Index("ix_contacts_agent_ended", "agent_id", "ended_at"),
        Index("ix_contacts_customer_arrived", "customer_id", "arrived_at"),
        Index("ix_contacts_waiting", "queue", "channel", "arrived_at",  # covers the snapshot's waiting counts
              sqlite_where=WAITING, postgresql_where=WAITING),
        Index("ix_contacts_response_due", "response_due_at",
              sqlite_where=UNANSWERED_ASYNC, postgresql_where=UNANSWERED_ASYNC),
        Index("ix_contacts_held", "agent_id", sqlite_where=HELD, postgresql_where=HELD),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(160))
    channel: Mapped[str] = mapped_column(String(32))
    queue: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[Optional[str]] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    arrived_at: Mapped[datetime]
    answered_at: Mapped[Optional[datetime]]
    abandoned_at: Mapped[Optional[datetime]]
    ended_at: Mapped[Optional[datetime]]
    wrap_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    agent_id: Mapped[Optional[str]] = mapped_column(String(128))
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[Optional[bool]] = mapped_column(Boolean)
    topic: Mapped[Optional[str]] = mapped_column(String(128))
    # the journey link, a row of its own when there is one: load it with the contacts
    # (``selectinload(ContactRow.link)``) where many are read, or each is a query of its own
    link: Mapped[Optional[ContactLinkRow]] = relationship(viewonly=True)
    # asynchronous channels: arrival + the queue's first-response target; when it passes
    # unanswered, the contact counts against the response SLA from then on
    response_due_at: Mapped[Optional[datetime]]
    updated_at: Mapped[datetime]

    @property
    def next_contact_at(self) -> datetime | None:
        """Arrival of the same customer's next contact within the repeat window, when there is one:
        makes "repeat contact" and FCR a lookup instead of a self-join."""
        return self.link.next_contact_at if self.link is not None else None


class ContactLinkRow(Base):
    """A contact's journey link: the arrival of the same customer's next contact, for the contacts
    that have one within the repeat window. Makes "repeat contact" and FCR a lookup instead of a
    self-join. A table of its own, not a column of ``contacts``: relinking a whole store (the
    rebuild) writes these small rows instead of rewriting every page of the contacts (migration 0007)."""

    __tablename__ = "contact_links"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    next_contact_at: Mapped[datetime]


class AgentRow(Base):
    __tablename__ = "agents"

    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    team: Mapped[Optional[str]] = mapped_column(String(128))
    skills: Mapped[str] = mapped_column(Text, default="")  # comma-separated queue names


class AgentStateRow(Base):
    __tablename__ = "agent_states"
    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_agent_states_source"),
        Index("ix_agent_states_agent_started", "agent_id", "started_at"),
        Index("ix_agent_states_started", "started_at"),
        Index("ix_agent_states_current", "agent_id",
              sqlite_where=CURRENT_STATE, postgresql_where=CURRENT_STATE),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(160))
    agent_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[Optional[str]] = mapped_column(String(64))
    started_at: Mapped[datetime]
    ended_at: Mapped[Optional[datetime]]


class SurveyRow(Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_surveys_source"),
        Index("ix_surveys_responded", "responded_at"),
        Index("ix_surveys_contact", "source", "contact_source_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(160))
    contact_source_id: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    responded_at: Mapped[datetime]
    comment: Mapped[Optional[str]] = mapped_column(Text)
    # copied from the contact when it is known, so feedback rolls up by queue and agent
    queue: Mapped[Optional[str]] = mapped_column(String(128))
    channel: Mapped[Optional[str]] = mapped_column(String(32))
    agent_id: Mapped[Optional[str]] = mapped_column(String(128))


class SourceStateRow(Base):
    """A source's cursor and health; the cursor is written in the same transaction as its data."""

    __tablename__ = "source_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    cursor: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    last_poll_at: Mapped[Optional[datetime]]
    last_success_at: Mapped[Optional[datetime]]
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    last_error_at: Mapped[Optional[datetime]]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected_by_reason: Mapped[str] = mapped_column(Text, default="{}")  # JSON reason -> count


class RejectionRow(Base):
    __tablename__ = "rejections"
    __table_args__ = (Index("ix_rejections_source_at", "source", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    location: Mapped[str] = mapped_column(String(300))
    field: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)


class JournalRow(Base):
    """One poll's records, kept as they came until the collector files them into contacts and
    roll-ups (``collectors.journal``). Written with the source's cursor in one transaction, so a
    batch is never lost between the poll and the filing, and never filed twice (filing deletes it)."""

    __tablename__ = "journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    polled_at: Mapped[datetime]
    records: Mapped[int] = mapped_column(Integer)  # how many records the payload holds
    payload: Mapped[str] = mapped_column(Text)  # JSON: {"contacts": [...], "states": [...], ...}
    error: Mapped[Optional[str]] = mapped_column(Text)  # why its filing failed: set aside, kept, not filed again


# the roll-ups on SQLite: the primary key's B-tree alone, without a rowid table beside it (migration 0006)
ROLLUP_OPTIONS = {"sqlite_with_rowid": False}


class _Counts:
    """The additive columns shared by the queue and agent roll-ups (METRICS.md names)."""

    offered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answered_within_threshold: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    abandoned_within_threshold: Mapped[int] = mapped_column(Integer, default=0)
    short_abandoned: Mapped[int] = mapped_column(Integer, default=0)
    answer_wait_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    abandon_wait_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    ended: Mapped[int] = mapped_column(Integer, default=0)
    talk_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    wrap_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    transferred: Mapped[int] = mapped_column(Integer, default=0)
    responded: Mapped[int] = mapped_column(Integer, default=0)
    responded_within_target: Mapped[int] = mapped_column(Integer, default=0)
    response_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    expired_unanswered: Mapped[int] = mapped_column(Integer, default=0)
    resolved_known: Mapped[int] = mapped_column(Integer, default=0)
    first_contact_resolved: Mapped[int] = mapped_column(Integer, default=0)
    repeated: Mapped[int] = mapped_column(Integer, default=0)
    csat_responses: Mapped[int] = mapped_column(Integer, default=0)
    csat_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    csat_score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    nps_responses: Mapped[int] = mapped_column(Integer, default=0)
    nps_promoters: Mapped[int] = mapped_column(Integer, default=0)
    nps_detractors: Mapped[int] = mapped_column(Integer, default=0)
    ces_responses: Mapped[int] = mapped_column(Integer, default=0)
    ces_score_sum: Mapped[float] = mapped_column(Float, default=0.0)


class IntervalStatRow(_Counts, Base):
    """One 15-minute interval of one queue (and its channel)."""

    __tablename__ = "interval_stats"
    __table_args__ = ROLLUP_OPTIONS

    interval_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    queue: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)


class AgentIntervalStatRow(_Counts, Base):
    """One 15-minute interval of one agent's contacts in one queue."""

    __tablename__ = "agent_interval_stats"
    __table_args__ = ROLLUP_OPTIONS

    interval_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    queue: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)


class AgentStateStatRow(Base):
    """Seconds one agent spent in one state (and aux reason) within one 15-minute interval."""

    __tablename__ = "agent_state_stats"
    __table_args__ = ROLLUP_OPTIONS

    interval_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class QueueDayStatRow(_Counts, Base):
    """One site day of one queue: the sum of that day's ``interval_stats`` rows (``store.days``)."""

    __tablename__ = "queue_day_stats"
    __table_args__ = ROLLUP_OPTIONS

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    queue: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)


class AgentDayStatRow(_Counts, Base):
    """One site day of one agent's contacts in one queue: the sum of its ``agent_interval_stats`` rows."""

    __tablename__ = "agent_day_stats"
    __table_args__ = ROLLUP_OPTIONS

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    queue: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)


class AgentStateDayStatRow(Base):
    """Seconds one agent spent in one state (and aux reason) in one site day: sum of ``agent_state_stats``."""

    __tablename__ = "agent_state_day_stats"
    __table_args__ = ROLLUP_OPTIONS

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), primary_key=True, default="")
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class QueueSourceRow(Base):
    """Which source brings contacts to which queue, with its latest arrival there: a tile goes stale
    with its own sources only. Kept by every batch that stores contacts (``write.upsert_contacts``)."""

    __tablename__ = "queue_sources"
    __table_args__ = ROLLUP_OPTIONS

    queue: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    latest_arrival_at: Mapped[datetime]


class CustomerWeekRow(Base):
    """One customer's contacts in one ISO week (site time zone): touchpoints without a raw scan."""

    __tablename__ = "customer_weeks"
    __table_args__ = ROLLUP_OPTIONS

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    contacts: Mapped[int] = mapped_column(Integer, default=0)
    channels: Mapped[str] = mapped_column(String(200), default="")  # sorted, comma-separated


class SnapshotRow(Base):
    """The live figures of one scope (a queue, a channel, the centre), replaced every tick."""

    __tablename__ = "snapshots"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    taken_at: Mapped[datetime]
    payload: Mapped[str] = mapped_column(Text)  # JSON


class AlertRuleRow(Base):
    """A threshold on one metric, for one queue or for every queue of a channel."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(64))
    queue: Mapped[Optional[str]] = mapped_column(String(128))
    channel: Mapped[Optional[str]] = mapped_column(String(32))
    direction: Mapped[str] = mapped_column(String(8))  # "above" or "below"
    warning: Mapped[Optional[float]] = mapped_column(Float)
    critical: Mapped[Optional[float]] = mapped_column(Float)
    recovery: Mapped[Optional[float]] = mapped_column(Float)
    hold_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    keep_firing_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    no_data_policy: Mapped[str] = mapped_column(String(16), default="no_data")
    error_policy: Mapped[str] = mapped_column(String(16), default="error")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[Optional[datetime]]
    updated_by: Mapped[Optional[str]] = mapped_column(String(128))


class AlertRow(Base):
    """The current state of one rule for one subject (a queue, or a source)."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("rule_id", "subject", name="uq_alerts_rule_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rules.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default="ok")
    severity: Mapped[Optional[str]] = mapped_column(String(16))
    value: Mapped[Optional[float]] = mapped_column(Float)
    pending_since: Mapped[Optional[datetime]]
    fired_at: Mapped[Optional[datetime]]
    resolved_at: Mapped[Optional[datetime]]
    last_breach_at: Mapped[Optional[datetime]]
    acknowledged_by: Mapped[Optional[str]] = mapped_column(String(128))
    acknowledged_at: Mapped[Optional[datetime]]
    evaluated_at: Mapped[Optional[datetime]]  # when the evaluation last changed this row
    reason: Mapped[Optional[str]] = mapped_column(Text)


class AlertEventRow(Base):
    """One stored transition of an alert, with its reason."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    severity: Mapped[Optional[str]] = mapped_column(String(16))
    value: Mapped[Optional[float]] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)


class NotificationRow(Base):
    """One webhook delivery attempt series, kept so /alerts can show failures."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[Optional[int]] = mapped_column(ForeignKey("alert_events.id", ondelete="SET NULL"))
    target: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[Optional[str]] = mapped_column(Text)


class CollectorRow(Base):
    """The active collector's heartbeat, for /readyz and the pages' freshness."""

    __tablename__ = "collector"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    last_tick_at: Mapped[Optional[datetime]]
    last_tick_ms: Mapped[Optional[float]] = mapped_column(Float)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DisplayTokenRow(Base):
    __tablename__ = "display_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[Optional[datetime]]
