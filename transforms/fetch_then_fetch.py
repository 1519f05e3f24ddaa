"""
## What it does
Flags a one-row read followed by a one-row read keyed by a column of the first row, and joins them into one
query: `select({ a: A, b: B }).from(A).leftJoin(B, eq(B.key, A.column))`, then rebuilds both variables.

## Why is this bad?
The second read cannot start before the first one returns, so the function waits two full round trips for
what the database can answer in one. On a pool the two reads may also see different snapshots.

Many-to-one and one-to-one pairs are joined: the second read compares a primary key or a (non-partial)
unique column set of its table, per the schema, so the join adds at most one row to the first read's row.
A one-to-many second read limited to one row (`limit(1)`, `findFirst`) under a parent read by a unique key is
joined too, unsafe: the join keeps `limit(1)` but not which of several children the database picks.
Not handled yet, and left alone: other one-to-many pairs (a join would multiply rows), partial selects, chains of
three, reads of the same table (a self-join needs an alias), `sql` fragments in either read (a join makes
bare column names ambiguous), a `.for('update')` lock (the reads are not plain keyed reads), reads on
different handles, reads already in `Promise.all`, and anything but an `if (!a) return|throw` guard between
the two reads (a mutation of the first row, or a key computed from more than the first row).

## Example
```ts
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { pgTable, text, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const graphs = pgTable("graphs", { id: uuid("id").primaryKey(), body: text("body") });
const files = pgTable("files", {
  id: uuid("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  graphId: uuid("graph_id"),
});

export async function getFileWithGraph(slug: string) {
  const [file] = await db.select().from(files).where(eq(files.slug, slug)).limit(1);
  if (!file) return null;
  const [graph] = await db.select().from(graphs).where(eq(graphs.id, file.graphId)).limit(1);
  return { file, graph };
}
```

## Use instead
```ts
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { pgTable, text, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const graphs = pgTable("graphs", { id: uuid("id").primaryKey(), body: text("body") });
const files = pgTable("files", {
  id: uuid("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  graphId: uuid("graph_id"),
});

export async function getFileWithGraph(slug: string) {
  const [joined] = await db
    .select({ file: files, graph: graphs })
    .from(files)
    .leftJoin(graphs, eq(graphs.id, files.graphId))
    .where(eq(files.slug, slug))
    .limit(1);
  const file = joined?.file;
  if (!file) return null;
  const graph = joined?.graph ?? undefined;
  return { file, graph };
}
```

## Fix safety
Safe when the first read is keyed by a primary/unique key of its table, a guard `if (!a) return|throw …`
follows it, the join columns have the same SQL type, and the joined table's first column is NOT NULL. Then
in every case the variables are the same as before: parent missing — no row, `a` is `undefined` and the
guard runs as before; parent found, child found — the keys `{ a: A, b: B }` hold the same objects
`select()` returns (same columns, same decoders), because the child key is unique the join adds no row;
parent found, child missing (or its key NULL) — drizzle nulls a left-joined object when its *first* column
is NULL (`mapResultRow`'s nullify map), which a NOT NULL first column makes exactly "no match", and
`?? undefined` turns that `null` back into the `undefined` `const [b] = await …` gave. The only differences:
one round trip instead of two, both rows come from one snapshot, and a database failure of the second read
has no counterpart: the join is one statement, which fails or succeeds as a whole. The second fetch is no
longer sent: a failure aimed at it cannot happen, and the call returns what it returns when nothing fails.
Unsafe otherwise: without the guard the original threw a TypeError on `a.y` for a missing parent and the
rewrite yields `undefined`; a non-unique first read picks an arbitrary row either way (maybe another one);
a non-unique child key picks an arbitrary child either way (maybe another one);
different column types compare differently in SQL than a bound parameter; a nullable first column can make
a found child `undefined`. The types change too: `b` becomes `B | undefined` where the destructuring was `B`
without `noUncheckedIndexedAccess`.
"""

from __future__ import annotations

from collections.abc import Iterator

from dalfix.analysis.drizzle import unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.keyed_reads import KeyedRead, keyed_read
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import (
    Node,
    descendants_of_type,
    enclosing_function,
    fresh_name,
    function_block_statements,
    sole_statement,
)
from dalfix.rules import Rule


class FetchThenFetch(Rule):
    code = "DAL004"
    name = "fetch-then-fetch"
    message = "A read keyed by the previous read's row waits a second round trip; join them"
    fix_title = "Join the two reads (`leftJoin` with `select({ a: A, b: B })`) and rebuild both variables"
    fix_availability = "sometimes"
    preview = True
    needles = (b"select", b"findFirst")

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for statements in function_block_statements(ctx.parsed.root):
            for index in range(len(statements) - 1):
                finding = self._check_at(ctx, analyzer, statements, index)
                if finding is not None:
                    yield finding

    def _check_at(self, ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int):  # type: ignore[no-untyped-def]
        first = _one_row_read(ctx, statements[index])
        if first is None:
            return None
        parent, parent_read, parent_where = first
        guard = statements[index + 1] if _is_missing_guard(ctx, analyzer, statements[index + 1], parent) else None
        second_at = index + (2 if guard is not None else 1)
        if second_at >= len(statements):
            return None
        second = _one_row_read(ctx, statements[second_at])
        if second is None:
            return None
        child, child_read, _ = second
        parent_table, child_table = parent_read.table, child_read.table
        parent_unique = parent_table.is_unique_key(parent_read.keys)
        child_unique = child_table.is_unique_key(child_read.keys)
        if child_table is parent_table or not (child_unique or parent_unique):
            return None  # a self-join needs an alias; one-to-many under a non-unique parent multiplies rows
        assert parent_read.chain is not None and child_read.chain is not None
        if ctx.text(parent_read.chain.root) != ctx.text(child_read.chain.root) or "sql`" in ctx.text(parent_where):
            return None
        on: list[str] = []
        same_types = True
        child_text = _table_text(ctx, child_read)
        parent_text = _table_text(ctx, parent_read)
        for column, value in zip(child_read.keys, child_read.value_nodes, strict=True):
            value = unwrap(value)
            source = _parent_column(ctx, value, parent)
            if source is not None:
                parent_column = parent_table.column(source)
                if parent_column is None:
                    return None
                child_column = child_table.column(column)
                same_types &= (
                    child_column is not None
                    and parent_column.type is not None
                    and child_column.type == parent_column.type
                )
                on.append(f"eq({child_text}.{column}, {parent_text}.{source})")
            elif value.type in ("identifier", "string", "number") and parent not in analyzer.free_reads(value):
                on.append(f"eq({child_text}.{column}, {ctx.text(value)})")
            else:
                return None
        if len(on) == len(child_read.keys) and all(
            _parent_column(ctx, unwrap(v), parent) is None for v in child_read.value_nodes
        ):
            return None  # not keyed by the first row: independent reads (DAL001's)
        condition = on[0] if len(on) == 1 else f"and({', '.join(on)})"
        first_column = next(iter(child_table.columns.values()), None)
        reasons = []
        if guard is None:
            reasons.append("no `if (!a)` guard: a missing parent used to throw on `a.y`")
        if not parent_unique:
            reasons.append(f"{parent_table.ts_name} is not read by a unique key")
        if not child_unique:
            columns = ", ".join(child_read.keys)
            reasons.append(
                f"{child_table.ts_name}({columns}) is not unique: `limit(1)` picks one of several children, "
                "maybe another one in the join"
            )
        if not same_types:
            reasons.append("the join columns' SQL types differ or are unknown")
        if first_column is None or not (first_column.not_null or first_column.primary_key):
            reasons.append(f"{child_table.ts_name}'s first column is nullable (drizzle would null a found row)")
        row = fresh_name(enclosing_function(statements[index]), statements[index], "joined")
        joined = ctx.render(
            "fetch_then_fetch/left_join.ts.j2",
            statements[index],
            row=row,
            handle=ctx.text(parent_read.chain.root),
            parent=parent,
            child=child,
            parent_table=parent_text,
            child_table=child_text,
            on=condition,
            where=" ".join(ctx.text(parent_where).split()),
        )
        rebuilt = ctx.render("fetch_then_fetch/child_binding.ts.j2", statements[second_at], row=row, child=child)
        edits = [
            Edit(statements[index].start_byte, statements[index].end_byte, joined),
            Edit(statements[second_at].start_byte, statements[second_at].end_byte, rebuilt),
        ]
        message = (
            f"`{child}` is read from {child_table.ts_name} by a key of `{parent}` ({parent_table.ts_name}): "
            "2 statements where one `leftJoin` does"
        )
        if reasons:
            message += " (unsafe: " + "; ".join(reasons) + ")"
        applicability = Applicability.UNSAFE if reasons else Applicability.SAFE
        span = (statements[index].start_byte, statements[second_at].end_byte)
        return ctx.finding(self, span, message=message, edits=edits, applicability=applicability)


def _one_row_read(ctx: FileContext, statement: Node) -> tuple[str, KeyedRead, Node] | None:
    """`const [x] = await select().from(t).where(…).limit(1)` / `const x = await query.t.findFirst({ where })`:
    (the name, the keyed read, its where condition). Whole-row selects only."""
    if statement.type != "lexical_declaration" or len(statement.named_children) != 1:
        return None
    if ctx.text(statement).split(None, 1)[0] != "const":
        return None
    declarator = statement.named_children[0]
    pattern = declarator.child_by_field_name("name")
    value = declarator.child_by_field_name("value")
    value = unwrap(value) if value is not None else None
    if pattern is None or value is None or value.type != "await_expression" or not value.named_children:
        return None
    read = keyed_read(ctx.project, ctx.parsed, ctx.vocabulary, value.named_children[0])
    if read is None or read.chain is None or not read.one_row or read.chain.handle != "db":
        return None
    links = read.chain.links
    if read.chain.method == "findFirst":
        if pattern.type != "identifier":
            return None
        name = ctx.text(pattern)
        options = _first_argument(links[2].call)
        where = (
            next((p.child_by_field_name("value") for p in options.named_children if p.type == "pair"), None)
            if options is not None
            else None
        )
    else:
        if links[0].name != "select" or _first_argument(links[0].call) is not None:
            return None  # a partial select: not handled yet
        elements = pattern.named_children if pattern.type == "array_pattern" else []
        if len(elements) != 1 or elements[0].type != "identifier":
            return None
        name = ctx.text(elements[0])
        where = _first_argument(next(link.call for link in links if link.name == "where"))
    return (name, read, where) if where is not None else None


def _is_missing_guard(ctx: FileContext, analyzer: EffectAnalyzer, guard: Node, name: str) -> bool:
    """`if (!a) return|throw <pure, not reading a>` with no else."""
    if guard.type != "if_statement" or guard.child_by_field_name("alternative") is not None:
        return False
    condition = guard.child_by_field_name("condition")
    consequence = guard.child_by_field_name("consequence")
    if condition is None or consequence is None:
        return False
    text = " ".join(ctx.text(condition).strip("()").split())
    if text not in (f"!{name}", f"{name} === undefined", f"{name} == null", f"{name} == undefined"):
        return False
    exit_statement = sole_statement(consequence)
    if exit_statement is None or exit_statement.type not in ("throw_statement", "return_statement"):
        return False
    effects = analyzer.effects(exit_statement)
    return effects.db == "none" and not effects.awaits and name not in effects.reads


def _parent_column(ctx: FileContext, value: Node, parent: str) -> str | None:
    """`a.column` -> column (the key the second read takes from the first row)."""
    if value.type != "member_expression":
        return None
    target = value.child_by_field_name("object")
    field = value.child_by_field_name("property")
    if target is None or field is None or target.type != "identifier" or ctx.text(target) != parent:
        return None
    return ctx.text(field)


def _table_text(ctx: FileContext, read: KeyedRead) -> str:
    """The identifier the read names its table by: `from(x)`'s argument, or the object of a where column."""
    assert read.chain is not None
    for link in read.chain.links:
        if link.name == "from":
            found = _first_argument(link.call)
            if found is not None:
                return ctx.text(found)
    for member in descendants_of_type(read.chain.node, "member_expression"):
        column = ctx.project.schema.column_of(ctx.parsed, member)
        if column is not None and column[0] is read.table:
            target = member.child_by_field_name("object")
            if target is not None:
                return ctx.text(target)
    return read.table.ts_name or ""


def _first_argument(call: Node | None) -> Node | None:
    args = call.child_by_field_name("arguments") if call is not None else None
    return unwrap(args.named_children[0]) if args is not None and args.named_children else None
