"""Object rules: domains, enums, extensions, and the shape of new tables and indexes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.core.findings import Hit, Severity
from auditor.core.rules import rule
from auditor.families.lint.model import LintFile
from auditor.families.lint.rules import FAMILY
from auditor.families.lint.rules.common import hit, quoted, statements_matching
from auditor.sql.ddl import QNAME, base_name, paren_body, split_top_level

_ADD_VALUE = re.compile(
    rf"^ALTER\s+TYPE\s+({QNAME})\s+ADD\s+VALUE\b(.*)$", re.IGNORECASE | re.DOTALL
)
_BEFORE_AFTER = re.compile(r"\b(?:BEFORE|AFTER)\s+''", re.IGNORECASE)
_CREATE_DOMAIN = re.compile(rf"^CREATE\s+DOMAIN\s+({QNAME})\s+(.*)$", re.IGNORECASE | re.DOTALL)
_DOMAIN_CONSTRAINT = re.compile(r"\b(?:CHECK\s*\(|NOT\s+NULL\b|CONSTRAINT\b)", re.IGNORECASE)
_ALTER_DOMAIN_ADD = re.compile(
    rf"^ALTER\s+DOMAIN\s+({QNAME})\s+ADD\b(.*)$", re.IGNORECASE | re.DOTALL
)
_NOT_VALID = re.compile(r"\bNOT\s+VALID\b", re.IGNORECASE)
_CREATE_EXTENSION = re.compile(
    rf"^CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?({QNAME})", re.IGNORECASE
)
_PRIMARY_KEY = re.compile(r"\bPRIMARY\s+KEY\b", re.IGNORECASE)
_ADD_PRIMARY_KEY = re.compile(rf"^ADD\s+(?:CONSTRAINT\s+{QNAME}\s+)?PRIMARY\s+KEY\b", re.IGNORECASE)
_NOT_A_PLAIN_TABLE = re.compile(
    r"^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:TEMP|TEMPORARY)\b|\b(?:PARTITION\s+OF|OF)\s|\sAS\s",
    re.IGNORECASE,
)
_QUALIFIED = re.compile(
    rf"^(?:CREATE|ALTER|DROP)\s+.*?TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?:ONLY\s+)?({QNAME})",
    re.IGNORECASE,
)
_UNNAMED = re.compile(r"^ADD\s+(CHECK|UNIQUE|PRIMARY\s+KEY|FOREIGN\s+KEY|EXCLUDE)\b", re.IGNORECASE)
_INDEX_COLUMNS = re.compile(r"\bON\s+(?:ONLY\s+)?\S+\s*(?:USING\s+\w+\s*)?\(", re.IGNORECASE)
WIDE_INDEX_COLUMNS = 3
"""An index on more key columns than this is reported (LNT064)."""


@rule("LNT057", FAMILY, Severity.LOW, "New enum values say where they go (opt-in)")
def enum_value_without_position(file: LintFile) -> Iterator[Hit]:
    """``ALTER TYPE ... ADD VALUE`` without ``BEFORE`` or ``AFTER`` appends the value last.

    Enum values sort in declaration order: ``ORDER BY status``, ``status > 'paid'`` and
    range checks silently change meaning when a value lands at the end instead of
    where it belongs. Lock: a brief catalog change (no table lock). Opt-in: enable
    it where code sorts or compares enum values. squawk: ``require-enum-value-ordering``.

    Bad:

        ALTER TYPE order_status ADD VALUE 'refunded';

    Good:

        ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'paid';
    """
    for statement, match in statements_matching(file, "ALTER TYPE", _ADD_VALUE):
        if _BEFORE_AFTER.search(match.group(2)):
            continue
        name = base_name(match.group(1))
        yield hit(
            file,
            statement,
            f"a value is added to enum {quoted(name)} without BEFORE or AFTER (it sorts last)",
            "say where the value goes: ADD VALUE '...' BEFORE|AFTER '...'",
            key=name,
        )


@rule("LNT058", FAMILY, Severity.LOW, "Domains carry no constraints")
def domain_with_constraint(file: LintFile) -> Iterator[Hit]:
    """``CREATE DOMAIN ... CHECK`` (or ``NOT NULL``) puts a constraint where it is hard to change.

    Changing it later (``ALTER DOMAIN ... ADD CONSTRAINT``) checks every column of
    every table that uses the domain, under a SHARE lock on each table (writes wait),
    and a domain's NOT NULL is not enforced everywhere (outer joins, composite
    fields). Put the CHECK on the table columns instead. squawk:
    ``ban-create-domain-with-constraint``; diesel-guard: domain CHECK.

    Bad:

        CREATE DOMAIN positive_amount AS NUMERIC(12, 2) CHECK (VALUE > 0);

    Good:

        CREATE DOMAIN amount AS NUMERIC(12, 2);
        CREATE TABLE payments (total amount NOT NULL CHECK (total > 0));
    """
    for statement, match in statements_matching(file, "CREATE DOMAIN", _CREATE_DOMAIN):
        if not _DOMAIN_CONSTRAINT.search(match.group(2)):
            continue
        name = base_name(match.group(1))
        yield hit(
            file,
            statement,
            f"domain {quoted(name)} is created with a constraint (hard to change without locking every table that uses it)",
            "create the domain without constraints; put CHECK/NOT NULL on the table columns",
            key=name,
        )


@rule("LNT059", FAMILY, Severity.MEDIUM, "Domain constraints are added NOT VALID")
def alter_domain_add_constraint(file: LintFile) -> Iterator[Hit]:
    """``ALTER DOMAIN ... ADD CONSTRAINT`` checks every column of every table using the domain.

    Lock: SHARE on each of those tables while it scans them (writes wait). Add it
    ``NOT VALID`` (new values are checked at once) and ``VALIDATE CONSTRAINT`` in a
    later migration. squawk: ``ban-alter-domain-with-add-constraint``; diesel-guard:
    domain CHECK.

    Bad:

        ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0);

    Good:

        ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0) NOT VALID;
    """
    for statement, match in statements_matching(file, "ALTER DOMAIN", _ALTER_DOMAIN_ADD):
        if _NOT_VALID.search(match.group(2)):
            continue
        name = base_name(match.group(1))
        yield hit(
            file,
            statement,
            f"a constraint is added to domain {quoted(name)}: every table using it is scanned (blocks writes until it finishes)",
            "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration",
            key=name,
        )


@rule("LNT060", FAMILY, Severity.LOW, "Extensions are installed outside migrations (opt-in)")
def create_extension(file: LintFile) -> Iterator[Hit]:
    """``CREATE EXTENSION`` in a migration needs a privileged role at deploy time.

    Most extensions need superuser (or a trusted-extension setup) and some a server
    package: the migration fails on a managed database or under a least-privilege
    deploy role. Opt-in: enable it where the deploy role is not the database owner.
    Lock: none on tables. diesel-guard: CREATE EXTENSION.

    Bad:

        CREATE EXTENSION IF NOT EXISTS pg_trgm;

    Good:

        -- installed by the platform (Terraform, the DBA), documented in the README;
        -- the migration only uses it:
        CREATE INDEX CONCURRENTLY IF NOT EXISTS users_name_trgm ON users USING gin (name gin_trgm_ops);
    """
    for statement, match in statements_matching(file, "CREATE EXTENSION", _CREATE_EXTENSION):
        name = base_name(match.group(1))
        yield hit(
            file,
            statement,
            f"extension {quoted(name)} is created by a migration (needs a privileged role at deploy time)",
            "install extensions out of band (platform, DBA) and document it",
            key=name,
        )


@rule("LNT061", FAMILY, Severity.MEDIUM, "Every new table has a primary key")
def table_without_primary_key(file: LintFile) -> Iterator[Hit]:
    """A ``CREATE TABLE`` without a primary key (in the statement or added later in the file).

    Rows cannot be addressed one by one: logical replication cannot replicate its
    UPDATEs and DELETEs, ORMs (Diesel's ``table!``) need a key, and duplicates creep
    in. Temporary tables, partitions, ``CREATE TABLE ... AS`` and down.sql files (they
    restore what was there) are not reported.
    Lock: none (a new table). diesel-guard: table without primary key.

    Bad:

        CREATE TABLE page_views (user_id BIGINT NOT NULL, viewed_at TIMESTAMPTZ NOT NULL);

    Good:

        CREATE TABLE page_views (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_id BIGINT NOT NULL, viewed_at TIMESTAMPTZ NOT NULL);
    """
    if file.direction == "down":
        return
    keyed = {
        alter.table
        for statement in file.statements
        if (alter := statement.alter_table) is not None
        and any(_ADD_PRIMARY_KEY.match(action) for action in alter.actions)
    }
    for statement in file.statements:
        table = statement.created_table
        if table is None or table in keyed:
            continue
        masked = statement.masked
        start = masked.find("(")
        if start == -1 or _NOT_A_PLAIN_TABLE.search(masked[:start]):
            continue
        if _PRIMARY_KEY.search(masked) or re.match(r"\(\s*LIKE\b", masked[start:], re.I):
            continue
        yield hit(
            file,
            statement,
            f"table {quoted(table)} has no primary key",
            "add a primary key (bigint GENERATED ALWAYS AS IDENTITY, or the natural key)",
            key=table,
        )


@rule("LNT062", FAMILY, Severity.LOW, "Tables are named with their schema (opt-in)")
def table_without_schema(file: LintFile) -> Iterator[Hit]:
    """``CREATE``, ``ALTER`` or ``DROP TABLE`` on an unqualified name depends on ``search_path``.

    Run with another ``search_path`` (a different deploy role, a tool that sets it)
    the migration creates or changes a table in the wrong schema. Opt-in: most
    projects use one schema. Lock: that of the statement. squawk:
    ``require-table-schema`` (opt-in there too).

    Bad:

        CREATE TABLE invoices (id BIGINT PRIMARY KEY);

    Good:

        CREATE TABLE public.invoices (id BIGINT PRIMARY KEY);
    """
    for statement in file.statements:
        upper = statement.upper
        if not (upper.startswith(("ALTER TABLE", "DROP TABLE")) or statement.created_table):
            continue
        match = _QUALIFIED.match(statement.masked)
        if match is None or "." in match.group(1).replace('"."', "."):
            continue
        if upper.startswith("CREATE") and re.match(r"CREATE\s+(?:GLOBAL\s+|LOCAL\s+)?TEMP", upper):
            continue
        name = base_name(match.group(1))
        yield hit(
            file,
            statement,
            f"table {quoted(name)} is not schema-qualified (depends on search_path)",
            f"write the schema: public.{quoted(name)}",
            key=name,
        )


@rule("LNT063", FAMILY, Severity.LOW, "Constraints added to a table are named")
def unnamed_constraint(file: LintFile) -> Iterator[Hit]:
    """``ALTER TABLE ... ADD CHECK|UNIQUE|FOREIGN KEY|PRIMARY KEY`` without ``CONSTRAINT name``.

    PostgreSQL makes up a name (``orders_total_check``, ``orders_user_id_fkey1``):
    the down.sql, a later migration or an ignore cannot rely on it, and it differs
    between databases that applied the migrations differently. Lock: that of the
    ADD (see LNT004, LNT009). diesel-guard: unnamed constraints.

    Bad:

        ALTER TABLE orders ADD CHECK (total >= 0) NOT VALID;

    Good:

        ALTER TABLE orders ADD CONSTRAINT orders_total_nonnegative CHECK (total >= 0) NOT VALID;
    """
    for statement in file.statements:
        alter = statement.alter_table
        if alter is None:
            continue
        for action in alter.actions:
            match = _UNNAMED.match(action)
            if match is None:
                continue
            kind = " ".join(match.group(1).upper().split())
            yield hit(
                file,
                statement,
                f"an unnamed {kind} constraint is added to {quoted(alter.table)} (PostgreSQL picks the name)",
                "name it: ADD CONSTRAINT <table>_<what> ...",
                key=f"{alter.table}:{kind}:{action[:40]}",
            )


@rule("LNT064", FAMILY, Severity.LOW, "Indexes have at most three key columns (opt-in)")
def wide_index(file: LintFile) -> Iterator[Hit]:
    """An index on more than three columns is large, slow to update and rarely used whole.

    A B-tree is only used for a prefix of its columns; each extra column makes every
    write and the index itself bigger. Columns in ``INCLUDE`` are not counted. Opt-in:
    keyset-pagination indexes are wide on purpose (lemmy has 131). Lock: that of the
    CREATE INDEX (see LNT001). diesel-guard: wide indexes.

    Bad:

        CREATE INDEX orders_search_idx ON orders (user_id, status, placed_at, total);

    Good:

        CREATE INDEX orders_user_status_idx ON orders (user_id, status) INCLUDE (placed_at, total);
    """
    for statement in file.statements:
        parts = statement.create_index
        if parts is None:
            continue
        match = _INDEX_COLUMNS.search(statement.masked)
        if match is None:
            continue
        body, _ = paren_body(statement.masked, match.end() - 1)
        columns = split_top_level(body)
        if len(columns) <= WIDE_INDEX_COLUMNS:
            continue
        yield hit(
            file,
            statement,
            f"index {quoted(parts.name or 'unnamed')} on {quoted(parts.table)} has {len(columns)} key columns",
            "index the columns queries filter on first; move the rest to INCLUDE",
            key=f"{parts.table}.{parts.name}",
        )
