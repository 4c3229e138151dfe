"""``build_source``: a source from its ``[[sources]]`` table in ccpulse.toml.

Kinds and their keys (``name`` and ``kind`` always; ``queues`` optional everywhere: the
allowed queue names, others are rejected):

| kind | required | optional |
| --- | --- | --- |
| asterisk_file | path | max_lines |
| asterisk_table | url | table (queue_log), key (id), layout (asterisk/pbxware), columns, time_format (iso), timezone, batch_size |
| files | path, mapping | timezone, chunk |
| drop_folder | folder, mapping | pattern (*), timezone, chunk |
| sql | url, table, key, mapping | timezone, batch_size, schema |

A bad spec raises ``SettingsError`` naming ``sources[<name>].<key>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collectors.sources.asterisk import AsteriskFileSource, AsteriskTableSource
from collectors.sources.base import Source
from collectors.sources.files import DropFolderSource, FileSource
from collectors.sources.mapping import load_mapping
from collectors.sources.queue_log import LAYOUTS
from collectors.sources.sql import SqlSource
from dashboard.settings import Settings, SettingsError

KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "asterisk_file": (("path",), ("max_lines",)),
    "asterisk_table": (("url",), ("table", "key", "layout", "columns", "time_format", "timezone", "batch_size")),
    "files": (("path", "mapping"), ("timezone", "chunk")),
    "drop_folder": (("folder", "mapping"), ("pattern", "timezone", "chunk")),
    "sql": (("url", "table", "key", "mapping"), ("timezone", "batch_size", "schema")),
}
COMMON = ("name", "kind", "queues")


def _check(spec: Mapping[str, Any]) -> str:
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        raise SettingsError("sources[].name", name, "a non-empty source name of up to 64 characters")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise SettingsError(f"sources[{name}].kind", kind, "one of " + ", ".join(KINDS))
    required, optional = KINDS[kind]
    for key in required:
        if not spec.get(key):
            raise SettingsError(f"sources[{name}].{key}", spec.get(key), f"a value (required for kind {kind})")
    unknown = sorted(set(spec) - set(required) - set(optional) - set(COMMON))
    if unknown:
        raise SettingsError(f"sources[{name}].{unknown[0]}", spec[unknown[0]],
                            "one of the keys " + ", ".join(COMMON + required + optional))
    return name


def _options(spec: Mapping[str, Any], name: str) -> dict[str, Any]:
    options = {k: v for k, v in spec.items() if k not in ("name", "kind", "mapping")}
    if "timezone" in options:
        try:
            ZoneInfo(str(options["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"sources[{name}].timezone", options["timezone"],
                                "an IANA time zone name such as Europe/Berlin") from None
    if "queues" in options and not (isinstance(options["queues"], list)
                                    and all(isinstance(q, str) for q in options["queues"])):
        raise SettingsError(f"sources[{name}].queues", options["queues"], "a list of queue names")
    for key in ("max_lines", "chunk", "batch_size"):
        if key in options and not (isinstance(options[key], int) and options[key] > 0):
            raise SettingsError(f"sources[{name}].{key}", options[key], "a whole number greater than 0")
    if options.get("layout", "asterisk") not in LAYOUTS:
        raise SettingsError(f"sources[{name}].layout", options["layout"], "one of " + ", ".join(LAYOUTS))
    return options


def _path(settings: Settings, value: str) -> Path:
    """A path relative to the folder of ccpulse.toml (or the working folder)."""
    path = Path(value).expanduser()
    if not path.is_absolute() and settings.config_path:
        path = Path(settings.config_path).parent / path
    return path


BUILDERS: dict[str, Callable[..., Source]] = {
    "asterisk_file": lambda name, o, s, m: AsteriskFileSource(name, _path(s, o.pop("path")), **o),
    "asterisk_table": lambda name, o, s, m: AsteriskTableSource(name, o.pop("url"), **o),
    "files": lambda name, o, s, m: FileSource(name, _path(s, o.pop("path")), m, **o),
    "drop_folder": lambda name, o, s, m: DropFolderSource(name, _path(s, o.pop("folder")), m, **o),
    "sql": lambda name, o, s, m: SqlSource(name, o.pop("url"), o.pop("table"), o.pop("key"), m, **o),
}


def build_source(spec: Mapping[str, Any], settings: Settings) -> Source:
    """The source a ``[[sources]]`` table describes; ``SettingsError`` on a bad spec or mapping."""
    name = _check(spec)
    options = _options(spec, name)
    mapping = load_mapping(_path(settings, spec["mapping"])) if "mapping" in spec else None
    return BUILDERS[spec["kind"]](name, options, settings, mapping)
