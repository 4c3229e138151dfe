"""The Source protocol: given its saved cursor, a source returns what is new and the next cursor.

A source knows its own format and nothing else. ``poll`` must not change anything
that matters outside the returned cursor: the pipeline stores the cursor in the
same transaction as the records, so if that transaction fails, the next poll with
the old cursor returns the same records again (and the upsert makes that harmless).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from dashboard.records import Batch

Cursor = dict[str, Any]  # JSON-serialisable


class SourceError(Exception):
    """The source could not be read at all (unreachable, unreadable); the poll failed as a whole."""


@runtime_checkable
class Source(Protocol):
    name: str  # unique in the store; records are keyed by (name, source_id)
    kind: str  # "simulator", "asterisk_file", "files", "sql", "fake", ...

    def poll(self, cursor: Cursor, now: datetime) -> tuple[Batch, Cursor]:
        """Return the records new or changed since ``cursor`` (as seen at ``now``) and the next cursor.

        Raise ``SourceError`` when the source cannot be read; reject single bad records
        into ``Batch.rejections`` instead of raising.
        """
        ...
