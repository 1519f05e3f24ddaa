"""
## What it does
Flags a read of a column's maximum used only to compute the value the next write stores (`max + 1` into an
insert or an update), and computes that value in the write itself with a scalar subquery.

## Why is this bad?
Two round trips where one does, and a race: two concurrent callers read the same maximum and write the same
"next" value (two renders at one chain position, two invoices with one number). Computed inside the write,
the value is read when the row is written.

The read is `const [row] = await db.select({ m: max(t.col) }).from(t).where(…)` (or an `sql` template that is
exactly `max(${t.col})`), the last row by a NOT NULL column (`….orderBy(desc(t.col)).limit(1)`, whose value
is the maximum; a nullable column sorts NULLs first on PostgreSQL), or the rows of one column reduced in
JavaScript: `rows.reduce((acc, r) => Math.max(acc, r.col ?? d), i)` with literal `d <= i`. The written value is
`(m ?? d) + k` (or `acc + k` for the reduced form), inline or through one `const next = …`, in the object of
the next statement, an `insert(…).values({…})` or `update(…).set({…})` on the same handle. Integer columns
only (JavaScript and SQL agree on their arithmetic). Left alone: a maximum used for anything else, a read
locked with `.for('update')`, a write or an unknown call between, a write on another handle, other reductions.
The read may also be a helper's: `const m = await helper(db)` where the helper (another module's too) only
returns `max(t.col) ?? d` of an unfiltered read on the handle it is handed (dalfix/analysis/returned_reads.py);
the written value is then `m + k`, and an unawaited call dalfix cannot follow between (`createId()`) is allowed.

## Example
```ts
import { eq, max } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable, text, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const steps = pgTable("steps", {
  id: uuid("id").primaryKey().defaultRandom(),
  planId: uuid("plan_id").notNull(),
  position: integer("position").notNull(),
  title: text("title").notNull(),
});

export async function appendStep(planId: string, title: string) {
  const [last] = await db.select({ position: max(steps.position) }).from(steps).where(eq(steps.planId, planId));
  const [step] = await db
    .insert(steps)
    .values({ planId, title, position: (last?.position ?? 0) + 1 })
    .returning();
  return step;
}
```

## Use instead
```ts
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable, text, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const steps = pgTable("steps", {
  id: uuid("id").primaryKey().defaultRandom(),
  planId: uuid("plan_id").notNull(),
  position: integer("position").notNull(),
  title: text("title").notNull(),
});

export async function appendStep(planId: string, title: string) {
  const [step] = await db
    .insert(steps)
    .values({
      planId,
      title,
      position: sql`coalesce((select max(${steps.position}) from ${steps} where ${eq(steps.planId, planId)}), 0) + 1`,
    })
    .returning();
  return step;
}
```

## Fix safety
Always unsafe. Without concurrent writers the written value is the same: `coalesce(max(col), d) + k` is what
`(m ?? d) + k` computed (`max` ignores NULLs and is NULL for no rows, as drizzle's `max()` gave `null`), and
for the reduced form `coalesce(max(case when col > i then col end), i) + k` is
`max(i, …values ?? d) + k` exactly when `d <= i`. The subquery's columns are qualified by the table, so
inside an update of the same table they name the subquery's rows, which PostgreSQL and SQLite read as they
were before the statement. What changes: the value is now computed when the row is written, so a concurrent
caller that committed in between is counted (the race the read had is narrower, not gone without a unique
constraint or a lock); the read is no longer sent, so a failure of the read has no counterpart: the call fails
only when the write fails, with the write's error; the computed value is no longer a parameter of the write
(the database computes it); and the read's rows are no longer fetched. MySQL cannot read the table it writes in a
subquery (error 1093): there the finding is display-only. A helper's read is display-only too: the fix would
copy the helper's query into the caller (and stop calling a helper other callers keep), a choice for a person;
on a table chosen at run time among dialect modules MySQL may be the one that runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from dalfix.analysis.aggregates import aggregate_of
from dalfix.analysis.drizzle import QueryChain, unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.returned_reads import returned_aggregate
from dalfix.analysis.schema.model import Column, Table
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import Node, descendants_of_type, line_indent
from dalfix.render import reindent
from dalfix.rules import Rule

INTEGER_TYPES = frozenset(
    {"integer", "int", "smallint", "serial", "smallserial", "tinyint", "mediumint", "int2", "int4"}
)
NUMBER = r"-?\s*\d+"


@dataclass
class MaxRead:
    statements: list[Node]  # the read (and the reduction), deleted by the fix
    names: set[str]  # what they bind, to be used only in the written value
    value: str  # the text of the maximum in JS: `row?.m`, `m`, `maxPosition`
    nullable: bool  # `value` is null when no row matched (a `max()` read); a reduction is a number
    subquery: str  # `max(${t.col})` or the reduction's `max(case when … end)`
    floor: str | None  # the reduction's initial value: the result for no rows and its lower bound
    table: str  # the table's text
    column: str  # the column's text (`t.col`)
    where: Node | None
    handle: str
    dialect: str
    helper: str | None = None  # the helper whose read it is (`_helper_max_read`): display-only


class ReadThenDerivedWrite(Rule):
    code = "DAL007"
    name = "read-then-derived-write"
    message = "A maximum read only to compute the next write's value; compute it in the write"
    fix_title = "Compute the value in the write with a scalar subquery (`coalesce((select max(…) …), d) + k`)"
    fix_availability = "sometimes"
    preview = True
    needles = (b"max", b"desc")
    needs_handle = True

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for statements in ctx.function_blocks():
            for index in range(len(statements) - 1):
                finding = self._check_at(ctx, analyzer, statements, index)
                if finding is not None:
                    yield finding

    def _check_at(self, ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int):  # type: ignore[no-untyped-def]
        read = _max_read(ctx, analyzer, statements, index) or _helper_max_read(ctx, statements[index])
        if read is None:
            return None
        at = index + len(read.statements)
        later = statements[at:]
        write_at = next((i for i, s in enumerate(later) if not _passed_over(analyzer, s, read)), None)
        if write_at is None:
            return None
        between, write = later[:write_at], later[write_at]
        derived = next((d for d in (_derived_declaration(ctx, read, s) for s in between) if d is not None), None)
        names = {derived[1]} if derived is not None else read.names
        target = _written_value(ctx, write, names)
        if target is None or target[2] != read.handle:
            return None
        pair, expression, _, written_table = target
        if sum(_mentions(ctx, s, read.names) for s in later) != 1:
            return None  # the maximum is used for something else
        if derived is not None and (
            _mentions(ctx, derived[0], read.names) != 1
            or sum(_mentions(ctx, s, names) for s in later if s is not derived[0]) != 1
        ):
            return None  # the derived value is used for something else
        if _mentions(ctx, pair, names) != 1:
            return None
        bound = set().union(*(analyzer.binds(s) for s in between)) if between else set()
        if read.where is not None and analyzer.free_reads(read.where) & bound:
            return None  # the filter's inputs change before the write
        if derived is None:
            parsed = _parse_derived(ctx, read, expression)
            if parsed is None:
                return None
            default, step = parsed
        else:
            default, step = derived[2], derived[3]
        where = ""
        if read.where is not None:
            condition = reindent(ctx.text(read.where), line_indent(ctx.source, read.where.start_byte), "")
            where = f" where ${{{condition}}}"
        empty = read.floor if read.floor is not None else default
        value = f"sql`coalesce((select {read.subquery} from ${{{read.table}}}{where}), {empty}) + {step}`"
        span = (statements[index].start_byte, write.end_byte)
        kind = "update" if ".set(" in ctx.text(write) else "insert"
        if read.helper is not None:
            return ctx.finding(self, span, message=_helper_message(read, kind, value),
                               applicability=Applicability.DISPLAY_ONLY)  # fmt: skip
        if read.dialect == "mysql" and written_table == read.table:
            message = (
                f"The maximum of {read.column} is read only to compute the {kind}'s value; MySQL cannot read "
                f"the table it writes in a subquery (1093): lock the read (`.for('update')` in a transaction) or "
                "use a sequence"
            )
            return ctx.finding(self, span, message=message, applicability=Applicability.DISPLAY_ONLY)
        edits = [_deletion(ctx, s) for s in read.statements]
        if derived is not None:
            edits.append(_deletion(ctx, derived[0]))
        edits.append(_object_edit(ctx, pair, value))
        analyzer_imports = analyzer.imports
        module = next((m for m, _ in analyzer_imports.values() if m.startswith("drizzle-orm")), "drizzle-orm")
        message = (
            f"The maximum of {read.column} is read only to compute the {kind}'s value: 2 statements and a race; "
            "a scalar subquery computes it in the write"
        )
        return ctx.finding(self, span, message=message, edits=edits, applicability=Applicability.UNSAFE,
                           imports=frozenset({(module, "sql")}), notes=("2 statements -> 1",))  # fmt: skip


def _max_read(ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int) -> MaxRead | None:
    declared = _declaration(ctx, statements[index])
    if declared is None:
        return None
    pattern, value = declared
    value = unwrap(value)
    if value.type != "await_expression" or not value.named_children:
        return None
    chain = ctx.vocabulary.query_chain(value.named_children[0])
    if chain is None or chain.kind != "read" or chain.method != "select" or chain.links[0].call is None:
        return None
    names = [link.name for link in chain.links]
    if names in (["select", "from", "orderBy", "limit"], ["select", "from", "where", "orderBy", "limit"]):
        return _last_row_read(ctx, analyzer, statements[index], pattern, chain)
    if names not in (["select", "from"], ["select", "from", "where"]):
        return None  # joins, ordering, a lock (`.for('update')`): not this shape
    from_args = _args(chain.links[1].call)
    table = ctx.project.schema.table_for_identifier(ctx.parsed, from_args[0]) if len(from_args) == 1 else None
    fields = _args(chain.links[0].call)
    if table is None or len(fields) != 1 or fields[0].type != "object" or len(fields[0].named_children) != 1:
        return None
    pair = fields[0].named_children[0]
    key_node, value_node = pair.child_by_field_name("key"), pair.child_by_field_name("value")
    if pair.type != "pair" or key_node is None or value_node is None:
        return None
    key, field = ctx.text(key_node), unwrap(value_node)
    where = _args(chain.links[2].call)[0] if len(names) == 3 and len(_args(chain.links[2].call)) == 1 else None
    if len(names) == 3 and where is None:
        return None
    common: dict[str, Any] = {
        "table": ctx.text(from_args[0]), "where": where, "handle": ctx.text(chain.root), "dialect": table.dialect,
    }  # fmt: skip
    aggregate = aggregate_of(ctx.parsed, analyzer.imports, ctx.project.schema, field)
    if aggregate is not None:
        column_node = aggregate.argument if aggregate.helper == "max" else _template_max_column(ctx, field)
        column = ctx.project.schema.column_of(ctx.parsed, column_node) if column_node is not None else None
        if column is None or column[0] is not table or column[1].type not in INTEGER_TYPES:
            return None
        if pattern.type != "array_pattern" or len(pattern.named_children) != 1:
            return None
        element = pattern.named_children[0]
        if element.type == "identifier":
            row = ctx.text(element)
            text = f"{row}?.{key}"
        elif element.type == "object_pattern" and len(element.named_children) == 1:
            inner = element.named_children[0]
            if inner.type == "shorthand_property_identifier_pattern" and ctx.text(inner) == key:
                text = key
            elif inner.type == "pair_pattern" and _field_text(ctx, inner, "key") == key:
                text = _field_text(ctx, inner, "value")
                if not re.fullmatch(r"[A-Za-z_$][\w$]*", text):
                    return None
            else:
                return None
        else:
            return None
        assert column_node is not None
        column_text = ctx.text(column_node)
        return MaxRead([statements[index]], analyzer.pattern_names(pattern), text, True,
                       f"max(${{{column_text}}})", None, column=column_text, **common)  # fmt: skip
    # `const rows = await select({ k: t.col })…;  const m = rows.reduce((acc, r) => Math.max(acc, r.k ?? d), i);`
    column = ctx.project.schema.column_of(ctx.parsed, field) if field.type == "member_expression" else None
    if column is None or column[0] is not table or column[1].type not in INTEGER_TYPES:
        return None
    if pattern.type != "identifier" or index + 1 >= len(statements):
        return None
    reduced = _declaration(ctx, statements[index + 1])
    if reduced is None or reduced[0].type != "identifier":
        return None
    rows, column_text = ctx.text(pattern), ctx.text(field)
    match = re.fullmatch(
        rf"{re.escape(rows)}\s*\.\s*reduce\(\s*\(\s*(\w+)\s*(?::\s*number\s*)?,\s*(\w+)\s*\)\s*=>\s*Math\.max\(\s*\1\s*,"
        rf"\s*\2\s*\.\s*{re.escape(key)}(?:\s*\?\?\s*({NUMBER}))?\s*\)\s*,\s*({NUMBER})\s*,?\s*\)",
        ctx.text(reduced[1]).strip(),
    )
    if match is None:
        return None
    default, floor = match.group(3), match.group(4)
    if default is None and not column[1].not_null:
        return None  # Math.max with null counts it as 0
    if default is not None and int(default.replace(" ", "")) > int(floor.replace(" ", "")):
        return None
    floor = floor.replace(" ", "")
    subquery = f"max(case when ${{{column_text}}} > {floor} then ${{{column_text}}} end)"
    return MaxRead(statements[index : index + 2], {rows, ctx.text(reduced[0])}, ctx.text(reduced[0]), False,
                   subquery, floor, column=column_text, **common)  # fmt: skip


def _helper_max_read(ctx: FileContext, statement: Node) -> MaxRead | None:
    """`const m = await helper(db)` where the helper returns its read's `max(t.col) ?? d` (returned_reads.py):
    the read is the helper's; `m` is already the maximum with its default applied."""
    declared = _declaration(ctx, statement)
    if declared is None or declared[0].type != "identifier":
        return None
    value = unwrap(declared[1])
    call = unwrap(value.named_children[0]) if value.type == "await_expression" and value.named_children else None
    found = (
        returned_aggregate(ctx.project, ctx.parsed, call)
        if call is not None and call.type == "call_expression"
        else None
    )
    if found is None or found.function != "max" or found.filtered or not _integer_column(found.table, found.column):
        return None
    args = _args(call)
    if found.handle_parameter >= len(args):
        return None
    name = ctx.text(declared[0])
    return MaxRead([statement], {name}, name, False, f"max(${{{found.column_text}}})", found.default,
                   found.table_text, found.column_text, None, ctx.text(args[found.handle_parameter]),
                   found.table.dialect, helper=found.name)  # fmt: skip


def _integer_column(table: Table, column: Column | None) -> bool:
    """An integer column, in every dialect a table chosen at run time may be (its alternatives)."""
    if column is None:
        return False
    columns = [t.columns.get(column.key) for t in table.alternatives] or [column]
    return all(c is not None and c.type in INTEGER_TYPES for c in columns)


def _passed_over(analyzer: EffectAnalyzer, statement: Node, read: MaxRead) -> bool:
    """A statement between the read and the write that does not end the search: pure; for a helper's read (no
    fix: the finding only describes), also a call dalfix cannot follow that is not awaited (`createId()`)."""
    effects = analyzer.effects(statement)
    if effects.pure:
        return True
    return read.helper is not None and effects.db == "unknown" and not effects.awaits and not effects.exits


def _helper_message(read: MaxRead, kind: str, value: str) -> str:
    why = (
        "MySQL, which may run it, cannot read the table it writes in a subquery (1093)"
        if read.dialect in ("mysql", "unknown")
        else "the fix would copy the helper's query into the caller, and the helper may have other callers"
    )
    lock = _LOCK_ADVICE.get(read.dialect, _LOCK_ADVICE["unknown"])
    return (
        f"The maximum of {read.column} is read by `{read.helper}(…)` only to compute the {kind}'s value: 2 "
        f"statements and a race; compute it in the write ({value}), or {lock}. "
        f"No automatic fix: the read is in a helper, and {why}"
    )


# How to keep a max-read and the write from interleaving, per dialect (review6 M1: PostgreSQL refuses FOR UPDATE
# with an aggregate, 0A000; SQLite has no FOR UPDATE).
_LOCK_ADVICE = {
    "mysql": "lock the read (`.for('update')` in a transaction)",
    "pg": (
        "hold a lock across both in a transaction (`pg_advisory_xact_lock`; PostgreSQL refuses `FOR UPDATE` with an "
        "aggregate)"
    ),
    "sqlite": 'run both in a transaction that takes the write lock first (`{ behavior: "immediate" }`)',
    "unknown": (
        "serialise both in a transaction: `.for('update')` on the read on MySQL, `pg_advisory_xact_lock` on "
        'PostgreSQL (no `FOR UPDATE` with an aggregate there), `{ behavior: "immediate" }` on SQLite'
    ),
}


def _last_row_read(ctx: FileContext, analyzer: EffectAnalyzer, statement: Node, pattern: Node, chain: QueryChain):  # type: ignore[no-untyped-def]
    """`const [last] = await db.select({ k: t.col }).from(t).where(…).orderBy(desc(t.col)).limit(1)` (or `select()`):
    the row with the greatest value of a NOT NULL column, whose value is the maximum."""
    links = {link.name: link for link in chain.links}
    order, limit, from_args = _args(links["orderBy"].call), _args(links["limit"].call), _args(links["from"].call)
    if len(order) != 1 or len(limit) != 1 or ctx.text(limit[0]) != "1" or len(from_args) != 1:
        return None
    function = order[0].child_by_field_name("function") if order[0].type == "call_expression" else None
    imported = analyzer.imports.get(ctx.text(function)) if function is not None else None
    ordered = _args(order[0])
    if imported is None or imported[1] != "desc" or len(ordered) != 1:
        return None
    column = ctx.project.schema.column_of(ctx.parsed, ordered[0])
    table = ctx.project.schema.table_for_identifier(ctx.parsed, from_args[0])
    if column is None or table is None or column[0] is not table or column[1].type not in INTEGER_TYPES:
        return None
    if not (column[1].not_null or column[1].primary_key):
        return None  # NULLs sort first under DESC on PostgreSQL: the last row is not the maximum
    fields = _args(links["select"].call)
    key = column[1].key
    if fields:
        pairs = fields[0].named_children if fields[0].type == "object" else []
        value = pairs[0].child_by_field_name("value") if len(pairs) == 1 and pairs[0].type == "pair" else None
        if value is None or ctx.text(unwrap(value)) != ctx.text(ordered[0]):
            return None
        key = _field_text(ctx, pairs[0], "key")
    if pattern.type != "array_pattern" or len(pattern.named_children) != 1:
        return None
    element = pattern.named_children[0]
    if element.type != "identifier":
        return None
    where_args = _args(links["where"].call) if "where" in links else []
    if "where" in links and len(where_args) != 1:
        return None
    column_text = ctx.text(ordered[0])
    return MaxRead([statement], {ctx.text(element)}, f"{ctx.text(element)}?.{key}", True, f"max(${{{column_text}}})",
                   None, table=ctx.text(from_args[0]), column=column_text, where=where_args[0] if where_args else None,
                   handle=ctx.text(chain.root), dialect=table.dialect)  # fmt: skip


def _field_text(ctx: FileContext, node: Node, field: str) -> str:
    child = node.child_by_field_name(field)
    return ctx.text(child) if child is not None else ""


def _declaration(ctx: FileContext, statement: Node) -> tuple[Node, Node] | None:
    if statement.type != "lexical_declaration" or len(statement.named_children) != 1:
        return None
    declarator = statement.named_children[0]
    pattern, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
    return (pattern, value) if pattern is not None and value is not None else None


def _template_max_column(ctx: FileContext, field: Node) -> Node | None:
    """`sql<number>\\`max(${t.col})\\``: the column."""
    substitutions = list(descendants_of_type(field, "template_substitution"))
    templates = list(descendants_of_type(field, "template_string"))
    if len(substitutions) != 1 or len(templates) != 1:
        return None
    text = ctx.text(templates[0])
    inner = ctx.text(substitutions[0])
    if re.fullmatch(r"`\s*max\(\s*" + re.escape(inner) + r"\s*\)\s*`", text, re.I) is None:
        return None
    return unwrap(substitutions[0].named_children[0])


def _parse_derived(ctx: FileContext, read: MaxRead, expression: Node) -> tuple[str, str] | None:
    """(d, k) of `(value ?? d) + k` (a `max()` read) or `value + k` (a reduction)."""
    text = " ".join(ctx.text(expression).split())
    value = re.escape(read.value)
    if read.nullable:
        match = re.fullmatch(rf"\(\s*{value}\s*\?\?\s*({NUMBER})\s*\)\s*\+\s*(\d+)", text)
        return (match.group(1).replace(" ", ""), match.group(2)) if match else None
    match = re.fullmatch(rf"{value}\s*\+\s*(\d+)", text)
    return ("0", match.group(1)) if match else None


def _derived_declaration(ctx: FileContext, read: MaxRead, statement: Node) -> tuple[Node, str, str, str] | None:
    """`const next = (m ?? d) + k;`: (the statement, next, d, k)."""
    declared = _declaration(ctx, statement)
    if declared is None or declared[0].type != "identifier" or not ctx.text(statement).startswith("const"):
        return None
    parsed = _parse_derived(ctx, read, unwrap(declared[1]))
    return (statement, ctx.text(declared[0]), *parsed) if parsed is not None else None


def _written_value(ctx: FileContext, write: Node, names: set[str]) -> tuple[Node, Node, str, str] | None:
    """(the pair, its value, the handle, the written table's text) of the write's object that mentions `names`."""
    expression: Node | None = write
    if write.type == "expression_statement" and write.named_children:
        expression = write.named_children[0]
    elif write.type == "lexical_declaration" and len(write.named_children) == 1:
        expression = write.named_children[0].child_by_field_name("value")
    elif write.type == "return_statement" and write.named_children:
        expression = write.named_children[0]
    expression = unwrap(expression) if expression is not None else None
    if expression is None or expression.type != "await_expression" or not expression.named_children:
        return None
    chain = ctx.vocabulary.query_chain(expression.named_children[0])
    if chain is None or chain.kind != "write" or len(chain.links) < 2:
        return None
    if (chain.links[0].name, chain.links[1].name) not in (("insert", "values"), ("update", "set")):
        return None
    target_args, object_args = _args(chain.links[0].call), _args(chain.links[1].call)
    if len(target_args) != 1 or len(object_args) != 1 or object_args[0].type != "object":
        return None
    for pair in object_args[0].named_children:
        if pair.type in ("pair", "shorthand_property_identifier") and _mentions(ctx, pair, names):
            value = pair.child_by_field_name("value") if pair.type == "pair" else pair
            if value is None:
                return None
            return pair, value, ctx.text(chain.root), ctx.text(target_args[0])
    return None


def _object_edit(ctx: FileContext, pair: Node, value: str) -> Edit:
    """The pair's value replaced; a one-line object that would grow past the print width is laid out one pair a
    line, as Prettier prints it."""
    written = f"{ctx.text(pair)}: {value}" if pair.type == "shorthand_property_identifier" else None
    node = pair if written is not None else pair.child_by_field_name("value")
    obj = pair.parent
    assert node is not None and obj is not None
    line_start = ctx.source.rfind(b"\n", 0, obj.start_byte) + 1
    line_end = ctx.source.find(b"\n", obj.end_byte)
    line_end = len(ctx.source) if line_end < 0 else line_end
    grown = line_end - line_start + len(written or value) - (node.end_byte - node.start_byte)
    if (
        b"\n" in ctx.source[obj.start_byte : obj.end_byte]
        or grown <= ctx.style.print_width
        or any(c.type == "comment" for c in obj.named_children)
    ):
        return Edit(node.start_byte, node.end_byte, written or value)
    indent = line_indent(ctx.source, obj.start_byte)
    inner = indent + ctx.style.indent_unit
    parts = []
    for child in obj.named_children:
        if child.start_byte == pair.start_byte:
            key = pair.child_by_field_name("key")
            parts.append(written or f"{ctx.text(key) if key is not None else ''}: {value}")
        else:
            parts.append(ctx.text(child))
    close = indent
    newline = ctx.style.newline
    text = "{" + "".join(f"{newline}{inner}{p}," for p in parts) + f"{newline}{close}}}"
    return Edit(obj.start_byte, obj.end_byte, text)


def _mentions(ctx: FileContext, node: Node, names: set[str]) -> int:
    kinds = ("identifier", "shorthand_property_identifier")
    return sum(ctx.text(n) in names for n in descendants_of_type(node, *kinds))


def _deletion(ctx: FileContext, statement: Node) -> Edit:
    """Deletes a statement with the line break and indentation after it."""
    source = ctx.source
    end = statement.end_byte
    while end < len(source) and source[end : end + 1] in b" \t\r\n":
        end += 1
    return Edit(statement.start_byte, end, "")


def _args(call: Node | None) -> list[Node]:
    args = call.child_by_field_name("arguments") if call is not None else None
    return [unwrap(a) for a in args.named_children if a.type != "comment"] if args is not None else []
