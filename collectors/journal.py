"""The journal: each poll's records kept as they came, until the collector files them in bulk.

A poll writes its batch here with the source's cursor in one small transaction
(``append``); the collector's live job takes the new rows' live facts into its memory
of today at once (waiting contacts, live conversations, agent states) and files the
rows every ``file_seconds`` (``collectors.pipeline.refresh_live``): contacts, journeys
and roll-ups written for several polls at once, then the rows deleted in the same
transaction. So a batch is stored once it is journaled, filed exactly once, and a
collector that stops between the two files it when it starts again.

The payload is JSON (orjson): the records' fields, times in ISO 8601 with their offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

import orjson
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from dashboard.records import Agent, AgentStateInterval, Batch, Contact, SurveyResponse
from dashboard.store.db import chunks
from dashboard.store.deltas import RollupDelta
from dashboard.store.models import JournalRow

KINDS = {"contacts": (Contact, ("arrived_at", "answered_at", "abandoned_at", "ended_at")),
         "states": (AgentStateInterval, ("started_at", "ended_at")),
         "surveys": (SurveyResponse, ("responded_at",)),
         "agents": (Agent, ())}


@dataclass
class Entry:
    """One journal row: its id, its source and its records, either as parsed JSON (times as text;
    a row read back) or as the poll's own batch (``records`` None; a row this collector journaled).

    The live facts of parsed records are read from them at once (``facts``); they are made into
    ``Contact``s and the rest only when filed (``batch``), off the tick that read them.
    """

    id: int
    source: str
    records: dict | None  # kind -> [field values]; None: the batch itself is held
    _batch: Batch | None = None

    @property
    def batch(self) -> Batch:
        if self._batch is None:
            self._batch = _batch_of(self.records)
        return self._batch

    def views(self, kind: str, times: tuple[str, ...] = ()):
        """The records of ``kind`` as objects with their fields, the named times as ``datetime``s."""
        if self.records is None:
            return getattr(self._batch, kind)
        return [_view(values, times) for values in self.records.get(kind, ())]


def records_of(batch: Batch) -> int:
    return sum(len(getattr(batch, kind)) for kind in KINDS)


def encode(batch: Batch) -> str:
    return orjson.dumps({kind: getattr(batch, kind) for kind in KINDS if getattr(batch, kind)}).decode()


def decode(payload: str) -> Batch:
    """The records of a payload written by ``encode``."""
    return _batch_of(orjson.loads(payload))


def _batch_of(records: dict) -> Batch:
    batch = Batch()
    for kind, (record, times) in KINDS.items():
        for values in records.get(kind, ()):
            values = {**values, **{name: _time(values.get(name)) for name in times}}
            if kind == "agents":
                values["skills"] = tuple(values.get("skills") or ())
            getattr(batch, kind).append(record(**values))
    return batch


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _view(values: dict, times: tuple[str, ...]) -> SimpleNamespace:
    """A record's parsed values with the named times made ``datetime``s (what the live facts read)."""
    return SimpleNamespace(**{**values, **{name: _time(values.get(name)) for name in times}})


def append(session: Session, source: str, batch: Batch, polled_at: datetime) -> Entry | None:
    """Journal a batch's records in the caller's transaction (the one that moves the source's cursor);
    returns its entry holding the batch (None for an empty batch), for the collector that polled.

    A time without its zone is refused here, failing the poll as the store would have: filed
    later, it would fail the filing of every source's rows.
    """
    for kind, (_, times) in KINDS.items():
        for record in getattr(batch, kind):
            for name in times:
                at = getattr(record, name)
                if at is not None and at.tzinfo is None:
                    raise ValueError(f"{source}: {kind} {record.source_id}: {name} {at!r} has no time zone")
    records = records_of(batch)
    if not records:
        return None
    row = JournalRow(source=source, polled_at=polled_at, records=records, payload=encode(batch))
    session.add(row)
    session.flush()  # its id, read now: after the commit the row is expired
    return Entry(row.id, source, None, batch)


def read_new(session: Session, known: dict[int, Entry]) -> list[Entry]:
    """The journal rows not in ``known`` (id → entry), decoded, in the order they were written;
    ``known`` keeps only the rows still in the journal (others were filed) and gains the new ones."""
    ids = set(session.scalars(select(JournalRow.id).where(JournalRow.error.is_(None))))
    for gone in set(known) - ids:
        del known[gone]
    new = []
    for chunk in chunks(sorted(ids - set(known))):
        for id_, source, payload in session.execute(
                select(JournalRow.id, JournalRow.source, JournalRow.payload).where(JournalRow.id.in_(chunk))):
            new.append(Entry(id_, source, orjson.loads(payload)))
    new.sort(key=lambda entry: entry.id)
    known.update((entry.id, entry) for entry in new)
    return new


def by_source(entries: list[Entry]) -> dict[str, list[Entry]]:
    """The entries of each source, in journal order."""
    grouped: dict[str, list[Entry]] = {}
    for entry in sorted(entries, key=lambda entry: entry.id):
        grouped.setdefault(entry.source, []).append(entry)
    return grouped


def merged(entries: list[Entry]) -> Batch:
    """One batch of the entries' records, in their order (a record's last version comes last)."""
    batch = Batch()
    for entry in entries:
        for kind in KINDS:
            getattr(batch, kind).extend(getattr(entry.batch, kind))
    return batch


def set_aside(session: Session, entries: list[Entry], error: str) -> None:
    """Keep rows whose filing failed, with why, out of every later filing and read."""
    for chunk in chunks([entry.id for entry in entries]):
        session.execute(update(JournalRow).where(JournalRow.id.in_(chunk)).values(error=error[:2000]))


def refile(session: Session) -> dict[str, tuple[int, str]]:
    """Put every set-aside row back in line for the next filing (after the cause was mended);
    returns, per source, how many rows and the error they were set aside with."""
    rows = session.execute(select(JournalRow.source, func.count(), func.max(JournalRow.error))
                           .where(JournalRow.error.is_not(None)).group_by(JournalRow.source)).all()
    session.execute(update(JournalRow).where(JournalRow.error.is_not(None)).values(error=None))
    return {source: (count, error) for source, count, error in rows}


def forget(session: Session, entries: list[Entry]) -> None:
    """Delete the filed rows (in the filing's transaction)."""
    for chunk in chunks([entry.id for entry in entries]):
        session.execute(delete(JournalRow).where(JournalRow.id.in_(chunk)))


def facts(entries: list[Entry], tz) -> RollupDelta:
    """The live facts of the entries' records, the last version of each winning."""
    delta = RollupDelta(tz=tz)
    for entry in entries:
        for agent in entry.views("agents"):
            delta.note_agent(agent)
        for contact in entry.views("contacts", ("arrived_at",)):
            delta.note_contact(entry.source, contact)
        for state in entry.views("states", ("started_at",)):
            delta.note_state(entry.source, state)
    return delta
