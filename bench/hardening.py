"""Benchmark: the hardening collector on a database with many objects.

The collector reads every fact with a fixed number of set-based catalog queries,
so its time should grow with the catalog size, not with one round trip per object.
Runs on the embedded server; writes bench/results/hardening.json.

    .venv/bin/python bench/hardening.py
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path

import psycopg

from auditor.core.rules import rules_of, run_rules
from auditor.db.embedded import EmbeddedServer
from auditor.families.hardening.collect import collect_facts
from auditor.families.hardening.policy import FAMILY, HardeningAudit, HardeningPolicy

SIZES = (0, 500, 2000)
"""Tables (each with an email column) and as many SECURITY DEFINER functions."""
REPEAT = 5


def populate(dsn: str, count: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for i in range(count):
            conn.execute(f"CREATE TABLE public.t{i} (id int PRIMARY KEY, email text, note text)")
            conn.execute(
                f"CREATE FUNCTION public.f{i}(x int) RETURNS int LANGUAGE sql "
                "SECURITY DEFINER AS 'SELECT x'"
            )


def main() -> None:
    results = []
    with EmbeddedServer() as server:
        for size in SIZES:
            dsn = server.create_database(f"bench_hrd_{size}")
            populate(dsn, size)
            collect, check = [], []
            findings = 0
            for _ in range(REPEAT):
                start = time.perf_counter()
                facts = collect_facts(dsn)
                middle = time.perf_counter()
                found, errors = run_rules(
                    rules_of(FAMILY), HardeningAudit(facts, HardeningPolicy())
                )
                end = time.perf_counter()
                assert not errors
                collect.append(middle - start)
                check.append(end - middle)
                findings = len(found)
            results.append(
                {
                    "tables": size,
                    "definer_functions": size,
                    "collect_median_s": round(statistics.median(collect), 4),
                    "rules_median_s": round(statistics.median(check), 4),
                    "findings": findings,
                }
            )
            print(results[-1])
        version = server.version
    out = Path(__file__).resolve().parent / "results" / "hardening.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "hardening collector + HRD rules",
                "server": f"embedded PostgreSQL {version}",
                "repeat": REPEAT,
                "machine": platform.platform(),
                "peer": "none named by the issue",
                "results": results,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
