"""Migrations upgrade an empty database to the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dashboard.store.db import make_engine, upgrade_database
from dashboard.store.models import Base


def assert_upgrades_to_the_models(url: str) -> None:
    upgrade_database(url)
    upgrade_database(url)  # a second run is a no-op
    engine = make_engine(url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        tables = set(sa.inspect(connection).get_table_names())
    engine.dispose()
    assert not differences, differences
    assert {"contacts", "interval_stats", "snapshots", "alert_rules", "users"} <= tables


def test_sqlite_empty_database_upgrades(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert_upgrades_to_the_models(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_postgresql_empty_database_upgrades(postgres_url):
    assert_upgrades_to_the_models(postgres_url)


def assert_queue_sources_are_filled_from_stored_contacts(url: str) -> None:
    """0004 fills queue_sources from the contacts already stored: each source's latest arrival per queue."""
    upgrade_database(url, "0003")
    engine = make_engine(url)
    columns = "(source, source_id, channel, queue, direction, arrived_at, wrap_seconds, hold_seconds, " \
              "transfer_count, updated_at)"
    with engine.begin() as connection:
        for source, source_id, queue, arrived in (("pbx", "1", "Billing", "2026-03-02 09:00:00.000000"),
                                                  ("pbx", "2", "Billing", "2026-03-02 09:30:00.000000"),
                                                  ("mail", "m", "Billing", "2026-03-01 08:00:00.000000")):
            connection.execute(sa.text(f"INSERT INTO contacts {columns} VALUES (:source, :source_id, 'voice', "
                                       ":queue, 'inbound', :arrived, 0, 0, 0, :arrived)"),
                               {"source": source, "source_id": source_id, "queue": queue, "arrived": arrived})
    upgrade_database(url)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT source, queue, channel, latest_arrival_at FROM queue_sources "
                                          "ORDER BY source")).all()
    engine.dispose()
    assert [(s, q, c, str(at)[:19]) for s, q, c, at in rows] == [
        ("mail", "Billing", "voice", "2026-03-01 08:00:00"), ("pbx", "Billing", "voice", "2026-03-02 09:30:00")]


def test_sqlite_queue_sources_are_filled_from_stored_contacts(tmp_path):
    assert_queue_sources_are_filled_from_stored_contacts(f"sqlite:///{tmp_path / 'old.db'}")


def test_postgresql_queue_sources_are_filled_from_stored_contacts(postgres_url):
    assert_queue_sources_are_filled_from_stored_contacts(postgres_url)
