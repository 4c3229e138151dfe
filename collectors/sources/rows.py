"""One raw row (a dict of column → value) through a mapping into a batch: records, a rejection or a skip.

Shared by the file and SQL sources. Pure apart from the WARNING log of a rejection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from collectors.sources.mapping import Mapping_, evaluate, skip_reason
from collectors.sources.queue_log import event_from_row
from collectors.sources.queue_state import apply_event
from collectors.sources.validate import (Problem, RecordError, contact_problems, reject, state_problems,
                                         survey_problems)
from dashboard.records import Agent, AgentStateInterval, Batch, Contact, SurveyResponse


@dataclass(frozen=True)
class RowContext:
    """What every row of one poll shares: who reads, with which mapping, zone, clock and queue list."""

    source: str
    mapping: Mapping_
    tz: ZoneInfo
    now: datetime
    allowed_queues: frozenset[str] | None = None


def _contact(ctx: RowContext, values: dict[str, Any]) -> Contact:
    def get(name: str, default: Any = None) -> Any:
        value = values.get(name)
        return default if value is None else value

    return Contact(source=ctx.source, source_id=get("source_id", ""), channel=get("channel", ""),
                   queue=get("queue", ""), arrived_at=values.get("arrived_at"),
                   customer_id=get("customer_id"), direction=get("direction", "inbound"),
                   answered_at=get("answered_at"), abandoned_at=get("abandoned_at"), ended_at=get("ended_at"),
                   wrap_seconds=get("wrap_seconds", 0.0), hold_seconds=get("hold_seconds", 0.0),
                   agent_id=get("agent_id"), transfer_count=get("transfer_count", 0),
                   resolved=values.get("resolved"), topic=get("topic"))


def _survey(ctx: RowContext, values: dict[str, Any], contact_id: str | None) -> SurveyResponse | None:
    """The row's survey response, or None when it has no score."""
    if values.get("score") is None:
        return None
    parent = values.get("contact_source_id") or contact_id or ""
    kind = values.get("kind") or "csat"
    return SurveyResponse(source=ctx.source, source_id=values.get("source_id") or f"{parent}:{kind}",
                          contact_source_id=parent, kind=kind, score=values["score"],
                          responded_at=values.get("responded_at"), comment=values.get("comment"))


def _state(ctx: RowContext, values: dict[str, Any]) -> AgentStateInterval:
    return AgentStateInterval(source=ctx.source, source_id=values.get("source_id") or "",
                              agent_id=values.get("agent_id") or "", state=values.get("state") or "",
                              started_at=values.get("started_at"), ended_at=values.get("ended_at"),
                              reason=values.get("reason"))


def _reject_first(batch: Batch, location: str, problems: list[Problem]) -> bool:
    if problems:
        batch.rejections.append(reject(location, problems[0]))
    return bool(problems)


def _add_contact_row(batch: Batch, ctx: RowContext, row: Mapping[str, Any], location: str) -> None:
    sections = ctx.mapping.sections
    values = evaluate(sections["contact"], row, ctx.tz)
    contact = _contact(ctx, values)
    if _reject_first(batch, location, contact_problems(contact, ctx.now, ctx.allowed_queues)):
        return
    survey = _survey(ctx, evaluate(sections["survey"], row, ctx.tz, values), contact.source_id) \
        if "survey" in sections else None
    if survey is not None and _reject_first(batch, location, survey_problems(survey, ctx.now)):
        survey = None
    batch.contacts.append(contact)
    if survey is not None:
        batch.surveys.append(survey)
    if ctx.mapping.emit_agents and contact.agent_id:
        batch.agents.append(Agent(source=ctx.source, agent_id=contact.agent_id, name=contact.agent_id))


def add_row(batch: Batch, ctx: RowContext, row: Mapping[str, Any], location: str,
            state: dict[str, Any]) -> None:
    """Add what one row yields to ``batch``; ``state`` is the queue_log machine's (changed in place)."""
    mapping = ctx.mapping
    if skip_reason(mapping, row) is not None:
        batch.skipped += 1
        return
    try:
        if mapping.record == "queue_log":
            options = mapping.queue_log
            event = event_from_row(row, location, options.get("layout", "asterisk"), options.get("columns"),
                                   options.get("time_format", "epoch"), ctx.tz)
            outcome = apply_event(state, event, ctx.source, ctx.now, ctx.allowed_queues)
            batch.contacts += outcome.contacts
            batch.states += outcome.states
            batch.rejections += outcome.rejections
            batch.skipped += outcome.skipped
        elif mapping.record == "contacts":
            _add_contact_row(batch, ctx, row, location)
        elif mapping.record == "surveys":
            survey = _survey(ctx, evaluate(mapping.sections["survey"], row, ctx.tz), None)
            if survey is not None and not _reject_first(batch, location, survey_problems(survey, ctx.now)):
                batch.surveys.append(survey)
        else:
            interval = _state(ctx, evaluate(mapping.sections["agent_state"], row, ctx.tz))
            if not _reject_first(batch, location, state_problems(interval, ctx.now)):
                batch.states.append(interval)
    except RecordError as error:
        batch.rejections.append(reject(location, Problem(error.field, error.reason)))


def dedupe(batch: Batch) -> Batch:
    """Keep the last emission of each contact, interval, survey and agent (the fullest view)."""
    def last(items: list, key) -> list:
        return list({key(item): item for item in items}.values())

    batch.contacts = last(batch.contacts, lambda c: c.source_id)
    batch.states = last(batch.states, lambda s: s.source_id)
    batch.surveys = last(batch.surveys, lambda s: s.source_id)
    batch.agents = last(batch.agents, lambda a: a.agent_id)
    return batch
