"""The ``secrets`` family: is any credential committed? (detect-secrets engine)"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Skipped, Verified
from auditor.core.profiles import get_profile
from auditor.families.secrets.baseline import (
    DEFAULT_BASELINE,
    Baseline,
    BaselineError,
    load_baseline,
)
from auditor.families.secrets.rules import FAMILY, findings_for
from auditor.families.secrets.runner import ScanOptions, ScanResult, scan, with_history
from auditor.families.secrets.settings import secrets_config
from auditor.families.secrets.sources import SourceError

TITLE = "Secrets"


def find_baseline(root: Path, explicit: Path | None) -> Baseline | None:
    """The explicit baseline, else ``.secrets.baseline`` at the root when present."""
    if explicit is not None:
        return load_baseline(explicit)
    default = root / DEFAULT_BASELINE
    return load_baseline(default) if default.is_file() else None


def baseline_exclude(root: Path, baseline: Baseline | None) -> tuple[str, ...]:
    """The baseline file itself is never scanned (it holds hashes, as detect-secrets does)."""
    if baseline is None:
        return ()
    try:
        return (baseline.path.resolve().relative_to(root.resolve()).as_posix(),)
    except ValueError:
        return ()


def family_result(result: ScanResult, baseline: Baseline | None) -> FamilyResult:
    """Findings for secrets not in the baseline; skipped files counted by reason."""
    new = [h for h in result.hits if baseline is None or not baseline.known(h)]
    known = len(result.hits) - len(new)
    findings = findings_for(new)
    skipped = tuple(
        Skipped(FAMILY, f"{count} file(s)", reason)
        for reason, count in result.skip_counts().items()
    )
    checked: list[tuple[str, int]] = [("files", result.files), ("bytes", result.bytes)]
    if result.commits:
        checked.append(("commits", result.commits))
    if baseline is not None:
        checked.append(("baselined secrets", known))
    notes = [
        {
            "files": "files tracked by git plus untracked files not ignored"
            if result.in_git
            else "directory walk (not a git repository)",
            "staged": "the git index (what would be committed)",
            "since": "lines added by each commit of the range",
            "history": "lines added by every commit reachable from HEAD",
            "files+history": "files tracked by git plus untracked files not ignored, and "
            "lines added by every commit reachable from HEAD (a secret only in history is "
            "reported with the commit that added it)",
        }[result.mode]
    ]
    if baseline is not None:
        notes.append(f"baseline {baseline.path.name}: {known} known secret(s) not reported")
    if result.cached:
        notes.append(f"{result.cached} unchanged file(s) from the cache")
    verified: tuple[Verified, ...] = ()
    if not findings and result.files:
        verified = (Verified(FAMILY, "no new secret committed", f"{result.files} file(s) scanned"),)
    return FamilyResult(
        FAMILY,
        TITLE,
        findings=tuple(findings),
        skipped=skipped,
        verified=verified,
        checked=tuple(checked),
        notes=tuple(notes),
    )


class SecretsFamily(Family):
    """Committed credentials, found with detect-secrets' plugins and filters."""

    name = FAMILY
    title = TITLE
    needs_database = False

    def run(self, ctx: AuditContext) -> FamilyResult:
        settings = secrets_config(ctx.config)
        root = ctx.project.resolve()
        try:
            baseline = find_baseline(root, settings.baseline)
            options = ScanOptions(
                root=root,
                # the pre-push profile scans the lines added by the pushed commits
                mode="since" if ctx.changed_since else "files",
                since=ctx.changed_since,
                excludes=settings.exclude + baseline_exclude(root, baseline),
                max_bytes=settings.max_bytes,
                baseline=baseline.data if baseline else None,
                jobs=settings.jobs,
                use_cache=settings.cache,
            )
            result = scan(options)
            wanted = get_profile(ctx.profile).secrets_history and options.mode == "files"
            if wanted and result.in_git and settings.history:
                result = with_history(result, scan(replace(options, mode="history")))
        except (SourceError, BaselineError) as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        family = family_result(result, baseline)
        if wanted and result.in_git and not settings.history:
            note = "git history not scanned: history = false in [tool.auditor.secrets]"
            family = replace(family, notes=(*family.notes, note))
        return family
