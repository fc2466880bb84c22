"""The ``static`` family: the schema requirements checked on the migration files alone.

The migrations are replayed with sqlglot into the static model
(:mod:`auditor.catalog.static`); the same SCH rules as the live ``schema`` family run
on it, with findings pointing to the migration file and line that created (or should
have created) the object. Statements that could not be modeled are STA001 findings,
and a requirement that could depend on one is STA002 (*uncertain*), never a pass.

With a database audited, the live ``schema`` family owns the SCH verdicts and this
family only reports what the static model cannot read (STA001); without one, it is
the schema audit, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from auditor.catalog.model import CatalogModel
from auditor.catalog.static import StaticModel
from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Finding, Location, Verified, fingerprint
from auditor.core.rules import rules_of, run_rules
from auditor.families.schema import static_rules as sta
from auditor.families.schema.rulepacks import Requirement, RulePackError, load_rule_packs
from auditor.families.schema.rules import FAMILY as SCHEMA_FAMILY
from auditor.families.schema.rules import SchemaSubject, evaluate
from auditor.families.schema.settings import SchemaOptions, packs_note
from auditor.migrate.layouts import LayoutError, load_migrations

FAMILY = sta.FAMILY
TITLE = "Schema (static model, from the migration files)"
NO_DATABASE_NOTE = (
    "no database audited: the schema was checked on the static model of the migrations"
)


@dataclass(frozen=True)
class StaticOptions:
    """Settings of the static schema audit."""

    layout: str | None = None
    """Migration layout, or None to detect it."""
    force: bool = False
    """Run the SCH rules on the static model even when a database is audited."""
    schema: SchemaOptions | None = None


def load_static_model(ctx: AuditContext, layout: str | None = None) -> StaticModel:
    """The static model of the project's migrations (layout from config unless given)."""
    from auditor.families.lint.shared import static_model

    migrations = load_migrations(ctx.migrations, layout or ctx.config.layout())
    return static_model(migrations, ctx.project)  # the replay shared with the lint, cached


class StaticSchemaFamily(Family):
    """Schema requirements on the static model; unmodeled statements; uncertain verdicts."""

    name = FAMILY
    title = TITLE

    def __init__(self, options: StaticOptions | None = None) -> None:
        self.options = options or StaticOptions()

    def run(self, ctx: AuditContext) -> FamilyResult:
        try:
            schema_options = self.options.schema or SchemaOptions.from_config(ctx.config)
            requirements = tuple(load_rule_packs(schema_options.pack_paths(ctx.migrations)))
            static = load_static_model(ctx, self.options.layout)
        except (RulePackError, LayoutError) as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        full = self.options.force or ctx.database is None
        subject = sta.StaticSubject(static, requirements if full else ())
        findings, errors = run_rules(rules_of(FAMILY), subject)
        verified: list[Verified] = []
        notes = [
            f"static model: {static.modeled} of {static.statements} statements modeled "
            f"in {static.files} migration file(s), {len(static.unmodeled)} not modeled"
        ]
        if full:
            uncertain = {r.id for r in sta.uncertain_requirements(subject)}
            certain = tuple(r for r in requirements if r.id not in uncertain)
            schema_subject = SchemaSubject(
                static.model,
                certain,
                source="static",
                generic=schema_options.generic,
                uncertain=tuple(r for r in requirements if r.id in uncertain),
            )
            sch_findings, sch_errors = run_rules(rules_of(SCHEMA_FAMILY), schema_subject)
            findings += [_relocate(f, static.model, requirements) for f in sch_findings]
            errors += sch_errors
            if not errors:
                verified = [
                    Verified(
                        FAMILY,
                        f"{r.id}: {r.describe()} ({r.reason})",
                        f"migrations: {evaluate(r, static.model).found}",
                    )
                    for r in certain
                    if evaluate(r, static.model).satisfied
                ]
            notes.append(packs_note(schema_options, ctx.migrations, requirements))
            if ctx.database is None:
                notes.insert(0, NO_DATABASE_NOTE)
        else:
            notes.append("schema requirements were checked on the live database (family schema)")
        return FamilyResult(
            FAMILY,
            TITLE,
            findings=tuple(findings),
            errors=tuple(errors),
            verified=tuple(verified),
            also_evaluated=(SCHEMA_FAMILY,) if full else (),
            checked=(
                ("migration files", static.files),
                ("statements", static.statements),
                ("statements modeled", static.modeled),
                ("statements not modeled", len(static.unmodeled)),
                ("requirements", len(requirements) if full else 0),
            ),
            notes=tuple(notes),
        )


def origin_of(model: CatalogModel, table_name: str, columns: tuple[str, ...] = ()) -> Location:
    """The migration file and line that created a table (or its first listed column)."""
    table = model.table(table_name)
    if table is None:
        return Location()
    origin = table.origin
    for name in columns:
        column = table.column(name)
        if column is not None and column.origin is not None:
            origin = column.origin
            break
    if origin is None:
        return Location()
    return Location(file=origin.file, line=origin.line)


def _relocate(
    finding: Finding, model: CatalogModel, requirements: tuple[Requirement, ...]
) -> Finding:
    """Point an SCH finding at the migration that created (or should have created) the object."""
    req_id = dict(finding.evidence).get("requirement")
    req = next((r for r in requirements if r.id == req_id), None)
    if req is None:  # a generic rule: it located the object's migration itself
        return replace(finding, family=FAMILY)
    where = origin_of(model, req.table, req.columns)
    location = Location(file=where.file, line=where.line, object=finding.location.object)
    return replace(
        finding,
        family=FAMILY,
        location=location,
        fingerprint=fingerprint(finding.rule_id, location, req.id),
    )
