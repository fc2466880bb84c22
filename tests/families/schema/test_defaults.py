"""What runs by default: the reference pack on the reference schema only, ``rules = []``,
no silent fallback to the reference project, and Diesel's helper functions modeled."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from auditor.catalog.live import build_live_model
from auditor.catalog.static import build_static_model
from auditor.cli import cli
from auditor.core.config import load_config
from auditor.core.resources import reference_migrations
from auditor.db.target import connect
from auditor.families.schema.rulepacks import load_rule_packs
from auditor.families.schema.settings import SchemaOptions
from auditor.families.starter import PACK_TEMPLATE
from auditor.migrate.layouts import load_migrations
from auditor.migrate.runner import Runner

# Diesel's generated setup (00000000000000_diesel_initial_setup), as every Diesel project has it
DIESEL_SETUP = """
CREATE OR REPLACE FUNCTION diesel_manage_updated_at(_tbl regclass) RETURNS VOID AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s
                    FOR EACH ROW EXECUTE PROCEDURE diesel_set_updated_at()', _tbl);
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION diesel_set_updated_at() RETURNS trigger AS $$
BEGIN
    IF (NEW IS DISTINCT FROM OLD AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at) THEN
        NEW.updated_at := current_timestamp;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
APP = """
CREATE TABLE posts (
    id BIGSERIAL PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
SELECT diesel_manage_updated_at('posts');
"""


def _diesel_project(root: Path) -> Path:
    migrations = root / "migrations"
    for name, sql in (
        ("00000000000000_diesel_initial_setup", DIESEL_SETUP),
        ("2024-01-01-000000_posts", APP),
    ):
        (migrations / name).mkdir(parents=True)
        (migrations / name / "up.sql").write_text(sql)
        (migrations / name / "down.sql").write_text("SELECT 1;\n")
    return migrations


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_reference_pack_only_on_the_reference_migrations(tmp_path: Path) -> None:
    options = SchemaOptions()
    assert options.pack_paths(reference_migrations()) != []
    assert options.pack_paths(tmp_path / "migrations") == []
    assert SchemaOptions(reference_pack=True).pack_paths(tmp_path) != []
    assert SchemaOptions(rules=(), reference_pack=True).pack_paths(reference_migrations()) == []
    assert load_rule_packs([]) == []


def test_rules_empty_list_is_not_unset(tmp_path: Path) -> None:
    (tmp_path / "auditor.toml").write_text("[schema]\nrules = []\n")
    config = load_config(tmp_path / "auditor.toml")
    assert SchemaOptions.from_config(config).pack_paths(reference_migrations()) == []
    (tmp_path / "auditor.toml").write_text("[schema]\nreference-pack = true\ngeneric = false\n")
    options = SchemaOptions.from_config(load_config(tmp_path / "auditor.toml"))
    assert options.pack_paths(tmp_path) != [] and options.generic is None
    (tmp_path / "auditor.toml").write_text('[schema.patterns]\nnope = ["x"]\n')
    code, out = _run("--config", str(tmp_path / "auditor.toml"), "schema", "check", "--static")
    assert code == 2 and "schema.patterns.nope" in out and "unknown pattern set" in out


def test_diesel_helpers_are_modeled_not_uncertain(tmp_path: Path, fresh_db: str) -> None:
    migrations = load_migrations(_diesel_project(tmp_path))
    static = build_static_model(migrations, tmp_path)
    assert static.unmodeled == ()
    Runner(fresh_db, migrations).migrate()
    conn = connect(fresh_db)
    try:
        live = build_live_model(conn)
    finally:
        conn.close()
    posts = static.model.table("posts")
    assert posts is not None and [t.name for t in posts.triggers] == ["set_updated_at"]
    assert static.model.table("posts") == live.table("posts")  # the same trigger, live and static


def test_diesel_project_without_configuration(tmp_path: Path) -> None:
    _diesel_project(tmp_path)
    code, out = _run("--project", str(tmp_path), "--migrations", str(tmp_path / "migrations"),
                     "schema", "check", "--static", "--format", "json")  # fmt: skip
    report = json.loads(out)
    assert code == 0, out
    assert report["findings"] == []
    notes = " ".join(report["families"][0]["notes"])
    assert "no rule pack" in notes and "generic rules" in notes


def test_empty_directory_has_nothing_to_audit(tmp_path: Path) -> None:
    code, out = _run("--project", str(tmp_path), "audit", "--no-db")
    assert code == 2
    assert "nothing to audit" in out and "--reference" in out
    code, out = _run("--project", str(tmp_path), "--reference", "audit", "--no-db", "--format", "json",
                     "--only", "static")  # fmt: skip
    assert code == 0, out
    report = json.loads(out)
    assert any("the shipped reference project" in n for n in report["notices"])
    assert report["families"][0]["checked"]["requirements"] >= 20


def test_init_writes_a_pack_template_that_loads_once_uncommented(tmp_path: Path) -> None:
    _diesel_project(tmp_path)
    code, out = _run("--project", str(tmp_path), "init")
    assert code == 0, out
    text = (tmp_path / PACK_TEMPLATE).read_text()
    assert "# kind = " in text and "\n[[requirement]]" not in text
    lines = [line[2:] if line.startswith("# ") and (" = " in line or "[[" in line) else line
             for line in text.splitlines()]  # fmt: skip
    pack = tmp_path / "uncommented.toml"
    pack.write_text("\n".join(lines) + "\n")
    ids = {r.id for r in load_rule_packs([pack])}
    assert {"posts-primary-key", "posts-title-length"} <= ids
