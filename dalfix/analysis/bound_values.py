"""The values a Drizzle read binds as parameters, for the question "may PostgreSQL reject one of them?".

PostgreSQL rejects some bound values by themselves (a malformed uuid raises 22P02, a NUL character in text, 1.5
for an integer): a read the original skipped on a guard's path, now run on it too (grouped by DAL001, joined by
DAL004), would then throw instead of the guard. A value is harmless when a read the original ran before the
guard bound the same expression to a column of the same type: binding it would have failed there.

`bound_values(parsed, chain, schema, skip)` -> the (expression, column type or "?") pairs a read binds, or None
when it binds one dalfix cannot place; `bound_before(value, bound)`; `may_be_postgres(project, parsed, chains,
schema)`; `REJECTED_VALUE` is the reason both rules give.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import QueryChain, unwrap
from dalfix.parsing import Node, ParsedFile, walk

if TYPE_CHECKING:
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema.model import SchemaModel

REJECTED_VALUE = (
    "a read after a guard binds a value PostgreSQL may reject (a malformed uuid, a NUL character), "
    "which would then throw instead of the guard"
)

# Drizzle's comparison operators: `op(column, value, …)` binds each value as a parameter of the column's type.
_COMPARISONS = frozenset({
    "eq", "ne", "gt", "gte", "lt", "lte", "like", "ilike", "notLike", "notIlike", "inArray", "notInArray",
    "between", "notBetween", "arrayContains", "arrayContained", "arrayOverlaps",
})  # fmt: skip
_LITERALS = frozenset({"number", "true", "false", "null", "undefined"})

# Column types a parameter binds the same way (a parameter compared with a varchar takes no length).
_BIND_KIND = {
    "serial": "integer", "int": "integer", "int4": "integer", "bigserial": "bigint", "int8": "bigint",
    "smallserial": "smallint", "int2": "smallint", "varchar": "text", "char": "text", "character varying": "text",
}  # fmt: skip


def bound_before(value: tuple[str, str], bound: set[tuple[str, str]]) -> bool:
    """The same expression was bound to a column of the same type (or of a type the schema does not say) by a
    read the original ran first: had binding it failed, the original would have failed there."""
    text, sql_type = value
    kind = _BIND_KIND.get(sql_type.lower(), sql_type.lower())
    return any(t == text and (_BIND_KIND.get(s.lower(), s.lower()) == kind or "?" in (s, sql_type)) for t, s in bound)


def bound_values(
    parsed: ParsedFile,
    chain: QueryChain,
    schema: SchemaModel | None,
    skip: Callable[[Node], bool] | None = None,
) -> set[tuple[str, str]] | None:
    """The non-literal values a read binds, as (expression, column type or "?"), or None when it binds one
    dalfix cannot place (in an `sql` template, or computed rather than a name or a property). `skip(value)`
    leaves out a value that is not bound (a column of a joined row)."""
    found: set[tuple[str, str]] = set()
    for node in walk(chain.node):
        if node.type == "template_substitution":
            return None
        if node.type != "call_expression":
            continue
        function = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if function is None or args is None or parsed.text(function) not in _COMPARISONS:
            continue
        column, *values = [unwrap(a) for a in args.named_children]
        for value in values:
            if value.type in _LITERALS or (skip is not None and skip(value)):
                continue
            if value.type == "string" and "\\0" not in parsed.text(value) and "\\u0000" not in parsed.text(value):
                continue  # the same every time: it fails on every path or on none
            if value.type not in ("identifier", "member_expression"):
                return None
            placed = schema.column_of(parsed, column) if schema is not None else None
            sql_type = (placed[1].type or placed[1].builder or "?") if placed is not None else "?"
            found.add((" ".join(parsed.text(value).split()), sql_type))
    return found


def may_be_postgres(project: Project, parsed: ParsedFile, chains: list[QueryChain], schema: SchemaModel | None) -> bool:
    """The driver's dialect, else that of the tables the reads compare (a handle from a `db()` factory),
    else PostgreSQL may be it."""
    dialects = {d.dialect for d in project.drivers_for(parsed) if d.dialect}
    if not dialects and schema is not None:
        for chain in chains:
            for node in walk(chain.node):
                placed = schema.column_of(parsed, node) if node.type == "member_expression" else None
                if placed is not None:
                    dialects.add(placed[0].dialect)
    return not dialects or bool(dialects - {"sqlite", "mysql", "singlestore"})
