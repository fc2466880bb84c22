"""PostgreSQL major versions: end of community support and the latest minor release.

Kept in the package so that the audit needs no network. Update it with every
quarterly minor release (second Thursday of February, May, August, November).

Sources, as of :data:`AS_OF`:

- end-of-life dates: https://www.postgresql.org/support/versioning/ (a major version
  is supported for five years; its last minor release comes in November of its
  fifth year, and the dates below are those release days);
- latest minors: the PostgreSQL release announcements up to the 2026-11 quarterly
  release. Cross-checked: the May 2026 release was 18.4 / 17.10 / 16.14 / 15.18 / 14.23,
  and Debian bookworm ships 15.20 (the November 2026 release); the August and November
  2026 releases each add one minor to every supported branch. PostgreSQL 19 (released
  September 2026) is listed with its first update, 19.1; its end-of-life month is the
  policy's, its day an estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

AS_OF = date(2026, 11, 25)
"""The day this table was last checked against the sources above."""


@dataclass(frozen=True)
class MajorVersion:
    """One PostgreSQL major version."""

    major: int
    end_of_life: date
    """Day of the final minor release; unsupported after it."""
    latest_minor: int
    """The newest minor release known on :data:`AS_OF` (e.g. 20 for 15.20)."""


VERSIONS: tuple[MajorVersion, ...] = (
    MajorVersion(10, date(2022, 11, 10), 23),
    MajorVersion(11, date(2023, 11, 9), 22),
    MajorVersion(12, date(2024, 11, 21), 22),
    MajorVersion(13, date(2025, 11, 13), 23),
    MajorVersion(14, date(2026, 11, 12), 25),
    MajorVersion(15, date(2027, 11, 11), 20),
    MajorVersion(16, date(2028, 11, 9), 16),
    MajorVersion(17, date(2029, 11, 8), 12),
    MajorVersion(18, date(2030, 11, 14), 6),
    MajorVersion(19, date(2031, 11, 13), 1),
)

OLDEST_KNOWN = VERSIONS[0].major


def major_version(major: int) -> MajorVersion | None:
    """The table's entry for ``major``, or None when the tool does not know it."""
    for item in VERSIONS:
        if item.major == major:
            return item
    return None


def split_version_num(version_num: int) -> tuple[int, int]:
    """``server_version_num`` as (major, minor): 150020 → (15, 20).

    Before 10 the major had two parts (90624 is 9.6.24); those come out as (9, 24),
    which is enough to place them before every supported version.
    """
    return version_num // 10000, version_num % 100
