"""Telling a unique violation apart from any other error, per dialect and driver, without the message text.

drizzle >= 0.44 wraps driver errors in `DrizzleQueryError`, so the driver's fields are on `err.cause`; a
predicate walks the `.cause` chain (bounded, with a cycle check) and looks at fields only:

- PostgreSQL: SQLSTATE `23505` on `code`, and the violated constraint's name on `constraint` (node-postgres
  and the drivers built on its protocol code: neon-serverless, vercel-postgres, PGlite) or `constraint_name`
  (postgres-js). The name is required: a table with two unique keys raises 23505 for both.
- SQLite: `SQLITE_CONSTRAINT_UNIQUE` / `SQLITE_CONSTRAINT_PRIMARYKEY` on `code` (better-sqlite3, bun:sqlite)
  or `extendedCode` (libSQL). The error names no constraint, so the key must be the only one the write can
  hit (see `sole_violable_set`). D1 and the proxies report a message only: no predicate.
- MySQL: `ER_DUP_ENTRY` on `code` or errno 1062 (mysql2). No constraint field either. The serverless
  drivers (PlanetScale, TiDB) report differently: no predicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dalfix.analysis.drivers import DriverInfo
    from dalfix.analysis.schema import Table, UniqueSet

POSTGRES_CONSTRAINT_FIELD = {
    "node-postgres": "constraint",
    "node-postgres-client": "constraint",
    "neon-serverless": "constraint",
    "vercel-postgres": "constraint",
    "pglite": "constraint",
    "postgres-js": "constraint_name",
    "postgres-js-single": "constraint_name",
}
SQLITE_DRIVERS = frozenset({"better-sqlite3", "bun-sqlite", "libsql", "libsql-file", "libsql-remote"})
MYSQL_DRIVERS = frozenset({"mysql2", "mysql2-connection"})
POSTGRES_IDENTIFIER_LENGTH = 63  # longer names are truncated by the server: the error would carry another
# Defaults no two inserts share: a key column the insert leaves to one of these cannot collide.
FRESH_DEFAULTS = frozenset({"defaultRandom", "identity", "autoincrement", "$defaultFn"})
SERIAL_BUILDERS = frozenset({"serial", "bigserial", "smallserial"})


@dataclass(frozen=True)
class ViolationMatch:
    """How the generated predicate recognises the violation: its dialect, and for PostgreSQL the field that
    carries the constraint name and that name."""

    dialect: str  # "pg", "sqlite", "mysql"
    constraint_field: str | None = None
    constraint: str | None = None


def violation_match(
    table: Table, unique_set: UniqueSet, driver: DriverInfo, written: set[str] | None, update: bool = False
) -> ViolationMatch | str:
    """The predicate's parameters for a violation of `unique_set` by a write of the columns `written` (None: a
    spread may write any), an insert or an `update`, or why no predicate can tell it apart."""
    drivers = driver.driver.split("|")
    if table.dialect == "pg":
        fields = {POSTGRES_CONSTRAINT_FIELD.get(d) for d in drivers}
        if len(fields) != 1 or None in fields:
            return f"dalfix does not know which field carries the constraint name on driver {driver.driver}"
        name = unique_set.name
        if not name or len(name.encode()) > POSTGRES_IDENTIFIER_LENGTH:
            return "the schema does not name the unique constraint (a violation of another key would look the same)"
        return ViolationMatch("pg", fields.pop(), name)
    if table.dialect in ("sqlite", "mysql"):
        known = SQLITE_DRIVERS if table.dialect == "sqlite" else MYSQL_DRIVERS
        if not all(d in known for d in drivers):
            return f"driver {driver.driver} reports a unique violation in a way dalfix does not match"
        other = sole_violable_set(table, unique_set, written, update)
        if other is not None:
            columns = ", ".join(other.columns or other.expressions)
            return (
                f"the write can also violate the unique key ({columns}), and a {table.dialect} error names the key "
                "it violated only in its message text, in no field a predicate can match"
            )
        return ViolationMatch(table.dialect)
    return f"no unique-violation predicate for dialect {table.dialect}"


def sole_violable_set(
    table: Table, unique_set: UniqueSet, written: set[str] | None, update: bool = False
) -> UniqueSet | None:
    """Another unique set of `table` that a write of the columns `written` (None: any) could violate, or None
    when `unique_set` is the only one. An insert cannot violate a set with a column it leaves to a fresh default
    (a random uuid, an identity, autoincrement, a `$defaultFn`); an update only violates a set whose columns
    (or the columns its expressions and predicate mention) it writes: the others keep their unique values."""
    columns = table.columns
    others = [
        s
        for s in table.unique_sets()
        if s is not unique_set and not (s.columns == unique_set.columns and not s.expressions)
    ]
    if written is None:  # a spread may write any column; name a key other than the primary one when there is one
        return next((s for s in others if s.kind != "primary_key"), others[0] if others else None)
    for other in others:
        if update:
            mentioned = {*other.columns, *other.expression_columns}
            if mentioned & written or (other.expressions and not other.expression_columns):
                return other
            continue
        fresh = any(
            key not in written
            and key in columns
            and (
                columns[key].default_kind in FRESH_DEFAULTS
                or columns[key].builder in SERIAL_BUILDERS
                # SQLite: an INTEGER PRIMARY KEY is the rowid, assigned when the insert leaves it out
                or (table.dialect == "sqlite" and other.kind == "primary_key" and columns[key].builder == "integer")
            )
            for key in other.columns
        )
        if not fresh:
            return other
    return None
