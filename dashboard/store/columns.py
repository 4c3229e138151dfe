"""Whole tables read and written as columns, without a Python object per value where the driver
allows it: the rebuild's input and output.

Reads give Arrow tables of the column kinds of ``store.sqlite_child`` (TIME, KEY, INT, FLAG,
FLOAT), one query after another. SQLite: the ADBC SQLite driver in a child process
(``sqlite_child`` says why a child), which reads the next query while the caller works on the
last; PostgreSQL: ``COPY (query) TO STDOUT`` on the rebuild's own connection, inside its
transaction, parsed by Arrow's CSV reader.

Writes insert a DataFrame's rows on the rebuild's connection, inside its transaction: PostgreSQL
``COPY ... FROM STDIN`` of CSV written by Arrow; SQLite has no bulk path, so ``executemany`` of
tuples already in the driver's form (``store.bulk``), a slice of rows at a time.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.ipc as ipc
from sqlalchemy import Connection, Date, Table

from dashboard.store import sqlite_child
from dashboard.store.bulk import insert_statement, update_statement
from dashboard.store.sqlite_child import FLAG, TIME, typed

Queries = dict[str, tuple[str, dict[str, str]]]  # name -> (sql, column kinds)
WRITE_ROWS = 100_000  # rows turned into Python values at once (SQLite): bounds the memory they take
MAX_PARAMETERS = 999  # bound parameters a statement, SQLite before 3.32


def select_sql(dialect: str, table: str, columns: dict[str, str], where: str = "") -> str:
    """``SELECT columns FROM table [WHERE ...]`` with each column in a form its kind reads exactly:
    on PostgreSQL times as microseconds since the epoch (whatever the session's DateStyle) and flags
    as 0/1; SQLite holds times as text and flags as 0/1 already."""
    parts = []
    for name, kind in columns.items():
        if dialect == "postgresql" and kind == TIME:
            parts.append(f"(extract(epoch FROM {name}) * 1000000)::bigint AS {name}")
        elif dialect == "postgresql" and kind == FLAG:
            parts.append(f"{name}::int AS {name}")
        else:
            parts.append(name)
    return f"SELECT {', '.join(parts)} FROM {table}" + (f" WHERE {where}" if where else "")


def read_tables(connection: Connection, queries: Queries) -> Iterator[tuple[str, pd.DataFrame]]:
    """(name, result as a DataFrame: keys categorical, times datetime64[us]) for each query, in order,
    each as soon as it is read; every query sees the same state of the store (one read transaction).

    SQLite: the child process reads on its own connection, so the caller may write on ``connection``
    meanwhile. PostgreSQL: each result is read on ``connection`` when asked for, so the caller must
    not use ``connection`` until it has them all."""
    if connection.dialect.name == "sqlite":
        tables = _read_sqlite(connection.engine.url.database, queries)
    else:
        tables = _read_postgres(connection.connection.driver_connection, queries)
    for name, table in tables:
        yield name, table.to_pandas()


def _read_sqlite(database: str | None, queries: Queries) -> Iterator[tuple[str, pa.Table]]:
    if not database or database == ":memory:":
        raise ValueError("the rebuild reads a SQLite store from its file; an in-memory store has none")
    with tempfile.TemporaryDirectory(prefix="ccpulse-read-") as folder:
        request = json.dumps({"path": str(Path(database).resolve()), "folder": folder, "queries": queries})
        with open(Path(folder) / "errors.txt", "w+", encoding="utf-8") as errors, subprocess.Popen(
                [sys.executable, "-P", sqlite_child.__file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=errors, text=True) as child:
            try:
                child.stdin.write(request)
                child.stdin.close()
                for name in queries:
                    if child.stdout.readline().strip() != name:  # the child names each file once written
                        break
                    yield name, _read_file(Path(folder) / f"{name}.arrow")
                else:
                    if child.wait() == 0:
                        return
                child.wait()
                errors.seek(0)
                raise RuntimeError(f"reading {database} failed: {errors.read().strip() or 'the reader stopped'}")
            finally:
                if child.poll() is None:  # the caller stopped early, or failed: the read is not wanted
                    child.kill()


def _read_postgres(dbapi_connection, queries: Queries) -> Iterator[tuple[str, pa.Table]]:
    for name, (sql, kinds) in queries.items():
        yield name, typed(_copy_out(dbapi_connection, sql, kinds), kinds)


def _read_file(path: Path) -> pa.Table:
    with pa.OSFile(str(path)) as source:
        return ipc.open_file(source).read_all()


def _copy_out(dbapi_connection, sql: str, kinds: dict[str, str]) -> pa.Table:
    types = {name: pa.int64() if kind == TIME else sqlite_child.ARROW_TYPES[kind] for name, kind in kinds.items()}
    buffer = io.BytesIO()
    with dbapi_connection.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        for block in copy:
            buffer.write(block)
    if not buffer.tell():  # Arrow refuses an empty file
        return pa.table({name: pa.array([], type=kind) for name, kind in types.items()})
    buffer.seek(0)
    # COPY writes NULL as an unquoted empty field and an empty string as a quoted one
    convert = pa_csv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=True,
                                    quoted_strings_can_be_null=False)
    return pa_csv.read_csv(buffer, read_options=pa_csv.ReadOptions(column_names=list(kinds)),
                           parse_options=pa_csv.ParseOptions(newlines_in_values=True), convert_options=convert)


def insert_frame(connection: Connection, table: Table, frame: pd.DataFrame,
                 done: Callable[[int], object] = lambda rows: None) -> None:
    """Insert every row of ``frame`` (its columns named as the table's) into ``table``; ``done(rows)``
    after each slice written."""
    if frame.empty:
        return
    if connection.dialect.name == "postgresql":
        _copy_in(connection.connection.driver_connection, table, frame)
        done(len(frame))
        return
    names = tuple(frame.columns)
    values = dict(zip(names, (_driver_values(frame[name], table.c[name]) for name in names)))
    # the driver's cursor takes the lists as they are; SQLAlchemy's would want tuples
    with closing(connection.connection.driver_connection.cursor()) as cursor:
        for start in range(0, len(frame), WRITE_ROWS):
            stop = min(start + WRITE_ROWS, len(frame))
            # a column zero in every row of the slice is written as a literal, not made into a Python
            # object and bound row by row: half the agent roll-ups' columns are zero throughout
            zeros = frozenset(name for name, column in values.items() if _all_zero(column[start:stop]))
            bound = [column for name, column in values.items() if name not in zeros]
            # many rows a statement: SQLite's work per statement, not per value, is most of the rest
            per_statement = max(1, MAX_PARAMETERS // max(len(bound), 1))
            many = insert_statement(connection, table, names, per_statement, zeros).sql
            one = insert_statement(connection, table, names, 1, zeros).sql
            grouped, rest = _parameters(bound, start, stop, per_statement)
            cursor.executemany(many, grouped)
            cursor.executemany(one, rest)
            done(stop - start)


def _all_zero(values: np.ndarray) -> bool:
    """A numeric column's slice holds only zeros (never true of text or of NULL)."""
    return values.dtype.kind in "iuf" and not values.any()


def _parameters(values: list[np.ndarray], start: int, stop: int, per_statement: int) -> tuple[list, list]:
    """Rows ``start:stop`` as parameter lists: ``per_statement`` rows to a list, then the rows left
    over one to a list."""
    block = np.empty((stop - start, len(values)), dtype=object, order="F")  # filled a column at a time
    for position, column in enumerate(values):
        block[:, position] = column[start:stop]
    block = np.ascontiguousarray(block)
    grouped = len(block) // per_statement * per_statement
    return block[:grouped].reshape(-1, per_statement * len(values)).tolist(), block[grouped:].tolist()


def update_column(connection: Connection, table: Table, column: str, frame: pd.DataFrame) -> None:
    """Set ``column`` to ``frame[column]`` on the rows of ``table`` whose ``id`` is ``frame["id"]``."""
    if frame.empty:
        return
    if connection.dialect.name == "postgresql":
        staged = f"rebuilt_{column}"
        connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {staged} ON COMMIT DROP AS "
                                   f"SELECT id, {column} FROM {table.name} WITH NO DATA")
        _copy_in(connection.connection.driver_connection, table, frame[["id", column]], staged)
        connection.exec_driver_sql(f"UPDATE {table.name} SET {column} = {staged}.{column} FROM {staged} "
                                   f"WHERE {table.name}.id = {staged}.id")
        return
    rows = zip(_driver_values(frame[column], table.c[column]).tolist(), frame["id"].tolist())
    update_statement(connection, table, (column,)).run(connection, rows, converted=True)


def _copy_in(dbapi_connection, table: Table, frame: pd.DataFrame, into: str | None = None) -> None:
    """``COPY into (columns) FROM STDIN`` (``into``: the table's name) of the frame as CSV; every value
    quoted, so an empty string is not read as NULL (an unquoted empty field)."""
    columns = [_as_arrow(frame[name], table.c[name]) for name in frame.columns]
    buffer = io.BytesIO()
    pa_csv.write_csv(pa.table(columns, names=list(frame.columns)), buffer,
                     pa_csv.WriteOptions(include_header=False, quoting_style="all_valid"))
    sql = f"COPY {into or table.name} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)"
    with dbapi_connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(buffer.getbuffer())


def _as_arrow(values: pd.Series, column) -> pa.Array:
    if isinstance(column.type, Date):
        return pa.array(_days(values))
    if isinstance(values.dtype, pd.CategoricalDtype):
        return pa.array(values).cast(pa.string())  # from the dictionary, without a Python string per row
    return pa.Array.from_pandas(values)


def _driver_values(values: pd.Series, column) -> np.ndarray:
    """A column as the SQLite driver takes it: times (naive UTC) and days in SQLAlchemy's text forms,
    NULL as None; each distinct string made once and shared by its rows."""
    if isinstance(column.type, Date) or values.dtype.kind == "M":
        codes, distinct = pd.factorize(values)
        if isinstance(column.type, Date):
            text = np.datetime_as_string(_days(pd.Series(distinct)), unit="D")
        else:
            text = np.char.replace(np.datetime_as_string(np.asarray(distinct, dtype="datetime64[us]"), unit="us"),
                                   "T", " ")
        return np.append(text.astype(object), None)[codes]  # code -1 (NaT) takes the None at the end
    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.append(np.asarray(values.cat.categories, dtype=object), None)[values.cat.codes.to_numpy()]
    return values.to_numpy()


def _days(values: pd.Series) -> np.ndarray:
    """Days (``date`` objects or datetime64) as datetime64[D]."""
    return pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
