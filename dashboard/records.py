"""The domain records every source produces and every metric reads (METRICS.md, "Records").

Plain dataclasses, no I/O. Times are timezone-aware UTC datetimes; durations that
are plain numbers end in ``_seconds``. The store's ORM rows carry the same
attribute names, so metric functions accept either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SYNC_CHANNELS = frozenset({"voice", "chat"})
ASYNC_CHANNELS = frozenset({"email", "social", "sms"})
KNOWN_CHANNELS = ("voice", "chat", "email", "social", "sms")

AGENT_STATES = ("available", "on_contact", "after_contact_work", "aux", "offline")
SURVEY_KINDS = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}


@dataclass(slots=True)
class Contact:
    """One customer interaction in one channel and one queue.

    ``answered_at`` is, for an asynchronous channel, the first response.
    ``resolved`` is None when unknown.
    """

    source: str
    source_id: str
    channel: str
    queue: str
    arrived_at: datetime
    customer_id: str | None = None
    direction: str = "inbound"
    answered_at: datetime | None = None
    abandoned_at: datetime | None = None
    ended_at: datetime | None = None
    wrap_seconds: float = 0.0
    hold_seconds: float = 0.0
    agent_id: str | None = None
    transfer_count: int = 0
    resolved: bool | None = None
    topic: str | None = None

    @property
    def first_response_at(self) -> datetime | None:
        return self.answered_at


@dataclass(slots=True)
class AgentStateInterval:
    """One agent in one state from ``started_at`` until ``ended_at`` (None while current)."""

    source: str
    source_id: str
    agent_id: str
    state: str
    started_at: datetime
    ended_at: datetime | None = None
    reason: str | None = None


@dataclass(slots=True)
class SurveyResponse:
    """A customer's answer to one survey question about one contact."""

    source: str
    source_id: str
    contact_source_id: str
    kind: str
    score: int
    responded_at: datetime
    comment: str | None = None


@dataclass(slots=True)
class Agent:
    """An agent's display name and team, for pages that show people."""

    source: str
    agent_id: str
    name: str
    team: str | None = None
    skills: tuple[str, ...] = ()


@dataclass(slots=True)
class Rejection:
    """One input record a source refused, naming where it was and what was wrong."""

    location: str  # "file.csv:17" or "queue_log id 4412"
    field: str
    reason: str


@dataclass(slots=True)
class Batch:
    """What one poll of a source returned: new or changed records, and refusals."""

    contacts: list[Contact] = field(default_factory=list)
    states: list[AgentStateInterval] = field(default_factory=list)
    surveys: list[SurveyResponse] = field(default_factory=list)
    agents: list[Agent] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    skipped: int = 0  # records deliberately ignored (system events, custom verbs)

    def __len__(self) -> int:
        return len(self.contacts) + len(self.states) + len(self.surveys) + len(self.agents)
