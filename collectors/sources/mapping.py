"""Column mappings: a TOML file saying how a file's or table's columns become record fields.

See ``docs/sources.md`` ("Writing a mapping") for the format. ``load_mapping``
checks the whole file up front and raises ``MappingError`` naming the key, so a
bad mapping stops an import before the first row. ``evaluate`` turns one raw row
(a dict of column → value) into typed field values; it is pure.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collectors.sources.validate import RecordError
from collectors.sources.values import DURATION_FORMATS, to_bool, to_datetime, to_int, to_seconds, to_text
from dashboard.settings import SettingsError

CONTACT_FIELDS = {
    "source_id": "text", "channel": "text", "queue": "text", "customer_id": "text", "direction": "text",
    "arrived_at": "datetime", "answered_at": "datetime", "abandoned_at": "datetime", "ended_at": "datetime",
    "wrap_seconds": "duration", "hold_seconds": "duration", "agent_id": "text", "transfer_count": "int",
    "resolved": "bool", "topic": "text",
}
SURVEY_FIELDS = {"source_id": "text", "contact_source_id": "text", "kind": "text", "score": "int",
                 "responded_at": "datetime", "comment": "text"}
STATE_FIELDS = {"source_id": "text", "agent_id": "text", "state": "text", "reason": "text",
                "started_at": "datetime", "ended_at": "datetime"}
SECTIONS = {"contact": CONTACT_FIELDS, "survey": SURVEY_FIELDS, "agent_state": STATE_FIELDS}
RECORDS = ("contacts", "agent_states", "surveys", "queue_log")
SPEC_KEYS = {"column", "columns", "join", "value", "field", "after", "format", "unit", "timezone",
             "map", "null", "when", "fallback"}


class MappingError(SettingsError):
    """A mapping that cannot be used; the message names the file, the key and what is allowed."""


@dataclass(frozen=True)
class FieldSpec:
    """How one field is read. Exactly one of column(s), value, field is the origin."""

    name: str
    kind: str
    columns: tuple[str, ...] = ()
    join: str = " "
    value: Any = None
    copy: str | None = None  # another field already evaluated
    after: str | None = None  # datetime = that field + this duration
    format: str | None = None
    unit: str | None = None
    tz: ZoneInfo | None = None
    value_map: Mapping[str, Any] | None = None
    null: frozenset[str] = frozenset({""})
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fallback: "FieldSpec | None" = None


@dataclass(frozen=True)
class Mapping_:
    """A loaded mapping: the file layout, the skip rules and a spec per field per section."""

    name: str
    path: str
    format: str = "csv"
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    timezone: str = "UTC"
    record: str = "contacts"
    emit_agents: bool = False
    skips: tuple[tuple[Mapping[str, tuple[str, ...]], str], ...] = ()
    sections: Mapping[str, tuple[FieldSpec, ...]] = field(default_factory=dict)
    queue_log: Mapping[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _fail(path: str, key: str, value: object, allowed: str) -> MappingError:
    return MappingError(f"{path}: {key}", value, allowed)


def _zone(path: str, key: str, value: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(path, key, value, "an IANA time zone name such as Asia/Jerusalem or UTC") from None


def _condition(path: str, key: str, table: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, Mapping):
        raise _fail(path, key, table, "a table of column = value or [values]")
    return {str(k): tuple(str(v) for v in (vs if isinstance(vs, list) else [vs])) for k, vs in table.items()}


def _spec(path: str, key: str, name: str, kind: str, table: object) -> FieldSpec:
    if not isinstance(table, Mapping):
        table = {"column": table} if isinstance(table, str) else {}
    unknown = set(table) - SPEC_KEYS
    if unknown:
        raise _fail(path, f"{key}.{sorted(unknown)[0]}", "(key)", "one of " + ", ".join(sorted(SPEC_KEYS)))
    columns = table.get("columns") or ([table["column"]] if "column" in table else [])
    origins = [bool(columns), "value" in table, "field" in table]
    if sum(origins) != 1:
        raise _fail(path, key, dict(table), "exactly one of column, columns, value or field")
    if "after" in table and kind != "datetime":
        raise _fail(path, f"{key}.after", table["after"], "only on a time field")
    if kind == "duration" or "after" in table:
        if columns and table.get("unit") not in DURATION_FORMATS:
            raise _fail(path, f"{key}.unit", table.get("unit"), "one of " + ", ".join(DURATION_FORMATS))
    elif kind == "datetime" and columns and not table.get("format"):
        raise _fail(path, f"{key}.format", None, "epoch, epoch_ms, iso or a strptime format like %Y-%m-%d %H:%M")
    null = table.get("null", [""])
    return FieldSpec(
        name=name, kind=kind, columns=tuple(str(c) for c in columns), join=str(table.get("join", " ")),
        value=table.get("value"), copy=table.get("field"), after=table.get("after"),
        format=table.get("format"), unit=table.get("unit"),
        tz=_zone(path, f"{key}.timezone", table["timezone"]) if "timezone" in table else None,
        value_map=table.get("map"), null=frozenset(str(n) for n in (null if isinstance(null, list) else [null])),
        when=_condition(path, f"{key}.when", table["when"]) if "when" in table else {},
        fallback=_spec(path, f"{key}.fallback", name, kind, table["fallback"]) if "fallback" in table else None,
    )


def _section(path: str, section: str, table: object, known: set[str]) -> tuple[FieldSpec, ...]:
    if not isinstance(table, Mapping):
        raise _fail(path, section, table, "a table of field = { column = ... }")
    kinds = SECTIONS[section]
    specs, seen = [], set(known)
    for name, spec_table in table.items():
        if name not in kinds:
            raise _fail(path, f"{section}.{name}", "(field)", "one of " + ", ".join(kinds))
        spec = _spec(path, f"{section}.{name}", name, kinds[name], spec_table)
        for ref in (spec.copy, spec.after):
            if ref is not None and ref not in seen:
                raise _fail(path, f"{section}.{name}", ref, "a field defined above this one (or a contact field)")
        specs.append(spec)
        seen.add(name)
    return tuple(specs)


def parse_mapping(table: Mapping[str, Any], path: str = "(mapping)") -> Mapping_:
    """A mapping from its parsed TOML; raises ``MappingError`` on the first bad key."""
    source = table.get("source", {})
    record = source.get("record", "contacts")
    if record not in RECORDS:
        raise _fail(path, "source.record", record, "one of " + ", ".join(RECORDS))
    fmt = source.get("format", "csv")
    if fmt not in ("csv", "jsonl"):
        raise _fail(path, "source.format", fmt, "csv or jsonl")
    _zone(path, "source.timezone", source.get("timezone", "UTC"))
    skips = tuple((_condition(path, f"skip[{i}].when", rule.get("when")), str(rule.get("reason", "skip rule")))
                  for i, rule in enumerate(table.get("skip", [])))
    contact_names = set(table.get("contact", {})) if isinstance(table.get("contact"), Mapping) else set()
    sections = {name: _section(path, name, table[name], contact_names if name == "survey" else set())
                for name in SECTIONS if name in table}
    needed = {"contacts": "contact", "agent_states": "agent_state", "surveys": "survey"}.get(record)
    if needed and needed not in sections:
        raise _fail(path, needed, None, f"a [{needed}] table for record = {record!r}")
    return Mapping_(
        name=str(source.get("name") or Path(path).stem), path=path, format=fmt,
        delimiter="\t" if source.get("delimiter") == "tab" else str(source.get("delimiter", ",")),
        encoding=str(source.get("encoding", "utf-8-sig")), timezone=str(source.get("timezone", "UTC")),
        record=record, emit_agents=bool(source.get("emit_agents", False)), skips=skips, sections=sections,
        queue_log=dict(table.get("queue_log", {})),
    )


def load_mapping(path: str | Path) -> Mapping_:
    """Read and check a mapping file."""
    path = Path(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _fail(str(path), "(file)", str(path), "the path of an existing mapping file") from None
    except tomllib.TOMLDecodeError as error:
        raise _fail(str(path), "(file)", "(content)", f"valid TOML ({error})") from None
    return parse_mapping(table, str(path))


def columns_used(mapping: Mapping_) -> set[str]:
    """Every column a record field reads (fallbacks included), to check a CSV header against."""
    def walk(spec: FieldSpec | None) -> set[str]:
        return set() if spec is None else set(spec.columns) | walk(spec.fallback)

    return {c for specs in mapping.sections.values() for spec in specs for c in walk(spec)}


def matches(condition: Mapping[str, tuple[str, ...]], row: Mapping[str, Any]) -> bool:
    """Whether every column named in the condition holds one of its listed values."""
    return all(str(row.get(column, "")).strip() in values for column, values in condition.items())


def skip_reason(mapping: Mapping_, row: Mapping[str, Any]) -> str | None:
    """The reason of the first skip rule the row matches, or None."""
    return next((reason for condition, reason in mapping.skips if matches(condition, row)), None)


def _raw(spec: FieldSpec, row: Mapping[str, Any]) -> Any:
    values = []
    for column in spec.columns:
        value = row.get(column)  # a key absent from a JSON line is null; CSV headers are checked up front
        if value is None or (isinstance(value, str) and value.strip() in spec.null) or str(value) in spec.null:
            return None
        values.append(value)
    return values[0] if len(values) == 1 else spec.join.join(str(v).strip() for v in values)


def _convert(spec: FieldSpec, raw: Any, tz: ZoneInfo, known: Mapping[str, Any]) -> Any:
    if spec.value_map is not None and not isinstance(raw, bool):
        key = str(raw).strip()
        if key not in spec.value_map:
            raise RecordError(spec.name, "value not in the mapping's map (expected one of "
                              + ", ".join(map(str, spec.value_map)) + ")")
        raw = spec.value_map[key]
    if spec.after is not None:
        base = known.get(spec.after)
        return None if base is None else base + timedelta(seconds=to_seconds(raw, spec.unit or "s"))
    if spec.kind == "datetime":
        return to_datetime(raw, spec.format or "iso", spec.tz or tz)
    if spec.kind == "duration":
        return to_seconds(raw, spec.unit or "s")
    return {"int": to_int, "bool": to_bool, "text": to_text}[spec.kind](raw)


def evaluate_one(spec: FieldSpec, row: Mapping[str, Any], tz: ZoneInfo, known: Mapping[str, Any]) -> Any:
    """One field's value (None when absent, not applicable, or null); ``RecordError`` when malformed."""
    if spec.when and not matches(spec.when, row):
        return None
    if spec.copy is not None:
        raw = known.get(spec.copy)
        if raw is None or spec.after is None and spec.value_map is None:
            return raw
    else:
        raw = spec.value if spec.value is not None else _raw(spec, row)
    if raw is None:
        return evaluate_one(spec.fallback, row, tz, known) if spec.fallback else None
    try:
        return _convert(spec, raw, tz, known)
    except (ValueError, TypeError) as error:
        if isinstance(error, RecordError):
            raise
        raise RecordError(spec.name, str(error)) from None


def evaluate(specs: tuple[FieldSpec, ...], row: Mapping[str, Any], tz: ZoneInfo,
             known: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The fields of one section, in the mapping's order; a field may use those above it and ``known``."""
    values: dict[str, Any] = dict(known or {})
    result: dict[str, Any] = {}
    for spec in specs:
        values[spec.name] = result[spec.name] = evaluate_one(spec, row, tz, values)
    return result
