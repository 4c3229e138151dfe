"""The child process that reads a SQLite store for the rebuild, with the ADBC SQLite driver.

The driver carries its own copy of SQLite, and two copies in one process break each other's
locks: each keeps its own record of the POSIX locks it holds, and closing a file in one drops
the locks the other holds on it (sqlite.org, "How To Corrupt An SQLite Database File", 2.2.1).
So the driver never runs beside the store's own connections: this file runs as a script
(``python -P sqlite_child.py``, the request as JSON on stdin), reads every query in one read
transaction, writes each result as an Arrow IPC file, names it on stdout as soon as it is written
(the parent works on it while the next is read) and exits. At its top level it imports only
the standard library and pyarrow (``-P``: this file's folder is not on the path, so no module
of the project's can shadow one it imports).

Each column is read as one of a few kinds: ``TIME`` (naive UTC, timestamp[us]), ``KEY`` (a
string, dictionary-encoded in sorted order: pandas makes it a categorical), ``INT``, ``FLAG``
(a boolean as 0 or 1) and ``FLOAT``; NULL stays null. ``typed`` is shared with the PostgreSQL
reads.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

TIME, KEY, INT, FLAG, FLOAT = "time", "key", "int", "flag", "float"
ARROW_TYPES = {TIME: pa.timestamp("us"), KEY: pa.string(), INT: pa.int64(), FLAG: pa.int64(), FLOAT: pa.float64()}


def typed(table: pa.Table, kinds: dict[str, str]) -> pa.Table:
    """The columns cast to their kinds' types (times from text or from microseconds since the epoch),
    keys dictionary-encoded into one sorted dictionary per column; two columns at a time (Arrow's
    kernels let other threads run)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        columns = list(pool.map(lambda item: _typed_column(table.column(item[0]), item[1]), kinds.items()))
    return pa.table(columns, names=list(kinds))


def _typed_column(column: pa.ChunkedArray, kind: str) -> pa.ChunkedArray | pa.Array:
    if kind == TIME and pa.types.is_integer(column.type):
        return column.cast(pa.int64()).cast(pa.timestamp("us"))
    column = column.cast(ARROW_TYPES[kind])
    return _sorted_dictionary(column.combine_chunks().dictionary_encode()) if kind == KEY else column


def _sorted_dictionary(encoded: pa.DictionaryArray) -> pa.DictionaryArray:
    """The same values with the dictionary in order, so codes sort as the strings do (by code point)."""
    order = pc.array_sort_indices(encoded.dictionary)
    rank = pc.array_sort_indices(order)  # the inverse permutation: each old code's place in the order
    return pa.DictionaryArray.from_arrays(pc.take(rank, encoded.indices), pc.take(encoded.dictionary, order))


def read_store(request: dict) -> None:
    """Read ``request["queries"]`` (name → [sql, kinds]) from the store at ``request["path"]`` into
    ``<folder>/<name>.arrow``, in order, all in one read transaction (one snapshot of the store);
    each name is printed on its own line once its file is complete.

    The driver infers a column's type from the values of its first batch, and a column NULL
    throughout that batch would be taken as integers; one batch holding every row (counted in
    the same transaction) makes the inference see every value.
    """
    import adbc_driver_sqlite.dbapi as adbc

    with adbc.connect(request["path"]) as connection, connection.cursor() as cursor:
        for name, (sql, kinds) in request["queries"].items():
            cursor.execute(f"SELECT count(*) FROM ({sql})")
            rows = cursor.fetchone()[0]
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(max(rows, 1))})
            cursor.execute(sql)
            table = typed(cursor.fetch_arrow_table(), kinds)
            with ipc.new_file(str(Path(request["folder"]) / f"{name}.arrow"), table.schema) as sink:
                sink.write_table(table)
            print(name, flush=True)
        connection.rollback()


if __name__ == "__main__":
    read_store(json.load(sys.stdin))
