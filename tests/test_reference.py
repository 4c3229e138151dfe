"""The issue's machine yardstick: DuckDB, SQLite and pandas compute the same 13 KPIs of one day, so
timing them against the issue's figures compares machines, not queries."""

from __future__ import annotations

import sqlite3

import pytest

duckdb = pytest.importorskip("duckdb")
reference = pytest.importorskip("benchmarks.reference")


def test_the_three_recomputes_of_a_day_agree_and_count_every_contact(tmp_path):
    path = reference.store_day(tmp_path, contacts=3000)
    connection = reference.load_duckdb(path)
    from_duckdb = reference.by_duckdb(connection)
    connection.close()
    from_sqlite, from_pandas = reference.by_sqlite(path), reference.by_pandas(path)
    assert reference.differences(from_duckdb, from_pandas) == []
    assert reference.differences(from_duckdb, from_sqlite, milliseconds=True) == []
    with sqlite3.connect(path) as store:
        inbound = store.execute("SELECT count(*) FROM contacts WHERE direction <> 'outbound'").fetchone()[0]
        waiting = store.execute("SELECT count(*) FROM contacts WHERE answered_at IS NULL AND abandoned_at IS NULL "
                                "AND ended_at IS NULL").fetchone()[0]
    assert from_sqlite["offered"].sum() == from_pandas["offered"].sum() == inbound > 2800  # 3 % of voice are outbound
    assert from_duckdb["waiting"].sum() == waiting > 0  # contacts still open at the day's end


def test_a_figure_that_differs_is_named(tmp_path):
    path = reference.store_day(tmp_path, contacts=500)
    connection = reference.load_duckdb(path)
    from_duckdb = reference.by_duckdb(connection)
    connection.close()
    from_pandas = reference.by_pandas(path)
    queue = from_pandas["queue"].iloc[0]
    from_pandas.loc[0, "answered"] += 1
    assert reference.differences(from_duckdb, from_pandas) == [
        f"{queue} answered: {from_duckdb['answered'].iloc[0]} against {from_pandas['answered'].iloc[0]}"]
