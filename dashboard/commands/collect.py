"""``ccpulse collect``: the collector alone, in its own process (the Procfile's ``worker:``)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    parser = subparsers.add_parser("collect", help="run the collector: poll sources, roll up, snapshot, alert")
    parser.set_defaults(handler=collect)


def collect(args, settings) -> int:
    from collectors.scheduler import Collector, build_scheduler, build_sources
    from dashboard.alerts.notify import Notifier
    from collectors.lock import store_locks
    from dashboard.commands.db import redact
    from dashboard.settings import check_production
    from dashboard.store.db import make_engine, upgrade_database

    check_production(settings)
    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url, manual_checkpoints=True)  # checkpoints between ticks
    collector = Collector(engine, settings, build_sources(settings), after_refresh=[Notifier(engine, settings)])
    collector.locks = store_locks(engine)  # one active collector per store, one poller per source
    log.info("collecting from %s into %s every %ss", ", ".join(s.name for s in collector.sources),
             redact(settings.database_url), settings.poll_seconds)
    try:
        collector.tick()  # the first catch-up, before the regular jobs
        build_scheduler(collector, blocking=True).start()
    finally:
        collector.refresh(file=True)  # leave nothing in the journal (the next start would file it)
        collector.locks.close()
    return 0
