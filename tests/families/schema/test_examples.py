"""The Bad:/Good: example of every schema (SCH) and static (STA) rule.

An example is the up.sql of a one-migration project, checked against one requirement
of the reference rule pack (:data:`REQUIREMENT`). SCH rules run on both models the
audit builds, the static one (the migration file, no database) and the live one (the
migration applied to a real database), and must agree; SCH010 only exists on the live
side, with ``--prove``. STA rules run on the static model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.catalog.live import build_live_model
from auditor.catalog.static import StaticModel, build_static_model
from auditor.db.target import connect
from auditor.families.schema.probe import prove
from auditor.families.schema.rulepacks import Requirement, load_rule_packs
from auditor.families.schema.rules import FAMILY, SchemaSubject
from auditor.families.schema.settings import GenericOptions
from auditor.families.schema.static_rules import FAMILY as STATIC
from auditor.families.schema.static_rules import StaticSubject
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner
from tests.rule_examples import Example, cases, found, rule_ids, write_files

FAMILIES = (FAMILY, STATIC)
REQUIREMENT = {
    "SCH001": "users-exists",
    "SCH002": "products-price-exact",
    "SCH003": "users-email-not-null",
    "SCH004": "users-username-length",
    "SCH005": "products-price-non-negative",
    "SCH006": "users-email-unique-ci",
    "SCH007": "cart-items-unique-product",
    "SCH008": "carts-primary-key",
    "SCH009": "carts-user-fk",
    "SCH010": "carts-user-fk",
    "STA001": "users-email-length",
    "STA002": "users-username-length",
}
"""The reference pack's requirement each rule's example is checked against."""
PROBED = frozenset({"SCH010"})


def requirement(rule_id: str) -> tuple[Requirement, ...]:
    """The pack requirement a pack rule's example is judged on; none for a generic rule."""
    wanted = REQUIREMENT.get(rule_id)
    return tuple(r for r in load_rule_packs() if r.id == wanted) if wanted else ()


def generic(rule_id: str) -> GenericOptions | None:
    """The generic rules (SCH011-SCH020) run with their defaults, the pack rules without them."""
    return None if rule_id in REQUIREMENT else GenericOptions()


def project(example: Example, root: Path) -> Path:
    files = dict(example.files)
    up = files.pop("", "")
    assert not files, f"unexpected files {sorted(files)}"
    write_files(root, {"migrations/2024-01-01-000000_example/up.sql": up})
    return root / "migrations"


def static_model(migrations: Path) -> StaticModel:
    return build_static_model(load_migrations(migrations), migrations.parent)


@pytest.mark.parametrize("example", cases(FAMILY))
def test_schema_example(example: Example, tmp_path: Path, fresh_db: str) -> None:
    rule_id = example.rule.id
    requirements = requirement(rule_id)
    migrations = project(example, tmp_path)
    Runner(fresh_db, load_migrations(migrations)).migrate()
    with connect(fresh_db) as conn:
        live = build_live_model(conn)
    probes = tuple(prove(fresh_db, live, list(requirements))) if rule_id in PROBED else None
    found(
        example,
        rule_ids(FAMILY, SchemaSubject(live, requirements, probes, generic=generic(rule_id))),
    )
    if rule_id not in PROBED:
        static = static_model(migrations)
        assert static.unmodeled == ()
        subject = SchemaSubject(
            static.model, requirements, source="static", generic=generic(rule_id)
        )
        found(example, rule_ids(FAMILY, subject))


@pytest.mark.parametrize("example", cases(STATIC))
def test_static_example(example: Example, tmp_path: Path) -> None:
    static = static_model(project(example, tmp_path))
    found(example, rule_ids(STATIC, StaticSubject(static, requirement(example.rule.id))))
