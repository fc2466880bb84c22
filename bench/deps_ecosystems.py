"""Benchmark: Cargo.lock and package-lock.json through the offline OSV databases, beside a peer.

Runs, in one go:

- **Correctness on real projects**: ``auditor deps audit --lock Cargo.lock --advisory-db
  crates.io-all.zip`` on the fetched ``lemmy`` and ``crates.io`` checkouts, compared with an
  independent matcher written here (``semver``'s own range expressions over the raw OSV
  events, not auditor's code). No peer can run on this machine (see ``peers`` in the
  results), so the RustSec snapshot itself is the reference.
- **Fail closed on real projects**: the same projects with detection (they also hold a
  ``pnpm-lock.yaml``) and only the RustSec database: exit 2 naming npm.
- **Speed, cold**: a fresh ``auditor`` process auditing lemmy's Cargo.lock plus a
  1,000-package ``package-lock.json`` against the RustSec snapshot and an npm database
  (synthetic: no npm OSV export is on this machine; 300 records written here).

Writes ``bench/results/deps_ecosystems.json``. Usage: ``.venv/bin/python bench/deps_ecosystems.py``.
pip-audit side by side on the Python input: ``bench/deps.py``.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.families.deps.independent import reported, rustsec_matches  # noqa: E402

RUSTSEC = REPO.parent / "shared" / "osv" / "crates.io-all.zip"
PROJECTS = REPO.parent / "projects"
RESULTS = REPO / "bench" / "results" / "deps_ecosystems.json"
NPM_PACKAGES = 1000
PEERS = {
    "osv-scanner": "not installable: PyPI 'osv-scanner' 0.0.1 is a reserved-name placeholder "
    "('No functionality'); npm has no osv-scanner package (404); Debian has none; it is a Go "
    "program and there is no Go toolchain here",
    "cargo-audit": "not installable: 'cargo install cargo-audit' needs the crates.io index, "
    "which is not reachable; Debian bookworm has cargo but no cargo-audit package",
}


CPU: list[float] = []
"""CPU seconds (user + system) of each child run, in order: the machine is shared, so wall
time includes waiting for a core."""


def run(args: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 3))
    return round(time.perf_counter() - started, 3), proc


def npm_inputs(work: Path) -> tuple[Path, Path]:
    """A 1,000-package lockfileVersion 3 package-lock.json and a 300-record npm OSV zip."""
    packages: dict[str, object] = {"": {"name": "bench"}}
    for i in range(NPM_PACKAGES):
        packages[f"node_modules/pkg-{i:04d}"] = {"version": f"1.{i % 7}.{i % 11}"}
    lock = work / "package-lock.json"
    lock.write_text(json.dumps({"lockfileVersion": 3, "packages": packages}, indent=2))
    database = work / "npm-all.zip"
    with zipfile.ZipFile(database, "w") as archive:
        for i in range(0, NPM_PACKAGES, NPM_PACKAGES // 300):
            doc = {
                "id": f"GHSA-bench-{i:04d}",
                "modified": "2026-08-20T00:00:00Z",
                "affected": [
                    {
                        "package": {"ecosystem": "npm", "name": f"pkg-{i:04d}"},
                        "ranges": [
                            {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.0"}]}
                        ],
                    }
                ],
            }
            archive.writestr(f"GHSA-bench-{i:04d}.json", json.dumps(doc))
    return lock, database


def main() -> int:
    if not RUSTSEC.is_file():
        print(f"bench/deps_ecosystems.py: {RUSTSEC} not found", file=sys.stderr)
        return 2
    auditor = str(Path(sys.executable).parent / "auditor")
    results: dict[str, object] = {
        "benchmark": "Cargo.lock + package-lock.json through offline OSV databases",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
        },
        "peers": {name: (shutil.which(name) or reason) for name, reason in PEERS.items()},
    }
    for name in ("lemmy", "crates.io"):
        project = PROJECTS / name
        if not (project / "Cargo.lock").is_file():
            results[name] = "not fetched"
            continue
        seconds, proc = run(
            [auditor, "--project", str(project), "deps", "audit", "--lock",
             str(project / "Cargo.lock"), "--advisory-db", str(RUSTSEC), "--format", "json"],
            project,
        )  # fmt: skip
        report = json.loads(proc.stdout)
        ours = reported(report)
        reference = rustsec_matches(project / "Cargo.lock", RUSTSEC)
        detected_seconds, detected = run(
            [auditor, "--project", str(project), "deps", "audit", "--advisory-db", str(RUSTSEC)],
            project,
        )
        primary = {
            (*f["evidence"]["package"].rpartition("@")[::2], f["evidence"]["id"])
            for f in report["findings"]
            if f["rule_id"] in ("DEP001", "DEP005", "DEP006", "DEP007")
        }
        rules: dict[str, int] = {}
        for finding in report["findings"]:
            rules[finding["rule_id"]] = rules.get(finding["rule_id"], 0) + 1
        results[name] = {
            "cargo_lock_seconds_cold": seconds,
            "cargo_lock_cpu_seconds": CPU[-1],
            "exit_code": proc.returncode,
            "dependencies": report["families"][0]["checked"]["dependencies"],
            "skipped_own_crates": report["families"][0]["skipped"],
            "findings_by_rule": rules,
            "advisories_found": len(primary),
            "independent_matcher": len(reference),
            "missed": sorted(map(list, reference - ours)),
            "extra": sorted(map(list, primary - reference)),
            "detected_inputs_exit_code": detected.returncode,
            "detected_inputs_message": detected.stderr.strip()[-300:],
            "detected_seconds": detected_seconds,
        }
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lock, npm_db = npm_inputs(work)
        cargo = PROJECTS / "lemmy" / "Cargo.lock"
        timings = []
        codes = []
        cpu = []
        for i in range(3):
            seconds, proc = run(
                [auditor, "--project", str(work), "deps", "audit", "--lock", str(cargo),
                 "--lock", str(lock), "--advisory-db", str(RUSTSEC), "--advisory-db",
                 str(npm_db), "--format", "json", "--output", str(work / f"r{i}.json")],
                work,
            )  # fmt: skip
            timings.append(seconds)
            cpu.append(CPU[-1])
            codes.append(proc.returncode)
        report = json.loads((work / "r0.json").read_text())
        results["speed"] = {
            "inputs": "lemmy Cargo.lock (792 crates) + package-lock.json (1,000 packages)",
            "databases": "crates.io-all.zip (1,206 records) + synthetic npm zip (300 records)",
            "cli_cold_seconds": timings,
            "cli_cold_cpu_seconds": cpu,
            "exit_codes": codes,
            "dependencies": report["families"][0]["checked"]["dependencies"],
            "findings": len(report["findings"]),
            "target_cold_under_seconds": 1.0,
        }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
