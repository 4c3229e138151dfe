"""``ccpulse run``: the embedded default, collector and web app in one process."""

from __future__ import annotations

import logging

from dashboard.commands.web import add_address_arguments, serve

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    parser = subparsers.add_parser("run", help="collector and dashboard in one process (the default set-up)")
    add_address_arguments(parser)
    parser.set_defaults(handler=run)


def run(args, settings) -> int:
    from collectors.scheduler import Collector, build_scheduler, build_sources
    from dashboard.alerts.notify import Notifier
    from collectors.lock import store_locks
    from dashboard.app import create_app
    from dashboard.commands.db import redact
    from dashboard.store.db import make_engine, upgrade_database

    upgrade_database(settings.database_url)
    engine = make_engine(settings.database_url, manual_checkpoints=True)  # checkpoints between ticks
    collector = Collector(engine, settings, build_sources(settings), after_refresh=[Notifier(engine, settings)])
    collector.locks = store_locks(engine)  # a second `ccpulse run` on the same store stands by
    app = create_app(settings, engine)
    log.info("store: %s; sources: %s", redact(settings.database_url), ", ".join(s.name for s in collector.sources))
    if not settings.require_login:
        log.info("sign-in is off: anyone who can reach http://%s:%s sees the dashboard", settings.host, settings.port)
    log.info("first poll: catching up with %s", ", ".join(s.name for s in collector.sources))
    collector.tick()
    scheduler = build_scheduler(collector)  # built after the catch-up, so its first runs are not "missed"
    scheduler.start()
    print(f"\n  ccpulse is running: open http://{settings.host}:{settings.port}  (Ctrl-C stops)\n", flush=True)
    try:
        serve(app, settings)
    finally:
        scheduler.shutdown(wait=True)
        collector.refresh(file=True)  # leave nothing in the journal (the next start would file it)
        engine.dispose()
        log.info("stopped cleanly")
    return 0
