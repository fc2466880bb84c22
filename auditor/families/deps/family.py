"""The ``dependencies`` family: known-vulnerable or unauditable pins (pip-audit, OSV)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.core.config import ConfigError
from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Severity, Skipped, Verified
from auditor.core.rules import Rule, registered, run_rules
from auditor.families.deps.inventory import inventory
from auditor.families.deps.rules import FAMILY, ignored
from auditor.families.deps.services.errors import DatabaseError, ServiceUnreachable
from auditor.families.deps.settings import DepsSettings, load_settings
from auditor.families.deps.sources.detect import detect_inputs
from auditor.families.deps.sources.interface import SourceError
from auditor.families.deps.sources.registry import names

if TYPE_CHECKING:
    from auditor.families.deps.collect import DepsRun, Inputs

TITLE = "Dependencies"

DEPS_ERRORS: tuple[type[Exception], ...] = (SourceError, DatabaseError, ServiceUnreachable)
"""What makes a dependency audit incomplete (exit 2) rather than a finding."""

RULE_MODULES = ("auditor.families.deps.rules",)
"""The modules that register the DEP rules: a dependency audit imports no other family's rules."""


def deps_rules() -> list[Rule]:
    """The DEP rules with a check, ordered by id."""
    return [r for r in registered(FAMILY, RULE_MODULES) if r.check is not None]


def family_result(run: DepsRun) -> FamilyResult:
    """Run the DEP rules on a finished audit and assemble the family's result."""
    audit = run.audit
    findings, errors = run_rules(deps_rules(), audit)
    skipped = [Skipped(FAMILY, what, reason) for what, reason in run.exempted]
    notes = [f"vulnerability service: {run.service}"]
    if run.inputs:
        notes.append(f"inputs: {', '.join(run.inputs)}")
    notes += [
        f"ignored {advisory.id} in {dep.pin.label} until {ignore.expires.isoformat()}: {ignore.reason}"
        for dep, advisory, ignore in ignored(audit)
    ]
    if run.warnings:
        shown = "; ".join(run.warnings[:5])
        more = f" (and {len(run.warnings) - 5} more)" if len(run.warnings) > 5 else ""
        notes.append(
            f"advisory database: {len(run.warnings)} malformed parts skipped: {shown}{more}"
        )
    audited = [d for d in audit.dependencies if d.skip_reason is None]
    verified = []
    if (
        audit.dependencies
        and not errors
        and all(not d.advisories for d in audited)
        and len(audited) == len(audit.dependencies)
    ):
        verified.append(
            Verified(
                FAMILY,
                "no known vulnerability in any pinned dependency",
                f"{len(audited)} pins checked against {run.service}",
            )
        )
    return FamilyResult(
        family=FAMILY,
        title=TITLE,
        findings=tuple(findings),
        skipped=tuple(skipped),
        errors=tuple(errors),
        verified=tuple(verified),
        checked=(("inputs", len(run.inputs)), ("dependencies", len(audit.dependencies))),
        notes=tuple(notes),
        inventory=inventory(audit),
    )


def audit_project(
    project: Path,
    settings: DepsSettings,
    inputs: Inputs | None = None,
    today: dt.date | None = None,
    exclude: Sequence[str] = (),
) -> FamilyResult:
    """Audit ``inputs`` (else the configured, else the detected files) into a family result.

    Detection skips the ``exclude`` globs (relative to ``project``).
    """
    from auditor.families.deps.collect import Inputs, run_audit  # imports pip-audit: slow

    if inputs is None:
        files = settings.inputs or tuple(detect_inputs(project, exclude))
        inputs = Inputs(files=tuple(files))
    if not inputs.files and not inputs.environment:
        return FamilyResult(
            FAMILY,
            TITLE,
            skipped=(
                Skipped(
                    FAMILY,
                    "dependency audit",
                    f"no dependency input found ({names()})",
                ),
            ),
        )
    try:
        run = run_audit(inputs, project, settings, today=today)
    except DEPS_ERRORS as exc:
        return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, " ".join(str(exc).split())),))
    return family_result(run)


class DependenciesFamily(Family):
    """Known vulnerabilities in pinned dependencies; unauditable pins fail closed."""

    name = FAMILY
    title = TITLE

    def __init__(
        self,
        settings: DepsSettings | None = None,
        inputs: Inputs | None = None,
    ) -> None:
        self.settings = settings
        """``auditor deps audit``'s settings (configuration plus options), else read at run."""
        self.inputs = inputs
        """The files (or environment) the command names, else the configured or detected."""

    def run(self, ctx: AuditContext) -> FamilyResult:
        try:
            settings = self.settings or load_settings(ctx.config)
        except ConfigError as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        result = audit_project(ctx.project, settings, self.inputs, exclude=ctx.config.exclude())
        return unmaskable(result, ctx.fail_on)


def unmaskable(result: FamilyResult, fail_on: Severity) -> FamilyResult:
    """A dependency that could not be audited (DEP002) is never hidden by the threshold.

    At or above ``--fail-on`` it fails the gate (exit 1) like any finding; below it,
    the audit is incomplete (an error, exit 2): ``--fail-on critical`` cannot turn
    "nothing audited" into a pass. Exempt a private package by name instead.
    """
    hidden = [f for f in result.findings if f.rule_id == "DEP002" and f.severity < fail_on]
    if not hidden:
        return result
    error = AuditError(
        FAMILY,
        f"{len(hidden)} dependencies could not be audited (DEP002, {hidden[0].severity.label}) and"
        f" --fail-on {fail_on.label} does not hide that: the audit is incomplete; pin them, or"
        " exempt private packages in [tool.auditor.deps.exempt]",
    )
    return replace(result, errors=(*result.errors, error))
