"""Asterisk's queue_log, as the flat file it writes (tailed) or as its database table (polled).

Flat file (``AsteriskFileSource``): lines ``epoch|callid|queue|agent|event|data1..``
read from the stored byte offset, whole lines only (a line still being written
waits for the next poll). Rotation is followed: when the path names another inode,
the rest of the old file is read first if it is still in the same folder (e.g.
``queue_log.1``), then the new file from its start; a file shorter than the offset
was truncated (``copytruncate``) and is read from the start. The cursor is
``{"inode", "offset", "line", "state"}``; ``state`` holds the open calls and the
agents' states (see ``queue_state``).

Table (``AsteriskTableSource``): ``time, callid, queuename, agent, event,
data1..data5`` (or PBXware's columns), polled by an increasing key.
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from collectors.sources.base import Cursor, SourceError
from collectors.sources.mapping import Mapping_
from collectors.sources.queue_log import LAYOUTS, parse_line
from collectors.sources.queue_state import apply_event
from collectors.sources.rows import dedupe
from collectors.sources.sql import DEFAULT_BATCH, SqlSource
from collectors.sources.validate import Problem, RecordError, reject
from dashboard.records import Batch

log = logging.getLogger(__name__)
DEFAULT_MAX_LINES = 5000


def _rotated(path: Path, inode: int) -> Path | None:
    """The file in the same folder that still has ``inode`` (the rotated-away log), if any."""
    for candidate in sorted(path.parent.glob(path.name + "*")):
        try:
            if candidate.is_file() and candidate.stat().st_ino == inode:
                return candidate
        except OSError:
            continue
    return None


def read_lines(path: Path, offset: int, limit: int) -> tuple[list[bytes], int]:
    """Up to ``limit`` complete lines (ending in a newline) from ``offset``, and the offset after them."""
    lines: list[bytes] = []
    with path.open("rb") as handle:
        handle.seek(offset)
        while len(lines) < limit:
            raw = handle.readline()
            if not raw.endswith(b"\n"):
                break  # end of file, or a line still being written
            lines.append(raw)
            offset += len(raw)
    return lines, offset


class AsteriskFileSource:
    """Tails an Asterisk queue_log flat file (``/var/log/asterisk/queue_log``).

    ``queues``: allowed queue names (others are rejected); ``max_lines`` per poll.
    Event times are UTC epoch seconds, so no time zone is needed.
    """

    kind = "asterisk_file"

    def __init__(self, name: str, path: str | Path, queues: list[str] | None = None,
                 max_lines: int = DEFAULT_MAX_LINES):
        self.name, self.path, self.max_lines = name, Path(path), max_lines
        self.queues = frozenset(queues) if queues else None

    def _apply(self, batch: Batch, state: dict, lines: list[bytes], file_name: str, first_line: int,
               now: datetime) -> None:
        for number, raw in enumerate(lines, start=first_line):
            text = raw.decode("utf-8", errors="replace").strip()
            if not text:
                continue
            location = f"{file_name}:{number}"
            try:
                outcome = apply_event(state, parse_line(text, location), self.name, now, self.queues)
            except RecordError as error:
                batch.rejections.append(reject(location, Problem(error.field, error.reason)))
                continue
            batch.contacts += outcome.contacts
            batch.states += outcome.states
            batch.rejections += outcome.rejections
            batch.skipped += outcome.skipped

    def _position(self, cursor: Cursor, inode: int, size: int, batch: Batch, state: dict,
                  now: datetime) -> tuple[int, int]:
        """Where to read the current file from, after finishing a rotated-away one."""
        offset, line = int(cursor.get("offset", 0)), int(cursor.get("line", 0))
        old_inode = cursor.get("inode")
        if old_inode is not None and old_inode != inode:
            old = _rotated(self.path, old_inode)
            if old is not None:
                lines, _ = read_lines(old, offset, 10**9)
                self._apply(batch, state, lines, old.name, line + 1, now)
            else:
                log.warning("%s was rotated and the old file is gone: lines after offset %d of it are lost",
                            self.path, offset)
            return 0, 0
        if size < offset:
            log.warning("%s was truncated (size %d < offset %d): reading it from the start", self.path, size,
                        offset)
            return 0, 0
        return offset, line

    def poll(self, cursor: Cursor, now: datetime) -> tuple[Batch, Cursor]:
        try:
            stat = self.path.stat()
        except OSError as error:
            raise SourceError(f"cannot read {self.path}: {error.strerror}") from None
        state: dict[str, Any] = copy.deepcopy(cursor.get("state", {}))
        batch = Batch()
        try:
            offset, line = self._position(cursor, stat.st_ino, stat.st_size, batch, state, now)
            lines, next_offset = read_lines(self.path, offset, self.max_lines)
        except OSError as error:
            raise SourceError(f"cannot read {self.path}: {error.strerror}") from None
        self._apply(batch, state, lines, self.path.name, line + 1, now)
        next_cursor = {"inode": stat.st_ino, "offset": next_offset, "line": line + len(lines), "state": state}
        return dedupe(batch), next_cursor


def table_mapping(layout: str = "asterisk", columns: dict[str, str] | None = None, time_format: str = "iso",
                  timezone: str = "UTC") -> Mapping_:
    """The mapping that reads a queue_log table: its layout, column names and time format."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r}: expected one of {', '.join(LAYOUTS)}")
    return Mapping_(name="queue_log", path="(queue_log table)", timezone=timezone, record="queue_log",
                    queue_log={"layout": layout, "columns": dict(columns or {}), "time_format": time_format})


class AsteriskTableSource(SqlSource):
    """Asterisk's ``queue_log`` table (realtime/ODBC back end, Wazo, PBXware), polled by ``key``.

    ``time_format``: ``iso`` (a timestamp column, or text like ``2012-07-04 09:33:21.123456``, in
    ``timezone``: Asterisk writes local time unless ``queue_log_realtime_use_gmt`` is on) or ``epoch``.
    """

    kind = "asterisk_table"

    def __init__(self, name: str, url: str, table: str = "queue_log", key: str = "id",
                 layout: str = "asterisk", columns: dict[str, str] | None = None, time_format: str = "iso",
                 timezone: str = "UTC", queues: list[str] | None = None, batch_size: int = DEFAULT_BATCH):
        super().__init__(name, url, table, key, table_mapping(layout, columns, time_format, timezone),
                         timezone=timezone, queues=queues, batch_size=batch_size)
