"""The secret scanner: recall on a planted corpus, parity with detect-secrets, git modes,
baselines, skips, and that no output ever contains a secret."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.families.secrets import engine as engine
from auditor.families.secrets.runner import ScanOptions, ScanResult, scan
from auditor.families.secrets.sources import SourceError
from tests.secrets_corpus import GENERATORS, GROUPED, Planted, build_corpus

AWS_LINE = 'aws = "AKIA' + 'Z3K8Q2M7X4P9W6RT"\n'
DSN_LINE = 'pw = "postgresql://:S3cret-pw!@db/app"\n'  # pragma: allowlist secret
GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return done.stdout.strip()


def init_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    return root


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")


def run_scan(root: Path, **kwargs: object) -> ScanResult:
    options = ScanOptions(root=root, jobs=1, use_cache=False, **kwargs)  # type: ignore[arg-type]
    return scan(options)


@pytest.fixture(scope="module")
def seed() -> int:
    return random.SystemRandom().randrange(2**32)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, seed: int) -> tuple[Path, list[Planted]]:
    root = init_repo(tmp_path_factory.mktemp("corpus") / "repo")
    planted = build_corpus(root, random.Random(seed))
    commit_all(root, "planted")
    return root, planted


@pytest.fixture(scope="module")
def corpus_result(corpus: tuple[Path, list[Planted]]) -> ScanResult:
    return run_scan(corpus[0])


def _missed(planted: list[Planted], result: ScanResult) -> list[Planted]:
    exact = {(h.file, h.line, h.type) for h in result.hits}
    by_type = {(h.file, h.type) for h in result.hits}
    return [
        p
        for p in planted
        if (p.file, p.line, p.type) not in exact
        and not (p.type in GROUPED and (p.file, p.type) in by_type)
    ]


def test_corpus_covers_every_type_and_format(corpus: tuple[Path, list[Planted]]) -> None:
    _, planted = corpus
    assert {p.type for p in planted} == set(GENERATORS)
    suffixes = {Path(p.file).suffix or Path(p.file).name for p in planted}
    assert {".py", ".env", ".yaml", ".json", ".tf", ".ipynb", ".sql", "Dockerfile"} <= suffixes


def test_planted_secrets_found_with_right_type(
    corpus: tuple[Path, list[Planted]], corpus_result: ScanResult, seed: int
) -> None:
    _, planted = corpus
    missed = _missed(planted, corpus_result)
    assert not missed, f"seed {seed}: missed {[(m.file, m.line, m.type) for m in missed]}"
    assert corpus_result.files == 8


def test_no_detect_secrets_finding_missed(
    corpus: tuple[Path, list[Planted]], corpus_result: ScanResult
) -> None:
    """detect-secrets' own scan of the corpus, default settings: ours finds all of it."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import cache_bust, default_settings

    root, _ = corpus
    cache_bust()
    get_mapping_from_secret_type_to_class.cache_clear()
    theirs: set[tuple[str, str, str]] = set()
    cwd = Path.cwd()
    try:
        os.chdir(root)
        with default_settings():
            collection = SecretsCollection()
            for name in git(root, "ls-files").splitlines():
                collection.scan_file(name)
        theirs = {(f, s.type, s.secret_hash) for f, s in collection}
    finally:
        os.chdir(cwd)
        engine.configure()
    ours = {(h.file, h.type, h.hashed_secret) for h in corpus_result.hits}
    assert theirs, "detect-secrets found nothing: the comparison would be empty"
    assert theirs - ours == set()


def test_pragmas_silence_every_planted_secret(tmp_path: Path, seed: int) -> None:
    root = init_repo(tmp_path / "repo")
    build_corpus(root, random.Random(seed), pragma=True)
    result = run_scan(root)
    assert result.hits == (), f"seed {seed}: {[(h.file, h.line, h.type) for h in result.hits]}"


@pytest.mark.parametrize(
    "line",
    [
        'key = "AKIA{v}"  # pragma: allowlist secret',
        'key = "AKIA{v}"; // pragma: allowlist secret',
        'key = "AKIA{v}"; /* pragma: allowlist secret */',
        'key = "AKIA{v}" \' pragma: allowlist secret',
        "key = 'AKIA{v}' -- pragma: allowlist secret",
        'key = "AKIA{v}" <!-- pragma: allowlist secret -->',
        '# pragma: allowlist nextline secret\nkey = "AKIA{v}"',
    ],
)
def test_comment_styles(tmp_path: Path, line: str) -> None:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # pragma: allowlist secret
    value = "".join(random.choice(alphabet) for _ in range(16))
    (tmp_path / "a.txt").write_text(line.format(v=value) + "\n")
    (tmp_path / "b.txt").write_text(f'key = "AKIA{value}"\n')
    result = run_scan(tmp_path)
    assert {h.file for h in result.hits} == {"b.txt"}


def test_baseline_makes_corpus_pass_and_is_detect_secrets_compatible(
    tmp_path: Path, seed: int
) -> None:
    root = init_repo(tmp_path / "repo")
    build_corpus(root, random.Random(seed))
    runner = CliRunner()
    first = runner.invoke(cli, ["--project", str(root), "secrets", "scan", "--no-cache"])
    assert first.exit_code == 1, first.output
    update = runner.invoke(
        cli, ["--project", str(root), "secrets", "scan", "--update-baseline", "--no-cache"]
    )
    assert update.exit_code == 0, update.output
    again = runner.invoke(
        cli, ["--project", str(root), "secrets", "scan", "--format", "json", "--no-cache"]
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["findings"] == []

    # detect-secrets reads it (same JSON and hashes, our plugins registered by path)
    from detect_secrets.core import baseline as ds_baseline

    data = ds_baseline.load_from_file(str(root / ".secrets.baseline"))
    collection = ds_baseline.load(data, str(root / ".secrets.baseline"))
    recorded = {(f, s.type, s.secret_hash) for f, s in collection}
    ours = {
        (h.file, h.type, h.hashed_secret)
        for h in run_scan(root, excludes=(".secrets.baseline",)).hits
    }
    assert recorded == ours
    engine.configure()

    # audited flags survive an update; a new secret is added
    doc = json.loads((root / ".secrets.baseline").read_text())
    first_file = sorted(doc["results"])[0]
    doc["results"][first_file][0]["is_secret"] = False
    (root / ".secrets.baseline").write_text(json.dumps(doc, indent=2))
    (root / "new.py").write_text('token = "ghp_' + "Ab1" * 12 + '"\n')
    new = runner.invoke(cli, ["--project", str(root), "secrets", "scan", "--no-cache"])
    assert new.exit_code == 1 and "new.py" in new.output
    runner.invoke(cli, ["--project", str(root), "secrets", "scan", "--update-baseline"])
    doc = json.loads((root / ".secrets.baseline").read_text())
    assert doc["results"][first_file][0]["is_secret"] is False
    assert "new.py" in doc["results"]


def test_a_detect_secrets_baseline_is_adopted(tmp_path: Path) -> None:
    """A baseline written by detect-secrets itself: its secrets do not fail the gate."""
    root = init_repo(tmp_path / "repo")
    (root / "conf.py").write_text(
        'aws = "AKIA'
        + "Q7XJ2K9PLM4WZ8RT"
        + '"\npassword = "s3cr3t-Value9"\n'  # pragma: allowlist secret
    )
    commit_all(root, "x")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "detect-secrets"), "scan", "--no-verify"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    (root / ".secrets.baseline").write_text(done.stdout)
    result = CliRunner().invoke(cli, ["--project", str(root), "secrets", "scan", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "2 baselined secrets" in result.output


def test_outputs_never_contain_a_secret(corpus: tuple[Path, list[Planted]], tmp_path: Path) -> None:
    root, planted = corpus
    out = tmp_path / "outputs"
    out.mkdir()
    runner = CliRunner()
    for fmt in ("text", "json", "md"):
        done = runner.invoke(
            cli, ["--project", str(root), "secrets", "scan", "--format", fmt, "--no-cache"]
        )
        assert done.exit_code == 1
        (out / f"report.{fmt}").write_text(done.output)
        runner.invoke(
            cli,
            [
                "--project",
                str(root),
                "secrets",
                "scan",
                "--format",
                fmt,
                "--output",
                str(out / f"file.{fmt}"),
            ],
        )
    since = runner.invoke(
        cli,
        [
            "--project",
            str(root),
            "secrets",
            "scan",
            "--since",
            git(root, "rev-list", "--max-parents=0", "HEAD") + "~0",
        ],
    )
    (out / "since.txt").write_text(since.output)
    texts = {p.name: p.read_text() for p in out.iterdir()}
    assert all("SEC0" in t for name, t in texts.items() if name.startswith(("report", "file")))
    for p in planted:
        if len(p.value) >= 8 and p.type not in GROUPED:
            assert not any(p.value in t for t in texts.values()), p.type
    hashes = {hashlib.sha1(p.value.encode()).hexdigest() for p in planted}
    result = run_scan(out)
    reports = [name for name in texts if name.endswith(".json")]
    assert reports, "no JSON report written: the own-report skip would not be exercised"
    assert result.files == len(texts) - len(reports)
    assert result.skip_counts() == {engine.OwnReport().reason: len(reports)}
    assert not [h for h in result.hits if h.hashed_secret in hashes]
    assert not [h for h in result.hits if h.type not in engine.GENERIC_TYPES]


def test_since_catches_secret_added_then_removed(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "app.py").write_text("print('hello')\n")
    base = commit_all(root, "base")
    token = "ghp_" + "".join(random.choice("abcdefXYZ0123456789") for _ in range(36))
    (root / "app.py").write_text(f"print('hello')\nTOKEN = \"{token}\"\n")
    added = commit_all(root, "add token")
    (root / "app.py").write_text("print('hello')\n")
    commit_all(root, "remove token")
    assert run_scan(root).hits == ()
    result = run_scan(root, mode="since", since=base)
    assert result.commits == 2
    github = [h for h in result.hits if h.type == "GitHub Token"]
    assert [(h.file, h.line, h.commit) for h in github] == [("app.py", 2, added)]
    cli_run = CliRunner().invoke(
        cli, ["--project", str(root), "secrets", "scan", "--since", base, "--no-cache"]
    )
    assert cli_run.exit_code == 1
    assert f"{added[:12]}:app.py:2" in cli_run.output
    assert token not in cli_run.output
    # the pre-push flow as a real subprocess
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor",
            "--project",
            str(root),
            "secrets",
            "scan",
            "--since",
            base,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "SEC008" in done.stdout and added[:12] in done.stdout
    assert token not in done.stdout + done.stderr


def test_staged_scans_the_index(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "keep.py").write_text("x = 1\n")
    commit_all(root, "base")
    (root / "cfg.py").write_text('aws = "AKIA' + "Z3K8Q2M7X4P9W6RT" + '"\n')
    git(root, "add", "cfg.py")
    (root / "cfg.py").write_text("aws = os.environ['AWS']\n")  # work tree differs from index
    staged = run_scan(root, mode="staged")
    assert [(h.file, h.type) for h in staged.hits] == [("cfg.py", "AWS Access Key")]
    assert run_scan(root).hits == ()


def test_skips_are_counted_with_reasons(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    outside = tmp_path / "outside.txt"
    outside.write_text('aws = "AKIA' + "Z3K8Q2M7X4P9W6RT" + '"\n')
    (root / "link.txt").symlink_to(outside)
    (root / "blob.bin").write_bytes(b"\x00\x01AKIA" + b"Z3K8Q2M7X4P9W6RT")
    (root / "latin.txt").write_bytes(b"caf\xe9 " + AWS_LINE.encode())  # pragma: allowlist secret
    (root / "big.txt").write_text("a = 1\n" * 50_000)
    (root / "spaces.py").write_text("password = " + " " * 100_000 + "'x'\n")
    (root / "ok.py").write_text("x = 1\n")
    (root / ".gitignore").write_text("ignored.txt\n")
    (root / "ignored.txt").write_text(AWS_LINE)
    result = run_scan(root, max_bytes=200_000)
    reasons = {s.path: s.reason for s in result.skipped}
    assert reasons == {
        "link.txt": "symlink out of the repository",
        "blob.bin": "excluded by detect-secrets filter is_non_text_file",
        "big.txt": "larger than 200000 bytes",
        "spaces.py": "a line longer than 100000 characters",
    }
    # a stray non-UTF-8 byte no longer hides a file (issue 24 row 10)
    assert [(h.file, h.type) for h in result.hits] == [("latin.txt", "AWS Access Key")]
    assert result.files == 3  # ok.py, .gitignore, latin.txt


@pytest.mark.timeout(120)
def test_pathological_lines_finish_or_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "one-line.txt").write_text("ab= '" * 2_000_000)
    # 90,000 spaces: scanned (the quadratic allowlist filter is not called without "pragma")
    (tmp_path / "spaces.py").write_text("password = " + " " * 90_000 + "'x'\n" + AWS_LINE)
    default = run_scan(tmp_path)
    assert {(s.path, s.reason) for s in default.skipped} == {
        ("one-line.txt", "larger than 2097152 bytes")
    }
    assert [(h.file, h.line) for h in default.hits] == [("spaces.py", 2)]
    raised = run_scan(tmp_path, max_bytes=50_000_000)
    assert {(s.path, s.reason) for s in raised.skipped} == {
        ("one-line.txt", "a line longer than 1000000 characters")
    }


def test_directory_walk_outside_git_honours_excludes(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "fixtures").mkdir()
    for d in ("src", "fixtures"):
        (tmp_path / d / "k.py").write_text('aws = "AKIA' + "Z3K8Q2M7X4P9W6RT" + '"\n')
    (tmp_path / ".git").mkdir()  # not a repository, and never scanned
    (tmp_path / ".git" / "k.py").write_text(AWS_LINE)
    result = run_scan(tmp_path, excludes=("fixtures",))
    assert result.in_git is False
    assert [h.file for h in result.hits] == ["src/k.py"]


def test_cache_reuses_unchanged_files(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "a.py").write_text('aws = "AKIA' + "Z3K8Q2M7X4P9W6RT" + '"\n')
    (root / "b.py").write_text("x = 1\n")
    commit_all(root, "x")
    first = scan(ScanOptions(root=root, jobs=1))
    second = scan(ScanOptions(root=root, jobs=1))
    assert first.cached == 0 and second.cached == 2
    assert first.hits == second.hits
    (root / "b.py").write_text(DSN_LINE)
    third = scan(ScanOptions(root=root, jobs=1))
    assert third.cached == 1
    assert {h.file for h in third.hits} == {"a.py", "b.py"}


def test_parallel_equals_serial(
    corpus: tuple[Path, list[Planted]], corpus_result: ScanResult
) -> None:
    from auditor.families.secrets import runner as runner

    root, _ = corpus
    old = runner.PARALLEL_MIN_BYTES
    runner.PARALLEL_MIN_BYTES = 0
    try:
        parallel = scan(ScanOptions(root=root, jobs=2, use_cache=False))
    finally:
        runner.PARALLEL_MIN_BYTES = old
    assert parallel.hits == corpus_result.hits


def test_config_section_is_validated(tmp_path: Path) -> None:
    (tmp_path / "auditor.toml").write_text('[secrets]\nexclud = ["x"]\n')
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "secrets", "scan"])
    assert result.exit_code == 2
    assert "auditor: error:" in result.output and "secrets.exclud" in result.output
    (tmp_path / "auditor.toml").write_text('[secrets]\nexclude = ["*.py"]\nmax-bytes = 100\n')
    (tmp_path / "a.py").write_text(AWS_LINE)
    ok = CliRunner().invoke(cli, ["--project", str(tmp_path), "secrets", "scan", "--no-cache"])
    assert ok.exit_code == 0, ok.output


def test_family_runs_without_database(corpus: tuple[Path, list[Planted]]) -> None:
    from auditor.core.family import AuditContext
    from auditor.families.secrets.family import SecretsFamily

    root, _ = corpus
    result = SecretsFamily().run(AuditContext(project=root, migrations=root / "migrations"))
    assert not result.errors
    assert {f.rule_id for f in result.findings} >= {"SEC001", "SEC020", "SEC034"}
    assert all(f.family == "secrets" and f.location.file for f in result.findings)
    fingerprints = [f.fingerprint for f in result.findings]
    assert len(set(fingerprints)) == len(fingerprints)


def test_fingerprint_survives_line_moves(tmp_path: Path) -> None:
    from auditor.families.secrets.rules import findings_for

    (tmp_path / "a.py").write_text(AWS_LINE)
    before = findings_for(run_scan(tmp_path).hits)
    (tmp_path / "a.py").write_text("\n\n\n" + AWS_LINE)
    after = findings_for(run_scan(tmp_path).hits)
    assert [f.location.line for f in before] == [1] and [f.location.line for f in after] == [4]
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]


def test_cli_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    both = runner.invoke(
        cli, ["--project", str(tmp_path), "secrets", "scan", "--staged", "--since", "x"]
    )
    assert both.exit_code == 2 and "auditor: error:" in both.output
    nogit = runner.invoke(cli, ["--project", str(tmp_path), "secrets", "scan", "--staged"])
    assert nogit.exit_code == 2 and "git repository" in nogit.output
    root = init_repo(tmp_path / "repo")
    commit_all(root, "x")
    badref = runner.invoke(cli, ["--project", str(root), "secrets", "scan", "--since", "nope"])
    assert badref.exit_code == 2 and "auditor: error:" in badref.output


def iter_help() -> Iterator[str]:
    yield from ("secrets", "secrets scan")


@pytest.mark.parametrize("command", list(iter_help()))
def test_help_has_example(command: str) -> None:
    result = CliRunner().invoke(cli, [*command.split(), "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def _token(rng: random.Random) -> str:
    return "ghp_" + "".join(rng.choice("abcdefXYZ0123456789") for _ in range(36))


def test_history_finds_what_the_work_tree_no_longer_has(tmp_path: Path) -> None:
    """``--history``: every commit reachable from HEAD, the root commit included."""
    rng = random.Random(7)
    root = init_repo(tmp_path / "repo")
    first, removed = _token(rng), _token(rng)
    (root / "a.py").write_text(f'A = "{first}"\n')
    root_commit = commit_all(root, "root commit holds a token")
    (root / "b.py").write_text(f'B = "{removed}"\n')
    added = commit_all(root, "add another")
    (root / "b.py").unlink()
    commit_all(root, "remove it")
    result = run_scan(root, mode="history")
    found = {(h.file, h.commit) for h in result.hits if h.type == "GitHub Token"}
    assert found == {("a.py", root_commit), ("b.py", added)}
    assert result.commits == 3
    cli_run = CliRunner().invoke(
        cli, ["--project", str(root), "secrets", "scan", "--history", "--no-cache"]
    )
    assert cli_run.exit_code == 1, cli_run.output
    assert f"{added[:12]}:b.py:1" in cli_run.output
    assert first not in cli_run.output and removed not in cli_run.output
    both = CliRunner().invoke(
        cli, ["--project", str(root), "secrets", "scan", "--history", "--staged"]
    )
    assert both.exit_code == 2 and "one of --staged, --since and --history" in both.output


def test_history_of_a_repository_without_commits_is_empty(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "a.py").write_text("print(1)\n")
    result = run_scan(root, mode="history")
    assert result.hits == () and result.commits == 0


def test_full_profile_adds_secrets_only_in_history(tmp_path: Path) -> None:
    """The default profile reports a removed secret once, with its commit; a secret still
    in the files once, where it is now; the ci profile reads the work tree only."""
    from auditor.core.config import load_config
    from auditor.core.family import AuditContext
    from auditor.families.secrets.family import SecretsFamily

    rng = random.Random(11)
    root = init_repo(tmp_path / "repo")
    kept, removed = _token(rng), _token(rng)
    (root / "kept.py").write_text(f'K = "{kept}"\n')
    (root / "gone.py").write_text(f'G = "{removed}"\n')
    added = commit_all(root, "tokens")
    (root / "gone.py").unlink()
    (root / "kept.py").write_text(f'# moved down\nK = "{kept}"\n')
    commit_all(root, "remove one, move the other")

    def run(profile: str) -> list[tuple[str | None, int | None, str | None]]:
        context = AuditContext(
            project=root,
            migrations=root / "migrations",
            config=load_config(start=root),
            profile=profile,
        )
        result = SecretsFamily().run(context)
        assert not result.errors
        return sorted(
            (f.location.file, f.location.line, f.location.commit)
            for f in result.findings
            if "GitHub Token" in f.message
        )

    assert run("full") == [("gone.py", 1, added), ("kept.py", 2, None)]
    assert run("ci") == [("kept.py", 2, None)]
    (root / "auditor.toml").write_text("[secrets]\nhistory = false\n")
    assert run("full") == [("kept.py", 2, None)]
    context = AuditContext(
        project=root, migrations=root / "migrations", config=load_config(start=root), profile="full"
    )
    notes = SecretsFamily().run(context).notes
    assert any("git history not scanned: history = false" in note for note in notes)


def test_history_of_a_project_in_a_subdirectory_is_read_from_the_project(
    tmp_path: Path,
) -> None:
    """A project in a subdirectory of its repository (a monorepo): the history is read
    with paths relative to the project, as its work tree, its excludes and its baseline
    are; a baselined secret is not reported again from history, nor twice; files
    outside the project are not the project's."""
    from auditor.core.config import load_config
    from auditor.core.family import AuditContext
    from auditor.families.secrets.family import SecretsFamily

    rng = random.Random(13)
    top = init_repo(tmp_path / "repo")
    project = top / "app"
    (project / "fixtures").mkdir(parents=True)
    accepted, gone, fixture, elsewhere = (_token(rng) for _ in range(4))
    (project / "config.py").write_text(f'K = "{accepted}"\n')
    (project / "gone.py").write_text(f'G = "{gone}"\n')
    (project / "fixtures" / "f.py").write_text(f'F = "{fixture}"\n')
    (top / "other.py").write_text(f'O = "{elsewhere}"\n')
    (project / "auditor.toml").write_text('[secrets]\nexclude = ["fixtures/*"]\n')
    added = commit_all(top, "tokens")
    (project / "gone.py").unlink()
    commit_all(top, "remove one")
    update = CliRunner().invoke(
        cli, ["--project", str(project), "secrets", "scan", "--update-baseline"]
    )
    assert update.exit_code == 0, update.output
    commit_all(top, "baseline")

    context = AuditContext(
        project=project,
        migrations=project / "migrations",
        config=load_config(start=project),
        profile="full",
    )
    result = SecretsFamily().run(context)
    assert not result.errors
    found = sorted(
        (f.location.file, f.location.commit) for f in result.findings if "GitHub Token" in f.message
    )
    assert found == [("gone.py", added)]
    history = run_scan(project, mode="history", excludes=(".secrets.baseline",))
    assert {h.file for h in history.hits} == {"config.py", "gone.py", "fixtures/f.py"}


def test_history_reads_what_a_merge_commit_added_itself(tmp_path: Path) -> None:
    """A line that is in neither parent of a merge (an edit made while merging) is the
    merge's own, and is found after it is removed again."""
    rng = random.Random(17)
    root = init_repo(tmp_path / "repo")
    (root / "a.py").write_text("A = 1\n")
    commit_all(root, "one")
    git(root, "checkout", "-q", "-b", "side")
    (root / "b.py").write_text("B = 2\n")
    commit_all(root, "side")
    git(root, "checkout", "-q", "main")
    (root / "c.py").write_text("C = 3\n")
    commit_all(root, "main")
    git(root, "merge", "-q", "--no-commit", "side")
    token = _token(rng)
    (root / "merged.py").write_text(f'T = "{token}"\n')
    merge = commit_all(root, "merge side")
    (root / "merged.py").unlink()
    commit_all(root, "remove it")
    result = run_scan(root, mode="history")
    assert [(h.file, h.commit) for h in result.hits] == [("merged.py", merge)]


def test_history_of_a_shallow_clone_is_an_error(tmp_path: Path) -> None:
    """A shallow clone does not hold the history: reading what is there and passing would
    report a history that was not checked (fail closed)."""
    origin = init_repo(tmp_path / "origin")
    for n in range(2):
        (origin / "a.py").write_text(f"A = {n}\n")
        commit_all(origin, f"commit {n}")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", origin.as_uri(), str(clone))
    with pytest.raises(SourceError, match="shallow"):
        run_scan(clone, mode="history")
    cli_run = CliRunner().invoke(
        cli, ["--project", str(clone), "secrets", "scan", "--history", "--no-cache"]
    )
    assert cli_run.exit_code == 2, cli_run.output


def test_history_error_keeps_the_work_tree_findings(tmp_path: Path) -> None:
    """The full profile on a shallow clone: the unreadable history is an error (exit 2),
    and the secret in the work tree is still reported."""
    from auditor.core.config import load_config
    from auditor.core.family import AuditContext
    from auditor.families.secrets.family import SecretsFamily

    origin = init_repo(tmp_path / "origin")
    (origin / "old.py").write_text(f'OLD = "{_token(random.Random(5))}"\n')
    commit_all(origin, "only in history")
    (origin / "old.py").unlink()
    (origin / "kept.py").write_text(f'KEPT = "{_token(random.Random(6))}"\n')
    commit_all(origin, "in the work tree")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", origin.as_uri(), str(clone))
    context = AuditContext(
        project=clone, migrations=clone / "migrations", config=load_config(start=clone),
        profile="full",
    )  # fmt: skip
    result = SecretsFamily().run(context)
    assert [e.message for e in result.errors if "git history not scanned" in e.message]
    assert [f.location.file for f in result.findings] == ["kept.py"]
    assert result.verified == ()
