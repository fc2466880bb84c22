"""Benchmark: render a 10,000-finding report in every format (target: under 1 s in total).

Run: ``.venv/bin/python bench/report.py [N]``. Writes ``bench/results/report.json``.
The report is built once (not timed); each format is rendered ``ROUNDS`` times and
the best wall-clock and CPU times are kept (the machine may be shared: the load
average is recorded with the figures). No peer tool is named by the issue, so none runs alongside.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.core.rules import load_all  # noqa: E402
from auditor.report import FORMATS, render  # noqa: E402
from auditor.report.markdown import MAX_CHARS  # noqa: E402
from tests.report_samples import big_report  # noqa: E402

ROUNDS = 5
TARGET_SECONDS = 1.0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    load_all()  # registry import is start-up cost, not rendering
    report = big_report(n)
    _ = report.findings
    results: dict[str, dict[str, float | int]] = {}
    for fmt in FORMATS:
        best = best_cpu = float("inf")
        size = 0
        for _round in range(ROUNDS):
            start, start_cpu = time.perf_counter(), time.process_time()
            text = render(report, fmt)
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - start_cpu)
            size = len(text)
        results[fmt] = {"seconds": round(best, 4), "cpu_seconds": round(best_cpu, 4), "chars": size}
    total = round(sum(float(r["seconds"]) for r in results.values()), 4)
    total_cpu = round(sum(float(r["cpu_seconds"]) for r in results.values()), 4)
    out = {
        "benchmark": "render every format from one report",
        "findings": n,
        "rounds": ROUNDS,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "formats": results,
        "total_seconds": total,
        "total_cpu_seconds": total_cpu,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "target_seconds": TARGET_SECONDS,
        "meets_target": total < TARGET_SECONDS,
        "markdown_under_cap": int(results["md"]["chars"]) < MAX_CHARS,
    }
    path = ROOT / "bench" / "results" / "report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")
    for fmt, r in results.items():
        print(
            f"{fmt:6} {r['seconds']:.3f} s  (cpu {r['cpu_seconds']:.3f} s)  {r['chars']:>10,} chars"
        )
    print(
        f"total  {total:.3f} s (cpu {total_cpu:.3f} s; target < {TARGET_SECONDS} s; "
        f"load {out['load_average_1m']}) -> {path.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
