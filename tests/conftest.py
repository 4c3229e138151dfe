"""Shared fixtures: settings, a fresh migrated database per test, the shared real data.

``CCPULSE_TEST_BACKEND=postgresql`` runs every database test against a fresh
database on the local PostgreSQL (127.0.0.1:5432, user postgres) instead of a
temporary SQLite file; ``make test`` runs the suite both ways.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CCPULSE_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
POSTGRES_ADMIN_URL = os.environ.get("CCPULSE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKEND = os.environ.get("CCPULSE_TEST_BACKEND", "sqlite")


def utc(*args: int) -> datetime:
    """A UTC datetime, for hand-worked cases: utc(2026, 3, 29, 9, 0, 20)."""
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def shared_data() -> Path:
    """The real data sets beside the project; tests that need them skip where they are absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (set CCPULSE_SHARED_DATA to its folder)")
    return SHARED_DATA


def _postgres_available() -> str | None:
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        return f"no PostgreSQL answers at {POSTGRES_ADMIN_URL}: {type(error).__name__}"


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    reason = _postgres_available()
    if reason:
        pytest.skip(reason)
    import sqlalchemy as sa

    name = f"ccpulse_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name})
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def database_url(tmp_path, request) -> str:
    """An empty database of the backend under test (SQLite file, or PostgreSQL)."""
    if BACKEND == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'ccpulse-test.db'}"


@pytest.fixture
def settings(database_url, tmp_path):
    from dashboard.settings import load_settings

    empty = tmp_path / "ccpulse.toml"
    empty.write_text("")
    return load_settings(environ={}, config_path=empty, database_url=database_url)


@pytest.fixture
def engine(settings):
    """A migrated store for one test."""
    from dashboard.store.db import make_engine, upgrade_database

    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()
