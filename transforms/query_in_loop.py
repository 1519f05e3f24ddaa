"""
## What it does
Flags loops that send one Drizzle query per element of a list, and batches them into one query.

The loops are `for`, `for…of`, `for…in`, index loops, `.forEach(async …)` and
`await Promise.all(xs.map(async …))` over an array, a Map, a Set, or their `keys()`/`values()`/`entries()` (a
Map or Set also when a `const` holds what a project function returns: one whose every `return` hands back a
collection it made, `new Map()` or a `const` of its own bound to one, as kan's `groupByKey`; or one only its return
type calls a `Map<…>`, whose fixes are then unsafe: it may hand out a collection it keeps, which other code could
change while a batch's chunks run)
(also `return Promise.all(xs.map(async …))` from an async function, outside a `try`; and the promises built
first and awaited later, `const ps = xs.map(async …);` … `await Promise.all(ps)` in the same block, `ps` used
nowhere else, the statements between pure, reading no clock and sharing no name with the callback that either
side writes; not `Promise.allSettled`, whose results keep every element's failure where a batch would throw),
whose iteration awaits one query keyed by the element: `eq(col, x)`, `eq(col, x.id)`, `eq(col, id)` after
`const { id } = x` or `for (const [id, v] of …)`, alone or inside `and(...)` with conditions that stay the
same. An update or delete becomes one statement with `inArray(col, keys)` (behind `if (g)` with no `else`, or
after `if (c) continue;` guards, `return;` in a callback, where `g` and `c` are pure and read only the element
and names the loop does not change: over the keys of `xs.filter(…)`, computed once before the batch); a select
runs once before the loop with `inArray`, and each iteration looks its rows up by key; a count, max, min, sum
or avg per element (or `db.$count`) becomes one `GROUP BY col` query read back into the same shape; inserts
inside a transaction become one multi-row `values(rows)`. Batches are chunked: a statement holds at most
30,000 keys on PostgreSQL and MySQL (whose limit is 65,535 bind parameters), 15,000 on SQLite (32,766), 50 on
Cloudflare D1 (100), 900 when the dialect is unknown (SQLite before 3.32 allowed 999; a handle handed in as a
parameter speaks the one dialect of every handle the application creates, pools and single clients alike, and
D1's limit when one of them is D1), fewer when the
statement's other parameters (SET values, conditions; a list of unknown length counts 32) leave less room below
the limit (a SET of 70 values on D1: 30 keys); an insert's rows per statement are that divided by its values
per row; `batch-size` in dalfix.toml sets another size. Writes loop over chunks of the keys; reads go through
an `inChunks` helper added once at the end of the file, which runs
one statement per chunk of distinct keys (one uuid written in two spellings that land in different chunks has
its rows read twice; only lists longer than a chunk can tell). So n keys send ceil(n / size) statements, an
empty list sends none (and `inArray(col, [])`, which throws before drizzle-orm 0.32.1, is never built).

## Why is this bad?
Each iteration waits a full round trip, so the loop costs N statements where one would do (seed 001:
`deleteChain` detached 50 renders with 52 statements in ~2.5 s; batched, 2 statements, ~150 ms).

Loops that are per-row on purpose get no fix: per-element SET values or RETURNING rows (reported display-only,
below), per-item
try/catch, `break`/`continue`/`return`, queries that run for some elements only (a write behind a pure
condition on the element is batched over the elements it selects, above), chunking and paging loops (keyed by
`inArray`, `gt` or a cursor, not by `eq` on the element), other awaits or effects in the body (logging, HTTP,
files, queues), a list the body changes, keys not derived from the element, a function calling itself per
element (a recursive walk: each call takes the branch its element selects, karakeep's search matchers), and a
query keyed by an outer loop's element only, inside an inner loop.

A loop inside another loop is reported once, at the innermost loop whose iterations run the query, and batched
there as a loop of its own: the outer element's values are the same in every inner iteration, so
`and(eq(teamId, team.id), inArray(userId, chunk))` reaches exactly the pairs the inner loop reached, one statement
per outer element instead of one per pair (never `inArray` on both columns, which would match the cross product).
A labelled `continue outer;` in the inner loop ends it, like a `break`.

Reported without a fix: a write per element whose `Promise.all` list the code keeps (`const done = await
Promise.all(…)`, `return Promise.all(…)`: a loop over chunks returns no list), a DAL helper called per element (seed
003 `getAllEvents` calling `getEventWithRelations`;
the finding names the helper, how many queries it holds and what a batched variant would do by the helper's
statements: insert the rows of all elements in one multi-row `.values([…])` (a helper that only inserts loads
nothing), or load / update / delete `.where(inArray(col, keys))` by the column the element's argument is compared
with (a helper of several queries: each query's rows for all the keys, naming every column the argument is compared
with, not one statement's `inArray`; matching rows back by key only when it reads; raw `execute(sql…)` counts by its
statement's first word, and one dalfix cannot classify, a procedure call, gets "run one statement" with no load),
or, when several arguments are compared with columns (`tenantId` and `userId`), by every element's combination at
once — never one of those columns alone, which would reach other elements' rows; a read limited per call
(`.limit(n)`) says whether `inArray` alone is exact — the compared column is unique, alone or with the other columns
of a unique key fixed by `eq` in the same where (one row per key), or the limit is `limit(1)` with no `orderBy` (any
one row per key, as each call got) — or needs a limit per key (a window function or a lateral join), naming a
condition builder it cannot read (`projectScopedWhere(t, scopes)`) that may fix the rest of a key; a helper that
also writes through another helper of the project names it; it says instead that its queries do not use the element,
so the same query runs each time, or that each call takes the state the previous one returned (`progress = await
step(item, progress)`: the calls depend on each other in order); it names a loop that can stop early and a call in
its own `try`/`catch`; no finding when the loop leaves right after the call, which then runs once, or when the
element reaches the helper's queries only inside `sql.raw(…)` text (a table name per element, a clause built from
it), or the loop walks a fixed list of tables (`[{ table: users, … }, …]`, one per kind of record): no one statement
serves every element there, so there is no batched variant to point to), also one handed an object whose fields come
from the element, directly or through names the body computed from it (`const user = byEmail.get(email); await
revokeGrant({ userId: user.id, … })`, `getX(db)({ scopes: { …, id: x.id } })`, a spread of the element or of
what the body took from it, `const { id, ...rest } = port; await createPort({ ...rest, appId })`; the helper may
read them after validating the object, `const { name } = Schema.parse(params)`): the finding names those fields
(and, for one field and a helper of one query, the column the helper compares it to), what a batched variant would
do by the helper's statements as above (several fields of a read or delete together; an upsert's keys made
distinct first), and a `bulk…`/`batch…`/`…Many` variant its module exports; not for a helper whose only queries
are raw `execute(sql…)`, a procedure or table function per name), a
write inside a transaction, an insert outside one or whose values call a function dalfix cannot follow (`id:
createId()`, which may touch the database), a SET computed in SQL, a list dalfix cannot read twice (an iterator, a
generator, an untyped value), a `while` walk over an index, and selects whose rows cannot be matched back to keys
(joins, `limit(n)`, no key column).

## Example
```ts
import { eq } from "drizzle-orm";
import { db } from "./db";
import { renders } from "./schema";

export async function detachRenders(chainId: string) {
  const chainRenders = await db.select().from(renders).where(eq(renders.chainId, chainId));
  for (const r of chainRenders) {
    await db
      .update(renders)
      .set({ chainId: null, chainPosition: null, updatedAt: new Date() })
      .where(eq(renders.id, r.id));
  }
}
```

## Use instead
```ts
import { eq, inArray } from "drizzle-orm";
import { db } from "./db";
import { renders } from "./schema";

export async function detachRenders(chainId: string) {
  const chainRenders = await db.select().from(renders).where(eq(renders.chainId, chainId));
  for (let start = 0; start < chainRenders.length; start += 900) {
    await db
      .update(renders)
      .set({ chainId: null, chainPosition: null, updatedAt: new Date() })
      .where(inArray(renders.id, chainRenders.map((r) => r.id).slice(start, start + 900)));
  }
}
```

## Fix safety
Safe: an update or delete in a `for…of`, index or `Promise.all(xs.map(…))` loop (its promises built first or
not) whose body is that one statement, with its result unused, its SET and other conditions loop-invariant (no
per-element name, no await, only pure calls), over an array the body neither reassigns nor fills, outside a
transaction.
A guarded write (`if (g) await write;`, `if (c) continue;`) is batched over the keys of the elements its
conditions select: being pure and reading only the element and names the loop leaves alone, they give the same
answers evaluated once up front as between the loop's statements (a condition or key that throws, on an element
that is `undefined`, now throws before the first write instead of after the earlier ones, as keys already do).
Then `WHERE c AND col IN (k1…kn)` selects exactly the rows the N statements change (a statement only
changes rows that match it, so no row comes to match that did not match at the start), and a constant SET
leaves each of them in the same state whether applied once or, for a repeated key, twice.
Promises built first, `const ps = xs.map(async …)`, and awaited later by `await Promise.all(ps);` are the
same loop: the writes are sent when the map runs and awaited at that statement, which the batch replaces (the
loop over chunks stands where the map was, the `await` goes; a comment above it stays); the statements between
are pure, so they cannot tell the writes were in flight from their being done (when one of them throws, the
writes the map had sent still ran, as the batch's have).
`new Date()` counts as invariant: the batch stamps every row with one time where the loop's differed by
the round trips in between, a difference no caller can rely on. What changes is the failure and locking
profile only: when one statement fails (a unique index on a SET column, a RESTRICT foreign key), the loop
leaves the rows before it changed and the batch changes none; statement-level triggers fire once; the
batch holds its rows' locks together for one statement. Inside a transaction the locks are kept until
commit and the batch takes them in scan order instead of list order (code that sorts ids to avoid
deadlocks would lose that), so writes in a transaction callback or on a `tx` handle get no fix; plain
reads take no row locks and are batched there too. Nor do writes on a handle a transaction may reach through a
call dalfix does not follow into the function (a callback a project helper runs inside `db.transaction`,
`f.call`/`f.bind`, a spread, `new Repo(tx)`, a method of a receiver it does not resolve): the message says which.

The same argument holds for a loop inside another loop, applied to one iteration of the outer loop: the batch
replaces the inner loop where it stands, the names the outer loop binds are constants for it, and the outer loop's
other statements run before and after it as they did. Unsafe when the outer loop runs its iterations at the same
time (`Promise.all(xs.map(async …))`, `forEach`): each sibling's batch holds its rows' locks for one statement, so
two batches over shared rows can deadlock where single-row statements never waited on each other.

A loop under `// eslint-disable-next-line no-await-in-loop` (or a file-wide `eslint-disable no-await-in-loop`,
or biome's `noAwaitInLoops`) is still reported, but its fix is never safe: the author said the order mattered.

Chunks run one after another and change nothing in the argument above: each chunk's statement changes
exactly the rows the loop's statements for those keys change; a failing chunk leaves the chunks before it
applied, as the loop left the elements before it.

With the project's schema model, the constraints decide (a row-level security policy, `pgPolicy`, leaves its
own table unread, since its WITH CHECK can reject a row, and the rest of the model complete, since key and
foreign-key checks bypass it): an update whose SET writes a column of a unique
set or a foreign key (other than NULL into a key column; NULL into a column a partial unique index's
predicate mentions counts), or a delete from a table a RESTRICT / NO ACTION foreign key points at (directly,
or through ON DELETE CASCADE; also SET NULL on a NOT NULL column, SET DEFAULT), is unsafe, because one
rejected row then fails the whole chunk where the loop had changed the rows before it; the message names
the constraint. A table the model does not know keeps the rule above.

Unsafe: `.forEach(async …)` (the loop did not wait for its queries; the batch is awaited, so the function
now waits and a failure rejects it) and `for…in` (`Object.keys` skips inherited keys `for…in` visits).
Selects, relational reads and grouped queries (the loop stays, with a `continue` after the read: every
iteration still reads, so the batch reads the keys the loop read; a `continue` before the read, `break` or
`return` leave such loops alone, since a batch would read keys the loop never sent and one of them could make
the statement fail, a malformed uuid): rows are matched back to keys in JS, the way the key column
compares in the database, read from its Drizzle table: `===` for integers and case-sensitive text, the
uuid's hex digits in lower case for PostgreSQL `uuid` columns (which read `ABC…`, `{abc…}` and unhyphenated
forms as one uuid). Keys no JS equality matches the database on get no fix: MySQL text (its default
collations ignore case), `_ci`/`NOCASE` collations, `citext`, numeric, bigint-as-string, dates, JSON. A
column dalfix cannot find is compared with `===`, which misses keys the database would read in another
form. Apart from that the result is the same: the batch keeps the projection, conditions and ordering and
drops `.limit(1)` (`findFirst` becomes `findMany`), so each key's rows keep their order, a repeated key
gets the same rows again, a missing key gets `[]` (`undefined` through `const [row] = …` and `findFirst`),
and a grouped query gives a missing key what the ungrouped aggregate returned (`count` 0,
`max`/`min`/`sum`/`avg` null). The latest row per key (`orderBy(…).limit(1)`, `findFirst` with `orderBy`)
on a key that is not unique becomes one `selectDistinctOn([key])` query on PostgreSQL, ordered by the key
and then the loop's order, so each key keeps the row its own query returned first (rows tied on the
loop's order could come back in another order in either form); elsewhere all rows of the keys are read
and each key keeps its first. Inserts, offered only inside a transaction (where a failing row
rolls back both forms; outside, the loop would keep the rows before it): defaults such as `now()` are
computed once, and RETURNING rows are taken back in VALUES order, which PostgreSQL does but does not
promise. Several keyed updates or deletes per element (`delete` from `a`, then from `b`) become one batch
each, in body order. Every element's first statement now runs before any element's second, so this is unsafe
unless the schema model shows the statements write different tables that no foreign key links (either way)
and none can be rejected by a constraint (above): then no statement sees another's rows, and the order
changes nothing (statement-level triggers aside, as above).
An unsafe select batch's message says what may change at its site: how rows are matched back (`===` as the
column's type compares, and on an integer column a key handed as text, which the database converts and `===` does
not; a uuid's lower-case hex digits, and a uuid spelled two ways in two chunks read twice; or a column dalfix cannot
find), a per-key `limit(1)` dropped (which row each key keeps), the order of a key's rows (ties on the `orderBy`,
or none), and the statements per chunk of keys; a grouped count or aggregate, how its keys are matched back.
A read per element followed by a write is reported without a fix, as are two or more reads per element, each
filtered by what changes per element (the element, or an earlier read's row), with no other await (one `inArray`
select per table before the loop would do), and one read filtered by several per-element values (`and(eq(t.name, name),
eq(t.orgId, org.id))` with `name` built from the element: no one key an `inArray` batch could use).
A SET that reads the row (``sql`${t.n} + 1` ``) gets no fix: the loop applies it once per
occurrence of a key, the batch once per row.
A read that no iteration changes — its query reads neither the element nor any name the body binds or changes, in
a loop that writes none of the tables it names (a project helper that only reads, with such arguments, in a loop
that writes nothing) — is reported without a fix, whatever else the body awaits (midday's team fetched once per
inserted invite): one read before the loop does, or, when only some iterations reach it (under a condition, or
after a statement that may leave the iteration), one the first time an iteration does. The message says when the
loop also calls what dalfix cannot classify, which could write those rows. Not in a loop that can stop early by a
`break` or `return` (it polls: the rows it waits for may change between attempts).

Also reported without a fix (recall15):
- a read keyed by the element in a loop whose body awaits other I/O too (a queue job, an email, a write to other
  tables), which keeps the loop whole (midday's insight dispatch: `getInsightByPeriod(db, { teamId: team.id, … })`,
  `continue` on a hit, then `insightsQueue.add(…)`): the read alone can be loaded for every element before the loop
  with one `inArray` read, and each element's rows looked up in the loop. Only when the loop writes none of the
  tables the read reads, by the tables its queries name and, for a project helper, the tables of every query in it
  and in the helpers it calls (none when one of them reads raw SQL or is handed the handle by a call dalfix cannot
  follow); not when the body awaits a project function dalfix cannot classify, a closure or parameter of the
  enclosing functions, or hands the handle to an unknown call (any may write them), nor over a list written out
  in the code (`["slack", "telegram"]`). The message names
  a call into a package the loop awaits (`queue.add(…)`), which dalfix takes to write nothing. No fix: the read's
  result must become a lookup by key (with the per-key `limit` the read had), and the body's other I/O then runs
  after every element's read instead of between them, which code that reads what that I/O changed would notice;
- an insert per element whose returned row the iteration's later inserts use (kan's Trello import and board copy:
  a list `.returning()` its id, then its cards with `listId: created.id`, directly or through a name or a
  collection built from it): all parents fit one multi-row insert `returning` their ids, but the ids must be
  matched back to elements by a value the rows carry (a natural key, an import id), never by position: PostgreSQL
  returns `INSERT … VALUES … RETURNING` rows in VALUES order in practice, without promising it. Not when the
  iteration writes something else before the parent, nor through a helper that also updates or deletes;
- an update keyed by the element whose SET takes values that differ per element (midday's inbox matching:
  `set({ attachmentId })` after `const attachmentId = ids.get(item.id)`): an `inArray` update would give every row
  one value, but ``set({ col: sql`CASE ${t.id} WHEN … THEN … END` })`` (or, on PostgreSQL and SQLite, `UPDATE …
  FROM (VALUES …)`) per chunk gives each its own. No fix: drizzle builds neither, and the raw SQL needs the values'
  SQL types. Not for a SET computed from the row, a value one iteration leaves for the next, per-row RETURNING, or
  a per-item `try`;
- a helper chosen before the loop, `const f = c ? a : b`, called per element with its values (agents'
  `getAgentFn(db)({ scopes: { …, agentId: agent.id } })`): when both are project functions whose every query only
  reads (followed through the helpers they call), the call is a read per element either way; a batched variant of
  each would serve the loop.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from collections.abc import Iterator

from dalfix import batching
from dalfix.analysis.drizzle import QueryChain, unwrap
from dalfix.analysis.keys import KeyColumn, canonical, key_column, key_comparison, key_match
from dalfix.analysis.loops import LoopAnalysis, QuerySite, element_loops, in_concurrent_loop, outside_closures
from dalfix.analysis.summaries import RETURNED
from dalfix.batching import CHUNK, Batch, aggregate_defaults, chain_arguments, key_property, reads_row, text_with_edits
from dalfix.comments import trailing_comments
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import Node, descendants_of_type, enclosing_function, fresh_name
from dalfix.render import reindent, render_template, to_width
from dalfix.rules import Rule

# The steps each batchable chain may have after its root.
SHAPES = {"update": {"set", "where", "returning", "execute"}, "delete": {"where", "returning", "execute"},
          "select": {"from", "where", "orderBy", "limit", "execute"}, "insert": {"values", "onConflictDoNothing",
          "returning", "execute"}, "$count": set()}  # fmt: skip
SHAPES["selectDistinct"] = SHAPES["select"]
SAFE_LOOPS = ("for-of", "for-index", "map")
BARE = ("variable_declarator", "return_statement", "arguments", "array")  # where `a ?? b` needs no parentheses
PRIMARY = r"[\w$.]+(\(.*\))?"  # keys that need no parentheses before `.slice(…)`
UNCOMPARABLE = ("a read per element keyed by `{}`, whose values the database compares in a way JS `===` cannot "
                "(a case-insensitive collation, numeric text, dates)")  # fmt: skip
UNREADABLE_LIST = "a query per element of a list dalfix cannot read twice (an iterator, or a value it cannot type)"
UNKNOWN_CALL_ROWS = ("an insert per element whose values call a function dalfix cannot follow (it may touch the "
                     "database); if it does not, build the rows first, the same calls in the same order, and insert "
                     "them with one `values([...])`")  # fmt: skip
BORROWED = ("unsafe: only its return type says `{}` returns a Map or Set; one it keeps could change while the "
            "batch's chunks run, which a loop over it would have seen")  # fmt: skip
_FIRST_ONLY = ("const [", "let [")  # `const [row] = …` takes one row whatever the lookup returns


class QueryInLoop(Rule):
    code = "DAL002"
    name = "query-in-loop"
    message = "A query runs once per loop element; batch it into one query"
    fix_title = "Batch the per-element queries into one query"
    fix_availability = "sometimes"
    needles = (b"for", b"while", b".map(")
    needs_handle = True

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for loop in element_loops(ctx.parsed.root, ctx.text, ctx.searched):
            if enclosing_function(loop.node) is None:
                continue
            a = LoopAnalysis(loop, analyzer, lambda call: batching.returns_array(ctx.project, ctx.parsed, call),
                             lambda call: batching.returns_collection(ctx.project, ctx.parsed, call))  # fmt: skip
            site, sites = a.query_site(), a.statement_sites()
            if not a.stable():
                continue
            if site is not None:
                finding = self._check(ctx, a, site)
            else:
                finding = self._writes(ctx, a, sites) if sites else (
                    self._read_then_write(ctx, a) or self._several_reads(ctx, a))  # fmt: skip
            if finding is None:
                finding = self._invariant_read(ctx, a) or self._read_beside_io(ctx, a) or self._parent_insert(ctx, a)
            if finding is not None:
                yield finding

    def _check(self, ctx: FileContext, a: LoopAnalysis, site: QuerySite) -> Finding | None:
        chain = ctx.vocabulary.query_chain(site.query)
        if chain is None:
            return self._helper(ctx, a, site)
        args = chain_arguments(chain)
        root = args.get(chain.method, [])
        if chain.method in ("findFirst", "findMany") and len(chain.links) == 3:
            return self._relational(ctx, a, site, chain)
        if chain.method not in SHAPES or len(args) != len(chain.links) or set(args) - SHAPES[chain.method] - {
                chain.method}:  # fmt: skip
            if chain.kind != "read" or not a.analyzer.free_reads(site.query) & a.element_names:
                return None
            return self._no_fix(ctx, a, site, "a read per element in a shape dalfix cannot batch")
        if chain.method == "insert":
            return self._insert(ctx, a, site, chain, args, root)
        where = root[1] if chain.method == "$count" and len(root) == 2 else next(iter(args.get("where", [])), None)
        key = a.keyed_condition(where, a.analyzer.imports) if where is not None else None
        others = [n for values in args.values() for n in values if n != where]
        if key is None or where is None or not all(a.invariant(n) for n in others):
            if (
                chain.kind == "read"
                and key is None
                and where is not None
                and a.varies_with_element(where, site.statement)
                and all(a.invariant(n) for n in others)
            ):
                # `and(eq(t.name, \`default:${org.id}\`), eq(t.orgId, org.id))`: a read per element all the same,
                # by several of its values (or one dalfix cannot key a batch by): reported, not rewritten.
                return self._no_fix(ctx, a, site, SEVERAL_KEYS)
            if chain.method == "update" and key is not None and where is not None:
                return self._per_element_set(ctx, a, site, chain, args, key)
            return None  # per-element conditions, or a key not derived from the element: never
        if a.loop.kind == "while-index":
            return self._no_fix(ctx, a, site, "a `while` walk over a list index")
        if not self._array(ctx, a):
            return self._no_fix(ctx, a, site, UNREADABLE_LIST)
        column, keys = ctx.text(key.column), a.keys_text(key)
        keyed = Edit(key.condition.start_byte, key.condition.end_byte, f"inArray({column}, {CHUNK})")
        if chain.method in ("update", "delete"):
            return self._write(ctx, a, site, chain, args, text_with_edits(ctx.parsed, site.query, [keyed]), key)
        if a.result_discarded(site):
            return None
        facts = key_column(ctx.project, ctx.parsed, key.column)
        compare = key_comparison(facts)
        if compare is None:
            return self._no_fix(ctx, a, site, UNCOMPARABLE.format(column))
        match_key = canonical(ctx.text(key.key), compare, ctx.style.quote)
        batch = Batch(keys, others=batching.other_parameters(ctx.project, ctx.parsed, chain, key.condition))
        grouped = f"one `GROUP BY {column}` query"
        # A number per key, matched back by key like rows: only the matching may change.
        why = _batch_risks(ctx, key.column, facts, compare, False, False, False, grouped=True)
        if chain.method == "$count":  # a number per key; keys without rows count 0
            query = batching.count_query(ctx.text(chain.root), ctx.text(root[0]), text_with_edits(
                ctx.parsed, where, [keyed]), column, ctx.style.indent_unit)  # fmt: skip
            lookup = f"{{}}.get({match_key}) ?? 0"
            bare = site.expression.parent is not None and site.expression.parent.type in BARE
            return self._hoist(ctx, a, site, query, "ByKey", "count", lookup if bare else f"({lookup})", grouped, "",
                               batch, canonical("row.key", compare, ctx.style.quote), why=why)  # fmt: skip
        projection = unwrap(root[0]) if root else None
        defaults = aggregate_defaults(projection, a.analyzer)
        if defaults is not None and projection is not None and not {"orderBy", "limit"} & set(args):
            group = next(n for n in ("key", "groupKey", "groupedBy") if n not in dict(defaults))
            edits = [keyed, *batching.grouped_edits(ctx.parsed, chain, projection, group, column)]
            empty = "{ " + ", ".join(f"{name}: {value}" for name, value in defaults) + " }"
            query = _relative(ctx, site, text_with_edits(ctx.parsed, site.query, edits))
            lookup = f"[{{}}.get({match_key}) ?? {empty}]"
            return self._hoist(ctx, a, site, query, "ByKey", "aggregates", lookup, grouped, group, batch,
                               canonical(group, compare, ctx.style.quote), why=why)  # fmt: skip
        return self._select(ctx, a, site, chain, key, args, projection, keyed, compare, batch)

    def _per_element_set(self, ctx, a, site, chain, args, key) -> Finding | None:  # type: ignore[no-untyped-def]
        """An update keyed by the element whose SET takes values that differ per element (midday's inbox items:
        `set({ attachmentId })` after `const attachmentId = ids.get(item.id)`): no `inArray` statement gives each
        row its own value, but one `CASE` on the key (or, on PostgreSQL and SQLite, `UPDATE … FROM (VALUES …)`)
        per chunk does. Display-only: drizzle has no builder for either, so the statement is raw SQL a human writes
        and checks (types of the VALUES, a repeated key, which keeps the loop's last value)."""
        values = args.get("set", [])
        where = next(iter(args.get("where", [])), None)
        others = [n for name, nodes in args.items() if name != "set" for n in nodes if n != where]
        if len(values) != 1 or not all(a.invariant(n) for n in others) or "returning" in args:
            return None
        value = values[0]
        effects = a.analyzer.effects(value)
        if effects.db != "none" or effects.awaits or not a.varies_with_element(value, site.statement):
            return None  # a SET that queries, or carries a value one iteration leaves for the next
        holder = site.expression.parent  # `if (v) { await update; }`: the statement under the guard
        inner = QuerySite(holder, site.expression, site.query) if holder is not None and (
            holder.type == "expression_statement") else site  # fmt: skip
        if reads_row(ctx.parsed, value, args[chain.method][0]) or not a.result_discarded(inner):
            return None  # a SET computed from the row, or per-row RETURNING: per row on purpose
        if a.runs_at_most_once(site) or a.in_try(site):
            return None
        varying = [k for k, item in _object_fields(ctx, unwrap(value)) if not a.invariant(item)]
        shown = ", ".join(f"`{k}`" for k in varying[:3]) if varying else f"`{' '.join(ctx.text(value).split())[:40]}`"
        column, field = ctx.text(key.column), varying[0] if varying else "col"
        # MySQL has no `UPDATE … FROM`: only the CASE form applies there (or when dalfix cannot tell the dialect)
        values_form = ", or `UPDATE … FROM (VALUES …)` through `execute(sql`…`)`," if batching.dialect_of(
            ctx.project, ctx.parsed) in ("postgresql", "sqlite") else ","  # fmt: skip
        return self._no_fix(ctx, a, site, f"an update per element whose SET takes {shown} from each element: one "
                            f"statement per chunk of keys can give each row its own value, `.set({{ {field}: "
                            f"sql`CASE ${{{column}}} WHEN … THEN … END` }})` with `inArray({column}, keys)` in place "
                            f"of the key's `eq`{values_form} each with the values' SQL types written out")  # fmt: skip

    def _array(self, ctx: FileContext, a: LoopAnalysis) -> bool:
        """The keys are read before the loop: the list must be an array, a Map or a Set (or a view of one); an
        iterator or a generator can be read only once."""
        return a.iteration is not None

    def _write(self, ctx, a, site, chain, args, query, key) -> Finding | None:  # type: ignore[no-untyped-def]
        statement, guard = a.statement(), a.guard(site)
        if guard is not None:  # `if (g) await write;`: the batch runs over the elements `g` selects
            site = QuerySite(guard.statement, site.expression, site.query)
        elif len(a.work_statements) != 1:
            return None  # other work in the body: never
        if statement is None or not a.result_discarded(site):
            return None  # per-row RETURNING: never
        why = self._unbatchable_write(ctx, a, chain, args)
        if why is not None:
            return self._no_fix(ctx, a, site, why)
        applicability = Applicability.SAFE if a.loop.kind in SAFE_LOOPS else Applicability.UNSAFE
        # A wide SET leaves fewer of D1's 100 parameters for keys.
        others = batching.other_parameters(ctx.project, ctx.parsed, chain, key.condition)
        what = f"one `{chain.method}` with `inArray` per {batching.chunk_size(ctx.project, ctx.parsed, others)} keys"
        if guard is not None:
            what += " of the elements the loop's condition selects"
        risk = batching.constraint_risk(ctx.project, ctx.parsed, chain)
        if risk is not None:  # one failing row fails the whole batch where the loop had changed the rows before it
            applicability, what = Applicability.UNSAFE, f"{what} (unsafe: {risk}; a violation fails the whole chunk)"
        elif in_concurrent_loop(a.loop, ctx.text):
            applicability, what = Applicability.UNSAFE, (f"{what} (unsafe: an outer loop runs its iterations at the "
                                                         "same time, and their batches can wait on each other's "
                                                         "row locks where single-row statements did not)")  # fmt: skip
        elif a.borrowed_collection() is not None:
            applicability, what = Applicability.UNSAFE, f"{what} ({BORROWED.format(a.borrowed_collection())})"
        if guard is None:
            return self._replace(ctx, a, site, statement, [query], what, applicability, a.keys_text(key), others=others)
        keys = a.filtered(guard, key.root + key.suffix)
        return self._replace(ctx, a, site, statement, [query], what, applicability, keys, selected=True, others=others)

    def _unbatchable_write(self, ctx, a, chain, args) -> str | None:  # type: ignore[no-untyped-def]
        """Why a keyed update or delete per element gets no fix, if it does not."""
        if ctx.vocabulary.inside_transaction(a.loop.node) or chain.handle == "tx":
            return "a write per element inside a transaction (batching changes lock order)"
        unseen = ctx.vocabulary.unseen_transaction(chain.root, chain.node)
        if unseen is not None:
            return f"a write per element, and {unseen} (inside one, batching changes lock order)"
        if any(reads_row(ctx.parsed, n, args[chain.method][0]) for n in args.get("set", [])):
            return ("a SET computed in SQL, per element (one that reads the row is applied once per row by a batch, "
                    "once per key by the loop)")  # fmt: skip
        if a.loop.kind == "forEach" and not _is_async(enclosing_function(a.loop.node)):
            return "a write per element in `forEach` of a function that cannot await"
        return None

    def _writes(self, ctx: FileContext, a: LoopAnalysis, sites: list[QuerySite]) -> Finding | None:
        """Several keyed writes per element (`delete` from two tables): one batch each, in body order."""
        statement, queries, keys, bound = a.statement(), [], set(), 0
        if statement is None or not sites or a.loop.kind == "forEach" or not self._array(ctx, a):
            return None
        for site in sites:
            chain = ctx.vocabulary.query_chain(site.query)
            args = chain_arguments(chain) if chain is not None else {}
            if chain is None or chain.method not in ("update", "delete") or len(args) != len(chain.links) or set(
                    args) - SHAPES[chain.method] - {chain.method, "returning"}:  # fmt: skip
                return None
            where = next(iter(args.get("where", [])), None)
            key = a.keyed_condition(where, a.analyzer.imports) if where is not None else None
            others = [n for values in args.values() for n in values if n != where]
            if key is None or not all(a.invariant(n) for n in others) or "returning" in args:
                return None
            why = self._unbatchable_write(ctx, a, chain, args)
            if why is not None:
                return self._no_fix(ctx, a, site, why)
            keyed = Edit(key.condition.start_byte, key.condition.end_byte, f"inArray({ctx.text(key.column)}, {CHUNK})")
            queries.append(text_with_edits(ctx.parsed, site.query, [keyed]))
            bound = max(bound, batching.other_parameters(ctx.project, ctx.parsed, chain, key.condition))
            keys.add(a.keys_text(key))
        if len(keys) != 1:
            return None  # statements keyed by different paths of the element
        what = f"{len(queries)} statements with `inArray`, one per per-element statement"
        chains = [ctx.vocabulary.query_chain(site.query) for site in sites]
        unrelated = a.loop.kind in SAFE_LOOPS and batching.independent_writes(ctx.project, ctx.parsed, chains) and (
            not in_concurrent_loop(a.loop, ctx.text))  # fmt: skip
        applicability = Applicability.SAFE if unrelated else Applicability.UNSAFE
        if unrelated and a.borrowed_collection() is not None:
            applicability, what = Applicability.UNSAFE, f"{what} ({BORROWED.format(a.borrowed_collection())})"
        return self._replace(ctx, a, sites[0], statement, queries, what, applicability, keys.pop(), others=bound)

    def _insert(self, ctx, a, site, chain, args, root) -> Finding | None:  # type: ignore[no-untyped-def]
        values = unwrap(args["values"][0]) if len(args.get("values", [])) == 1 else None
        if values is None or values.type != "object" or a.loop.pattern is None or len(root) != 1:
            return None  # `values(chunk)`: chunking, never
        effects = a.analyzer.effects(values)
        if effects.db not in ("none", "unknown") or effects.awaits or a.analyzer.free_reads(values) & (
                a.variant - a.element_names):  # fmt: skip
            return None
        if effects.db == "unknown":  # `id: createId()`: a call dalfix cannot follow, which may touch the database
            return self._no_fix(ctx, a, site, UNKNOWN_CALL_ROWS) if self._array(ctx, a) and a.statement() else None
        if not self._array(ctx, a):
            return self._no_fix(ctx, a, site, UNREADABLE_LIST)
        if not a.invariant(root[0]) or reads_row(ctx.parsed, values, root[0]):
            return self._no_fix(ctx, a, site, "an insert per element; insert all rows with one `values([...])`")
        if not ctx.vocabulary.certainly_in_transaction(a.loop.node, chain):  # a maybe-transaction is not
            return self._no_fix(ctx, a, site, "an insert per element outside a transaction (a failing row leaves the "
                                "rows before it inserted; one multi-row insert would insert none)")  # fmt: skip
        # The callback's return type keeps literals typed as `values({...})` did (enum columns).
        rows = a.mapped(f"({ctx.text(values)})", f": typeof {ctx.text(root[0])}.$inferInsert")
        query = text_with_edits(ctx.parsed, site.query, [Edit(values.start_byte, values.end_byte, CHUNK)])
        statement = a.statement()
        per_row = batching.parameters_per_row(values)  # each row binds one parameter per value
        # Besides the rows: `onConflictDoUpdate({ set })`, `returning({ … })`.
        others = batching.other_parameters(ctx.project, ctx.parsed, chain, args["values"][0])
        if a.result_discarded(site) and len(a.work_statements) == 1 and statement is not None:
            return self._replace(ctx, a, site, statement, [query], "one multi-row `insert`", Applicability.UNSAFE,
                                 rows, per_row, others=others)  # fmt: skip
        if "returning" not in args or "onConflictDoNothing" in args or a.result_discarded(site):
            return None
        return self._hoist(ctx, a, site, _relative(ctx, site, query), "Rows", "inserted", "{}.splice(0, 1)",
                           "one multi-row `insert … returning`", None, Batch(rows, per_row, others))  # fmt: skip

    def _select(self, ctx, a, site, chain, key, args, projection, keyed, compare, batch) -> Finding | None:  # type: ignore[no-untyped-def]
        prop = key_property(ctx.parsed, key.column, projection, args["from"][0])
        limited = args.get("limit", [None])[0] is not None and ctx.text(args["limit"][0]) != "1"
        plain = (
            projection is not None
            and projection.type == "object"
            and all(  # columns only, no aggregate
                p.type == "pair" and unwrap(p.child_by_field_name("value") or p).type == "member_expression"
                for p in projection.named_children
            )
        )
        if prop is None and not limited and plain:
            # `select({ id: t.id })` keyed by `t.name`: the rows do not say which key they answer.
            shown = " ".join(ctx.text(key.column).split())
            why = (f"a select per element whose rows do not carry its key `{shown}`: a batched `inArray` select "
                   "would add it to the projection (under a name the rows do not use) to match rows back, and leave "
                   "it out of what the loop hands on")  # fmt: skip
            return self._no_fix(ctx, a, site, why)
        if prop is None or limited:
            return self._no_fix(ctx, a, site, "a select per element dalfix cannot match back to keys (no key column, "
                                "`limit(n)`, or an aggregate with no known empty value)")  # fmt: skip
        limit = batching.drop_step(chain, "limit")  # the limit was per key: each key keeps its first row instead
        edits = [keyed] if limit is None else [keyed, limit]
        latest = None  # the latest row per key: PostgreSQL's DISTINCT ON keeps one row per key, in orderBy order
        column = key_column(ctx.project, ctx.parsed, key.column)  # a unique key has one row: no DISTINCT ON needed
        if limit is not None and (column is None or not column.unique) and batching.dialect_of(
                ctx.project, ctx.parsed) == "postgresql":  # fmt: skip
            latest = batching.distinct_on_edits(ctx.parsed, chain, ctx.text(key.column))
        query = text_with_edits(ctx.parsed, site.query, edits + (latest or []))
        row = fresh_name(enclosing_function(a.loop.node), a.loop.node, "row")
        lookup = f"{{}}.filter(({row}) => {key_match(f'{row}.{prop}', ctx.text(key.key), compare, ctx.style.quote)})"
        lookup += ".slice(0, 1)" if limit is not None and not ctx.text(site.statement).startswith(_FIRST_ONLY) else ""
        what = "one `selectDistinctOn` query (the first row per key)" if latest else "one `inArray` select"
        ordered = "orderBy" in args
        listed = limit is None and not ctx.text(site.statement).startswith(_FIRST_ONLY)
        why = _batch_risks(ctx, key.column, column, compare, limit is not None, latest is not None, ordered, listed)
        return self._hoist(ctx, a, site, _relative(ctx, site, query), "Rows", "batch", lookup, what, None, batch,
                           why=why)  # fmt: skip

    def _relational(self, ctx: FileContext, a: LoopAnalysis, site: QuerySite, chain: QueryChain) -> Finding | None:
        """`db.query.t.findFirst({ where: eq(t.k, x) })` per element: one `findMany` with `inArray`, matched back
        with `.find` (`.filter` for `findMany`); the latest row per key on PostgreSQL: one `selectDistinctOn`."""
        options = batching.relational_options(chain)
        where = options.get("where") if options is not None else None
        key = a.keyed_condition(where, a.analyzer.imports) if where is not None else None
        others = [v for k, v in (options or {}).items() if k != "where"]
        if options is None or key is None or where is None or not all(a.invariant(v) for v in others):
            return None
        table, column = chain.links[1].name, unwrap(key.column)
        owner = column.child_by_field_name("object") if column.type == "member_expression" else None
        prop = column.child_by_field_name("property") if owner is not None and ctx.text(owner) == table else None
        if set(options) - batching.RELATIONAL_OPTIONS or prop is None or not batching.selects_column(
                ctx.parsed, options.get("columns"), ctx.text(prop)):  # fmt: skip
            return self._no_fix(ctx, a, site, f"a `{chain.method}` per element dalfix cannot match back to keys "
                                "(`limit`/`offset` per key, or rows without the key column)")  # fmt: skip
        if not self._array(ctx, a):
            return self._no_fix(ctx, a, site, UNREADABLE_LIST)
        if a.result_discarded(site):
            return None
        facts = key_column(ctx.project, ctx.parsed, key.column)
        compare = key_comparison(facts)
        if compare is None:
            return self._no_fix(ctx, a, site, UNCOMPARABLE.format(ctx.text(key.column)))
        keyed, batch = (
            f"inArray({ctx.text(key.column)}, {CHUNK})",
            Batch(a.keys_text(key), others=batching.other_parameters(ctx.project, ctx.parsed, chain, key.condition)),
        )
        orders = batching.order_terms(ctx.parsed, options["orderBy"]) if "orderBy" in options else None
        row = fresh_name(enclosing_function(a.loop.node), a.loop.node, "row")
        match = f"(({row}) => {key_match(f'{row}.{ctx.text(prop)}', ctx.text(key.key), compare, ctx.style.quote)})"
        unique = facts is not None and facts.unique  # one row per key: findMany returns it
        if chain.method == "findFirst" and orders and set(options) == {"where", "orderBy"} and not unique and (
                batching.dialect_of(ctx.project, ctx.parsed) == "postgresql"):  # fmt: skip
            query = batching.distinct_on_query(ctx.text(chain.root), table, ctx.text(key.column), text_with_edits(
                ctx.parsed, where, [Edit(key.condition.start_byte, key.condition.end_byte, keyed)]), orders,
                ctx.style.indent_unit)  # fmt: skip
            why = _batch_risks(ctx, key.column, facts, compare, True, True, True)
            return self._hoist(ctx, a, site, query, "Rows", "latest", "{}.find" + match,
                               "one `selectDistinctOn` query (the first row per key)", None, batch,
                               why=why)  # fmt: skip
        method = chain.links[2].member.child_by_field_name("property")
        assert method is not None
        edits = [Edit(key.condition.start_byte, key.condition.end_byte, keyed),
                 Edit(method.start_byte, method.end_byte, "findMany")]  # fmt: skip
        query = _relative(ctx, site, text_with_edits(ctx.parsed, site.query, edits))
        lookup = ("{}.find" if chain.method == "findFirst" else "{}.filter") + match
        why = _batch_risks(ctx, key.column, facts, compare, chain.method == "findFirst", False, "orderBy" in options,
                           chain.method == "findMany")  # fmt: skip
        return self._hoist(ctx, a, site, query, "Rows", "found", lookup, "one `findMany` with `inArray`", None, batch,
                           why=why)  # fmt: skip

    def _read_then_write(self, ctx: FileContext, a: LoopAnalysis) -> Finding | None:
        """A read keyed by the element followed by a write: reported, since batching needs the write
        expressed over the batch (a human's call)."""
        awaits = [(s, w) for s in a.work_statements for w in outside_closures(s, "await_expression")]
        chains = [(s, ctx.vocabulary.query_chain(unwrap(w.named_children[0])), w) for s, w in awaits]
        names = a.element_names | frozenset(a.aliases)
        for index, (statement, chain, awaited) in enumerate(chains):
            if chain is None or chain.kind != "read" or not a.analyzer.free_reads(chain.node) & names:
                continue
            if a.in_nested_loop(awaited):
                continue  # read once per element of an inner loop: that loop is reported for it
            if any(later is not None and later.kind == "write" for _, later, _ in chains[index + 1 :]):
                site = QuerySite(statement, chain.node, chain.node)
                return self._no_fix(ctx, a, site, "a read per element followed by a write; load the rows first "
                                    "with one `inArray` select, then write from them")  # fmt: skip
        return None

    def _several_reads(self, ctx: FileContext, a: LoopAnalysis) -> Finding | None:
        """Two or more reads per element, each keyed by it, and no other await (Cap's storage check: an object and
        a video per integration): reported, one `inArray` select per table before the loop (a human's call: the
        reads may be existence checks, a first row each, several rows)."""
        awaits = [w for s in a.work_statements for w in outside_closures(s, "await_expression")]
        if len(awaits) < 2 or any(a.in_nested_loop(w) for w in awaits):
            return None
        tables, keyed = [], True
        for awaited in awaits:
            chain = ctx.vocabulary.query_chain(unwrap(awaited.named_children[0])) if awaited.named_children else None
            if chain is None or chain.kind != "read" or chain.has_then:
                return None
            if chain.method in ("findFirst", "findMany") and len(chain.links) == 3:
                options = batching.relational_options(chain)
                where, table = (options or {}).get("where"), chain.links[1].name
            else:
                args = chain_arguments(chain)
                where = next(iter(args.get("where", [])), None)
                table = ctx.text(args["from"][0]) if args.get("from") else ""
            if where is None or not table or not a.varies_with_element(where, awaited):
                return None  # a read that does not change per element (the same each time, or paging): not this shape
            # keyed by the element itself, or by what changes with it (an earlier read's row, a name built from it)
            keyed = keyed and a.keyed_condition(where, a.analyzer.imports) is not None
            tables.append(f"`{table}`")
        first = awaits[0]
        holder = next(s for s in a.work_statements if s.start_byte <= first.start_byte < s.end_byte)
        early = "; the loop can stop early, so the batches would also load rows for elements it never reaches" if (
            a.may_stop_early()) else ""  # fmt: skip
        how = "each keyed by it" if keyed else "filtered by values that change per element"
        return self._no_fix(ctx, a, QuerySite(holder, first, first),
                            f"{len(awaits)} reads per element ({', '.join(dict.fromkeys(tables))}), {how}; load each "
                            "table once with an `inArray` select before the loop and look the rows up "
                            f"by key{early}")  # fmt: skip

    def _replace(self, ctx, a, site, statement, queries, what, applicability, keys, per_row=1,  # type: ignore[no-untyped-def]
                 selected=False, others=0) -> Finding:  # fmt: skip
        """The loop becomes a loop over chunks of the keys (re-read per chunk: they are pure) running each
        per-element statement (in body order) once per chunk; an empty list runs none. `selected`: the keys of
        the elements a guard selects, computed once into a name before the loop (their count is not the list's).
        Reported without a fix when the code keeps what `Promise.all` returned (a loop returns nothing)."""
        if a.results_kept():
            kept = ("would do, but the code keeps the list `Promise.all` returns (one `undefined` per element), which "
                    "a batch does not give")  # fmt: skip
            return self._no_fix(ctx, a, site, f"{what.split(' (unsafe')[0]} {kept}")
        comments = [ctx.text(c) for c in a.loop.body.named_children if c.type == "comment"]
        start = fresh_name(enclosing_function(a.loop.node), a.loop.node, "start")
        declare, declared, length = "", keys, a.length_text()
        if selected:
            # The guards and the `if` go: every comment of the body but the query's own moves into the new loop.
            comments = [ctx.text(c) for c in descendants_of_type(a.loop.body, "comment") if not _inside(c, site.query)]
            wanted = _list_name(keys) + "To" + (_site_method(ctx, site) or "Write")
            declare = fresh_name(enclosing_function(a.loop.node), a.loop.node, wanted)
            keys, length = declare, f"{declare}.length"
        size = max(1, batching.chunk_size(ctx.project, ctx.parsed, others) // per_row)

        def rendered(keys: str, declare: str, length: str) -> tuple[str, str]:
            chunk = f"{keys if re.fullmatch(PRIMARY, keys) else f'({keys})'}.slice({start}, {start} + {size})"
            text = ctx.render(
                "query_in_loop/batched_write.ts.j2",
                statement,
                declare=declare,
                declared=declared,
                length=length,
                start=start,
                size=size,
                comments=comments,
                queries=[
                    reindent(q.replace(CHUNK, chunk), ctx.indent_at(site.query), ctx.style.indent_unit) for q in queries
                ],
            )
            return text, chunk

        text, chunk = rendered(keys, declare, length)
        if not declare and text.count(chunk) != 1 and not re.fullmatch(r"[\w$.]+", keys):
            # The key list is an expression the print width broke across lines (`organizations\n.map(…)\n.slice(…)`,
            # dokploy webhook.ts) or that several statements use (homarr onboard-router.ts: two deletes, each
            # mapping `existingItems` per chunk): computed once into a name before the loop, as a guard's keys are,
            # it reads as one `ids.slice(…)` (the expression is pure: the same keys, once instead of per statement).
            declare = fresh_name(enclosing_function(a.loop.node), a.loop.node, _hoisted_name(ctx, a, keys))
            text, chunk = rendered(declare, declare, f"{declare}.length")
        imports = {"inArray"} if any("inArray(" in query for query in queries) else set()
        edits = [Edit(statement.start_byte, statement.end_byte, text)]
        awaiting = a.awaiting_statement() if a.loop.awaited is not None else None
        if awaiting is not None:  # `await Promise.all(ps);` of a map built first goes with it: the batch awaits
            edits.append(_statement_removal(ctx, awaiting))
        return self._fix(ctx, a, edits, what, applicability, imports)

    def _hoist(self, ctx, a, site, query, suffix, default, lookup, what, group, batch, map_key="", why=None):  # type: ignore[no-untyped-def]
        """The batch runs before the loop, a chunk of keys per statement through the file's `inChunks` helper
        (rows, or a map by key when `group` is set); each iteration looks its result up (`lookup`, with `{}` for
        the batch's name) instead of querying."""
        statement = a.statement()
        if statement is None or not a.unconditional(site) or not a.local_effects_only(a.loop.statements,
                                                                                       site.expression):  # fmt: skip
            return None  # other effects interleaved, exits decided by results, other awaits: never
        name = _batch_name(ctx, a, site, suffix, default)
        helper, missing = batching.chunk_helper(ctx.parsed)
        chunk = fresh_name(enclosing_function(a.loop.node), a.loop.node, "chunk")
        template = "query_in_loop/batched_rows.ts.j2" if group is None else "query_in_loop/grouped_rows.ts.j2"
        size = max(1, batching.chunk_size(ctx.project, ctx.parsed, batch.others) // batch.per_row)
        query = query.replace(CHUNK, chunk)
        unit, indent, layout = ctx.style.indent_unit, ctx.indent_at(statement), "one-line"
        semi = ";" if ctx.style.semicolons else ""
        head = f"{indent}const {name} = await {helper}({batch.keys}, {size}, ({chunk}) =>"
        first, spread = query.split("\n")[0], "\n" in query
        # A query over several lines (`db` / `.select({` …) cannot print flat after the arrow: the formatters hug the
        # arrow and put its body on the next line (agents organizations.ts:383), as for a body that does not fit.
        hugged = spread and ctx.style.formatter is not None and ctx.style.fits(head)
        if group is None and (hugged or not ctx.style.fits(f"{head} {first}" + ("" if spread else f"){semi}"))):
            # As the formatters print a call that does not fit (dokploy webhook.ts:374): the arrow hugged, its body
            # one level deeper, when the other arguments fit before it; else one argument per line, the arrow's body
            # on its line when it is one line that fits there, else one level under the arrow.
            if ctx.style.fits(head):
                layout = "hug"
            elif not spread and ctx.style.fits(f"{indent}{unit}({chunk}) => {query},"):
                layout = "arguments"
            else:
                layout = "arrow-body"
        deeper = {"hug": unit, "arrow-body": unit * 2}.get(layout, "" if group is None else unit)
        text = ctx.render(
            template,
            statement,
            batch=name,
            helper=helper,
            keys=batch.keys,
            size=size,
            chunk=chunk,
            group=group,
            map_key=map_key,
            layout=layout,
            comma="," if ctx.style.trailing_commas else "",
            query=reindent(query, "", deeper),
        )
        edits = [
            Edit(statement.start_byte, statement.start_byte, text + ctx.style.newline + ctx.indent_at(statement)),
            _lookup_edit(ctx, site.expression, lookup.replace("{}", name), statement.start_byte),
        ]
        if missing:  # the helper goes at the end of the file, once
            end = len(ctx.source.rstrip())
            edits.append(Edit(end, end, ctx.style.newline + _in_chunks_helper(ctx, helper)))
        imports = ({"inArray"} if "inArray(" in query else set()) | ({"count"} if group == "" else set())
        if why is not None and batch.keys:
            why = f"{why}; one statement per {size} keys"
        return self._fix(ctx, a, edits, what if why is None else f"{what} (unsafe: {why})", Applicability.UNSAFE,
                         imports)  # fmt: skip

    def _helper(self, ctx: FileContext, a: LoopAnalysis, site: QuerySite, beside: str = "") -> Finding | None:
        """A DAL helper called per element (seed 003: `getAllEvents` -> `getEventWithRelations`): display-only.
        `beside` ends the advice when the loop does other I/O as well (`_read_beside_io`)."""
        call = site.query
        arguments = call.child_by_field_name("arguments") if call.type == "call_expression" else None
        values = arguments.named_children if arguments is not None else []
        keyed = [i for i, n in enumerate(values) if a.element_suffix(n) is not None]
        if a.loop.pattern is None or _calls_itself(ctx, call):
            return None
        if call.type == "call_expression" and ctx.project.summaries.callee(ctx.parsed, call) is None:
            return self._aliased_helper(ctx, a, site, call)
        if not keyed:
            return self._helper_given_fields(ctx, a, site, call, values, beside)
        if a.runs_at_most_once(site):
            return None  # the loop leaves right after the call: it runs once, not once per element
        hint = batching.helper_batch_shape(ctx.project, ctx.parsed, call, keyed)
        if not hint.queries:  # not a function of the project that queries
            return None
        if hint.raw_only:  # the element is SQL text (a table name): no one statement serves every element
            return None
        if batching.iterates_over_tables(ctx.project, ctx.parsed, a.loop.iterable):
            return None  # each element names a table the helper reads: no one statement serves every element
        element = ctx.text(values[keyed[0]])
        helper = ctx.text(call.child_by_field_name("function") or call)
        count = f"{hint.queries} quer{'y' if hint.queries == 1 else 'ies'}"
        if hint.readers:  # reads through helpers it calls: not in its own count
            shown = " and ".join(f"`{name}`" for name in hint.readers[:2]) + (" and more" if len(
                hint.readers) > 2 else "")  # fmt: skip
            count += f", plus what {shown} read{'s' if len(hint.readers) == 1 else ''}"
        isolated = "; each call has its own `try`/`catch`: in a batch one element's failure would fail them all" if (
            a.in_try(site)) else ""  # fmt: skip
        if beside and not hint.columns:
            return None  # beside other I/O, only a read keyed by a column of the element's is worth its prefetch
        if not hint.uses:
            return self._no_fix(ctx, a, site, f"`{helper}` ({count}) runs once per element, but its queries do not "
                                f"use `{element}`: the same query runs each time; read once before the loop and "
                                f"check each element in memory{isolated}")  # fmt: skip
        threaded = _threaded_state(ctx, site, values)
        if threaded is not None:
            return self._no_fix(ctx, a, site, f"`{helper}` ({count}) runs once per element, each call taking the "
                                f"`{threaded}` the previous one returned: the calls depend on each other in order, "
                                f"so a batch means rewriting the helper to fold `{threaded}` itself"
                                f"{isolated}")  # fmt: skip
        touched = "load" if _reads(hint.methods) else "touch"
        early = f"; the loop can stop early, so a batch would also {touched} rows for elements it never reaches" if (
            a.may_stop_early()) else ""  # fmt: skip
        limited = _limited(batching.helper_limited_read(ctx.project, ctx.parsed, call, keyed[0]), hint.queries) if (
            len(keyed) == 1) else None  # fmt: skip
        batched = _batch_phrase(ctx, a, hint, values, keyed, limited)
        return self._no_fix(ctx, a, site, f"`{helper}` ({count}) runs once per element; a batched variant would "
                            f"{batched}{_unclassified_note(hint)}{beside}{early}{isolated}")  # fmt: skip

    def _aliased_helper(self, ctx: FileContext, a: LoopAnalysis, site: QuerySite, call: Node) -> Finding | None:
        """A helper chosen once before the loop, `const f = c ? a : b`, and called per element with its values
        (agents' `getAgentFn(db)({ scopes: { …, agentId: agent.id } })`, `getAgentFn` one of two loaders):
        display-only when both are project functions that only read. A batch would need a batched variant of
        each."""
        function = unwrap(call.child_by_field_name("function") or call)
        curried = function.type == "call_expression"  # `f(db)(…)`: the function `f` returns runs the queries
        if curried:
            function = unwrap(function.child_by_field_name("function") or function)
        declarator = a.declaration_of(function) if function.type == "identifier" else None
        holder = declarator.parent if declarator is not None else None
        value = declarator.child_by_field_name("value") if declarator is not None else None
        value = unwrap(value) if value is not None else None
        if holder is None or holder.type != "lexical_declaration" or ctx.text(holder.children[0]) != "const" or (
                value is None or value.type != "ternary_expression") or _inside(holder, a.loop.node):  # fmt: skip
            return None
        branches = [value.child_by_field_name("consequence"), value.child_by_field_name("alternative")]
        names = []
        for branch in branches:
            chosen = unwrap(branch) if branch is not None else None
            if chosen is None or chosen.type != "identifier":
                return None
            found = ctx.project.summaries._top_level(ctx.parsed.path, ctx.text(chosen))
            target = (found[0], found[1] + (RETURNED if curried else "")) if found is not None else None
            effect = ctx.project.summaries.function_effect(*target) if target is not None else None
            tables = batching.function_tables(ctx.project, target) if target is not None and effect in (
                "read", "unknown") else None  # fmt: skip
            if tables is None or tables.written or not tables.read:
                return None  # unknown: a call in it dalfix cannot classify, but every query it runs only reads
            names.append(ctx.text(chosen))
        arguments = call.child_by_field_name("arguments")
        if arguments is None or not a.varies_with_element(arguments, site.query) or a.runs_at_most_once(site):
            return None
        condition = " ".join(ctx.text(value.child_by_field_name("condition") or value).split())
        isolated = "; each call has its own `try`/`catch`: in a batch one element's failure would fail them all" if (
            a.in_try(site)) else ""  # fmt: skip
        return self._no_fix(ctx, a, site, f"`{ctx.text(function)}` (`{names[0]}` or `{names[1]}`, by `{condition}`, "
                            "both reads) runs once per element with values from it; a batched variant of each would "
                            f"load every element's rows at once, called once before the loop{isolated}")  # fmt: skip

    def _helper_given_fields(
        self, ctx: FileContext, a: LoopAnalysis, site: QuerySite, call: Node, values: list[Node], beside: str = ""
    ) -> Finding | None:
        """A DAL helper handed an object whose fields come from the element — directly or through names the body
        computed from it (`const user = byEmail.get(email)`; `removeGrant({ userId: user.id, … })`): display-only,
        naming the fields and, when the helper's module exports one, its batched variant."""
        derived = a.derived_names(site.query)
        found = None
        spread: Node | None = None
        for index, value in enumerate(values):
            value = unwrap(value)
            if value.type == "object":
                fields = [
                    (key, item)
                    for key, item in _object_fields(ctx, value)
                    if a.analyzer.free_reads(item) & derived
                    and batching.helper_field_reaches(ctx.project, ctx.parsed, call, index, key)
                ]
                # `{ ...rest, parentId }` with `rest` the element or taken from it: every field comes with it
                spread = next((c for c in value.named_children if c.type == "spread_element"
                               and a.analyzer.free_reads(c) & derived), None)  # fmt: skip
            elif value.type == "identifier" and ctx.text(value) in derived - a.element_names:
                fields = []  # an object built in the body from the element (`const params = { … }`)
            else:
                continue
            if value.type == "object" and not fields and spread is None:
                continue
            found = (index, value, fields)
            break
        if found is None or a.runs_at_most_once(site):
            return None
        index, value, fields = found
        queries, _, uses = batching.helper_batch_hint(ctx.project, ctx.parsed, call, index)
        if not queries or not uses or not batching.helper_builds_queries(ctx.project, ctx.parsed, call):
            return None  # no query, none using the object, or raw SQL only (a Dolt procedure per table name)
        helper = ctx.text(call.child_by_field_name("function") or call)
        count = f"{queries} quer{'y' if queries == 1 else 'ies'}"
        shown = [f"`{key}`" for key, _ in fields[:3]] + ([f"{len(fields) - 3} more"] if len(fields) > 3 else [])
        names = ", ".join(shown) or "values"
        if fields:
            given = f"with {names} from each element"
        elif spread is not None:
            names = f"`{ctx.text(spread.named_children[0]) if spread.named_children else ctx.text(spread)}`"
            given = f"with the fields of {names} from each element"
        else:
            given = f"with `{ctx.text(value)}` built from each element"
        single = fields[0][0] if len(fields) == 1 else None
        # One column is named only for a helper of one query: with several, it would be one statement's column.
        column = batching.helper_field_column(ctx.project, ctx.parsed, call, index, single) if (
            single and queries == 1) else None  # fmt: skip
        hint = batching.helper_batch_shape(ctx.project, ctx.parsed, call, [index])
        limited = _limited(batching.helper_limited_read(ctx.project, ctx.parsed, call, index, single), queries)
        target = f"`.where(inArray({column[0]}, …))` over every element's {names}" if column is not None else None
        # Several fields are a key together for a read or a delete; an update's may be SET values as well.
        several = f"every element's {names} together" if len(fields) > 1 and not {"update", "insert"} & (
            hint.methods) else None  # fmt: skip
        batched = _batch_phrase_for(hint.methods, hint.writers, target, f"every element's {names}", several,
                                    limited, hint.upserts)  # fmt: skip
        variant = batching.batch_variant(ctx.project, ctx.parsed, call)
        exported = f"; its module already exports `{variant}`" if variant is not None else ""
        touched = "load" if _reads(hint.methods) else "touch"
        early = f"; the loop can stop early, so a batch would also {touched} rows for elements it never reaches" if (
            a.may_stop_early()) else ""  # fmt: skip
        isolated = "; each call has its own `try`/`catch`: in a batch one element's failure would fail them all" if (
            a.in_try(site)) else ""  # fmt: skip
        return self._no_fix(ctx, a, site, f"`{helper}` ({count}) runs once per element, {given}; a batched variant "
                            f"would {batched}{_unclassified_note(hint)}{exported}{beside}"
                            f"{early}{isolated}")  # fmt: skip

    def _read_beside_io(self, ctx: FileContext, a: LoopAnalysis) -> Finding | None:
        """A read keyed by the element in a loop whose body awaits other I/O too (a queue, an email, a write to
        other tables; midday's insight dispatch: `getInsightByPeriod(db, { teamId: team.id, … })`, `continue` on a
        hit, then `insightsQueue.add(…)`), which keeps the loop whole: the read alone can be loaded for every element
        before the loop with one `inArray` read and looked up per element. Only when the loop writes none of the
        tables the read reads (a helper's tables by its body, `batching.helper_tables`): otherwise an iteration
        may read what an earlier one wrote. Display-only: the lookup replaces the read's result by hand, and the
        body's other I/O now runs after every element's read instead of between them."""
        if a.loop.pattern is None or a.loop.kind == "while-index" or unwrap(a.loop.iterable).type == "array":
            return None  # a list written out in the code (`["slack", "telegram"]`): a few fixed values
        if ctx.source.count(b"await", a.loop.body.start_byte, a.loop.body.end_byte) < 2:
            return None  # a read and other I/O need two awaits
        project, parsed = ctx.project, ctx.parsed
        candidates: list[tuple[Node, Node, QueryChain | None]] = []  # (await, query or call, its chain)
        written: set[str] = set()
        others: list[Node] = []  # awaits that are not reads: the I/O that keeps the loop whole
        unknown: str | None = None  # the first awaited call dalfix cannot classify
        for statement in a.loop.statements:
            for node in outside_closures(statement, "await_expression"):
                inner = unwrap(node.named_children[0]) if node.named_children else None
                if inner is None:
                    return None
                chain = ctx.vocabulary.query_chain(inner)
                if chain is not None and chain.node.start_byte == inner.start_byte:
                    if chain.kind == "read":
                        candidates.append((node, inner, chain))
                        continue
                    table = batching.written_table(project, parsed, chain)
                    if table is None:
                        return None  # a transaction, raw SQL: which tables, dalfix cannot say
                    written.add(table)
                    others.append(node)
                    continue
                effect = a.analyzer.effects(node).db
                if effect in ("read", "write") and inner.type == "call_expression":
                    summary = batching.helper_tables(project, parsed, inner)
                    if summary is None:
                        return None
                    written |= summary.written
                    if effect == "read":
                        candidates.append((node, inner, None))
                        continue
                elif effect == "transaction" or (effect != "none" and _may_reach_database(ctx, a, inner)):
                    return None  # a project function dalfix cannot follow, or one handed the handle: it may write
                if effect == "unknown" and unknown is None:
                    unknown = _call_name(ctx, inner)
                others.append(node)
        if not others:
            return None  # reads only: `_several_reads` and the single-read paths speak for them
        for node, query, chain in candidates:
            if a.in_nested_loop(node) or not a.varies_with_element(query, node):
                continue
            if chain is not None:
                tables = batching.read_tables(project, parsed, chain)
                if tables is None and not written:  # tables dalfix cannot find in the schema, and no write at all
                    tables = frozenset(_read_tables(ctx, chain) or ())
            else:
                found = batching.helper_tables(project, parsed, query)
                tables = found.read if found is not None else None
            if not tables or tables & written:
                continue
            site = QuerySite(_statement_of(node, a.loop.body), node, query)
            if a.runs_at_most_once(site):
                continue
            shown = ", ".join(f"`{t}`" for t in sorted(tables))
            io = _call_name(ctx, unwrap(others[0].named_children[0]))
            unsure = f"; check that `{unknown}`, which dalfix cannot follow, does not either" if unknown else ""
            beside = (f"; the loop also awaits other I/O (`{io}`), so only this read moves: load it before the loop "
                      f"and look each element's rows up (the loop writes none of {shown}{unsure})")  # fmt: skip
            if chain is None and batching.helper_batch_shape(project, parsed, query, []).queries:
                return self._helper(ctx, a, site, beside)
            if chain is None:  # a helper whose queries sit in the helpers it calls
                helper = _call_name(ctx, query)
                isolated = "; each call has its own `try`/`catch`: in a batch one element's failure would fail them "\
                    "all" if a.in_try(site) else ""  # fmt: skip
                return self._no_fix(ctx, a, site, f"`{helper}` reads {shown} once per element, with values from it "
                                    "(through the helpers it calls); a batched variant would load every element's "
                                    f"rows with one `inArray` read{beside}{isolated}")  # fmt: skip
            return self._beside_select(ctx, a, site, chain, beside)
        return None

    def _parent_insert(self, ctx: FileContext, a: LoopAnalysis) -> Finding | None:
        """An insert per element whose returned row the iteration's later inserts use (kan's Trello import: a list
        `.returning()` its id, then the list's cards with `listId: newList.id`): a hierarchy, one parent at a time.
        Display-only: all parents can go in one multi-row insert `returning` their ids, but the ids must be matched
        back to elements by a value the rows carry (a natural key, an import id), never by position: PostgreSQL
        returns the rows of `INSERT … VALUES … RETURNING` in VALUES order in practice, without promising it."""
        if ctx.source.count(b"await", a.loop.body.start_byte, a.loop.body.end_byte) < 2:
            return None  # a parent and a child need two awaits
        parent: tuple[Node, Node | None, str] | None = None  # (await, the bound name's declaration, parent table)
        names: set[str] = set()
        children: list[str] = []
        for node in descendants_of_type(a.loop.body, "await_expression"):
            if not node.named_children or enclosing_function(node) != enclosing_function(a.loop.body):
                continue  # an await in a callback inside the body: it runs elsewhere
            inner = unwrap(node.named_children[0])
            table = _inserted_table(ctx, a, inner)
            if parent is None:
                if table is None:
                    if a.analyzer.effects(node).db not in ("none", "read") or a.in_nested_loop(node):
                        return None  # a write before the parent's insert: another shape
                    continue
                declaration = node.parent
                pattern = declaration.child_by_field_name("name") if declaration is not None and (
                    declaration.type == "variable_declarator") else None  # fmt: skip
                if pattern is None or a.in_nested_loop(node) or not _returns_rows(ctx, inner):
                    return None
                if a.analyzer.free_reads(inner) & (a.variant - a.derived_names(inner)):
                    return None  # it takes what an earlier iteration left (`parentId: previous.id`): a chain
                parent, names = (node, declaration, table), set(a.analyzer.pattern_names(pattern))
                names |= _derived_from(ctx, a, names, node)
                continue
            if table is not None and a.analyzer.free_reads(inner) & names:
                children.append(table)
        if parent is None or not children:
            return None
        node, _, table = parent
        site = QuerySite(_statement_of(node, a.loop.body), node, unwrap(node.named_children[0]))
        if a.runs_at_most_once(site):
            return None
        shown = ", ".join(f"`{t}`" for t in dict.fromkeys(children))
        return self._no_fix(ctx, a, site, f"an insert into `{table}` per element, whose returned row the iteration's "
                            f"inserts into {shown} use: insert every element's `{table}` row in one multi-row "
                            "`values([…]).returning(…)`, match the new ids back to the elements by a value the rows "
                            "carry (a natural key, an import id; not by position, which RETURNING does not promise), "
                            "then insert the children of all elements at once")  # fmt: skip

    def _beside_select(self, ctx: FileContext, a: LoopAnalysis, site: QuerySite, chain: QueryChain,
                       beside: str) -> Finding | None:  # fmt: skip
        """A direct read keyed by the element, beside the body's other I/O (`_read_beside_io`)."""
        if chain.method in ("findFirst", "findMany") and len(chain.links) == 3:
            where = (batching.relational_options(chain) or {}).get("where")
        else:
            where = next(iter(chain_arguments(chain).get("where", [])), None)
        key = a.keyed_condition(where, a.analyzer.imports) if where is not None else None
        if key is None:
            return None
        isolated = "; each iteration has its own `try`/`catch`: a failing batch would fail them all" if (
            a.in_try(site)) else ""  # fmt: skip
        early = "; the loop can stop early, so a batch would also load rows for elements it never reaches" if (
            a.may_stop_early()) else ""  # fmt: skip
        limited = " (each key keeping the rows its `limit` kept)" if any(
            link.name == "limit" for link in chain.links) else ""  # fmt: skip
        return self._no_fix(ctx, a, site, f"a read per element keyed by `{ctx.text(key.column)}`; one select "
                            f"`.where(inArray({ctx.text(key.column)}, …))` over every element's key would do"
                            f"{limited}{beside}{early}{isolated}")  # fmt: skip

    def _invariant_read(self, ctx: FileContext, a: LoopAnalysis) -> Finding | None:
        """A read in the body that no iteration changes (its query reads neither the element nor any name the body
        binds or changes), in a loop that writes no table it reads: the same rows come back every time, so one read
        before the loop does (display-only: with an empty list the loop never read). A body that calls what dalfix
        cannot classify may write them: the message says so."""
        if a.loop.kind == "while-index" or a.may_stop_early(throws=False):
            return None  # a loop that leaves when a read says so polls: the rows it waits for may change
        reads: list[tuple[Node, QueryChain]] = []
        helpers: list[tuple[Node, Node]] = []
        written: set[str] = set()
        unknown = False
        for statement in a.loop.statements:
            for node in outside_closures(statement, "await_expression"):
                inner = unwrap(node.named_children[0]) if node.named_children else None
                chain = ctx.vocabulary.query_chain(inner) if inner is not None else None
                if chain is None or chain.node.start_byte != (inner.start_byte if inner is not None else -1):
                    effect = a.analyzer.effects(node).db
                    if effect in ("write", "transaction"):
                        return None  # a helper writes: which tables, dalfix does not say here
                    if effect == "read" and inner is not None and inner.type == "call_expression":
                        helpers.append((node, inner))  # `findGithubById(id)`: a project function that only reads
                    unknown = unknown or effect == "unknown"
                    continue
                if chain.kind == "read":
                    if not a.in_nested_loop(node):
                        reads.append((node, chain))
                    continue
                if chain.kind != "write":
                    return None
                target = chain_arguments(chain).get(chain.method) or []
                if len(target) != 1:
                    return None
                written.add(ctx.text(target[0]))
        for node, chain in reads:
            query = chain.node
            if a.analyzer.free_reads(query) & a.variant or a.analyzer.effects(query).awaits:
                continue
            tables = _read_tables(ctx, chain)
            if tables is None or tables & written:
                continue
            site = QuerySite(_statement_of(node, a.loop.body), node, query)
            if a.runs_at_most_once(site):
                continue
            shown = ", ".join(f"`{t}`" for t in sorted(tables))
            unsure = "; the loop also calls what dalfix cannot classify: check it writes none of those rows" if (
                unknown) else ""  # fmt: skip
            return self._no_fix(ctx, a, site, f"a read of {shown} returns the same rows in every iteration (its "
                                "query uses nothing the loop changes, and the loop writes none of its tables): read "
                                f"{_once(a, node, site.statement)}{unsure}")  # fmt: skip
        for node, call in helpers if not written else []:  # a helper's tables are not listed: no write at all
            if a.analyzer.free_reads(call) & a.variant or a.in_nested_loop(node):
                continue
            site = QuerySite(_statement_of(node, a.loop.body), node, call)
            if a.runs_at_most_once(site):
                continue
            shown = " ".join(ctx.text(call).split())
            if len(shown) > 60:
                shown = " ".join(ctx.text(call.child_by_field_name("function") or call).split()) + "(…)"
            unsure = "; the loop also calls what dalfix cannot classify: check it writes none of those rows" if (
                unknown) else ""  # fmt: skip
            return self._no_fix(ctx, a, site, f"`{shown}` only reads, with arguments no iteration changes, and the "
                                "loop writes nothing: it returns the same rows every time; call it "
                                f"{_once(a, node, site.statement)}{unsure}")  # fmt: skip
        return None

    def _no_fix(self, ctx: FileContext, a: LoopAnalysis, site: QuerySite, why: str) -> Finding:
        return ctx.finding(self, site.statement, f"{why} (loop over `{ctx.text(a.loop.iterable)}`)",
                           applicability=Applicability.DISPLAY_ONLY)  # fmt: skip

    def _fix(self, ctx, a, edits, what, applicability, imports) -> Finding:  # type: ignore[no-untyped-def]
        message = f"A query runs once per element of `{ctx.text(a.loop.iterable)}`; use {what}"
        if a.sequential_on_purpose():  # the author silenced no-await-in-loop: a human decides
            message += " (no-await-in-loop is disabled here: check the order was not meant)"
            applicability = max(applicability, Applicability.UNSAFE, key=lambda a: a.rank)
        return ctx.finding(self, a.loop.node, message, edits, applicability,
                           frozenset((a.drizzle_source, name) for name in imports), ("N statements -> 1",))  # fmt: skip


# Integer columns: the database converts a key handed as text (`"5"`) before comparing; JS `===` does not.
_INTEGER_TYPES = frozenset({"integer", "int", "int2", "int4", "int8", "smallint", "bigint", "mediumint", "tinyint",
                            "serial", "smallserial", "bigserial"})  # fmt: skip


def _batch_risks(ctx: FileContext, column: Node, facts: KeyColumn | None, compare: str, limited: bool, latest: bool,
                 ordered: bool, listed: bool = False, grouped: bool = False) -> str:  # fmt: skip
    """What a select batch may change, for the unsafe message: how rows are matched back to keys (against how the
    database compares the key column), a per-key `limit(1)` dropped (or kept per key by DISTINCT ON), and the order
    of a key's rows (`listed`: each iteration takes all its key's rows; `grouped`: a number per key, no rows)."""
    shown = " ".join(ctx.text(column).split())
    if facts is None:
        risks = [f"rows are matched back to keys with `===`, and dalfix cannot find `{shown}` in the schema: a key "
                 "the database reads in another form would be missed"]  # fmt: skip
    elif compare == "uuid":
        risks = [f"rows are matched back by the uuid's hex digits in lower case, as PostgreSQL compares `{shown}`"]
        if listed:  # inChunks splits distinct keys: two spellings of one uuid may read its rows in two chunks
            risks.append("a uuid spelled two ways whose spellings land in different chunks gets its rows twice")
    elif facts.type in _INTEGER_TYPES:
        risks = [f"rows are matched back with `===`, as `{shown}` ({facts.type}) compares in the database, except that "
                 'a key handed as text (`"5"`), which the database converts, now finds no rows']  # fmt: skip
    else:
        risks = [f"rows are matched back with `===`, as `{shown}` ({facts.type}) compares in the database"]
    if grouped:
        return "; ".join(risks)
    if latest:
        risks.append("each key keeps the first row in the loop's order (rows tied on it may come back in another "
                     "order)")  # fmt: skip
    elif limited and not (facts is not None and facts.unique):
        kept = ("in the `orderBy` (rows tied on it may come back in another order)" if ordered else
                "(with no `orderBy`, not necessarily the one its own query returned)")  # fmt: skip
        risks.append(f"the per-key `limit(1)` goes: each key keeps the first of its rows {kept}")
    elif not (facts is not None and facts.unique):
        risks.append("a key's rows tied on the `orderBy` may come back in another order" if ordered else
                     "with no `orderBy`, a key's rows may come back in another order")  # fmt: skip
    return "; ".join(risks)


def _read_tables(ctx: FileContext, chain: QueryChain) -> set[str] | None:
    """The tables a read names (`batching.read_sources`), as written; None when dalfix cannot list them."""
    found = batching.read_sources(chain)
    if found is None:
        return None
    nodes, key = found
    return {key} if key is not None else {ctx.text(value) for value in nodes}


def _inserted_table(ctx: FileContext, a: LoopAnalysis, expression: Node) -> str | None:
    """The table an awaited insert writes (a chain, or a project helper whose only writes are inserts into tables
    it names), else None."""
    chain = ctx.vocabulary.query_chain(expression)
    if chain is not None:
        return batching.written_table(ctx.project, ctx.parsed, chain) if chain.method == "insert" else None
    if expression.type != "call_expression" or a.analyzer.effects(expression).db not in ("write", "unknown"):
        return None  # unknown: a call in it dalfix cannot classify (`generateUID()`); its queries are listed below
    tables = batching.helper_tables(ctx.project, ctx.parsed, expression)
    methods = batching.helper_batch_shape(ctx.project, ctx.parsed, expression, []).methods
    if tables is None or len(tables.written) != 1 or "insert" not in methods or methods & {"update", "delete"}:
        return None
    return next(iter(tables.written))


def _returns_rows(ctx: FileContext, expression: Node) -> bool:
    """An insert that hands rows back: `.returning(…)` on the chain, or a helper that returns what it inserted."""
    chain = ctx.vocabulary.query_chain(expression)
    if chain is not None:
        return any(link.name == "returning" for link in chain.links)
    called = ctx.project.summaries.called_function(ctx.parsed, expression)
    return called is not None and b"returning" in called.module.parsed.source[
        called.function.start_byte : called.function.end_byte]  # fmt: skip


def _derived_from(ctx: FileContext, a: LoopAnalysis, names: set[str], after: Node) -> set[str]:
    """Names the body binds after `after` from values that read `names` (`const newListId = newList.id`), and
    collections it fills with them (`rows.push({ cardId: created.id })`), followed to a fixed point."""
    found = set(names)
    for _ in range(3):
        before = len(found)
        for declarator in descendants_of_type(a.loop.body, "variable_declarator"):
            value, pattern = declarator.child_by_field_name("value"), declarator.child_by_field_name("name")
            if declarator.start_byte > after.end_byte and value is not None and pattern is not None and (
                    a.analyzer.free_reads(value) & found):  # fmt: skip
                found |= a.analyzer.pattern_names(pattern)
        for call in descendants_of_type(a.loop.body, "call_expression"):
            function = call.child_by_field_name("function")
            if call.start_byte < after.end_byte or function is None or function.type != "member_expression":
                continue
            receiver, method = function.child_by_field_name("object"), function.child_by_field_name("property")
            arguments = call.child_by_field_name("arguments")
            if receiver is None or method is None or receiver.type != "identifier" or arguments is None:
                continue
            if ctx.text(method) in ("push", "set", "add") and a.analyzer.free_reads(arguments) & found:
                found.add(ctx.text(receiver))
        if len(found) == before:
            break
    return found - names


def _call_name(ctx: FileContext, expression: Node) -> str:
    """`queue.add(…)` for a call (its callee, one line), else the expression's first 50 characters."""
    function = expression.child_by_field_name("function") if expression.type == "call_expression" else None
    shown = " ".join(ctx.text(function if function is not None else expression).split())
    return f"{shown}(…)" if function is not None else shown[:50]


def _may_reach_database(ctx: FileContext, a: LoopAnalysis, expression: Node) -> bool:
    """Whether an awaited expression dalfix cannot classify may reach the database: it calls a function of the
    project (`upsertSubAgent(db)(…)`, `provision({ … })`) or one the enclosing functions bind (a local closure, a
    callback parameter: either may hold the handle), or hands a database handle to a call (`db`, `tx`, `ctx.db`).
    A call into a package (`queue.add(…)`, `fetch(…)`, `sendEmail(…)`) handed no handle does not."""
    for call in [expression, *descendants_of_type(expression, "call_expression")]:
        if call.type != "call_expression":
            continue
        if ctx.project.summaries.called_function(ctx.parsed, call) is not None:
            return True
        root = unwrap(call.child_by_field_name("function") or call)
        while root.type in ("member_expression", "call_expression"):
            root = unwrap(root.child_by_field_name("object") or root.child_by_field_name("function") or root)
            if root.type not in ("member_expression", "call_expression"):
                break
        bound = a.declaration_of(root) if root.type == "identifier" else None
        if bound is not None and enclosing_function(bound) is not None:
            return True  # `await work()` for `const work = async () => { … }`, or a parameter `onEach(x)`
        arguments = call.child_by_field_name("arguments")
        for value in arguments.named_children if arguments is not None else []:
            if ctx.vocabulary.passed_handle_kind(value) is not None or _HANDLE_NAME.search(ctx.text(value)):
                return True  # a handle, or a name that says it is one (`this.#db`, `ctx.database`)
    return False


_HANDLE_NAME = re.compile(r"(^|[.#])(db|tx|trx|database|client|conn|connection)$", re.IGNORECASE)


def _once(a: LoopAnalysis, node: Node, statement: Node) -> str:
    """Where the one read goes: before the loop, or, when only some iterations reach it (it sits under a condition,
    or a statement before it may leave the iteration), the first time one does."""
    before = a.loop.statements[: a.loop.statements.index(statement)] if statement in a.loop.statements else []
    if any(a.analyzer.effects(s).exits for s in before):
        return "once, the first time an iteration reaches it (only some do)"
    body = a.loop.body
    current = node.parent
    while current is not None and current != body:
        operator = current.child_by_field_name("operator") if current.type == "binary_expression" else None
        if current.type in ("if_statement", "switch_statement", "ternary_expression", "try_statement") or (
                operator is not None and operator.type in ("&&", "||", "??")):  # fmt: skip
            return "once, the first time an iteration reaches it (only some do)"
        current = current.parent
    return "once before the loop, when the list is not empty"


def _statement_of(node: Node, body: Node) -> Node:
    """The statement of the loop body holding `node`."""
    while node.parent is not None and node.parent != body:
        node = node.parent
    return node


_READS = frozenset({"select", "selectDistinct", "selectDistinctOn", "findMany", "findFirst", "$count", "execute"})
_WRITES = {"insert": "insert", "update": "update", "delete": "delete"}


SEVERAL_KEYS = "a read per element filtered by values that change per element, not by one key an `inArray` batch uses"


def _reads(methods: frozenset[str]) -> bool:
    """Whether a helper's statements read rows (a select, a relational read, raw SQL that selects)."""
    return bool(methods - set(_WRITES) - {"execute", "transaction", "batch"})


def _limited(limited: batching.LimitedRead | None, queries: int) -> batching.LimitedRead | None:
    """The limited read worth naming: in a helper of several queries only one that needs a limit per key (that its
    one statement needs no per-key limit is a detail of a larger rewrite), and then without its column (one
    statement's column is not the batch's)."""
    if limited is None or queries == 1:
        return limited
    if limited.unique is not None or not limited.per_key:
        return None
    return dataclasses.replace(limited, column=None, maybe_unique=None)


def _unclassified_note(hint: batching.HelperHint) -> str:
    """What a batch of the helper's queries would leave out: a call in it dalfix cannot classify (dokploy's
    `deleteMount` removes a file mount's files through `deleteFileMount` before deleting the row)."""
    if not hint.unclassified:
        return ""
    return (f"; it also calls `{hint.unclassified[0]}`, which dalfix cannot classify: a batch must still do what it "
            "does for every element")  # fmt: skip


def _batch_phrase(ctx: FileContext, a: LoopAnalysis, hint: batching.HelperHint, values: list[Node],
                  keyed: list[int], limited: batching.LimitedRead | None) -> str:  # fmt: skip
    """What a batched variant of a helper called with element values as arguments would do, by its statements'
    operations and the arguments its statements compare with columns."""
    reaching = list(hint.columns.items()) or [(keyed[0], None)]
    several = None
    if len(reaching) > 1:  # a key of several arguments: every combination, never one alone (other elements' rows)
        several = "every element's combination at once (" + ", ".join(
            f"`{column}` = `{ctx.text(values[i])}`" if column else f"`{ctx.text(values[i])}`"
            for i, column in reaching) + ")"  # fmt: skip
    index, column = reaching[0]
    keys = a.mapped(ctx.text(values[index]))
    target = f"`.where(inArray({column}, {keys}))`" if column else None
    if hint.queries > 1 and several is None:  # one statement's `inArray` is not the batch: name every column
        compared = ", ".join(f"`{c}`" for c in hint.compared.get(index, ()))
        by = f" (`{ctx.text(values[index])}` is compared with {compared})" if compared else ""
        target = f"each query's rows for all of `{keys}` at once{by}"
    return _batch_phrase_for(hint.methods, hint.writers, target, f"all of `{keys}`", several, limited, hint.upserts)


def _batch_phrase_for(methods: frozenset[str], writers: tuple[str, ...], target: str | None, keys: str,
                      several: str | None, limited: batching.LimitedRead | None,
                      upserts: bool = False) -> str:  # fmt: skip
    """The batched variant's phrase after "would": the verb follows the helper's statements (insert rows; load and
    match rows back only when it reads; update / delete by key; "run" for raw SQL dalfix cannot classify), by
    `target` (a column's `inArray`), by `keys` at once, or by `several` values together; a read limited per call
    says whether `inArray` alone is exact (`limited`). `writers`: project functions the helper writes through;
    `upserts`: an insert of the helper ends `onConflictDoUpdate`."""
    writes = sorted({_WRITES[m] for m in methods if m in _WRITES})
    reads = _reads(methods)
    through = f"; it also writes through `{writers[0]}`, which a batch must cover too" if writers else ""
    if writes == ["insert"] and not reads and upserts:  # PostgreSQL 21000 when one statement hits a key twice
        return (
            "upsert every element's rows at once, one multi-row `.values([…])` per insert whose "
            "`onConflictDoUpdate` sets each column from `excluded`, the elements' keys made distinct first: one "
            "statement cannot update a row twice"
        ) + through
    if writes == ["insert"] and not reads:  # nothing is loaded: the elements are rows written
        return "insert every element's rows at once, one multi-row `.values([…])` per insert" + through
    verb = ("run its SQL" if not writes else " / ".join(writes)) if not reads else "load" if not writes else (
        "load and " + " / ".join(writes))  # fmt: skip
    back = " and match rows back by key" if reads else ""
    if verb == "run its SQL":  # raw SQL dalfix cannot classify (a procedure call): no `inArray` to point to
        return f"run one statement for {keys}{through}"
    if several is not None:
        return (f"{verb} by {several}, never by one of them alone (that would reach other elements' "
                f"rows){back}{through}")  # fmt: skip
    if limited is not None and reads:
        if limited.unique is not None or not limited.per_key:
            shown = (
                f"`.where(inArray({limited.column}, …))` for {keys}"
                if limited.column
                else f"the rows for {keys} at once"
            )
            why = (f" ({limited.unique}: one row per key, so `inArray` alone is exact, no limit per key)"
                   if limited.unique is not None else ", keeping the first row per key (the helper's `limit(1)` has "
                   "no `orderBy`: each call got any one row of its key, so `inArray` alone is exact)")  # fmt: skip
            return f"{verb} {shown}{back}{why}{through}"
        per_key = (f"{verb} {keys} at once{back} with a limit per key (the helper's query has one: a window function "
                   "or a lateral join, not `inArray` alone")  # fmt: skip
        if limited.maybe_unique is not None:
            key, missing, conditions = limited.maybe_unique
            fixes = ", ".join(f"`{c}`" for c in missing)
            per_key += (f"; unless `{conditions[0]}` fixes {fixes}: with them ({', '.join(key)}) selects one row and "
                        f"`inArray({limited.column}, …)` alone is exact")  # fmt: skip
        return per_key + ")" + through
    if target is not None:
        return f"{verb} {target}{back}{through}"
    return f"{verb} the rows for {keys} at once{back}{through}"  # "load the rows for all of `ids`", not "load for"


def _threaded_state(ctx: FileContext, site: QuerySite, values: list[Node]) -> str | None:
    """`state = await helper(…, state)`: the name a per-element call both takes and is assigned the result of."""
    node = site.query.parent
    while node is not None and node.type in ("await_expression", "parenthesized_expression", "as_expression"):
        node = node.parent
    if node is None or node.type != "assignment_expression":
        return None
    left = node.child_by_field_name("left")
    name = ctx.text(left) if left is not None and left.type == "identifier" else None
    return name if name is not None and any(ctx.text(v) == name for v in values) else None


def _hoisted_name(ctx: FileContext, a: LoopAnalysis, keys: str) -> str:
    """The name of a key list computed before the loop: after the list and the key (`userEventIds` for
    `userEvents.map((event) => event.id)`), so that two loops of one function fixed in the same round, each picking
    a name no identifier of the function uses yet, do not both declare `ids` (the example app's `deleteUser`)."""
    words = re.findall(r"[A-Za-z_$][\w$]*", ctx.text(a.loop.iterable))
    key = re.search(r"([A-Za-z_$][\w$]*)\)*$", keys)
    if not words or key is None:
        return _list_name(keys)
    word = words[-1]
    single = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    return single + key.group(1)[:1].upper() + key.group(1)[1:] + "s"


def _list_name(keys: str) -> str:
    """A name for a list of keys after the last name in its text: `ids` for `xs.map((x) => x.id)`, `allIds` for
    `Array.from(ids)`, `rows` otherwise."""
    match = re.search(r"([A-Za-z_$][\w$]*)\)*$", keys)
    if match is None:
        return "rows"
    word = match.group(1)
    return "all" + word[:1].upper() + word[1:] if word.endswith("s") else word + "s"


def _statement_removal(ctx: FileContext, statement: Node) -> Edit:
    """An edit removing `statement` with its line (from the end of the line before, so the blank lines around it
    stay as they were). Comments stay: those above it then sit above what follows, a trailing one on a line of its
    own."""
    trailing = trailing_comments(statement)
    line = ctx.source.rfind(b"\n", 0, statement.start_byte)
    if trailing or ctx.source[line + 1 : statement.start_byte].strip():
        end = trailing[0].start_byte if trailing else statement.end_byte
        return Edit(statement.start_byte, end, "")
    if ctx.source[line - 1 : line] == b"\r":
        line -= 1
    return Edit(max(line, 0), statement.end_byte, "")


def _site_method(ctx: FileContext, site: QuerySite) -> str | None:
    """`Delete` / `Update` for a site's write chain."""
    chain = ctx.vocabulary.query_chain(site.query)
    return chain.method[:1].upper() + chain.method[1:] if chain is not None else None


def _calls_itself(ctx: FileContext, call: Node) -> bool:
    """`call` calls a function it is inside (`getIds(ctx, m)` per sub-matcher in `getIds`, `this.walk(child)` in
    `walk`): a recursive walk, each call taking the branch its element selects, not one query per element."""
    function = call.child_by_field_name("function") if call.type == "call_expression" else None
    if function is None:
        return False
    if function.type == "member_expression":
        target = function.child_by_field_name("object")
        if target is None or target.type != "this":
            return False
        function = function.child_by_field_name("property")
    name = ctx.text(function) if function is not None else ""
    scope = call.parent
    while scope is not None:
        if scope.type in ("function_declaration", "method_definition", "generator_function_declaration"):
            own = scope.child_by_field_name("name")
            if own is not None and ctx.text(own) == name:
                return True
        elif scope.type == "variable_declarator":
            value = scope.child_by_field_name("value")
            own = scope.child_by_field_name("name")
            if value is not None and value.type in ("arrow_function", "function_expression", "function") and (
                    own is not None and ctx.text(own) == name):  # fmt: skip
                return True
        scope = scope.parent
    return False


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte


def _relative(ctx: FileContext, site: QuerySite, query: str) -> str:
    """The query's text with its continuation lines indented relative to its first line's indentation."""
    return reindent(query, ctx.indent_at(site.query), "")


def _is_async(function: Node | None) -> bool:
    return function is not None and any(c.type == "async" for c in function.children)


def _batch_name(ctx: FileContext, a: LoopAnalysis, site: QuerySite, suffix: str, default: str) -> str:
    """A fresh name after what one iteration bound: `profileRows` for `const [profile] = …`, `allHits` for
    `const hits = …`, `statsByKey`; `default` + suffix when the binding is no plain name."""
    declarator = site.statement.named_children[0] if site.statement.type == "lexical_declaration" else None
    name = declarator.child_by_field_name("name") if declarator is not None else None
    if name is not None and name.type == "array_pattern" and len(name.named_children) == 1:
        name = name.named_children[0]
    base = ctx.text(name) if name is not None and name.type == "identifier" else default
    plural = suffix == "Rows" and base.lower().endswith(("s", "rows"))
    wanted = "all" + base[:1].upper() + base[1:] if plural else base + suffix
    return fresh_name(enclosing_function(a.loop.node), a.loop.node, wanted)


def _object_fields(ctx: FileContext, value: Node, prefix: str = "") -> list[tuple[str, Node]]:
    """(path, value) of an object literal's plain properties (`k: v` and shorthand `k`), nested objects by their
    leaves: `{ scopes: { tenantId, subAgentId: id } }` -> `scopes.tenantId`, `scopes.subAgentId`."""
    out = []
    for child in value.named_children:
        if child.type == "shorthand_property_identifier":
            out.append((prefix + ctx.text(child), child))
        elif child.type == "pair":
            key, item = child.child_by_field_name("key"), child.child_by_field_name("value")
            if key is None or item is None or key.type != "property_identifier":
                continue
            if unwrap(item).type == "object":
                out.extend(_object_fields(ctx, unwrap(item), f"{prefix}{ctx.text(key)}."))
            else:
                out.append((prefix + ctx.text(key), item))
    return out


# The helper's comment as two lines (where no formatter is configured), else wrapped at the print width.
IN_CHUNKS_COMMENT = (
    "Runs `load` on at most `size` distinct keys at a time, one statement after another, and returns the rows in",
    "order (dalfix DAL002: a statement holds a bounded number of bind parameters).",
)


def _in_chunks_helper(ctx: FileContext, helper: str) -> str:
    """The `inChunks` helper DAL002's chunked batches call, laid out as the project's formatter prints it where one
    is configured (the signature's parameters one per line, the loop's body under its head, the comment wrapped at
    the print width: dokploy's Biome at 80 columns); else as one line each, as before."""
    style = ctx.style
    semi = ";" if style.semicolons else ""
    signature = (
        f"async function {helper}<K, R>(keys: readonly K[], size: number, load: (chunk: K[]) => PromiseLike<R[]>): "
        "Promise<R[]> {"
    )
    loop = f"{style.indent_unit * 2}for (const row of await load(distinct.slice(start, start + size))) rows.push(row)"
    loop += semi
    known = style.formatter is not None
    comment = list(IN_CHUNKS_COMMENT)
    if known:
        comment = textwrap.wrap(" ".join(IN_CHUNKS_COMMENT), max(40, style.print_width - 3), break_long_words=False)
    return render_template(
        "query_in_loop/in_chunks.ts.j2",
        style,
        "",
        helper=helper,
        comment=comment,
        broken=known and not style.fits(signature),
        for_broken=known and not style.fits(loop),
        comma="," if style.trailing_commas else "",
    )


def _lookup_edit(ctx: FileContext, expression: Node, lookup: str, inserted_at: int) -> Edit:
    """The query replaced by its lookup in the batch's rows. Where a formatter is configured and the line the lookup
    lands on no longer fits (`const servers = rowsOfAll.filter((row) => row.organizationId === org.id);`), the line is
    laid out as the formatter prints it (the arrow one level deeper: dokploy's Biome at 80 columns); not when the
    batch is inserted on that line (`inserted_at`: a loop written on one line)."""
    edit = Edit(expression.start_byte, expression.end_byte, lookup)
    style = ctx.style
    if style.formatter is None:
        return edit
    source = ctx.source
    start = source.rfind(b"\n", 0, expression.start_byte) + 1
    end = source.find(b"\n", expression.end_byte)
    end = len(source) if end < 0 else end
    if end > start and source[end - 1 : end] == b"\r":
        end -= 1
    before = source[start : expression.start_byte].decode("utf-8", "surrogateescape")
    after = source[expression.end_byte : end].decode("utf-8", "surrogateescape")
    line = before + lookup + after
    if "\n" in line or style.fits(line) or not before.strip() or start <= inserted_at <= end:
        return edit
    pieces = to_width(line, style)
    if len(pieces) == 1:
        return edit
    return Edit(start, end, style.newline.join(pieces))
