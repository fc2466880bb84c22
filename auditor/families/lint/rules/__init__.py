"""Migration lint: lock-taking, destructive and insecure statements in migration files.

Every rule takes one :class:`~auditor.families.lint.model.LintFile` and yields hits
located at a statement's line. The engine (:mod:`auditor.families.lint.engine`) reads the
files, builds the model, runs the rules and applies ``auditor-ignore`` pragmas.
"""

from __future__ import annotations

FAMILY = "lint"

RULE_MODULES = (
    "auditor.families.lint.rules.locking",
    "auditor.families.lint.rules.rewrites",
    "auditor.families.lint.rules.destructive",
    "auditor.families.lint.rules.dml",
    "auditor.families.lint.rules.objects",
    "auditor.families.lint.rules.transactions",
    "auditor.families.lint.rules.types",
    "auditor.families.lint.rules.security",
    "auditor.families.lint.rules.meta",
)
"""The modules that register the lint rules (each also listed in :data:`auditor.core.rules.RULE_MODULES`)."""
