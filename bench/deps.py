"""Benchmark: offline dependency audit of a 300-package lock against the OSV snapshot.

Runs, in one go:

- ``auditor deps audit --lock uv.lock --advisory-db PyPI-all.zip`` as a fresh process
  (cold: interpreter start, imports, loading the 2,661-record database, auditing);
- the same audit in-process: cold (first load of the database) and warm (database
  already loaded, as a long-lived pre-push daemon or a second audit in one run would);
- the peer, ``pip-audit --no-deps -r requirements.txt`` for the same pins (it goes to
  the network; whatever it does within the timeout is recorded), plus ``-s osv`` and
  ``--disable-pip`` (which skips pip-audit's resolution in a throwaway virtualenv).

Writes ``bench/results/deps.json``. Usage: ``.venv/bin/python bench/deps.py``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SNAPSHOT = REPO.parent / "shared" / "osv" / "PyPI-all.zip"
RESULTS = REPO / "bench" / "results" / "deps.json"
PACKAGES = 300
PEER_TIMEOUT = 180


def pins_from_snapshot(count: int) -> list[tuple[str, str]]:
    """``count`` distinct packages of the snapshot, half at a listed (vulnerable) version."""
    from packaging.utils import canonicalize_name

    chosen: dict[str, str] = {}
    with zipfile.ZipFile(SNAPSHOT) as archive:
        for name in sorted(archive.namelist()):
            record = json.loads(archive.read(name))
            for affected in record.get("affected", []):
                package = affected.get("package", {})
                if package.get("ecosystem") != "PyPI":
                    continue
                key = str(canonicalize_name(package.get("name", "")))
                if not key or key in chosen:
                    continue
                versions = affected.get("versions") or []
                fixed = [
                    e["fixed"]
                    for r in affected.get("ranges", [])
                    if r.get("type") == "ECOSYSTEM"
                    for e in r.get("events", [])
                    if isinstance(e, dict) and "fixed" in e
                ]
                vulnerable = len(chosen) % 2 == 0
                version = (versions[-1] if versions and vulnerable else None) or (
                    fixed[-1] if fixed else None
                )
                if version and _valid(version):
                    chosen[key] = version
            if len(chosen) >= count:
                break
    return sorted(chosen.items())[:count]


def _valid(version: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        Version(version)
    except InvalidVersion:
        return False
    return True


def write_inputs(directory: Path, pins: list[tuple[str, str]]) -> tuple[Path, Path]:
    lock = directory / "uv.lock"
    lines = ["version = 1", 'requires-python = ">=3.11"', ""]
    for name, version in pins:
        lines += [
            "[[package]]",
            f'name = "{name}"',
            f'version = "{version}"',
            'source = { registry = "https://pypi.org/simple" }',
            "",
        ]
    lock.write_text("\n".join(lines), encoding="utf-8")
    requirements = directory / "requirements.txt"
    requirements.write_text("".join(f"{n}=={v}\n" for n, v in pins), encoding="utf-8")
    return lock, requirements


def timed(command: list[str], cwd: Path, timeout: int) -> dict[str, object]:
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        tail = (exc.stderr or b"")[-400:]
        return {
            "command": " ".join(command),
            "seconds": round(time.perf_counter() - started, 3),
            "exit_code": None,
            "outcome": f"timed out after {timeout} s",
            "stderr_tail": tail.decode(errors="replace") if isinstance(tail, bytes) else tail,
        }
    return {
        "command": " ".join(command),
        "seconds": round(time.perf_counter() - started, 3),
        "exit_code": proc.returncode,
        "stdout_tail": proc.stdout[-600:],
        "stderr_tail": proc.stderr[-600:],
    }


def in_process(lock: Path, project: Path, warm_runs: int) -> dict[str, object]:
    from auditor.families.deps.collect import Inputs, run_audit
    from auditor.families.deps.settings import DepsSettings

    settings = DepsSettings(advisory_db=SNAPSHOT)
    wall, cpu = time.perf_counter(), time.process_time()
    run = run_audit(Inputs((lock,)), project, settings)
    cold = (time.perf_counter() - wall, time.process_time() - cpu)
    warm: list[tuple[float, float]] = []
    for _ in range(warm_runs):
        wall, cpu = time.perf_counter(), time.process_time()
        run = run_audit(Inputs((lock,)), project, settings)
        warm.append((time.perf_counter() - wall, time.process_time() - cpu))
    warm.sort()
    vulnerable = [d for d in run.audit.dependencies if d.advisories]
    return {
        "cold_seconds": round(cold[0], 3),
        "cold_cpu_seconds": round(cold[1], 3),
        "warm_seconds_min": round(warm[0][0], 4),
        "warm_seconds_median": round(warm[len(warm) // 2][0], 4),
        "warm_cpu_seconds_median": round(sorted(c for _, c in warm)[len(warm) // 2], 4),
        "warm_runs": warm_runs,
        "dependencies": len(run.audit.dependencies),
        "vulnerable_dependencies": len(vulnerable),
        "advisories": sum(len(d.advisories) for d in vulnerable),
        "database_warnings": len(run.warnings),
    }


def main() -> int:
    if not SNAPSHOT.is_file():
        print(f"bench/deps.py: {SNAPSHOT} not found", file=sys.stderr)
        return 2
    bindir = Path(sys.executable).parent
    auditor = str(bindir / "auditor")
    pip_audit = shutil.which("pip-audit", path=str(bindir)) or "pip-audit"
    peers = {
        "peer_pip_audit_pypi": ["--no-deps", "-r"],
        "peer_pip_audit_osv": ["-s", "osv", "--no-deps", "-r"],
        "peer_pip_audit_pypi_disable_pip": ["--no-deps", "--disable-pip", "-r"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pins = pins_from_snapshot(PACKAGES)
        lock, requirements = write_inputs(work, pins)
        subprocess_runs = [
            timed(
                [
                    auditor,
                    "deps",
                    "audit",
                    "--lock",
                    str(lock),
                    "--advisory-db",
                    str(SNAPSHOT),
                    "--format",
                    "json",
                    "--output",
                    str(work / f"report{i}.json"),
                ],
                work,
                120,
            )
            for i in range(3)
        ]
        pip_audit_import = timed(
            [sys.executable, "-c", "import pip_audit._service"], work, 60
        )  # pip-audit's import runs `pip --version` in a subprocess (via pip-api)
        report = json.loads((work / "report0.json").read_text(encoding="utf-8"))
        library = in_process(lock, work, warm_runs=5)
        peer_runs = {
            key: timed(
                [pip_audit, *args, str(requirements), "--progress-spinner", "off"],
                work,
                PEER_TIMEOUT,
            )
            for key, args in peers.items()
        }
    results = {
        "benchmark": "offline dependency audit, 300-package uv.lock, OSV PyPI snapshot (2,661 records)",
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
        },
        "packages": len(pins),
        "auditor_cli_cold_seconds": [r["seconds"] for r in subprocess_runs],
        "auditor_cli_exit_codes": [r["exit_code"] for r in subprocess_runs],
        "auditor_findings": len(report["findings"]),
        "python_import_pip_audit_seconds": pip_audit_import["seconds"],
        "auditor_in_process": library,
        "target_cold_under_seconds": 1.0,
        **peer_runs,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in results.items() if not k.startswith("peer")}, indent=2))
    for key in peers:
        item = results[key]
        assert isinstance(item, dict)
        print(key, item["seconds"], "s, exit", item["exit_code"], item.get("outcome", ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
