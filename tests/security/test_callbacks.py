"""Callbacks are checked on the server: a direct POST to /_dash-update-component needs the role."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Forbidden, Unauthorized

from dashboard import accounts
from dashboard.auth import require_role
from tests.security.conftest import HOME_REFRESH, NOW, pages_router, sign_in


def test_a_callback_without_sign_in_is_refused_with_401(secured):
    client = secured[0].server.test_client()
    assert client.post("/_dash-update-component", json=HOME_REFRESH).status_code == 401


def test_a_page_callback_is_refused_to_a_role_the_page_is_not_for(secured):
    app, _, engine = secured
    client = app.server.test_client()
    client.get(f"/wall?token={accounts.issue_token(engine, 'wall', NOW)}")
    assert client.post("/_dash-update-component", json=HOME_REFRESH).status_code == 403


def test_a_page_callback_runs_for_its_roles(secured):
    client = secured[0].server.test_client()
    sign_in(client, "supervisor")
    response = client.post("/_dash-update-component", json=HOME_REFRESH)
    assert response.status_code == 200 and "home-tiles" in response.get_data(as_text=True)


@pytest.mark.parametrize("path, role, status", [("/queues", "wall", 403), ("/agents/a-1", "executive", 403),
                                                ("/trends", "supervisor", 403), ("/", "manager", 200)])
def test_the_page_router_renders_a_page_only_for_its_roles(secured, path, role, status):
    app, _, engine = secured
    client = app.server.test_client()
    if role == "wall":
        client.get(f"/wall?token={accounts.issue_token(engine, 'wall', NOW)}")
    else:
        sign_in(client, role)
    assert client.post("/_dash-update-component", json=pages_router(path)).status_code == status


def test_dash_posts_must_be_json(secured):
    client = secured[0].server.test_client()
    sign_in(client, "admin")
    response = client.post("/_dash-update-component", data="output=home-tiles.children",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_a_guarded_callback_registered_on_the_app_is_refused_through_dash(secured):
    from dash import Input, Output

    app, _, _ = secured

    @app.callback(Output("probe-out", "children"), Input("probe-in", "value"))
    @require_role("supervisor")
    def acknowledge(value):
        return f"acknowledged {value}"

    body = {"output": "probe-out.children", "outputs": {"id": "probe-out", "property": "children"},
            "inputs": [{"id": "probe-in", "property": "value", "value": "x"}],
            "changedPropIds": ["probe-in.value"], "state": []}
    manager, supervisor = app.server.test_client(), app.server.test_client()
    sign_in(manager, "manager")
    sign_in(supervisor, "supervisor")
    assert manager.post("/_dash-update-component", json=body).status_code == 403
    assert "acknowledged x" in supervisor.post("/_dash-update-component", json=body).get_data(as_text=True)


def test_the_guard_itself_raises_401_and_403(secured):
    from flask import g

    app, _, _ = secured
    guarded = require_role("manager")(lambda: "drill-down")
    with app.server.test_request_context("/"):
        with pytest.raises(Unauthorized):
            guarded()
        g.ccpulse_role = "executive"
        with pytest.raises(Forbidden):
            guarded()
        g.ccpulse_role = "manager"
        assert guarded() == "drill-down"


def test_an_unknown_role_cannot_be_required():
    with pytest.raises(ValueError):
        require_role("janitor")
