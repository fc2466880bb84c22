"""Benchmark: the pre-push hook on a generated 10,000-file repository with 10 changed files.

Measures, in one run:
- the hook as git runs it: ``python -m auditor.hook.prepush origin`` with git's pre-push line
  on stdin (interpreter start-up included), median of several runs;
- the same check in-process (:func:`auditor.hook.prepush.run_hook`), without start-up;
- a real ``git push`` to a bare remote with the hook installed;
- ``python -c pass`` as the interpreter start-up floor.

Writes bench/results/prepush.json. Run: ``.venv/bin/python bench/prepush.py``.
"""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from auditor import __version__  # noqa: E402
from auditor.core.profiles import PRE_PUSH  # noqa: E402
from auditor.core.registry import all_families  # noqa: E402
from auditor.hook.install import install  # noqa: E402
from auditor.hook.prepush import run_hook  # noqa: E402

BYTECODE_CACHE = (
    "no: PYTHONDONTWRITEBYTECODE is set, every start compiles auditor from source"
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and not os.environ.get("PYTHONPYCACHEPREFIX")
    else "yes"
)
"""Whether the subprocesses could use compiled bytecode (an installed tool does)."""
FILES = 10_000
CHANGED = 10
RUNS = 5
ENV = {
    **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GIT_DIR")},
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=ENV, input=stdin, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def generate(root: Path) -> int:
    """10,000 files: Python modules, SQL migrations (Diesel layout), docs, config."""
    total = 0
    migrations = 40
    for i in range(migrations):
        folder = root / "migrations" / f"2024-01-{1 + i // 24:02d}-{i:06d}_table_{i}"
        folder.mkdir(parents=True)
        (folder / "up.sql").write_text(
            f"CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL CHECK (length(name) <= 64));\n"
        )
        (folder / "down.sql").write_text(f"DROP TABLE t{i};\n")
        total += 2
    n = 0
    while total < FILES:
        package = root / "src" / f"pkg{n // 100:03d}"
        package.mkdir(parents=True, exist_ok=True)
        kind = n % 4
        if kind == 3:
            path = package / f"notes_{n}.md"
            path.write_text(f"# Notes {n}\n\nSome text about module {n}.\n" * 5)
        else:
            path = package / f"mod_{n}.py"
            path.write_text(
                f'"""Module {n}."""\n\n\ndef f_{n}(x: int) -> int:\n    return x * {n} + 1\n' * 8
            )
        n += 1
        total += 1
    return total


def main() -> None:
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="auditor-bench-") as tmp:
        root = Path(tmp) / "work"
        remote = Path(tmp) / "remote.git"
        root.mkdir()
        started = time.perf_counter()
        count = generate(root)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, env=ENV)
        git(root, "remote", "add", "origin", str(remote))
        git(root, "push", "-q", "origin", "main")
        setup = time.perf_counter() - started
        base = git(root, "rev-parse", "HEAD")
        # 10 changed files: 8 modules edited, one new migration (up.sql + down.sql)
        for i in range(CHANGED - 2):
            path = root / "src" / f"pkg{i:03d}" / f"mod_{i * 100 + 1}.py"
            path.write_text(path.read_text() + f"\nCHANGED_{i} = {i}\n")
        folder = root / "migrations" / "2025-01-01-000000_new_table"
        folder.mkdir()
        (folder / "up.sql").write_text("CREATE TABLE new_table (id bigint PRIMARY KEY);\n")
        (folder / "down.sql").write_text("DROP TABLE new_table;\n")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "ten changes")
        head = git(root, "rev-parse", "HEAD")
        changed = len(git(root, "diff", "--name-only", base, head).splitlines())
        line = f"refs/heads/main {head} refs/heads/main {base}\n"

        floor = []
        for _ in range(RUNS):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            floor.append(time.perf_counter() - t)

        hook_runs = []
        codes = set()
        for _ in range(RUNS):
            t = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "auditor.hook.prepush", "origin", str(remote)],
                cwd=root,
                env=ENV,
                input=line,
                capture_output=True,
                text=True,
            )
            hook_runs.append(time.perf_counter() - t)
            codes.add(done.returncode)

        in_process = []
        for _ in range(RUNS):
            sink = io.StringIO()
            t = time.perf_counter()
            code = run_hook(root, stdin_text=line, remote="origin", out=sink)
            in_process.append(time.perf_counter() - t)
            codes.add(code)

        install(root, python=sys.executable)
        t = time.perf_counter()
        pushed = subprocess.run(
            ["git", "push", "-q", "origin", "main"],
            cwd=root,
            env=ENV,
            capture_output=True,
            text=True,
        )
        push_time = time.perf_counter() - t

    registered = [f.name for f in all_families()]
    result = {
        "benchmark": "pre-push profile, generated repository",
        "auditor_version": __version__,
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "loadavg_at_start": [round(x, 2) for x in load_before]},
        "bytecode_cache": BYTECODE_CACHE,
        "repository": {"files": count, "changed_files": changed, "setup_seconds": round(setup, 2)},
        "families_run": [n for n in registered if n in (PRE_PUSH.families or ())],
        "families_of_profile_not_on_this_build": [
            n for n in (PRE_PUSH.families or ()) if n not in registered
        ],
        "runs": RUNS,
        "exit_codes": sorted(codes),
        "hook_subprocess_seconds": {
            "median": round(statistics.median(hook_runs), 3),
            "min": round(min(hook_runs), 3),
        },
        "hook_in_process_seconds": {
            "median": round(statistics.median(in_process), 3),
            "min": round(min(in_process), 3),
        },
        "python_startup_seconds": {"median": round(statistics.median(floor), 3)},
        "git_push_with_hook_seconds": round(push_time, 3),
        "git_push_exit_code": pushed.returncode,
        "target_seconds": 1.0,
        "peer": "none named by the issue",
    }
    out = REPO / "bench" / "results" / "prepush.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
