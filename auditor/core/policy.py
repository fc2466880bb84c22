"""The gate's policy, applied to the families' raw report before it is rendered.

In order: per-rule severity overrides (``[tool.auditor.severity]``), excluded paths
(``exclude``), waivers (``[[tool.auditor.waivers]]``: matching findings move to
:attr:`Report.waived`; expired and stale waivers become WVR findings), and the
baseline (each finding marked ``new`` or ``existing``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path

from auditor.core.baseline import Baseline
from auditor.core.config import Config, Waiver
from auditor.core.findings import FamilyResult, Finding, Report, Severity, Waived
from auditor.core.rules import get_rule, rules_of, run_rules
from auditor.core.waivers import FAMILY as WAIVERS
from auditor.core.waivers import WaiverState


def excluded(path: str | None, patterns: tuple[str, ...]) -> bool:
    """True when ``path`` (relative, forward slashes) matches an exclude glob.

    A pattern matches the path itself or any parent directory (``vendor`` and
    ``vendor/**`` both exclude ``vendor/x/y.py``).
    """
    if not path or not patterns:
        return False
    parts = path.split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return any(
        fnmatchcase(candidate, pattern.rstrip("/"))
        for pattern in patterns
        for candidate in candidates
    ) or any(fnmatchcase(path, pattern) for pattern in patterns)


def matches(waiver: Waiver, finding: Finding) -> bool:
    """Does ``waiver`` cover ``finding`` (rule, then every scope that is set)?"""
    if waiver.rule != finding.rule_id:
        return False
    if waiver.fingerprint is not None and waiver.fingerprint != finding.fingerprint:
        return False
    if waiver.object is not None and not fnmatchcase(finding.location.object or "", waiver.object):
        return False
    return waiver.path is None or (
        finding.location.file is not None
        and (
            fnmatchcase(finding.location.file, waiver.path)
            or excluded(finding.location.file, (waiver.path,))
        )
    )


def _relative(path: Path | None, project: Path) -> str | None:
    if path is None:
        return None
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def apply_policy(
    report: Report,
    config: Config,
    *,
    project: Path,
    today: dt.date | None = None,
    baseline: Baseline | None = None,
    fail_on_new: bool = False,
    partial: bool = False,
) -> Report:
    """The report with the configuration's policy applied.

    ``partial`` is True when families looked only at part of the project (a push
    range): a waiver that matched nothing is then not called stale.
    """
    today = today or dt.date.today()
    overrides = config.severity_overrides()
    patterns = config.exclude()
    waivers = config.waivers()
    matched = [0] * len(waivers)
    waived: list[Waived] = []
    families: list[FamilyResult] = []

    def judged(findings: tuple[Finding, ...], mark: bool) -> tuple[tuple[Finding, ...], int]:
        """The findings kept (the waived ones moved to ``waived``), and how many were excluded."""
        kept: list[Finding] = []
        dropped = 0
        for finding in findings:
            if finding.rule_id in overrides:
                finding = replace(finding, severity=overrides[finding.rule_id])
            if excluded(finding.location.file, patterns):
                dropped += 1
                continue
            if mark and baseline is not None:
                finding = baseline.mark(finding)
            accepted: Waiver | None = None
            for index, waiver in enumerate(waivers):
                if matches(waiver, finding):
                    matched[index] += 1
                    if accepted is None and waiver.expires >= today:
                        accepted = waiver
            if accepted is not None:
                waived.append(Waived(finding, accepted.reason, accepted.expires.isoformat()))
            else:
                kept.append(finding)
        return tuple(kept), dropped

    for fam in report.families:
        kept, dropped = judged(fam.findings, mark=True)
        history, dropped_history = judged(fam.history, mark=False)  # stays "existing"
        notes = fam.notes
        if dropped + dropped_history:
            notes = (
                *notes,
                f"{dropped + dropped_history} finding(s) in excluded paths not reported",
            )
        families.append(replace(fam, findings=kept, history=history, notes=notes))
    if waivers:
        complete_families = {
            name for f in report.families if not f.errors for name in (f.family, *f.also_evaluated)
        }
        complete = []
        for waiver in waivers:
            item = get_rule(waiver.rule)
            complete.append(not partial and item is not None and item.family in complete_families)
        state = WaiverState(
            waivers=waivers,
            matched=tuple(matched),
            today=today,
            complete=tuple(complete),
            config_file=_relative(config.path, project),
        )
        found, errors = run_rules(rules_of(WAIVERS), state, overrides)
        if baseline is not None:
            found = [baseline.mark(f) for f in found]
        active = sum(1 for w in waivers if w.expires >= today)
        families.append(
            FamilyResult(
                WAIVERS,
                "Waivers",
                findings=tuple(found),
                errors=tuple(errors),
                checked=(("waivers", len(waivers)), ("active", active)),
                notes=(f"{len(waived)} finding(s) waived",),
            )
        )
    metadata = replace(
        report.metadata,
        fail_on_new=fail_on_new and baseline is not None,
        baseline=baseline.path if baseline else None,
    )
    return replace(report, metadata=metadata, families=tuple(families), waived=tuple(waived))


def threshold(config: Config, given: str | None) -> Severity:
    """``--fail-on`` when given, else the configured one, else ``high``."""
    if given:
        return Severity.parse(given)
    return config.fail_on() or Severity.HIGH
