"""Apply the numbered DDL files in warehouse/migrations/ in order, once each.

Each applied file is recorded in schema_migrations with its checksum; editing a file that
was already applied is refused (write a new migration instead).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")

_LEDGER = """
create table if not exists schema_migrations (
    version integer primary key,
    name varchar not null,
    checksum varchar not null,
    applied_at timestamptz not null default current_timestamp
);
comment on table schema_migrations is
    'Migrations applied to this warehouse file, one row per warehouse/migrations file.';
comment on column schema_migrations.version is 'Number of the migration file (NNN).';
comment on column schema_migrations.name is 'Name of the migration file after its number.';
comment on column schema_migrations.checksum is
    'SHA-256 of the file as applied; a changed file is refused.';
comment on column schema_migrations.applied_at is 'When the migration was applied (UTC).';
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files of `directory`, ordered by number; a badly named .sql is an error."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise WarehouseError(
                f"migration file {path.name} is not named NNN_name.sql",
                "rename it, e.g. 005_add_table.sql",
            )
        found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise WarehouseError(f"two migration files share a number in {directory}")
    return found


def migrate(con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations, each in its own transaction; returns the applied file names."""
    if not _has_ledger(con):
        con.execute(_LEDGER)
    applied = {
        version: (name, checksum)
        for version, name, checksum in con.execute(
            "select version, name, checksum from schema_migrations"
        ).fetchall()
    }
    done: list[str] = []
    for migration in discover(directory):
        filename = migration.path.name
        if migration.version in applied:
            if applied[migration.version][1] != migration.checksum:
                raise WarehouseError(
                    f"migration {filename} was changed after it was applied",
                    "never edit an applied migration; restore it and add a new numbered file",
                )
            continue
        con.execute("begin transaction")
        try:
            con.execute(migration.sql)
            con.execute(
                "insert into schema_migrations (version, name, checksum) values (?, ?, ?)",
                [migration.version, migration.name, migration.checksum],
            )
            con.execute("commit")
        except duckdb.Error as exc:
            con.execute("rollback")
            raise WarehouseError(f"migration {filename} failed: {exc}") from exc
        log.info("applied migration %s", filename)
        done.append(filename)
    return done


def prepare(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Migrate, then upsert the reference data: what a fresh or updated warehouse needs."""
    from warehouse.reference_load import load_reference

    applied = migrate(con)
    load_reference(con)
    return applied


def _has_ledger(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() "
            "where table_name = 'schema_migrations' and schema_name = 'main'"
        ).fetchall()[0][0]
    )
