"""The ``lint`` family: lock-taking, destructive and insecure statements in the migrations."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult
from auditor.families.lint.engine import (
    TITLE,
    LintInputError,
    changed_files,
    collect,
    family_result,
    lint_units,
    only_changed,
)
from auditor.families.lint.packs import configured_layout, configured_requirements
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.settings import load_lint_config
from auditor.families.schema.rulepacks import RulePackError
from auditor.migrate.layouts import LayoutError


@dataclass(frozen=True)
class LintOptions:
    """What ``auditor migrations lint`` asks for beyond the configuration."""

    paths: tuple[Path, ...] = ()
    """Migration directories, folders or ``.sql`` files (empty: the migrations directory)."""
    changed_since: str | None = None
    """Lint only the files added or modified since this git ref."""
    cache: bool = True
    """Read and keep the history replay's facts in the repository's cache."""


class LintFamily(Family):
    """Migration lint over every migration file (no database needed)."""

    name = FAMILY
    title = TITLE

    def __init__(self, options: LintOptions | None = None) -> None:
        self.options = options or LintOptions()

    def run(self, ctx: AuditContext) -> FamilyResult:
        config = load_lint_config(ctx.config)
        targets = list(self.options.paths) or [ctx.migrations]
        try:
            requirements = configured_requirements(ctx.config)
            units = collect(targets, ctx.project, config, configured_layout(ctx.config))
            notes: tuple[str, ...] = ()
            since, until = ctx.changed_since, ctx.changed_until  # set by the pre-push profile
            if self.options.changed_since is not None:
                changed = changed_files(ctx.project, self.options.changed_since)
                total = len(units)
                units = only_changed(units, ctx.project, changed)
                notes = (
                    f"--changed-since {self.options.changed_since}: "
                    f"{len(units)} of {total} file(s) changed",
                )
            elif since:
                total = len(units)
                units = only_changed(units, ctx.project, changed_files(ctx.project, since, until))
                notes = (
                    f"only migration files changed since {since[:12]}: {len(units)} of {total}",
                )
        except (LintInputError, LayoutError, RulePackError) as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        run = lint_units(units, config, requirements, ctx.project, use_cache=self.options.cache)
        return family_result(run, notes)
