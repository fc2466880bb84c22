"""The ``schema`` family's options: which rule packs it checks (also read by the lint).

Kept apart from :mod:`auditor.families.schema.live_family` so that reading them does not import
the schema checks and the catalog model (``auditor migrations lint`` needs the packs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.core.config import Config
from auditor.families.schema.rulepacks import default_packs

SETTINGS = {
    "rules": "rule pack files or directories (list), relative to the configuration file",
    "schemas": "schemas to audit (list; default: every non-system schema)",
    "prove": "probe each requirement (default: only on the embedded throwaway database)",
    "allow-writes": "allow --prove on a database that is not disposable (rolled back)",
}


@dataclass(frozen=True)
class SchemaOptions:
    """How the schema family runs (command line over configuration over defaults)."""

    rules: tuple[Path, ...] = ()
    """Rule packs; empty: the shipped reference pack."""
    schemas: tuple[str, ...] = ()
    prove: bool | None = None
    """None: prove only on a disposable database."""
    allow_writes: bool = False
    extra_rules: tuple[Path, ...] = ()
    """Packs added to the others (top-level ``rule-packs`` of the configuration)."""

    def pack_paths(self) -> list[Path]:
        """The packs to load: ``rules`` (default: the shipped ones), then the extra ones."""
        base = list(self.rules) if self.rules else default_packs()
        return base + [p for p in self.extra_rules if p not in base]

    @classmethod
    def from_config(cls, config: Config) -> SchemaOptions:
        """The configuration's ``[tool.auditor.schema]`` (parsed once per configuration)."""
        return config.settings("schema", SchemaOptions)


def parse_settings(config: Config) -> SchemaOptions:
    """Read and validate ``[tool.auditor.schema]``; raise ``ConfigError`` naming the key."""
    section = config.table("schema")
    section.only(SETTINGS)
    rules = section.strings("rules", "paths")
    return SchemaOptions(
        extra_rules=config.rule_packs(),
        rules=tuple((config.root / r).resolve() for r in rules),
        schemas=section.strings("schemas", "schema names"),
        prove=section.flag("prove") if "prove" in section.values else None,
        allow_writes=section.flag("allow-writes"),
    )
