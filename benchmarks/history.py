"""Weeks of simulated contact-centre history stored through ``store_batch``, for benchmarks and screenshots."""

from __future__ import annotations

from datetime import datetime

from collectors.pipeline import store_batch
from collectors.sources.simulator import backfill


def store_history(engine, settings, days: int, now: datetime, seed: int = 7, scale: float = 1.0) -> int:
    """Store the simulator's ``days`` days up to ``now`` (one batch per day) as seen at ``now``;
    returns how many contacts were stored."""
    stored = 0
    for n, batch in enumerate(backfill(seed, days, now, timezone=settings.timezone, scale=scale)):
        store_batch(engine, settings, "simulator", "simulator", batch, {"day": n}, now)
        stored += len(batch.contacts)
    return stored
