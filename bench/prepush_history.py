"""Benchmark: the pre-push hook in a clone of a real long history (issue 19).

A local clone of the project (``--project``, e.g. /work/projects/lemmy) in a temporary
directory, a bare remote, ``auditor hook install``; one commit adding a migration that
creates an index without CONCURRENTLY on an existing table (``--table``) and touching a
Rust file. The hook is run as git runs it (``.git/hooks/pre-push origin URL`` with git's
line on stdin, interpreter start-up included): once to warm the replay state (a
developer's earlier run), then ``--repeat`` times, median wall and CPU (user+sys of the
child; the machine is shared). Then a real ``git push``, which must be refused with the
LNT001 finding in the hook's output; and the same push with the index built
CONCURRENTLY, whose lint must pass (other families may still block it: the static
schema findings count, whichever migration made the object).

    .venv/bin/python bench/prepush_history.py --project /work/projects/lemmy --table person

Writes bench/results/prepush_history.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
ENV = {
    **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "GIT_DIR")},
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


def timed(cmd: list[str], cwd: Path, stdin: str) -> tuple[float, float, int, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=ENV, input=stdin, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode, done.stdout + done.stderr


def commit_change(clone: Path, table: str, concurrently: bool) -> str:
    name = f"2099-01-01-000000_bench_{'concurrent' if concurrently else 'plain'}"
    folder = clone / "migrations" / name
    folder.mkdir(parents=True)
    if concurrently:
        (folder / "metadata.toml").write_text("run_in_transaction = false\n", encoding="utf-8")
    how = "CONCURRENTLY " if concurrently else ""
    (folder / "up.sql").write_text(
        f"CREATE INDEX {how}bench_{table}_idx ON {table} (id);\n", encoding="utf-8"
    )
    (folder / "down.sql").write_text(f"DROP INDEX {how}bench_{table}_idx;\n", encoding="utf-8")
    rust = next(clone.glob("crates/*/src/lib.rs"), None) or next(clone.rglob("*.rs"))
    with rust.open("a", encoding="utf-8") as handle:
        handle.write("// bench\n")
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", f"bench: {name}")
    return git(clone, "rev-parse", "HEAD")


def measure(project: Path, table: str, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="auditor-prepush-") as tmp:
        remote, clone = Path(tmp) / "remote.git", Path(tmp) / "clone"
        git(Path(tmp), "clone", "-q", "--no-hardlinks", str(project), str(clone))
        git(Path(tmp), "clone", "-q", "--bare", str(clone), str(remote))
        git(clone, "remote", "set-url", "origin", str(remote))
        git(clone, "fetch", "-q", "origin")
        base = git(clone, "rev-parse", "HEAD")
        subprocess.run([str(PYTHON), "-m", "auditor", "hook", "install"], cwd=clone, check=True)
        git(clone, "checkout", "-q", "-b", "bench")
        result: dict[str, Any] = {"migrations": len(list((clone / "migrations").glob("*/up.sql")))}
        for concurrently in (False, True):
            if concurrently:
                git(clone, "reset", "-q", "--hard", base)
            sha = commit_change(clone, table, concurrently)
            line = f"refs/heads/bench {sha} refs/heads/bench {base}\n"
            hook = ["sh", ".git/hooks/pre-push", "origin", str(remote)]
            timed(hook, clone, line)  # warm-up: the replay state of the history before
            runs = [timed(hook, clone, line) for _ in range(repeat)]
            push = subprocess.run(
                ["git", "push", "-q", "origin", "bench"], cwd=clone, env=ENV,
                capture_output=True, text=True,
            )  # fmt: skip
            output = push.stdout + push.stderr
            lint_line = next((x for x in output.splitlines() if x.strip().startswith("[lint]")), "")
            result["concurrently" if concurrently else "plain"] = {
                "hook_wall_s": round(statistics.median(r[0] for r in runs), 3),
                "hook_cpu_s": round(statistics.median(r[1] for r in runs), 3),
                "hook_exit": runs[-1][2],
                "push_refused": push.returncode != 0,
                "lnt001_in_output": "LNT001" in output,
                "lint_summary": lint_line.strip(),
            }
            if push.returncode == 0:
                git(clone, "push", "-q", "origin", f"+{base}:refs/heads/bench")
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--table", default="person")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = {
        "load_average_at_start": list(os.getloadavg()),
        "cpus": os.cpu_count(),
        "bytecode_cache": "no" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "yes",
        args.project.name: measure(args.project, args.table, args.repeat),
        "python_start_s": round(timed([str(PYTHON), "-c", "pass"], ROOT, "")[0], 3),
        "load_average_at_end": list(os.getloadavg()),
    }
    out = ROOT / "bench" / "results" / "prepush_history.json"
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    json.dump(results, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
