"""The ``lint`` family: lock-taking, destructive and insecure statements in the migrations."""

from __future__ import annotations

from auditor.checks.lint import FAMILY
from auditor.engine import AuditContext, Family
from auditor.findings import AuditError, FamilyResult
from auditor.lint.config import load_lint_config
from auditor.lint.engine import (
    TITLE,
    LintInputError,
    changed_files,
    collect,
    family_result,
    lint_units,
    only_changed,
)
from auditor.lint.packs import configured_layout, configured_requirements
from auditor.migrate.layouts import LayoutError
from auditor.rulepacks import RulePackError


class LintFamily(Family):
    """Migration lint over every migration file (no database needed)."""

    name = FAMILY
    title = TITLE

    def run(self, ctx: AuditContext) -> FamilyResult:
        config = load_lint_config(ctx.config)
        try:
            requirements = configured_requirements(ctx.config)
            units = collect([ctx.migrations], ctx.project, config, configured_layout(ctx.config))
            notes: tuple[str, ...] = ()
            since, until = ctx.changed_since, ctx.changed_until  # set by the pre-push profile
            if since:
                total = len(units)
                units = only_changed(units, ctx.project, changed_files(ctx.project, since, until))
                notes = (
                    f"only migration files changed since {since[:12]}: {len(units)} of {total}",
                )
        except (LintInputError, LayoutError, RulePackError) as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        return family_result(lint_units(units, config, requirements, ctx.project), notes)
