"""rebuild_rollups: the roll-ups rebuilt from raw rows equal what the incremental path built."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select, update

from collectors.pipeline import store_batch
from collectors.sources.simulator import SimulatorSource, backfill
from dashboard.metrics.counts import COUNT_FIELDS
from dashboard.records import AgentStateInterval, Batch, Contact, SurveyResponse
from dashboard.store.days import TABLES, rebuild_days
from dashboard.store.db import make_engine, session_scope, upgrade_database
from dashboard.store.models import (AgentIntervalStatRow, AgentStateStatRow, ContactLinkRow, ContactRow,
                                    CustomerWeekRow, IntervalStatRow, QueueSourceRow)
from dashboard.store.rebuild import rebuild_rollups
from tests.conftest import utc

END = utc(2026, 3, 3, 14, 2, 30)
FLOAT_FIELDS = {f for f in COUNT_FIELDS if f.endswith(("seconds", "_sum"))} | {"seconds"}


def snapshot(engine) -> dict:
    """Every roll-up row by key, all-zero rows left out (the incremental path may leave some behind)."""
    tables = {}
    with session_scope(engine) as session:
        for model, keys in ((IntervalStatRow, ("interval_start", "queue", "channel")),
                            (AgentIntervalStatRow, ("interval_start", "agent_id", "queue", "channel"))):
            tables[model.__tablename__] = {
                tuple(getattr(r, k) for k in keys): {f: getattr(r, f) for f in COUNT_FIELDS}
                for r in session.scalars(select(model)) if any(abs(getattr(r, f)) > 1e-6 for f in COUNT_FIELDS)}
        tables["agent_state_stats"] = {(r.interval_start, r.agent_id, r.state, r.reason): r.seconds
                                       for r in session.scalars(select(AgentStateStatRow)) if abs(r.seconds) > 1e-6}
        tables["customer_weeks"] = {(r.week_start, r.customer_id): (r.contacts, r.channels)
                                    for r in session.scalars(select(CustomerWeekRow))}
        tables["queue_sources"] = {(r.queue, r.channel, r.source): r.latest_arrival_at
                                   for r in session.scalars(select(QueueSourceRow))}
        tables["next_contact_at"] = dict(session.execute(
            select(ContactRow.id, ContactLinkRow.next_contact_at).outerjoin(
                ContactLinkRow, ContactLinkRow.contact_id == ContactRow.id)).all())
    return tables


def assert_same(rebuilt: dict, incremental: dict) -> None:
    """Counts identical; seconds equal up to float rounding (sums taken in another order)."""
    assert rebuilt.keys() == incremental.keys()
    for name in rebuilt:
        assert rebuilt[name].keys() == incremental[name].keys(), name
        for key, value in rebuilt[name].items():
            other = incremental[name][key]
            if isinstance(value, dict):
                for field, number in value.items():
                    if field in FLOAT_FIELDS:
                        assert math.isclose(number, other[field], rel_tol=1e-9, abs_tol=1e-6), (name, key, field)
                    else:
                        assert number == other[field], (name, key, field)
            elif isinstance(value, float):
                assert math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-6), (name, key)
            else:
                assert value == other, (name, key)


def simulated(engine, settings) -> None:
    """Two simulated days through ``store_batch``, then live ticks: contacts change between batches."""
    start = END - timedelta(minutes=40)
    for number, batch in enumerate(backfill(3, 2, start, scale=0.3)):
        store_batch(engine, settings, "simulator", "simulator", batch, {"day": number}, start)
    source = SimulatorSource(seed=3, scale=0.3)
    cursor = source.cursor_at(start)
    now = start
    while now < END:
        now += timedelta(minutes=5)
        batch, cursor = source.poll(cursor, now)
        store_batch(engine, settings, source.name, source.kind, batch, cursor, now)


def test_rebuilt_rollups_equal_the_incremental_ones(engine, settings):
    simulated(engine, settings)
    incremental = snapshot(engine)
    assert incremental["interval_stats"] and incremental["agent_state_stats"] and incremental["customer_weeks"]
    assert any(incremental["next_contact_at"].values())
    rebuild_rollups(engine, settings, END, progress=False)
    assert_same(snapshot(engine), incremental)


def day_rows(engine) -> dict:
    """Every day row of the three day tables by key."""
    with session_scope(engine) as session:
        return {table.day.__tablename__: {
            (row.day, *(getattr(row, k) for k in table.keys)): {f: getattr(row, f) for f in table.sums}
            for row in session.scalars(select(table.day))} for table in TABLES}


def test_rebuilt_days_equal_the_sums_of_the_rebuilt_intervals(engine, settings):
    """The rebuild writes the day tables from the interval rows it holds; the SQL sums agree."""
    simulated(engine, settings)
    rebuild_rollups(engine, settings, END, progress=False)
    written = day_rows(engine)
    assert all(written.values())
    with session_scope(engine) as session:
        rebuild_days(session, settings)
    assert_same(written, day_rows(engine))


def test_rebuild_repairs_damaged_rollups_and_links(engine, settings):
    simulated(engine, settings)
    incremental = snapshot(engine)
    with session_scope(engine) as session:
        session.execute(update(IntervalStatRow).values(offered=IntervalStatRow.offered + 3))
        linked = sorted(i for i, at in incremental["next_contact_at"].items() if at is not None)
        unlinked = sorted(i for i, at in incremental["next_contact_at"].items() if at is None)
        links = ContactLinkRow.__table__
        # every other link lost, one moved an hour, one made up for a contact that has no next contact
        session.execute(links.delete().where(links.c.contact_id.in_(linked[::2])))
        session.execute(update(ContactLinkRow).where(ContactLinkRow.contact_id == linked[1])
                        .values(next_contact_at=incremental["next_contact_at"][linked[1]] + timedelta(hours=1)))
        session.add(ContactLinkRow(contact_id=unlinked[0], next_contact_at=END))
        session.execute(CustomerWeekRow.__table__.delete())
        session.execute(QueueSourceRow.__table__.delete())
    result = rebuild_rollups(engine, settings, END, progress=False)
    assert result["relinked"] == len(linked[::2]) + 2
    assert_same(snapshot(engine), incremental)
    rebuild_rollups(engine, settings, END, progress=False)  # a second rebuild changes nothing
    assert_same(snapshot(engine), incremental)


def edge_batch() -> Batch:
    """Records where the columnar rules could slip: a customer's two contacts arriving at the same
    instant (the lower id links to the other), contacts with a NULL and an empty customer, an empty
    agent, an outbound contact, an asynchronous contact whose response target passed unanswered,
    states across UTC midnight and Berlin's change to summer time (01:00 UTC on 29 March 2026),
    a state with no reason, one still open, surveys of each kind."""
    at = utc(2026, 3, 28, 23, 50)
    contacts = [
        Contact("s", "c1", "voice", "Sales", at, customer_id="k1", answered_at=at + timedelta(seconds=12),
                ended_at=at + timedelta(minutes=25), agent_id="a1", hold_seconds=30.0, wrap_seconds=12.5,
                resolved=True),
        Contact("s", "c2", "chat", "Sales", at, customer_id="k1", answered_at=at + timedelta(seconds=40),
                ended_at=at + timedelta(minutes=3), agent_id="a2", transfer_count=1, resolved=False),
        Contact("s", "c3", "voice", "Sales", at + timedelta(hours=1), customer_id="k1", abandoned_at=at
                + timedelta(hours=1, seconds=3)),
        Contact("s", "c4", "voice", "Support", at, customer_id=None, abandoned_at=at + timedelta(seconds=48)),
        Contact("s", "c5", "voice", "Support", at, customer_id="", answered_at=at + timedelta(seconds=5),
                ended_at=at + timedelta(minutes=4), agent_id=""),
        Contact("s", "c6", "voice", "Support", at, customer_id="k2", direction="outbound",
                answered_at=at + timedelta(seconds=1), ended_at=at + timedelta(minutes=9), agent_id="a1"),
        Contact("s", "c7", "email", "Mail", at - timedelta(days=1, hours=2), customer_id="k2"),
        Contact("s", "c8", "email", "Mail", at - timedelta(hours=3), customer_id="k2",
                answered_at=at + timedelta(hours=1), ended_at=at + timedelta(hours=2), agent_id="a2"),
    ]
    states = [
        AgentStateInterval("s", "t1", "a1", "available", utc(2026, 3, 28, 21, 50, 7), utc(2026, 3, 29, 2, 20, 1)),
        AgentStateInterval("s", "t2", "a1", "aux", utc(2026, 3, 29, 2, 20, 1), utc(2026, 3, 29, 2, 24),
                           reason="break"),
        AgentStateInterval("s", "t3", "a2", "on_contact", utc(2026, 3, 28, 22, 59, 59, 999999),
                           utc(2026, 3, 28, 23, 0, 0, 1)),
        AgentStateInterval("s", "t4", "a2", "available", utc(2026, 3, 29, 2, 0)),
    ]
    surveys = [SurveyResponse("s", f"r{n}", "c1", kind, score, at + timedelta(hours=1))
               for n, (kind, score) in enumerate((("csat", 4), ("nps", 9), ("nps", 3), ("ces", 6)))]
    return Batch(contacts=contacts, states=states, surveys=surveys)


def test_rebuilt_edge_cases_equal_the_incremental_ones(engine, settings):
    now = utc(2026, 3, 29, 3, 0)
    store_batch(engine, settings, "s", "fake", edge_batch(), {"n": 1}, now)
    incremental = snapshot(engine)
    assert incremental["next_contact_at"][1] is not None  # the equal arrivals are linked, by id
    rebuild_rollups(engine, settings, now, progress=False)
    assert_same(snapshot(engine), incremental)


def test_a_rebuild_on_postgresql_equals_one_on_sqlite(settings, tmp_path, request):
    """The same records rebuilt on both stores hold the same roll-ups (PostgreSQL reads and writes
    through COPY, SQLite through the ADBC child and executemany)."""
    postgres_url = request.getfixturevalue("postgres_url")
    rebuilt = []
    for url in (f"sqlite:///{tmp_path / 'both.db'}", postgres_url):
        store = replace(settings, database_url=url)
        upgrade_database(url)
        store_engine = make_engine(url)
        simulated(store_engine, store)
        store_batch(store_engine, store, "s", "fake", edge_batch(), {"n": 1}, END)
        rebuild_rollups(store_engine, store, END, progress=False)
        rebuilt.append(snapshot(store_engine))
        store_engine.dispose()
    assert_same(*rebuilt)


def test_a_rebuild_moves_stored_response_due_times_to_a_changed_target(engine, settings):
    """A supervisor shortens the sms response target from 3 h to 30 min and rebuilds: the stored due
    times follow, so the collector's sweep counts each target that passes later, once."""
    from collectors.pipeline import refresh_live

    start = END - timedelta(hours=2)
    texts = [Contact(source="s", source_id=f"m{n}", channel="sms", queue="Text", customer_id=f"k{n}",
                     arrived_at=start + timedelta(minutes=10 * n)) for n in range(6)]
    old = replace(settings, response_target_seconds={**settings.response_target_seconds, "sms": 3 * 3600.0})
    store_batch(engine, old, "s", "fake", Batch(contacts=texts), {"n": 1}, start + timedelta(minutes=55))
    new = replace(settings, response_target_seconds={**settings.response_target_seconds, "sms": 1800.0})
    result = rebuild_rollups(engine, new, start + timedelta(minutes=60), progress=False)
    assert result["response_due_reset"] == 6
    with session_scope(engine) as session:
        stored = session.execute(select(ContactRow.arrived_at, ContactRow.response_due_at)).all()
    assert all(due - arrived == timedelta(minutes=30) for arrived, due in stored)
    refresh_live(engine, new, END, file=True)  # the sweep from +60 min to +120 min: due at +70 and +80 min
    incremental = snapshot(engine)
    expired = sum(row["expired_unanswered"] for row in incremental["interval_stats"].values())
    assert expired == 6  # due at +30, +40, +50, +60 (rebuilt), +70, +80 (swept)
    rebuild_rollups(engine, new, END, progress=False)
    assert_same(snapshot(engine), incremental)


def test_the_progress_bar_s_percentage_never_falls(engine, settings, capsys, monkeypatch):
    """The rows to write are known only as they are summed: the bar counts without a total until
    the last are put, then shows a percentage that only rises, to 100 %."""
    import re

    from tqdm import tqdm

    simulated(engine, settings)
    monkeypatch.setattr(tqdm, "__init__", _every_update(tqdm.__init__))
    rebuild_rollups(engine, settings, END, progress=True)
    shown = [int(p) for p in re.findall(r"(\d+)%\|", capsys.readouterr().err)]
    assert shown and shown[-1] == 100
    assert shown == sorted(shown), shown


def _every_update(init):
    def redrawn_at_every_update(self, *args, **kwargs):
        init(self, *args, **{**kwargs, "mininterval": 0, "miniters": 1})
    return redrawn_at_every_update


def test_a_failed_read_leaves_the_old_rollups(engine, settings, monkeypatch):
    """On SQLite the old roll-ups are deleted while the raw tables are read: a read that fails
    rolls the deletes back with the rest of the rebuild."""
    simulated(engine, settings)
    before = snapshot(engine)

    def failing_read(connection, queries):  # fails when the first result is asked for, the deletes begun
        raise RuntimeError("the reader died")
        yield

    monkeypatch.setattr("dashboard.store.rebuild.read_tables", failing_read)
    with pytest.raises(RuntimeError, match="the reader died"):
        rebuild_rollups(engine, settings, END, progress=False)
    assert_same(snapshot(engine), before)


def test_agent_rollups_summed_in_runs_of_days_equal_those_summed_whole(engine, settings, monkeypatch):
    """The agent rows are summed and written a run of days at a time; in New York with a 6 am reset,
    across the days the simulation covers, one run or one a day give the same rows and day rows."""
    settings = replace(settings, timezone="America/New_York", day_reset_hour=6)
    simulated(engine, settings)
    monkeypatch.setattr("dashboard.store.rebuild.AGENT_PARTS", 1)
    rebuild_rollups(engine, settings, END, progress=False)
    whole, whole_days = snapshot(engine), day_rows(engine)
    monkeypatch.setattr("dashboard.store.rebuild.AGENT_PARTS", 50)
    rebuild_rollups(engine, settings, END, progress=False)
    assert_same(snapshot(engine), whole)
    assert_same(day_rows(engine), whole_days)
    assert len({day for day, *_ in whole_days["agent_day_stats"]}) >= 3  # more than one run


def test_no_filing_commits_while_the_rebuild_reads(engine, settings, monkeypatch):
    """The rebuild holds the store (SQLite: the write lock; PostgreSQL: the roll-up clock, which every
    filing locks first) before it reads, so what it reads is what its writes replace."""
    from dashboard.store import rebuild
    from dashboard.store.write import ROLLUP_CLOCK

    simulated(engine, settings)
    refused = []
    real_read = rebuild.read_tables

    def read_and_try_to_file(connection, queries):
        other = create_engine(engine.url, connect_args={"timeout": 0} if engine.dialect.name == "sqlite" else {})
        try:
            with other.begin() as filing:
                if engine.dialect.name == "sqlite":
                    filing.exec_driver_sql("DELETE FROM queue_sources")
                else:
                    filing.exec_driver_sql("SELECT name FROM source_states WHERE name = %(name)s FOR UPDATE NOWAIT",
                                           {"name": ROLLUP_CLOCK})
        except Exception as error:  # SQLite: "database is locked"; PostgreSQL: "could not obtain lock"
            refused.append(str(error))
        finally:
            other.dispose()
        yield from real_read(connection, queries)

    monkeypatch.setattr(rebuild, "read_tables", read_and_try_to_file)
    rebuild_rollups(engine, settings, END, progress=False)
    assert len(refused) == 1 and ("locked" in refused[0] or "lock" in refused[0]), refused


def test_the_two_reads_of_the_contacts_are_joined_by_id_whatever_their_order():
    """PostgreSQL may return a table's rows in another order the second time it is read."""
    import pandas as pd

    from dashboard.store.rebuild import _joined

    journeys = pd.DataFrame({"id": [3, 1, 2], "customer_id": ["k3", "k1", "k2"]})
    rest = pd.DataFrame({"id": [1, 2, 3], "queue": ["q1", "q2", "q3"]})
    joined = _joined(journeys, rest)
    assert joined.to_dict("list") == {"id": [3, 1, 2], "customer_id": ["k3", "k1", "k2"], "queue": ["q3", "q1", "q2"]}
    with pytest.raises(RuntimeError, match="changed between"):
        _joined(journeys, rest.iloc[:2])
