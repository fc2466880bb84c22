"""The ``schema`` family: are the rule packs' requirements enforced by the live database?"""

from __future__ import annotations

from auditor.core.errors import AuditorError
from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Skipped, Verified
from auditor.core.rules import rules_of, run_rules
from auditor.db.dsn import scrub
from auditor.db.target import DatabaseTarget, DatabaseUnavailable
from auditor.families.schema.rulepacks import RulePackError, load_rule_packs
from auditor.families.schema.rules import FAMILY, ProbeResult, SchemaSubject, evaluate
from auditor.families.schema.settings import SchemaOptions, packs_note

TITLE = "Schema requirements"


class ProveRefused(AuditorError):
    """``--prove`` was asked for on a database that is not disposable, without consent."""


class SchemaFamily(Family):
    """Required constraints: read from pg_catalog, matched semantically, proven by probing."""

    name = FAMILY
    title = TITLE
    needs_database = True

    def __init__(self, options: SchemaOptions | None = None) -> None:
        self.options = options

    def prepare(self, ctx: AuditContext) -> tuple[str, ...]:
        """Refuse ``--prove`` on a database that is not disposable without ``--allow-writes``."""
        target = ctx.database
        if target is None:
            return ()
        options = self.options or SchemaOptions.from_config(ctx.config)
        if not _wants_proof(options, target) or target.disposable:
            return ()
        if not options.allow_writes:
            raise ProveRefused(
                f"refusing to --prove on {target.label}: probing inserts rows (always rolled "
                "back); add --allow-writes to allow it on a database that is not disposable"
            )
        return ("--prove --allow-writes: probe rows were inserted and rolled back",)

    def run(self, ctx: AuditContext) -> FamilyResult:
        try:
            options = self.options or SchemaOptions.from_config(ctx.config)
            requirements = tuple(load_rule_packs(options.pack_paths(ctx.migrations)))
        except RulePackError as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        if ctx.database is None:
            return FamilyResult(
                FAMILY,
                TITLE,
                skipped=(Skipped(FAMILY, "live schema requirements", "no database audited"),),
            )
        target = ctx.database
        prove = _wants_proof(options, target)
        if prove and not target.disposable and not options.allow_writes:
            self.prepare(ctx)  # raises: never probe without consent, even if not prepared
        import psycopg

        from auditor.catalog.live import BuildStats, build_live_model
        from auditor.db.target import connect

        stats = BuildStats()
        try:
            conn = connect(target.dsn)
            try:
                model = build_live_model(conn, options.schemas or None, stats)
            finally:
                conn.close()
            probes: tuple[ProbeResult, ...] | None = None
            if prove:
                from auditor.families.schema.probe import prove as run_probes

                probes = tuple(run_probes(target.dsn, model, list(requirements)))
        except (psycopg.Error, DatabaseUnavailable) as exc:
            message = scrub(f"cannot read the schema: {' '.join(str(exc).split())}", target.dsn)
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, message),))
        subject = SchemaSubject(
            model=model, requirements=requirements, probes=probes, generic=options.generic
        )
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
                packs_note(options, ctx.migrations, requirements),
                "proof by probing: rows inserted in savepoints, always rolled back"
                if prove
                else "not proven by probing (--prove): catalog evidence only",
            ),
        )


def _wants_proof(options: SchemaOptions, target: DatabaseTarget) -> bool:
    """``prove`` as configured, else only on a disposable (embedded) database."""
    return options.prove if options.prove is not None else target.disposable


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
