"""Benchmark: `auditor migrations lint` next to squawk on the same generated migrations.

Generates a ~1 MB corpus of realistic migration files (seeded, so every run lints
the same text), lints it with auditor (in-process and as a CLI subprocess) and with
squawk (PyPI `squawk-cli`, subprocess), then a pre-push-sized run of 3 files.
Writes bench/results/lint.json with seconds, MB/s and findings per comparable rule.

    .venv/bin/python bench/lint.py [--size-mb 1.0] [--repeat 3]
    .venv/bin/python bench/lint.py --pre-push-only   # only the 3-file runs; keeps the rest
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.families.lint.engine import collect, lint_units  # noqa: E402
from auditor.families.lint.settings import LintConfig  # noqa: E402

# auditor rule -> squawk rules that report the same problem.
COMPARABLE: dict[str, tuple[str, ...]] = {
    "LNT001": ("require-concurrent-index-creation",),
    "LNT002": ("require-concurrent-index-deletion",),
    "LNT003": ("ban-concurrent-index-creation-in-transaction",),
    "LNT004": ("constraint-missing-not-valid", "adding-foreign-key-constraint"),
    "LNT005": ("adding-not-nullable-field",),
    "LNT006": ("adding-required-field",),
    "LNT007": ("adding-field-with-default",),
    "LNT008": ("changing-column-type",),
    "LNT009": ("disallowed-unique-constraint", "adding-serial-primary-key-field"),
    "LNT010": ("renaming-column", "renaming-table"),
    "LNT011": ("ban-drop-table",),
    "LNT012": ("ban-drop-column",),
    "LNT013": ("ban-drop-database", "ban-drop-schema"),
    "LNT014": ("ban-drop-not-null",),
    "LNT015": ("ban-truncate-cascade",),
    "LNT017": ("require-lock-timeout", "require-statement-timeout"),
    "LNT018": ("ban-char-field",),
    "LNT019": ("prefer-bigint-over-int", "prefer-bigint-over-smallint"),
    "LNT020": ("prefer-identity",),
    "LNT021": ("prefer-timestamp-tz",),
    "LNT022": ("prefer-robust-stmts",),
    "LNT023": ("identifier-too-long",),
    "LNT024": ("ban-uncommitted-transaction", "transaction-nesting"),
}

TABLES = ["orders", "customers", "products", "invoices", "payments", "shipments", "events"]
GOOD = [
    "CREATE TABLE {new} (\n    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
    "    {t}_id BIGINT NOT NULL,\n    label TEXT NOT NULL,\n"
    "    created_at TIMESTAMPTZ NOT NULL DEFAULT now()\n);",
    "CREATE INDEX {new}_{t}_id_idx ON {new} ({t}_id);",
    "ALTER TABLE {t} ADD COLUMN note_{n} TEXT;",
    "ALTER TABLE {t} ADD COLUMN flag_{n} BOOLEAN NOT NULL DEFAULT false;",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_c{n} CHECK (id > 0) NOT VALID;",
    "ALTER TABLE {t} VALIDATE CONSTRAINT {t}_c{n};",
    "UPDATE {t} SET label = lower(label) WHERE id BETWEEN {n} AND {n} + 1000;",
    "INSERT INTO settings (key, value) VALUES ('feature_{n}', 'on');",
    "COMMENT ON TABLE {t} IS 'owned by team {n}';",
    "CREATE OR REPLACE FUNCTION touch_{n}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n    NEW.updated_at := now();\n    RETURN NEW;\nEND;\n$$;",
]
BAD = [
    "CREATE INDEX {t}_x{n}_idx ON {t} (label);",
    "DROP INDEX {t}_old{n}_idx;",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_f{n} FOREIGN KEY (customer_id) REFERENCES customers (id);",
    "ALTER TABLE {t} ALTER COLUMN label SET NOT NULL;",
    "ALTER TABLE {t} ADD COLUMN req_{n} TEXT NOT NULL;",
    "ALTER TABLE {t} ADD COLUMN token_{n} UUID DEFAULT gen_random_uuid();",
    "ALTER TABLE {t} ALTER COLUMN label TYPE VARCHAR(200);",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_u{n} UNIQUE (label);",
    "ALTER TABLE {t} RENAME COLUMN label TO title_{n};",
    "DROP TABLE old_{t}_{n};",
    "ALTER TABLE {t} DROP COLUMN legacy_{n};",
    "ALTER TABLE {t} ALTER COLUMN note DROP NOT NULL;",
    "TRUNCATE staging_{n} CASCADE;",
    "CREATE TABLE {new} (id SERIAL PRIMARY KEY, code CHAR(3), at TIMESTAMP);",
    "CREATE ROLE r{n} LOGIN PASSWORD 'pw-{n}';",  # pragma: allowlist secret
    "GRANT SELECT ON {t} TO PUBLIC;",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS {t}_cc{n}_idx ON {t} (label);",
    "DROP SCHEMA legacy_{n} CASCADE;",
    "CREATE TABLE {new}_with_a_name_that_is_far_too_long_for_postgres_identifiers (id BIGINT);",
    "BEGIN;",
]


def generate(directory: Path, size: int, seed: int = 5) -> list[Path]:
    """Write migration files under ``directory`` until ``size`` bytes; return them in order."""
    rng = random.Random(seed)
    files: list[Path] = []
    total = 0
    number = 0
    while total < size:
        number += 1
        statements = ["SET lock_timeout = '2s';", "SET statement_timeout = '60s';"]
        if rng.random() < 0.5:
            statements = []
        for _ in range(rng.randint(4, 16)):
            n = rng.randint(1, 10**6)
            template = rng.choice(BAD) if rng.random() < 0.25 else rng.choice(GOOD)
            statements.append(template.format(t=rng.choice(TABLES), new=f"t_{number}_{n}", n=n))
        text = (
            f"-- migration {number}: generated for the lint benchmark\n"
            + "\n\n".join(statements)
            + "\n"
        )
        path = directory / f"{number:05d}_migration.sql"
        path.write_text(text, encoding="utf-8")
        files.append(path)
        total += len(text.encode())
    return files


def timed(fn: object, repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls and the last result."""
    times = []
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def auditor_in_process(files: list[Path], project: Path) -> Counter[str]:
    config = LintConfig(enable=frozenset({"LNT017"}), assume_in_transaction=True)
    run = lint_units(collect(files, project, config), config)
    if run.errors:
        raise SystemExit(f"auditor lint errors: {run.errors[:3]}")
    return Counter(f.rule_id for f in run.findings)


def auditor_cli(files: list[Path], project: Path) -> Counter[str]:
    (project / "auditor.toml").write_text(
        '[lint]\nenable = ["LNT017"]\nassume-in-transaction = true\n', encoding="utf-8"
    )
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "auditor"),
            "--project",
            str(project),
            "migrations",
            "lint",
            "--format",
            "json",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        cwd=project,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"auditor failed: {done.stderr[-500:]}")
    return Counter(f["rule_id"] for f in json.loads(done.stdout)["findings"])


def squawk(files: list[Path], binary: str) -> Counter[str]:
    done = subprocess.run(
        [binary, "--reporter=json", "--assume-in-transaction", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1) or not done.stdout.strip():
        raise SystemExit(f"squawk failed ({done.returncode}): {done.stderr[-500:]}")
    return Counter(item.get("rule_name", "?") for item in json.loads(done.stdout))


def pre_push_run(
    files: list[Path], project: Path, squawk_bin: str | None, repeat: int
) -> dict[str, object]:
    """The first 3 files of the corpus: the CLI (start-up included), in-process, squawk."""
    pre_push = files[:3]
    t_pp, _ = timed(lambda: auditor_cli(pre_push, project), repeat)
    t_pp_in, _ = timed(lambda: auditor_in_process(pre_push, project), repeat)
    pp: dict[str, object] = {
        "files": 3,
        "bytes": sum(f.stat().st_size for f in pre_push),
        "auditor_cli_seconds": round(t_pp, 3),
        "auditor_in_process_seconds": round(t_pp_in, 4),
    }
    if squawk_bin:
        t_pp_sq, _ = timed(lambda: squawk(pre_push, squawk_bin), repeat)
        pp["squawk_seconds"] = round(t_pp_sq, 3)
    return pp


def pre_push_history(repeat: int) -> dict[str, object]:
    """3 changed migrations of a 38-migration Diesel history, with LNT035/LNT037 (static replay)."""
    from auditor.families.schema.rulepacks import load_rule_packs

    corpus = ROOT / "tests" / "data" / "lint" / "corpus"
    requirements = load_rule_packs()
    out: dict[str, object] = {"history": len([p for p in corpus.iterdir() if p.is_dir()])}
    for name, disable in (("with_history_rules", frozenset()), ("without", HISTORY_OFF)):
        config = LintConfig(disable=disable)
        units = collect([corpus], ROOT, config)
        changed = {u.migration for u in units[-6:]}
        picked = [u for u in units if u.migration in changed]

        def run(config: LintConfig = config, picked: list[object] = picked) -> object:
            return lint_units(picked, config, requirements, ROOT)  # type: ignore[arg-type]

        seconds, _ = timed(run, repeat)
        out[f"{name}_seconds"] = round(seconds, 3)
    return out


HISTORY_OFF = frozenset({"LNT035", "LNT037"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "lint.json")
    parser.add_argument(
        "--pre-push-only",
        action="store_true",
        help="Re-run only the pre-push figures; keep the whole-corpus figures of the last run.",
    )
    args = parser.parse_args()
    squawk_bin = shutil.which("squawk", path=str(Path(sys.executable).parent)) or shutil.which(
        "squawk"
    )
    with tempfile.TemporaryDirectory(prefix="auditor-lint-bench-") as tmp:
        project = Path(tmp)
        corpus = project / "migrations"
        corpus.mkdir()
        files = generate(corpus, int(args.size_mb * 1024 * 1024))
        size = sum(f.stat().st_size for f in files)
        statements = sum(f.read_text(encoding="utf-8").count(";\n") for f in files)
        mb = size / 1024 / 1024
        if args.pre_push_only:
            results = json.loads(args.output.read_text(encoding="utf-8"))
            load = round(os.getloadavg()[0], 2)
            pp = pre_push_run(files, project, squawk_bin, args.repeat)
            pp["rerun_alone"] = {
                "load_average_1m_at_start": load,
                "bytecode_cache": (
                    "no: PYTHONDONTWRITEBYTECODE is set, every start compiles auditor"
                    if os.environ.get("PYTHONDONTWRITEBYTECODE")
                    and not os.environ.get("PYTHONPYCACHEPREFIX")
                    else "yes"
                ),
                "note": "--pre-push-only: the other figures are from the last full run",
            }
            results["pre_push"] = pp
            results["pre_push_with_history"] = pre_push_history(args.repeat)
            args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
            print(json.dumps({k: results[k] for k in ("pre_push", "pre_push_with_history")}))
            return
        results: dict[str, object] = {
            "corpus": {"files": len(files), "bytes": size, "approx_statements": statements},
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_average_1m_at_start": round(os.getloadavg()[0], 2),
            },
            "repeat": args.repeat,
        }
        t_in, ours = timed(lambda: auditor_in_process(files, project), args.repeat)
        t_cli, ours_cli = timed(lambda: auditor_cli(files, project), args.repeat)
        runs: dict[str, object] = {
            "auditor_in_process": {"seconds": round(t_in, 3), "mb_per_s": round(mb / t_in, 2)},
            "auditor_cli": {"seconds": round(t_cli, 3), "mb_per_s": round(mb / t_cli, 2)},
        }
        theirs: Counter[str] = Counter()
        if squawk_bin:
            t_sq, theirs = timed(lambda: squawk(files, squawk_bin), args.repeat)  # type: ignore[assignment]
            runs["squawk"] = {"seconds": round(t_sq, 3), "mb_per_s": round(mb / t_sq, 2)}
            runs["auditor_cli_vs_squawk"] = round(t_cli / t_sq, 2)
        else:
            runs["squawk"] = "not installed (pip install squawk-cli)"
        results["whole_corpus"] = runs
        assert isinstance(ours, Counter) and isinstance(ours_cli, Counter)
        if ours != ours_cli:
            raise SystemExit("in-process and CLI findings differ")
        results["findings"] = {
            rule: {
                "auditor": ours.get(rule, 0),
                "squawk_rules": list(names),
                "squawk": sum(theirs.get(n, 0) for n in names),
            }
            for rule, names in COMPARABLE.items()
        }
        results["findings_total"] = {"auditor": sum(ours.values()), "squawk": sum(theirs.values())}
        results["auditor_only_rules"] = {
            k: v for k, v in sorted(ours.items()) if k not in COMPARABLE
        }
        mapped = {n for names in COMPARABLE.values() for n in names}
        results["squawk_only_rules"] = {k: v for k, v in sorted(theirs.items()) if k not in mapped}
        results["pre_push"] = pre_push_run(files, project, squawk_bin, args.repeat)
        results["pre_push_with_history"] = pre_push_history(args.repeat)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
