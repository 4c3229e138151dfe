"""An external table (a CDR, an interaction log, Asterisk's queue_log) polled by an increasing column.

The key column is an id or a timestamp. The cursor keeps the last key value seen
and fingerprints of the rows at that value, and the next poll asks for
``key >= last`` and drops those rows: rows that share a timestamp are neither
lost nor read twice. Rows inserted later with a key *below* the cursor (a
transaction that commits after a newer one) are not seen; use an id filled at
commit time, or a timestamp column with a margin, where that matters.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from collectors.sources.base import Cursor, SourceError
from collectors.sources.mapping import Mapping_
from collectors.sources.rows import RowContext, add_row, dedupe
from dashboard.records import Batch

DEFAULT_BATCH = 5000


def engine_url(url: str) -> str:
    """The SQLAlchemy URL with a driver we ship: psycopg 3 for PostgreSQL, PyMySQL for MariaDB/MySQL."""
    for prefix, dialect in (("postgres://", "postgresql+psycopg://"), ("postgresql://", "postgresql+psycopg://"),
                            ("mysql://", "mysql+pymysql://"), ("mariadb://", "mysql+pymysql://")):
        if url.startswith(prefix):
            return dialect + url.removeprefix(prefix)
    return url


def dump_key(value: Any) -> Any:
    """A key value as JSON (times keep their type in a tagged form)."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    return value


def load_key(value: Any) -> Any:
    if isinstance(value, dict):
        (tag, text), = value.items()
        return {"datetime": datetime.fromisoformat, "date": date.fromisoformat, "decimal": Decimal}[tag](text)
    return value


def fingerprint(row: dict[str, Any]) -> str:
    """A short hash of a row's values, to recognise rows already read at the cursor's key value."""
    text = json.dumps({k: str(v) for k, v in sorted(row.items())})
    return hashlib.sha1(text.encode()).hexdigest()[:16]


class SqlSource:
    """Rows of ``table`` in ``key`` order, ``batch_size`` per poll, through a mapping.

    ``url``: an SQLAlchemy URL (postgresql://, mysql:// or mariadb:// are given our drivers).
    ``timezone`` reads naive timestamps (a setting; default the mapping's). ``queues``: allowed
    queue names. ``location`` of a row: ``"<table> <key> <value>"``.
    """

    kind = "sql"

    def __init__(self, name: str, url: str, table: str, key: str, mapping: Mapping_,
                 timezone: str | None = None, queues: list[str] | None = None, batch_size: int = DEFAULT_BATCH,
                 schema: str | None = None):
        self.name, self.url, self.table_name, self.key = name, engine_url(url), table, key
        self.mapping, self.batch_size, self.schema = mapping, batch_size, schema
        self.timezone = timezone or mapping.timezone
        self.queues = frozenset(queues) if queues else None
        self._engine: sa.Engine | None = None
        self._table: sa.Table | None = None

    def _connect(self) -> sa.Table:
        """Reflect the table once (the engine and the reflection are caches, not state)."""
        if self._table is None:
            self._engine = sa.create_engine(self.url, pool_pre_ping=True)
            table = sa.Table(self.table_name, sa.MetaData(), schema=self.schema, autoload_with=self._engine)
            if self.key not in table.c:
                raise SourceError(f"table {self.table_name} has no column {self.key!r} (the source's key)")
            self._table = table
        return self._table

    def fetch(self, cursor: Cursor) -> list[dict[str, Any]]:
        """The next rows after the cursor, in key order, without those already read."""
        table = self._connect()
        column = table.c[self.key]
        seen = set(cursor.get("seen", []))
        query = sa.select(table).order_by(column).limit(self.batch_size + len(seen))
        if cursor.get("key") is not None:
            query = query.where(column >= load_key(cursor["key"]))
        with self._engine.connect() as connection:  # type: ignore[union-attr]
            rows = [dict(row._mapping) for row in connection.execute(query)]
        return [row for row in rows if fingerprint(row) not in seen][: self.batch_size]

    def poll(self, cursor: Cursor, now: datetime) -> tuple[Batch, Cursor]:
        try:
            rows = self.fetch(cursor)
        except SQLAlchemyError as error:
            self._table = None
            raise SourceError(f"cannot read table {self.table_name}: {type(error).__name__}: "
                              f"{str(error).splitlines()[0]}") from None
        state = copy.deepcopy(cursor.get("state", {}))
        ctx = RowContext(self.name, self.mapping, ZoneInfo(self.timezone), now, self.queues)
        batch = Batch()
        for row in rows:
            add_row(batch, ctx, row, f"{self.table_name} {self.key} {row[self.key]}", state)
        if not rows:
            return batch, cursor
        last = rows[-1][self.key]
        same = [fingerprint(r) for r in rows if r[self.key] == last]
        if dump_key(last) == cursor.get("key"):
            same = sorted(set(cursor.get("seen", [])) | set(same))
        next_cursor = {**cursor, "key": dump_key(last), "seen": same}
        if state:
            next_cursor["state"] = state
        return dedupe(batch), next_cursor
