"""Production refuses an unsafe start; the health checks answer load balancers."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from dashboard.health import readiness
from dashboard.security import check_ready_for_production
from dashboard.settings import DEFAULT_SECRET_KEY, SettingsError
from dashboard.store.db import session_scope
from dashboard.store.models import CollectorRow

STRONG = "a-strong-production-secret-0123456789"


def test_production_refuses_debug_a_default_key_or_no_users(settings, engine):
    production = replace(settings, env="production", secret_key=STRONG)
    with pytest.raises(SettingsError, match="CCPULSE_DEBUG"):
        check_ready_for_production(replace(production, debug=True), engine)
    with pytest.raises(SettingsError, match="CCPULSE_SECRET_KEY"):
        check_ready_for_production(replace(production, secret_key=DEFAULT_SECRET_KEY), engine)
    with pytest.raises(SettingsError, match="ccpulse users add NAME --role admin"):
        check_ready_for_production(production, engine)


def test_production_starts_with_a_user_and_forces_sign_in_and_secure_cookies(settings, engine, monkeypatch):
    from dashboard import accounts
    from dashboard.app import create_app

    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    accounts.add_user(engine, "boss", "admin", "long enough", datetime.now(timezone.utc))
    app = create_app(replace(settings, env="production", secret_key=STRONG), engine)
    assert app.server.config["SESSION_COOKIE_SECURE"] is True
    assert app.server.test_client().get("/wall").status_code == 302


def test_healthz_answers_and_readyz_wants_a_fresh_collector(settings, engine):
    from dashboard.app import create_app

    client = create_app(settings, engine).server.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["reason"] == "no collector has ticked yet"
    now = datetime.now(timezone.utc)
    with session_scope(engine) as session:
        session.add(CollectorRow(name="collector", owner="host:1", started_at=now, last_tick_at=now))
    assert client.get("/readyz").status_code == 200


def test_readyz_turns_503_when_the_last_tick_is_older_than_its_limit(settings, engine):
    now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    limit = settings.stale_after_intervals * settings.poll_seconds
    with session_scope(engine) as session:
        session.add(CollectorRow(name="collector", owner="host:1", started_at=now, last_tick_at=now))
    assert readiness(engine, settings, now + timedelta(seconds=limit))[0] is True
    ready, details = readiness(engine, settings, now + timedelta(seconds=limit + 1))
    assert not ready and "old (limit" in details["reason"]


def test_readyz_says_when_the_store_does_not_answer(settings):
    from dashboard.store.db import make_engine

    broken = make_engine("sqlite:////nonexistent-folder/ccpulse.db")
    ready, details = readiness(broken, settings, datetime.now(timezone.utc))
    assert not ready and details["reason"].startswith("store does not answer")


def test_readyz_tells_how_many_polls_wait_in_the_journal(settings, engine):
    from collectors.pipeline import store_batch
    from dashboard.records import Batch, Contact

    now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    with session_scope(engine) as session:
        session.add(CollectorRow(name="collector", owner="host:1", started_at=now, last_tick_at=now))
    assert readiness(engine, settings, now)[1]["journal"] == {"polls": 0, "oldest_polled_at": None, "set_aside": 0}
    for seconds in (5, 10):
        contact = Contact(source="fake", source_id=f"c{seconds}", channel="voice", queue="Billing", arrived_at=now)
        store_batch(engine, settings, "fake", "fake", Batch(contacts=[contact]), {}, now + timedelta(seconds=seconds),
                    journaled=True)
    assert readiness(engine, settings, now)[1]["journal"] == {
        "polls": 2, "oldest_polled_at": (now + timedelta(seconds=5)).isoformat(), "set_aside": 0}
