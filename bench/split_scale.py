"""Benchmark (issue 24, scale): the SQL splitter on one large migration, 1 to 50 MB.

Each size is split on both paths (the fast token search and the character-by-character
one, forced by a leading ``/* */`` comment); time and peak RSS per size show whether
growth is linear (seconds per MB stays flat). Before the fix, every statement counted
newlines from the file's start: 8 MB took over 300 s.

Run: .venv/bin/python bench/split_scale.py [--mb 1 8 50]
Writes bench/results/split_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from auditor.sql.split import split_statements  # noqa: E402

STATEMENT = "INSERT INTO t (a, b) VALUES (1, 'x;y');\n"


def measure(mb: float, prefix: str) -> dict[str, float]:
    source = prefix + STATEMENT * int(mb * 1_000_000 / len(STATEMENT))
    started = time.perf_counter()
    count = len(split_statements(source))
    seconds = time.perf_counter() - started
    return {
        "mb": mb,
        "statements": count,
        "seconds": round(seconds, 3),
        "seconds_per_mb": round(seconds / mb, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[1.0, 8.0, 50.0])
    args = parser.parse_args()
    results = {
        "load_average": os.getloadavg()[0],
        "fast_path": [measure(mb, "") for mb in args.mb],
        "character_path": [measure(mb, "/* forces the slow path */\n") for mb in args.mb],
    }
    out = REPO / "bench" / "results" / "split_scale.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
