"""Run every benchmark in this folder; each writes its results under bench/results/.

Usage: ``.venv/bin/python bench/run.py [NAME ...]`` (names without ``.py``).
Benchmarks are measurements, never tests: nothing here fails a build on a timing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEEDS_ARGUMENTS = {"report_identity"}
"""Scripts that compare given checkouts or projects: run only when named, with their
arguments (``python bench/report_identity.py --help``)."""


def main(names: list[str]) -> int:
    scripts = sorted(
        p for p in HERE.glob("*.py") if p.name != "run.py" and not p.name.startswith("_")
    )
    if names:
        scripts = [p for p in scripts if p.stem in names]
    else:
        scripts = [p for p in scripts if p.stem not in NEEDS_ARGUMENTS]
    status = 0
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        status |= subprocess.run([sys.executable, str(script)], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
