"""Who may collect: one active collector per store, and one poller per source.

A collector holds the ``collector`` lock to run the live job (snapshot, alerts,
heartbeat) and a ``source:NAME`` lock for each source it polls. Locks are taken
one by one and kept for the life of the process, so several collectors can share
many sources without polling one twice, and a second collector with the same
sources waits as a standby, retrying at every tick, and takes over within one
poll interval of the first one's death.

- PostgreSQL: session advisory locks (``pg_try_advisory_lock``) on one dedicated
  connection; PostgreSQL releases them when the process dies, even by ``kill -9``.
- SQLite: ``flock`` on lock files beside the database file; the kernel releases
  them when the process dies.
- An in-memory SQLite store has one process by definition: every lock is granted.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
COLLECTOR = "collector"


def source_key(name: str) -> str:
    return f"source:{name}"


def advisory_key(key: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` (Python's ``hash`` changes per process)."""
    digest = hashlib.blake2b(f"ccpulse:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class StoreLocks(Protocol):
    def try_lock(self, key: str) -> bool:
        """Take ``key`` unless another process holds it; True when this process holds it now."""
        ...

    def alive(self) -> bool:
        """Whether the locks held are still held (False after a lost connection, which drops them all)."""
        ...

    def close(self) -> None:
        ...


class GrantedLocks:
    """Every lock granted: for one process alone on its store (in-memory SQLite, tests)."""

    def try_lock(self, key: str) -> bool:
        return True

    def alive(self) -> bool:
        return True

    def close(self) -> None:
        pass


class PostgresLocks:
    """Session advisory locks on one connection held for the process's life."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.connection = None
        self.held: set[str] = set()
        self.guard = threading.Lock()  # the scheduler's threads share the one connection

    def _connect(self):
        if self.connection is None:
            self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self.connection

    def _drop(self) -> None:
        if self.held:
            log.warning("lost the lock connection: giving up %s", ", ".join(sorted(self.held)))
        self.held.clear()
        if self.connection is not None:
            try:
                self.connection.invalidate()
                self.connection.close()
            except Exception:  # noqa: BLE001 - the connection is already broken
                pass
        self.connection = None

    def try_lock(self, key: str) -> bool:
        with self.guard:
            if key in self.held:
                return True
            try:
                got = self._connect().execute(text("SELECT pg_try_advisory_lock(:key)"),
                                              {"key": advisory_key(key)}).scalar()
            except Exception:  # noqa: BLE001 - the store is down: hold nothing, retry next tick
                log.exception("could not ask PostgreSQL for lock %s", key)
                self._drop()
                return False
            if got:
                self.held.add(key)
            return bool(got)

    def alive(self) -> bool:
        with self.guard:
            if not self.held:
                return True
            try:
                self.connection.execute(text("SELECT 1"))
                return True
            except Exception:  # noqa: BLE001 - a lost session lost its locks with it
                self._drop()
                return False

    def close(self) -> None:
        with self.guard:
            self.held.clear()
            if self.connection is not None:
                try:  # released at once, rather than when the server notices the closed socket
                    self.connection.execute(text("SELECT pg_advisory_unlock_all()"))
                except Exception:  # noqa: BLE001 - a broken session has lost its locks already
                    pass
                # invalidate, not close: a pooled connection would keep the session and its locks alive
                self.connection.invalidate()
                self.connection.close()
            self.connection = None


class FileLocks:
    """``flock`` on ``<database>.<key digest>.lock`` files beside the SQLite database."""

    def __init__(self, database_path: Path):
        self.database_path = database_path
        self.files: dict[str, int] = {}
        self.guard = threading.Lock()

    def path_for(self, key: str) -> Path:
        label = "collector" if key == COLLECTOR else "source-" + hashlib.sha1(key.encode()).hexdigest()[:12]
        return self.database_path.with_name(f"{self.database_path.name}.{label}.lock")

    def try_lock(self, key: str) -> bool:
        with self.guard:
            if key in self.files:
                return True
            descriptor = os.open(self.path_for(key), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                return False
            self.files[key] = descriptor
            return True

    def alive(self) -> bool:
        return True

    def close(self) -> None:
        with self.guard:
            for descriptor in self.files.values():
                os.close(descriptor)
            self.files.clear()


def store_locks(engine: Engine) -> StoreLocks:
    """The locks that fit the engine's store."""
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        return PostgresLocks(engine)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return FileLocks(Path(url.database).resolve())
    return GrantedLocks()


def heartbeat_owner(engine: Engine) -> str:
    """The owner named by the collector heartbeat, for the standby's log line."""
    from dashboard.store.db import session_scope
    from dashboard.store.models import CollectorRow

    try:
        with session_scope(engine) as session:
            row = session.get(CollectorRow, "collector")
            return row.owner if row is not None else "unknown"
    except Exception:  # noqa: BLE001 - only for a log line
        return "unknown"
