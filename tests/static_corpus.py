"""A generated, valid migration corpus that exercises every statement kind the static
builder models: tables with every common type, serial and identity columns, named and
unnamed CHECK/UNIQUE/PRIMARY KEY/FOREIGN KEY constraints, expression, partial and
``CONCURRENTLY`` indexes, ``NOT VALID`` + ``VALIDATE``, renames of columns, tables,
constraints and indexes, type changes, SET/DROP NOT NULL and DEFAULT, dropped and
re-added constraints, name collisions, quoted and 63-byte-truncated identifiers,
schema-qualified names and ``search_path``, domains, enums and comments.

Deterministic for a seed; written in the Diesel layout (used by tests and ``bench/``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

TYPES = (
    "integer",
    "bigint",
    "smallint",
    "text",
    "varchar(40)",
    "character varying(12)",
    "char(3)",
    "numeric(12, 2)",
    "numeric(8)",
    "decimal",
    "boolean",
    "date",
    "timestamptz",
    "timestamp(3)",
    "uuid",
    "jsonb",
    "real",
    "double precision",
)
NUMERIC = {"integer", "bigint", "smallint", "numeric(12, 2)", "numeric(8)", "decimal", "real"}
TEXTUAL = {"text", "varchar(40)", "character varying(12)"}


@dataclass
class _T:
    schema: str
    name: str
    columns: dict[str, str] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)
    uniques: list[str] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    fks: list[str] = field(default_factory=list)
    not_valid: list[str] = field(default_factory=list)
    pinned: set[str] = field(default_factory=set)
    """Columns that named checks, named indexes or foreign keys use: never dropped or retyped."""

    @property
    def ref(self) -> str:
        quoted = self.name if self.name.islower() else f'"{self.name}"'
        return quoted if self.schema == "public" else f"{self.schema}.{quoted}"


class CorpusGenerator:
    """Builds migrations one at a time while tracking the schema they produce."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.tables: list[_T] = []
        self.counter = 0
        self.has_schema = False

    def _id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def _ref(self, t: _T, col: str) -> str:
        return col if col.islower() else f'"{col}"'

    def migration(self) -> tuple[str, bool]:
        """The SQL of the next migration, and whether it must run outside a transaction."""
        rng = self.rng
        if not self.has_schema:
            self.has_schema = True
            return (
                "CREATE SCHEMA app;\n"
                "CREATE TYPE status AS ENUM ('new', 'active');\n"
                "ALTER TYPE status ADD VALUE 'gone';\n"
                "CREATE DOMAIN app.short_text AS varchar(20) CHECK (VALUE <> '');\n",
                False,
            )
        if len(self.tables) < 3 or rng.random() < 0.18:
            return self._create_table(), False
        if rng.random() < 0.04:
            t = rng.choice(self.tables)
            col = rng.choice(list(t.columns))
            name = self._id("cix")
            return (
                f"CREATE INDEX CONCURRENTLY {name} ON {t.ref} ({self._ref(t, col)});\n",
                True,
            )
        statements = [self._alter() for _ in range(rng.randint(1, 3))]
        return "".join(s for s in statements if s), False

    def _create_table(self) -> str:
        rng = self.rng
        schema = "app" if rng.random() < 0.2 else "public"
        kind = rng.random()
        if kind < 0.1:
            name = f"Tbl{self._id('Q')}"  # quoted mixed case
        elif kind < 0.15:
            name = f"a_rather_long_table_name_to_exercise_truncation_rules_{self._id('x')}"
        else:
            name = self._id("t")
        t = _T(schema, name)
        lines = []
        pk = rng.choice(["serial", "bigserial", "identity", "plain"])
        if pk == "identity":
            lines.append("id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
        elif pk == "plain":
            lines.append("id integer NOT NULL")
        else:
            lines.append(f"id {pk} PRIMARY KEY")
        t.columns["id"] = "bigint" if pk in ("bigserial", "identity") else "integer"
        for _ in range(rng.randint(2, 6)):
            col = self._id("c") if rng.random() < 0.85 else f"Col{self._id('Q')}"
            typ = rng.choice(TYPES)
            spec = f"{self._ref(t, col)} {typ}"
            if rng.random() < 0.4:
                spec += " NOT NULL"
            if typ in NUMERIC and rng.random() < 0.4:
                spec += f" DEFAULT {rng.randint(0, 9)}"
                if rng.random() < 0.5:
                    spec += f" CHECK ({self._ref(t, col)} >= 0)"
            elif typ in TEXTUAL and rng.random() < 0.4:
                spec += " DEFAULT 'x'" if rng.random() < 0.5 else " UNIQUE"
            t.columns[col] = typ
            lines.append(spec)
        if rng.random() < 0.2:
            lines.append("kind status DEFAULT 'new'")
            t.columns["kind"] = "status"
        if rng.random() < 0.15:
            lines.append("label app.short_text")
            t.columns["label"] = "app.short_text"
        if pk == "plain":
            lines.append("PRIMARY KEY (id)")
        others = [o for o in self.tables if o is not t]
        if others and rng.random() < 0.6:
            target = rng.choice(others)
            action = rng.choice(
                ["", " ON DELETE CASCADE", " ON DELETE SET NULL", " ON UPDATE RESTRICT"]
            )
            fkcol = f"{target.name.lower()[:20]}_id"
            lines.append(f"{fkcol} {target.columns['id']} REFERENCES {target.ref}{action}")
            t.columns[fkcol] = target.columns["id"]
            t.pinned.add(fkcol)
        numeric = [c for c, ty in t.columns.items() if ty in NUMERIC and c != "id"]
        if len(numeric) >= 2 and rng.random() < 0.5:
            a, b = numeric[:2]
            lines.append(
                f"CHECK ({self._ref(t, a)} <= {self._ref(t, b)} OR {self._ref(t, a)} IS NULL)"
            )
        body = ",\n    ".join(lines)
        self.tables.append(t)
        prefix = "IF NOT EXISTS " if rng.random() < 0.2 else ""
        text = f"CREATE TABLE {prefix}{t.ref} (\n    {body}\n);\n"
        if rng.random() < 0.3:
            text += f"COMMENT ON TABLE {t.ref} IS 'table {t.name}';\n"
        return text

    def _alter(self) -> str:
        rng = self.rng
        t = rng.choice(self.tables)
        cols = [c for c in t.columns if c != "id"]
        kinds = [
            "add_column",
            "add_check",
            "unnamed_check",
            "unique",
            "index",
            "expr_index",
            "partial_index",
            "rename_column",
            "rename_table",
            "type_change",
            "not_null",
            "default",
            "drop_check",
            "drop_column",
            "fk",
            "validate",
            "rename_index",
            "rename_constraint",
            "drop_index",
            "drop_table",
            "search_path",
        ]
        kind = rng.choice(kinds)

        def q(c):
            return self._ref(t, c)

        numeric = [c for c in cols if t.columns[c] in NUMERIC]
        textual = [c for c in cols if t.columns[c] in TEXTUAL]
        if kind == "add_column":
            col = self._id("n")
            typ = rng.choice(TYPES)
            extra = (
                " DEFAULT 1 CHECK (" + col + " > 0)"
                if typ in NUMERIC and rng.random() < 0.5
                else ""
            )
            t.columns[col] = typ
            return f"ALTER TABLE {t.ref} ADD COLUMN {col} {typ}{extra};\n"
        if kind == "add_check" and numeric:
            col = rng.choice(numeric)
            name = self._id("chk_")
            valid = " NOT VALID" if rng.random() < 0.3 else ""
            t.checks.append(name)
            t.pinned.add(col)
            if valid:
                t.not_valid.append(name)
            return f"ALTER TABLE {t.ref} ADD CONSTRAINT {name} CHECK ({q(col)} BETWEEN -5 AND 100000){valid};\n"
        if kind == "unnamed_check" and numeric:
            col = rng.choice(numeric)
            # the same unnamed check twice: PostgreSQL names them *_check and *_check1
            return (
                f"ALTER TABLE {t.ref} ADD CHECK ({q(col)} > -100);\n"
                f"ALTER TABLE {t.ref} ADD CHECK ({q(col)} < 1000000);\n"
            )
        if kind == "unique" and cols:
            chosen = rng.sample(cols, min(len(cols), rng.randint(1, 2)))
            return f"ALTER TABLE {t.ref} ADD UNIQUE ({', '.join(q(c) for c in chosen)});\n"
        if kind == "index" and cols:
            col = rng.choice(cols)
            if rng.random() < 0.5:
                return f"CREATE INDEX ON {t.ref} ({q(col)});\n"
            name = self._id("ix")
            t.indexes.append(name)
            t.pinned.add(col)
            desc = " DESC" if rng.random() < 0.3 else ""
            return f"CREATE INDEX {name} ON {t.ref} ({q(col)}{desc});\n"
        if kind == "expr_index" and textual:
            col = rng.choice(textual)
            unique = "UNIQUE " if rng.random() < 0.5 else ""
            return f"CREATE {unique}INDEX ON {t.ref} (lower({q(col)}));\n"
        if kind == "partial_index" and cols:
            col = rng.choice(cols)
            name = self._id("pix")
            t.indexes.append(name)
            t.pinned.add(col)
            return (
                f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {t.ref} USING btree ({q(col)}) "
                f"WHERE {q(col)} IS NOT NULL;\n"
            )
        if kind == "rename_column" and cols:
            col = rng.choice(cols)
            new = self._id("r")
            t.columns[new] = t.columns.pop(col)
            if col in t.pinned:
                t.pinned.discard(col)
                t.pinned.add(new)
            return f"ALTER TABLE {t.ref} RENAME COLUMN {q(col)} TO {new};\n"
        if kind == "rename_table":
            old = t.ref
            t.name = self._id("renamed")
            return f"ALTER TABLE {old} RENAME TO {t.name};\n"
        retypable = [c for c in numeric if c not in t.pinned]
        if kind == "type_change" and retypable:
            col = rng.choice(retypable)
            t.columns[col] = "numeric(14, 3)"
            return f"ALTER TABLE {t.ref} ALTER COLUMN {q(col)} TYPE numeric(14, 3);\n"
        if kind == "not_null" and cols:
            col = rng.choice(cols)
            verb = "DROP NOT NULL" if rng.random() < 0.5 else "SET NOT NULL"
            return f"ALTER TABLE {t.ref} ALTER COLUMN {q(col)} {verb};\n"
        if kind == "default" and numeric:
            col = rng.choice(numeric)
            verb = "DROP DEFAULT" if rng.random() < 0.3 else f"SET DEFAULT {rng.randint(1, 50)}"
            return f"ALTER TABLE {t.ref} ALTER COLUMN {q(col)} {verb};\n"
        if kind == "drop_check" and t.checks:
            name = t.checks.pop(0)
            if name in t.not_valid:
                t.not_valid.remove(name)
            return f"ALTER TABLE {t.ref} DROP CONSTRAINT {name};\n"
        droppable = [c for c in cols if c not in t.pinned]
        if kind == "drop_column" and len(droppable) > 1:
            col = rng.choice(droppable)
            del t.columns[col]
            return f"ALTER TABLE {t.ref} DROP COLUMN {q(col)} CASCADE;\n"
        if kind == "fk" and len(self.tables) > 1:
            target = rng.choice([o for o in self.tables if o is not t])
            col = self._id("fk")
            t.columns[col] = target.columns["id"]
            t.pinned.add(col)
            name = self._id("fk_")
            valid = " NOT VALID" if rng.random() < 0.3 else ""
            return (
                f"ALTER TABLE {t.ref} ADD COLUMN {col} {target.columns['id']};\n"
                f"ALTER TABLE {t.ref} ADD CONSTRAINT {name} FOREIGN KEY ({col}) "
                f"REFERENCES {target.ref} (id) ON DELETE SET NULL{valid};\n"
            )
        if kind == "validate" and t.not_valid:
            name = t.not_valid.pop()
            return f"ALTER TABLE {t.ref} VALIDATE CONSTRAINT {name};\n"
        if kind == "rename_index" and t.indexes:
            old = t.indexes.pop()
            new = self._id("rix")
            t.indexes.append(new)
            schema = f"{t.schema}." if t.schema != "public" else ""
            return f"ALTER INDEX {schema}{old} RENAME TO {new};\n"
        if kind == "rename_constraint" and t.checks:
            old = t.checks.pop()
            new = self._id("rchk_")
            t.checks.append(new)
            if old in t.not_valid:
                t.not_valid.remove(old)
                t.not_valid.append(new)
            return f"ALTER TABLE {t.ref} RENAME CONSTRAINT {old} TO {new};\n"
        if kind == "drop_index" and t.indexes:
            name = t.indexes.pop(0)
            schema = f"{t.schema}." if t.schema != "public" else ""
            return f"DROP INDEX IF EXISTS {schema}{name};\n"
        if kind == "drop_table" and len(self.tables) > 6 and rng.random() < 0.3:
            self.tables.remove(t)  # CASCADE drops the FKs that reference it, not the columns
            return f"DROP TABLE {t.ref} CASCADE;\n"
        if kind == "search_path" and t.schema == "app":
            col = self._id("sp")
            t.columns[col] = "text"
            return (
                "SET search_path TO app, public;\n"
                f"ALTER TABLE {t.ref.split('.', 1)[1]} ADD COLUMN {col} text CHECK ({col} <> '');\n"
                "SET search_path TO public;\n"
            )
        col = self._id("z")
        t.columns[col] = "integer"
        return f"ALTER TABLE {t.ref} ADD COLUMN {col} integer;\n"


def write_corpus(root: Path, count: int, seed: int = 0) -> Path:
    """Write ``count`` Diesel migrations under ``root`` and return ``root``."""
    gen = CorpusGenerator(seed)
    root.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        sql, no_transaction = gen.migration()
        folder = root / f"2024-01-01-{n:06d}_step_{n}"
        folder.mkdir()
        (folder / "up.sql").write_text(sql, encoding="utf-8")
        (folder / "down.sql").write_text("-- not reversible\nSELECT 1;\n", encoding="utf-8")
        if no_transaction:
            (folder / "metadata.toml").write_text("run_in_transaction = false\n", encoding="utf-8")
    return root


def write_corpus_of_size(root: Path, target_bytes: int, seed: int = 0) -> int:
    """Write migrations until their up scripts reach ``target_bytes``; return the count."""
    gen = CorpusGenerator(seed)
    root.mkdir(parents=True, exist_ok=True)
    total = n = 0
    while total < target_bytes:
        sql, no_transaction = gen.migration()
        folder = root / f"2024-01-01-{n:06d}_step_{n}"
        folder.mkdir()
        (folder / "up.sql").write_text(sql, encoding="utf-8")
        if no_transaction:
            (folder / "metadata.toml").write_text("run_in_transaction = false\n", encoding="utf-8")
        total += len(sql.encode())
        n += 1
    return n
