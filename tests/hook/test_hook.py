"""The pre-push hook end to end: a real repository, a bare remote, real pushes."""

from __future__ import annotations

import secrets
import shutil
import string
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.core.registry import family_names
from auditor.hook.install import MARKER, HookError, parse_push_lines
from tests.conftest import REFERENCE_MIGRATIONS

BOGUS_DSN = "postgresql://auditor:never-used@127.0.0.1:1/nowhere"
ZERO = "0" * 40


class Repo:
    """A work tree with an ``origin`` bare remote on disk."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.remote = root.parent / "remote.git"

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["git", *args], cwd=self.root, env=self.env, capture_output=True, text=True
        )
        if check and done.returncode != 0:
            raise AssertionError(f"git {args}: {done.stdout}{done.stderr}")
        return done

    def write(self, name: str, text: str) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").stdout.strip()

    def push(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.git("push", "origin", *args, check=False)

    def remote_sha(self, branch: str = "main") -> str:
        return subprocess.run(
            ["git", "rev-parse", f"refs/heads/{branch}"],
            cwd=self.remote,
            capture_output=True,
            text=True,
            env=self.env,
        ).stdout.strip()

    def auditor(self, *args: str, stdin: str = "", **extra_env: str) -> Outcome:
        """Run the CLI in-process (fast) in this repository, with its environment."""
        result = CliRunner().invoke(
            cli, ["--project", str(self.root), *args], input=stdin, env={**self.env, **extra_env}
        )
        return Outcome(result.exit_code, result.stdout, result.stderr)


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def migration(repo: Repo, name: str, up: str, down: str | None) -> None:
    repo.write(f"migrations/{name}/up.sql", up)
    if down is not None:
        repo.write(f"migrations/{name}/down.sql", down)


@pytest.fixture
def repo(tmp_path: Path, clean_env: dict[str, str]) -> Repo:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **clean_env,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        # a database the hook must never touch: using it would fail the push
        "DATABASE_URL": BOGUS_DSN,
    }
    env.pop("GIT_DIR", None)
    work = tmp_path / "work"
    work.mkdir()
    r = Repo(work, env)
    subprocess.run(["git", "init", "-q", "--bare", str(r.remote)], check=True, env=env)
    r.git("init", "-q", "-b", "main")
    r.write(
        "auditor.toml",
        f"""
        fail-on = "medium"
        [gates]
        compile = {{ command = ["{sys.executable}", "-m", "compileall", "-q", "app"], timeout = 60 }}
        """,
    )
    r.write("app/__init__.py", "VALUE = 1\n")
    # the reference schema: what the shipped schema rule packs require
    shutil.copytree(REFERENCE_MIGRATIONS, work / "migrations")
    migration(
        r,
        "2024-06-01-000001_create_items",
        "CREATE TABLE items (id bigint PRIMARY KEY, sku text NOT NULL);\n",
        "DROP TABLE items;\n",
    )
    r.commit("initial")
    r.git("remote", "add", "origin", str(r.remote))
    r.git("push", "-q", "-u", "origin", "main")
    result = r.auditor("hook", "install")
    assert result.returncode == 0, result.stderr
    return r


def test_clean_push_passes_without_a_database(repo: Repo) -> None:
    migration(
        repo,
        "2024-06-02-000001_create_tags",
        "CREATE TABLE tags (id bigint PRIMARY KEY);\n",
        "DROP TABLE tags;\n",
    )
    sha = repo.commit("add tags")
    pushed = repo.push("main")
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode == 0, output
    assert "auditor: checking refs/heads/main" in output
    assert "database: none" in output
    assert "never-used" not in output
    assert repo.remote_sha() == sha


def test_failing_gate_blocks_the_push(repo: Repo) -> None:
    before = repo.remote_sha()
    repo.write("app/broken.py", "def f(:\n    pass\n")
    repo.commit("broken code")
    pushed = repo.push("main")
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode != 0
    assert "GATE001" in output and "gate compile failed" in output
    assert "push blocked" in output
    assert repo.remote_sha() == before


def test_migration_without_down_blocks_the_push(repo: Repo) -> None:
    before = repo.remote_sha()
    migration(repo, "2024-06-03-000001_create_orders", "CREATE TABLE orders (id bigint);\n", None)
    repo.commit("orders, no down")
    pushed = repo.push("main")
    assert pushed.returncode != 0
    assert "MIG004" in pushed.stdout + pushed.stderr
    assert repo.remote_sha() == before


def test_new_branch_and_branch_deletion(repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("app/feature.py", "X = 2\n")
    sha = repo.commit("feature")
    pushed = repo.push("feature")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert repo.remote_sha("feature") == sha
    deleted = repo.push("--delete", "feature")
    assert deleted.returncode == 0, deleted.stdout + deleted.stderr
    assert repo.remote_sha("feature") in ("", "refs/heads/feature")


def test_hook_run_by_hand_and_push_ranges(repo: Repo) -> None:
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.write("app/more.py", "Y = 3\n")
    head = repo.commit("more")
    line = f"refs/heads/main {head} refs/heads/main {base}\n"
    done = repo.auditor("hook", "run", "origin", str(repo.remote), stdin=line)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"({base[:12]}..{head[:12]})" in done.stdout
    # new ref: base is the parent of the first commit no remote has
    new = repo.auditor(
        "hook", "run", "origin", stdin=f"refs/heads/main {head} refs/heads/x {ZERO}\n"
    )
    assert f"({base[:12]}..{head[:12]})" in new.stdout
    # deleting only: nothing to check
    gone = repo.auditor("hook", "run", "origin", stdin=f"(delete) {ZERO} refs/heads/x {base}\n")
    assert gone.returncode == 0 and "nothing new to check" in gone.stdout
    bad = repo.auditor("hook", "run", stdin="garbage\n")
    assert bad.returncode == 2
    assert "auditor: error: pre-push input line 1" in bad.stderr


def test_pre_commit_framework_mode(repo: Repo) -> None:
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    repo.write("app/broken.py", "def f(:\n")
    head = repo.commit("broken")
    env = {"PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head}
    done = repo.auditor("hook", "run", "--pre-commit", **env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"({base[:12]}..{head[:12]})" in done.stdout
    missing = repo.auditor("hook", "run", "--pre-commit")
    assert missing.returncode == 2 and "PRE_COMMIT_TO_REF is not set" in missing.stderr


def test_install_refuses_foreign_hook_and_uninstall_restores(tmp_path: Path, repo: Repo) -> None:
    hook = repo.root / ".git" / "hooks" / "pre-push"
    assert MARKER in hook.read_text()
    assert repo.auditor("hook", "install").returncode == 0  # re-install over our own hook
    assert repo.auditor("hook", "uninstall").returncode == 0
    assert not hook.exists()
    hook.write_text("#!/bin/sh\necho team hook\n")
    refused = repo.auditor("hook", "install")
    assert refused.returncode == 2
    assert "not written by auditor" in refused.stderr and "--force" in refused.stderr
    assert hook.read_text() == "#!/bin/sh\necho team hook\n"
    assert repo.auditor("hook", "uninstall").returncode == 2  # not ours: left alone
    forced = repo.auditor("hook", "install", "--force")
    assert forced.returncode == 0, forced.stderr
    assert MARKER in hook.read_text()
    restored = repo.auditor("hook", "uninstall")
    assert restored.returncode == 0 and "restored" in restored.stdout
    assert hook.read_text() == "#!/bin/sh\necho team hook\n"


def test_install_outside_a_repository_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "hook", "install"])
    assert result.exit_code == 2
    assert "auditor: error: git rev-parse" in result.output


def test_parse_push_lines() -> None:
    assert parse_push_lines(f"refs/heads/a {'1' * 40} refs/heads/a {ZERO}\n\n") == [
        ("refs/heads/a", "1" * 40, "refs/heads/a", ZERO)
    ]
    with pytest.raises(HookError):
        parse_push_lines("a b c\n")


# --- cases that need families from other branches (secrets: issue 6, lint: issue 5) ---


@pytest.mark.skipif(
    "secrets" not in family_names(), reason="needs the secrets family (issue 6) after the merge"
)
def test_secret_added_then_removed_in_one_push_is_blocked(repo: Repo) -> None:
    token = "ghp_" + "".join(
        secrets.choice(string.ascii_letters + string.digits) for _ in range(36)
    )
    before = repo.remote_sha()
    repo.write("app/settings.py", f'GITHUB_TOKEN = "{token}"\n')
    repo.commit("add token")
    repo.write("app/settings.py", 'GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]\n')
    repo.commit("remove token")
    pushed = repo.push("main")
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode != 0, output
    assert token not in output and token[4:] not in output
    assert repo.remote_sha() == before


@pytest.mark.skipif(
    "lint" not in family_names(), reason="needs the migration lint family (issue 5) after the merge"
)
def test_index_without_concurrently_on_existing_table_is_blocked(repo: Repo) -> None:
    before = repo.remote_sha()
    migration(
        repo,
        "2024-06-04-000001_index_sku",
        "CREATE INDEX items_sku_idx ON items (sku);\n",
        "DROP INDEX items_sku_idx;\n",
    )
    repo.commit("index without CONCURRENTLY")
    pushed = repo.push("main")
    output = pushed.stdout + pushed.stderr
    assert pushed.returncode != 0, output
    assert "CONCURRENTLY" in output
    assert repo.remote_sha() == before


def test_pre_commit_entry_point_is_the_lean_one(repo: Repo) -> None:
    """`.pre-commit-hooks.yaml` runs `auditor-pre-push --pre-commit` (console script)."""
    script = Path(sys.executable).parent / "auditor-pre-push"
    base = repo.git("rev-parse", "HEAD").stdout.strip()
    migration(repo, "2024-06-05-000001_no_down", "CREATE TABLE z (id bigint);\n", None)
    head = repo.commit("no down")
    env = {**repo.env, "PRE_COMMIT_FROM_REF": base, "PRE_COMMIT_TO_REF": head}
    done = subprocess.run(
        [str(script), "--pre-commit"], cwd=repo.root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "MIG004" in done.stdout and "push blocked" in done.stderr
    env.pop("PRE_COMMIT_TO_REF")
    missing = subprocess.run(
        [str(script), "--pre-commit"], cwd=repo.root, env=env, capture_output=True, text=True
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("auditor: error: --pre-commit: PRE_COMMIT_TO_REF")


def test_summary_is_short() -> None:
    from auditor.core.findings import FamilyResult, Finding, Location, Metadata, Report, Severity
    from auditor.hook.prepush import render_summary

    findings = tuple(
        Finding("MIG004", Severity.MEDIUM, "migrations", f"m{i}", Location(file=f"f{i}"), str(i))
        for i in range(25)
    )
    report = Report(
        Metadata("0", "t", "t", ".", fail_on=Severity.MEDIUM),
        (FamilyResult("migrations", "Migrations", findings=findings),),
    )
    text = render_summary(report, limit=20)
    assert "FAILED" in text and "25 medium" in text
    assert text.count("MEDIUM   MIG004") == 20
    assert "... and 5 more finding(s)" in text
