"""The canonical forms of constants.py against a live server's own output, per type."""

from __future__ import annotations

import psycopg

from auditor.catalog.constants import BOOLEAN_SPELLINGS, canonical_literal

SPELLINGS: dict[str, list[str]] = {
    "boolean": [*BOOLEAN_SPELLINGS, " T ", "Yes", "OFF"],
    "interval": [
        "12 months", "1 year 2 months", "90 seconds", "1.5 days", "1 week", "2 weeks 1 day",
        "25 hours", "-1 day", "-3 hours", "100 ms", "0", "0 seconds", "1 day -02:00",
        "1 year 2 mons 3 days 04:05:06.5", "30 minutes", "1 decade", "1.5 months", "3 mins",
        "@ 1 hour", "7 days 12:00", "1 century", "2 hrs 3 secs",
    ],
    "timestamp without time zone": [
        "1970-01-01", "epoch", "2030-01-01 12:30", "2030-01-01 12:30:15.250", "2024-02-29T08:00:00",
    ],
    "timestamp with time zone": [
        "1970-01-01", "epoch", "2030-01-01 12:30+02", "2030-01-01 12:30:00-05:30",
        "2030-06-01 00:00:00.5Z", "2030-01-01 00:00 UTC",
    ],
    "date": ["1970-01-01", "epoch", "2030-1-2"],
}  # fmt: skip
"""Spellings generated per type: each must come out as the server stores it."""


def test_canonical_forms_match_the_server(fresh_db: str) -> None:
    with psycopg.connect(fresh_db, options="-c TimeZone=UTC -c IntervalStyle=postgres") as conn:
        for type_name, values in SPELLINGS.items():
            for value in values:
                row = conn.execute(f"SELECT (%s::{type_name})::text", (value,)).fetchone()
                assert row is not None
                printed = str(row[0])
                expected = printed.upper() if type_name == "boolean" else f"'{printed}'"
                assert canonical_literal(value, type_name) == expected, (type_name, value)


def test_values_that_depend_on_the_moment_stay_as_written() -> None:
    for value in ("now", "today", "tomorrow", "allballs", "not a date"):
        assert canonical_literal(value, "timestamp with time zone") is None
    assert canonical_literal("maybe", "boolean") is None
    assert canonical_literal("12 fortnights", "interval") is None
    assert canonical_literal("x", "text") is None
