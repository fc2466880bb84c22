"""Benchmark: the static model (sqlglot replay) vs. applying to PostgreSQL and introspecting.

Two generated corpora (tests/static_corpus.py): the 220-migration corpus of the
invariant test, and one of about 1 MB. For each: seconds and MB/s of the static model
(parse + replay + freeze), next to the peer path on the embedded PostgreSQL: apply the
same migrations with the runner and build the live model from pg_catalog. Both models
are compared, so the run also re-checks the invariant at scale.

Run: .venv/bin/python bench/static_model.py [--mb 1.0] [--repeat 5]
Writes bench/results/static_model.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


from sqlglot.dialects.dialect import Dialect  # noqa: E402

from auditor.catalog.live import build_live_model  # noqa: E402
from auditor.catalog.model import diff_models  # noqa: E402
from auditor.catalog.static import build_static_model  # noqa: E402
from auditor.db.embedded import EmbeddedServer  # noqa: E402
from auditor.db.target import connect  # noqa: E402
from auditor.migrate.layouts import load_migrations  # noqa: E402
from auditor.migrate.runner import Runner  # noqa: E402
from tests.static_corpus import write_corpus, write_corpus_of_size  # noqa: E402


def measure(server: EmbeddedServer, root: Path, label: str, repeat: int) -> dict[str, object]:
    migrations = load_migrations(root)
    size = sum(len(m.up.text.encode()) for m in migrations)
    build_static_model(migrations[:5])  # warm-up: imports, sqlglot tables
    dialect = Dialect.get_or_raise("postgres")
    gc.collect()  # each timing starts with no garbage left by the previous one
    start, cpu = time.perf_counter(), time.process_time()
    for m in migrations:  # sqlglot alone, same files: what the replay adds on top
        dialect.parse(m.up.text)
    parse_s = time.perf_counter() - start
    parse_cpu = time.process_time() - cpu
    # CPU time next to wall time: on a shared machine the wall time mostly measures the load.
    # The first build is the cold one (what a command-line run does); the repeats show
    # how much of a single figure is the machine's noise (2 shared cores).
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeat):
        gc.collect()  # the previous timing's garbage is not this build's to collect
        start, cpu = time.perf_counter(), time.process_time()
        static = build_static_model(migrations)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    static_s, static_cpu = walls[0], cpus[0]
    dsn = server.create_database(
        "bench_" + "".join(c if c.isalnum() else "_" for c in label).lower()
    )
    start = time.perf_counter()
    Runner(dsn, migrations).migrate()
    apply_s = time.perf_counter() - start
    start = time.perf_counter()
    conn = connect(dsn)
    try:
        live = build_live_model(conn)
    finally:
        conn.close()
    introspect_s = time.perf_counter() - start
    differences = diff_models(live, static.model, names=("live", "static"))
    mb = size / 1_000_000
    return {
        "corpus": label,
        "migrations": len(migrations),
        "statements": static.statements,
        "unmodeled": len(static.unmodeled),
        "bytes": size,
        "tables": len(static.model.tables),
        "static_seconds": round(static_s, 3),
        "static_mb_per_s": round(mb / static_s, 2),
        "static_seconds_per_mb": round(static_s / mb, 3),
        "static_cpu_seconds": round(static_cpu, 3),
        "static_repeats_seconds": [round(w, 3) for w in walls],
        "static_median_seconds": round(statistics.median(walls), 3),
        "static_median_seconds_per_mb": round(statistics.median(walls) / mb, 3),
        "static_cpu_seconds_per_mb": round(static_cpu / mb, 3),
        "sqlglot_parse_only_seconds": round(parse_s, 3),
        "sqlglot_parse_only_mb_per_s": round(mb / parse_s, 2),
        "sqlglot_parse_only_cpu_seconds": round(parse_cpu, 3),
        "postgres_apply_seconds": round(apply_s, 3),
        "postgres_introspect_seconds": round(introspect_s, 3),
        "postgres_total_seconds": round(apply_s + introspect_s, 3),
        "postgres_mb_per_s": round(mb / (apply_s + introspect_s), 2),
        "models_equal": not differences,
        "differences": differences[:10],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=1.0, help="size of the large corpus")
    parser.add_argument("--repeat", type=int, default=5, help="static builds per corpus")
    parser.add_argument("--output", type=Path, default=REPO / "bench/results/static_model.json")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp, EmbeddedServer() as server:
        small = write_corpus(Path(tmp) / "small", 220, seed=4)
        results.append(measure(server, small, "generated-220", args.repeat))
        large = Path(tmp) / "large"
        write_corpus_of_size(large, int(args.mb * 1_000_000), seed=7)
        results.append(measure(server, large, f"generated-{args.mb:g}MB", args.repeat))
        version = server.version
    import sqlglot.parser

    parser_file = str(sqlglot.parser.__file__)
    sqlglot_build = "sqlglotc (mypyc-compiled)" if parser_file.endswith(".so") else "pure Python"
    report = {
        "load_average": list(os.getloadavg()),
        "cpus": os.cpu_count(),
        "benchmark": "static model (sqlglot replay) vs. apply to PostgreSQL + introspect",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.system()}",
        "sqlglot": f"{sqlglot.__version__} ({sqlglot_build})",
        "postgres": f"embedded {version}",
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    for r in results:
        print(
            f"{r['corpus']:>18}: {r['migrations']} migrations, {r['bytes'] / 1e6:.2f} MB | "
            f"static {r['static_seconds']} s cold, median {r['static_median_seconds']} s, "
            f"CPU {r['static_cpu_seconds']} s "
            f"({r['static_mb_per_s']} MB/s; sqlglot parse alone {r['sqlglot_parse_only_seconds']} s, "
            f"CPU {r['sqlglot_parse_only_cpu_seconds']} s) | "
            f"PostgreSQL apply+introspect {r['postgres_total_seconds']} s | "
            f"equal: {r['models_equal']}"
        )


if __name__ == "__main__":
    main()
