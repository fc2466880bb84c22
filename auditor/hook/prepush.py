"""What the pre-push hook runs: ``python -m auditor.hook.prepush <remote> <url>``.

A lean entry point (no click, no psycopg unless a database is used) so a push pays
little start-up time. ``auditor hook run`` calls the same :func:`run_hook`.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from auditor.core.config import load_config
from auditor.core.errors import AuditorError
from auditor.core.findings import Report, Severity
from auditor.core.pipeline import AuditRequest, run
from auditor.core.policy import threshold
from auditor.core.profiles import get_profile
from auditor.core.resources import reference_migrations
from auditor.hook.install import (
    HookError,
    PushRange,
    head_commit,
    push_ranges,
    range_from_refs,
    toplevel,
)

SUMMARY_LIMIT = 20
"""Findings the hook prints before it says how many more there are."""


def run_hook(
    project: Path,
    *,
    stdin_text: str = "",
    remote: str | None = None,
    from_env: bool = False,
    profile: str = "pre-push",
    fail_on: str | None = None,
    config_path: Path | None = None,
    migrations: Path | None = None,
    db: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Check every pushed range; return the worst exit code (0 lets the push through)."""
    out = out or sys.stdout
    root = toplevel(project.resolve())
    if from_env:
        from_ref = os.environ.get("PRE_COMMIT_FROM_REF", "")
        to_ref = os.environ.get("PRE_COMMIT_TO_REF", "")
        if not to_ref:
            raise HookError("--pre-commit: PRE_COMMIT_TO_REF is not set")
        ranges = [range_from_refs(root, from_ref, to_ref)]
    else:
        ranges = push_ranges(stdin_text, root, remote)
    if not ranges:
        out.write("auditor: nothing new to check in this push\n")
        return 0
    config = load_config(config_path, start=root)
    if migrations is None:
        migrations = config.path_option("migrations")
    if migrations is None:
        migrations = (
            root / "migrations" if (root / "migrations").is_dir() else reference_migrations()
        )
    request = AuditRequest(
        project=root,
        migrations=migrations,
        config=config,
        profile=get_profile(profile),
        fail_on=threshold(config, fail_on),
        db_value=db or (None if os.environ.get("DATABASE_URL") else config.database()),
    )
    worst = 0
    for pushed in ranges:
        worst = max(worst, _check(request, pushed, out))
    if worst:
        verdict = "incomplete" if worst == 2 else "failed"
        print(
            f"auditor: push blocked: pre-push check {verdict} (exit {worst}); "
            "fix it, or bypass once with `git push --no-verify`",
            file=sys.stderr,
        )
    return worst


def _check(request: AuditRequest, pushed: PushRange, out: TextIO) -> int:
    out.write(
        f"auditor: checking {pushed.local_ref} ({pushed.base[:12]}..{pushed.local_sha[:12]})\n"
    )
    if head_commit(request.project) != pushed.local_sha:
        out.write(
            "auditor: note: the pushed commit is not the checked-out one; "
            "gates and file checks ran on the working tree\n"
        )
    report = run(replace(request, changed_since=pushed.base, changed_until=pushed.local_sha))
    out.write(render_summary(report))
    if report.exit_code:
        out.write(
            f"full report: auditor audit --profile {report.metadata.profile or 'pre-push'} "
            f"--changed-since {pushed.base[:12]}\n"
        )
    out.flush()
    return report.exit_code


def render_summary(report: Report, limit: int = SUMMARY_LIMIT) -> str:
    """A short terminal summary: verdict, one line per family, errors, the worst findings."""
    counts = report.counts()
    summary = ", ".join(f"{counts[s]} {s.label}" for s in reversed(Severity) if counts[s])
    meta = report.metadata
    lines = [
        f"auditor {meta.tool_version}: {report.verdict.upper()} (fail-on {meta.fail_on.label})"
        + (f" - {summary}" if summary else " - no findings")
        + (f", {len(report.waived)} waived" if report.waived else ""),
        f"database: {meta.target or 'none'}",
    ]
    for fam in report.families:
        checked = ", ".join(f"{n} {what}" for what, n in fam.checked)
        lines.append(
            f"  [{fam.family}] {len(fam.findings)} findings, {len(fam.errors)} errors"
            + (f" ({checked})" if checked else "")
        )
    lines += [f"ERROR [{e.family}] {e.message}" for e in report.errors]
    findings = report.findings
    for finding in findings[:limit]:
        lines.append(
            f"{finding.severity.label.upper():8} {finding.rule_id} {finding.location}: {finding.message}"
        )
        if finding.fix and finding.severity >= meta.fail_on:
            lines.append(f"         fix: {finding.fix}")
    if len(findings) > limit:
        lines.append(f"... and {len(findings) - limit} more finding(s)")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m auditor.hook.prepush [--pre-commit] [remote [url]]`` (git passes remote, url)."""
    args = list(sys.argv[1:] if argv is None else argv)
    from_env = "--pre-commit" in args
    positional = [a for a in args if not a.startswith("--")]
    from auditor.core import interrupt

    interrupt.install()
    try:
        code = run_hook(
            Path.cwd(),
            stdin_text="" if from_env else sys.stdin.read(),
            remote=positional[0] if positional else None,
            from_env=from_env,
        )
        stopped = interrupt.received()  # swallowed on the way (a library's except)
        return interrupt.report(stopped) if stopped is not None else code
    except interrupt.Interrupted as stopped:
        return interrupt.report(stopped)
    except Exception as exc:
        if not isinstance(exc, AuditorError):  # a bug: fail closed with exit 2, redacted
            from auditor.core.crash import report_crash

            return report_crash(exc)
        print(f"auditor: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
