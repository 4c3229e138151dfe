"""An app with sign-in on over a migrated store, and a user of every role."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import uuid

import pytest

from dashboard import accounts
from dashboard.auth import ROLES

PASSWORD = "correct horse battery"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module", autouse=True)
def cheap_password_hashes():
    """scrypt takes most of a second here; the tests check who gets in, not the hash's cost."""
    saved, accounts.PASSWORD_METHOD = accounts.PASSWORD_METHOD, "pbkdf2:sha256:1000"
    yield
    accounts.PASSWORD_METHOD = saved


@pytest.fixture(scope="module")
def module_store(tmp_path_factory):
    """One migrated store per test module (a migration costs seconds); tests add what they change."""
    import sqlalchemy as sa

    from dashboard.settings import load_settings
    from dashboard.store.db import make_engine, upgrade_database
    from tests.conftest import BACKEND, POSTGRES_ADMIN_URL, _postgres_available

    folder = tmp_path_factory.mktemp("secured")
    url, admin, name = f"sqlite:///{folder / 'ccpulse.db'}", None, None
    if BACKEND == "postgresql":
        if _postgres_available():
            pytest.skip("no PostgreSQL")
        name = f"ccpulse_test_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    (folder / "ccpulse.toml").write_text("")
    settings = load_settings(environ={}, config_path=folder / "ccpulse.toml", database_url=url)
    upgrade_database(url)
    engine = make_engine(url)
    for role in ROLES:
        accounts.add_user(engine, role, role, PASSWORD, NOW)
    yield settings, engine
    engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def secured(module_store):
    """(app, settings, engine): a fresh app with sign-in on over the module's store, one user per role."""
    from dashboard.app import create_app

    settings, engine = module_store
    settings = replace(settings, require_login=True, secret_key="test-secret-key-0123456789")
    return create_app(settings, engine), settings, engine


def csrf_from(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def sign_in(client, name: str, password: str = PASSWORD):
    return client.post("/login", data={"name": name, "password": password, "csrf_token": csrf_from(client),
                                       "next": "/"})


def dash_call(output: str, inputs: list[dict]) -> dict:
    """The JSON body Dash's renderer posts to /_dash-update-component."""
    component, prop = output.rsplit(".", 1)
    return {"output": output, "outputs": {"id": component, "property": prop}, "inputs": inputs,
            "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"], "state": []}


HOME_REFRESH = dash_call("home-tiles.children", [{"id": "home-interval", "property": "n_intervals", "value": 1},
                                                  {"id": "home-language", "property": "data", "value": "en"}])


def pages_router(pathname: str) -> dict:
    """The page router's call: render the page at ``pathname``."""
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"], "state": []}
