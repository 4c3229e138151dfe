"""columns: whole tables read as typed columns and frames written in bulk, the same on both stores."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import pandas as pd
from sqlalchemy import insert, select

from dashboard.store.columns import insert_frame, read_tables, select_sql
from dashboard.store.models import AgentStateStatRow, ContactRow, IntervalStatRow
from dashboard.store.sqlite_child import FLAG, FLOAT, INT, KEY, TIME
from tests.conftest import utc

KINDS = {"id": INT, "agent_id": KEY, "customer_id": KEY, "answered_at": TIME, "hold_seconds": FLOAT,
         "resolved": FLAG}
AT = utc(2026, 3, 2, 9)


def contact(n: int, **values) -> dict:
    return {"source": "s", "source_id": f"c{n}", "channel": "voice", "queue": "Q", "arrived_at": AT,
            "updated_at": AT, "agent_id": None, "customer_id": None, "answered_at": None, "hold_seconds": 0.0,
            "resolved": None, **values}


def test_columns_null_through_the_first_thousands_of_rows_keep_their_type(engine):
    """SQLite's driver infers a type from the values it has seen: NULL for 3000 rows, then values."""
    rows = [contact(n) for n in range(3000)]
    rows += [contact(3000, agent_id="a1", customer_id="", answered_at=AT + timedelta(microseconds=7),
                     hold_seconds=2.5, resolved=True),
             contact(3001, agent_id="", customer_id="k9", resolved=False)]
    with engine.begin() as connection:
        connection.execute(insert(ContactRow.__table__), rows)
    with engine.begin() as connection:  # SQLite's rows are read in a child process: committed ones
        sql = select_sql(connection.dialect.name, "contacts", KINDS)
        frame = dict(read_tables(connection, {"contacts": (sql, KINDS)}))["contacts"].sort_values("id").iloc[[0, -2, -1]]
    assert isinstance(frame["agent_id"].dtype, pd.CategoricalDtype)
    assert frame["agent_id"].tolist()[0] != frame["agent_id"].tolist()[0]  # NULL stays NULL (NaN)
    assert frame["agent_id"].tolist()[1:] == ["a1", ""] and frame["customer_id"].tolist()[1:] == ["", "k9"]
    assert frame["answered_at"].tolist()[1] == pd.Timestamp("2026-03-02 09:00:00.000007")
    assert frame["answered_at"].dtype == "datetime64[us]"
    assert frame["hold_seconds"].tolist()[1] == 2.5
    assert frame["resolved"].tolist()[1:] == [1, 0]


def test_an_empty_result_reads_as_an_empty_frame(engine):
    with engine.begin() as connection:
        frame = dict(read_tables(connection, {"none": (select_sql(connection.dialect.name, "contacts", KINDS), KINDS)}))
    assert frame["none"].empty and list(frame["none"].columns) == list(KINDS)


def test_inserted_frames_read_back_row_for_row(engine):
    """More rows than one statement holds, and a remainder; an empty reason stays empty, not NULL."""
    count = 450
    frame = pd.DataFrame({
        "interval_start": (np.datetime64("2026-03-02T09:00", "us") + np.arange(count) * np.timedelta64(15, "m")),
        "agent_id": pd.Categorical([f"a{n % 7}" for n in range(count)]),
        "state": pd.Categorical(["available"] * count), "reason": pd.Categorical(["", "break"] * (count // 2)),
        "seconds": np.arange(count) / 8.0})
    with engine.begin() as connection:
        insert_frame(connection, AgentStateStatRow.__table__, frame)
        stored = connection.execute(select(AgentStateStatRow.__table__).order_by("interval_start")).all()
    assert len(stored) == count
    assert [(row.agent_id, row.reason, row.seconds) for row in stored] == list(
        zip(frame["agent_id"], frame["reason"], frame["seconds"]))
    assert [row.interval_start.replace(tzinfo=None) for row in stored] == [
        at.to_pydatetime() for at in pd.to_datetime(frame["interval_start"])]


def test_columns_zero_throughout_a_slice_are_stored_as_bound_zeros_are(engine, monkeypatch):
    """A column zero in every row of a slice is written as a literal: the same values, and on SQLite
    the same storage classes (integer, real), as the slices where it is bound."""
    monkeypatch.setattr("dashboard.store.columns.WRITE_ROWS", 100)  # three slices
    count = 250
    offered = np.where(np.arange(count) < 100, 0, np.arange(count) % 3)  # zero throughout the first slice only
    frame = pd.DataFrame({
        "interval_start": (np.datetime64("2026-03-02T09:00", "us") + np.arange(count) * np.timedelta64(15, "m")),
        "queue": pd.Categorical(["Q"] * count), "channel": pd.Categorical(["voice"] * count),
        "offered": offered, "talk_seconds": np.where(np.arange(count) >= 200, 1.5, 0.0)})
    frame = frame.assign(**{name: np.zeros(count, dtype=float if name.endswith(("seconds", "_sum")) else np.int64)
                            for name in IntervalStatRow.__table__.columns.keys() if name not in frame})
    table = IntervalStatRow.__table__
    with engine.begin() as connection:
        insert_frame(connection, table, frame)
        stored = connection.execute(select(table).order_by("interval_start")).all()
        if connection.dialect.name == "sqlite":
            kinds = connection.exec_driver_sql("SELECT DISTINCT typeof(offered), typeof(talk_seconds), "
                                               "typeof(ces_score_sum) FROM interval_stats").all()
            assert kinds == [("integer", "real", "real")]
    assert [row.offered for row in stored] == offered.tolist()
    assert [row.talk_seconds for row in stored] == frame["talk_seconds"].tolist()
    assert {(row.answered, row.ces_score_sum) for row in stored} == {(0, 0.0)}


def test_a_query_the_reader_cannot_run_fails_with_its_error_after_the_results_before_it(engine):
    """Results come one by one as they are read; a query that fails ends the read with the
    database's own message (SQLite: from the reading child), after the results read before it."""
    good = select_sql(engine.dialect.name, "contacts", KINDS)
    bad = select_sql(engine.dialect.name, "no_such_table", KINDS)
    with engine.begin() as connection:
        results = read_tables(connection, {"contacts": (good, KINDS), "missing": (bad, KINDS)})
        name, frame = next(results)
        assert name == "contacts" and frame.empty
        with pytest.raises(Exception, match="no_such_table"):
            next(results)
