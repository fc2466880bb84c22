"""Run check families and assemble the :class:`~auditor.core.findings.Report`.

A family is one area of the audit (schema, migrations, secrets, ...). The engine
isolates a family that raised: its failure becomes an error entry (exit 2), never
a crash and never a pass.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from auditor import __version__
from auditor.core import interrupt
from auditor.core.config import Config
from auditor.core.findings import AuditError, FamilyResult, Metadata, Report, Severity
from auditor.db.dsn import scrub
from auditor.db.target import DatabaseTarget


@dataclass(frozen=True)
class AuditContext:
    """Everything a family may read: no family opens its own inputs."""

    project: Path
    """The audited project root."""
    migrations: Path
    """The migrations directory."""
    config: Config = field(default_factory=Config)
    database: DatabaseTarget | None = None
    """The database to audit, or None when the audit runs without one."""
    fail_on: Severity = Severity.HIGH
    profile: str = "full"
    """The profile's name (``pre-push``, ``ci``, ``full``): see :mod:`auditor.core.profiles`."""
    changed_since: str | None = None
    """Look only at what changed since this git commit/ref (pre-push: the remote's tip),
    or None for everything. An all-new push gives the parent of its first commit, or the
    empty tree."""
    changed_until: str | None = None
    """The commit the changed range ends at (the pushed sha), or None for HEAD."""
    offline: bool = False
    """True when the profile forbids network access."""


class Family(abc.ABC):
    """One area of the audit."""

    name: str = ""
    """Stable short name used by ``--only``/``--skip`` and in reports."""
    title: str = ""
    """Human title for reports."""
    needs_database: bool = False
    """True when the family cannot run without a live database."""

    def prepare(self, ctx: AuditContext) -> tuple[str, ...]:
        """Before any family runs: refuse a database this family must not touch (raise
        an expected error: exit 2, one line), and return notices for the report."""
        return ()

    @abc.abstractmethod
    def run(self, ctx: AuditContext) -> FamilyResult:
        """Check the project and return what was found, skipped and verified."""


def now_iso() -> str:
    """The current UTC time, ISO-8601, second precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def run_families(
    families: list[Family], ctx: AuditContext, notices: tuple[str, ...] = ()
) -> Report:
    """Run ``families`` in order and build the report."""
    started = now_iso()
    results: list[FamilyResult] = []
    for family in families:
        try:
            results.append(family.run(ctx))
            interrupt.check()  # a signal some library turned into an error stops the run
        except Exception as exc:  # isolate: a family that raised is an error, not a pass
            interrupt.check()
            message = f"{family.name} failed: {type(exc).__name__}: {exc}"
            if ctx.database is not None:
                message = scrub(message, ctx.database.dsn)
            results.append(
                FamilyResult(
                    family=family.name,
                    title=family.title,
                    errors=(AuditError(family.name, message),),
                )
            )
    metadata = Metadata(
        tool_version=__version__,
        started_at=started,
        finished_at=now_iso(),
        project=str(ctx.project),
        target=ctx.database.label if ctx.database else None,
        fail_on=ctx.fail_on,
        notices=notices,
    )
    return Report(metadata=metadata, families=tuple(results))
