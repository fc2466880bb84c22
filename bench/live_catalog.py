"""Benchmark: build the live catalog model of a 5,000-table database vs pg_dump --schema-only.

Creates a scratch database (embedded PostgreSQL by default, or the server of --dsn)
with N generated tables, each with columns, CHECKs, a primary key, a unique
expression index and a foreign key, created in batches (one transaction over 5,000
tables would exhaust the lock table). Then times, in the same run:

- ``build_live_model`` (best of --repeat), with its query count;
- ``pg_dump --schema-only`` on the same database (best of --repeat),

interleaved (model, pg_dump, model, ...) so that changes in machine load hit both.

Results go to bench/results/live_catalog.json.

    .venv/bin/python bench/live_catalog.py                 # embedded PG, 5,000 tables
    .venv/bin/python bench/live_catalog.py --dsn postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.catalog.live import BuildStats, build_live_model
from auditor.db.target import connect

RESULTS = Path(__file__).resolve().parent / "results" / "live_catalog.json"


def create_tables(dsn: str, count: int, batch: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        for start in range(0, count, batch):
            statements = []
            for n in range(start, min(start + batch, count)):
                parent = (
                    f", parent_id bigint REFERENCES t{n - 1} (id) ON DELETE CASCADE" if n else ""
                )
                statements.append(
                    f"CREATE TABLE t{n} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                    f" name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),"
                    f" price numeric(12,2) NOT NULL DEFAULT 0 CHECK (price >= 0){parent});"
                    f"CREATE UNIQUE INDEX t{n}_name_lower_key ON t{n} (lower(name));"
                )
            conn.execute("".join(statements).encode())
            conn.commit()
    return time.perf_counter() - started


def time_model(dsn: str) -> tuple[float, int, int]:
    stats = BuildStats()
    with connect(dsn) as conn:
        started = time.perf_counter()
        build_live_model(conn, stats=stats)
        return time.perf_counter() - started, stats.queries, stats.tables


def time_pg_dump(pg_dump: str, dsn: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [pg_dump, "--schema-only", "--dbname", dsn, "--file", "/dev/null"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def measure(dsn: str, pg_dump: str, repeat: int) -> dict[str, object]:
    """Interleave the two (model, pg_dump, model, ...) so that load changes hit both."""
    model_times: list[float] = []
    dump_times: list[float] = []
    queries = tables = 0
    for _ in range(repeat):
        seconds, queries, tables = time_model(dsn)
        model_times.append(seconds)
        dump_times.append(time_pg_dump(pg_dump, dsn))
    return {
        "tables": tables,
        "auditor_model_queries": queries,
        "auditor_model_seconds_best": round(min(model_times), 3),
        "auditor_model_seconds_all": [round(t, 3) for t in model_times],
        "pg_dump_schema_only_seconds_best": round(min(dump_times), 3),
        "pg_dump_schema_only_seconds_all": [round(t, 3) for t in dump_times],
        "ratio_model_to_pg_dump": round(min(model_times) / min(dump_times), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", help="server to use (default: a new embedded PostgreSQL)")
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg-dump", help="pg_dump binary (default: matches the server)")
    args = parser.parse_args()

    server = None
    if args.dsn:
        admin = args.dsn
        pg_dump = args.pg_dump or shutil.which("pg_dump") or "pg_dump"
        where = "server of --dsn"
    else:
        from auditor.db.embedded import EmbeddedServer

        server = EmbeddedServer().__enter__()
        admin = server.dsn("postgres")
        pg_dump = args.pg_dump or str(server.bundle.tool("pg_dump"))
        where = f"embedded PostgreSQL {server.version}"
    name = f"auditor_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        version = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    dsn = make_conninfo(admin, dbname=name)
    try:
        create_seconds = create_tables(dsn, args.tables, args.batch)
        measured = measure(dsn, pg_dump, args.repeat)
        load = (
            Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
        )
        result = {
            "benchmark": "live catalog model vs pg_dump --schema-only",
            "server": where,
            "server_version": version,
            "host": platform.node() and platform.platform(),
            "objects_per_table": "3 columns, 2 CHECKs, primary key, unique lower() index, FK",
            "create_seconds": round(create_seconds, 2),
            "repeat": args.repeat,
            "load_average_after_create": load,
            **measured,
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        if server is not None:
            server.__exit__(None, None, None)


if __name__ == "__main__":
    main()
