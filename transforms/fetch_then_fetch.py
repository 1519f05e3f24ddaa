"""
## What it does
Flags a one-row read followed by one-row reads keyed by columns of the rows read before them (a chain:
shot, then its scene, then the scene's project), and joins them into one query:
`select({ a: A, b: B }).from(A).innerJoin(B, eq(B.key, A.column))` (or `leftJoin`), then rebuilds each
variable.

## Why is this bad?
Each read cannot start before the one before it returns, so the function waits a full round trip per read
for what the database can answer in one. On a pool the reads may also see different snapshots.

Many-to-one and one-to-one links are joined: each later read compares a primary key or a (non-partial)
unique column set of its table, per the schema, so the join adds at most one row to the first read's row.
A read is one row when it has `limit(1)` (`findFirst`) or compares a unique key (`const [shot] = await
db.select().from(shots).where(eq(shots.id, id))`). A link is an INNER JOIN when a missing row ends the call
exactly as a missing first row does (both guards `return` the same expression or `throw` the same one, reading
no row of the chain) and every link before it is one too; otherwise a LEFT JOIN. Guards may go on after `!a`
(`if (!project || project.userId !== userId) return null`): they are kept and see the same row. A two-read
one-to-many link limited to one row under a parent read by a unique key is joined too, unsafe: the join keeps
`limit(1)` but not which of several children the database picks; a safe chain stops before an unsafe link.
Partial selects stay partial (`select({ file: { id: files.id, graphId: files.graphId }, graph: graphs })`) when
they are flat objects of the read's own columns; a key of the row then means the column it holds.
Not handled yet, and left alone: other one-to-many links (a join would multiply rows), the
owner condition moved into the WHERE (see Fix safety), reads of the same table (a self-join needs an alias),
`sql` fragments in either read (a join makes bare column names ambiguous), a `.for('update')` lock (the reads
are not plain keyed reads), reads on different handles, reads already in `Promise.all`, and anything but an
`if (!a) return|throw` guard between the reads (a mutation of a row, or a key computed from more than the rows).

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
follows each read a later read is keyed by, the join columns have the same SQL type, and each left-joined
table's first (selected) column is NOT NULL. Then
in every case the variables are the same as before: parent missing — no row, `a` is `undefined` and the
guard runs as before; parent found, child found — the keys `{ a: A, b: B }` hold the same objects
`select()` returns (same columns, same decoders), because the child key is unique the join adds no row;
parent found, child missing (or its key NULL) — drizzle nulls a left-joined object when its *first* column
is NULL (`mapResultRow`'s nullify map; for a partial select, its first selected column), which a NOT NULL
first column makes exactly "no match", and
`?? undefined` turns that `null` back into the `undefined` `const [b] = await …` gave. The only differences:
one round trip instead of two, both rows come from one snapshot, and a database failure of the second read
has no counterpart: the join is one statement, which fails or succeeds as a whole. The second fetch is no
longer sent: a failure aimed at it cannot happen, and the call returns what it returns when nothing fails.
An INNER JOIN link: when its row is missing (or its key NULL) the join returns no row, so the first
variable is `undefined` and the first guard runs its exit, which is the exit the original ran at this link's
guard (the same text, reading no row of the chain, after only reads and guards that changed nothing); when
it is found, the variables are as with a LEFT JOIN and the kept guards decide as before. An ownership check
stays in the guard, in JavaScript: moved into the WHERE (`eq(projects.userId, userId)`) it would compare in
SQL, where a uuid matches in any letter case and a malformed one raises 22P02 instead of returning `null`.
Unsafe otherwise: without the guard the original threw a TypeError on `a.y` for a missing parent and the
rewrite yields `undefined`; a non-unique first read picks an arbitrary row either way (maybe another one);
a non-unique child key picks an arbitrary child either way (maybe another one);
different column types compare differently in SQL than a bound parameter; a nullable first column can make
a found child `undefined`. The types change too: `b` becomes `B | undefined` where the destructuring was `B`
without `noUncheckedIndexedAccess`, so a `const [b]` read with no guard after it is unsafe unless the
project's tsconfig sets that option (code using `b`, or a caller through an inferred return type, may stop
compiling).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dalfix.analysis.drizzle import QueryChain, unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.keyed_reads import KeyedRead, declared_read, if_without_else, pure_exit
from dalfix.analysis.schema import Column, Table
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


@dataclass(eq=False)
class _Read:
    """One read of a chain: `const [name] = await …` (statement), what it reads, and the guard after it."""

    statement: Node
    name: str
    read: KeyedRead
    where: Node
    table: str  # the identifier the read names its table by
    selection: str | None = None  # a partial select's object (`{ id: files.id, … }`), whitespace-normalised
    selected: dict[str, Column] | None = None  # a partial select's keys -> the columns they hold
    first_column: Column | None = None  # the first column the read returns (drizzle nulls a joined object by it)
    guard: Node | None = None
    exit: str | None = None  # the guard's `return …`/`throw …`, whitespace-normalised, when it reads no chain row
    on: str = ""  # for a joined read: its join condition
    inner: bool = False


class FetchThenFetch(Rule):
    code = "DAL004"
    name = "fetch-then-fetch"
    message = "A read keyed by the previous read's row waits a second round trip; join them"
    fix_title = "Join the reads (`leftJoin`/`innerJoin` with `select({ a: A, b: B })`) and rebuild each variable"
    fix_availability = "sometimes"
    preview = True
    needles = (b"select", b"findFirst")

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for statements in function_block_statements(ctx.parsed.root):
            index = 0
            while index < len(statements) - 1:
                found = self._check_at(ctx, analyzer, statements, index)
                if found is None:
                    index += 1
                    continue
                finding, last = found
                yield finding
                index = last + 1  # a chain's reads are not the start of another one

    def _check_at(self, ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int):  # type: ignore[no-untyped-def]
        parent = _read_at(ctx, statements[index])
        if parent is None or "sql`" in ctx.text(parent.where):
            return None
        _attach_guard(ctx, analyzer, statements, index, parent, [])
        chain: list[_Read] = [parent]
        reasons: list[str] = []
        at = index + (2 if parent.guard is not None else 1)
        while at < len(statements):
            child = _read_at(ctx, statements[at])
            if child is None:
                break
            link_reasons = self._link(ctx, analyzer, chain, child)
            if link_reasons is None:
                break
            _attach_guard(ctx, analyzer, statements, at, child, [*chain, child])
            # INNER JOIN when a missing row ends the call as a missing first row does (the same exit), and so
            # does every read joined before it; else LEFT JOIN, where drizzle nulls a joined object whose
            # first column is NULL.
            child.inner = parent.exit is not None and child.exit == parent.exit and all(r.inner for r in chain[1:])
            first_column = child.first_column
            if not child.inner and (first_column is None or not (first_column.not_null or first_column.primary_key)):
                link_reasons.append(
                    f"{child.read.table.ts_name}'s first selected column is nullable (drizzle would null a found row)"
                )
            if len(chain) > 1 and link_reasons and not reasons:
                break  # an unsafe link would spoil a safe chain: stop before it
            reasons += link_reasons
            chain.append(child)
            at += 2 if child.guard is not None else 1
        if len(chain) < 2:
            return None
        unchecked = ctx.project.resolver.compiler_option(ctx.parsed.path.parent, "noUncheckedIndexedAccess") is True
        for read in chain:
            pattern = read.statement.named_children[0].child_by_field_name("name")
            if read.guard is None and pattern is not None and pattern.type == "array_pattern" and not unchecked:
                # `const [b] = await …` types `b` as `B`; the rebuilt `joined?.b` is `B | undefined`, which code
                # using it unguarded (or a caller, through an inferred return type) may not compile with.
                reasons.append(
                    f"`{read.name}` is typed `T | undefined` after the join where `const [{read.name}]` typed it `T`"
                )
        last = statements.index(chain[-1].statement)
        row = fresh_name(enclosing_function(statements[index]), statements[index], "joined")
        joined = ctx.render(
            "fetch_then_fetch/join.ts.j2",
            parent.statement,
            row=row,
            handle=ctx.text(_chain(parent.read).root),
            parent=parent.name,
            parent_table=parent.table,
            selected=[(r.name, r.selection or r.table) for r in chain],
            joins=[("innerJoin" if r.inner else "leftJoin", r.table, r.on) for r in chain[1:]],
            where=" ".join(ctx.text(parent.where).split()),
        )
        edits = [Edit(parent.statement.start_byte, parent.statement.end_byte, joined)]
        for child in chain[1:]:
            template = "fetch_then_fetch/child_binding.ts.j2"
            rebuilt = ctx.render(template, child.statement, row=row, child=child.name, nullable=not child.inner)
            edits.append(Edit(child.statement.start_byte, child.statement.end_byte, rebuilt))
        tables = ", ".join(r.read.table.ts_name or r.table for r in chain)
        kinds = sorted({"innerJoin" if r.inner else "leftJoin" for r in chain[1:]})
        message = (
            f"{', '.join(f'`{r.name}`' for r in chain)} are read one after another, each keyed by an earlier row"
            f" ({tables}): {len(chain)} statements where one query with {' and '.join(f'`{k}`' for k in kinds)} does"
        )
        if reasons:
            message += " (unsafe: " + "; ".join(dict.fromkeys(reasons)) + ")"
        applicability = Applicability.UNSAFE if reasons else Applicability.SAFE
        span = (parent.statement.start_byte, chain[-1].statement.end_byte)
        return ctx.finding(self, span, message=message, edits=edits, applicability=applicability), last

    def _link(self, ctx: FileContext, analyzer: EffectAnalyzer, chain: list[_Read], child: _Read) -> list[str] | None:
        """Joins `child` to the chain (sets its `on` and `inner`): the reasons the join is unsafe, None when
        it cannot be joined at all."""
        parent = chain[0]
        child_table = child.read.table
        if any(r.read.table is child_table for r in chain) or child.name in {r.name for r in chain}:
            return None  # a self-join needs an alias
        if ctx.text(_chain(parent.read).root) != ctx.text(_chain(child.read).root):
            return None  # another handle
        by_name = {r.name: r for r in chain}
        on: list[str] = []
        reasons: list[str] = []
        same_types, keyed_by = True, []
        for column, value in zip(child.read.keys, child.read.value_nodes, strict=True):
            value = unwrap(value)
            source = _row_column(ctx, value, by_name)
            if source is not None:
                earlier, field = source
                if earlier.selected is not None:
                    earlier_column = earlier.selected.get(field)  # a partial select's key may rename a column
                else:
                    earlier_column = earlier.read.table.column(field)
                if earlier_column is None:
                    return None
                field = earlier_column.key
                child_column = child_table.column(column)
                same_types &= (
                    child_column is not None
                    and earlier_column.type is not None
                    and child_column.type == earlier_column.type
                )
                on.append(f"eq({child.table}.{column}, {earlier.table}.{field})")
                keyed_by.append(earlier)
            elif value.type in ("identifier", "string", "number") and not (set(by_name) & analyzer.free_reads(value)):
                on.append(f"eq({child.table}.{column}, {ctx.text(value)})")
            else:
                return None
        if not keyed_by:
            return None  # not keyed by an earlier row: independent reads (DAL001's)
        child_unique = child_table.is_unique_key(child.read.keys)
        if not child_unique and not child.read.one_row:
            return None  # `const [b]` of many rows: which one comes first is the database's choice
        if not (child_unique or parent.read.table.is_unique_key(parent.read.keys)):
            return None  # one-to-many under a non-unique parent multiplies rows
        for earlier in dict.fromkeys(keyed_by):
            if earlier.guard is None:
                reasons.append(f"no `if (!{earlier.name})` guard: a missing row used to throw on `{earlier.name}.…`")
        if len(chain) == 1 and not parent.read.table.is_unique_key(parent.read.keys):
            reasons.append(f"{parent.read.table.ts_name} is not read by a unique key")
        if not child_unique:
            columns = ", ".join(child.read.keys)
            reasons.append(
                f"{child_table.ts_name}({columns}) is not unique: `limit(1)` picks one of several rows, "
                "maybe another one in the join"
            )
        if not same_types:
            reasons.append("the join columns' SQL types differ or are unknown")
        child.on = on[0] if len(on) == 1 else f"and({', '.join(on)})"
        return reasons


def _read_at(ctx: FileContext, statement: Node) -> _Read | None:
    """`const [x] = await select().from(t).where(…)` with `.limit(1)` or a unique key, or
    `const x = await query.t.findFirst({ where })`. Whole-row selects only."""
    declared = declared_read(ctx.project, ctx.parsed, ctx.vocabulary, statement, const_only=True)
    if declared is None:
        return None
    pattern, read = declared
    if read.chain is None or read.chain.handle != "db":
        return None
    links = read.chain.links
    selection: Node | None = None
    selected: dict[str, Column] = {}
    first_column: Column | None = None
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
        if links[0].name != "select":
            return None
        selection = _first_argument(links[0].call)
        if selection is not None:
            selected = _selected_columns(ctx, selection, read.table)
            if not selected:
                return None  # not a flat object of this table's columns (sql, spreads, nesting)
            first_column = next(iter(selected.values()))
        if not (read.one_row or read.table.is_unique_key(read.keys)):
            return None  # `const [x]` of several rows
        elements = pattern.named_children if pattern.type == "array_pattern" else []
        if len(elements) != 1 or elements[0].type != "identifier":
            return None
        name = ctx.text(elements[0])
        where = _first_argument(next(link.call for link in links if link.name == "where"))
    if where is None:
        return None
    found = _Read(statement, name, read, where, _table_text(ctx, read))
    found.first_column = next(iter(read.table.columns.values()), None)
    if selection is not None:
        found.selection, found.first_column = " ".join(ctx.text(selection).split()), first_column
        found.selected = selected
    return found


def _selected_columns(ctx: FileContext, selection: Node, table: Table) -> dict[str, Column]:
    """`{ id: t.id, name: t.name }` -> each key's column, in order; {} for anything else."""
    if selection.type != "object":
        return {}
    columns: dict[str, Column] = {}
    for pair in selection.named_children:
        if pair.type == "comment":
            continue
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        value = pair.child_by_field_name("value") if pair.type == "pair" else None
        if key is None or value is None or key.type not in ("property_identifier", "string"):
            return {}
        found = ctx.project.schema.column_of(ctx.parsed, unwrap(value))
        if found is None or found[0] is not table:
            return {}
        columns[ctx.text(key).strip("'\"")] = found[1]
    return columns


def _attach_guard(
    ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], at: int, read: _Read, chain: list[_Read]
) -> None:
    """The `if (!x) return|throw …` right after `read`, and its exit when the exit reads no row of the chain."""
    if at + 1 >= len(statements) or not _is_missing_guard(ctx, analyzer, statements[at + 1], read.name):
        return
    read.guard = statements[at + 1]
    consequence = read.guard.child_by_field_name("consequence")
    exit_statement = sole_statement(consequence) if consequence is not None else None
    if exit_statement is None:
        return
    names = {r.name for r in chain} | {read.name}
    if not (names & analyzer.effects(exit_statement).reads):
        read.exit = " ".join(ctx.text(exit_statement).rstrip(";").split())


def _is_missing_guard(ctx: FileContext, analyzer: EffectAnalyzer, guard: Node, name: str) -> bool:
    """`if (!a) return|throw <pure, not reading a>` with no else; the condition may go on with `|| …` (which
    runs only on a found row: `if (!project || project.userId !== userId) return null`)."""
    parts = if_without_else(guard)
    if parts is None:
        return False
    condition, consequence = parts
    test = unwrap(condition)
    while test.type == "binary_expression" and ctx.text(test.child_by_field_name("operator") or test) == "||":
        left = test.child_by_field_name("left")
        if left is None:
            return False
        test = unwrap(left)
    text = " ".join(ctx.text(test).split())
    if text not in (f"!{name}", f"{name} === undefined", f"{name} == null", f"{name} == undefined"):
        return False
    whole = analyzer.effects(condition)
    if whole.db != "none" or whole.awaits:
        return False
    return pure_exit(analyzer, consequence, name) is not None


def _row_column(ctx: FileContext, value: Node, rows: dict[str, _Read]) -> tuple[_Read, str] | None:
    """`a.column` of a row read earlier in the chain -> (that read, column)."""
    if value.type != "member_expression":
        return None
    target = value.child_by_field_name("object")
    field = value.child_by_field_name("property")
    if target is None or field is None or target.type != "identifier" or ctx.text(target) not in rows:
        return None
    return rows[ctx.text(target)], ctx.text(field)


def _chain(read: KeyedRead) -> QueryChain:
    assert read.chain is not None
    return read.chain


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
