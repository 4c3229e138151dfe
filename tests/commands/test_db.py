"""``ccpulse db rebuild-rollups``: refused while a collector runs on the store, done once it stopped."""

from __future__ import annotations

import logging

from collectors.lock import COLLECTOR, store_locks
from collectors.pipeline import store_batch
from dashboard.cli import main
from dashboard.records import Batch, Contact
from dashboard.store.db import session_scope
from dashboard.store.models import IntervalStatRow
from tests.conftest import utc

NOW = utc(2026, 3, 2, 10, 0)


def test_the_rebuild_waits_for_no_collector(engine, settings, caplog, monkeypatch):
    monkeypatch.setenv("CCPULSE_DATABASE_URL", settings.database_url)
    store_batch(engine, settings, "fake", "fake", Batch(contacts=[
        Contact(source="fake", source_id="c1", channel="voice", queue="Billing", arrived_at=NOW)]), {}, NOW)
    collector = store_locks(engine)  # a collector running on the store holds this lock
    assert collector.try_lock(COLLECTOR)
    try:
        with caplog.at_level(logging.ERROR):
            assert main(["db", "rebuild-rollups"]) == 1
        assert "a collector" in caplog.text and "stop it" in caplog.text
    finally:
        collector.close()
    with session_scope(engine) as session:  # nothing was touched: the batch's roll-up is still there
        assert [row.offered for row in session.query(IntervalStatRow)] == [1]
    assert main(["db", "rebuild-rollups"]) == 0
    with session_scope(engine) as session:
        assert [row.offered for row in session.query(IntervalStatRow)] == [1]
