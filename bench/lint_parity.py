"""Benchmark: auditor's migration lint rule by rule beside squawk (issue 21).

1. Probes: one small migration per item of issue 21; auditor must report exactly
   that item's rule (timeouts, LNT017, aside) and the safe variant nothing; squawk's
   answer on the same text is recorded beside it.
2. Real histories: every up.sql/down.sql of /work/projects/crates.io and
   /work/projects/lemmy, linted by auditor (every rule on, opt-in ones included) and by
   squawk (``--assume-in-transaction`` unless the migration's metadata.toml says
   ``run_in_transaction = false``). Findings are matched per statement and per squawk
   rule (auditor's rules mapped to squawk's names); the statements where only one
   tool reports are sampled (up to 10 per rule and side) for the review written in
   bench/README.md.

    .venv/bin/python bench/lint_parity.py

Writes bench/results/lint_parity.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.families.lint.engine import LintUnit, collect, lint_units  # noqa: E402
from auditor.families.lint.settings import OPT_IN, LintConfig  # noqa: E402
from auditor.sql.split import split_statements  # noqa: E402
from bench.lint import COMPARABLE as BASE_COMPARABLE  # noqa: E402

COMPARABLE: dict[str, tuple[str, ...]] = {
    **BASE_COMPARABLE,
    "LNT004": (*BASE_COMPARABLE["LNT004"], "constraint-missing-not-valid"),
    "LNT007": ("adding-field-with-default",),
    "LNT019": ("prefer-bigint-over-int", "prefer-bigint-over-smallint"),
    "LNT043": ("require-concurrent-reindex",),
    "LNT044": ("require-concurrent-partition-detach",),
    "LNT046": ("constraint-missing-not-valid",),
    "LNT050": ("ban-duplicate-column-assignments",),
    "LNT053": ("renaming-object",),
    "LNT054": ("prefer-text-field",),
    "LNT056": ("prefer-bigint-over-int", "prefer-bigint-over-smallint"),
    "LNT057": ("require-enum-value-ordering",),
    "LNT058": ("ban-create-domain-with-constraint",),
    "LNT059": ("ban-alter-domain-with-add-constraint",),
    "LNT062": ("require-table-schema",),
}
"""auditor rule → the squawk rules that report the same problem."""
SQUAWK_TO_AUDITOR: dict[str, set[str]] = defaultdict(set)
for _auditor, _names in COMPARABLE.items():
    for _name in _names:
        SQUAWK_TO_AUDITOR[_name].add(_auditor)

TX, NO_TX = True, False
# (issue item, rule, bad sql, safe sql, runs in a transaction)
PROBES: list[tuple[str, str, str, str, bool]] = [
    (
        "ban-create-domain-with-constraint",
        "LNT058",
        "CREATE DOMAIN d AS INT CHECK (VALUE > 0);",
        "CREATE DOMAIN d AS INT;",
        TX,
    ),
    (
        "ban-alter-domain-with-add-constraint",
        "LNT059",
        "ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);",
        "ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID;",
        TX,
    ),
    (
        "require-enum-value-ordering",
        "LNT057",
        "ALTER TYPE mood ADD VALUE 'meh';",
        "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';",
        TX,
    ),
    (
        "require-concurrent-partition-detach",
        "LNT044",
        "ALTER TABLE m DETACH PARTITION m_2023;",
        "ALTER TABLE m DETACH PARTITION m_2023 CONCURRENTLY;",
        NO_TX,
    ),
    (
        "require-concurrent-reindex",
        "LNT043",
        "REINDEX INDEX orders_user_idx;",
        "REINDEX INDEX CONCURRENTLY orders_user_idx;",
        NO_TX,
    ),
    (
        "prefer-text-field",
        "LNT054",
        "CREATE TABLE public.t (id BIGINT PRIMARY KEY, name VARCHAR(100));",
        "CREATE TABLE public.t (id BIGINT PRIMARY KEY, name TEXT CHECK (char_length(name) <= 100));",
        TX,
    ),
    (
        "ban-duplicate-column-assignments",
        "LNT050",
        "UPDATE users SET a = 1, a = 2 WHERE id = 1;",
        "UPDATE users SET a = 1, b = 2 WHERE id = 1;",
        TX,
    ),
    (
        "require-table-schema",
        "LNT062",
        "CREATE TABLE t (id BIGINT PRIMARY KEY);",
        "CREATE TABLE public.t (id BIGINT PRIMARY KEY);",
        TX,
    ),
    (
        "constraint-missing-not-valid: EXCLUDE",
        "LNT046",
        "ALTER TABLE b ADD CONSTRAINT b_x EXCLUDE USING gist (r WITH &&);",
        "CREATE TABLE b (id BIGINT PRIMARY KEY, r TSRANGE, CONSTRAINT b_x EXCLUDE USING gist (r WITH &&));",
        TX,
    ),
    (
        "constraint-missing-not-valid: VALIDATE in the same transaction",
        "LNT004",
        "ALTER TABLE o ADD CONSTRAINT c CHECK (t > 0) NOT VALID; ALTER TABLE o VALIDATE CONSTRAINT c;",
        "ALTER TABLE o ADD CONSTRAINT c CHECK (t > 0) NOT VALID;",
        TX,
    ),
    (
        "adding-field-with-default: stored generated",
        "LNT007",
        "ALTER TABLE o ADD COLUMN c BIGINT GENERATED ALWAYS AS (t * 2) STORED;",
        "ALTER TABLE o ADD COLUMN c BIGINT;",
        TX,
    ),
    (
        "adding-foreign-key-constraint: ADD COLUMN REFERENCES",
        "LNT004",
        "ALTER TABLE o ADD COLUMN u BIGINT REFERENCES users (id);",
        "ALTER TABLE o ADD COLUMN u BIGINT;",
        TX,
    ),
    (
        "disallowed-unique-constraint: ADD COLUMN UNIQUE",
        "LNT009",
        "ALTER TABLE o ADD COLUMN r TEXT UNIQUE;",
        "ALTER TABLE o ADD COLUMN r TEXT;",
        TX,
    ),
    (
        "prefer-bigint-over-int: every column",
        "LNT056",
        "CREATE TABLE public.p (id BIGINT PRIMARY KEY, score INTEGER);",
        "CREATE TABLE public.p (id BIGINT PRIMARY KEY, score BIGINT);",
        TX,
    ),
    (
        "diesel-guard: ADD COLUMN identity",
        "LNT007",
        "ALTER TABLE o ADD COLUMN n BIGINT GENERATED ALWAYS AS IDENTITY;",
        "ALTER TABLE o ADD COLUMN n BIGINT;",
        TX,
    ),
    (
        "diesel-guard: REFRESH MATERIALIZED VIEW",
        "LNT045",
        "REFRESH MATERIALIZED VIEW daily;",
        "REFRESH MATERIALIZED VIEW CONCURRENTLY daily;",
        TX,
    ),
    (
        "diesel-guard: json",
        "LNT055",
        "CREATE TABLE public.e (id BIGINT PRIMARY KEY, p JSON);",
        "CREATE TABLE public.e (id BIGINT PRIMARY KEY, p JSONB);",
        TX,
    ),
    (
        "diesel-guard: CREATE EXTENSION",
        "LNT060",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
        "SELECT 1;",
        TX,
    ),
    (
        "diesel-guard: table without primary key",
        "LNT061",
        "CREATE TABLE v (a BIGINT);",
        "CREATE TABLE v (a BIGINT PRIMARY KEY);",
        TX,
    ),
    (
        "diesel-guard: UPDATE/DELETE without WHERE",
        "LNT048",
        "DELETE FROM sessions;",
        "DELETE FROM sessions WHERE expires_at < now();",
        TX,
    ),
    (
        "diesel-guard: ALTER SCHEMA RENAME",
        "LNT053",
        "ALTER SCHEMA a RENAME TO b;",
        "ALTER SCHEMA a OWNER TO admin;",
        TX,
    ),
    (
        "diesel-guard: unnamed constraint",
        "LNT063",
        "ALTER TABLE o ADD CHECK (t > 0) NOT VALID;",
        "ALTER TABLE o ADD CONSTRAINT o_t CHECK (t > 0) NOT VALID;",
        TX,
    ),
    (
        "diesel-guard: wide index",
        "LNT064",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON o (a, b, c, d);",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON o (a, b) INCLUDE (c, d);",
        NO_TX,
    ),
    (
        "diesel-guard: plain TRUNCATE",
        "LNT051",
        "TRUNCATE sessions;",
        "CREATE TABLE s (id BIGINT PRIMARY KEY); TRUNCATE s;",
        TX,
    ),
    (
        "strong_migrations: backfill",
        "LNT049",
        "ALTER TABLE u ADD COLUMN t TEXT; UPDATE u SET t = 'a' WHERE t IS NULL;",
        "ALTER TABLE u ADD COLUMN t TEXT;",
        TX,
    ),
    (
        "strong_migrations: ALTER TYPE RENAME VALUE",
        "LNT053",
        "ALTER TYPE s RENAME VALUE 'a' TO 'b';",
        "ALTER TYPE s ADD VALUE 'b' AFTER 'a';",
        TX,
    ),
    (
        "Atlas MF101: unique index on an existing table",
        "LNT047",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON users (email);",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS u ON users (email);",
        NO_TX,
    ),
    (
        "Atlas CD101: foreign key dropped",
        "LNT052",
        "ALTER TABLE o DROP CONSTRAINT o_user_id_fkey;",
        "ALTER TABLE o DROP CONSTRAINT o_total_check;",
        TX,
    ),
    (
        "false alarm: varchar widened",
        "LNT008",
        "ALTER TABLE o ALTER COLUMN n TYPE BIGINT;",
        "CREATE TABLE public.o2 (id BIGINT PRIMARY KEY);",
        TX,
    ),
]
IGNORED_IN_PROBES = frozenset({"LNT017"})
"""Timeouts: every probe lacks them; not what the probe is about."""


def squawk_bin() -> str:
    found = ROOT / ".venv" / "bin" / "squawk"
    return str(found) if found.exists() else (shutil.which("squawk") or "squawk")


def run_squawk(paths: list[Path], in_transaction: bool) -> list[dict[str, object]]:
    if not paths:
        return []
    includes = sorted(SQUAWK_TO_AUDITOR)
    command = [squawk_bin(), "--reporter", "json", "-i", ",".join(includes)]
    if in_transaction:
        command.append("--assume-in-transaction")
    done = subprocess.run(command + [str(p) for p in paths], capture_output=True, text=True)
    out = done.stdout.strip()
    return json.loads(out) if out.startswith("[") else []


def probe_results() -> list[dict[str, object]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for item, rule_id, bad, good, in_tx in PROBES:
            row: dict[str, object] = {"item": item, "rule": rule_id}
            for kind, sql in (("bad", bad), ("good", good)):
                config = LintConfig(enable=OPT_IN & {rule_id} | {"LNT017"})
                unit = LintUnit(path="probe.sql", text=sql + "\n", run_in_transaction=in_tx)
                run = lint_units([unit], config)
                ids = sorted({f.rule_id for f in run.findings} - IGNORED_IN_PROBES)
                path = Path(tmp) / f"{kind}.sql"
                path.write_text(sql + "\n", encoding="utf-8")
                squawk = sorted(
                    {str(f["rule_name"]) for f in run_squawk([path], in_tx)}
                    - {"require-lock-timeout", "require-statement-timeout"}
                )
                row[kind] = {"auditor": ids, "squawk": squawk}
            bad_ids = row["bad"]["auditor"]  # type: ignore[index]
            good_ids = row["good"]["auditor"]  # type: ignore[index]
            row["exact"] = bad_ids == [rule_id] and rule_id not in good_ids
            row["safe_variant_clean"] = good_ids == []
            results.append(row)
    return results


def statement_starts(path: Path) -> list[tuple[int, int]]:
    try:
        return [(s.line, s.end_line) for s in split_statements(path.read_text(encoding="utf-8"))]
    except Exception:
        return []


def project_comparison(project: Path) -> dict[str, object]:
    migrations = project / "migrations"
    config = LintConfig(enable=OPT_IN)
    units = collect([migrations], project, config)
    run = lint_units(units, config)
    auditor_hits: dict[tuple[str, int], set[str]] = defaultdict(set)
    for finding in run.findings:
        auditor_hits[(finding.location.file or "", finding.location.line or 0)].add(finding.rule_id)
    tx_files = [project / u.path for u in units if u.run_in_transaction]
    no_tx_files = [project / u.path for u in units if not u.run_in_transaction]
    squawk_hits: dict[tuple[str, int], set[str]] = defaultdict(set)
    unparsed: Counter[str] = Counter()
    spans: dict[str, list[tuple[int, int]]] = {}
    for batch, in_tx in ((tx_files, True), (no_tx_files, False)):
        for finding in run_squawk(batch, in_tx):
            file = Path(str(finding["file"]))
            rel = (file if file.is_absolute() else Path.cwd() / file).resolve()
            key = rel.relative_to(project.resolve()).as_posix()
            if key not in spans:
                spans[key] = statement_starts(project / key)
            line = int(str(finding["line"])) + 1
            start = next((a for a, b in spans[key] if a <= line <= b), line)
            name = str(finding["rule_name"])
            if name == "syntax-error":
                unparsed[key] += 1
            squawk_hits[(key, start)].add(name)
    per_rule: dict[str, dict[str, object]] = {}
    for name in sorted(set(SQUAWK_TO_AUDITOR) | {n for v in squawk_hits.values() for n in v}):
        ours = SQUAWK_TO_AUDITOR.get(name, set())
        both = squawk_only = auditor_only = 0
        samples: dict[str, list[str]] = {"squawk_only": [], "auditor_only": []}
        for key in sorted(set(auditor_hits) | set(squawk_hits)):
            s = name in squawk_hits.get(key, set())
            a = bool(ours & auditor_hits.get(key, set()))
            where = f"{key[0]}:{key[1]}"
            if s and a:
                both += 1
            elif s:
                squawk_only += 1
                if len(samples["squawk_only"]) < 10:
                    there = sorted(auditor_hits.get(key, set()))
                    samples["squawk_only"].append(f"{where} auditor there: {there}")
            elif a:
                auditor_only += 1
                if len(samples["auditor_only"]) < 10:
                    there = sorted(squawk_hits.get(key, set()))
                    samples["auditor_only"].append(
                        f"{where} {sorted(ours & auditor_hits[key])} squawk there: {there}"
                    )
        if both or squawk_only or auditor_only:
            per_rule[name] = {
                "auditor_rules": sorted(ours),
                "both": both,
                "squawk_only": squawk_only,
                "auditor_only": auditor_only,
                "samples": samples,
            }
    auditor_counts = Counter(f.rule_id for f in run.findings)
    return {
        "files": run.files,
        "statements": run.statements,
        "auditor_errors": [e.message for e in run.errors],
        "auditor_findings_per_rule": dict(sorted(auditor_counts.items())),
        "squawk_findings_per_rule": dict(
            sorted(Counter(n for v in squawk_hits.values() for n in v).items())
        ),
        "squawk_syntax_errors": sum(unparsed.values()),
        "per_squawk_rule": per_rule,
    }


def main() -> None:
    out: dict[str, object] = {"load_average": os.getloadavg()[0], "probes": probe_results()}
    for name in ("crates.io", "lemmy"):
        project = Path("/work/projects") / name
        if (project / "migrations").is_dir():
            out[name] = project_comparison(project)
    target = ROOT / "bench" / "results" / "lint_parity.json"
    target.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    probes = out["probes"]
    assert isinstance(probes, list)
    print(f"probes exact: {sum(1 for p in probes if p['exact'])}/{len(probes)}")
    for p in probes:
        if not p["exact"] or not p["safe_variant_clean"]:
            print("  not exact:", p["item"], p["bad"], p["good"])
    for name in ("crates.io", "lemmy"):
        data = out.get(name)
        if isinstance(data, dict):
            print(name, data["files"], "files")
            for rule, row in data["per_squawk_rule"].items():
                print(
                    f"  {rule:45} {','.join(row['auditor_rules']) or '-':16} both={row['both']} "
                    f"squawk_only={row['squawk_only']} auditor_only={row['auditor_only']}"
                )
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
