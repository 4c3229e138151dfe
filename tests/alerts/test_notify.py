"""Webhooks against a real HTTP server on 127.0.0.1: Slack-style text, retries, failures kept."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from dashboard.alerts.notify import deliver_pending, send_webhook
from dashboard.store.db import session_scope
from dashboard.store.models import AlertEventRow, AlertRow, AlertRuleRow, NotificationRow
from tests.conftest import utc


@pytest.fixture
def hook_server():
    """A local server that fails the first ``fail_first`` requests with 503, then answers 200."""
    received, plan = [], {"fail_first": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            status = 503 if len(received) <= plan["fail_first"] else 200
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, plan
    server.shutdown()


def test_a_failing_webhook_is_retried_with_doubling_back_off(hook_server):
    url, received, plan = hook_server
    plan["fail_first"] = 2
    waits = []
    outcome = send_webhook(url, {"text": "hello"}, attempts=4, sleep=waits.append)
    assert (outcome.ok, outcome.attempts) == (True, 3)
    assert waits == [1.0, 2.0] and len(received) == 3


def test_an_unreachable_webhook_gives_up_and_never_raises():
    outcome = send_webhook("http://127.0.0.1:9/nothing", {"text": "x"}, attempts=3, timeout_seconds=0.5,
                           sleep=lambda s: None)
    assert not outcome.ok and outcome.attempts == 3 and outcome.error


def _firing_event(engine):
    with session_scope(engine) as session:
        rule = AlertRuleRow(name="wait", metric="longest_wait_seconds", direction="above", warning=60, critical=120)
        session.add(rule)
        session.flush()
        alert = AlertRow(rule_id=rule.id, subject="Billing", state="firing", severity="warning")
        session.add(alert)
        session.flush()
        session.add(AlertEventRow(alert_id=alert.id, at=utc(2026, 3, 2, 9), from_state="pending", to_state="firing",
                                  severity="warning", value=75, reason="Longest wait on Billing is 1:15"))


def test_pending_transitions_are_posted_with_slack_text_and_failures_kept(engine, settings, hook_server):
    url, received, plan = hook_server
    plan["fail_first"] = 10
    settings = replace(settings, webhook_urls=(url, "http://127.0.0.1:9/down"))
    _firing_event(engine)
    handled = deliver_pending(engine, settings, lambda: utc(2026, 3, 2, 9, 0, 5), attempts=2, timeout_seconds=0.5,
                              sleep=lambda s: None)
    assert handled == 1
    assert "Longest wait on Billing is 1:15" in received[0]["text"] and received[0]["state"] == "firing"
    with session_scope(engine) as session:
        notes = session.scalars(select(NotificationRow).order_by(NotificationRow.id)).all()
        assert [(n.ok, n.attempts) for n in notes] == [(False, 2), (False, 2)]
        assert notes[0].error == "HTTP 503" and notes[1].error
        assert session.scalars(select(AlertEventRow)).one().notified
    assert deliver_pending(engine, settings, lambda: utc(2026, 3, 2, 9, 1)) == 0
