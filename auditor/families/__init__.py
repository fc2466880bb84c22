"""The registry of check families that ``auditor audit`` runs, in report order."""

from __future__ import annotations

from auditor.engine import Family


def all_families() -> list[Family]:
    """A fresh instance of every family, in the order the report shows them."""
    from auditor.families.dependencies import DependenciesFamily
    from auditor.families.drift import DriftFamily
    from auditor.families.gates import GatesFamily
    from auditor.families.hardening import HardeningFamily
    from auditor.families.lint import LintFamily
    from auditor.families.migrations import MigrationsFamily
    from auditor.families.reversibility import ReversibilityFamily
    from auditor.families.schema import SchemaFamily
    from auditor.families.secrets import SecretsFamily
    from auditor.families.static_schema import StaticSchemaFamily

    return [
        SchemaFamily(),
        StaticSchemaFamily(),
        DriftFamily(),
        MigrationsFamily(),
        LintFamily(),
        SecretsFamily(),
        ReversibilityFamily(),
        DependenciesFamily(),
        HardeningFamily(),
        GatesFamily(),
    ]


def family_names() -> list[str]:
    """The names accepted by ``--only`` and ``--skip``."""
    return [f.name for f in all_families()]
