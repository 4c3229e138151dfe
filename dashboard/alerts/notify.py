"""Webhook notifications: POST JSON with a Slack-compatible ``text``, retried with exponential back-off.

Runs outside the collector's transaction, in a thread of its own started by the
``Notifier`` hook after each refresh, so a slow or failing webhook never delays
or stops the collector. Every delivery (and its failure) is kept in
``notifications`` for /alerts.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Engine, select

from dashboard.i18n import t
from dashboard.settings import Settings
from dashboard.store.db import session_scope
from dashboard.store.models import AlertEventRow, NotificationRow

log = logging.getLogger(__name__)
NOTIFIED_STATES = ("firing", "resolved", "error", "no_data")


@dataclass(frozen=True)
class Delivery:
    ok: bool
    attempts: int
    error: str | None = None


def send_webhook(url: str, payload: dict, attempts: int = 4, timeout_seconds: float = 5.0,
                 first_backoff_seconds: float = 1.0, sleep: Callable[[float], None] = time.sleep) -> Delivery:
    """POST ``payload`` as JSON; retry a failure after 1, 2, 4 ... seconds; never raises."""
    body = json.dumps(payload).encode("utf-8")
    error = None
    for attempt in range(1, attempts + 1):
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "User-Agent": "ccpulse"})
        try:
            with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
                if 200 <= response.status < 300:
                    return Delivery(ok=True, attempts=attempt)
                error = f"HTTP {response.status}"
        except urllib.error.HTTPError as failure:
            error = f"HTTP {failure.code}"
        except Exception as failure:  # noqa: BLE001 - any transport fault is retried, then recorded
            error = f"{type(failure).__name__}: {failure}"
        if attempt < attempts:
            sleep(first_backoff_seconds * 2 ** (attempt - 1))
    return Delivery(ok=False, attempts=attempts, error=error)


def message(event: AlertEventRow, settings: Settings) -> dict:
    """The JSON body: Slack's ``text`` plus the fields a machine wants."""
    lang = settings.language
    severity = t(f"alerts.severity.{event.severity}", lang) if event.severity else ""
    text = t("alerts.webhook.text", lang, site=settings.site_name, state=t(f"alerts.state.{event.to_state}", lang),
             severity=severity, reason=event.reason)
    return {"text": text, "state": event.to_state, "severity": event.severity, "value": event.value,
            "at": event.at.isoformat(), "reason": event.reason, "site": settings.site_name}


def deliver_pending(engine: Engine, settings: Settings, now: Callable[[], datetime], **send_options) -> int:
    """Send every not-yet-notified transition to every webhook; returns how many events were handled."""
    with session_scope(engine) as session:
        events = list(session.scalars(select(AlertEventRow).where(AlertEventRow.notified.is_(False))
                                      .order_by(AlertEventRow.id).limit(100)))
    for event in events:
        if event.to_state in NOTIFIED_STATES and event.from_state != event.to_state:
            for url in settings.webhook_urls:
                outcome = send_webhook(url, message(event, settings), **send_options)
                if not outcome.ok:
                    log.warning("webhook %s failed after %d attempts: %s", url, outcome.attempts, outcome.error)
                with session_scope(engine) as session:
                    session.add(NotificationRow(event_id=event.id, target=url[:500], at=now(),
                                                attempts=outcome.attempts, ok=outcome.ok, error=outcome.error))
        with session_scope(engine) as session:
            row = session.get(AlertEventRow, event.id)
            if row is not None:
                row.notified = True
    return len(events)


class Notifier:
    """A ``Collector.after_refresh`` hook: delivers pending notifications in a background thread, one at a time."""

    def __init__(self, engine: Engine, settings: Settings, clock: Callable[[], datetime] | None = None):
        self.engine, self.settings = engine, settings
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._thread: threading.Thread | None = None

    def __call__(self, _snapshots=None) -> None:
        if self._thread is not None and self._thread.is_alive():
            return  # the running delivery picks up new events on its next pass
        self._thread = threading.Thread(target=self.run, name="ccpulse-notify", daemon=True)
        self._thread.start()

    def run(self) -> None:
        try:
            deliver_pending(self.engine, self.settings, self.clock)
        except Exception:  # noqa: BLE001 - notifications never stop the collector
            log.exception("delivering alert notifications failed")

