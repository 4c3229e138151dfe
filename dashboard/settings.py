"""The one Settings object: named defaults, overridden by ``ccpulse.toml``, then by ``CCPULSE_*``.

Built once per entry point (``load_settings``) and passed down; nothing else reads
``os.environ``. A bad value raises ``SettingsError`` naming the setting, the value
and what is allowed, so a start-up stops with a message a person can act on.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SERVICE_LEVEL_FORMS = ("abandons_count", "ignore_abandons", "abandons_within_T_favourable")
LANGUAGES = ("en", "ko")
PRIVACY_MODES = ("names", "initials", "ids")
ENVIRONMENTS = ("development", "production")
ATTRIBUTIONS = ("outcome", "arrival")

DEFAULT_SERVICE_LEVEL_SECONDS = {"voice": 20.0, "chat": 60.0}
DEFAULT_RESPONSE_TARGET_SECONDS = {"email": 86400.0, "social": 3600.0, "sms": 900.0}
DEFAULT_SECRET_KEY = "ccpulse-development-secret-change-me"


class SettingsError(ValueError):
    """A setting whose value is not allowed; the message says which, what and why."""

    def __init__(self, setting: str, value: object, allowed: str):
        self.setting, self.value, self.allowed = setting, value, allowed
        super().__init__(f"setting {setting} = {value!r} is not allowed: expected {allowed}")


@dataclass(frozen=True)
class QueueSettings:
    """Per-queue targets; any field left None falls back to the channel default."""

    name: str
    channel: str
    service_level_seconds: float | None = None
    service_level_target: float = 0.8
    service_level_form: str = "abandons_count"
    response_target_seconds: float | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///ccpulse.db"
    timezone: str = "UTC"
    day_reset_hour: int = 0
    poll_seconds: float = 5.0
    file_seconds: float = 0.0  # how often the collector files its journal into contacts and roll-ups (0: every tick)
    short_abandon_seconds: float = 5.0
    service_level_form: str = "abandons_count"
    service_level_target: float = 0.8
    service_level_seconds: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SERVICE_LEVEL_SECONDS))
    response_target_seconds: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_RESPONSE_TARGET_SECONDS))
    attribution: str = "outcome"
    repeat_window_days: float = 7.0
    journey_window_days: float = 7.0
    queues: Mapping[str, QueueSettings] = field(default_factory=dict)
    queue_order: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8050
    language: str = "en"
    site_name: str = "ccpulse"
    source: str = "simulator"
    simulator_seed: int = 7
    stale_after_intervals: int = 3
    source_down_after_intervals: int = 3
    wall_privacy: str = "names"
    wins_panel: bool = True
    webhook_urls: tuple[str, ...] = ()
    env: str = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    debug: bool = False
    require_login: bool = False
    config_path: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # (queue, channel) -> its filled-in settings: asked for per queue every tick, and the settings never change
    _filled: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def queue(self, name: str, channel: str) -> QueueSettings:
        """The queue's settings with every target filled in from its channel's default."""
        filled = self._filled.get((name, channel))
        if filled is None:
            filled = self._filled[(name, channel)] = self._fill(name, channel)
        return filled

    def _fill(self, name: str, channel: str) -> QueueSettings:
        configured = self.queues.get(name) or QueueSettings(
            name=name, channel=channel, service_level_target=self.service_level_target,
            service_level_form=self.service_level_form)
        return replace(
            configured,
            channel=configured.channel or channel,
            service_level_seconds=configured.service_level_seconds
            if configured.service_level_seconds is not None
            else self.service_level_seconds.get(channel, DEFAULT_SERVICE_LEVEL_SECONDS["voice"]),
            response_target_seconds=configured.response_target_seconds
            if configured.response_target_seconds is not None
            else self.response_target_seconds.get(channel, DEFAULT_RESPONSE_TARGET_SECONDS["email"]),
        )


# ---- parsing ---------------------------------------------------------------------------------

def _number(allowed: str, minimum: float | None = None, maximum: float | None = None,
            integer: bool = False) -> Callable[[str, object], float | int]:
    def parse(name: str, value: object) -> float | int:
        try:
            if isinstance(value, bool):
                raise ValueError
            number = int(value) if integer else float(value)  # type: ignore[arg-type]
            if integer and isinstance(value, float) and value != int(value):
                raise ValueError
        except (TypeError, ValueError):
            raise SettingsError(name, value, allowed) from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise SettingsError(name, value, allowed)
        return number
    return parse


def _choice(options: tuple[str, ...]) -> Callable[[str, object], str]:
    def parse(name: str, value: object) -> str:
        if value not in options:
            raise SettingsError(name, value, "one of " + ", ".join(options))
        return str(value)
    return parse


def _text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(name, value, "a non-empty text")
    return value


def _flag(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(name, value, "true or false")


def _timezone(name: str, value: object) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(name, value, "an IANA time zone name such as Europe/Berlin or UTC") from None
    return str(value)


def _database_url(name: str, value: object) -> str:
    text = _text(name, value)
    if text.startswith("postgres://"):  # the form some hosts hand out; SQLAlchemy wants the dialect
        text = "postgresql+psycopg://" + text.removeprefix("postgres://")
    elif text.startswith("postgresql://"):
        text = "postgresql+psycopg://" + text.removeprefix("postgresql://")
    if not text.startswith(("sqlite://", "postgresql+psycopg://")):
        raise SettingsError(name, value, "a sqlite:///FILE or postgresql://USER@HOST/DB URL")
    return text


def _seconds_by_channel(name: str, value: object) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise SettingsError(name, value, "a table of channel = seconds")
    parse = _number("a number of seconds greater than 0", minimum=1e-9)
    return {str(k): float(parse(f"{name}.{k}", v)) for k, v in value.items()}


def _urls(name: str, value: object) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise SettingsError(name, value, "a list of http(s) URLs")
    urls = tuple(str(u).strip() for u in items if str(u).strip())
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise SettingsError(name, url, "an http:// or https:// URL")
    return urls


def _names(name: str, value: object) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise SettingsError(name, value, "a list of queue names")
    return tuple(str(v).strip() for v in items if str(v).strip())


PARSERS: dict[str, Callable[[str, object], Any]] = {
    "database_url": _database_url,
    "timezone": _timezone,
    "day_reset_hour": _number("a whole hour from 0 to 23", 0, 23, integer=True),
    "poll_seconds": _number("a number of seconds from 0.2 to 3600", 0.2, 3600),
    "file_seconds": _number("a number of seconds from 0 (every tick) to 300", 0, 300),
    "short_abandon_seconds": _number("a number of seconds from 0 to 600", 0, 600),
    "service_level_form": _choice(SERVICE_LEVEL_FORMS),
    "service_level_target": _number("a fraction from 0 to 1, such as 0.8", 0, 1),
    "service_level_seconds": _seconds_by_channel,
    "response_target_seconds": _seconds_by_channel,
    "attribution": _choice(ATTRIBUTIONS),
    "repeat_window_days": _number("a number of days from 0 to 90", 0, 90),
    "journey_window_days": _number("a number of days from 1 to 90", 1, 90),
    "queue_order": _names,
    "host": _text,
    "port": _number("a port number from 1 to 65535", 1, 65535, integer=True),
    "language": _choice(LANGUAGES),
    "site_name": _text,
    "source": _text,
    "simulator_seed": _number("a whole number", integer=True),
    "stale_after_intervals": _number("a whole number from 1 to 100", 1, 100, integer=True),
    "source_down_after_intervals": _number("a whole number from 1 to 100", 1, 100, integer=True),
    "wall_privacy": _choice(PRIVACY_MODES),
    "wins_panel": _flag,
    "webhook_urls": _urls,
    "env": _choice(ENVIRONMENTS),
    "secret_key": _text,
    "debug": _flag,
    "require_login": _flag,
}


def _queues(table: object, defaults: dict[str, Any]) -> dict[str, QueueSettings]:
    if not isinstance(table, Mapping):
        raise SettingsError("queues", table, "a table of [queues.NAME] sections")
    allowed = {f.name for f in fields(QueueSettings)} - {"name"}
    result = {}
    for name, spec in table.items():
        if not isinstance(spec, Mapping):
            raise SettingsError(f"queues.{name}", spec, "a table with channel = ...")
        unknown = set(spec) - allowed
        if unknown:
            raise SettingsError(f"queues.{name}.{sorted(unknown)[0]}", spec[sorted(unknown)[0]],
                                "one of the keys " + ", ".join(sorted(allowed)))
        channel = _text(f"queues.{name}.channel", spec.get("channel", ""))
        seconds = _number("a number of seconds greater than 0", minimum=1e-9)
        result[str(name)] = QueueSettings(
            name=str(name), channel=channel,
            service_level_seconds=None if spec.get("service_level_seconds") is None
            else float(seconds(f"queues.{name}.service_level_seconds", spec["service_level_seconds"])),
            service_level_target=float(PARSERS["service_level_target"](
                f"queues.{name}.service_level_target",
                spec.get("service_level_target", defaults["service_level_target"]))),
            service_level_form=PARSERS["service_level_form"](
                f"queues.{name}.service_level_form",
                spec.get("service_level_form", defaults["service_level_form"])),
            response_target_seconds=None if spec.get("response_target_seconds") is None
            else float(seconds(f"queues.{name}.response_target_seconds", spec["response_target_seconds"])),
            display_name=spec.get("display_name"),
        )
    return result


def load_settings(environ: Mapping[str, str] | None = None, config_path: str | Path | None = None,
                  **overrides: Any) -> Settings:
    """Defaults, then the TOML file (``CCPULSE_CONFIG`` or ./ccpulse.toml), then ``CCPULSE_*``, then overrides."""
    environ = os.environ if environ is None else environ
    path = Path(config_path or environ.get("CCPULSE_CONFIG") or "ccpulse.toml")
    table: dict[str, Any] = {}
    if path.exists():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise SettingsError(str(path), "(file)", f"valid TOML ({error})") from None
    elif config_path or environ.get("CCPULSE_CONFIG"):
        raise SettingsError("CCPULSE_CONFIG", str(path), "the path of an existing TOML file")

    values: dict[str, Any] = {}
    for key, parse in PARSERS.items():
        if key in table:
            values[key] = parse(key, table[key])
    if "DATABASE_URL" in environ:
        values["database_url"] = _database_url("DATABASE_URL", environ["DATABASE_URL"])
    for key, parse in PARSERS.items():
        env_name = "CCPULSE_" + key.upper()
        if env_name in environ:
            values[key] = parse(env_name, environ[env_name])
    for key, value in overrides.items():
        if value is not None:
            values[key] = PARSERS[key](key, value) if key in PARSERS else value
    base = Settings()
    merged_defaults = {"service_level_target": values.get("service_level_target", base.service_level_target),
                       "service_level_form": values.get("service_level_form", base.service_level_form)}
    if "queues" in table:
        values["queues"] = _queues(table["queues"], merged_defaults)
    for key in ("service_level_seconds", "response_target_seconds"):
        if key in values:
            values[key] = {**getattr(base, key), **values[key]}
    return replace(base, **values, config_path=str(path) if path.exists() else None, raw=table)


def check_production(settings: Settings) -> None:
    """Refuse an unsafe production start: debug on, or a default or missing secret key."""
    if settings.env != "production":
        return
    if settings.debug:
        raise SettingsError("CCPULSE_DEBUG", True, "false when CCPULSE_ENV=production")
    if settings.secret_key == DEFAULT_SECRET_KEY or len(settings.secret_key) < 16:
        raise SettingsError("CCPULSE_SECRET_KEY", "(default or too short)",
                            "a random secret of 16+ characters when CCPULSE_ENV=production")
