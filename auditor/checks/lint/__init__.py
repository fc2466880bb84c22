"""Migration lint: lock-taking, destructive and insecure statements in migration files.

Every rule takes one :class:`~auditor.checks.lint.model.LintFile` and yields hits
located at a statement's line. The engine (:mod:`auditor.lint.engine`) reads the
files, builds the model, runs the rules and applies ``auditor-ignore`` pragmas.
"""

from __future__ import annotations

FAMILY = "lint"

RULE_MODULES = (
    "auditor.checks.lint.safety",
    "auditor.checks.lint.types",
    "auditor.checks.lint.security",
    "auditor.checks.lint.meta",
)
"""The modules that register the lint rules (each also listed in :data:`auditor.rules.RULE_MODULES`)."""
