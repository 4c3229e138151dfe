"""Asterisk ``queue_log`` rows to ``QueueEvent``: the flat file, the database table, PBXware's export.

Every layout is normalised to stock Asterisk's ``data1..data5`` order (see
``shared/data/asterisk/EVENTS.md``), so one state machine (``queue_state``)
interprets them all. Units: the event time is UTC epoch seconds (or a time in the
source's zone for a table whose ``time`` column is a timestamp); holdtime, waittime
and calltime are seconds; RINGNOANSWER's ring time is milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from collectors.sources.validate import RecordError
from collectors.sources.values import to_datetime, to_seconds

STOCK_COLUMNS = {"time": "time", "callid": "callid", "queue": "queuename", "agent": "agent", "event": "event",
                 "data1": "data1", "data2": "data2", "data3": "data3", "data4": "data4", "data5": "data5"}
PBXWARE_COLUMNS = {"time": "date_time", "callid": "callid", "queue": "queue_name", "agent": "type",
                   "event": "event", "param1": "param1", "param2": "param2", "param3": "param3",
                   "entpos": "entpos", "expos": "expos", "htime": "htime", "ttime": "ttime"}
LAYOUTS = {"asterisk": STOCK_COLUMNS, "pbxware": PBXWARE_COLUMNS}

# index (0-based, into data1..data5) of the wait before answer and of the talk time, per verb
WAIT_INDEX = {"CONNECT": 0, "COMPLETECALLER": 0, "COMPLETEAGENT": 0, "ABANDON": 2, "EXITWITHTIMEOUT": 2,
              "EXITEMPTY": 2, "EXITWITHKEY": 3, "TRANSFER": 2, "BLINDTRANSFER": 2, "ATTENDEDTRANSFER": 2}
TALK_INDEX = {"COMPLETECALLER": 1, "COMPLETEAGENT": 1, "TRANSFER": 3, "BLINDTRANSFER": 3, "ATTENDEDTRANSFER": 3}


@dataclass(frozen=True)
class QueueEvent:
    """One queue_log row. ``data`` is in stock order; absent trailing fields are simply missing."""

    at: datetime
    callid: str
    queue: str
    agent: str
    verb: str
    data: tuple[str, ...]
    location: str

    def field(self, index: int) -> str:
        return self.data[index].strip() if index < len(self.data) else ""

    def seconds(self, index_by_verb: Mapping[str, int], unit: str = "s") -> float | None:
        """The duration at the verb's index, in seconds; None when absent or empty."""
        index = index_by_verb.get(self.verb)
        raw = self.field(index) if index is not None else ""
        if not raw:
            return None
        try:
            return to_seconds(raw, unit)
        except ValueError as error:
            raise RecordError(f"data{index + 1}", str(error)) from None

    @property
    def wait_seconds(self) -> float | None:
        return self.seconds(WAIT_INDEX)

    @property
    def talk_seconds(self) -> float | None:
        return self.seconds(TALK_INDEX)

    @property
    def caller(self) -> str:
        """ENTERQUEUE's caller ID number (personal data: never log it)."""
        return self.field(1) if self.verb == "ENTERQUEUE" else ""


def parse_line(line: str, location: str) -> QueueEvent:
    """A flat-file line ``epoch|callid|queue|agent|event|data1..``; ``RecordError`` when malformed."""
    parts = line.rstrip("\r\n").split("|")
    if len(parts) < 5:
        raise RecordError("line", f"malformed queue_log line ({len(parts)} fields, at least 5 expected)")
    try:
        at = to_datetime(parts[0], "epoch", ZoneInfo("UTC"))
    except ValueError as error:
        raise RecordError("time", str(error)) from None
    return QueueEvent(at=at, callid=parts[1].strip(), queue=parts[2].strip(), agent=parts[3].strip(),
                      verb=parts[4].strip().upper(), data=tuple(parts[5:]), location=location)


def _pbxware_data(verb: str, get) -> tuple[str, ...]:
    """PBXware keeps holdtime/talk time in ``htime``/``ttime`` and positions in ``entpos``/``expos``."""
    if verb == "ENTERQUEUE":
        return ("", get("param1"), get("entpos"))
    if verb == "CONNECT":
        return (get("htime"), get("param2"), get("param3"))
    if verb in ("COMPLETECALLER", "COMPLETEAGENT"):
        return (get("htime"), get("ttime"), get("entpos"))
    if verb in ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY"):
        return (get("expos"), get("entpos"), get("htime"))
    if verb == "EXITWITHKEY":
        return (get("param1"), get("expos"), get("entpos"), get("htime"))
    if verb in ("TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"):
        return (get("param1"), get("param2"), get("htime"), get("ttime"), get("entpos"))
    if verb in ("RINGNOANSWER", "RINGCANCELED"):
        return (get("htime"),)
    return (get("param1"), get("param2"), get("param3"))


def event_from_row(row: Mapping[str, Any], location: str, layout: str = "asterisk",
                   columns: Mapping[str, str] | None = None, time_format: str = "epoch",
                   tz: ZoneInfo | None = None) -> QueueEvent:
    """A table row (a dict of column → value) as an event.

    ``layout``: ``asterisk`` (data1..data5) or ``pbxware``; ``columns`` renames the
    layout's logical columns; ``time_format`` reads the time column (``epoch`` by default,
    or a format for a timestamp column, local in ``tz``).
    """
    names = {**LAYOUTS[layout], **(columns or {})}

    def get(logical: str) -> str:
        value = row.get(names[logical]) if logical in names else None
        return "" if value is None else str(value).strip()

    for required in ("time", "event"):
        if names[required] not in row:
            raise RecordError(required, f"column {names[required]!r} is missing")
    try:
        at = to_datetime(row[names["time"]], time_format, tz or ZoneInfo("UTC"))
    except (ValueError, TypeError) as error:
        raise RecordError("time", str(error)) from None
    verb = get("event").upper()
    data = (_pbxware_data(verb, get) if layout == "pbxware"
            else tuple(get(f"data{i}") for i in range(1, 6)))
    return QueueEvent(at=at, callid=get("callid"), queue=get("queue"), agent=get("agent"), verb=verb,
                      data=data, location=location)
