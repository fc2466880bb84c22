"""The ``lint`` family: lock-taking, destructive and insecure statements in the migrations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Finding
from auditor.families.lint.engine import (
    TITLE,
    LintInputError,
    LintUnit,
    changed_files,
    collect,
    family_result,
    lint_units,
    only_changed,
)
from auditor.families.lint.judge import history_note, judge, split
from auditor.families.lint.packs import configured_layout, configured_requirements
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.settings import LintConfig, load_lint_config
from auditor.families.schema.rulepacks import RulePackError
from auditor.migrate.layouts import LayoutError

if TYPE_CHECKING:
    from auditor.families.schema.rulepacks import Requirement


@dataclass(frozen=True)
class LintOptions:
    """What ``auditor migrations lint`` asks for beyond the configuration."""

    paths: tuple[Path, ...] = ()
    """Migration directories, folders or ``.sql`` files (empty: the migrations directory)."""
    changed_since: str | None = None
    """The base: findings on migrations not added or modified since this git ref do not
    gate (they are reported as history)."""
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
            if ctx.profile == "pre-push" and ctx.changed_since and not self.options.changed_since:
                return self._pushed(ctx, units, config, requirements)
            judgement = (
                None if config.history_gates else judge(units, ctx, self.options.changed_since)
            )
        except (LintInputError, LayoutError, RulePackError) as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        run = lint_units(units, config, requirements, ctx.project, use_cache=self.options.cache)
        if judgement is None:
            return family_result(run, ('history = "gate": every migration gates',))
        new = judgement.new
        gating, history = split(run.findings, units, new)
        if new is None:
            notes: tuple[str, ...] = (f"every migration gates ({judgement.basis})",)
        else:
            fresh = len({u.migration or u.path for u in units if u.path in new})
            notes = (
                f"{fresh} new migration(s) {judgement.basis} gate",
                history_note(history, units, new),
            )
        result = family_result(replace(run, findings=gating), notes)
        return replace(result, history=tuple(sorted(history, key=Finding.sort_key)))

    def _pushed(
        self,
        ctx: AuditContext,
        units: list[LintUnit],
        config: LintConfig,
        requirements: Sequence[Requirement],
    ) -> FamilyResult:
        """The pre-push check: only the pushed migrations, linted on the history before them."""
        assert ctx.changed_since is not None
        since = ctx.changed_since
        total = len(units)
        units = only_changed(
            units, ctx.project, changed_files(ctx.project, since, ctx.changed_until)
        )
        run = lint_units(units, config, requirements, ctx.project, use_cache=self.options.cache)
        note = f"only migration files changed since {since[:12]}: {len(units)} of {total}"
        return family_result(run, (note,))
