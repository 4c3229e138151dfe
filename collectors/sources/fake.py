"""A scripted source for tests: hands out prepared batches in order, or fails on demand."""

from __future__ import annotations

from datetime import datetime

from collectors.sources.base import Cursor, SourceError
from dashboard.records import Batch


class FakeSource:
    """Each poll returns the next scripted batch; ``fail`` makes polls raise until cleared.

    The cursor is the index of the next batch, so a failed transaction replays it.
    """

    kind = "fake"

    def __init__(self, name: str = "fake", batches: list[Batch] | None = None):
        self.name = name
        self.batches: list[Batch] = list(batches or [])
        self.fail: str | None = None
        self.polls = 0

    def add(self, batch: Batch) -> None:
        self.batches.append(batch)

    def poll(self, cursor: Cursor, now: datetime) -> tuple[Batch, Cursor]:
        self.polls += 1
        if self.fail:
            raise SourceError(self.fail)
        index = int(cursor.get("next", 0))
        if index >= len(self.batches):
            return Batch(), {"next": index}
        return self.batches[index], {"next": index + 1}
