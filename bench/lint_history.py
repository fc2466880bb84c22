"""Benchmark: `auditor migrations lint` on real histories beside squawk, cold and cached.

For each fetched project (a local clone in a temporary directory, so the replay cache
lands in the clone's git directory, never in the fetched project):

- squawk (``.venv/bin/squawk``) on the same ``up.sql`` files, then
- ``auditor migrations lint --format json`` cold (the history cache deleted before each
  run) and cached (the cache warm), every rule on,

each the median of ``--repeat`` runs, wall time and CPU time (user+sys of the child;
the machine is shared, so CPU time is the steadier measure). Then the prefix benchmark:
the first 25, 50, 100, 200, ... migrations of one history linted in-process without the
cache, beside squawk on the same files, per-migration time and the growth exponent
fitted (time ~ n^k, least squares on the logs). With ``--before CHECKOUT`` the
full-history findings (rule ids, locations, fingerprints, messages), skipped entries and
errors of that checkout's code are compared with this one's: they must be identical.

    .venv/bin/python bench/lint_history.py --project /work/projects/lemmy \\
        --project /work/projects/crates.io [--repeat 5] [--before ../before]

Writes bench/results/lint_history.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.families.lint.engine import collect, lint_units  # noqa: E402
from auditor.families.lint.history_cache import CACHE_NAME  # noqa: E402
from auditor.families.lint.settings import LintConfig  # noqa: E402
from auditor.families.lint.shared import STORE  # noqa: E402
from auditor.migrate.layouts import load_migrations  # noqa: E402

SQUAWK = ROOT / ".venv" / "bin" / "squawk"
PREFIXES = (25, 50, 100, 200, 400)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and exit code of one subprocess."""
    cpu = _child_cpu()
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
    return time.perf_counter() - start, _child_cpu() - cpu, done.returncode


def median_of(repeat: int, fn: Any) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = fn()
        walls.append(wall)
        cpus.append(cpu)
    return {
        "wall_s": round(statistics.median(walls), 3),
        "cpu_s": round(statistics.median(cpus), 3),
    }


def up_files(project: Path) -> list[str]:
    return [str(m.up.path) for m in load_migrations(project / "migrations")]


def lint_cmd(output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "auditor",
        "migrations",
        "lint",
        "--format",
        "json",
        "--output",
        str(output),
    ]


def project_bench(source: Path, repeat: int, work: Path) -> dict[str, Any]:
    clone = work / source.name
    subprocess.run(["git", "clone", "-q", str(source), str(clone)], check=True)
    cache = clone / ".git" / CACHE_NAME
    files = up_files(clone)
    out = work / f"{source.name}.json"

    def squawk() -> tuple[float, float]:
        wall, cpu, _ = run_timed([str(SQUAWK), *files], clone)
        return wall, cpu

    def cold() -> tuple[float, float]:
        cache.unlink(missing_ok=True)
        shutil.rmtree(clone / ".git" / STORE, ignore_errors=True)  # the shared replay's states
        wall, cpu, code = run_timed(lint_cmd(out), clone)
        assert code in (0, 1), f"auditor exit {code}"
        return wall, cpu

    def cached() -> tuple[float, float]:
        wall, cpu, code = run_timed(lint_cmd(out), clone)
        assert code in (0, 1) and cache.is_file(), f"auditor exit {code}"
        return wall, cpu

    result: dict[str, Any] = {"migrations": len(files)}
    # interleaved, so that the three see the same load on a shared machine
    samples: dict[str, list[tuple[float, float]]] = {"squawk": [], "cold": [], "cached": []}
    for _ in range(repeat):
        samples["squawk"].append(squawk())
        samples["cold"].append(cold())
        samples["cached"].append(cached())
    for name, values in samples.items():
        result[name] = {
            "wall_s": round(statistics.median(v[0] for v in values), 3),
            "cpu_s": round(statistics.median(v[1] for v in values), 3),
        }
    for name in ("cold", "cached"):
        for measure in ("wall_s", "cpu_s"):
            result[name][f"x_squawk_{measure[:-2]}"] = round(
                result[name][measure] / max(result["squawk"][measure], 1e-3), 1
            )
    result["findings"] = len(json.loads(out.read_text(encoding="utf-8"))["findings"])
    return result


def prefix_bench(source: Path, repeat: int, work: Path) -> dict[str, Any]:
    """Lint prefixes of one history in-process, cache off, beside squawk on the same files."""
    migrations_dir = source / "migrations"
    folders = sorted(p for p in migrations_dir.iterdir() if (p / "up.sql").is_file())
    rows = []
    config = LintConfig()
    for n in [p for p in PREFIXES if p <= len(folders)] + (
        [len(folders)] if len(folders) not in PREFIXES else []
    ):
        project = work / f"prefix-{n}"
        for folder in folders[:n]:
            shutil.copytree(folder, project / "migrations" / folder.name)
        files = [str(f / "up.sql") for f in sorted((project / "migrations").iterdir())]
        times = []
        for _ in range(repeat):
            start = time.process_time()
            run = lint_units(
                collect([project / "migrations"], project, config), config, (), project
            )
            times.append(time.process_time() - start)
        squawk = median_of(
            repeat,
            lambda files=files, project=project: run_timed([str(SQUAWK), *files], project)[:2],
        )
        seconds = statistics.median(times)
        rows.append(
            {
                "migrations": n,
                "cpu_s": round(seconds, 3),
                "per_migration_ms": round(1000 * seconds / n, 2),
                "squawk": squawk,
                "findings": len(run.findings),
            }
        )
    xs = [math.log(r["migrations"]) for r in rows]
    ys = [math.log(max(r["cpu_s"], 1e-6)) for r in rows]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    at = {r["migrations"]: r["per_migration_ms"] for r in rows}
    last = rows[-1]["migrations"]
    return {
        "history": source.name,
        "rows": rows,
        "growth_exponent": round(slope, 2),
        f"per_migration_{last}_over_50": round(at[last] / at[50], 2) if 50 in at else None,
    }


def findings_of(checkout: Path | None, clone: Path, out: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    (clone / ".git" / CACHE_NAME).unlink(missing_ok=True)
    shutil.rmtree(clone / ".git" / STORE, ignore_errors=True)
    subprocess.run(lint_cmd(out), cwd=clone, env=env, capture_output=True, check=False)
    report = json.loads(out.read_text(encoding="utf-8"))
    return {
        "findings": [
            [f["rule_id"], f["location"], f["fingerprint"], f["message"], f["severity"]]
            for f in report["findings"]
        ],
        "skipped": report["skipped"],
        "errors": report["errors"],
    }


def identity(before: Path, sources: list[Path], work: Path) -> dict[str, Any]:
    results = {}
    for source in sources:
        clone = work / f"identity-{source.name}"
        subprocess.run(["git", "clone", "-q", str(source), str(clone)], check=True)
        old = findings_of(before.resolve(), clone, work / "before.json")
        new = findings_of(ROOT, clone, work / "after.json")
        results[source.name] = {
            "identical": old == new,
            "findings": len(new["findings"]),
            "before_findings": len(old["findings"]),
        }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, action="append", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--prefix-repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, help="checkout whose findings must be identical")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "lint_history.json"
    )
    args = parser.parse_args()
    result: dict[str, Any] = {"load_average_at_start": os.getloadavg(), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="lint-history-") as tmp:
        work = Path(tmp)
        result["projects"] = {p.name: project_bench(p, args.repeat, work) for p in args.project}
        print(json.dumps(result["projects"], indent=1))
        biggest = max(args.project, key=lambda p: len(up_files(p)))
        result["prefixes"] = prefix_bench(biggest, args.prefix_repeat, work)
        print(json.dumps(result["prefixes"], indent=1))
        if args.before is not None:
            result["identity"] = identity(args.before, args.project, work)
            print(json.dumps(result["identity"], indent=1))
    result["load_average_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    same = all(v["identical"] for v in result.get("identity", {}).values())
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
