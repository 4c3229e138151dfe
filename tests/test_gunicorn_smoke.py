"""Real gunicorn, 2 workers, the Procfile's app: every page fetched as each role, then stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from dashboard import accounts
from dashboard.auth import ROLES, allowed, roles_for_path

PAGES = ["/", "/wall", "/alerts", "/queues", "/agents", "/trends"]
PASSWORD = "smoke-test-password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_every_page_to_each_role(engine, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    for role in ROLES[1:]:
        accounts.add_user(engine, role, role, PASSWORD, datetime.now(timezone.utc))
    token = accounts.issue_token(engine, "admin", datetime.now(timezone.utc))
    port = free_port()
    (tmp_path / "ccpulse.toml").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCPULSE_")}
    env.update(CCPULSE_DATABASE_URL=settings.database_url, CCPULSE_REQUIRE_LOGIN="true",
               CCPULSE_SECRET_KEY="smoke-test-secret-0123456789", CCPULSE_CONFIG=str(tmp_path / "ccpulse.toml"))
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "dashboard.app:server",
                               "--workers", "2", "--threads", "2", "--bind", f"127.0.0.1:{port}"],
                              cwd=Path(__file__).resolve().parents[1], env=env,
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / "gunicorn.log", "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert requests.get(base + "/healthz", timeout=30).json() == {"status": "ok"}
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline and server.poll() is None, (tmp_path / "gunicorn.log").read_text()
                time.sleep(0.3)
        for role in ROLES[1:]:
            client = requests.Session()
            page = client.get(base + "/login").text
            csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            client.post(base + "/login", data={"name": role, "password": PASSWORD, "csrf_token": csrf, "next": "/"})
            for path in PAGES:
                response = client.get(base + path, allow_redirects=False)
                assert response.status_code == (200 if allowed(role, roles_for_path(path)) else 403), (role, path)
            assert client.get(base + "/_dash-layout").status_code == 200
        wall = requests.Session()
        assert wall.get(f"{base}/wall?token={token}").status_code == 200
        assert wall.get(base + "/queues", allow_redirects=False).status_code == 403
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)
