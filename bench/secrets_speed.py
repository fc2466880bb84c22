"""Benchmark: secrets scan speed and memory beside detect-secrets and git (issue 22).

For each project (default ``/work/projects/crates.io`` and ``/work/projects/lemmy``,
read only: ``--no-cache`` writes nothing into them):

- **work tree**: ``auditor secrets scan --no-cache`` against ``detect-secrets scan
  --no-verify`` on the same tree, ``--runs`` times each (default 3), median wall time;
- **history**: ``auditor secrets scan --history --no-cache`` against ``git log -p -U0``
  (the same first-parent, no-renames, added-or-modified diff the scanner reads), once
  each, wall time and peak RSS (``/usr/bin/time -v``: the largest process of the run,
  git or Python).

Before measuring a history, the clone is checked for missing objects (``git rev-list
--objects --missing=print``): a clone that lacks some is recorded as such and its
history time is not a full-history number.

Results: ``bench/results/secrets_speed.json``.
Run: ``.venv/bin/python bench/secrets_speed.py`` (about 10 minutes on 2 shared cores).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECTS = [Path("/work/projects/crates.io"), Path("/work/projects/lemmy")]
GIT_LOG = [
    "git", "log", "--no-color", "--no-ext-diff", "--no-renames", "--diff-merges=first-parent",
    "--diff-filter=AM", "-p", "-U0", "HEAD", "--",
]  # fmt: skip


def timed(cmd: list[str], cwd: Path) -> dict[str, Any]:
    """Wall seconds and peak RSS (MB) of ``cmd``, its output discarded."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-v", "-o", report.name, *cmd],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        wall = time.perf_counter() - start
        stats = report.read()
    if done.returncode not in (0, 1):
        message = (done.stderr.strip().splitlines() or ["no message"])[-1]
        return {"wall_s": round(wall, 2), "error": f"exit {done.returncode}: {message[-300:]}"}
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stats)
    return {
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(int(rss.group(1)) / 1024, 1) if rss else -1,
    }


def auditor(project: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "auditor", "--project", str(project), "secrets", "scan",
            "--no-cache", "--format", "json", *extra]  # fmt: skip


def missing_objects(project: Path) -> int:
    listed = subprocess.run(
        ["git", "rev-list", "--objects", "--missing=print", "HEAD"],
        cwd=project, capture_output=True, text=True, check=True,
        env={**os.environ, "GIT_NO_LAZY_FETCH": "1"},
    ).stdout  # fmt: skip
    return sum(1 for line in listed.splitlines() if line.startswith("?"))


def median_of(runs: int, cmd: list[str], cwd: Path) -> dict[str, object]:
    samples = [timed(cmd, cwd) for _ in range(runs)]
    walls = [s["wall_s"] for s in samples]
    return {"median_s": statistics.median(walls), "runs_s": walls,
            "peak_rss_mb": max(s["peak_rss_mb"] for s in samples)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-history", action="store_true")
    parser.add_argument("projects", nargs="*", type=Path, default=PROJECTS)
    args = parser.parse_args()
    peer = str(Path(sys.executable).parent / "detect-secrets")
    load = os.getloadavg()[0]
    out: dict[str, object] = {"cores": os.cpu_count(), "load_1min_at_start": round(load, 1)}
    projects: dict[str, object] = {}
    for project in args.projects:
        count = subprocess.run(
            ["git", "rev-list", "--count", "HEAD"], cwd=project, capture_output=True, text=True
        ).stdout.strip()
        entry: dict[str, object] = {
            "commits": int(count),
            "missing_objects": missing_objects(project),
        }
        tree_ours = median_of(args.runs, auditor(project), project)
        tree_peer = median_of(args.runs, [peer, "scan", "--no-verify"], project)
        entry["work_tree"] = {
            "auditor": tree_ours,
            "detect_secrets": tree_peer,
            "speedup": round(float(tree_peer["median_s"]) / float(tree_ours["median_s"]), 1),  # type: ignore[arg-type]
        }
        print(project.name, "work tree", entry["work_tree"], flush=True)
        if not args.no_history:
            ours = timed(auditor(project, "--history"), project)
            git = timed(GIT_LOG, project)
            entry["history"] = {"auditor": ours, "git_log_p_U0": git}
            if "error" not in ours and "error" not in git:
                entry["history"]["ratio"] = round(ours["wall_s"] / git["wall_s"], 2)  # type: ignore[index]
            print(project.name, "history", entry["history"], flush=True)
        projects[project.name] = entry
    path = HERE / "results" / "secrets_speed.json"
    if path.exists():  # projects measured in an earlier run are kept
        earlier = json.loads(path.read_text()).get("projects", {})
        projects = {**earlier, **projects}
    out["projects"] = projects
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"written {path}")


if __name__ == "__main__":
    main()
