"""Settings: defaults, file, environment, and messages that name the setting, value and what is allowed."""

from __future__ import annotations

import pytest

from dashboard.settings import SettingsError, check_production, load_settings


def load(tmp_path, toml: str = "", **environ):
    path = tmp_path / "ccpulse.toml"
    path.write_text(toml)
    return load_settings(environ=environ, config_path=path)


def test_defaults(tmp_path):
    settings = load(tmp_path)
    assert settings.database_url == "sqlite:///ccpulse.db"
    assert (settings.poll_seconds, settings.host, settings.port, settings.language) == (5.0, "127.0.0.1", 8050, "en")
    assert settings.queue("Billing", "voice").service_level_seconds == 20
    assert settings.queue("Chat", "chat").service_level_seconds == 60
    assert settings.queue("Mail", "email").response_target_seconds == 86400


def test_file_then_environment_override(tmp_path):
    settings = load(tmp_path, 'timezone = "Europe/Berlin"\nport = 9000\n[service_level_seconds]\nvoice = 30\n'
                              '[queues.Billing]\nchannel = "voice"\nservice_level_seconds = 15\n',
                    CCPULSE_PORT="9100", CCPULSE_LANGUAGE="ko")
    assert (settings.timezone, settings.port, settings.language) == ("Europe/Berlin", 9100, "ko")
    assert settings.queue("Sales", "voice").service_level_seconds == 30
    assert settings.queue("Billing", "voice").service_level_seconds == 15
    assert settings.queue("Chat", "chat").service_level_seconds == 60


@pytest.mark.parametrize("name, value, fragment", [
    ("CCPULSE_POLL_SECONDS", "soon", "CCPULSE_POLL_SECONDS = 'soon' is not allowed: expected a number of seconds"),
    ("CCPULSE_TIMEZONE", "Mars/Olympus", "an IANA time zone name"),
    ("CCPULSE_DAY_RESET_HOUR", "24", "a whole hour from 0 to 23"),
    ("CCPULSE_SERVICE_LEVEL_FORM", "generous", "one of abandons_count, ignore_abandons"),
    ("CCPULSE_LANGUAGE", "fr", "one of en, ko"),
    ("CCPULSE_PORT", "0", "a port number from 1 to 65535"),
    ("CCPULSE_DATABASE_URL", "mysql://x", "a sqlite:///FILE or postgresql://"),
])
def test_bad_values_name_the_setting_the_value_and_what_is_allowed(tmp_path, name, value, fragment):
    with pytest.raises(SettingsError) as raised:
        load(tmp_path, **{name: value})
    assert fragment in str(raised.value)
    assert name in str(raised.value)


def test_bad_queue_table_names_the_key(tmp_path):
    with pytest.raises(SettingsError, match="queues.Billing.service_level_seconds"):
        load(tmp_path, '[queues.Billing]\nchannel = "voice"\nservice_level_seconds = -3\n')
    with pytest.raises(SettingsError, match="queues.Billing.colour"):
        load(tmp_path, '[queues.Billing]\nchannel = "voice"\ncolour = "red"\n')


def test_broken_toml_names_the_file(tmp_path):
    with pytest.raises(SettingsError, match="ccpulse.toml"):
        load(tmp_path, "port = = 3")


def test_postgres_urls_get_the_psycopg_driver(tmp_path):
    assert load(tmp_path, DATABASE_URL="postgres://u@h/db").database_url == "postgresql+psycopg://u@h/db"
    assert load(tmp_path, CCPULSE_DATABASE_URL="postgresql://u@h/db").database_url == "postgresql+psycopg://u@h/db"


def test_production_refuses_debug_and_the_default_secret(tmp_path):
    with pytest.raises(SettingsError, match="CCPULSE_SECRET_KEY"):
        check_production(load(tmp_path, CCPULSE_ENV="production"))
    with pytest.raises(SettingsError, match="CCPULSE_DEBUG"):
        check_production(load(tmp_path, CCPULSE_ENV="production", CCPULSE_DEBUG="1", CCPULSE_SECRET_KEY="x" * 32))
    check_production(load(tmp_path, CCPULSE_ENV="production", CCPULSE_SECRET_KEY="x" * 32))
