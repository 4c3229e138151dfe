"""Contact files: CSV or JSON Lines read through a mapping, one file (``FileSource``) or a drop folder.

Both are resumable: the cursor keeps, per file, the byte offset and line number
after the last row handed out (plus the queue_log state for a queue_log export),
so the pipeline commits a chunk with its cursor and a ``kill -9`` loses nothing
and repeats nothing. A row's records are keyed by the file's own id column, so a
re-import of the same file updates rows instead of adding them.
"""

from __future__ import annotations

import copy
import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from collectors.sources.base import Cursor, SourceError
from collectors.sources.mapping import Mapping_, columns_used
from collectors.sources.rows import RowContext, add_row, dedupe
from collectors.sources.validate import Problem, reject
from dashboard.records import Batch

DEFAULT_CHUNK = 5000


class _Reader:
    """Decoded lines of a binary file from an offset, counting bytes and lines as they are consumed."""

    def __init__(self, handle, encoding: str, offset: int, line: int):
        self.handle, self.encoding = handle, encoding.replace("-sig", "")
        self.offset, self.line = offset, line
        handle.seek(offset)

    def __iter__(self) -> Iterator[str]:
        while raw := self.handle.readline():
            self.offset += len(raw)
            self.line += 1
            yield raw.decode(self.encoding, errors="replace")


def _header(path: Path, mapping: Mapping_) -> tuple[list[str], int, int]:
    """The CSV header's column names, and the offset and line count after it."""
    with path.open("rb") as handle:
        reader = _Reader(handle, mapping.encoding, 0, 0)
        names = next(csv.reader(reader, delimiter=mapping.delimiter), None)
        if names is None:
            return [], 0, 0
        return [n.lstrip("\ufeff").strip() for n in names], reader.offset, reader.line


def read_rows(path: Path, mapping: Mapping_, offset: int, line: int,
              limit: int) -> Iterator[tuple[dict[str, Any] | Problem, int, int, int]]:
    """Up to ``limit`` rows from ``offset``: (row or Problem, first line number, next offset, next line).

    CSV rows with a wrong number of fields and JSON lines that are not an object are
    yielded as a ``Problem``; blank lines are passed over.
    """
    header: list[str] = []
    if mapping.format == "csv":
        header, body_offset, body_line = _header(path, mapping)
        missing = sorted(columns_used(mapping) - set(header))
        if missing:
            raise SourceError(f"{path.name}: the mapping reads column(s) {', '.join(map(repr, missing))}, "
                              f"which the header lacks (it has {', '.join(map(repr, header))})")
        if offset < body_offset:
            offset, line = body_offset, body_line
    with path.open("rb") as handle:
        reader = _Reader(handle, mapping.encoding, offset, line)
        rows = csv.reader(reader, delimiter=mapping.delimiter) if mapping.format == "csv" else iter(reader)
        count = 0
        while count < limit:
            start = reader.line + 1
            try:
                item = next(rows)
            except StopIteration:
                return
            except csv.Error as error:
                yield Problem("line", f"malformed CSV ({error})"), start, reader.offset, reader.line
                count += 1
                continue
            parsed = _row(item, header, mapping.format)
            if parsed is None:
                continue
            count += 1
            yield parsed, start, reader.offset, reader.line


def _row(item, header: list[str], fmt: str) -> dict[str, Any] | Problem | None:
    if fmt == "csv":
        if not item or item == [""]:
            return None
        if len(item) != len(header):
            return Problem("line", f"malformed line ({len(item)} fields, the header has {len(header)})")
        return dict(zip(header, item))
    text = item.strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return Problem("line", f"malformed JSON ({error.msg} at column {error.colno})")
    return value if isinstance(value, dict) else Problem("line", "a JSON line that is not an object")


def signature(path: Path) -> list[int]:
    """What tells a file apart from its former self: [size in bytes, mtime in ns, inode]."""
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


def read_chunk(path: Path, entry: dict[str, Any], ctx: RowContext, limit: int) -> tuple[Batch, dict[str, Any]]:
    """The next ``limit`` rows of one file as a batch, and the file's next cursor entry (input untouched).

    A file now shorter than the stored offset, or with another inode, was replaced: it is read again
    from the start (the upsert by id makes that harmless).
    """
    sig = signature(path)
    entry = copy.deepcopy(entry)
    if entry.get("offset", 0) > sig[0] or entry.get("inode", sig[2]) != sig[2]:
        entry = {}
    state = entry.get("state", {})
    batch = Batch()
    offset, line = entry.get("offset", 0), entry.get("line", 0)
    for row, start, offset, line in read_rows(path, ctx.mapping, offset, line, limit):
        location = f"{path.name}:{start}"
        if isinstance(row, Problem):
            batch.rejections.append(reject(location, row))
        else:
            add_row(batch, ctx, row, location, state)
    done = offset >= path.stat().st_size
    new_entry = {"offset": offset, "line": line, "inode": sig[2], "size": sig[0], "mtime_ns": sig[1],
                 "done": done}
    if state:
        new_entry["state"] = state
    return dedupe(batch), new_entry


class FileSource:
    """One CSV or JSON Lines file read through a mapping, ``chunk`` rows per poll.

    ``timezone`` overrides the mapping's (a source's zone is a setting); ``queues``, when
    given, is the list of allowed queue names (others are rejected).
    """

    kind = "files"

    def __init__(self, name: str, path: str | Path, mapping: Mapping_, timezone: str | None = None,
                 queues: list[str] | None = None, chunk: int = DEFAULT_CHUNK):
        self.name, self.path, self.mapping, self.chunk = name, Path(path), mapping, chunk
        self.timezone = timezone or mapping.timezone
        self.queues = frozenset(queues) if queues else None

    @property
    def key(self) -> str:
        return str(self.path.resolve())

    def context(self, now: datetime) -> RowContext:
        from zoneinfo import ZoneInfo

        return RowContext(self.name, self.mapping, ZoneInfo(self.timezone), now, self.queues)

    def done(self, cursor: Cursor) -> bool:
        """Whether the whole file, as it is now, has been handed out."""
        entry = cursor.get("files", {}).get(self.key, {})
        return bool(entry) and entry.get("done", False) and entry.get("size") == signature(self.path)[0]

    def poll(self, cursor: Cursor, now: datetime) -> tuple[Batch, Cursor]:
        if not self.path.is_file():
            raise SourceError(f"file not found: {self.path}")
        files = dict(cursor.get("files", {}))
        try:
            batch, files[self.key] = read_chunk(self.path, files.get(self.key, {}), self.context(now), self.chunk)
        except OSError as error:
            raise SourceError(f"cannot read {self.path}: {error}") from None
        return batch, {**cursor, "files": files}


class DropFolderSource:
    """A folder where files are dropped: each new file matching ``pattern`` is imported with ``mapping``.

    A file is read once its [size, mtime] is the same on two polls in a row (so a file still
    being copied is not read half-way), then ``chunk`` rows per poll; the cursor notes each file
    (by name) with its offset, so a finished file is not read again unless it changes. A file
    replaced by a different one of the same name is read again from the start.
    """

    kind = "drop_folder"

    def __init__(self, name: str, folder: str | Path, mapping: Mapping_, pattern: str = "*",
                 timezone: str | None = None, queues: list[str] | None = None, chunk: int = DEFAULT_CHUNK):
        self.name, self.folder, self.mapping, self.pattern, self.chunk = name, Path(folder), mapping, pattern, chunk
        self.timezone = timezone or mapping.timezone
        self.queues = frozenset(queues) if queues else None

    def _due(self, entry: dict[str, Any], sig: list[int]) -> bool:
        if entry.get("done") and entry.get("size") == sig[0] and entry.get("mtime_ns") == sig[1]:
            return False
        return entry.get("seen") == sig[:2] or "offset" in entry and not entry.get("done")

    def poll(self, cursor: Cursor, now: datetime) -> tuple[Batch, Cursor]:
        from zoneinfo import ZoneInfo

        if not self.folder.is_dir():
            raise SourceError(f"drop folder not found: {self.folder}")
        files = copy.deepcopy(cursor.get("files", {}))
        ctx = RowContext(self.name, self.mapping, ZoneInfo(self.timezone), now, self.queues)
        batch, budget = Batch(), self.chunk
        for path in sorted(p for p in self.folder.glob(self.pattern) if p.is_file()):
            sig = signature(path)
            entry = files.get(path.name, {})
            if budget <= 0 or not self._due(entry, sig):
                if not entry.get("done") or entry.get("size") != sig[0] or entry.get("mtime_ns") != sig[1]:
                    files[path.name] = {**entry, "seen": sig[:2]}
                continue
            part, new_entry = read_chunk(path, {k: v for k, v in entry.items() if k != "seen"}, ctx, budget)
            files[path.name] = new_entry
            budget -= len(part) + len(part.rejections) + part.skipped
            _merge(batch, part)
        return dedupe(batch), {**cursor, "files": files}


def _merge(batch: Batch, part: Batch) -> None:
    batch.contacts += part.contacts
    batch.states += part.states
    batch.surveys += part.surveys
    batch.agents += part.agents
    batch.rejections += part.rejections
    batch.skipped += part.skipped
