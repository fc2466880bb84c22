"""Constants as PostgreSQL stores them: the canonical text of a typed literal.

A migration writes ``DEFAULT 'f'`` for a boolean, ``'1970-01-01'`` or ``'epoch'`` for a
timestamp, ``interval '12 months'``; PostgreSQL converts the constant to its type when
the statement runs and prints the stored value back (``false``, ``'1970-01-01 00:00:00'``,
``'1 year'``). :func:`canonical_literal` does that conversion for the types where the
spelling varies, driven by the tables below, so a new spelling is a table row; the
canonical forms are checked against a live server in ``tests/catalog/test_constants.py``.

Values whose meaning depends on when or where they are read (``'now'``, ``'today'``,
a time zone name) are left as written. A ``timestamp with time zone`` without an offset
is read in UTC, the server's default ``TimeZone``; the printed value is too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

BOOLEAN_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"), "TRUE"),
    **dict.fromkeys(("f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"), "FALSE"),
}
"""``boolin``'s accepted spellings (after trimming, any case) and the stored constant."""

INTERVAL_UNITS: dict[str, tuple[str, Decimal]] = {
    **dict.fromkeys(("microsecond", "microseconds", "us", "usec", "usecs"), ("s", Decimal("1e-6"))),
    **dict.fromkeys(("millisecond", "milliseconds", "ms", "msec", "msecs"), ("s", Decimal("1e-3"))),
    **dict.fromkeys(("second", "seconds", "s", "sec", "secs"), ("s", Decimal(1))),
    **dict.fromkeys(("minute", "minutes", "m", "min", "mins"), ("s", Decimal(60))),
    **dict.fromkeys(("hour", "hours", "h", "hr", "hrs"), ("s", Decimal(3600))),
    **dict.fromkeys(("day", "days", "d"), ("d", Decimal(1))),
    **dict.fromkeys(("week", "weeks", "w"), ("d", Decimal(7))),
    **dict.fromkeys(("month", "months", "mon", "mons"), ("m", Decimal(1))),
    **dict.fromkeys(("year", "years", "y", "yr", "yrs"), ("m", Decimal(12))),
    **dict.fromkeys(("decade", "decades"), ("m", Decimal(120))),
    **dict.fromkeys(("century", "centuries"), ("m", Decimal(1200))),
    **dict.fromkeys(("millennium", "millennia"), ("m", Decimal(12000))),
}
"""Interval unit spellings: which field they add to (months, days, seconds) and how much."""

SPECIAL_TIMESTAMPS: dict[str, str] = {"epoch": "1970-01-01 00:00:00"}
"""Special input values with a fixed meaning (``now``/``today`` depend on the moment)."""

_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?")
_OFFSET = re.compile(r"(.*?)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?|(Z|UTC))", re.IGNORECASE)
_INTERVAL_PART = re.compile(
    r"([+-]?\d+(?:\.\d+)?)\s*([a-z]+)|([+-]?)(\d+):(\d{2})(?::(\d{2}(?:\.\d+)?))?"
)


def canonical_literal(value: str, type_name: str) -> str | None:
    """The text PostgreSQL prints for the string constant ``value`` (unquoted) of the type
    ``type_name`` (as ``format_type`` prints it), quoted as a normalized expression
    (``'1 year'``, or ``TRUE``/``FALSE``); None when the type or the value is not one
    the tables cover (the caller keeps the literal as written)."""
    base = type_name.split("(")[0].strip()
    if base == "boolean":
        return BOOLEAN_SPELLINGS.get(value.strip().lower())
    if base == "interval":
        text = canonical_interval(value)
    elif base == "date":
        text = _timestamp(value, with_zone=False)
        text = text[:10] if text else None
    elif base.startswith("timestamp"):
        text = _timestamp(value, with_zone=type_name.endswith("with time zone"))
    else:
        return None
    return None if text is None else "'" + text + "'"


def _timestamp(value: str, with_zone: bool) -> str | None:
    text = SPECIAL_TIMESTAMPS.get(value.strip().lower(), value.strip())
    zone = UTC
    if with_zone:
        m = _OFFSET.fullmatch(text)
        if m and m.group(1) and _DATE.fullmatch(m.group(1)):
            text = m.group(1)
            if m.group(2):
                minutes = int(m.group(3)) * 60 + int(m.group(4) or 0)
                zone = timezone(timedelta(minutes=minutes if m.group(2) == "+" else -minutes))
    m = _DATE.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g or 0) for g in m.groups()[:6])
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
    fraction = (m.group(7) or "").rstrip("0").rstrip(".")
    if with_zone:
        moment = moment.astimezone(UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S") + fraction + "+00"
    return moment.strftime("%Y-%m-%d %H:%M:%S") + fraction


def canonical_interval(value: str) -> str | None:
    """``interval_out`` of ``value`` in the default ``IntervalStyle`` (postgres)."""
    fields = {"m": Decimal(0), "d": Decimal(0), "s": Decimal(0)}
    text = value.strip().lower()
    if text.startswith("@"):
        text = text[1:]
    if re.fullmatch(r"\s*[+-]?\d+(?:\.\d+)?\s*", text):
        text += " seconds"  # a bare number counts seconds
    pos = 0
    for m in _INTERVAL_PART.finditer(text):
        if text[pos : m.start()].strip():
            return None
        pos = m.end()
        if m.group(2) is not None:
            unit = INTERVAL_UNITS.get(m.group(2))
            if unit is None:
                return None
            try:
                fields[unit[0]] += Decimal(m.group(1)) * unit[1]
            except InvalidOperation:
                return None
        else:
            seconds = int(m.group(4)) * 3600 + int(m.group(5)) * 60 + Decimal(m.group(6) or 0)
            fields["s"] += -seconds if m.group(3) == "-" else seconds
    if text[pos:].strip() or pos == 0:
        return None
    # Fractions cascade down as PostgreSQL does: a month is 30 days, a day 24 hours.
    months, rest = divmod(fields["m"], 1)
    fields["d"] += rest * 30
    days, rest = divmod(fields["d"], 1)
    seconds = fields["s"] + rest * 86400
    return _interval_out(int(months), int(days), seconds)


def _interval_out(months: int, days: int, seconds: Decimal) -> str:
    years, months = int(months / 12), months - int(months / 12) * 12
    parts = []
    for amount, one, many in (
        (years, "year", "years"),
        (months, "mon", "mons"),
        (days, "day", "days"),
    ):
        if amount:
            parts.append(f"{amount} {one if amount == 1 else many}")
    if seconds or not parts:
        sign = "-" if seconds < 0 else ""
        seconds = abs(seconds)
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        whole, fraction = divmod(seconds, 1)
        tail = f"{fraction.normalize():f}"[1:] if fraction else ""
        parts.append(f"{sign}{int(hours):02d}:{int(minutes):02d}:{int(whole):02d}{tail}")
    return " ".join(parts)
