"""``ccpulse db upgrade``: bring the store's schema to the latest migration; ``ccpulse db rebuild-rollups``;
``ccpulse db refile-journal``."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def register(subparsers) -> None:
    parser = subparsers.add_parser("db", help="manage the store's schema")
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply the schema migrations (Alembic) up to the latest")
    upgrade.add_argument("--revision", default="head", help="target revision (default: head)")
    upgrade.set_defaults(handler=upgrade_schema)
    rebuild = actions.add_parser("rebuild-rollups", help="recompute every roll-up and journey link from the raw "
                                 "records (after an import or a repair; stop the collector first)")
    rebuild.set_defaults(handler=rebuild_rollups)
    refile = actions.add_parser("refile-journal", help="file again the polls whose filing failed and were set "
                                "aside (after mending the cause; /readyz counts them)")
    refile.set_defaults(handler=refile_journal)


def upgrade_schema(args, settings) -> int:
    from dashboard.store.db import upgrade_database

    upgrade_database(settings.database_url, args.revision)
    log.info("schema of %s is at %s", redact(settings.database_url), args.revision)
    return 0


def rebuild_rollups(args, settings) -> int:
    """Rebuild the roll-ups in one transaction, with a progress bar on stderr.

    Refused while a collector runs on the store: its ticks would add to the roll-ups the
    rebuild is replacing. The collector's lock is held for the rebuild, so a collector
    started meanwhile stands by until it is done.
    """
    import time
    from datetime import datetime, timezone

    from collectors.lock import COLLECTOR, heartbeat_owner, store_locks
    from dashboard.store.db import make_engine
    from dashboard.store.rebuild import rebuild_rollups as rebuild

    engine = make_engine(settings.database_url)
    locks = store_locks(engine)
    try:
        if not locks.try_lock(COLLECTOR):
            log.error("a collector (%s) is running on %s: stop it (ccpulse collect or ccpulse run), then "
                      "rebuild the roll-ups", heartbeat_owner(engine), redact(settings.database_url))
            return 1
        started = time.perf_counter()
        written = rebuild(engine, settings, datetime.now(timezone.utc), progress=True)
    finally:
        locks.close()
        engine.dispose()
    log.info("rebuilt roll-ups of %s in %.1f s: %s", redact(settings.database_url), time.perf_counter() - started,
             ", ".join(f"{name} {count}" for name, count in written.items()))
    return 0


def refile_journal(args, settings) -> int:
    """Clear the error of every set-aside journal row: the collector files them at its next filing."""
    from collectors.journal import refile
    from dashboard.store.db import make_engine, session_scope

    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            back = refile(session)
    finally:
        engine.dispose()
    if not back:
        log.info("no poll was set aside in the journal of %s", redact(settings.database_url))
    for source, (count, error) in back.items():
        log.info("%s: %d poll(s) back in line for the next filing (set aside for: %s)", source, count, error)
    return 0


def redact(url: str) -> str:
    """The URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
