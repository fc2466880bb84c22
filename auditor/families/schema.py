"""The ``schema`` family: are the rule packs' requirements enforced by the live database?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.checks.schema import FAMILY, ProbeResult, SchemaSubject, evaluate
from auditor.config import Config
from auditor.database import DatabaseUnavailable
from auditor.dsn import scrub
from auditor.engine import AuditContext, Family
from auditor.findings import AuditError, FamilyResult, Skipped, Verified
from auditor.rulepacks import RulePackError, default_packs, load_rule_packs
from auditor.rules import rules_of, run_rules

TITLE = "Schema requirements"
SETTINGS = {
    "rules": "rule pack files or directories (list), relative to the configuration file",
    "schemas": "schemas to audit (list; default: every non-system schema)",
    "prove": "probe each requirement (default: only on the embedded throwaway database)",
    "allow-writes": "allow --prove on a database that is not disposable (rolled back)",
}


class ProveRefused(Exception):
    """``--prove`` was asked for on a database that is not disposable, without consent."""


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


class SchemaFamily(Family):
    """Required constraints: read from pg_catalog, matched semantically, proven by probing."""

    name = FAMILY
    title = TITLE
    needs_database = True

    def __init__(self, options: SchemaOptions | None = None) -> None:
        self.options = options

    def run(self, ctx: AuditContext) -> FamilyResult:
        try:
            options = self.options or SchemaOptions.from_config(ctx.config)
            requirements = tuple(load_rule_packs(options.pack_paths()))
        except RulePackError as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        if ctx.database is None:
            return FamilyResult(
                FAMILY,
                TITLE,
                skipped=(Skipped(FAMILY, "live schema requirements", "no database audited"),),
            )
        target = ctx.database
        prove = options.prove if options.prove is not None else target.disposable
        if prove and not target.disposable and not options.allow_writes:
            raise ProveRefused(
                f"refusing to prove on {target.label}: probing inserts rows (always rolled "
                "back) and needs --allow-writes on a database that is not disposable"
            )
        import psycopg

        from auditor.catalog.live import BuildStats, build_live_model
        from auditor.database import connect

        stats = BuildStats()
        try:
            conn = connect(target.dsn)
            try:
                model = build_live_model(conn, options.schemas or None, stats)
            finally:
                conn.close()
            probes: tuple[ProbeResult, ...] | None = None
            if prove:
                from auditor.probe import prove as run_probes

                probes = tuple(run_probes(target.dsn, model, list(requirements)))
        except (psycopg.Error, DatabaseUnavailable) as exc:
            message = scrub(f"cannot read the schema: {' '.join(str(exc).split())}", target.dsn)
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, message),))
        subject = SchemaSubject(model=model, requirements=requirements, probes=probes)
        findings, errors = run_rules(rules_of(FAMILY), subject)
        return FamilyResult(
            FAMILY,
            TITLE,
            findings=tuple(findings),
            errors=tuple(errors),
            skipped=_skipped(probes),
            verified=() if errors else _verified(subject),
            checked=(
                ("requirements", len(requirements)),
                ("tables", len(model.tables)),
                ("catalog queries", stats.queries),
                ("probes", len(probes or ())),
            ),
            notes=(
                ("proof by probing: rows inserted in savepoints, always rolled back",)
                if prove
                else ("not proven by probing (--prove): catalog evidence only",)
            ),
        )


def _skipped(probes: tuple[ProbeResult, ...] | None) -> tuple[Skipped, ...]:
    return tuple(
        Skipped(FAMILY, f"probe of {p.requirement}", p.skipped)
        for p in probes or ()
        if p.skipped is not None
    )


def _verified(subject: SchemaSubject) -> tuple[Verified, ...]:
    """One entry per requirement that holds (and, after --prove, was proven)."""
    probes = {p.requirement: p for p in subject.probes or ()}
    verified = []
    for req in subject.requirements:
        outcome = evaluate(req, subject.model)
        if not outcome.satisfied:
            continue
        evidence = f"catalog: {outcome.found}"
        probe = probes.get(req.id)
        if probe is not None:
            if not probe.proven:
                continue
            evidence += f"; probe: PostgreSQL {probe.detail}"
        verified.append(Verified(FAMILY, f"{req.id}: {req.describe()} ({req.reason})", evidence))
    return tuple(verified)
