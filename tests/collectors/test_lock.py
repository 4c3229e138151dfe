"""One active collector per store, one poller per source: the locks, and two collectors sharing a store."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from collectors.lock import COLLECTOR, FileLocks, GrantedLocks, PostgresLocks, source_key, store_locks
from collectors.scheduler import Collector
from collectors.sources.fake import FakeSource
from dashboard.store.db import make_engine


def test_a_lock_file_is_held_by_one_holder_until_it_closes(tmp_path):
    first, second = FileLocks(tmp_path / "ccpulse.db"), FileLocks(tmp_path / "ccpulse.db")
    assert first.try_lock(COLLECTOR) and first.try_lock(COLLECTOR)
    assert not second.try_lock(COLLECTOR)
    assert second.try_lock(source_key("asterisk"))
    assert not first.try_lock(source_key("asterisk"))
    first.close()
    assert second.try_lock(COLLECTOR)
    second.close()


def test_advisory_locks_are_held_per_session_until_it_ends(postgres_url):
    engines = [make_engine(postgres_url), make_engine(postgres_url)]
    first, second = (PostgresLocks(e) for e in engines)
    try:
        assert first.try_lock(COLLECTOR) and first.alive()
        assert not second.try_lock(COLLECTOR)
        assert second.try_lock(source_key("files"))
        assert not first.try_lock(source_key("files"))
        first.close()
        assert second.try_lock(COLLECTOR)
    finally:
        second.close()
        for engine in engines:
            engine.dispose()


def test_the_store_decides_the_kind_of_lock(tmp_path):
    assert isinstance(store_locks(make_engine(f"sqlite:///{tmp_path / 'a.db'}")), FileLocks)
    assert isinstance(store_locks(make_engine("sqlite://")), GrantedLocks)


def test_a_second_collector_stands_by_and_polls_nothing(settings, engine, caplog):
    clock = lambda: datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # noqa: E731
    active = Collector(engine, settings, [FakeSource("shared")], clock=clock, locks=store_locks(engine))
    standby_engine = make_engine(settings.database_url)
    standby = Collector(standby_engine, settings, [FakeSource("shared")], clock=clock,
                        locks=store_locks(standby_engine))
    try:
        active.refresh()
        active.poll(active.sources[0])
        with caplog.at_level("INFO", logger="collectors.scheduler"):
            standby.refresh()
            standby.poll(standby.sources[0])
        assert active.sources[0].polls == 1 and standby.sources[0].polls == 0
        assert f"standby: waiting for the active collector (owner {active.owner})" in caplog.text
        active.locks.close()
        standby.poll(standby.sources[0])
        standby.refresh()
        assert standby.sources[0].polls == 1 and standby.active is True
    finally:
        standby.locks.close()
        active.locks.close()
        standby_engine.dispose()


@pytest.mark.parametrize("key", [COLLECTOR, source_key("a"), source_key("b")])
def test_lock_files_sit_beside_the_database(tmp_path, key):
    locks = FileLocks(tmp_path / "ccpulse.db")
    assert locks.try_lock(key)
    assert locks.path_for(key).parent == tmp_path and locks.path_for(key).name.startswith("ccpulse.db.")
    locks.close()
