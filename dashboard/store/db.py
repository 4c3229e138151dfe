"""The engine and the unit of work: one ``session_scope`` per transaction.

SQLite runs in WAL mode with foreign keys on, so the web app reads while the
collector writes; PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(database_url: str, manual_checkpoints: bool = False, **options) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and a busy timeout.

    ``manual_checkpoints`` (the collector's engine): its commits never copy the SQLite
    write-ahead log back into the database file; the collector runs ``checkpoint`` as a
    job of its own between ticks, so a tick does not pay for it (and a page changed by
    several ticks is copied once).
    """
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 30, "check_same_thread": False},
                               **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            if manual_checkpoints:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.close()

        return engine
    return create_engine(database_url, pool_pre_ping=True, pool_size=5, max_overflow=10, **options)


def chunks(items: list, size: int = 500) -> Iterator[list]:
    """``items`` in slices of ``size``: the bound parameters of one IN list or executemany."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def checkpoint(engine: Engine) -> int | None:
    """Copy SQLite's write-ahead log into the database file without waiting for readers
    (PASSIVE); returns the pages copied, None on other databases (nothing to do)."""
    if engine.dialect.name != "sqlite":
        return None
    with engine.connect() as connection:
        _busy, _logged, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    return int(copied)


@contextmanager
def sqlite_cache(connection: Connection, kib: int) -> Iterator[None]:
    """SQLite: a page cache of at most ``kib`` KiB on ``connection`` while the block runs, then the
    size it had; other databases: nothing."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection  # a PRAGMA beside SQLAlchemy's transaction, not in it
    before = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size = {int(before)}")


def hold_write_lock(connection: Connection) -> None:
    """SQLite: begin ``connection``'s transaction as the store's one writer (``BEGIN IMMEDIATE``):
    until it ends no other connection commits, so every read from here on, on any connection, sees
    the state it began from (its own changes aside). Call it first in the transaction. Other
    databases: nothing (lock the rows that writers serialise on)."""
    if connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(database_url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic); safe to run on every start."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)
