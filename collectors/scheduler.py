"""The one scheduler: a polling job per source plus the live job (clock, snapshot, alerts).

``build_scheduler`` is the only place that creates jobs. ``ccpulse collect`` runs it
blocking in its own process; ``ccpulse run`` runs it in the background beside the
web app. Jobs never overlap themselves (``max_instances=1``), missed runs collapse
into one (``coalesce``), and a job that raises is logged and simply runs again at
its next interval.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timezone
from typing import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from collectors.live import LiveState
from collectors.lock import COLLECTOR, GrantedLocks, StoreLocks, heartbeat_owner, source_key
from collectors.pipeline import poll_once, refresh_live
from collectors.sources.base import Source
from dashboard.settings import Settings
from dashboard.store.db import checkpoint

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]

CHECKPOINT_SECONDS = 30  # SQLite: how often the collector copies its write-ahead log into the store


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def build_sources(settings: Settings) -> list[Source]:
    """The sources named in ``[[sources]]`` of ccpulse.toml, or the simulated contact center."""
    specs = settings.raw.get("sources")
    if specs:
        from collectors.sources.registry import build_source

        return [build_source(spec, settings) for spec in specs]
    from collectors.sources.simulator import SimulatorSource

    return [SimulatorSource(name="simulator", seed=settings.simulator_seed, timezone=settings.timezone)]


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Collector:
    """The jobs' bodies: poll a source (then refresh the live view), or just refresh it."""

    def __init__(self, engine: Engine, settings: Settings, sources: list[Source], clock: Clock = utc_now,
                 after_refresh: list[Callable] | None = None, locks: StoreLocks | None = None):
        self.engine, self.settings, self.sources, self.clock = engine, settings, sources, clock
        self.owner = owner_name()
        self.after_refresh = after_refresh or []
        self.locks = locks or GrantedLocks()
        self.active: bool | None = None
        self.refreshed_at: float | None = None  # time.monotonic() of the last refresh
        self.live = LiveState()  # today's live inputs, loaded by the first refresh this collector runs

    def holds(self, key: str) -> bool:
        """Whether this collector may act on ``key`` now (taking its lock if free); logs standby and takeover."""
        held = self.locks.alive() and self.locks.try_lock(key)
        if key == COLLECTOR and held != self.active:
            if held:
                log.info("active: this collector (%s) runs the live job", self.owner)
                self.live.forget()  # another collector ran the live job meanwhile: reload
            else:
                log.info("standby: waiting for the active collector (owner %s)", heartbeat_owner(self.engine))
            self.active = held
        return held

    def poll(self, source: Source) -> None:
        if not self.holds(source_key(source.name)):
            return
        outcome = poll_once(self.engine, self.settings, source, self.clock(), self.live, journaled=True)
        if outcome.ok and (outcome.accepted or outcome.rejected):
            self.refresh()

    def refresh_if_due(self) -> None:
        """The live job: refresh unless a poll refreshed within the last half interval (the
        poll and live jobs share the interval, so otherwise every tick would refresh twice)."""
        if self.refreshed_at is None or time.monotonic() - self.refreshed_at >= self.settings.poll_seconds / 2:
            self.refresh()

    def refresh(self, file: bool | None = None) -> None:
        """Refresh the live view; ``file``: file the journal now (True), or when due (None)."""
        if not self.holds(COLLECTOR):
            return
        self.refreshed_at = time.monotonic()
        try:
            snapshots = refresh_live(self.engine, self.settings, self.clock(), owner=self.owner, live=self.live,
                                     file=file)
            for hook in self.after_refresh:
                hook(snapshots)
        except Exception:  # noqa: BLE001 - logged; the next tick tries again
            log.exception("refreshing the live snapshot failed")

    def checkpoint(self) -> None:
        """Copy SQLite's write-ahead log into the store between ticks (the engine's commits don't)."""
        if not self.holds(COLLECTOR):
            return
        try:
            checkpoint(self.engine)
        except Exception:  # noqa: BLE001 - logged; the next run tries again
            log.exception("checkpointing the store failed")

    def tick(self) -> None:
        """Everything once, in order: every source this collector may poll, then the live view.

        Run before the scheduler starts, so the first catch-up (hours of a source's
        history) is done before the first page is served, not as overrunning jobs; what
        was journaled is filed at once.
        """
        for source in self.sources:
            if self.holds(source_key(source.name)):
                poll_once(self.engine, self.settings, source, self.clock(), self.live, journaled=True)
        self.refresh(file=True)


def build_scheduler(collector: Collector, blocking: bool = False):
    """A scheduler holding one polling job per source and the live job, every poll interval."""
    interval = collector.settings.poll_seconds
    sqlite = collector.engine.dialect.name == "sqlite"
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        executors={"default": ThreadPoolExecutor(1 if sqlite else 4)},  # SQLite has one writer anyway
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": max(1, int(interval))},
        timezone=timezone.utc)
    first_run = collector.clock()
    for source in collector.sources:
        scheduler.add_job(collector.poll, "interval", seconds=interval, args=[source], id=f"poll:{source.name}",
                          name=f"poll {source.name}", next_run_time=first_run)
    scheduler.add_job(collector.refresh_if_due, "interval", seconds=interval, id="live", name="live snapshot",
                      next_run_time=first_run)
    if sqlite:
        scheduler.add_job(collector.checkpoint, "interval", seconds=CHECKPOINT_SECONDS, id="checkpoint",
                          name="store checkpoint")
    return scheduler
