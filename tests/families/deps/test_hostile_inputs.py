"""Issue 24: credentials in requirement URLs and files outside the project never reach output."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from tests.paths import TEST_DATA

OSV = TEST_DATA / "deps" / "osv"
FORMATS = ("text", "md", "json", "sarif", "junit")
PLANTED = (
    "glpat-AbCdEf0123456789xYzW",
    "S3cr3tPassw0rdQ",
    "ghp_AbCdEf0123456789AbCdEf0123456789abcd",
    "T0kenValue99",
)
REQUIREMENTS = f"""\
x @ git+https://oauth2:{PLANTED[0]}@gitlab.com/grp/x.git
y @ https://build:{PLANTED[1]}@host.example/y.tar.gz
z @ https://{PLANTED[2]}@github.com/o/z.tar.gz
git+https://{PLANTED[3]}@gitlab.com/grp/w.git
"""


def _audit(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["--project", str(project), "deps", "audit", "--advisory-db", str(OSV), *args]
    )
    return result.exit_code, result.output


def _planted_pieces(text: str, planted: tuple[str, ...] = PLANTED) -> int:
    """How many 5-character pieces of a planted value appear in ``text``."""
    return sum(value[i : i + 5] in text for value in planted for i in range(len(value) - 4))


@pytest.mark.parametrize("fmt", FORMATS)
def test_url_credentials_are_not_in_any_format(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    code, output = _audit(tmp_path, "--format", fmt)
    assert code == 1  # four DEP002 findings, one per URL requirement
    assert output.count("gitlab.com") >= 1
    assert _planted_pieces(output) == 0


def test_unparseable_line_holding_a_token_is_not_echoed(tmp_path: Path) -> None:
    secret = "Sup3rSecretTokValue"
    (tmp_path / "requirements.txt").write_text(f"bad @@ https://u:{secret}@h/x\n")
    code, output = _audit(tmp_path)
    assert code == 2
    assert "requirements.txt:1: invalid requirement" in output
    assert _planted_pieces(output, (secret, "bad @@")) == 0


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink"])
def test_include_outside_the_project_is_refused_unread(tmp_path: Path, how: str) -> None:
    outside = tmp_path / "host" / "pgpass"
    outside.parent.mkdir()
    secret = "db.internal:5432:*:app:PgPassSecret_4f9a"
    outside.write_text(secret + "\n")
    project = tmp_path / "project"
    project.mkdir()
    target = {"absolute": str(outside), "dotdot": "../host/pgpass", "symlink": "linked.txt"}[how]
    if how == "symlink":
        (project / "linked.txt").symlink_to(outside)
    (project / "requirements.txt").write_text(f"requests==2.32.3\n-r {target}\n")
    code, output = _audit(project)
    assert code == 2
    assert "requirements.txt:2: -r include outside the project" in output
    assert _planted_pieces(output, (secret,)) == 0


def test_include_inside_the_project_still_works(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.txt").write_text("requests==2.32.3\n")
    (tmp_path / "requirements.txt").write_text("-r sub/base.txt\n")
    code, output = _audit(tmp_path, "--format", "json")
    assert code in (0, 1), output
    assert "include outside" not in output


def test_yaml_lock_syntax_error_does_not_quote_the_file(tmp_path: Path) -> None:
    secret = "NpmTok3nSecretValue"
    (tmp_path / "pnpm-lock.yaml").write_text(
        f"lockfileVersion: '9.0'\nsettings: [oops {secret}: x\n"
    )
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "deps", "audit"])
    assert result.exit_code == 2
    assert "pnpm-lock.yaml: invalid YAML at line" in result.output
    assert _planted_pieces(result.output, (secret,)) == 0


# rows 7-8: an empty advisory source or an empty/broken input is never "0 inputs, exit 0"


def test_empty_advisory_database_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\n")
    result = CliRunner().invoke(
        cli, ["--project", str(tmp_path), "deps", "audit", "--advisory-db", str(tmp_path / "empty")]
    )
    assert result.exit_code == 2
    assert "no PyPI record" in result.output


@pytest.mark.parametrize(
    "name, text",
    [
        ("pyproject.toml", '[project]\nname = "x"\ndependencies = ["requests==2.0.0"]\n[oops\n'),
        ("uv.lock", ""),
        ("uv.lock", "version = 1\n"),
        ("poetry.lock", "# empty\n"),
        ("pylock.toml", 'lock-version = "1.0"\n'),
    ],
)
@pytest.mark.parametrize("command", [["deps", "audit"], ["audit", "--only", "dependencies"]])
def test_empty_or_broken_input_is_exit_2(
    tmp_path: Path, name: str, text: str, command: list[str]
) -> None:
    (tmp_path / name).write_text(text)
    config = tmp_path / "cfg" / "auditor.toml"
    config.parent.mkdir()
    config.write_text(f'[deps]\nadvisory-db = "{OSV}"\n')
    args = ["--project", str(tmp_path), "--config", str(config), *command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert name in result.output


def test_comment_only_requirements_does_not_hide_declared_dependencies(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("# pinned in pyproject.toml\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\ndependencies = ["requests==2.0.0"]\n'
    )
    code, output = _audit(tmp_path)
    assert code in (0, 1)
    assert "1 pins checked" in output


# row 9: a malformed record for an audited package makes its result unknown (DEP002)


def _osv_record(directory: Path, record_id: str, package: str, events: str) -> None:
    directory.mkdir(exist_ok=True)
    (directory / f"{record_id}.json").write_text(
        f'{{"id": "{record_id}", "modified": "2026-01-10T00:00:00Z", "affected": [{{'
        f'"package": {{"ecosystem": "PyPI", "name": "{package}"}}, '
        f'"ranges": [{{"type": "ECOSYSTEM", "events": {events}}}]}}]}}'
    )


@pytest.mark.parametrize(
    "events",
    [
        '[{"introduced": "0"}, {"fixed": "not a version!"}]',
        '[{"fixed": "3.0"}]',
        '["introduced"]',
        '[{"introduced": "0", "fixed": "3.0"}]',
        '[{"introduced": "0"}, {"patched": "3.0"}]',
    ],
)
def test_malformed_record_for_an_audited_package_is_dep002(tmp_path: Path, events: str) -> None:
    db = tmp_path / "osv"
    _osv_record(db, "PYSEC-9999-1", "requests", events)
    _osv_record(db, "PYSEC-9999-2", "other", '[{"introduced": "0"}, {"fixed": "1.0"}]')
    (tmp_path / "requirements.txt").write_text("requests==2.0.0\n")
    result = CliRunner().invoke(
        cli, ["--project", str(tmp_path), "deps", "audit", "--advisory-db", str(db)]
    )
    assert result.exit_code != 0
    assert "DEP002" in result.output and "malformed advisory record (PYSEC-9999-1)" in result.output


def test_malformed_record_of_another_package_does_not_taint(tmp_path: Path) -> None:
    db = tmp_path / "osv"
    _osv_record(db, "PYSEC-9999-1", "other", '[{"fixed": "3.0"}]')
    _osv_record(db, "PYSEC-9999-2", "requests", '[{"introduced": "0"}, {"fixed": "1.0"}]')
    (tmp_path / "requirements.txt").write_text("requests==2.0.0\n")
    result = CliRunner().invoke(
        cli, ["--project", str(tmp_path), "deps", "audit", "--advisory-db", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert "DEP002" not in result.output


# row 11: "could not be audited" is never hidden by the threshold


@pytest.mark.parametrize("command", [["deps", "audit"], ["audit", "--only", "dependencies"]])
def test_unauditable_pin_below_the_threshold_is_exit_2(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "requirements.txt").write_text("requests>=2\n")
    config = tmp_path / "cfg" / "auditor.toml"
    config.parent.mkdir()
    config.write_text(f'[deps]\nadvisory-db = "{OSV}"\n')
    args = ["--project", str(tmp_path), "--config", str(config), *command]
    masked = CliRunner().invoke(cli, [*args, "--fail-on", "critical"])
    assert masked.exit_code == 2
    assert "does not hide that: the audit is incomplete" in masked.output
    gating = CliRunner().invoke(cli, [*args, "--fail-on", "high"])
    assert gating.exit_code == 1
    assert "DEP002" in gating.output
