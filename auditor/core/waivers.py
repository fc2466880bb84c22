"""Rules on the waivers themselves: expired and stale waivers are findings.

Input: a :class:`WaiverState`, built by :mod:`auditor.core.policy` after matching every
waiver against the audit's findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.core.config import Waiver
from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule

FAMILY = "waivers"


@dataclass(frozen=True)
class WaiverState:
    """The configured waivers, how many findings each matched, and today's date."""

    waivers: tuple[Waiver, ...]
    matched: tuple[int, ...]
    """Findings matched, per waiver (same order as ``waivers``)."""
    today: dt.date
    complete: tuple[bool, ...] = ()
    """Per waiver: did its rule's family run over everything (not a partial or failed run)?
    Staleness is only judged when it did. Empty means every family ran completely."""
    config_file: str | None = None
    """The configuration file, relative to the project root where possible."""

    def location(self, waiver: Waiver) -> Location:
        return Location(file=self.config_file, line=waiver.line, object=f"waiver:{waiver.rule}")


def _key(waiver: Waiver) -> str:
    return f"{waiver.describe()}|{waiver.expires.isoformat()}"


@rule("WVR001", FAMILY, Severity.MEDIUM, "Waivers are renewed or removed before they expire")
def expired_waiver(state: WaiverState) -> Iterator[Hit]:
    """A waiver's expiry date has passed: it no longer applies.

    The findings it used to accept count again (and fail the gate at the threshold);
    the expired waiver is reported so someone decides: fix the finding, or renew
    the waiver with a new reason and date.

    Bad:

        # pyproject.toml
        [[tool.auditor.waivers]]
        rule = "MIG004"
        reason = "legacy migration, cannot be reverted"
        expires = 2024-01-31        # in the past

    Good:

        # pyproject.toml
        [[tool.auditor.waivers]]
        rule = "MIG004"
        reason = "legacy migration, cannot be reverted; ticket DB-42"
        expires = 2030-06-30
    """
    for waiver, matched in zip(state.waivers, state.matched, strict=True):
        if waiver.expires < state.today:
            yield Hit(
                message=(
                    f"waiver for {waiver.describe()} expired on {waiver.expires.isoformat()}; "
                    f"the {matched} finding(s) it matches count again"
                ),
                location=state.location(waiver),
                fix="fix the finding, or renew the waiver with a current reason and a new date",
                key=_key(waiver),
                evidence=(("reason", waiver.reason), ("expires", waiver.expires.isoformat())),
            )


@rule("WVR002", FAMILY, Severity.LOW, "Every waiver still matches a finding")
def stale_waiver(state: WaiverState) -> Iterator[Hit]:
    """A waiver (not expired) matched no finding in this audit: it is stale.

    The problem was fixed, or the scope no longer matches; a stale waiver would
    silently accept a future regression, so it should be removed.

    Bad:

        # pyproject.toml
        [[tool.auditor.waivers]]
        rule = "MIG004"
        path = "migrations/2020-*"  # those migrations now have a down.sql
        reason = "legacy"
        expires = 2030-01-01

    Good:

        # pyproject.toml (delete the waiver once its finding is fixed; this one still matches)
        [[tool.auditor.waivers]]
        rule = "MIG004"
        path = "migrations/2024-01-01-*"   # still no down.sql
        reason = "legacy"
        expires = 2030-01-01
    """
    complete = state.complete or (True,) * len(state.waivers)
    for waiver, matched, judged in zip(state.waivers, state.matched, complete, strict=True):
        if judged and waiver.expires >= state.today and matched == 0:
            yield Hit(
                message=f"waiver for {waiver.describe()} matched no finding (stale)",
                location=state.location(waiver),
                fix="remove the waiver (or correct its scope)",
                key=_key(waiver),
                evidence=(("reason", waiver.reason), ("expires", waiver.expires.isoformat())),
            )
