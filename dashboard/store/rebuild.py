"""Rebuild every roll-up from the raw tables, after an import or a repair.

Recomputes ``contact_links`` (the journey links) and ``contacts.response_due_at`` (arrival
plus the queue's response target now: the collector's sweep counts a target passing by it), then ``interval_stats``,
``agent_interval_stats``, ``agent_state_stats``, ``customer_weeks`` and ``queue_sources``, then
the day roll-ups from those (``store.days``), and sets the roll-up clock to ``now``. The result is
what the incremental path (``dashboard.store.write``) holds for the same records seen at ``now``:
the rules of ``dashboard.metrics.counts``, applied to whole columns (``store.rebuild_sums``,
``store.rebuild_customers``). Counts are identical; sums of seconds agree up to float rounding
(the incremental path adds and subtracts the same values in another order).

Columnar end to end, never a Python object per record: the raw tables are read as Arrow columns
(``store.columns``), links and sums computed with numpy on integer codes, the rows written in
bulk by a writer thread while the next rows are summed. The rebuild holds the store from its first
statement (SQLite's write lock, the roll-up clock's row on both), so what it reads is what its
writes replace. On SQLite a child process reads, naming each result as soon as it is written:
the contacts' journey columns come first, and their links and customer weeks are computed and
written while the child reads the rest; the writer deletes the old roll-ups meanwhile. The agent
roll-ups, the most rows, are summed a run of whole site days at a time (``days.day_runs``), so
the writer starts on them while the next run is summed. The roll-up tables are ``WITHOUT ROWID``
(migration 0006) and columns zero throughout a slice are not bound (``store.columns``).

5.2 M contacts take 34-37 s on SQLite on a 2-core machine whose DuckDB recomputes the issue's
yardstick day in the issue's 20 ms (its SQLite and pandas run it 1.6 times faster than the issue's
figures), with every journey link to set or with them set alike: the links are rows of their own
(``contact_links``, migration 0007), so relinking writes 705 k small rows instead of rewriting the
contacts' pages (46 s before, ``benchmarks/README.md``). The path: the contacts read by 12-15 s,
their sums to the first run of agent rows by about 22 s, then the writer sets the pace: the agent
rows and their days about 14 s (2 µs a row, SQLite's own work and the ``sqlite3`` driver binding
values one by one), the commit 2-3 s.

Memory: the contacts are held whole as numbers and codes, about 100 bytes a contact, with the
roll-up frames waiting to be written, and SQLite's page cache of up to 1 GB for this connection:
the process peaked at 7.2 GB for 5.2 M contacts.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from datetime import datetime, timezone
from typing import Iterable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete
from sqlalchemy.orm import Session

from dashboard.settings import Settings
from dashboard.store.bulk import delete_statement
from dashboard.store.columns import insert_frame, read_tables, select_sql, update_column
from dashboard.store.db import hold_write_lock, sqlite_cache
from dashboard.store.days import AGENTS, QUEUES, STATES, TABLES, day_runs, day_sums, record_cut
from dashboard.store.models import (AgentIntervalStatRow, AgentStateStatRow, ContactLinkRow, ContactRow,
                                    CustomerWeekRow, IntervalStatRow, QueueSourceRow)
from dashboard.store.rebuild_customers import customer_weeks, next_contacts
from dashboard.store.rebuild_sums import (NAT, Codes, ContactColumns, CountKeys, Grid, Policies, add_contacts,
                                          add_surveys, micros, queue_sources, sorted_codes, state_seconds)
from dashboard.store.sqlite_child import FLAG, FLOAT, INT, KEY, TIME
from dashboard.store.write import rollup_clock, stamp_clock

# the contacts are read in two parts, the columns of their journeys first (after the links stored,
# a smaller table): the links and customer weeks are computed and written from those while the
# reading child reads the rest
LINK_COLUMNS = {"contact_id": INT, "next_contact_at": TIME}
JOURNEY_COLUMNS = {"id": INT, "customer_id": KEY, "channel": KEY, "arrived_at": TIME}
CONTACT_COLUMNS = {"id": INT, "source": KEY, "queue": KEY, "direction": KEY, "agent_id": KEY, "answered_at": TIME,
                   "abandoned_at": TIME, "ended_at": TIME, "response_due_at": TIME, "hold_seconds": FLOAT,
                   "wrap_seconds": FLOAT, "transfer_count": INT, "resolved": FLAG}
STATE_COLUMNS = {"agent_id": KEY, "state": KEY, "reason": KEY, "started_at": TIME, "ended_at": TIME}
SURVEY_COLUMNS = {"queue": KEY, "channel": KEY, "agent_id": KEY, "kind": KEY, "score": INT, "responded_at": TIME}
SOURCES = (("links", "contact_links", LINK_COLUMNS, ""),
           ("journeys", "contacts", JOURNEY_COLUMNS, ""),
           ("contacts", "contacts", CONTACT_COLUMNS, ""),
           ("states", "agent_states", STATE_COLUMNS, "ended_at IS NOT NULL"),
           ("surveys", "survey_responses", SURVEY_COLUMNS, "queue IS NOT NULL"))
LINKS = ContactLinkRow.__table__
DAYS = {table.interval.__tablename__: table for table in (QUEUES, AGENTS, STATES)}  # interval table -> its days
# SQLite's page cache for the rebuild's connection (KiB): the default 2 MB makes SQLite spill
# the pages it changes into the write-ahead log while it still works on them
REBUILD_CACHE_KIB = 1_000_000
AGENT_PARTS = 8  # runs of days the agent roll-ups are summed and written in
TABLES_BY_NAME = {model.__tablename__: model.__table__ for model in (
    IntervalStatRow, AgentIntervalStatRow, AgentStateStatRow, CustomerWeekRow, QueueSourceRow,
    *(table.day for table in TABLES))}


def rebuild_rollups(engine: Engine, settings: Settings, now: datetime, progress: bool = True) -> dict[str, int]:
    """Recompute journey links and all roll-up tables from the raw records, as seen at ``now``.

    One transaction: readers see the old roll-ups until it commits. It holds the store's write
    lock (SQLite) and the roll-up clock (both) from the start, so no collector files records
    between the reads and the writes. Returns the row count written per table (and ``relinked``:
    contacts whose next contact changed; ``response_due_reset``: contacts whose response due time
    changed).
    """
    from tqdm import tqdm

    from collectors.pipeline import policy_resolver  # the collector's policy rules, one definition

    written: dict[str, int] = {}
    with (engine.connect() as connection, sqlite_cache(connection, REBUILD_CACHE_KIB), connection.begin(),
          Session(bind=connection) as session):
        hold_write_lock(connection)
        clock = rollup_clock(session)  # locked: every filing of records waits for this transaction
        queries = {name: (select_sql(connection.dialect.name, table, kinds, where), kinds)
                   for name, table, kinds, where in SOURCES}
        rows_read = sum(connection.exec_driver_sql(f"SELECT count(*) FROM ({sql}) AS counted").scalar_one()
                    for sql, _ in queries.values())
        # no total until every row to write is known (``_WriteBehind.all_put``): a percentage never falls
        with (tqdm(unit="row", unit_scale=True, desc="reading", disable=not progress) as bar,
              closing(read_tables(connection, queries)) as results, _WriteBehind(connection, bar, rows_read) as writes):
            reads = _counted(results, bar)
            if connection.dialect.name != "sqlite":
                reads = iter(list(reads))  # PostgreSQL reads on this connection (COPY): all before any write
            # SQLite's child reads on its own connection, in the state this one started from: the old
            # roll-ups are deleted, and the first results written, while it reads the rest
            writes.clear(TABLES_BY_NAME.values())
            for name, frame in _rebuilt(reads, settings, policy_resolver(settings), now):
                writes.put(name, frame)
                written[name] = written.get(name, 0) + len(frame)
                if name in DAYS:
                    writes.put(DAYS[name].day.__tablename__, day_sums(settings, DAYS[name], frame))
            writes.all_put()
        stamp_clock(clock, now)  # a new number: the collector's memory of today reloads
        record_cut(session, settings)
        session.flush()
    return {**{name: written[name] for name in DAYS}, "customer_weeks": written["customer_weeks"],
            "relinked": written["links"], "response_due_reset": written["due_times"]}


def _counted(reads: Iterator[tuple[str, pd.DataFrame]], bar) -> Iterator[tuple[str, pd.DataFrame]]:
    for name, frame in reads:
        bar.update(len(frame))
        yield name, frame


def _rebuilt(reads: Iterator[tuple[str, pd.DataFrame]], settings: Settings, policy_for,
             now: datetime) -> Iterator[tuple]:
    """(table, its new rows) for every roll-up table, ``links`` (contact_id, next_contact_at: NaT for
    none, stored: whether a link is stored; the contacts whose journey link changed) and
    ``due_times`` (id, response_due_at: those whose due time changed, after a change of target),
    each as soon as it is computed: the links and customer weeks from the contacts' journey
    columns while the rest is read, then the quick tables before the sums of the contacts, so the
    writer has rows to write while those are summed. ``reads``: the results of ``SOURCES``'
    queries, in their order."""
    links = _result(reads, "links")
    journeys = _result(reads, "journeys")
    customer, customers = sorted_codes(journeys["customer_id"], empty=False)
    arrived = micros(journeys["arrived_at"])
    window = max(policy_for("", "voice").repeat_window_seconds, 1.0)
    ids = journeys["id"].to_numpy()
    next_at = next_contacts(customer, arrived, ids, window)
    yield "links", _relinked(ids, _stored_links(ids, links), next_at)
    yield "customer_weeks", customer_weeks(customer, customers, *sorted_codes(journeys["channel"]), arrived,
                                           settings.tz)
    contacts = _joined(journeys, _result(reads, "contacts"))
    states, surveys = _result(reads, "states"), _result(reads, "surveys")
    codes = Codes.of(contacts, surveys)
    columns = ContactColumns.of(contacts, codes, next_at)
    policies = Policies.of(codes, columns.queue, columns.channel, policy_for)
    yield "due_times", _changed(contacts, "response_due_at", _due_times(columns, policies))
    yield "queue_sources", queue_sources(contacts)
    yield "agent_state_stats", state_seconds(states)
    through = int(np.datetime64(now.astimezone(timezone.utc).replace(tzinfo=None), "us").astype(np.int64))
    keys = CountKeys(Grid.spanning(columns.arrived, columns.answered, columns.abandoned, columns.ended,
                                   micros(surveys["responded_at"]), np.array([through])), codes)
    add_contacts(keys, columns, policies, through)
    add_surveys(keys, surveys, codes)
    # the agent rows, the most, in runs of whole days: the writer starts on the first while the
    # next are summed, and each run's day sums are whole days
    intervals = np.arange(keys.grid.size)
    for first, stop in day_runs(settings, keys.grid.starts(intervals), AGENT_PARTS):
        yield "agent_interval_stats", keys.agent_frame(first, stop)
    yield "interval_stats", keys.queue_frame()


def _result(reads: Iterator[tuple[str, pd.DataFrame]], expected: str) -> pd.DataFrame:
    name, frame = next(reads)
    if name != expected:
        raise RuntimeError(f"the rebuild read {name} where it expected {expected}")
    return frame


def _joined(journeys: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """The two parts of the contacts side by side, in the journeys' order (both were read in one
    transaction; PostgreSQL may return a table's rows in another order the second time)."""
    ids = journeys["id"].to_numpy()
    if not np.array_equal(ids, contacts["id"].to_numpy()):
        order = pd.Index(contacts["id"]).get_indexer(ids)
        if len(order) != len(contacts) or (order < 0).any():
            raise RuntimeError("the contacts changed between the rebuild's two reads of them")
        contacts = contacts.take(order)
    return pd.concat([journeys, contacts.drop(columns="id").reset_index(drop=True)], axis=1)


def _stored_links(ids: np.ndarray, links: pd.DataFrame) -> np.ndarray:
    """The stored link of each contact of ``ids``, in µs (``NAT``: none), from ``contact_links``' rows."""
    order = np.argsort(ids, kind="stable")  # already in order on SQLite: a linear pass
    at = np.searchsorted(ids, links["contact_id"].to_numpy(), sorter=order)
    stored = np.full(len(ids), NAT)
    stored[order[at]] = micros(links["next_contact_at"])  # every link's contact is read (a foreign key)
    return stored


def _relinked(ids: np.ndarray, stored: np.ndarray, next_at: np.ndarray) -> pd.DataFrame:
    """The contacts whose link changed: contact_id, the new link (NaT: none) and whether one is stored."""
    changed = np.flatnonzero(next_at != stored)
    return pd.DataFrame({"contact_id": ids[changed], "next_contact_at": next_at[changed].view("datetime64[us]"),
                         "stored": stored[changed] != NAT})


def _changed(contacts: pd.DataFrame, column: str, values: np.ndarray) -> pd.DataFrame:
    """The contacts whose stored time ``column`` differs from ``values`` (µs, ``NAT``: none): id and the
    new value."""
    changed = np.flatnonzero(values != micros(contacts[column]))
    return pd.DataFrame({"id": contacts["id"].to_numpy()[changed], column: values[changed].view("datetime64[us]")})


def _due_times(columns: ContactColumns, policies: Policies) -> np.ndarray:
    """Each contact's arrival plus its queue's response target now, in µs (``counts.response_due_at``;
    ``NAT`` for a synchronous contact)."""
    target = policies.of_rows(columns.queue, columns.channel)[2]
    return np.where(columns.is_async, columns.arrived + np.round(np.nan_to_num(target) * 1e6).astype(np.int64), NAT)


def _write_links(connection: Connection, links: pd.DataFrame) -> None:
    """The changed links (``_relinked``) stored: the old rows deleted, the new ones inserted."""
    gone = links["contact_id"][links["stored"]].tolist()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DELETE FROM {LINKS.name} WHERE contact_id = ANY(%s)", (gone,))
    else:
        delete_statement(connection, LINKS, "contact_id").run(connection, [(contact_id,) for contact_id in gone])
    insert_frame(connection, LINKS, links.loc[links["next_contact_at"].notna(), ["contact_id", "next_contact_at"]])


class _WriteBehind:
    """The rebuild's writes, in the order given, by one worker thread while the main thread computes
    the next rows: SQLite's inserts and NumPy's sums let the other thread run, so the two share the
    machine's cores. Only the worker touches the connection until every write is done; on an error
    the pending writes are dropped and the transaction rolls back."""

    def __init__(self, connection: Connection, bar, rows_read: int):
        self.connection, self.bar = connection, bar
        self.rows = rows_read  # with the rows put so far: the bar's total once all are put
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rebuild-writes")
        self.pending: list[Future] = []

    def put(self, name: str, frame: pd.DataFrame) -> None:
        """Write ``frame`` as table ``name``'s rows (``links``: replace the changed rows of
        ``contact_links``; ``due_times``: set a column of contacts).

        Until ``all_put`` the bar counts rows without a total, so its percentage never falls as
        rows still to come are summed."""
        self.rows += len(frame)
        self.pending.append(self.worker.submit(self._write, name, frame))

    def all_put(self) -> None:
        """Every write is put: the bar's total is known from here on."""
        self.bar.total = self.rows
        self.bar.refresh()

    def clear(self, tables: Iterable[Table]) -> None:
        """Delete every row of ``tables``, before the writes put after this."""
        self.pending.append(self.worker.submit(self._clear, tuple(tables)))

    def _clear(self, tables: tuple[Table, ...]) -> None:
        self.bar.set_description_str("deleting the old roll-ups")
        for table in tables:
            self.connection.execute(delete(table))

    def _write(self, name: str, frame: pd.DataFrame) -> None:
        self.bar.set_description_str(f"writing {name}")
        if name == "links":
            _write_links(self.connection, frame)
            self.bar.update(len(frame))
        elif name == "due_times":
            update_column(self.connection, ContactRow.__table__, "response_due_at", frame)
            self.bar.update(len(frame))
        else:
            insert_frame(self.connection, TABLES_BY_NAME[name], frame, self.bar.update)

    def __enter__(self) -> _WriteBehind:
        return self

    def __exit__(self, error_type, *_) -> None:
        self.worker.shutdown(wait=True, cancel_futures=error_type is not None)
        if error_type is None:
            for done in self.pending:
                done.result()  # the first failed write's error, if any
