"""The rule-pack requirements the lint compares migrations against (LNT035)."""

from __future__ import annotations

from auditor.core.config import Config
from auditor.families.schema.rulepacks import Requirement, load_rule_packs


def configured_requirements(config: Config) -> list[Requirement]:
    """The packs the schema family checks (``[tool.auditor.schema] rules`` or the shipped
    reference pack, plus the top-level ``rule-packs``), so both families agree.

    Raises ``RulePackError`` or ``ConfigError`` naming the file and key.
    """
    from auditor.families.schema.settings import SchemaOptions

    return load_rule_packs(SchemaOptions.from_config(config).pack_paths())


def configured_layout(config: Config) -> str | None:
    """The configured migration layout, or None to detect it."""
    return config.layout()
