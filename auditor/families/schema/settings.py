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
        section = config.section("schema")
        for key in section:
            if key not in SETTINGS:
                raise config.error(
                    f"schema.{key}", f"unknown key (known keys: {', '.join(sorted(SETTINGS))})"
                )
        rules = section.get("rules", [])
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise config.error("schema.rules", "must be a list of paths")
        schemas = section.get("schemas", [])
        if not isinstance(schemas, list) or not all(isinstance(s, str) for s in schemas):
            raise config.error("schema.schemas", "must be a list of schema names")
        for key in ("prove", "allow-writes"):
            if key in section and not isinstance(section[key], bool):
                raise config.error(f"schema.{key}", "must be true or false")
        extra = config.data.get("rule-packs", [])
        if not isinstance(extra, list) or not all(isinstance(r, str) for r in extra):
            raise config.error("rule-packs", "must be a list of paths")
        return cls(
            extra_rules=tuple((config.root / r).resolve() for r in extra),
            rules=tuple((config.root / r).resolve() for r in rules),
            schemas=tuple(schemas),
            prove=section.get("prove"),
            allow_writes=bool(section.get("allow-writes", False)),
        )
