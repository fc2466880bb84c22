"""The ``secrets`` family: is any credential committed? (detect-secrets engine)"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
from auditor.families.secrets.rules import FAMILY, findings_for, unscanned_findings
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
    findings += unscanned_findings((s.path, s.reason) for s in result.skipped)
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
    if not findings and result.files and not result.errors:
        verified = (Verified(FAMILY, "no new secret committed", f"{result.files} file(s) scanned"),)
    return FamilyResult(
        FAMILY,
        TITLE,
        findings=tuple(findings),
        skipped=skipped,
        verified=verified,
        checked=tuple(checked),
        notes=tuple(notes),
        errors=tuple(AuditError(FAMILY, message) for message in result.errors),
    )


@dataclass(frozen=True)
class ScanRequest:
    """What ``auditor secrets scan`` asks for beyond the configuration."""

    paths: tuple[Path, ...] = ()
    """Files or directories to scan (empty: the whole project)."""
    mode: str = "files"
    """``files``, ``staged``, ``since`` or ``history``."""
    since: str | None = None
    exclude: tuple[str, ...] = ()
    """Globs excluded on top of the configured ones."""
    max_bytes: int | None = None
    jobs: int | None = None
    use_cache: bool = True
    baseline: Path | None = None
    """An explicit detect-secrets baseline (else the configured one, else the default)."""
    update_baseline: Path | None = None
    """Write the baseline here with what the scan found, then report against it."""


class SecretsFamily(Family):
    """Committed credentials, found with detect-secrets' plugins and filters."""

    name = FAMILY
    title = TITLE
    needs_database = False

    def __init__(self, request: ScanRequest | None = None) -> None:
        self.request = request

    def run(self, ctx: AuditContext) -> FamilyResult:
        if self.request is not None:
            return self._scan_command(ctx, self.request)
        settings = secrets_config(ctx.config)
        root = ctx.project.resolve()
        history_error: AuditError | None = None
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
                try:
                    result = with_history(result, scan(replace(options, mode="history")))
                except SourceError as exc:  # the work tree's findings stay in the report
                    history_error = AuditError(FAMILY, f"git history not scanned: {exc}")
        except (SourceError, BaselineError) as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        family = family_result(result, baseline)
        if history_error is not None:
            family = replace(family, errors=(*family.errors, history_error), verified=())
        if wanted and result.in_git and not settings.history:
            note = "git history not scanned: history = false in [tool.auditor.secrets]"
            family = replace(family, notes=(*family.notes, note))
        return family

    def _scan_command(self, ctx: AuditContext, request: ScanRequest) -> FamilyResult:
        """The scan ``auditor secrets scan`` describes: its mode, paths and baseline."""
        settings = secrets_config(ctx.config)
        root = ctx.project.resolve()
        explicit = request.baseline or settings.baseline
        try:
            baseline = find_baseline(root, explicit if explicit and explicit.exists() else None)
            if explicit is not None and not explicit.exists() and request.update_baseline is None:
                raise BaselineError(f"baseline {explicit} does not exist")
            result = scan(
                ScanOptions(
                    root=root,
                    paths=request.paths,
                    mode=request.mode,
                    since=request.since,
                    excludes=(
                        *settings.exclude,
                        *request.exclude,
                        *baseline_exclude(root, baseline),
                    ),
                    max_bytes=request.max_bytes or settings.max_bytes,
                    baseline=baseline.data if baseline else None,
                    jobs=request.jobs or settings.jobs,
                    use_cache=settings.cache and request.use_cache,
                )
            )
            notes: tuple[str, ...] = ()
            if request.update_baseline is not None:
                count = write_baseline(request.update_baseline, result, baseline)
                baseline = find_baseline(root, request.update_baseline)
                notes = (f"baseline {request.update_baseline}: {count} secret(s) recorded",)
        except OSError as exc:
            message = f"cannot write {request.update_baseline}: {exc.strerror or exc}"
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, message),))
        except (SourceError, BaselineError) as exc:
            message = " ".join(str(exc).split())
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, message),))
        family = family_result(result, baseline)
        return replace(family, notes=(*family.notes, *notes))


def write_baseline(target: Path, result: ScanResult, previous: Baseline | None) -> int:
    """Record what ``result`` found in the baseline ``target`` (audited flags kept),
    written atomically; return how many secrets it holds."""
    import os
    import tempfile

    from auditor.families.secrets.baseline import baseline_document, render_baseline

    document = baseline_document(result.hits, result.settings, previous)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(render_baseline(document))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sum(len(found) for found in document["results"].values())
