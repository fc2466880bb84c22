"""Judge the change, not the history: which migrations are *new* and gate.

A migration merged long ago has run in production and will not be edited; its lint
findings are reported but do not fail the gate. A migration is new when it is not on
the base:

- an explicit base (``--changed-since REF``, or the push range the hook checks): any
  of its files added or modified since the base;
- in CI (profile ``ci``) without one: the pull request's base branch
  (``GITHUB_BASE_REF``) or the merge request's (``CI_MERGE_REQUEST_DIFF_BASE_SHA``,
  else ``CI_MERGE_REQUEST_TARGET_BRANCH_NAME``), when the clone has it;
- with a database given (not the embedded throwaway one) and no base: not yet recorded
  as applied on it.

Without any of these, or with ``[tool.auditor.lint] history = "gate"``, every migration
is new (the whole history gates: more is checked, never less). A file outside a
migration series is new when it changed since the base, else (no base) always.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from auditor.core.family import AuditContext
from auditor.core.findings import Finding
from auditor.families.lint.engine import LintInputError, LintUnit, changed_files


@dataclass(frozen=True)
class Judgement:
    """Which units are new, and how that was decided."""

    new: frozenset[str] | None
    """Paths (as in :attr:`LintUnit.path`) of the new units; None: every unit is new."""
    basis: str
    """How: ``since origin/main``, ``not recorded as applied on DB``, or why none."""


def ci_base(project: Path, env: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """The CI's base ref that the clone has, or None, and a word on where it came from."""
    env = os.environ if env is None else env
    candidates: list[str] = []
    source = ""
    if env.get("GITHUB_BASE_REF"):
        name = env["GITHUB_BASE_REF"]
        source = f"GITHUB_BASE_REF={name}"
        candidates = [f"origin/{name}", name]
    elif env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME") or env.get(
        "CI_MERGE_REQUEST_DIFF_BASE_SHA"
    ):
        name = env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "")
        sha = env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA", "")
        source = f"CI_MERGE_REQUEST_TARGET_BRANCH_NAME={name}" if name else "the merge request"
        candidates = [c for c in (sha, f"origin/{name}" if name else "", name) if c]
    for ref in candidates:
        if _is_commit(project, ref):
            return ref, source
    return None, source


def _is_commit(project: Path, ref: str) -> bool:
    try:
        done = subprocess.run(
            ["git", "-C", str(project), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def new_since(units: Sequence[LintUnit], project: Path, changed: set[Path]) -> frozenset[str]:
    """The units of every migration with a file in ``changed``, and the changed plain files."""
    touched = {u.path for u in units if (project / u.path).resolve() in changed}
    labels = {u.migration for u in units if u.path in touched and u.migration is not None}
    return frozenset(u.path for u in units if u.path in touched or u.migration in labels)


def not_applied(units: Sequence[LintUnit], applied: Iterable[str]) -> frozenset[str]:
    """The units of every migration not in ``applied`` (labels), and every plain file."""
    done = set(applied)
    return frozenset(u.path for u in units if u.migration is None or u.migration not in done)


def judge(units: Sequence[LintUnit], ctx: AuditContext, explicit: str | None = None) -> Judgement:
    """Which ``units`` are new for this run (see the module's docstring)."""
    base, until = explicit, None
    if base is None and ctx.changed_since:
        base, until = ctx.changed_since, ctx.changed_until
    if base is not None:
        changed = changed_files(ctx.project, base, until)
        return Judgement(new_since(units, ctx.project, changed), f"since {base[:40]}")
    unfound = ""
    if ctx.profile == "ci":
        found, source = ci_base(ctx.project)
        if found is not None:
            changed = changed_files(ctx.project, found)
            return Judgement(new_since(units, ctx.project, changed), f"since {found[:40]}")
        if source:
            unfound = f"{source}: the base is not in the clone; "
    if ctx.database is not None and not ctx.database.disposable:
        applied = _applied_labels(units, ctx)
        return Judgement(
            not_applied(units, applied), f"not recorded as applied on {ctx.database.label}"
        )
    return Judgement(None, f"{unfound}no base ref and no database: every migration gates")


def _applied_labels(units: Sequence[LintUnit], ctx: AuditContext) -> set[str]:
    from auditor.db.target import DatabaseUnavailable
    from auditor.migrate.runner import MigrationError, Runner

    series = next((u.series for u in units if u.series), ())
    if not series:
        return set()
    by_version = {m.version: m.label for m in series}
    assert ctx.database is not None
    try:
        statuses = Runner(ctx.database.dsn, list(series)).status()
    except (MigrationError, DatabaseUnavailable) as exc:
        raise LintInputError(f"which migrations are applied: {exc}") from None
    return {by_version[s.version] for s in statuses if s.applied and s.version in by_version}


def split(
    findings: Iterable[Finding], units: Sequence[LintUnit], new: frozenset[str] | None
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """(findings on new units, findings on existing ones marked ``baseline="existing"``)."""
    if new is None:
        return tuple(findings), ()
    existing = {u.path for u in units if u.path not in new}
    gating: list[Finding] = []
    history: list[Finding] = []
    for finding in findings:
        if finding.location.file in existing:
            history.append(replace(finding, baseline="existing"))
        else:
            gating.append(finding)
    return tuple(gating), tuple(history)


def history_note(history: Sequence[Finding], units: Sequence[LintUnit], new: frozenset[str]) -> str:
    """``history: 412 findings in 280 applied migrations, not gating (LNT001 120, ...)``."""
    old = {u.migration or u.path for u in units if u.path not in new}
    per_rule = Counter(f.rule_id for f in history)
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(per_rule.items()))
    return f"history: {len(history)} findings in {len(old)} applied migrations, not gating" + (
        f" ({rules})" if rules else ""
    )
