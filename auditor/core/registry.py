"""The registry of check families that ``auditor audit`` runs, in report order.

Families are registered by name as ``"module:Class"`` and imported only when they
are selected: a pre-push run of the secrets and lint families does not import
psycopg, sqlglot or pip-audit through the families it does not run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.core.family import Family

FAMILIES: dict[str, str] = {
    "schema": "auditor.families.schema.live_family:SchemaFamily",
    "static": "auditor.families.schema.static_family:StaticSchemaFamily",
    "drift": "auditor.families.drift.family:DriftFamily",
    "migrations": "auditor.families.migrations.family:MigrationsFamily",
    "lint": "auditor.families.lint.family:LintFamily",
    "secrets": "auditor.families.secrets.family:SecretsFamily",  # pragma: allowlist secret
    "reversibility": "auditor.families.migrations.reversibility_family:ReversibilityFamily",
    "dependencies": "auditor.families.deps.family:DependenciesFamily",
    "hardening": "auditor.families.hardening.family:HardeningFamily",
    "gates": "auditor.families.gates.family:GatesFamily",
}
"""Family name (``--only``/``--skip``, ``[tool.auditor.families]``) -> ``"module:Class"``,
in the order the report shows them. The name must equal the class's ``name``
(``tests/cli/test_lazy.py::test_registry_names_match_the_family_classes``
checks it)."""

FamilyFactory = Callable[[], "Family"]
"""Makes a family with its default options: a family class, or a loader of one."""


def family_class(name: str) -> type[Family]:
    """The class of the family ``name``, importing its module; ``KeyError`` if unknown."""
    module_name, _, attribute = FAMILIES[name].partition(":")
    cls: type[Family] = getattr(importlib.import_module(module_name), attribute)
    return cls


def load_family(name: str) -> Family:
    """A fresh instance of the family ``name`` (default options); ``KeyError`` if unknown."""
    return family_class(name)()


def registered_families() -> list[tuple[str, FamilyFactory]]:
    """``(name, factory)`` for every family, in report order, importing none of them."""
    return [(name, _factory(name)) for name in FAMILIES]


def _factory(name: str) -> FamilyFactory:
    return lambda: load_family(name)


def all_families() -> list[Family]:
    """A fresh instance of every family, in the order the report shows them (imports all)."""
    return [load_family(name) for name in FAMILIES]


def family_names() -> list[str]:
    """The names accepted by ``--only`` and ``--skip`` (imports no family module)."""
    return list(FAMILIES)
