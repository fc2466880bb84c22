"""Benchmark: ``auditor secrets scan`` against ``detect-secrets scan`` on real code.

1. Large tree: a copy of third-party packages from this interpreter's site-packages
   (40+ MB, outside any git repository). Both tools scan it in the same run, with the
   same plugins and every core; wall time, files/s and MB/s, and the findings side by
   side (by file, type and secret hash, as a baseline records them).
2. Pre-push: a generated 10,000-file repository; one commit changes 10 files;
   ``auditor secrets scan --since HEAD~1`` wall time, and interpreter start-up alone.

Run: ``.venv/bin/python bench/secrets.py`` (results in ``bench/results/secrets.json``);
``--pre-push-only`` re-runs part 2 and keeps the last large-tree figures.
Heavy: run it once, not in a loop.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PACKAGES = [
    "mypy",
    "pip",
    "setuptools",
    "pygments",
    "hypothesis",
    "_pytest",
    "rich",
    "cyclonedx",
    "yaml",
    "jinja2",
    "psycopg",
    "mypyc",
]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def build_tree(dest: Path) -> tuple[int, int]:
    site = Path(sysconfig.get_paths()["purelib"])
    for name in PACKAGES:
        if (site / name).is_dir():
            shutil.copytree(
                site / name,
                dest / name,
                symlinks=False,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
    files = [p for p in dest.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def timed(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def keys(baseline: dict) -> set[tuple[str, str, str]]:  # type: ignore[type-arg]
    return {
        (f.removeprefix("./"), s["type"], s["hashed_secret"])
        for f, items in baseline["results"].items()
        for s in items
    }


def large_tree(work: Path, cores: int) -> dict[str, object]:
    tree = work / "tree"
    tree.mkdir()
    files, size = build_tree(tree)
    mb = size / 1e6
    print(f"tree: {files} files, {mb:.1f} MB", flush=True)

    ds_wall, ds = timed(
        [str(BIN / "detect-secrets"), "scan", "--all-files", "--no-verify", "."],
        tree,
    )
    if ds.returncode != 0:
        raise SystemExit(f"detect-secrets failed: {ds.stderr[-500:]}")
    theirs = keys(json.loads(ds.stdout))
    print(f"detect-secrets: {ds_wall:.1f} s, {len(theirs)} findings", flush=True)

    ours_file = work / "ours.baseline"
    au_wall, au = timed(
        [
            str(BIN / "auditor"),
            "--project",
            str(tree),
            "secrets",
            "scan",
            "--jobs",
            str(cores),
            "--max-bytes",
            str(200 * 1024 * 1024),
            "--no-cache",
            "--update-baseline",
            "--baseline",
            str(ours_file),
            "--format",
            "json",
        ],
        tree,
    )
    if au.returncode not in (0, 1):
        raise SystemExit(f"auditor failed: {au.stderr[-500:]}")
    report = json.loads(au.stdout)
    ours = keys(json.loads(ours_file.read_text()))
    print(f"auditor: {au_wall:.1f} s, {len(ours)} findings", flush=True)

    missed = sorted(theirs - ours)
    extra = ours - theirs
    return {
        "tree": {"packages": PACKAGES, "files": files, "bytes": size},
        "detect_secrets": {
            "wall_s": round(ds_wall, 2),
            "files_per_s": round(files / ds_wall, 1),
            "mb_per_s": round(mb / ds_wall, 2),
            "findings": len(theirs),
            "by_type": dict(sorted(Counter(t for _, t, _ in theirs).items())),
        },
        "auditor": {
            "wall_s": round(au_wall, 2),
            "files_per_s": round(files / au_wall, 1),
            "mb_per_s": round(mb / au_wall, 2),
            "findings": len(ours),
            "by_type": dict(sorted(Counter(t for _, t, _ in ours).items())),
            "skipped": [s for s in report["skipped"]],
        },
        "speedup": round(ds_wall / au_wall, 2),
        "missed_detect_secrets_findings": [list(m) for m in missed],
        "extra_findings_by_type": dict(sorted(Counter(t for _, t, _ in extra).items())),
    }


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        env={**os.environ, **GIT_ENV},
    )


def pre_push(work: Path) -> dict[str, object]:
    load = round(os.getloadavg()[0], 2)
    repo = work / "repo"
    for i in range(10_000):
        path = repo / f"pkg{i // 500:02d}" / f"module_{i:05d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f'"""Module {i}."""\n\nVALUE_{i} = {i}\n\n\ndef f_{i}(x: int) -> int:\n'
            f"    return x + {i}\n" * 3
        )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for i in range(0, 10_000, 1000):
        path = repo / f"pkg{i // 500:02d}" / f"module_{i:05d}.py"
        path.write_text(path.read_text() + f"\n\ndef g_{i}() -> str:\n    return 'changed {i}'\n")
    fake = "ghp_" + "Zq81mW0xLk2v" * 3  # pragma: allowlist secret
    changed = repo / "pkg00" / "module_00000.py"
    changed.write_text(changed.read_text() + f'TOKEN = "{fake}"\n')
    git(repo, "commit", "-q", "-am", "ten changed files")
    cmd = [str(BIN / "auditor"), "secrets", "scan", "--since", "HEAD~1", "--no-cache"]
    timed(cmd, repo)  # warm the page cache once
    walls = []
    for _ in range(3):
        wall, done = timed(cmd, repo)
        walls.append(wall)
        assert done.returncode == 1, done.stdout + done.stderr
        assert fake not in done.stdout + done.stderr
    startup = min(timed([sys.executable, "-c", "pass"], repo)[0] for _ in range(3))
    imports = min(timed([sys.executable, "-c", "import auditor.cli"], repo)[0] for _ in range(3))
    command_imports = min(
        timed(
            [
                sys.executable,
                "-c",
                "import auditor.cli, auditor.cli.secrets, auditor.families.secrets.family, "
                "auditor.report.text",
            ],
            repo,
        )[0]
        for _ in range(3)
    )
    best = min(walls)
    inproc = timed(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from pathlib import Path\n"
            "from auditor.families.secrets.runner import ScanOptions, scan\n"
            "t = time.perf_counter()\n"
            "r = scan(ScanOptions(root=Path('.'), mode='since', since='HEAD~1', use_cache=False))\n"
            "print(time.perf_counter() - t, len(r.hits), r.files)",
        ],
        repo,
    )[1]
    scan_only, hits, files = inproc.stdout.split()
    return {
        "repository_files": 10_000,
        "changed_files": 10,
        "command": "auditor secrets scan --since HEAD~1",
        "wall_s_best_of_3": round(best, 3),
        "interpreter_startup_s": round(startup, 3),
        "import_auditor_cli_s": round(imports, 3),
        "import_secrets_command_modules_s": round(command_imports, 3),
        "load_average_1m_at_start": load,
        "bytecode_cache": (
            "no: PYTHONDONTWRITEBYTECODE is set, every start compiles auditor from source"
            if os.environ.get("PYTHONDONTWRITEBYTECODE")
            and not os.environ.get("PYTHONPYCACHEPREFIX")
            else "yes"
        ),
        "scan_minus_startup_s": round(best - startup, 3),
        "scan_minus_cli_imports_s": round(best - imports, 3),
        "in_process_scan_s": round(float(scan_only), 3),
        "in_process_hits": int(hits),
        "in_process_files": int(files),
        "found_planted_token": True,
    }


def main() -> None:
    cores = os.cpu_count() or 1
    out = HERE / "results" / "secrets.json"
    only_push = "--pre-push-only" in sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="auditor-bench-secrets-") as tmp:
        work = Path(tmp)
        # --pre-push-only keeps the large-tree figures of the last full run
        large = json.loads(out.read_text())["large_tree"] if only_push else large_tree(work, cores)
        push = pre_push(work)
    results = {
        "machine": {
            "cores": cores,
            "python": platform.python_version(),
            "note": "shared machine: other jobs were running; compare the two tools within this run",
        },
        "large_tree": large,
        "pre_push": push,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in large.items() if k != "tree"}, indent=2))
    print(json.dumps(push, indent=2))


if __name__ == "__main__":
    main()
