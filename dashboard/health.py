"""``/healthz`` (the process answers) and ``/readyz`` (the store answers and the collector is fresh).

For load balancers and orchestrators: both answer JSON without signing in, and
``/readyz`` says why it is not ready (503) so an operator can act on it.
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, jsonify
from sqlalchemy import Engine, func, select

from dashboard.settings import Settings
from dashboard.store.db import session_scope
from dashboard.store.models import CollectorRow, JournalRow


def readiness(engine: Engine, settings: Settings, now: datetime) -> tuple[bool, dict]:
    """(ready, details): the store answers and the collector ticked within ``stale_after_intervals`` polls."""
    limit_seconds = settings.stale_after_intervals * settings.poll_seconds
    try:
        with session_scope(engine) as session:
            heartbeat = session.get(CollectorRow, "collector")
            pending, oldest = session.execute(select(func.count(), func.min(JournalRow.polled_at))
                                              .where(JournalRow.error.is_(None))).one()
            set_aside = session.scalar(select(func.count()).select_from(JournalRow).where(JournalRow.error.is_not(None)))
    except Exception as error:  # noqa: BLE001 - any store failure means "not ready", with its reason
        return False, {"status": "unavailable", "reason": f"store does not answer: {type(error).__name__}"}
    if heartbeat is None or heartbeat.last_tick_at is None:
        return False, {"status": "unavailable", "reason": "no collector has ticked yet"}
    age_seconds = (now - heartbeat.last_tick_at).total_seconds()
    details = {"collector": heartbeat.owner, "last_tick_at": heartbeat.last_tick_at.isoformat(),
               "age_seconds": round(age_seconds, 3), "limit_seconds": limit_seconds,
               # polls journaled and not yet filed into contacts and roll-ups (collectors/journal.py)
               "journal": {"polls": pending, "oldest_polled_at": oldest.isoformat() if oldest else None,
                           "set_aside": set_aside}}
    if age_seconds > limit_seconds:
        return False, {"status": "unavailable",
                       "reason": f"the collector's last tick is {age_seconds:.0f} s old (limit {limit_seconds:.0f} s)",
                       **details}
    return True, {"status": "ok", **details}


def register_health(server: Flask, settings: Settings, engine: Engine) -> None:
    @server.route("/healthz")
    def healthz():
        return jsonify(status="ok")

    @server.route("/readyz")
    def readyz():
        # a web request may read the clock: this is the one place that judges freshness
        ready, details = readiness(engine, settings, datetime.now(timezone.utc))
        return jsonify(details), 200 if ready else 503
