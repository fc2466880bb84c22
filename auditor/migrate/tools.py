"""Each migration tool's own bookkeeping table, created, read and written as the tool does.

So a project can switch between its tool and ``auditor db`` in both directions:

- Diesel: ``__diesel_schema_migrations(version varchar(50), run_on timestamp)``, one row
  per applied migration.
- golang-migrate: ``schema_migrations(version bigint, dirty boolean)``, one row: the
  current version. Every local version up to it counts as applied. Before a file runs the
  row says ``dirty = true``; it is cleared only when the file succeeded.
- sqlx: ``_sqlx_migrations(version, description, installed_on, success, checksum,
  execution_time)``, one row per migration; the checksum is SHA-384 of the file.
- Flyway: ``flyway_schema_history``, one row per run (``installed_rank``), CRC32 line
  checksums, repeatable ``R__`` scripts with a NULL version, undo rows typed ``UNDO_SQL``.
- dbmate: ``schema_migrations(version varchar primary key)``, one row per applied migration
  (dbmate 2; dbmate 1 wrote ``varchar(255)``, read just the same).

A failed or half-applied state in the tool's table is reported (``dirty``), never cleared.
"""

from __future__ import annotations

import hashlib
import zlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import psycopg

from auditor.core.errors import AuditorError
from auditor.migrate.layouts import Migration
from auditor.migrate.state import (
    DBMATE_TABLE,
    DIESEL_TABLE,
    FLYWAY_TABLE,
    GOLANG_MIGRATE_TABLE,
    SQLX_TABLE,
)

Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Applied:
    """One migration as the tool's table records it."""

    run_on: datetime | None = None
    checksum: str | None = None
    """The tool's own checksum of the applied file (sqlx, Flyway), comparable with
    :meth:`Bookkeeping.checksum`; None when the tool records none."""
    dirty: bool = False


class Bookkeeping(ABC):
    """One tool's table: how it is created, read and written."""

    tool: ClassVar[str]
    table: ClassVar[str]

    def exists(self, conn: Conn) -> bool:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (self.table,)).fetchone()
        return bool(row and row[0])

    @abstractmethod
    def create(self, conn: Conn) -> None:
        """Create the table if missing, with the tool's own columns and types."""

    @abstractmethod
    def applied(self, conn: Conn, migrations: list[Migration]) -> dict[str, Applied]:
        """Applied versions (with :attr:`Migration.version` spelling) and what is known of them."""

    def checksum(self, migration: Migration) -> str | None:
        """The tool's checksum of ``migration`` as it would record it (None: records none)."""
        return None

    def before(self, conn: Conn, migration: Migration, *, up: bool, target: str | None) -> None:
        """Runs before the script, outside its transaction (golang-migrate marks dirty).

        ``target`` is the version current after a revert (golang-migrate), None for none.
        """
        return None

    @abstractmethod
    def record(self, conn: Conn, migration: Migration, *, up: bool) -> None:
        """Record the script's success (inside its transaction when it has one)."""

    def after(
        self, conn: Conn, migration: Migration, *, up: bool, target: str | None, elapsed_ns: int
    ) -> None:
        """Runs after the script committed (golang-migrate clears dirty, sqlx stores the time)."""
        return None

    def failed(self, conn: Conn, migration: Migration, *, up: bool, elapsed_ns: int) -> None:
        """Record a failure outside a transaction, as the tool does (Flyway)."""
        return None

    def _columns(self, conn: Conn) -> set[str]:
        rows = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) "
            "AND attnum > 0 AND NOT attisdropped",
            (self.table,),
        ).fetchall()
        return {str(r[0]) for r in rows}


class _RowPerVersion(Bookkeeping):
    """A table with one row per applied version (Diesel, dbmate): insert on up, delete on down."""

    def record(self, conn: Conn, migration: Migration, *, up: bool) -> None:
        if up:
            conn.execute(f"INSERT INTO {self.table} (version) VALUES (%s)", (migration.version,))
        else:
            conn.execute(f"DELETE FROM {self.table} WHERE version = %s", (migration.version,))


class DieselBookkeeping(_RowPerVersion):
    tool = "diesel"
    table = DIESEL_TABLE

    def create(self, conn: Conn) -> None:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {DIESEL_TABLE} ("
            "version VARCHAR(50) PRIMARY KEY NOT NULL, "
            "run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )

    def applied(self, conn: Conn, migrations: list[Migration]) -> dict[str, Applied]:
        rows = conn.execute(f"SELECT version, run_on FROM {DIESEL_TABLE}").fetchall()
        return {str(v): Applied(run_on=_time(r)) for v, r in rows}


class GolangMigrateBookkeeping(Bookkeeping):
    tool = "golang-migrate"
    table = GOLANG_MIGRATE_TABLE

    def create(self, conn: Conn) -> None:
        if not self.exists(conn):  # as golang-migrate: a read-only role may lack CREATE
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} "
                "(version bigint not null primary key, dirty boolean not null)"
            )

    def current(self, conn: Conn) -> tuple[int, bool] | None:
        if "dirty" not in self._columns(conn):
            raise BookkeepingError(
                f"{self.table} has no dirty column: it is not golang-migrate's table "
                "(dbmate uses the same name); pass --layout"
            )
        row = conn.execute(f"SELECT version, dirty FROM {self.table} LIMIT 1").fetchone()
        if row is None:
            return None
        version, dirty = row
        return int(str(version)), bool(dirty)

    def applied(self, conn: Conn, migrations: list[Migration]) -> dict[str, Applied]:
        current = self.current(conn)
        if current is None:
            return {}
        version, dirty = current
        if version < 0:  # golang-migrate's NilVersion, left dirty by a failed first down
            return {}
        result = {m.version: Applied() for m in migrations if int(m.version) < version}
        result[str(version)] = Applied(dirty=dirty)
        return result

    def _set(self, conn: Conn, version: int, dirty: bool) -> None:
        with conn.transaction():  # SetVersion: TRUNCATE then one row, in one transaction
            conn.execute(f"TRUNCATE {self.table}")
            if version >= 0 or dirty:
                conn.execute(
                    f"INSERT INTO {self.table} (version, dirty) VALUES (%s, %s)", (version, dirty)
                )

    def before(self, conn: Conn, migration: Migration, *, up: bool, target: str | None) -> None:
        self._set(conn, _target(migration, up, target), True)

    def record(self, conn: Conn, migration: Migration, *, up: bool) -> None:
        return None  # the clean row is written once the file succeeded, in after()

    def after(
        self, conn: Conn, migration: Migration, *, up: bool, target: str | None, elapsed_ns: int
    ) -> None:
        self._set(conn, _target(migration, up, target), False)


def _target(migration: Migration, up: bool, target: str | None) -> int:
    if up:
        return int(migration.version)
    return int(target) if target is not None else -1


class SqlxBookkeeping(Bookkeeping):
    tool = "sqlx"
    table = SQLX_TABLE

    def create(self, conn: Conn) -> None:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {SQLX_TABLE} (\n"
            "    version BIGINT PRIMARY KEY,\n"
            "    description TEXT NOT NULL,\n"
            "    installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
            "    success BOOLEAN NOT NULL,\n"
            "    checksum BYTEA NOT NULL,\n"
            "    execution_time BIGINT NOT NULL\n"
            ")"
        )

    def applied(self, conn: Conn, migrations: list[Migration]) -> dict[str, Applied]:
        rows = conn.execute(
            f"SELECT version, installed_on, success, checksum FROM {SQLX_TABLE}"
        ).fetchall()
        return {
            str(v): Applied(run_on=_time(on), checksum=bytes(c).hex(), dirty=not ok)
            for v, on, ok, c in rows
        }

    def checksum(self, migration: Migration) -> str | None:
        return hashlib.sha384(migration.up.path.read_bytes()).hexdigest()

    def record(self, conn: Conn, migration: Migration, *, up: bool) -> None:
        if up:
            conn.execute(
                f"INSERT INTO {SQLX_TABLE} (version, description, success, checksum, execution_time) "
                "VALUES (%s, %s, TRUE, %s, -1)",
                (
                    int(migration.version),
                    migration.name.replace("_", " "),
                    hashlib.sha384(migration.up.path.read_bytes()).digest(),
                ),
            )
        else:
            conn.execute(f"DELETE FROM {SQLX_TABLE} WHERE version = %s", (int(migration.version),))

    def after(
        self, conn: Conn, migration: Migration, *, up: bool, target: str | None, elapsed_ns: int
    ) -> None:
        if up:
            conn.execute(
                f"UPDATE {SQLX_TABLE} SET execution_time = %s WHERE version = %s",
                (elapsed_ns, int(migration.version)),
            )


def flyway_checksum(data: bytes) -> int:
    """Flyway's checksum: CRC32 over the file's lines without line breaks (BOM dropped), signed."""
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    crc = 0
    for line in (
        text.replace("\r\n", "\n")
        .replace("\r", "\n")
        .split("\n")[: -1 if text.endswith(("\n", "\r")) else None]
    ):
        crc = zlib.crc32(line.encode("utf-8"), crc)
    return crc - (1 << 32) if crc >= 1 << 31 else crc


class FlywayBookkeeping(Bookkeeping):
    tool = "flyway"
    table = FLYWAY_TABLE

    def create(self, conn: Conn) -> None:
        if self.exists(conn):
            return
        conn.execute(
            f'CREATE TABLE "{FLYWAY_TABLE}" (\n'
            '    "installed_rank" INT NOT NULL,\n'
            '    "version" VARCHAR(50),\n'
            '    "description" VARCHAR(200) NOT NULL,\n'
            '    "type" VARCHAR(20) NOT NULL,\n'
            '    "script" VARCHAR(1000) NOT NULL,\n'
            '    "checksum" INTEGER,\n'
            '    "installed_by" VARCHAR(100) NOT NULL,\n'
            '    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),\n'
            '    "execution_time" INTEGER NOT NULL,\n'
            '    "success" BOOLEAN NOT NULL\n'
            ")"
        )
        conn.execute(
            f'ALTER TABLE "{FLYWAY_TABLE}" ADD CONSTRAINT "flyway_schema_history_pk" '
            'PRIMARY KEY ("installed_rank")'
        )
        conn.execute(f'CREATE INDEX "flyway_schema_history_s_idx" ON "{FLYWAY_TABLE}" ("success")')

    def applied(self, conn: Conn, migrations: list[Migration]) -> dict[str, Applied]:
        rows = conn.execute(
            f"SELECT version, description, type, checksum, installed_on, success "
            f"FROM {FLYWAY_TABLE} ORDER BY installed_rank"
        ).fetchall()
        latest: dict[str, Applied | None] = {}
        for version, description, kind, checksum, on, ok in rows:
            if kind == "SCHEMA":  # Flyway's marker for schemas it created
                continue
            key = f"R__{description}".replace(" ", "_") if version is None else str(version)
            if kind == "UNDO_SQL" and ok:
                latest[key] = None
            else:
                latest[key] = Applied(
                    run_on=_time(on),
                    checksum=None if checksum is None else str(checksum),
                    dirty=not ok,
                )
        return {k: v for k, v in latest.items() if v is not None}

    def checksum(self, migration: Migration) -> str | None:
        return str(flyway_checksum(migration.up.path.read_bytes()))

    def _insert(
        self, conn: Conn, migration: Migration, *, up: bool, ok: bool, elapsed_ns: int
    ) -> None:
        script = migration.up if up else migration.down
        assert script is not None
        conn.execute(
            f"INSERT INTO {FLYWAY_TABLE} (installed_rank, version, description, type, script, "
            "checksum, installed_by, execution_time, success) "
            f"SELECT coalesce(max(installed_rank), 0) + 1, %s, %s, %s, %s, %s, current_user, %s, %s "
            f"FROM {FLYWAY_TABLE}",
            (
                None if migration.repeatable else migration.version,
                migration.name.replace("_", " "),
                "SQL" if up else "UNDO_SQL",
                script.path.name,
                flyway_checksum(script.path.read_bytes()),
                elapsed_ns // 1_000_000,
                ok,
            ),
        )

    def record(self, conn: Conn, migration: Migration, *, up: bool) -> None:
        self._insert(conn, migration, up=up, ok=True, elapsed_ns=0)

    def failed(self, conn: Conn, migration: Migration, *, up: bool, elapsed_ns: int) -> None:
        self._insert(conn, migration, up=up, ok=False, elapsed_ns=elapsed_ns)


class DbmateBookkeeping(_RowPerVersion):
    tool = "dbmate"
    table = DBMATE_TABLE

    def create(self, conn: Conn) -> None:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {DBMATE_TABLE} (version varchar primary key)")

    def applied(self, conn: Conn, migrations: list[Migration]) -> dict[str, Applied]:
        if "dirty" in self._columns(conn):
            raise BookkeepingError(
                f"{self.table} has a dirty column: it is golang-migrate's table, not dbmate's "
                "(both use the name); pass --layout"
            )
        rows = conn.execute(f"SELECT version FROM {DBMATE_TABLE}").fetchall()
        return {str(r[0]): Applied() for r in rows}


class BookkeepingError(AuditorError):
    """The tool's table is not the shape the tool writes; the message names the table."""


_TOOLS: dict[str, type[Bookkeeping]] = {
    cls.tool: cls
    for cls in (
        DieselBookkeeping,
        GolangMigrateBookkeeping,
        SqlxBookkeeping,
        FlywayBookkeeping,
        DbmateBookkeeping,
    )
}


def bookkeeping(tool: str) -> Bookkeeping:
    """The bookkeeping of ``tool`` (one of :data:`auditor.migrate.layouts.TOOLS`)."""
    return _TOOLS[tool]()


def _time(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None
