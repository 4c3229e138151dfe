"""Sign-in with a CSRF-bound form, page access per role, display tokens, headers."""

from __future__ import annotations

import pytest

from dashboard import accounts
from dashboard.auth import ROLES, roles_for_path
from tests.security.conftest import NOW, PASSWORD, csrf_from, sign_in

PAGES = ["/", "/wall", "/wall/agents", "/alerts", "/queues", "/agents", "/agents/a-17", "/contacts/c-1", "/trends"]


def test_a_page_without_sign_in_goes_to_the_login_form(secured):
    app, _, _ = secured
    response = app.server.test_client().get("/queues?lang=ko")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=%2Fqueues%3Flang%3Dko")


def test_dash_endpoints_without_sign_in_answer_401(secured):
    client = secured[0].server.test_client()
    assert client.get("/_dash-layout").status_code == 401
    assert client.get("/_dash-dependencies").status_code == 401


def test_sign_in_needs_the_session_csrf_token(secured):
    client = secured[0].server.test_client()
    csrf_from(client)
    forged = client.post("/login", data={"name": "admin", "password": PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert client.get("/queues").status_code == 302


def test_a_wrong_password_is_refused_and_a_right_one_signs_in(secured):
    client = secured[0].server.test_client()
    assert sign_in(client, "manager", "wrong password").status_code == 401
    response = sign_in(client, "manager")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert client.get("/queues").status_code == 200


@pytest.mark.parametrize("role", ROLES[1:])
def test_each_role_opens_only_its_pages(secured, role):
    client = secured[0].server.test_client()
    sign_in(client, role)
    for path in PAGES:
        expected = 200 if role == "admin" or role in roles_for_path(path) else 403
        assert client.get(path).status_code == expected, (role, path)


def test_the_role_map_matches_the_issue():
    assert set(roles_for_path("/wall")) == {"wall", "supervisor", "manager", "admin"}
    assert set(roles_for_path("/alerts")) == {"supervisor", "admin"}
    assert set(roles_for_path("/agents/a-1")) == {"manager", "admin"}
    assert set(roles_for_path("/trends")) == {"executive", "manager", "admin"}
    assert "wall" not in roles_for_path("/")


def test_removing_a_user_signs_them_out(secured):
    app, _, engine = secured
    accounts.add_user(engine, "leaving", "executive", PASSWORD, NOW)
    client = app.server.test_client()
    sign_in(client, "leaving")
    assert client.get("/trends").status_code == 200
    accounts.remove_user(engine, "leaving")
    assert client.get("/trends").status_code == 302


def test_a_display_token_opens_wall_pages_only_until_revoked(secured):
    app, _, engine = secured
    token = accounts.issue_token(engine, "wall", NOW)
    client = app.server.test_client()
    response = client.get(f"/wall?token={token}&lang=ko")
    assert response.status_code == 303 and response.headers["Location"] == "/wall?lang=ko"
    assert client.get("/wall").status_code == 200
    assert client.get("/wall/agents").status_code == 200
    assert client.get("/queues").status_code == 403
    assert client.get("/").status_code == 403
    accounts.revoke_tokens(engine, "wall", NOW)
    assert client.get("/wall").status_code == 302
    assert app.server.test_client().get(f"/wall?token={token}").status_code == 403


def test_a_display_token_is_refused_on_a_manager_page(secured):
    app, _, engine = secured
    token = accounts.issue_token(engine, "wall", NOW)
    assert app.server.test_client().get(f"/queues?token={token}").status_code == 403


def test_only_the_token_hash_is_stored(secured):
    from sqlalchemy import select

    from dashboard.store.db import session_scope
    from dashboard.store.models import DisplayTokenRow

    _, _, engine = secured
    token = accounts.issue_token(engine, "wall", NOW)
    with session_scope(engine) as session:
        stored = session.scalars(select(DisplayTokenRow.token_hash)).all()
    assert accounts.token_hash(token) in stored and token not in stored


def test_every_answer_carries_the_security_headers_and_a_safe_cookie(secured):
    client = secured[0].server.test_client()
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_next_parameter_never_leaves_the_site(secured):
    client = secured[0].server.test_client()
    response = client.post("/login", data={"name": "admin", "password": PASSWORD,
                                           "csrf_token": csrf_from(client), "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_without_sign_in_required_everything_opens(module_store):
    from dashboard.app import create_app

    client = create_app(*module_store).server.test_client()
    assert client.get("/queues").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
