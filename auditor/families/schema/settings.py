"""The ``schema`` family's options: which rule packs it checks (also read by the lint), and
the name patterns and exemptions of the generic rules.

Kept apart from :mod:`auditor.families.schema.live_family` so that reading them does not import
the schema checks and the catalog model (``auditor migrations lint`` needs the packs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from auditor.core.config import Config, Section
from auditor.core.resources import reference_migrations
from auditor.families.schema.rulepacks import default_packs

SETTINGS = {
    "rules": "rule pack files or directories (list, relative to the configuration file); "
    "[] runs no pack; unset: the shipped reference pack, on the shipped reference migrations only",
    "reference-pack": "apply the shipped reference pack (true/false; default: only when the "
    "audited migrations are the shipped reference ones)",
    "generic": "run the generic rules SCH011-SCH020 on every table (default true)",
    "patterns": "table: pattern set name = list of column-name globs (replaces that set's default)",
    "exempt": 'table: rule id (or "all") = list of object globs (schema.table, schema.table.column)',
    "schemas": "schemas to audit (list; default: every non-system schema)",
    "prove": "probe each requirement (default: only on the embedded throwaway database)",
    "allow-writes": "allow --prove on a database that is not disposable (rolled back)",
}

DEFAULT_PATTERNS: dict[str, tuple[str, ...]] = {
    "bounded-text": (
        "name", "*_name", "username", "login", "handle", "nickname", "email", "*_email",
        "title", "slug", "*_slug", "url", "*_url", "domain", "phone", "*_phone",
    ),
    "login": ("username", "user_name", "login", "handle", "email", "email_address", "*_email"),
    "money": (
        "price", "*_price", "amount", "*_amount", "total", "*_total", "balance", "*_balance",
        "cost", "*_cost", "fee", "*_fee", "cents", "*_cents",
    ),
    "signed-money": ("balance", "*_balance", "delta", "*_delta", "adjustment", "*_adjustment"),
    "quantity": ("quantity", "*_quantity", "qty", "stock", "*_stock", "count", "*_count"),
    "secret": (
        "password", "*_password", "passwd", "token", "*_token", "secret", "*_secret",
        "api_key", "*_api_key", "apikey", "private_key", "*_private_key",
    ),
    "hashed": ("*hash*", "*digest*", "*encrypted*", "*_enc", "*crypt*"),
}  # fmt: skip
"""Column-name globs (lower case) per pattern set; ``[schema.patterns]`` replaces a set."""

DEFAULT_EXEMPT = (
    "*.__diesel_schema_migrations",
    "*.schema_migrations",
    "*.flyway_schema_history",
    "*._sqlx_migrations",
    "*.goose_db_version",
)
"""Migration tools' bookkeeping tables: not the project's schema."""


@dataclass(frozen=True)
class GenericOptions:
    """What the generic rules (SCH011-SCH020) look for and what they leave alone."""

    patterns: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_PATTERNS))
    """Pattern set name (:data:`DEFAULT_PATTERNS`) to column-name globs."""
    exempt: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Rule id (or ``all``) to object globs the rule skips, besides :data:`DEFAULT_EXEMPT`."""


@dataclass(frozen=True)
class SchemaOptions:
    """How the schema family runs (command line over configuration over defaults)."""

    rules: tuple[Path, ...] | None = None
    """Rule packs; None: unset (the reference pack on the reference migrations); (): none."""
    schemas: tuple[str, ...] = ()
    prove: bool | None = None
    """None: prove only on a disposable database."""
    allow_writes: bool = False
    extra_rules: tuple[Path, ...] = ()
    """Packs added to the others (top-level ``rule-packs`` of the configuration)."""
    reference_pack: bool | None = None
    """Apply the shipped pack; None: only when the migrations are the shipped reference ones."""
    generic: GenericOptions | None = field(default_factory=GenericOptions)
    """The generic rules' settings; None: the generic rules do not run."""

    def pack_paths(self, migrations: Path | None = None) -> list[Path]:
        """The packs to load for a project whose migrations are at ``migrations``.

        ``rules`` when set (``[]``: none); else the shipped pack when ``reference-pack`` is
        true, or is unset and ``migrations`` is the shipped reference set. Then the extra ones.
        """
        if self.rules is not None:
            base = list(self.rules)
        elif self.reference_pack or (self.reference_pack is None and is_reference(migrations)):
            base = default_packs()
        else:
            base = []
        return base + [p for p in self.extra_rules if p not in base]

    @classmethod
    def from_config(cls, config: Config) -> SchemaOptions:
        """The configuration's ``[tool.auditor.schema]`` (parsed once per configuration)."""
        return config.settings("schema", SchemaOptions)


def is_reference(migrations: Path | None) -> bool:
    """True when ``migrations`` is the shipped reference schema's migrations directory, or
    a copy of it (it holds every shipped reference migration, by name, perhaps more)."""
    if migrations is None or not migrations.is_dir():
        return False
    try:
        shipped = reference_migrations().resolve()
        if migrations.resolve() == shipped:
            return True
        names = {p.name for p in shipped.iterdir() if p.is_dir()}
        return bool(names) and all((migrations / name / "up.sql").is_file() for name in names)
    except OSError:
        return False


def packs_note(
    options: SchemaOptions, migrations: Path | None, requirements: Sequence[object]
) -> str:
    """Which packs ran and why, for the report (the generic rules run on any schema)."""
    generic = "generic rules SCH011-SCH020" if options.generic is not None else "no generic rules"
    if options.rules is not None or options.extra_rules:
        packs = f"{len(requirements)} requirement(s) from the configured rule packs"
    elif options.pack_paths(migrations):
        why = "configured" if options.reference_pack else "the shipped reference migrations"
        packs = f"the shipped reference pack ({why}: {len(requirements)} requirement(s))"
    else:
        packs = "no rule pack (the shipped reference pack applies to the reference schema only)"
    return f"{generic}; {packs}"


def parse_settings(config: Config) -> SchemaOptions:
    """Read and validate ``[tool.auditor.schema]``; raise ``ConfigError`` naming the key."""
    section = config.table("schema")
    section.only(SETTINGS)
    rules = (
        tuple((config.root / r).resolve() for r in section.strings("rules", "paths"))
        if "rules" in section.values
        else None
    )
    return SchemaOptions(
        extra_rules=config.rule_packs(),
        rules=rules,
        schemas=section.strings("schemas", "schema names"),
        prove=section.flag("prove") if "prove" in section.values else None,
        allow_writes=section.flag("allow-writes"),
        reference_pack=(
            section.flag("reference-pack") if "reference-pack" in section.values else None
        ),
        generic=_generic(section) if section.flag("generic", True) else None,
    )


def _generic(section: Section) -> GenericOptions:
    patterns = dict(DEFAULT_PATTERNS)
    for name, value in _string_lists(section, "patterns").items():
        if name not in DEFAULT_PATTERNS:
            raise section.error(
                f"patterns.{name}",
                f"unknown pattern set (known: {', '.join(sorted(DEFAULT_PATTERNS))})",
            )
        patterns[name] = tuple(v.lower() for v in value)
    exempt = {}
    for rule_id, value in _string_lists(section, "exempt").items():
        key = rule_id.upper() if rule_id.lower() != "all" else "all"
        if key != "all" and not (key.startswith("SCH") and key[3:].isdigit()):
            raise section.error(f"exempt.{rule_id}", 'must be a schema rule id (SCH...) or "all"')
        exempt[key] = value
    return GenericOptions(patterns=patterns, exempt=exempt)


def _string_lists(section: Section, item: str) -> dict[str, tuple[str, ...]]:
    table = section.mapping(item, "a table of name = list of globs")
    result = {}
    for name, value in table.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise section.error(f"{item}.{name}", "must be a list of globs")
        result[str(name)] = tuple(value)
    return result
