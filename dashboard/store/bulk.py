"""Many rows, one statement, handed to the database driver as plain tuples.

SQLAlchemy's ``executemany`` builds and converts a parameter dictionary per row through
its compiled statement; at the collector's hundreds of roll-up rows a tick that cost more
than the database's own work. Here the statement is written once per dialect, each row
is a tuple in the statement's column order, and only the columns whose SQLAlchemy type
converts values (times, dates) are converted, by that type's own bind processor, so the
stored values are exactly what SQLAlchemy would store.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Callable, Iterable

from sqlalchemy import Connection, Float, Table
from sqlalchemy.orm import Session

from dashboard.store.db import chunks


@dataclass(frozen=True)
class DriverStatement:
    """SQL with positional placeholders for one dialect, and the converters of its columns."""

    sql: str
    converters: tuple[tuple[int, Callable], ...]  # (position, bind processor) of the columns that convert

    def run(self, bind: Session | Connection, rows: Iterable[tuple], converted: bool = False) -> None:
        """Execute for every row (a tuple of Python values in column order), in slices of 500.

        ``converted``: the rows already hold the driver's values (the rebuild makes them in bulk).
        """
        if not converted and self.converters:
            rows = [_convert(row, self.converters) for row in rows]
        connection = bind.connection() if isinstance(bind, Session) else bind
        for chunk in chunks(list(rows)):
            connection.exec_driver_sql(self.sql, chunk)


def _convert(row: tuple, converters) -> tuple:
    row = list(row)
    for position, convert in converters:
        row[position] = convert(row[position])
    return tuple(row)


def _dialect(bind: Session | Connection):
    return bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect


def upsert_statement(bind: Session | Connection, table: Table, keys: tuple[str, ...], added: tuple[str, ...],
                     replaced: tuple[str, ...] = (), latest: tuple[str, ...] = ()) -> DriverStatement:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET a = a + new for ``added``, r = new for ``replaced``,
    l = the later of the two for ``latest``.

    The same SQL on SQLite and PostgreSQL; columns in the order keys, added, replaced, latest.
    """
    return _upsert(_dialect(bind), table, tuple(keys), tuple(added), tuple(replaced), tuple(latest))


def insert_statement(bind: Session | Connection, table: Table, columns: tuple[str, ...],
                     rows: int = 1, zeros: frozenset[str] = frozenset()) -> DriverStatement:
    """INSERT INTO table (columns) VALUES (...), columns in the given order; with ``rows``, that many
    rows a statement (``VALUES (...), (...)``: each parameter row holds ``rows`` rows one after another).

    ``zeros``: columns written as the literal 0 (0.0 for a float column), not bound: each parameter
    row holds only the other columns."""
    return _insert(_dialect(bind), table, tuple(columns), rows, frozenset(zeros))


def update_statement(bind: Session | Connection, table: Table, columns: tuple[str, ...],
                     key: str = "id") -> DriverStatement:
    """UPDATE table SET columns... WHERE key = ?; rows hold the columns, then the key."""
    return _update(_dialect(bind), table, tuple(columns), key)


def delete_statement(bind: Session | Connection, table: Table, key: str) -> DriverStatement:
    """DELETE FROM table WHERE key = ?; rows hold the key."""
    return _delete(_dialect(bind), table, key)


@cache
def _delete(dialect, table: Table, key: str) -> DriverStatement:
    return DriverStatement(f"DELETE FROM {table.name} WHERE {key} = {_marks(dialect, 1)}",
                           _converters(dialect, table, (key,)))


@cache
def _update(dialect, table: Table, columns: tuple[str, ...], key: str) -> DriverStatement:
    mark = _marks(dialect, 1)
    sql = f"UPDATE {table.name} SET {', '.join(f'{name} = {mark}' for name in columns)} WHERE {key} = {mark}"
    return DriverStatement(sql, _converters(dialect, table, (*columns, key)))


@cache
def _upsert(dialect, table: Table, keys: tuple[str, ...], added: tuple[str, ...],
            replaced: tuple[str, ...], latest: tuple[str, ...]) -> DriverStatement:
    columns = (*keys, *added, *replaced, *latest)
    assignments = [f"{name} = {table.name}.{name} + excluded.{name}" for name in added]
    assignments += [f"{name} = excluded.{name}" for name in replaced]
    assignments += [f"{name} = CASE WHEN excluded.{name} > {table.name}.{name} THEN excluded.{name} "
                    f"ELSE {table.name}.{name} END" for name in latest]
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({_marks(dialect, len(columns))}) "
           f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(assignments)}")
    return DriverStatement(sql, _converters(dialect, table, columns))


@cache
def _insert(dialect, table: Table, columns: tuple[str, ...], rows: int, zeros: frozenset[str]) -> DriverStatement:
    mark = _marks(dialect, 1)
    row = ", ".join(_zero(table.c[name]) if name in zeros else mark for name in columns)
    bound = tuple(name for name in columns if name not in zeros)
    return DriverStatement(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {', '.join([f'({row})'] * rows)}",
                           _converters(dialect, table, bound * rows))


def _zero(column) -> str:
    return "0.0" if isinstance(column.type, Float) else "0"


def _marks(dialect, count: int) -> str:
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


def _converters(dialect, table: Table, columns: tuple[str, ...]) -> tuple[tuple[int, Callable], ...]:
    converters = []
    for position, name in enumerate(columns):
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)  # as SQLAlchemy binds it
        if convert is not None:
            converters.append((position, convert))
    return tuple(converters)
