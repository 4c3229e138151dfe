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
