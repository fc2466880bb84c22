"""Top-level configuration keys reach the families that use them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.config import load_config
from auditor.families.deps.settings import load_settings
from tests.migration_dirs import write_diesel


def test_top_level_advisory_database_feeds_the_dependency_audit(tmp_path: Path) -> None:
    (tmp_path / "auditor.toml").write_text('advisory-database = "osv"\n')
    settings = load_settings(load_config(tmp_path / "auditor.toml"))
    assert settings.advisory_db == (tmp_path / "osv").resolve()


def test_deps_section_wins_over_the_top_level_key(tmp_path: Path) -> None:
    (tmp_path / "auditor.toml").write_text(
        'advisory-database = "top"\n[deps]\nadvisory-db = "section"\n'
    )
    settings = load_settings(load_config(tmp_path / "auditor.toml"))
    assert settings.advisory_db == (tmp_path / "section").resolve()


def test_extra_rule_packs_apply_to_the_static_model(tmp_path: Path) -> None:
    """A requirement from a top-level ``rule-packs`` pack fails --no-db too, not only live."""
    write_diesel(tmp_path / "migrations", {"1_a": ("CREATE TABLE a (id bigint);", "DROP TABLE a;")})
    (tmp_path / "extra.toml").write_text(
        '[pack]\nname = "extra"\ndescription = "x"\n\n'
        '[[requirement]]\nid = "orders-exists"\nkind = "table"\ntable = "orders"\n'
        'severity = "high"\nreason = "orders are kept"\n'
    )
    (tmp_path / "auditor.toml").write_text(
        'rule-packs = ["extra.toml"]\n[families]\ndependencies = false\nsecrets = false\n'
    )
    result = CliRunner().invoke(
        cli,
        [
            "--project",
            str(tmp_path),
            "--config",
            str(tmp_path / "auditor.toml"),
            "--migrations",
            str(tmp_path / "migrations"),
            "audit",
            "--no-db",
            "--only",
            "static",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "orders-exists" in result.output
