"""Migrations upgrade an empty database to the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dashboard.store.db import alembic_config, make_engine, upgrade_database
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


ROLLUPS = ("interval_stats", "agent_interval_stats", "agent_state_stats", "queue_day_stats", "agent_day_stats",
           "agent_state_day_stats", "customer_weeks", "queue_sources")


def stored_rollups(connection) -> dict[str, list[tuple]]:
    """Every roll-up table's rows, in key order."""
    tables = {}
    for name in ROLLUPS:
        table = sa.Table(name, sa.MetaData(), autoload_with=connection)
        tables[name] = [tuple(row) for row in connection.execute(sa.select(table).order_by(*table.primary_key))]
    return tables


def fill_rollups(connection) -> None:
    """Two rows in every roll-up table, each column given a value of its type."""
    for name in ROLLUPS:
        table = sa.Table(name, sa.MetaData(), autoload_with=connection)
        rows = []
        for number in (1, 2):
            row = {}
            for column in table.columns:
                python_type = column.type.python_type
                if python_type is datetime:
                    row[column.name] = datetime(2026, 3, 2, 9, 15 * number, 0, 250)
                elif python_type is date:
                    row[column.name] = date(2026, 3, number)
                elif python_type is str:
                    row[column.name] = f"{column.name}-{number}"
                else:
                    row[column.name] = python_type(number * 1.5 if python_type is float else number)
            rows.append(row)
        connection.execute(table.insert(), rows)


def rowid_tables(connection) -> set[str]:
    """The roll-up tables stored with a rowid (SQLite): those whose schema does not say WITHOUT ROWID."""
    schema = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all())
    return {name for name in ROLLUPS if "WITHOUT ROWID" not in schema[name].upper()}


def assert_rollups_are_kept_by_0006(url: str) -> None:
    """0006 recreates the roll-ups on SQLite WITHOUT ROWID (nothing on PostgreSQL), keeping every row;
    its downgrade does the reverse, keeping them too."""
    upgrade_database(url, "0005")
    engine = make_engine(url)
    with engine.begin() as connection:
        fill_rollups(connection)
    with engine.connect() as connection:
        before = stored_rollups(connection)
    engine.dispose()
    upgrade_database(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert stored_rollups(connection) == before
        if engine.dialect.name == "sqlite":
            assert rowid_tables(connection) == set()
    engine.dispose()
    command.downgrade(alembic_config(url), "0005")
    engine = make_engine(url)
    with engine.connect() as connection:
        assert stored_rollups(connection) == before
        if engine.dialect.name == "sqlite":
            assert rowid_tables(connection) == set(ROLLUPS)
    engine.dispose()


def test_sqlite_rollups_are_kept_without_rowid(tmp_path):
    assert_rollups_are_kept_by_0006(f"sqlite:///{tmp_path / 'old.db'}")


def test_postgresql_rollups_are_kept_by_0006(postgres_url):
    assert_rollups_are_kept_by_0006(postgres_url)


def test_sqlite_fresh_rollups_have_no_rowid(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        assert rowid_tables(connection) == set()
        indexes = connection.exec_driver_sql("SELECT tbl_name FROM sqlite_master WHERE type = 'index'").scalars()
        assert not set(indexes) & set(ROLLUPS)  # no automatic index beside a key's own B-tree
    engine.dispose()


def assert_links_move_to_their_own_table(url: str) -> None:
    """0007 moves the stored journey links from contacts.next_contact_at into contact_links (a row for
    each contact that has one) and drops the column; its downgrade puts them back."""
    upgrade_database(url, "0006")
    engine = make_engine(url)
    columns = "(source, source_id, channel, queue, direction, arrived_at, wrap_seconds, hold_seconds, " \
              "transfer_count, updated_at, next_contact_at)"
    with engine.begin() as connection:
        for source_id, arrived, following in (("1", "2026-03-02 09:00:00", "2026-03-02 10:00:00"),
                                              ("2", "2026-03-02 10:00:00", None)):
            connection.execute(sa.text(f"INSERT INTO contacts {columns} VALUES ('pbx', :source_id, 'voice', 'Q', "
                                       "'inbound', :arrived, 0, 0, 0, :arrived, :following)"),
                               {"source_id": source_id, "arrived": arrived, "following": following})
    upgrade_database(url)
    with engine.connect() as connection:
        links = connection.execute(sa.text("SELECT c.source_id, l.next_contact_at FROM contact_links AS l "
                                           "JOIN contacts AS c ON c.id = l.contact_id")).all()
        assert "next_contact_at" not in {c["name"] for c in sa.inspect(connection).get_columns("contacts")}
    assert [(s, str(at)[:19]) for s, at in links] == [("1", "2026-03-02 10:00:00")]
    command.downgrade(alembic_config(url), "0006")
    with engine.connect() as connection:
        back = connection.execute(sa.text("SELECT source_id, next_contact_at FROM contacts ORDER BY source_id")).all()
        assert "contact_links" not in sa.inspect(connection).get_table_names()
    engine.dispose()
    assert [(s, at if at is None else str(at)[:19]) for s, at in back] == [("1", "2026-03-02 10:00:00"), ("2", None)]


def test_sqlite_links_move_to_their_own_table(tmp_path):
    assert_links_move_to_their_own_table(f"sqlite:///{tmp_path / 'old.db'}")


def test_postgresql_links_move_to_their_own_table(postgres_url):
    assert_links_move_to_their_own_table(postgres_url)
