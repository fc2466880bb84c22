"""Type and naming rules: column types that age badly and names PostgreSQL truncates."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.core.findings import Hit, Severity
from auditor.core.rules import rule
from auditor.families.lint.model import LintFile, LintStatement
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.rules.common import SERIAL, hit, quoted
from auditor.sql.ddl import MAX_IDENTIFIER_BYTES, long_identifiers

_PRIMARY_KEY = re.compile(r"\bPRIMARY\s+KEY\b", re.IGNORECASE)
_CHAR = re.compile(r"^(?:CHAR|CHARACTER|BPCHAR|NCHAR|NATIONAL CHARACTER)(?:\(\d+\))?(?:\[\])?$")
_INT = re.compile(
    r"^(?:INT|INTEGER|INT4|SMALLINT|INT2|SERIAL|SERIAL4|SMALLSERIAL|SERIAL2)(?:\[\d*\])*$"
)
_TIMESTAMP = re.compile(r"^TIMESTAMP(?:\(\d+\))?(?: WITHOUT TIME ZONE)?(?:\[\])?$")
_FLOAT = re.compile(r"^(?:REAL|FLOAT4|FLOAT8|FLOAT(?:\(\d+\))?|DOUBLE PRECISION)$")
_MONEY_NAME = re.compile(
    r"(?:^|_)(?:price|amount|cost|total|subtotal|balance|fee|fees|salary|money|payment|tax|"
    r"discount|revenue|charge|refund|credit|debit|wage|income|invoice)(?:_|s?$)"
)


def _is_id(column: str, definition: str) -> bool:
    return column == "id" or column.endswith("_id") or bool(_PRIMARY_KEY.search(definition))


def _columns_of_type(
    file: LintFile, pattern: re.Pattern[str]
) -> Iterator[tuple[LintStatement, str, str, str]]:
    """(statement, table, column, type) for each column definition whose type matches ``pattern``."""
    for statement, table, column, type_text, _ in file.column_definitions:
        if pattern.match(type_text):
            yield statement, table, column, type_text


@rule("LNT018", FAMILY, Severity.LOW, "No char(n) columns")
def char_column(file: LintFile) -> Iterator[Hit]:
    """``char(n)`` pads with spaces and is no faster than ``text``: comparisons and lengths surprise.

    Bad:

        CREATE TABLE countries (code CHAR(2) NOT NULL);

    Good:

        CREATE TABLE countries (code TEXT NOT NULL CHECK (char_length(code) = 2));
    """
    for statement, table, column, type_text in _columns_of_type(file, _CHAR):
        yield hit(
            file,
            statement,
            f"column {quoted(table)}.{quoted(column)} is {type_text.lower()} (blank-padded)",
            "use text (or varchar) with a CHECK on the length",
            key=f"{table}.{column}",
        )


@rule("LNT019", FAMILY, Severity.MEDIUM, "Id columns are bigint, not int or smallint")
def int_id(file: LintFile) -> Iterator[Hit]:
    """An ``integer`` id runs out at 2,147,483,647 rows; changing it later rewrites the table.

    Applies to columns named ``id`` or ``*_id`` and to primary keys.

    Bad:

        CREATE TABLE events (id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY);

    Good:

        CREATE TABLE events (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    """
    for statement, table, column, type_text, definition in file.column_definitions:
        if _INT.match(type_text) and _is_id(column, definition):
            yield hit(
                file,
                statement,
                f"id column {quoted(table)}.{quoted(column)} is {type_text.lower()} (will overflow; prefer bigint)",
                "use bigint (bigint GENERATED ALWAYS AS IDENTITY for a key)",
                key=f"{table}.{column}",
            )


@rule("LNT020", FAMILY, Severity.LOW, "Identity columns instead of serial")
def serial_column(file: LintFile) -> Iterator[Hit]:
    """``serial`` creates a sequence owned loosely by the column: grants, copies and dumps go wrong.

    ``GENERATED ALWAYS AS IDENTITY`` is the SQL-standard replacement and rejects
    accidental explicit ids.

    Bad:

        CREATE TABLE events (id BIGSERIAL PRIMARY KEY);

    Good:

        CREATE TABLE events (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    """
    for statement, table, column, type_text in _columns_of_type(file, SERIAL):
        yield hit(
            file,
            statement,
            f"column {quoted(table)}.{quoted(column)} is {type_text.lower()}; prefer an identity column",
            "bigint GENERATED ALWAYS AS IDENTITY",
            key=f"{table}.{column}",
        )


@rule("LNT021", FAMILY, Severity.LOW, "Timestamps carry a time zone")
def timestamp_without_time_zone(file: LintFile) -> Iterator[Hit]:
    """``timestamp`` (without time zone) stores wall-clock time: the same instant reads differently per server.

    Bad:

        CREATE TABLE orders (placed_at TIMESTAMP NOT NULL);

    Good:

        CREATE TABLE orders (placed_at TIMESTAMPTZ NOT NULL);
    """
    for statement, table, column, _ in _columns_of_type(file, _TIMESTAMP):
        yield hit(
            file,
            statement,
            f"column {quoted(table)}.{quoted(column)} is timestamp without time zone",
            "use timestamptz",
            key=f"{table}.{column}",
        )


@rule("LNT023", FAMILY, Severity.MEDIUM, "Identifiers fit in 63 bytes")
def long_identifier(file: LintFile) -> Iterator[Hit]:
    """PostgreSQL silently truncates identifiers to 63 bytes: two long names can collide.

    A constraint or index named past the limit is created under a shorter name
    than the migration (and its down.sql) uses.

    Bad:

        CREATE INDEX orders_customer_shipping_address_postal_code_country_created_at_idx ON orders (...);

    Good:

        CREATE INDEX orders_ship_postal_country_created_idx ON orders (...);
    """
    for statement in file.statements:
        seen: set[str] = set()
        for name in long_identifiers(statement.masked):
            size = len(name.encode())
            if name not in seen:
                seen.add(name)
                yield hit(
                    file,
                    statement,
                    f"identifier {name[:40]}... is {size} bytes; PostgreSQL truncates it to {MAX_IDENTIFIER_BYTES}",
                    "shorten the name to at most 63 bytes",
                    key=name,
                )


@rule("LNT036", FAMILY, Severity.HIGH, "Money is stored exactly (numeric or integer cents)")
def money_as_float(file: LintFile) -> Iterator[Hit]:
    """Money in ``real``/``double precision`` rounds (0.1 + 0.2 != 0.3); the ``money`` type follows lc_monetary.

    Applies to every ``money`` column and to float columns named like money
    (price, amount, total, balance, fee, ...).

    Bad:

        CREATE TABLE invoices (total DOUBLE PRECISION NOT NULL);

    Good:

        CREATE TABLE invoices (total NUMERIC(12, 2) NOT NULL CHECK (total >= 0));
    """
    for statement, table, column, type_text, _ in file.column_definitions:
        if type_text == "MONEY" or (_FLOAT.match(type_text) and _MONEY_NAME.search(column)):
            yield hit(
                file,
                statement,
                f"money column {quoted(table)}.{quoted(column)} is {type_text.lower()} (inexact or locale-dependent)",
                "use numeric(p, 2) or an integer amount in cents",
                key=f"{table}.{column}",
            )


_VARCHAR_N = re.compile(r"^(?:VARCHAR|CHARACTER VARYING)\(\d+\)(?:\[\])?$")
_JSON = re.compile(r"^JSON(?:\[\])?$")


@rule("LNT054", FAMILY, Severity.LOW, "Text columns are text with a CHECK, not varchar(n) (opt-in)")
def varchar_column(file: LintFile) -> Iterator[Hit]:
    """``varchar(n)`` bakes a length limit into the type; a CHECK says the same and changes freely.

    Raising the limit later is a catalog-only change (LNT008 knows), but lowering it,
    or moving to a CHECK, rewrites the table under ACCESS EXCLUSIVE; a ``CHECK
    (char_length(x) <= n)`` can be replaced ``NOT VALID`` without a rewrite. Opt-in:
    ``varchar(n)`` is a common and defensible choice. squawk: ``prefer-text-field``.

    Bad:

        CREATE TABLE users (name VARCHAR(100) NOT NULL);

    Good:

        CREATE TABLE users (name TEXT NOT NULL CHECK (char_length(name) <= 100));
    """
    for statement, table, column, type_text in _columns_of_type(file, _VARCHAR_N):
        yield hit(
            file,
            statement,
            f"column {quoted(table)}.{quoted(column)} is {type_text.lower()}",
            "use text with a CHECK (char_length(col) <= n)",
            key=f"{table}.{column}",
        )


@rule("LNT055", FAMILY, Severity.LOW, "JSON is stored as jsonb")
def json_column(file: LintFile) -> Iterator[Hit]:
    """``json`` stores the text as written: it cannot be indexed or compared, and is reparsed on every read.

    ``jsonb`` is what queries (``->>``, ``@>``, GIN indexes) want; keep ``json`` only
    when the exact text (key order, duplicates) must be preserved. Changing it later
    rewrites the table. diesel-guard: json instead of jsonb.

    Bad:

        CREATE TABLE events (payload JSON NOT NULL);

    Good:

        CREATE TABLE events (payload JSONB NOT NULL);
    """
    for statement, table, column, type_text in _columns_of_type(file, _JSON):
        yield hit(
            file,
            statement,
            f"column {quoted(table)}.{quoted(column)} is {type_text.lower()}, not jsonb",
            "use jsonb",
            key=f"{table}.{column}",
        )


@rule("LNT056", FAMILY, Severity.LOW, "Integer columns are bigint (opt-in)")
def int_column(file: LintFile) -> Iterator[Hit]:
    """An ``integer`` or ``smallint`` counter, amount or reference can overflow; widening it rewrites the table.

    LNT019 covers id columns and primary keys (on by default); this opt-in rule
    covers every other integer column, as squawk's ``prefer-bigint-over-int`` and
    ``prefer-bigint-over-smallint`` do.

    Bad:

        CREATE TABLE posts (score INTEGER NOT NULL DEFAULT 0);

    Good:

        CREATE TABLE posts (score BIGINT NOT NULL DEFAULT 0);
    """
    for statement, table, column, type_text, definition in file.column_definitions:
        if _INT.match(type_text) and not _is_id(column, definition):
            yield hit(
                file,
                statement,
                f"column {quoted(table)}.{quoted(column)} is {type_text.lower()} (can overflow; prefer bigint)",
                "use bigint",
                key=f"{table}.{column}",
            )
