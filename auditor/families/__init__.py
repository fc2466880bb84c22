"""The registry of check families that ``auditor audit`` runs, in report order."""

from __future__ import annotations

from auditor.engine import Family


def all_families() -> list[Family]:
    """A fresh instance of every family, in the order the report shows them."""
    from auditor.families.migrations import MigrationsFamily
    from auditor.families.secrets import SecretsFamily

    return [
        MigrationsFamily(),
        SecretsFamily(),
    ]


def family_names() -> list[str]:
    """The names accepted by ``--only`` and ``--skip``."""
    return [f.name for f in all_families()]
