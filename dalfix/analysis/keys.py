"""How JS must compare a key column's values to agree with the database, for batches that re-key rows.

`key_column(project, parsed, column)` looks `renders.id` (or `schema.renders.id`) up in the project's schema
model (`dalfix.analysis.schema`): the column's builder, `mode`, collation and whether it alone is unique.
`key_comparison` turns that into how a batch re-keys rows: exactly (`===`), by canonical uuid text, or not at
all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from dalfix.analysis.drizzle import unwrap
from dalfix.parsing import Node, ParsedFile

if TYPE_CHECKING:
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema.model import Column, Table

DIALECTS = {"pg": "postgresql", "sqlite": "sqlite", "mysql": "mysql", "singlestore": "mysql"}
# Builders whose values JS cannot compare with `===` the way the database compares them.
INEXACT_TYPES = frozenset({"numeric", "decimal", "real", "doublePrecision", "double precision", "double", "float",
                           "json", "jsonb", "timestamp", "date", "datetime", "time", "interval", "citext", "bytea",
                           "blob", "customType"})  # fmt: skip
TEXT_TYPES = frozenset({"text", "varchar", "char", "tinytext", "mediumtext", "longtext", "enum"})
Comparison = Literal["exact", "uuid"]
MIXED = "\0mixed"  # KeyColumn.type of a merged table's column whose alternatives compare differently


@dataclass(frozen=True)
class KeyColumn:
    type: str  # the SQL type (uuid, text, integer, bigint, enum …), else the drizzle builder called
    dialect: str  # postgresql, sqlite, mysql
    mode: str | None  # `{ mode: "…" }`
    collation: str | None  # `.collate("…")` / `{ collation }` where written
    unique: bool  # the column alone is a primary key, a unique constraint or a (non-partial) unique index


def key_column(project: Project, parsed: ParsedFile, column: Node) -> KeyColumn | None:
    """The Drizzle column `column` (`t.c` or `ns.t.c`) names, from the project's schema model."""
    found = project.schema.column_of(parsed, unwrap(column))
    if found is None:
        return None
    table, facts = found
    if table.alternatives:
        # Chosen at run time among dialect modules: the key compares one way only when every alternative agrees.
        each = [_key_column(t, t.columns[facts.key]) for t in table.alternatives if facts.key in t.columns]
        if len({key_comparison(k) for k in each}) != 1:
            return KeyColumn(MIXED, "unknown", None, None, table.is_unique_key([facts.key]))
        return replace(each[0], unique=table.is_unique_key([facts.key]))
    return _key_column(table, facts)


def _key_column(table: Table, facts: Column) -> KeyColumn:
    dialect = DIALECTS.get(table.dialect, table.dialect)
    kind = facts.type or facts.builder
    return KeyColumn(kind, dialect, facts.mode, facts.collation, table.is_unique_key([facts.key]))


def key_comparison(column: KeyColumn | None) -> Comparison | None:
    """How JS must compare a key of this column to a row's value to agree with the database: "exact" (`===`),
    "uuid" (PostgreSQL reads upper case, braces and missing hyphens as the same uuid), or None when no JS
    equality agrees (a case-insensitive collation — MySQL's default —, numeric text, dates, JSON). An unknown
    column compares exactly (the rule's Fix safety says what that misses)."""
    if column is None:
        return "exact"
    if column.type == MIXED:
        return None
    collation = (column.collation or "").lower()
    inexact = column.type in INEXACT_TYPES or column.type.startswith(("timestamp", "numeric", "decimal"))
    if inexact or collation.endswith("_ci") or collation == "nocase":
        return None
    if column.type in TEXT_TYPES and column.dialect == "mysql" and not collation.endswith(("_bin", "_cs")):
        return None  # MySQL's default collations ignore case and accents
    if column.type == "bigint" and column.mode == "string":
        return None  # "0012" and "12" are one bigint
    if column.type == "uuid" and column.dialect == "postgresql":
        return "uuid"
    return "exact"


def canonical(expression: str, comparison: Comparison, quote: str = '"') -> str:
    """`expression` in the form the comparison compares: a uuid's hex digits in lower case."""
    if comparison == "uuid":
        return f"String({expression}).replace(/[^0-9a-f]/gi, {quote}{quote}).toLowerCase()"
    return expression


def key_match(row_value: str, key: str, comparison: Comparison, quote: str = '"') -> str:
    """The JS condition that a row's key value and a loop's key name the same database value."""
    return f"{canonical(row_value, comparison, quote)} === {canonical(key, comparison, quote)}"
