"""Helpers for the lint tests: lint SQL text without files."""

from __future__ import annotations

from auditor.core.findings import Finding
from auditor.families.lint.engine import LintUnit, lint_units
from auditor.families.lint.settings import LintConfig


def lint_sql(
    sql: str,
    *,
    in_transaction: bool = False,
    config: LintConfig | None = None,
    up: str | None = None,
    path: str = "m.sql",
) -> list[Finding]:
    """Findings of ``sql`` linted as one file (as a down.sql of ``up`` when given)."""
    config = config or LintConfig(enable=frozenset({"LNT017"}))
    before = None
    if up is not None:
        before = LintUnit(path="up.sql", text=up, direction="up", run_in_transaction=in_transaction)
    unit = LintUnit(
        path=path,
        text=sql,
        direction="down" if up is not None else "sql",
        run_in_transaction=in_transaction,
        before=before,
    )
    run = lint_units([unit], config)
    assert not run.errors, run.errors
    return list(run.findings)


def rule_ids(findings: list[Finding]) -> list[str]:
    return sorted(f.rule_id for f in findings)
