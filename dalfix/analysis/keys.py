"""What a key column is, read from its Drizzle table: how JS must compare its values to match the database.

`key_column(project, parsed, column)` follows `renders.id` (or `schema.renders.id`) from the code that uses it
to `export const renders = pgTable('renders', { id: uuid('id').primaryKey(), … })` and reads the column's
builder, `mode`, collation and whether it is a single-column primary key or unique. `key_comparison` turns
that into how a batch re-keys rows: exactly (`===`), by canonical uuid text, or not at all.

This is a minimal reader for DAL002 (one column of one table, no composite keys, no `casing`); the project's
schema model (`dalfix.analysis.schema`) is the complete one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from dalfix.analysis.drizzle import split_chain, unwrap
from dalfix.parsing import Node, ParsedFile

if TYPE_CHECKING:
    from dalfix.analysis.project import Project

TABLE_FUNCTIONS = {"pgTable": "postgresql", "sqliteTable": "sqlite", "mysqlTable": "mysql",
                   "singlestoreTable": "mysql"}  # fmt: skip
# Builders whose values JS cannot compare with `===` the way the database compares them.
INEXACT_BUILDERS = frozenset({"numeric", "decimal", "real", "doublePrecision", "double", "float", "json", "jsonb",
                              "timestamp", "date", "datetime", "time", "interval", "citext", "bytea", "blob",
                              "customType"})  # fmt: skip
TEXT_BUILDERS = frozenset({"text", "varchar", "char", "tinytext", "mediumtext", "longtext"})
Comparison = Literal["exact", "uuid"]


@dataclass(frozen=True)
class KeyColumn:
    builder: str  # uuid, text, integer, bigint … (the drizzle builder called)
    dialect: str  # postgresql, sqlite, mysql
    mode: str | None  # `{ mode: "…" }`
    collation: str | None  # `.collate("…")` / `{ collation }` where written
    unique: bool  # `.primaryKey()` or `.unique()` on the column itself


def key_column(project: Project, parsed: ParsedFile, column: Node) -> KeyColumn | None:
    """The Drizzle column `column` (`t.c` or `ns.t.c`) names, when its table is a top-level `pgTable(…)` /
    `sqliteTable(…)` / `mysqlTable(…)` of the project with a literal column object."""
    column = unwrap(column)
    table, prop = column.child_by_field_name("object"), column.child_by_field_name("property")
    if column.type != "member_expression" or table is None or prop is None:
        return None
    table = unwrap(table)
    local = project.summaries.module(parsed.path)
    if table.type == "identifier" and local is not None and parsed.text(table) in local.declarations:
        target: tuple[Path, str] | None = (parsed.path, parsed.text(table))
    elif table.type == "identifier":
        target = project.summaries.resolve_import(parsed.path, parsed.text(table))
    elif table.type == "member_expression":  # `schema.renders.id` through `import * as schema`
        namespace, name = table.child_by_field_name("object"), table.child_by_field_name("property")
        base = project.summaries.resolve_import(parsed.path, parsed.text(namespace)) if namespace is not None else None
        star = base is not None and name is not None and base[1] == "*"
        target = project.summaries.resolve_export(base[0], parsed.text(name), 0) if base and name and star else None
    else:
        return None
    info = project.summaries.module(target[0]) if target is not None else None
    declarator = info.declarations.get(target[1]) if info is not None and target is not None else None
    if info is None or declarator is None or declarator.type != "variable_declarator":
        return None
    call = declarator.child_by_field_name("value")
    call = unwrap(call) if call is not None else None
    function = call.child_by_field_name("function") if call is not None and call.type == "call_expression" else None
    args = call.child_by_field_name("arguments") if call is not None else None
    dialect = TABLE_FUNCTIONS.get(info.parsed.text(function)) if function is not None else None
    if dialect is None or args is None or len(args.named_children) < 2:
        return None
    columns = unwrap(args.named_children[1])
    for pair in columns.named_children if columns.type == "object" else []:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type == "pair" and key is not None and value is not None and info.parsed.text(key) == parsed.text(prop):
            return _column(info.parsed, value, dialect)
    return None


def _column(parsed: ParsedFile, value: Node, dialect: str) -> KeyColumn | None:
    """`uuid('id').primaryKey().defaultRandom()` -> KeyColumn("uuid", …)."""
    root, links = split_chain(unwrap(value))
    if root.type != "call_expression":
        return None
    function, args = root.child_by_field_name("function"), root.child_by_field_name("arguments")
    if function is None or function.type != "identifier" or args is None:
        return None
    mode = collation = None
    for arg in args.named_children:
        for pair in arg.named_children if arg.type == "object" else []:
            key, option = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if pair.type == "pair" and key is not None and option is not None and option.type == "string":
                text = parsed.text(option).strip("'\"`")
                mode = text if parsed.text(key) == "mode" else mode
                collation = text if parsed.text(key) in ("collation", "collate") else collation
    for link in links:
        link_args = link.call.child_by_field_name("arguments") if link.call is not None else None
        if link.name == "collate" and link_args is not None and link_args.named_children:
            collation = parsed.text(link_args.named_children[0]).strip("'\"`")
    unique = any(link.name in ("primaryKey", "unique") for link in links)
    return KeyColumn(parsed.text(function), dialect, mode, collation, unique)


def key_comparison(column: KeyColumn | None) -> Comparison | None:
    """How JS must compare a key of this column to a row's value to agree with the database: "exact" (`===`),
    "uuid" (PostgreSQL reads upper case, braces and missing hyphens as the same uuid), or None when no JS
    equality agrees (a case-insensitive collation — MySQL's default —, numeric text, dates, JSON). An unknown
    column compares exactly (the rule's Fix safety says what that misses)."""
    if column is None:
        return "exact"
    collation = (column.collation or "").lower()
    if column.builder in INEXACT_BUILDERS or collation.endswith("_ci") or collation == "nocase":
        return None
    if column.builder in TEXT_BUILDERS and column.dialect == "mysql" and not collation.endswith(("_bin", "_cs")):
        return None  # MySQL's default collations ignore case and accents
    if column.builder == "bigint" and column.mode == "string":
        return None  # "0012" and "12" are one bigint
    if column.builder == "uuid" and column.dialect == "postgresql":
        return "uuid"
    return "exact"


def canonical(expression: str, comparison: Comparison) -> str:
    """`expression` in the form the comparison compares: a uuid's hex digits in lower case."""
    if comparison == "uuid":
        return f'String({expression}).replace(/[^0-9a-f]/gi, "").toLowerCase()'
    return expression


def key_match(row_value: str, key: str, comparison: Comparison) -> str:
    """The JS condition that a row's key value and a loop's key name the same database value."""
    return f"{canonical(row_value, comparison)} === {canonical(key, comparison)}"
