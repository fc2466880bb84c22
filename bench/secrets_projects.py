"""Benchmark: the secrets family on fetched public projects, before and after.

For each project (default ``/work/projects/crates.io`` and ``/work/projects/lemmy``,
read only: ``--no-cache`` writes nothing into their ``.git``), the work tree is
scanned by

- ``before``: the scanner of a base revision (``--base``, default ``main``), exported
  with ``git archive`` to a temporary directory and run with this interpreter;
- ``after``: this checkout's scanner;
- ``detect-secrets scan`` (the peer whose engine both use), unless ``--no-peer``.

Recorded per run: wall time, findings by rule, findings in lock files, and for
``after`` every finding (file, line, rule; never a value) for the classification
in ``bench/README.md``. Results: ``bench/results/secrets_projects.json``.

Run: ``.venv/bin/python bench/secrets_projects.py`` (a few minutes, mostly detect-secrets).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROJECTS = [Path("/work/projects/crates.io"), Path("/work/projects/lemmy")]
LOCK_NAMES = {"pnpm-lock.yaml", "package-lock.json", "yarn.lock", "cargo.lock", "go.sum"}


def auditor_scan(project: Path, pythonpath: Path | None, cwd: Path) -> dict[str, object]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    cmd = [sys.executable, "-m", "auditor", "--project", str(project), "secrets", "scan"]
    start = time.perf_counter()
    done = subprocess.run(
        [*cmd, "--format", "json", "--no-cache"], capture_output=True, text=True, env=env, cwd=cwd
    )
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    findings = report["findings"]
    files = [f["location"]["file"] for f in findings]
    return {
        "wall_s": round(wall, 2),
        "exit": done.returncode,
        "findings": len(findings),
        "by_rule": dict(sorted(Counter(f["rule_id"] for f in findings).items())),
        "by_severity": dict(sorted(Counter(f["severity"] for f in findings).items())),
        "in_lock_files": sum(Path(f).name.lower() in LOCK_NAMES for f in files),
        "skipped": report.get("skipped", []),
        "list": sorted(
            f"{f['location']['file']}:{f['location'].get('line')}:{f['rule_id']}" for f in findings
        ),
    }


def detect_secrets_scan(project: Path) -> dict[str, object]:
    peer = Path(sys.executable).parent / "detect-secrets"
    start = time.perf_counter()
    done = subprocess.run(
        [str(peer), "scan", "--no-verify"], cwd=project, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"detect-secrets failed: {done.stderr[-2000:]}")
    results = json.loads(done.stdout)["results"]
    hits = [(f, s["type"]) for f, items in results.items() for s in items]
    return {
        "wall_s": round(wall, 2),
        "findings": len(hits),
        "by_type": dict(sorted(Counter(t for _, t in hits).items())),
        "in_lock_files": sum(Path(f).name.lower() in LOCK_NAMES for f, _ in hits),
    }


def export_base(base: str, dest: Path) -> Path:
    dest.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", base, "auditor"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("projects", nargs="*", type=Path, default=PROJECTS)
    args = parser.parse_args()
    out: dict[str, object] = {"base": args.base, "cores": os.cpu_count(), "projects": {}}
    with tempfile.TemporaryDirectory() as tmp:
        base = export_base(args.base, Path(tmp) / "base")
        check = subprocess.run(
            [sys.executable, "-c", "import auditor; print(auditor.__file__)"],
            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(base)}, cwd=tmp,
        )  # fmt: skip
        assert check.stdout.startswith(str(base)), "the base revision is not the one imported"
        for project in args.projects:
            head = subprocess.run(
                ["git", "-C", str(project), "rev-parse", "HEAD"], capture_output=True, text=True
            ).stdout.strip()
            entry: dict[str, object] = {"commit": head}
            entry["before"] = auditor_scan(project, base, Path(tmp))
            entry["after"] = auditor_scan(project, None, Path(tmp))
            if not args.no_peer:
                entry["detect_secrets"] = detect_secrets_scan(project)
            out["projects"][project.name] = entry  # type: ignore[index]
            for side in ("before", "after", "detect_secrets"):
                run = entry.get(side)
                if isinstance(run, dict):
                    counts = run.get("by_rule", run.get("by_type"))
                    print(project.name, side, run["wall_s"], "s", run["findings"], counts)
    path = HERE / "results" / "secrets_projects.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"written {path}")


if __name__ == "__main__":
    main()
