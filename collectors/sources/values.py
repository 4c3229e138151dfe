"""Raw input values to typed ones: times (local or UTC, text or epoch), durations in named units.

Pure functions; every unit decision is an argument, never a guess. Raw values are
text (CSV, flat files) or already typed (JSON numbers, SQL columns). A value that
cannot be read raises ``ValueError`` with a message that quotes times and numbers
but never free text.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

DURATION_UNITS = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0}
DURATION_FORMATS = tuple(DURATION_UNITS) + ("hh:mm:ss",)
EPOCH_FORMATS = {"epoch": 1.0, "epoch_ms": 0.001}
TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y"})
FALSE_WORDS = frozenset({"0", "false", "f", "no", "n"})


def _short(raw: object) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(raw: object) -> float:
    """A finite number: "nan" and "inf" are refused (they would poison every sum they enter)."""
    if isinstance(raw, bool):
        raise ValueError(f"not a number: {raw!r}")
    try:
        number = float(raw) if isinstance(raw, (int, float, Decimal)) else float(str(raw).strip())
    except ValueError:
        raise ValueError(f"not a number: {_short(raw)!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {_short(raw)!r}")
    return number


def to_datetime(raw: object, fmt: str, tz: ZoneInfo | timezone) -> datetime:
    """An aware UTC datetime.

    ``fmt``: ``epoch`` (UTC seconds, fractions allowed), ``epoch_ms`` (UTC milliseconds),
    ``iso`` (ISO 8601; without an offset it is local time in ``tz``), or a ``strptime``
    format read as local time in ``tz``. A naive ``datetime`` (from SQL) is local in ``tz``;
    an aware one keeps its offset. Daylight-saving gaps and folds take the first reading.
    """
    if isinstance(raw, datetime):
        value = raw
    elif fmt in EPOCH_FORMATS:
        seconds = _number(raw) * EPOCH_FORMATS[fmt]
        if not 0 <= seconds < 253402300800:  # year 1970 to 9999
            raise ValueError(f"epoch {_short(raw)} out of range for {fmt}")
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    elif isinstance(raw, date):
        value = datetime.combine(raw, time())
    else:
        text = str(raw).strip()
        try:
            value = datetime.fromisoformat(text) if fmt == "iso" else datetime.strptime(text, fmt)
        except ValueError:
            raise ValueError(f"time {_short(text)!r} does not match format {fmt!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(timezone.utc)


def to_seconds(raw: object, unit: str) -> float:
    """A duration in seconds. ``unit``: s, ms, min, h, or hh:mm:ss (also h:mm:ss and mm:ss).

    Negative values are returned as they are; the validation decides what to do with them.
    """
    if isinstance(raw, timedelta):
        return raw.total_seconds()
    if isinstance(raw, time):
        return raw.hour * 3600.0 + raw.minute * 60.0 + raw.second + raw.microsecond / 1e6
    if unit == "hh:mm:ss":
        text = str(raw).strip()
        sign = -1.0 if text.startswith("-") else 1.0
        parts = text.lstrip("-").split(":")
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            numbers = []
        if len(numbers) not in (2, 3) or any(n < 0 for n in numbers):
            raise ValueError(f"duration {_short(raw)!r} is not hh:mm:ss")
        seconds = 0.0
        for number in numbers:
            seconds = seconds * 60.0 + number
        return sign * seconds
    if unit not in DURATION_UNITS:
        raise ValueError(f"unknown duration unit {unit!r}")
    return _number(raw) * DURATION_UNITS[unit]


def to_int(raw: object) -> int:
    """A whole number; ``3.0`` is 3, ``3.5`` is an error."""
    number = _number(raw)
    if number != int(number):
        raise ValueError(f"not a whole number: {_short(raw)!r}")
    return int(number)


def to_bool(raw: object) -> bool:
    """True/false from a bool or yes/no, y/n, true/false, t/f, 1/0 (any case)."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(f"not a yes/no value: {_short(raw)!r}")


def to_text(raw: object) -> str:
    """Text without surrounding blanks; numbers as written (``12.0`` from JSON stays ``12.0``)."""
    return str(raw).strip()
