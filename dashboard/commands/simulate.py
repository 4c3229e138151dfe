"""``ccpulse simulate --days N``: backfill N days of simulated history into the store, quickly."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    parser = subparsers.add_parser("simulate", help="backfill days of simulated contact-center history")
    parser.add_argument("--days", type=int, required=True, help="how many days, ending today (today so far counts)")
    parser.add_argument("--seed", type=int, help="random seed (default: the simulator_seed setting); same seed, same contacts")
    parser.add_argument("--scale", type=float, default=1.0, help="arrival multiplier (default 1.0)")
    parser.set_defaults(handler=simulate)


def backfill_store(engine, settings, days: int, seed: int, scale: float, end: datetime, progress: bool = True) -> int:
    """Store ``days`` simulated days ending at ``end``; the live simulator then resumes from ``end``."""
    from tqdm import tqdm

    from collectors.pipeline import refresh_live, store_batch
    from collectors.sources.simulator import SimulatorSource, backfill

    source = SimulatorSource(name="simulator", seed=seed, timezone=settings.timezone, scale=scale)
    cursor = source.cursor_at(end)
    stored = 0
    batches = backfill(seed, days, end, timezone=settings.timezone, scale=scale, source=source.name)
    for batch in tqdm(batches, total=days + 1, unit="day", desc="simulating", disable=not progress):
        stored += store_batch(engine, settings, source.name, source.kind, batch, cursor, end).accepted
    refresh_live(engine, settings, end)
    return stored


def simulate(args, settings) -> int:
    from dashboard.store.db import make_engine, upgrade_database

    if args.days < 1:
        log.error("--days must be at least 1")
        return 2
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url)
    started = time.perf_counter()
    seed = settings.simulator_seed if args.seed is None else args.seed
    stored = backfill_store(engine, settings, args.days, seed, args.scale, datetime.now(timezone.utc))
    log.info("stored %d records for %d simulated days (seed %d) in %.1f s", stored, args.days, seed,
             time.perf_counter() - started)
    engine.dispose()
    return 0
