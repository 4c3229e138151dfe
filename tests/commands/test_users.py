"""``ccpulse users``: add (with a prompt when no password is given), list, token, revoke, remove."""

from __future__ import annotations

import io

import pytest

from dashboard import accounts
from dashboard.cli import main


@pytest.fixture
def cli(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CCPULSE_DATABASE_URL", database_url)
    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    config = tmp_path / "ccpulse.toml"
    config.write_text("")
    return lambda *argv: main(["--config", str(config), "users", *argv])


def test_users_lifecycle(cli, capsys, monkeypatch, database_url):
    from dashboard.store.db import make_engine

    assert cli("add", "ana", "--role", "manager", "--password", "s3cret-enough") == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("typed-password\n"))
    assert cli("add", "tv-lobby", "--role", "wall") == 0
    assert cli("add", "ana", "--role", "admin", "--password", "another-one") == 1
    assert cli("token", "tv-lobby", "--base-url", "https://cc.example/") == 0
    out = capsys.readouterr().out
    token = out.split("https://cc.example/wall?token=", 1)[1].split()[0]
    engine = make_engine(database_url)
    try:
        assert accounts.authenticate(engine, "tv-lobby", "typed-password").role == "wall"
        assert accounts.token_id_for(engine, token) is not None
        assert cli("list") == 0
        listing = capsys.readouterr().out
        assert "ana" in listing and "manager" in listing and "2 user(s)" in listing
        assert cli("revoke", "tv-lobby") == 0
        assert accounts.token_id_for(engine, token) is None
        assert cli("remove", "ana") == 0
        assert cli("remove", "ana") == 1
        assert "no user named 'ana'" in capsys.readouterr().err
        assert [u.name for u in accounts.list_users(engine)] == ["tv-lobby"]
    finally:
        engine.dispose()


def test_an_unknown_role_is_refused_by_the_parser(cli):
    with pytest.raises(SystemExit):
        cli("add", "bob", "--role", "janitor", "--password", "whatever1")
