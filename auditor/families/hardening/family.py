"""The ``hardening`` family: roles, settings and privileges of the audited server."""

from __future__ import annotations

from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Skipped, Verified
from auditor.core.rules import rules_of, run_rules
from auditor.db.target import DatabaseUnavailable
from auditor.families.hardening.collect import collect_facts
from auditor.families.hardening.rules import (
    FAMILY,
    NEEDS,
    SERVER_RULES,
    HardeningAudit,
    verified_evidence,
)
from auditor.families.hardening.settings import hardening_policy

TITLE = "Server hardening"


class HardeningFamily(Family):
    """Server hardening: the catalog-readable controls of the CIS PostgreSQL benchmark."""

    name = FAMILY
    title = TITLE
    needs_database = True

    def prepare(self, ctx: AuditContext) -> tuple[str, ...]:
        """On the embedded server, say whose settings these are."""
        if ctx.database is not None and ctx.database.disposable:
            return (
                "embedded throwaway database: its server settings are the tool's own, not yours",
            )
        return ()

    def run(self, ctx: AuditContext) -> FamilyResult:
        policy = hardening_policy(ctx.config)
        if ctx.database is None:
            return FamilyResult(
                FAMILY,
                TITLE,
                skipped=(
                    Skipped(
                        FAMILY,
                        f"server hardening ({rules_of(FAMILY)[0].id}-{rules_of(FAMILY)[-1].id})",
                        "no database audited",
                    ),
                ),
            )
        try:
            facts = collect_facts(ctx.database.dsn)
        except DatabaseUnavailable as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        audit = HardeningAudit(facts=facts, policy=policy)
        inactive = policy.inactive_rules()
        rules = [r for r in rules_of(FAMILY) if r.id not in inactive]
        skipped: list[Skipped] = []
        if ctx.database.disposable:
            server_rules = sorted(r.id for r in rules if r.id in SERVER_RULES)
            rules = [r for r in rules if r.id not in SERVER_RULES]
            skipped.append(
                Skipped(
                    FAMILY,
                    f"server roles, settings, pg_hba.conf and version ({', '.join(server_rules)})",
                    "the embedded throwaway server is the tool's own, not the project's: "
                    "audit the real server with --db",
                )
            )
        findings, errors = run_rules(rules, audit)
        failed = {e.message.split()[1] for e in errors}
        hit_rules = {f.rule_id for f in findings}
        verified: list[Verified] = []
        for item in rules:
            missing = facts.missing(NEEDS.get(item.id, ()))
            for gap in missing:
                skipped.append(
                    Skipped(
                        FAMILY,
                        f"{item.id} {item.title}: {gap.fact}",
                        f"role {facts.user} cannot read {gap.fact}; needs {gap.privilege}",
                    )
                )
            if not missing and item.id not in hit_rules and item.id not in failed:
                verified.append(
                    Verified(FAMILY, f"{item.id} {item.title}", verified_evidence(item.id, audit))
                )
        notes = [
            f"audited as role {facts.user} on database {facts.database}, "
            f"PostgreSQL {facts.version}; privileges and objects are those of this database only",
        ]
        notes.extend(f"{rule_id} not required: {why}" for rule_id, why in inactive.items())
        if facts.absent_settings:
            notes.append(
                f"settings this server version does not have: {', '.join(facts.absent_settings)}"
            )
        return FamilyResult(
            FAMILY,
            TITLE,
            findings=tuple(findings),
            skipped=tuple(skipped),
            errors=tuple(errors),
            verified=tuple(verified),
            checked=(
                ("roles", len(facts.roles)),
                ("settings", len(facts.settings)),
                ("hba lines", len(facts.hba or ())),
                ("tables", len(facts.tables)),
                ("functions", len(facts.definer_functions) + len(facts.untrusted_functions)),
            ),
            notes=tuple(notes),
        )
