"""A temporary SQLite store filled with simulated history: simulator backfill through ``store_batch``."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from collectors.pipeline import store_batch
from collectors.sources.simulator import SimulatorSource, backfill
from dashboard.settings import Settings, load_settings
from dashboard.store.db import make_engine, upgrade_database


def simulated_store(path: Path, days: int, now: datetime, seed: int = 7, timezone: str = "UTC"):
    """(settings, engine) over a new store at ``path`` holding ``days`` simulated days up to ``now``."""
    config = path.with_suffix(".toml")
    config.write_text(f'timezone = "{timezone}"\n')
    settings: Settings = load_settings(environ={}, config_path=config, database_url=f"sqlite:///{path}")
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    source = SimulatorSource(seed=seed, timezone=timezone)
    started = time.perf_counter()
    for number, batch in enumerate(backfill(seed, days, now, timezone=timezone)):
        store_batch(engine, settings, source.name, source.kind, batch, source.cursor_at(now), now)
        print(f"  day {number + 1}: {len(batch.contacts)} contacts, {time.perf_counter() - started:.0f} s",
              flush=True)
    return settings, engine
