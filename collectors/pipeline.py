"""One collector tick: poll → journal (cursor in the same transaction) → live view, and filing.

The collector journals each poll (``store_batch(journaled=True)``) and its live job
(``refresh_live``) takes the journal's live facts at once and files it into contacts and
roll-ups every ``file_seconds``; commands and imports file a batch at once (``store_batch``).

``poll_once`` never raises for a source's fault: a failed poll is recorded on the
source's status (last error, consecutive failures) and tried again next tick, so
one bad source never stops the scheduler or the others.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from operator import attrgetter

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from collectors import journal
from collectors.live import LiveState
from collectors.sources.base import Source
from dashboard.metrics.counts import ContactPolicy
from dashboard.records import Batch
from dashboard.settings import Settings
from dashboard.store.days import refresh_days
from dashboard.store.db import session_scope
from dashboard.store.models import CollectorRow, RejectionRow, SourceStateRow
from dashboard.store.deltas import RollupDelta, apply_delta
from dashboard.store.write import (clock_batches, clock_time, expire_responses, rollup_clock, stamp_clock,
                                   upsert_agents, upsert_contacts, upsert_states, upsert_surveys)

log = logging.getLogger(__name__)
MAX_REJECTIONS_KEPT = 1000


@dataclass(frozen=True)
class StoreResult:
    accepted: int
    rejected: int
    skipped: int
    delta: RollupDelta | None = None  # what the batch changed, for the collector's memory of today
    number: int = 0  # the roll-up clock number of the batch's transaction
    entry: journal.Entry | None = None  # the journal row of a journaled batch, holding the batch


@dataclass(frozen=True)
class PollOutcome:
    source: str
    ok: bool
    accepted: int = 0
    rejected: int = 0
    error: str | None = None


def policy_resolver(settings: Settings):
    """(queue, channel) → ContactPolicy from the settings, cached per queue."""

    @lru_cache(maxsize=None)
    def policy_for(queue: str, channel: str) -> ContactPolicy:
        queue_settings = settings.queue(queue, channel)
        return ContactPolicy(
            service_level_seconds=float(queue_settings.service_level_seconds),
            short_abandon_seconds=float(settings.short_abandon_seconds),
            response_target_seconds=float(queue_settings.response_target_seconds),
            repeat_window_seconds=float(settings.repeat_window_days) * 86400.0,
        )

    return policy_for


def load_cursor(engine: Engine, source_name: str) -> dict:
    with session_scope(engine) as session:
        row = session.get(SourceStateRow, source_name)
        return json.loads(row.cursor) if row is not None and row.cursor else {}


def _source_state(session: Session, name: str, kind: str) -> SourceStateRow:
    row = session.get(SourceStateRow, name, with_for_update=True)
    if row is None:
        row = SourceStateRow(name=name, kind=kind, cursor="{}", accepted=0, rejected=0, skipped=0,
                             consecutive_failures=0, rejected_by_reason="{}")
        session.add(row)
    return row


def apply_batch(session: Session, settings: Settings, source_name: str, source_kind: str, batch: Batch,
                cursor: dict, now: datetime) -> StoreResult:
    """Store one batch and its source's cursor and status in the caller's transaction."""
    clock = rollup_clock(session)
    through = clock_time(clock, default=now)
    delta = RollupDelta(tz=settings.tz)
    file_records(session, settings, source_name, batch, through, now, delta)
    number = advance_clock(session, clock, policy_resolver(settings), through, now, delta)
    apply_delta(session, delta)
    refresh_days(session, settings, delta)
    _record_poll(session, source_name, source_kind, batch, cursor, now)
    return StoreResult(accepted=len(batch), rejected=len(batch.rejections), skipped=batch.skipped, delta=delta,
                       number=number)


def file_records(session: Session, settings: Settings, source_name: str, batch: Batch, through: datetime,
                 now: datetime, delta: RollupDelta) -> None:
    """Write one source's records (contacts, journeys, states, surveys) and add what they change to ``delta``."""
    policy_for = policy_resolver(settings)
    with session.no_autoflush:  # flushed explicitly where a query must see the batch's rows
        upsert_agents(session, batch.agents, delta)
        upsert_contacts(session, source_name, batch.contacts, policy_for, through, now, delta)
        upsert_states(session, source_name, batch.states, delta)
        session.flush()
        upsert_surveys(session, source_name, batch.surveys, delta)


def journal_batch(session: Session, source_name: str, source_kind: str, batch: Batch, cursor: dict,
                  now: datetime) -> StoreResult:
    """Journal one batch with its source's cursor and status in the caller's transaction; the
    collector's live job files it (``refresh_live``)."""
    entry = journal.append(session, source_name, batch, now)
    _record_poll(session, source_name, source_kind, batch, cursor, now)
    return StoreResult(accepted=len(batch), rejected=len(batch.rejections), skipped=batch.skipped, entry=entry)


def _record_poll(session: Session, source_name: str, source_kind: str, batch: Batch, cursor: dict,
                 now: datetime) -> None:
    state = _source_state(session, source_name, source_kind)
    state.kind = source_kind
    state.cursor = json.dumps(cursor, sort_keys=True, default=str)
    state.last_poll_at = state.last_success_at = now
    state.consecutive_failures = 0
    state.accepted += len(batch)
    state.rejected += len(batch.rejections)
    state.skipped += batch.skipped
    _record_rejections(session, state, batch, now)


def advance_clock(session: Session, clock: SourceStateRow, policy_for, through: datetime, now: datetime,
                  delta: RollupDelta) -> int:
    """Count response targets that passed up to ``now``, move the roll-up clock there and number
    the transaction (``stamp_clock``); returns the number."""
    if now > through:
        expire_responses(session, policy_for, through, now, delta)
    return stamp_clock(clock, max(now, through))


def _record_rejections(session: Session, state: SourceStateRow, batch: Batch, now: datetime) -> None:
    if not batch.rejections:
        return
    reasons = Counter(json.loads(state.rejected_by_reason or "{}"))
    for rejection in batch.rejections:
        reasons[rejection.reason.split(" (")[0].split(":")[0]] += 1
    state.rejected_by_reason = json.dumps(dict(reasons), sort_keys=True)
    for rejection in batch.rejections[:MAX_REJECTIONS_KEPT]:
        session.add(RejectionRow(source=state.name, at=now, location=rejection.location[:300],
                                 field=rejection.field[:64], reason=rejection.reason))
    for rejection in batch.rejections[:20]:
        log.warning("%s: rejected %s field %s: %s", state.name, rejection.location, rejection.field,
                    rejection.reason)
    if len(batch.rejections) > 20:
        log.warning("%s: %d more records rejected in this batch", state.name, len(batch.rejections) - 20)


def store_batch(engine: Engine, settings: Settings, source_name: str, source_kind: str, batch: Batch,
                cursor: dict, now: datetime, live: LiveState | None = None, journaled: bool = False) -> StoreResult:
    """Store one batch in its own transaction: all of it with its cursor, or nothing.

    ``journaled``: only journal it (the collector's way: its live job files it); else file it
    now. ``live``: the collector's memory of today, told once committed what a filed batch changed,
    or handed the journaled batch (its live job need not read it back).
    """
    if journaled:
        # held from before the commit to the hand-off: a refresh in between would read the batch
        # back from the journal and take its facts twice
        with live.lock if live is not None else nullcontext():
            with session_scope(engine) as session:
                result = journal_batch(session, source_name, source_kind, batch, cursor, now)
            if live is not None:
                live.journaled(result.entry)
        return result
    with session_scope(engine) as session:
        result = apply_batch(session, settings, source_name, source_kind, batch, cursor, now)
    if live is not None:
        live.follow(result.delta, result.number)
    return result


def record_failure(engine: Engine, source_name: str, source_kind: str, error: str, now: datetime) -> None:
    with session_scope(engine) as session:
        state = _source_state(session, source_name, source_kind)
        state.last_poll_at = now
        _source_failed(state, error, now)


def _source_failed(state: SourceStateRow, error: str, now: datetime) -> None:
    state.last_error_at = now
    state.last_error = error[:2000]
    state.consecutive_failures = (state.consecutive_failures or 0) + 1


def poll_once(engine: Engine, settings: Settings, source: Source, now: datetime,
              live: LiveState | None = None, journaled: bool = False) -> PollOutcome:
    """Poll one source and store (or only journal) what it returned; a failure is recorded, never raised."""
    try:
        cursor = load_cursor(engine, source.name)
        batch, next_cursor = source.poll(cursor, now)
        result = store_batch(engine, settings, source.name, source.kind, batch, next_cursor, now, live, journaled)
    except Exception as error:  # noqa: BLE001 - any fault of a source is recorded and retried
        message = f"{type(error).__name__}: {error}"
        log.exception("poll of source %s failed: %s", source.name, message)
        try:
            record_failure(engine, source.name, source.kind, message, now)
        except Exception:  # noqa: BLE001 - the store itself may be the fault
            log.exception("could not record the failure of source %s", source.name)
        return PollOutcome(source=source.name, ok=False, error=message)
    return PollOutcome(source=source.name, ok=True, accepted=result.accepted, rejected=result.rejected)


def refresh_live(engine: Engine, settings: Settings, now: datetime, owner: str = "collector",
                 live: LiveState | None = None, file: bool | None = None) -> dict:
    """File the journal when due, rewrite the live snapshot and beat the collector's heart.

    ``live``: the collector's memory of today (``collectors.live``), brought up to date here
    and read instead of the store; without it (a command, a test) it is read from the store.
    The journal's new rows' live facts are taken in at once; the rows are filed (contacts,
    roll-ups, the roll-up clock moved to ``now``) every ``file_seconds``, or when ``file``
    says so (True: now; False: not now; None: when due).
    """
    from collectors.snapshot import window_starts, write_snapshots
    from dashboard.alerts.evaluate import evaluate_alerts

    started = time.perf_counter()
    live = live if live is not None else LiveState()
    try:
        with live.lock, session_scope(engine) as session:
            clock = rollup_clock(session)
            new = live.take_unread(journal.read_new(session, live.journal))
            if file is None:
                file = live.filed_at is None or (now - live.filed_at).total_seconds() >= settings.file_seconds
            trusted = clock_batches(clock)  # the number the memory must hold to be brought up to date
            filed, number, set_aside = [], trusted, False
            if file:
                filed, number, set_aside = _file_journal(session, settings, clock, list(live.journal.values()), now)
                live.journal.clear()
                live.filed_at = now
            floor = min(window_starts(now, settings).values())
            if live.batches == trusted and floor >= live.floor and not set_aside:  # else: reload without them
                for delta in filed:
                    live.apply(delta.counts_only(), number)  # their facts were taken in from the journal
                live.move_floor(floor)
                live.take_facts(journal.facts(new, settings.tz))
            else:
                live.load(session, floor, number)  # keeps the journal's entries not filed
                live.take_facts(journal.facts(sorted(live.journal.values(), key=attrgetter("id")), settings.tz))
            snapshots = write_snapshots(session, settings, now, live)
            evaluate_alerts(session, settings, snapshots, now)
            heartbeat = session.get(CollectorRow, "collector") or CollectorRow(name="collector", owner=owner,
                                                                                started_at=now)
            heartbeat.owner, heartbeat.last_tick_at = owner, now
            heartbeat.last_tick_ms = (time.perf_counter() - started) * 1000
            session.add(heartbeat)
    except BaseException:
        live.forget()  # what it took in may not have been committed
        raise
    return snapshots


def _file_journal(session: Session, settings: Settings, clock: SourceStateRow, entries: list[journal.Entry],
                  now: datetime) -> tuple[list[RollupDelta], int, bool]:
    """File the journal's rows, each source's in journal order, move the roll-up clock to ``now``
    and delete the filed rows, in the caller's transaction; returns what changed, the clock number
    and whether a source's rows were set aside.

    Each source is filed in a savepoint: one whose rows cannot be filed (the store refused them)
    has them set aside with the error, kept and shown on the source's status (its tiles go stale),
    and the other sources are filed all the same. A fault of the store itself (locked, full, gone:
    SQLAlchemy's ``OperationalError``) says nothing of the rows: it fails the whole filing, which
    keeps the journal and is tried again at the next refresh.
    """
    through = clock_time(clock, default=now)
    deltas, filed, set_aside = [], [], False
    for source_name, own in journal.by_source(entries).items():
        delta = RollupDelta(tz=settings.tz)
        try:
            with session.begin_nested():
                file_records(session, settings, source_name, journal.merged(own), through, now, delta)
                apply_delta(session, delta)
                refresh_days(session, settings, delta)
        except OperationalError:
            raise
        except Exception as error:  # noqa: BLE001 - one source's bad rows must not stop the others
            message = f"journal rows {own[0].id}-{own[-1].id} could not be filed: {type(error).__name__}: {error}"
            log.exception("%s: %s", source_name, message)
            journal.set_aside(session, own, message)
            _source_failed(_source_state(session, source_name, "unknown"), message, now)
            set_aside = True
            continue
        deltas.append(delta)
        filed += own
    expired = RollupDelta(tz=settings.tz)
    number = advance_clock(session, clock, policy_resolver(settings), through, now, expired)
    apply_delta(session, expired)
    refresh_days(session, settings, expired)
    journal.forget(session, filed)
    return [*deltas, expired], number, set_aside
