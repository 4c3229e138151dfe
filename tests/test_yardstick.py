"""The benchmark's yardstick computes the same figures as the snapshot: DuckDB, from the raw rows,
against what the collector's ticks kept incrementally (an independent check of both)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from benchmarks.metrics import NOW, TICK, new_store
from benchmarks.synthetic import Plan, contacts_between, generate
from collectors.live import LiveState
from collectors.pipeline import refresh_live, store_batch
from collectors.snapshot import read_snapshots, window_starts
from dashboard.records import Batch
from dashboard.store.db import session_scope
from dashboard.store.rebuild import rebuild_rollups

duckdb = pytest.importorskip("duckdb")
yardstick = pytest.importorskip("benchmarks.yardstick")


def test_duckdb_recomputes_every_figure_of_the_snapshot_after_journaled_ticks(tmp_path):
    settings, engine = new_store(tmp_path, "small", file_seconds=15)
    _, today = generate(engine, Plan(days=3, history_per_day=400, today_per_day=20_000, agents=60), NOW)
    rebuild_rollups(engine, settings, NOW, progress=False)
    live = LiveState()
    refresh_live(engine, settings, NOW, live=live)
    until = NOW
    for number in range(8):  # 40 s of changes, journaled and filed every 15 s, as the collector runs
        after, until = NOW + TICK * number, NOW + TICK * (number + 1)
        batch = Batch(contacts=contacts_between(today, after, until))
        store_batch(engine, settings, "bench", "bench", batch, {}, until, live, journaled=True)
        refresh_live(engine, settings, until, live=live)
    until += timedelta(seconds=1)
    refresh_live(engine, settings, until, live=live, file=True)
    with session_scope(engine) as session:
        stored = read_snapshots(session)
    result = yardstick.recompute(tmp_path / "small.db", settings, until, window_starts(until, settings), runs=1)
    assert yardstick.compare(result["frames"], stored) == []
    assert stored[("centre", "all")]["counts"]["today"]["offered"] > 1000  # the check had figures to compare
    assert stored[("centre", "all")]["counts"]["today"]["expired_unanswered"] > 0


def test_the_check_finds_a_figure_that_differs(tmp_path):
    settings, engine = new_store(tmp_path, "small")
    generate(engine, Plan(days=2, history_per_day=200, today_per_day=5_000, agents=30), NOW)
    rebuild_rollups(engine, settings, NOW, progress=False)
    refresh_live(engine, settings, NOW)
    with session_scope(engine) as session:
        stored = read_snapshots(session)
    queue = next(key for key in stored if key[0] == "queue")
    stored[queue]["counts"]["last_60"]["answered"] += 1
    result = yardstick.recompute(tmp_path / "small.db", settings, NOW, window_starts(NOW, settings), runs=1)
    assert yardstick.compare(result["frames"], stored) == [
        f"queue {queue[1]} last_60.answered: DuckDB {stored[queue]['counts']['last_60']['answered'] - 1}, "
        f"snapshot {stored[queue]['counts']['last_60']['answered']}"]
