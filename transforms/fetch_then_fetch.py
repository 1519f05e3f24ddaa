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
db.select().from(shots).where(eq(shots.id, id))`). A read may also leave rows out with `isNull(t.c)` /
`isNotNull(t.c)` on its own table beside its keys (soft-deleted rows): a later read's goes into its join's ON (the
join then gives the row exactly when the read found it), the first read's stays in its WHERE. A link is an INNER
JOIN when a missing row ends the call
exactly as a missing first row does (both guards `return` the same expression or `throw` the same one, reading
no row of the chain) and every link before it is one too; otherwise a LEFT JOIN. Guards may go on after `!a`
(`if (!project || project.userId !== userId) return null`): they are kept and see the same row. A guard may log
before it exits (`{ console.error("no video", id); throw … }`: logger calls that await nothing and do not read
the missing row); it stays where it was and its link is a LEFT JOIN. So do checks after the guard (`if
(share.expiresAt && share.expiresAt < new Date()) return null`: a condition that queries, awaits and assigns
nothing, a branch that only logs and exits): they read the rebuilt row, and the reads after them are
LEFT JOINs (the check may exit before a missing row would have). An exit may throw an instance of a project
class (`throw new NotFound(id)`) when constructing it provably only sets fields of the new object
(`super(…)`, `this.x = …` from pure values, through every base class up to a built-in `Error`); a class whose
construction does more (reports, logs, calls something in a field initializer) is not a pure exit. A two-read
one-to-many link limited to one row under a parent read by a unique key is joined too, unsafe: the join keeps
`limit(1)` but not which of several children the database picks; a safe chain stops before an unsafe link.
Partial selects stay partial (`select({ file: { id: files.id, graphId: files.graphId }, graph: graphs })`) when
they are flat objects of the read's own columns, without comments; a key of the row then means the column it
holds.
A parent read by a unique key, guarded by `if (!parent) return|throw …`, and later reads of its children keyed
by the parent's key (`select().from(C).where(eq(C.fk, id))` with `orderBy`/`limit` kept, or `db.query.C.findMany({
where: eq(C.fk, id), … })` with its `columns`/`orderBy`/`limit`/`offset`/`with` copied) become one relational
query when the parent declares the `many` relation (`relations()`, RQB v1): `db.query.<parent>.findFirst({ where,
with: { <relation>: { orderBy: [...], limit: n } | true } })`, the guard tests its row, and `const { <relation>:
children, ...parent } = row` rebuilds every variable. Only reads and fills of local lists may stand between.
Without the relation it is display-only and names the `relations()` entries to declare; display-only too when
the handle's `drizzle()` call is not seen passing `{ schema }`, on drizzle-orm >= 1.0 / `defineRelations`
(RQB v2 writes `where` as an object), and off PostgreSQL.
Not handled yet, and left alone: other one-to-many links (a join would multiply rows), the
owner condition moved into the WHERE (see Fix safety), reads of the same table (a self-join needs an alias),
`sql` fragments in either read (a join makes bare column names ambiguous), a `.for('update')` lock (the reads
are not plain keyed reads), reads on different handles, reads already in `Promise.all`, and anything but an
`if (!a) return|throw` guard and such checks between the reads (a mutation of a row, or a key computed from
more than the rows).

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
For the same reason a later read's own parameters (`eq(members.userId, userId)`: a value, not a column of an
earlier row) make the fix unsafe on PostgreSQL when a guard comes before that read: the original bound them only
past the guard, the join binds them on every call, so a value PostgreSQL rejects by itself (a malformed uuid, a
NUL character) now throws where the guard returned. A parameter the reads before the first guard already bound
to a column of the same type is fine (binding it failed there too), and so are a later read's keys that are
columns of earlier rows (the join compares them in SQL and binds nothing).
Unsafe otherwise: without the guard the original threw a TypeError on `a.y` for a missing parent and the
rewrite yields `undefined`; a non-unique first read picks an arbitrary row either way (maybe another one);
a non-unique child key picks an arbitrary child either way (maybe another one);
different column types compare differently in SQL than a bound parameter (an auto-increment column counts as
the integer type it stores: `serial` is integer, `bigserial` bigint, `smallserial` smallint, MySQL's `serial`
bigint unsigned, so `integer("user_id")` joined to `serial("id")` is safe; an array is not its element type);
a key whose value changes on its way through JavaScript compared before as the changed value, the join compares
the stored one (a timestamp read as a `Date` keeps milliseconds, PostgreSQL stores microseconds; a bigint, a
bigserial or MySQL's serial read as a `number` is exact only up to 2^53; a float4; JSON);
a nullable first column can make a found child `undefined`. The types change too: `b` becomes `B | undefined`
where the destructuring was `B` without `noUncheckedIndexedAccess`, so a `const [b]` read with no guard after it
is unsafe unless the project's tsconfig sets that option (code using `b`, or a caller through an inferred return
type, may stop compiling).

The relational rewrite is unsafe at most. Same rows in every case: parent missing — `findFirst` returns
`undefined`, the guard exits as before (the children were never read: the guard ran first); parent found —
drizzle reads each `many` relation with `coalesce(json_agg(json_build_array(…) order by …), '[]')` over a
lateral subquery joined on exactly the child's `eq(C.fk, <parent key>)` (the join columns have the same SQL
type; serial is integer), so no children gives `[]` as the select did, `orderBy` and `limit` apply as in the
select (no `orderBy` leaves the order to the database in both), and the parent's own columns come back as plain
columns, decoded as `select()` decodes them; the rest pattern takes the relation keys off, so the parent object
has the same keys in the same order. The children's values come from JSON, decoded by the same
`mapFromDriverValue` (drizzle-orm 0.45 pg-core, `mapRelationalRow`): the same value for integer, smallint,
serial, boolean, text/varchar/char, uuid, enums, json/jsonb, real/double precision, date, time, interval, bigint
in `number` mode, and timestamps in `date` mode for years 100-9999 (`new Date` reads pg's text and JSON's ISO
form alike; it reads years below 100 differently). Different, and named in the message: numeric/decimal
(`"1.50"` becomes `"1.5"`), bigint or numeric in `bigint` mode (through a double), timestamps in `string` mode
(ISO form), bytea, arrays, geometric and custom types. Also unsafe: the parent's type becomes the rest type
(structurally the same row), ties under `orderBy` may come back in another order, a child the original did not
read because a statement between exited or failed is now read, and a database failure of a child read surfaces
at the first statement.
"""

from __future__ import annotations

from collections.abc import Iterator

from dalfix.analysis.read_chains import ReadChain, read_chain_at
from dalfix.analysis.relational_fetches import RelationalFetch, relational_fetch_at
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import Node, enclosing_function, fresh_name, statement_deletions
from dalfix.rules import Rule


class FetchThenFetch(Rule):
    code = "DAL004"
    name = "fetch-then-fetch"
    message = "A read keyed by the previous read's row waits a second round trip; join them"
    fix_title = "Join the reads (`leftJoin`/`innerJoin` with `select({ a: A, b: B })`) and rebuild each variable"
    fix_availability = "sometimes"
    preview = True
    needles = (b"select", b"findFirst")
    needs_handle = True

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for statements in ctx.function_blocks():
            index = 0
            while index < len(statements) - 1:
                chain = read_chain_at(ctx.project, ctx.parsed, ctx.vocabulary, analyzer, statements, index)
                if chain is not None:
                    yield self._join(ctx, statements, index, chain)
                    index = statements.index(chain.last_statement) + 1  # a chain's reads start no other chain
                    continue
                fetch = relational_fetch_at(ctx.project, ctx.parsed, ctx.vocabulary, analyzer, statements, index)
                if fetch is not None:
                    yield self._relational(ctx, statements, index, fetch)
                index += 1

    def _join(self, ctx: FileContext, statements: list[Node], index: int, chain: ReadChain) -> Finding:
        """One query for the chain's reads, each variable rebuilt from its row."""
        reads = chain.reads
        parent = reads[0]
        row = fresh_name(enclosing_function(statements[index]), statements[index], "joined")
        indent, unit = ctx.indent_at(parent.statement), ctx.style.indent_unit
        selected = [(r.name, r.selection or r.table) for r in reads]
        one_line = f"{indent}{unit}.select({{ {', '.join(f'{n}: {t}' for n, t in selected)} }})"
        # Too long for one line: an entry per line, a partial select that still does not fit with a column
        # per line (as Prettier and Biome print the object).
        broken = [bool(r.pairs) and not ctx.style.fits(f"{indent}{unit * 2}{r.name}: {r.selection},") for r in reads]
        joined = ctx.render(
            "fetch_then_fetch/join.ts.j2",
            parent.statement,
            row=row,
            handle=ctx.text(parent.chain.root),
            parent=parent.name,
            parent_table=parent.table,
            selected=[(n, t, r.pairs, b) for (n, t), r, b in zip(selected, reads, broken, strict=True)],
            multiline=not ctx.style.fits(one_line),
            comma="," if ctx.style.object_commas else "",
            joins=[("innerJoin" if r.inner else "leftJoin", r.table, r.on) for r in reads[1:]],
            where=" ".join(ctx.text(parent.where).split()),
        )
        edits = [Edit(parent.statement.start_byte, parent.statement.end_byte, joined)]
        for child in reads[1:]:
            template = "fetch_then_fetch/child_binding.ts.j2"
            rebuilt = ctx.render(template, child.statement, row=row, child=child.name, nullable=not child.inner)
            edits.append(Edit(child.statement.start_byte, child.statement.end_byte, rebuilt))
        tables = ", ".join(r.read.table.ts_name or r.table for r in reads)
        kinds = sorted({"innerJoin" if r.inner else "leftJoin" for r in reads[1:]})
        message = (
            f"{', '.join(f'`{r.name}`' for r in reads)} are read one after another, each keyed by an earlier row"
            f" ({tables}): {len(reads)} statements where one query with {' and '.join(f'`{k}`' for k in kinds)} does"
        )
        if chain.reasons:
            message += " (unsafe: " + "; ".join(dict.fromkeys(chain.reasons)) + ")"
        applicability = Applicability.UNSAFE if chain.reasons else Applicability.SAFE
        span = (parent.statement.start_byte, chain.last_statement.end_byte)
        return ctx.finding(self, span, message=message, edits=edits, applicability=applicability)

    def _relational(self, ctx: FileContext, statements: list[Node], index: int, fetch: RelationalFetch) -> Finding:
        """`db.query.<parent>.findFirst({ where, with: { <relation>: … } })`, the guard on its row, then the
        parent and each child list taken out of it."""
        parent = fetch.parent
        names = ", ".join(f"`{c.name}`" for c in fetch.children)
        message = (
            f"`{parent.name}` and its children {names} are read one after another ({len(fetch.children) + 1}"
            f" statements): one relational query (`findFirst` with `with`) loads them together"
        )
        span = (parent.statement.start_byte, fetch.children[-1].statement.end_byte)
        if fetch.display_only:
            notes = tuple(f"declare {m}" for m in fetch.missing_relations)
            message += " (not rewritten: " + "; ".join(fetch.display_only) + ")"
            return ctx.finding(self, span, message=message, applicability=Applicability.DISPLAY_ONLY, notes=notes)
        row = fresh_name(enclosing_function(statements[index]), statements[index], f"{parent.name}WithRelations")
        query = ctx.render(
            "fetch_then_fetch/relational.ts.j2",
            parent.statement,
            row=row,
            handle=ctx.text(parent.chain.root),
            table=parent.read.table.ts_name,
            where=" ".join(ctx.text(parent.where).split()),
            relations=[(c.relation, c.config) for c in fetch.children],
        )
        children = [(c.relation, c.name) for c in fetch.children]
        rebuild = ctx.render(
            "fetch_then_fetch/relational_rebuild.ts.j2",
            fetch.guard,
            row=row,
            parent=parent.name,
            children=children,
            multiline=False,
        )
        if len(ctx.indent_at(fetch.guard)) + len(rebuild) > ctx.style.print_width:
            rebuild = ctx.render(
                "fetch_then_fetch/relational_rebuild.ts.j2",
                fetch.guard,
                row=row,
                parent=parent.name,
                children=children,
                multiline=True,
            )
        newline = ctx.style.newline
        edits = [
            Edit(parent.statement.start_byte, parent.statement.end_byte, query),
            Edit(fetch.guard_name.start_byte, fetch.guard_name.end_byte, row),
            Edit(fetch.guard.end_byte, fetch.guard.end_byte, newline + ctx.indent_at(fetch.guard) + rebuild),
            *statement_deletions(ctx.source, [c.statement for c in fetch.children]),
        ]
        reasons = ["drizzle decodes the children from JSON (Fix safety lists the column types that match)"]
        if fetch.decoding:
            reasons.append(f"{', '.join(fetch.decoding)} may decode differently")
        drivers = {d.driver for d in ctx.vocabulary.drivers_of(parent.chain)}
        if drivers - {"node-postgres"}:
            reasons.append(f"the JSON decoding was checked for node-postgres, not {', '.join(sorted(drivers))}")
        if fetch.read_past_exits:
            reasons.append("children the original did not read when a statement between exited or failed are read")
        message += " (unsafe: " + "; ".join(reasons) + ")"
        return ctx.finding(self, span, message=message, edits=edits, applicability=Applicability.UNSAFE)
