"""Benchmark: the static model against PostgreSQL on real projects' migration histories.

For each checkout given on the command line: copy its migrations (the first N where
the rest need a newer server) into a scratch folder, apply them to a fresh database
with the runner (the project's tool semantics: Diesel folders, paired up/down files),
then run ``auditor --db URL --migrations FOLDER schema drift --format json`` exactly as
a user would. Every drift finding is a false alarm: the database was made from exactly
those files. Also recorded: unmodeled statements (STA001) and, in the same run, the
seconds of the static model and of apply + introspect.

Nothing is fetched: pass checkouts (``fetch`` them first). A checkout is
``PATH`` (its migrations folder is looked up by the folder's name in :data:`KNOWN`)
or ``PATH:SUBDIR[:LIMIT]``.

Run: .venv/bin/python bench/real_drift.py /work/projects/crates.io /work/projects/lemmy ...
     [--dsn postgresql://postgres@127.0.0.1:5432/postgres | --embedded]
     [--out bench/results/real_drift.json]
``--embedded`` starts the tool's embedded server (PostgreSQL 17) instead of using ``--dsn``.
Writes the figures to ``--out`` and every finding and unmodeled statement beside it
(``*_details.json``, to work on classes).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from auditor.catalog.live import build_live_model  # noqa: E402
from auditor.catalog.static import build_static_model  # noqa: E402
from auditor.db.embedded import EmbeddedServer  # noqa: E402
from auditor.db.target import connect  # noqa: E402
from auditor.migrate.layouts import load_migrations  # noqa: E402
from auditor.migrate.runner import MigrationError, Runner  # noqa: E402

KNOWN: dict[str, tuple[str, int | None]] = {
    "crates.io": ("migrations", None),
    "lemmy": ("migrations", 247),  # later ones need PostgreSQL 16+
    "vaultwarden": ("migrations/postgresql", None),
    "harbor": ("make/migrations/postgresql", None),
    "docs.rs": ("crates/lib/docs_rs_database/migrations", None),
}
"""Checkout folder name -> (migrations folder, first N migrations before PostgreSQL 16)."""


@dataclass(frozen=True)
class Corpus:
    name: str
    source: Path
    limit: int | None


def parse_corpus(arg: str, server_major: int) -> Corpus:
    """``arg`` as a corpus; a known checkout's limit applies only before PostgreSQL 16."""
    path, _, rest = arg.partition(":")
    root = Path(path)
    sub, _, limit = rest.partition(":")
    known = KNOWN.get(root.name)
    if not sub:
        if known is None:
            raise SystemExit(f"{arg}: unknown checkout; pass PATH:SUBDIR[:LIMIT]")
        sub = known[0]
    default = known[1] if known and not rest and server_major < 16 else None
    count = int(limit) if limit else default
    return Corpus(root.name, root / sub, count)


def copy_migrations(corpus: Corpus, into: Path) -> int:
    """Copy the first ``limit`` migrations of ``corpus`` (folders or file pairs) to ``into``."""
    entries = sorted(p for p in corpus.source.iterdir() if not p.name.startswith("."))
    folders = [p for p in entries if p.is_dir() and (p / "up.sql").is_file()]
    if folders:
        chosen = folders[: corpus.limit] if corpus.limit else folders
        for folder in chosen:
            shutil.copytree(folder, into / folder.name)
        return len(chosen)
    files = [p for p in entries if p.is_file() and p.suffix == ".sql"]
    versions = sorted({p.name.split("_", 1)[0] for p in files}, key=lambda v: (len(v), v))
    keep = set(versions[: corpus.limit] if corpus.limit else versions)
    for path in files:
        if path.name.split("_", 1)[0] in keep:
            shutil.copy2(path, into / path.name)
    return len(keep)


def _dsn_for(base: str, database: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(base)
    info["dbname"] = database
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items()})


def measure(corpus: Corpus, dsn: str) -> tuple[dict[str, object], dict[str, object]]:
    database = "bench_real_" + "".join(c if c.isalnum() else "_" for c in corpus.name).lower()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "migrations"
        folder.mkdir()
        count = copy_migrations(corpus, folder)
        migrations = load_migrations(folder)
        size = sum(len(m.up.text.encode()) for m in migrations)
        start = time.perf_counter()
        static = build_static_model(migrations, Path(scratch))
        static_s = time.perf_counter() - start
        admin = psycopg.connect(dsn, autocommit=True)
        try:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
            admin.execute(f'CREATE DATABASE "{database}"')
            target = _dsn_for(dsn, database)
            start = time.perf_counter()
            error = ""
            try:
                Runner(target, migrations).migrate()
            except MigrationError as exc:
                error = str(exc)[:300]
            apply_s = time.perf_counter() - start
            start = time.perf_counter()
            conn = connect(target)
            try:
                build_live_model(conn)
            finally:
                conn.close()
            introspect_s = time.perf_counter() - start
            run = subprocess.run(
                [
                    str(REPO / ".venv/bin/auditor"),
                    "--db",
                    target,
                    "--migrations",
                    str(folder),
                    "schema",
                    "drift",
                    "--format",
                    "json",
                ],
                capture_output=True,
                text=True,
                cwd=scratch,
                env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
                check=False,
            )
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.close()
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        report = {}
    findings = [f for f in report.get("findings", []) if f.get("rule_id", "").startswith("DRF")]
    if not report:
        error = error or f"drift exit {run.returncode}: {run.stderr.strip()[:300]}"
    by_rule = collections.Counter(f["rule_id"] for f in findings)
    row: dict[str, object] = {
        "project": corpus.name,
        "migrations": count,
        "mb": round(size / 1_000_000, 3),
        "false_drift": len(findings),
        "by_rule": dict(sorted(by_rule.items())),
        "unmodeled": len(static.unmodeled),
        "static_seconds": round(static_s, 3),
        "apply_seconds": round(apply_s, 3),
        "introspect_seconds": round(introspect_s, 3),
        "static_ratio": round(static_s / (apply_s + introspect_s), 3),
        "static_seconds_per_mb": round(static_s / (size / 1_000_000), 3) if size else 0.0,
        "drift_exit": run.returncode,
        "error": error,
    }
    details: dict[str, object] = {
        "findings": [{k: f.get(k) for k in ("rule_id", "message", "location")} for f in findings],
        "unmodeled": [str(u) for u in static.unmodeled],
    }
    return row, details


def parser_figures(corpora: list[Corpus]) -> dict[str, object]:
    """Statement coverage and seconds of the three readers on every statement of ``corpora``:
    the regex fast path (:func:`read_common`), sqlglot (a tree, an opaque ``Command`` or a
    failure) and pglast (libpg_query, PostgreSQL's own grammar; JSON and Python nodes)."""
    from auditor.catalog.fastddl import read_common
    from auditor.catalog.pgsql import parse
    from auditor.sql.split import split_statements

    try:
        import pglast  # type: ignore[import-not-found]
        from pglast import parser as pg_parser
    except ImportError:
        return {"pglast": "not installed"}
    from sqlglot import exp

    texts = [
        s.text
        for corpus in corpora
        for m in load_migrations(corpus.source)
        for s in split_statements(m.up.text)
    ]

    def timed(read: object) -> tuple[float, list[object]]:
        start = time.perf_counter()
        out = [read(t) for t in texts]  # type: ignore[operator]
        return round(time.perf_counter() - start, 3), out

    def by_sqlglot(text: str) -> str:
        try:
            trees = parse(text)
        except Exception:  # a failure is a figure here
            return "fails"
        return "command" if isinstance(trees[0], exp.Command) else "tree"

    def by_pglast(text: str) -> bool:
        try:
            pglast.parse_sql(text)
        except pglast.parser.ParseError:
            return False
        return True

    regex_s, regex = timed(read_common)
    sqlglot_s, trees = timed(by_sqlglot)
    nodes_s, nodes = timed(by_pglast)
    json_s, _ = timed(pg_parser.parse_sql_json)
    opaque = [t for t, kind in zip(texts, trees, strict=True) if kind != "tree"]
    return {
        "statements": len(texts),
        "regex_fast_path": {"read": sum(r is not None for r in regex), "seconds": regex_s},
        "sqlglot": {**collections.Counter(trees), "seconds": sqlglot_s},
        "pglast": {
            "version": pglast.__version__,
            "parsed": sum(nodes),
            "nodes_seconds": nodes_s,
            "json_seconds": json_s,
            "parsed_of_sqlglot_opaque": sum(by_pglast(t) for t in opaque),
            "of": len(opaque),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", help="PATH or PATH:SUBDIR[:LIMIT]")
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--embedded", action="store_true", help="use the embedded server")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/real_drift.json")
    parser.add_argument(
        "--parsers", action="store_true", help="only the readers' coverage and speed (no server)"
    )
    args = parser.parse_args()
    if args.parsers:
        figures = parser_figures([parse_corpus(a, 17) for a in args.checkouts])
        print(json.dumps(figures, indent=2))
        args.out.with_name(args.out.stem + "_parsers.json").write_text(
            json.dumps(figures, indent=2) + "\n"
        )
        return
    with contextlib.ExitStack() as stack:
        if args.embedded:
            args.dsn = stack.enter_context(EmbeddedServer()).dsn("postgres")
        run_all(args.checkouts, args.dsn, args.out)


def run_all(checkouts: list[str], dsn: str, out: Path) -> None:
    with psycopg.connect(dsn) as conn:
        row0 = conn.execute(
            "SELECT current_setting('server_version'), current_setting('server_version_num')::int"
        ).fetchone()
    assert row0 is not None
    server, major = str(row0[0]), int(row0[1]) // 10000
    rows, details = [], {}
    for arg in checkouts:
        corpus = parse_corpus(arg, major)
        row, detail = measure(corpus, dsn)
        rows.append(row)
        details[corpus.name] = detail
        print(
            f"{row['project']:12} {row['migrations']:4} migrations {row['mb']:6} MB  "
            f"false drift {row['false_drift']:3}  unmodeled {row['unmodeled']:3}  "
            f"static {row['static_seconds']} s  apply+introspect "
            f"{row['apply_seconds']}+{row['introspect_seconds']} s  {row['error']}",
            flush=True,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {"server": server, "load": os.getloadavg()[0], "projects": rows}
    out.write_text(json.dumps(result, indent=2) + "\n")
    out.with_name(out.stem + "_details.json").write_text(json.dumps(details, indent=2) + "\n")


if __name__ == "__main__":
    main()
