"""The registry of check families that ``auditor audit`` runs, in report order.

Families are registered by name as ``"module:Class"`` and imported only when they
are selected: a pre-push run of the secrets and lint families does not import
psycopg, sqlglot or pip-audit through the families it does not run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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

SETTINGS: dict[str, tuple[str, str]] = {
    "schema": (
        "[tool.auditor.schema] table: rules, schemas, prove, allow-writes",
        "auditor.families.schema.settings:parse_settings",
    ),
    "lint": (
        "migration lint settings: enable, disable, exclude, postgres-version, "
        "assume-in-transaction, history",
        "auditor.families.lint.settings:parse_settings",
    ),
    "secrets": (  # pragma: allowlist secret
        "table: secret scanning (exclude, max-bytes, baseline, cache, jobs, history)",
        "auditor.families.secrets.settings:parse_settings",
    ),
    "deps": (
        "table [tool.auditor.deps]: dependency audit settings (advisory-db, ignores, exemptions)",
        "auditor.families.deps.settings:parse_settings",
    ),
    "advisory-database": (
        "deprecated: use [tool.auditor.deps] advisory-db",
        "auditor.families.deps.settings:parse_settings",
    ),
    "hardening": (
        "server hardening policy (sub-table [tool.auditor.hardening])",
        "auditor.families.hardening.settings:parse_settings",
    ),
    "gates": (
        "table of quality-gate commands that `auditor audit` runs (gates family)",
        "auditor.families.gates.settings:parse_settings",
    ),
    "layout": (
        "migration layout: diesel, paired, flyway or dbmate (default: detected)",
        "auditor.migrate.layouts:parse_layout",
    ),
}
"""Top-level configuration key owned by a family (or a shared layer) -> (meaning,
``"module:function"`` parsing it from the ``Config``). Keys that share a parser (a
section and its deprecated spelling) are parsed together, once. The config loader reads
this table; it imports no family itself."""

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


def settings_parser(key: str) -> Callable[[Any], object]:
    """The parser of the configuration key ``key``, importing its module."""
    module_name, _, attribute = SETTINGS[key][1].partition(":")
    parser: Callable[[Any], object] = getattr(importlib.import_module(module_name), attribute)
    return parser


def family_names() -> list[str]:
    """The names accepted by ``--only`` and ``--skip`` (imports no family module)."""
    return list(FAMILIES)
