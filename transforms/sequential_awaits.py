"""
## What it does
Flags independent database reads awaited one after another in the same block, and groups them into one
`await Promise.all([...])`, keeping each original binding pattern.

## Why is this bad?
Each `await` waits a full round trip before the next query is even sent. Reads that do not depend on
each other can run at the same time on separate pool connections, so the block waits for the slowest
read instead of the sum of all of them (measured 1.9× for four reads on a `pg.Pool(10)`).

A read is a Drizzle query, or a call of a project function whose summary is a read (also one curried on its
handle, `getUser(db)(id)`, unless the handle handed to it is a transaction or a single connection). Reads are
grouped by dependency: a read that needs an earlier result stays after it. Conditional reads
(`const p = c ? await q : null`, `let x = null; if (c) { [x] = await q; }`) join a group when their
condition is known before it; one whose condition needs a grouped row (`if (user?.batchId) { batch = await …; }`)
does not end the group: it stays after the `Promise.all`, in order, and later reads that do not use what it
binds still join. A call of a closure the function declares (`const build = (t) => and(eq(t.orgId, orgId), …)`, a
nested `function`, a `const`, never a `let`) is pure when its body only computes: no query, no call dalfix cannot
follow, no await or throw, nothing assigned or filled but what it declares itself (`conditions.push(eq(…))` on its
own array); its drizzle operators may come as a parameter (`ops.eq(…)`, `ops.sql.join(…)`) when every call of it
hands drizzle's own builders (`{ and, eq, sql }`) or a relational callback's operators and its name is used in no
other way. So a count and a page filtered by one such builder are grouped (unkey's keys list). Reads may be
separated by pure statements (also `Schema.safeParse(x)` on a zod
schema of the file built only from zod's own builders and checks, with no function handed to it), logging
(`console.*`, a `logger`/`log`/`*Logger`/`this.logger` call with pure arguments), calls that fill a collection the
function declares (`ids.push(x)`, `seen.add(id)` on a local `const ids = []`, `new Set()`, `new Map()`
that no grouped read reads) and guards: `if (c) throw new E(…)` or `if (c) return v;` with a pure
condition and a pure value (the branch may log first; a response built and returned, `NextResponse.json(…)` of
next/server, the fetch API's `Response.json(…)` or `new Response(…)`, is a pure value: nothing is sent until the
handler returns it). Everything moved past keeps its order, after
the `Promise.all`. Reads never move across a clock reading that may time something (`Date.now()`, `new Date()`,
`performance.now()`: a duration measured around a read would measure nothing). One that only keeps the time is
moved past like a pure statement: a `const`/`let` whose clock readings are `new Date()` or `Date.now()`
(`const issueDate = input.issueDate || new Date().toISOString()`) when nothing in the function computed from what it
binds meets another clock reading or a name bound to one in an expression (`Date.now() - started`, `end - start`),
nor is handed to a call dalfix cannot follow whose name speaks of time (`formatDistanceToNow(openedAt)`); a read that
uses it stays after it. Functions imported from date-fns that do not read the clock (`addDays`, `format`; not
`formatDistanceToNow`, `isToday`, `isPast`) are pure. Nor do reads move across a call of a project
function or class that reads the clock or assigns state declared outside it (`bump()` on a module-level counter,
`new Stopwatch()` with `startedAt = Date.now()`): its summary is then unknown. No fix is offered inside a
transaction callback (one connection), on
single-connection drivers (one `pg.Client`, PGlite, better-sqlite3, bun:sqlite), across writes, calls
dalfix cannot classify or other exits; never for a read whose query reads what a guard before it
checks (`if (!input.orgId) throw …` then `eq(t.id, input.orgId)`), past a guard with another effect
(an `await`, a call in the thrown value, an `else`), or past guards inside a `try` whose `catch` reads
the error (it could tell a guard's error from a database error). A guard that returns when a grouped read
found something ends the group, whatever it returns: one whose condition is the row being found (`if (row)`,
`if (rows.length)`, `if (rows.length > 0)`, `if (row !== undefined)`, `if (row && row.active)`), one that returns
a value when a field of the row says so (`if (member?.role === "owner") return true;`; a bare `return;` on a field,
`if (video?.status === "active") return;`, skips the work and is a guard), or one whose value reads the row
(`if (found) return found;`, `return { name: row.name }`). That is the hit path of a lookup with a fallback or
of a permission cascade (`if (direct) return { hasAccess: true };` then the group grants), usually the common
one, and the reads after it run only on a miss — grouped, every call would pay for them. A return on the miss
path (`if (!found) return null;`, `if (!row || row.deletedAt) return …`, `if (rows.length === 0) return [];`) is
a guard like a throw, and so is a throw on a found row (`if (existing) throw new Conflict()`), an error path.
(A hit returned from an `else` is no guard at all: the group ends there too.)
Like every rule, it reports nothing in
tests, seeds, migrations and scripts (`include-tests = true` opts in): a round trip there costs nothing in
production, and reads run at the same time can change what a test observes.

## Example
```ts
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { canvasFiles, canvasGraphs } from "./schema";

const db = drizzle(new Pool());

export async function getFileWithGraph(fileId: string) {
  const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.id, fileId));
  const [graph] = await db.select().from(canvasGraphs).where(eq(canvasGraphs.fileId, fileId));
  return { file, graph };
}
```

## Use instead
```ts
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { canvasFiles, canvasGraphs } from "./schema";

const db = drizzle(new Pool());

export async function getFileWithGraph(fileId: string) {
  const [[file], [graph]] = await Promise.all([
    db.select().from(canvasFiles).where(eq(canvasFiles.id, fileId)),
    db.select().from(canvasGraphs).where(eq(canvasGraphs.fileId, fileId)),
  ]);
  return { file, graph };
}
```

## Fix safety
Safe when every grouped read is a Drizzle read (`select`, `selectDistinct`, `$count`,
`query.<t>.findFirst/findMany`, `execute` of a select, inline or a `const` bound to a `sql` text that
only selects: no data-modifying CTE, `INTO`, row lock or sequence function) on a pooled database handle: reads have no
effects, none reads a name another binds, and the statements moved past are pure computations,
logging, fills of local collections no grouped read reads, conditional reads and guards, so the values bound
are the same (a clock reading that only keeps the time, moved past, keeps one about a round trip later: a difference
no caller can rely on, as for DAL002's `new Date()`; a local closure called in a read's arguments counts only when
its body only computes, so building those arguments a round trip earlier gives the same values). Without guards the
only observable differences are timing
and, when several reads fail, which rejection is thrown: a database failure's, since a Drizzle read throws
nothing else. A conditional read left after the `Promise.all` is such a
read too: the reads grouped from below it now run before it, also when it then fails, and when both fail the
group's rejection is thrown first (unsafe when it is a read only by a function's summary, as below). Two grouped
reads whose callbacks on their rows may throw errors of their own (`.then(rows => { if (!rows[0]) throw new
NotFound(); … })`, `.then(rows => rows[0].name)`) make the fix unsafe: when both throw, the one that settles first
is thrown, where the original threw the first read's.

With guards, both reads run in one `Promise.all` and the guards follow in their original order, so the same
error is thrown (or the same value returned) in every case where the original threw or returned one. Two
differences remain: a read that the original skipped because an earlier guard exited now runs (an extra read
on the guard's path), and when a *database* failure hits such a read while the earlier guard would have
thrown, the database error surfaces instead of the guard's (and logging inside the guard does not happen). A
thrown `new X(…)` with pure arguments counts as a pure exit even for a constructor dalfix does not know: it
still runs in exactly the cases it ran before, only after the reads moved up, whose results are then
dropped. The extra read decides the applicability. On PostgreSQL (or a driver whose dialect dalfix does not
know) the fix is unsafe when a read after a guard binds a value that no read before the guard bound to a
column of the same type (a condition the read takes from a name, `.where(filter)` or `and(...conditions)`,
binds values dalfix cannot place, so it counts): PostgreSQL rejects some values when it binds them (a NUL
character in text, a malformed uuid, 1.5 for an integer), so on such an input the moved read would throw a
database error where
the original threw (or returned) the guard's — a different error the code raises, not a simultaneous
failure. Literals, and names already bound the same way before the guard, cannot make that difference; MySQL
and SQLite convert what a comparison is handed. On every dialect the fix is unsafe when a read after a guard
evaluates, building its query or handing on its rows, something that may throw in JavaScript and that no read
before the guard evaluated: a call other than drizzle's own builders (`JSON.parse(raw)`, `email.toLowerCase()`), a
property of `x!` or of `xs[i]`, a `new` other than `new Date()`, a `.then` callback. Built before the guard, it would
throw where the original exited there. So is `inArray(col, list)` / `notInArray` over a list that is not an array
literal holding an element, when the project's drizzle-orm is older than 0.32.1 or its version cannot be read
(those versions throw on an empty list when the query is built; later ones render `false`). A plain property
chain (`input.user.id`) is trusted to its types, as the code around it is. The fix is unsafe, too, when a read
after a guard is not
bounded — a `findMany` with neither a `limit` nor a unique-key `where`, a `with` that loads a `many`
relation without `limit`, an aggregate (`count()`, `$count`, `groupBy`), or a select with neither a `limit`
nor equality on a unique key in its `where` (`eq` alone or inside a top-level `and`). Keys and relation
kinds come from the project's schema model; where it does not know the table, only a column named `id` is a
key and every `with` may load many rows. Unsafe, too, when a member is a read only by a function summary
(the summary of a helper in another file may be stale or miss an effect); when such a read moves above a guard,
the message also says it now runs on the guard's path and, on PostgreSQL, which value it binds that may fail
there: the call's arguments are followed into the helper's own queries to the columns they are compared with
(`getTeamMemberRole(db, teamId, input.userId)` binds `input.userId` to the uuid `usersOnTeam.userId`; also a field
of an object argument, `{ userId }` or `params.userId`), and a value a read before the guard bound to a column of
the same type is harmless, as for inline reads. A helper that computes what it binds, binds in an `sql` template
or calls another project function is not followed: the message says so. Logging moved past the reads is written
after them instead of between them.

A transaction holds one connection, so reads on a handle some caller may hand a transaction get no safe fix.
Where dalfix follows the transaction to the function (`load(tx, id)`, an alias, an object argument, a forwarded
parameter) it reads the handle as a transaction and reports nothing. Where it cannot follow it — the function
is the callback of a project helper that calls it inside `db.transaction` (`withTx(load)`, `withTx((tx) =>
load(tx, id))`), is called through `load.call`/`load.apply`/`load.bind`, with a spread (`load(...[tx, id])`),
as a method of a receiver dalfix does not resolve (every project method of that name counts), or uses `this.…` in
a class constructed with the transaction (`new Repo(tx)`) — every handle parameter it could reach is a
maybe-transaction: the finding stays, unsafe, and its message names the call the transaction came through.
A handle whose declared type admits a transaction is a maybe-transaction too, and gets no finding: a local
`const db = ctx.db ?? defaultDb` where `ctx.db` is typed `DB = DrizzleClient | DrizzleTx` (a caller may thread its
transaction through the context), as a parameter typed `Db | Tx` is. The same local with `ctx.db` typed as the
client keeps that client's kind; one with a side that is no handle (`ctx.name ?? defaultDb`) is read as before.
The first parameter of a callback handed to a project function that passes that callback to `.transaction(…)`
itself (openstatus' `withTransaction(ctx, async (tx) => …)` running `db.transaction(fn)`, also inside a retry
wrapper or on a cast handle, or `fn(db)` on a transaction the caller threaded through) is a maybe-transaction:
no finding there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from dalfix.analysis.awaited import (
    AwaitedBinding,
    Guard,
    LiteralAwaits,
    access_paths,
    awaited_binding,
    binding_effects,
    found_row_test,
    guard_of,
    literal_awaits,
    paths_overlap,
    read_is_bounded,
)
from dalfix.analysis.bound_values import (
    REJECTED_VALUE,
    bound_before,
    bound_values,
    callback_may_throw,
    helper_bound_values,
    helper_may_be_postgres,
    may_be_postgres,
    rejected_example,
    throwing_arguments,
)
from dalfix.analysis.drizzle import QueryChain, unwrap
from dalfix.analysis.effects import EffectAnalyzer, Effects, depends_on
from dalfix.analysis.loops import outside_closures
from dalfix.analysis.relational_fetches import folded_statements
from dalfix.comments import leading_comments, trailing_comments
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding, apply_edits
from dalfix.parsing import Node, descendants_of_type, enclosing_function, fresh_name
from dalfix.render import call_on_one_line, chain_on_one_line, reindent, render_template
from dalfix.rules import Rule

UNKNOWN_DRIVER_NOTE = (
    ' (unsafe: dalfix could not tell which driver the handle runs on; declare it with `driver = "..."` in'
    " dalfix.toml, see docs/drivers.md)"
)


def _unknown_driver_note(ctx: FileContext, chains: list[QueryChain]) -> str:
    """Why the handle's kind is unknown, in the words a user can act on: no driver found (declare it), or a
    driver found whose concurrency depends on what dalfix cannot read (a libSQL URL from config, a proxy)."""
    drivers = {
        driver
        for chain in chains
        for driver in ctx.vocabulary.handle_drivers_at(chain.root, chain.node)
        if driver.kind == "unknown"
    }
    whose = "the handle runs on"
    if not drivers and all(not ctx.vocabulary.handle_drivers_at(c.root, c.node) for c in chains):
        # Not followed to its definition: the drivers the application creates handles with, when all are known.
        project = ctx.project
        drivers = {d for path, d in project.defined_drivers() if path is not None and project.is_application_file(path)}
        whose = "the application's handles run on"
    names = sorted({name for driver in drivers for name in driver.driver.split("|")})
    if not names or "unknown" in names:
        return UNKNOWN_DRIVER_NOTE
    if len({d.kind for d in drivers}) > 1:
        return (
            " (unsafe: dalfix could not follow the handle to its drizzle() call, and the application's handles"
            f" run on {', '.join(names)}, which do not agree on whether two queries run at once; declare the driver"
            ' with `driver = "..."` in dalfix.toml, see docs/drivers.md)'
        )
    if names == ["libsql"]:
        return (
            f" (unsafe: {whose} libsql, where two queries run at once only on a remote URL (`libsql://`,"
            " `https://`), not on a `file:` or `:memory:` one, and dalfix could not read the URL; declare it with"
            ' `driver = "libsql-remote"` or `driver = "libsql-file"` in dalfix.toml, see docs/drivers.md)'
        )
    listed = ", ".join(names)
    return (
        f" (unsafe: {whose} {listed}, and dalfix could not tell whether two of its queries run at once or"
        ' one after the other; declare the driver with `driver = "..."` in dalfix.toml, see docs/drivers.md)'
    )


# Handles on which `Promise.all` gains nothing or is not allowed (one connection, or a transaction).
NOT_PARALLEL = frozenset({"single-connection", "synchronous", "transaction", "maybe-transaction"})


class SequentialAwaits(Rule):
    code = "DAL001"
    name = "sequential-awaits"
    message = "Independent database reads are awaited one after another; run them with `Promise.all`"
    fix_title = "Group independent reads into `Promise.all`"
    fix_availability = "sometimes"
    needles = (b"await",)
    needs_handle = True

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.project.parallel_reads_help_for(ctx.parsed):
            return
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for block in ctx.descendants("statement_block"):
            if not _may_hold_two_awaits(ctx.parsed.source, block):
                continue
            if _in_function(block) and not ctx.vocabulary.inside_transaction(block):
                yield from self._check_block(ctx, analyzer, block)

    def _check_block(self, ctx: FileContext, analyzer: EffectAnalyzer, block: Node) -> Iterator[Finding]:
        statements = [c for c in block.named_children if c.type != "comment"]
        function = enclosing_function(block)
        guards_may_move = function is not None and not _catch_inspects_error(block, function)
        units: list[_Unit | _PendingUnit] = []
        # Reads one relational query of DAL004's loads (a parent and its children), when DAL004 runs and its
        # (always unsafe) fix may be taken: one fix per pair, and one statement beats two concurrent ones. A run
        # of safe fixes only keeps DAL001's safe Promise.all.
        folded: set[int] = set()
        if Applicability.UNSAFE.allowed_by(ctx.project.fix_threshold) and any(
            rule.code == "DAL004" for rule in ctx.project.rules
        ):
            folded = folded_statements(ctx.project, ctx.parsed, ctx.vocabulary, analyzer, statements)
        index = 0
        while index < len(statements):
            if statements[index].start_byte in folded:
                units.append(_PendingUnit(statements[index], False))
                index += 1
                continue
            literal = literal_awaits(statements[index], analyzer)
            binding = awaited_binding(statements, index, analyzer) if literal is None else None
            if binding is not None and self._is_groupable(ctx, analyzer, binding):
                effects = binding_effects(binding, analyzer)
                paths = frozenset(p for node in binding.statements for p in access_paths(node, analyzer))
                units.append(_Unit(list(binding.statements), binding, effects, paths=paths))
                index += len(binding.statements)
                continue
            if literal is not None and all(self._query_groupable(ctx, analyzer, q) for q in literal.queries):
                # Only the queries run early; the rest of the statement stays where it is, after them.
                parts = [analyzer.effects(q) for q in literal.queries]
                reads = frozenset().union(*(e.reads for e in parts))
                effects = Effects(frozenset(analyzer.binds(statements[index])), reads, True, "read", frozenset(), False)
                paths = frozenset(p for q in literal.queries for p in access_paths(q, analyzer))
                units.append(_Unit([statements[index]], None, effects, paths=paths, literal=literal))
            else:
                units.append(_PendingUnit(statements[index], guards_may_move))
            index += 1

        def unit_at(position: int) -> _Unit:
            # A plain statement's effects are computed only when a read is grouped across it: most blocks hold
            # no groupable read, and their statements (nested blocks included) would each be walked for nothing.
            unit = units[position]
            if isinstance(unit, _PendingUnit):
                unit = units[position] = _movable_unit(unit.statement, analyzer, function, unit.guards_may_move)
            return unit

        start = 0
        while start < len(units):
            if units[start].binding is None and units[start].literal is None:
                start += 1
                continue
            group, moved_past, end = [start], list[int](), start
            for later in range(start + 1 if units[start].literal is None else len(units), len(units)):
                unit = unit_at(later)
                if unit.binding is None and unit.literal is None and not unit.movable:
                    break  # a barrier: a write, an unknown call, an await, or an exit that is not a guard
                if unit.guard is not None and _exits_on_a_hit(analyzer, unit.guard, [units[i] for i in group]):
                    break  # `if (found) return found;`: the reads after it are a fallback the original runs on a miss
                blocked = [unit_at(i).effects for i in group + moved_past]
                guards = [unit_at(i).guard for i in moved_past if unit_at(i).guard is not None]
                independent = not any(depends_on(unit.effects, e) for e in blocked) and not any(
                    paths_overlap(unit.paths, g.paths) for g in guards if g is not None
                )
                if unit.literal is not None:
                    if independent:  # the literal's statement comes last: it uses the reads
                        group.append(later)
                        end = later
                    break
                if (
                    unit.binding is not None
                    and independent
                    and not (
                        unit.binding.condition is not None
                        and _reads_any(analyzer, unit.binding.condition, group, units)
                    )
                ):
                    group.append(later)
                    end = later
                    continue
                moved_past.append(later)
            if sum(unit_at(i).reads for i in group) >= 2:
                yield self._finding(ctx, analyzer, units, group, [i for i in moved_past if i < end])
                start = end + 1
            else:
                start += 1

    def _is_groupable(self, ctx: FileContext, analyzer: EffectAnalyzer, binding: AwaitedBinding) -> bool:
        # The query first (a chain's kind, or a call's summary): most awaited bindings that are no groupable read
        # are writes or other calls, and their statements' effects are then never walked for this.
        if not self._query_groupable(ctx, analyzer, binding.query):
            return False
        effects = binding_effects(binding, analyzer)
        return effects.db == "read" and not effects.exits

    def _query_groupable(self, ctx: FileContext, analyzer: EffectAnalyzer, query: Node) -> bool:
        chain = ctx.vocabulary.query_chain(query)
        if chain is not None:
            serial = chain.handle_kind in ("single-connection", "synchronous")  # Promise.all gains nothing
            return chain.kind == "read" and chain.handle == "db" and not serial
        if query.type != "call_expression" or analyzer.call_effect(query) != ("read", True):
            return False
        # A helper handed its handle (`getUser(db)(…)`, `countRows(client, id)`): not one known to be serial or a
        # transaction (one connection either way).
        return not any(k in NOT_PARALLEL for k in _passed_handle_kinds(ctx, query))

    def _finding(self, ctx, analyzer, units, group, moved) -> Finding:  # type: ignore[no-untyped-def]
        members, moved_past = [units[i] for i in group], [units[i] for i in moved]
        first, last = members[0].nodes[0], members[-1].nodes[-1]
        indent = ctx.indent_at(first)
        queries = [
            (i, q) for i in group for q in (units[i].literal.queries if units[i].literal else [units[i].binding.query])
        ]
        chains = [(i, ctx.vocabulary.query_chain(q)) for i, q in queries]
        first_guard = min((i for i in moved if units[i].guard is not None), default=len(units))
        # Summary-only reads may be stale; a read the original skipped when a guard exited must be cheap.
        guarded = [c for i, c in chains if c is not None and i > first_guard]
        schema = ctx.project.schema if guarded else None
        # Why the fix is unsafe (said in the message), or None.
        unsafe: str | None = None
        if any(c is None for _, c in chains):
            unsafe = "a grouped call is a read only by its function's summary, which may be stale or miss an effect"
            hazard = _helper_binding_hazard(ctx, queries, chains, first_guard)
            if hazard is not None:
                unsafe += "; " + hazard
            racing = _throwing_helpers(ctx, queries, chains)
            if racing is not None:
                unsafe += "; " + racing
        elif any(not read_is_bounded(c, ctx.parsed, schema) for c in guarded):
            unsafe = "a read after a guard may return many rows, and now runs on the guard's path too"
        if guarded and unsafe is None and may_be_postgres(ctx.project, ctx.parsed, guarded, schema):
            # PostgreSQL may reject a bound value itself (a NUL character in text, a malformed uuid, 1.5 for an
            # integer): a read the original skipped on the guard's path would then throw instead of the guard.
            earlier = [c for i, c in chains if c is not None and i < first_guard]
            bound = {b for c in earlier for b in bound_values(ctx.parsed, c, schema) or ()}
            skipped = [bound_values(ctx.parsed, c, schema) for c in guarded]
            if any(values is None or not all(bound_before(v, bound) for v in values) for values in skipped):
                unsafe = REJECTED_VALUE
        if unsafe is None and sum(1 for _, c in chains if c is not None and callback_may_throw(ctx.parsed, c)) > 1:
            unsafe = ("two grouped reads run a callback on their rows that may throw its own error (`.then(…)`): "
                      "when both throw, the one that settles first is thrown, where the original threw the first "
                      "read's")  # fmt: skip
        if guarded and unsafe is None and (throwing := _throwing_on_the_guard_path(ctx, chains, first_guard)):
            unsafe = (f"a read after a guard evaluates `{throwing}`, which may throw in JavaScript; built before the "
                      "guard now, it would throw where the original exited at the guard")  # fmt: skip
        # A call known to be a read only through a project function's summary, moved past: the summary may be
        # stale or miss an effect, as for a summary-only read in the group.
        if unsafe is None and any(units[i].effects.by_summary for i in moved):
            unsafe = "a call moved past is a read only by its function's summary, which may be stale or miss an effect"
        # A handle a transaction may reach in a way dalfix does not follow (`withTx(load)`, `load.call(null, tx)`):
        # `Promise.all` has no place in a transaction, so never a safe fix; the finding stays, saying why.
        reasons = (_unseen_transaction(ctx, q, c) for (_, q), (_, c) in zip(queries, chains, strict=True))
        unseen = next(filter(None, reasons), None)
        if unseen is not None:
            unsafe = unseen
        # A handle whose driver dalfix could not follow may be one connection: never a safe fix.
        unknown = [chain for _, chain in chains if chain is not None and chain.handle_kind == "unknown"]
        # A helper handed a handle dalfix could not follow (`getUser(db)(id)` with `db = c.get("db")`): the same.
        handed_unknown = any(
            "unknown" in _passed_handle_kinds(ctx, query)
            for (_, query), (_, chain) in zip(queries, chains, strict=True)
            if chain is None
        )
        undeclared = bool(unknown) or handed_unknown
        driver_note = _unknown_driver_note(ctx, unknown) if undeclared else ""
        reassigned = any(u.binding is not None and _reassigned_later(analyzer, u.binding, last) for u in members)
        declaration = "let" if reassigned else "const"
        patterns: list[str] = []
        literal_names: list[str] = []
        for unit in members:
            if unit.literal is not None:
                literal_names = _literal_names(unit.literal, enclosing_function(first))
                patterns.extend(literal_names)
            else:
                patterns.append(ctx.text(unit.binding.pattern))
        layout = self._layout(ctx, indent, declaration, patterns)
        deeper = ctx.style.indent_unit if layout == "after-operator" else ""
        entries = []
        for position, unit in enumerate(members):
            comments = [] if position == 0 else [ctx.text(c) for c in leading_comments(unit.nodes[0])]
            if unit.literal is not None:
                for number, query in enumerate(unit.literal.queries):
                    expression = self._one_line(ctx, query, indent + deeper) or reindent(
                        ctx.text(query), ctx.indent_at(query), ctx.style.indent_unit
                    )
                    entries.append(
                        {
                            "expression": reindent(expression, "", deeper),
                            "comments": comments if number == 0 else [],
                            "trailing": "",
                        }
                    )
                continue
            binding = unit.binding
            plain = binding.condition is None and binding.wrapper is binding.await_node
            expression = (plain and self._one_line(ctx, binding.query, indent + deeper)) or self._entry(
                ctx, binding, indent
            )
            entries.append(
                {
                    "expression": reindent(expression, "", deeper),
                    "comments": comments,
                    "trailing": "".join(" " + ctx.text(c) for c in trailing_comments(unit.nodes[-1])),
                }
            )
        after = []
        for unit in moved_past:
            for number, node in enumerate(unit.nodes):
                if number == 0 and _blank_line_before(ctx, node):
                    after.append("")
                after.extend(reindent(ctx.text(c), indent, "") for c in leading_comments(node))
                trailing = "".join(" " + ctx.text(c) for c in trailing_comments(node))
                after.append(reindent(ctx.text(node) + trailing, indent, ""))
        if members[-1].literal is not None:  # the statement that uses the reads, with names for them
            after.append(reindent(_with_names(ctx, members[-1].literal, literal_names), indent, ""))
        if layout == "plain" and ctx.style.formatter is not None:
            # Prettier and Biome print the whole statement on one line when it fits (arrays keep no breaks).
            single = all(not e["comments"] and not e["trailing"] and "\n" not in e["expression"] for e in entries)
            joined = ", ".join(str(e["expression"]) for e in entries)
            semi = ";" if ctx.style.semicolons else ""
            if single and ctx.style.fits(
                f"{indent}{declaration} [{', '.join(patterns)}] = await Promise.all([{joined}]){semi}"
            ):
                layout = "one-line"
        end = max([last.end_byte, *(c.end_byte for c in trailing_comments(last))])
        text = ctx.render(
            "sequential_awaits/promise_all.ts.j2",
            first,
            declaration=declaration,
            patterns=patterns,
            layout=layout,
            entries=entries,
            after=after,
        )
        names, count = ", ".join(patterns), sum(u.reads for u in members)
        return ctx.finding(
            self,
            (first.start_byte, last.end_byte),
            message=f"{count} independent reads awaited in sequence ({names}); run them with `Promise.all`"
            + (
                f"{driver_note.removesuffix(')')}; and, whatever the driver, {unsafe})"
                if undeclared and unsafe
                else driver_note
                if undeclared
                else f" (unsafe: {unsafe})"
                if unsafe
                else ""
            ),
            edits=[Edit(first.start_byte, end, text)],
            applicability=Applicability.UNSAFE if unsafe or undeclared else Applicability.SAFE,
        )

    def _layout(self, ctx: FileContext, indent: str, declaration: str, patterns: list[str]) -> str:
        """How the project's formatter prints `const [a, b] = await Promise.all([` when it is too long: broken
        after `=` (the rest one level deeper) when the pattern fits, else the pattern one element per line.
        "plain" when it fits, or when dalfix does not know the formatter (the source's layout is kept)."""
        names = ", ".join(patterns)
        if ctx.style.formatter is None or "\n" in names:
            return "plain"
        if ctx.style.fits(f"{indent}{declaration} [{names}] = await Promise.all(["):
            return "plain"
        return "after-operator" if ctx.style.fits(f"{indent}{declaration} [{names}] =") else "break-patterns"

    def _one_line(self, ctx: FileContext, query: Node, indent: str) -> str | None:
        """The query as the project's formatter prints it as an array element, when dalfix knows: one line."""
        if ctx.style.formatter is None:
            return None
        joined = chain_on_one_line(query, ctx.text(query), ctx.style.formatter) or call_on_one_line(
            query, ctx.text(query), ctx.style.formatter
        )
        return joined if joined is not None and ctx.style.fits(f"{indent}{ctx.style.indent_unit}{joined},") else None

    def _entry(self, ctx: FileContext, binding: AwaitedBinding, indent: str) -> str:
        unit = ctx.style.indent_unit
        nested = unit * 2 if binding.condition is not None else unit
        text = ctx.text(binding.query)
        # A query over several lines keeps its layout relative to the line it starts on (`(\n  await db\n    .select()`,
        # `? await q({` then `      where` in a ternary), that line landing one level inside the array.
        spread = "\n" in text
        query = reindent(text, ctx.indent_at(binding.query), unit) if spread else text
        if binding.wrapper is not binding.await_node:
            # `(await q)[0] ?? null` keeps its post-processing in a `.then`.
            replaced = binding.await_node
            if replaced.parent is not None and replaced.parent.type == "parenthesized_expression":
                replaced = replaced.parent
            parameter = fresh_name(enclosing_function(binding.wrapper), binding.wrapper, "rows")
            before = ctx.source[binding.wrapper.start_byte : replaced.start_byte].decode()
            after = ctx.source[replaced.end_byte : binding.wrapper.end_byte].decode()
            if not spread:  # one line, broken to the print width where it lands
                body = reindent(before + parameter + after, indent, nested)
                query = ctx.render(
                    "sequential_awaits/then_entry.ts.j2", binding.wrapper, query=query, parameter=parameter, body=body
                ).strip()
            else:
                last = query.rsplit("\n", 1)[-1]
                # A chain laid over lines (`db` / `.select()` / … / `.all()`): `.then(…)` is one more of its calls, on
                # a line of its own at the calls' indentation, as the formatters print it.
                own_line = last.lstrip().startswith((".", "?."))
                at = last[: len(last) - len(last.lstrip())] if own_line else unit
                body = reindent(before + parameter + after, ctx.indent_at(binding.wrapper), at)
                query = render_template(
                    "sequential_awaits/then_entry.ts.j2",
                    ctx.style,
                    "",
                    query=query,
                    parameter=parameter,
                    body=body,
                    own_line=own_line,
                    at=at,
                ).strip()
        if binding.condition is None:
            return query
        default = binding.default_text if binding.default_text is not None else "undefined"
        if ctx.text(binding.pattern).startswith("["):
            default = f"[{default}]"  # `[x] = await q` destructures; so must the default
        condition = ctx.text(binding.condition)
        if binding.condition.type == "parenthesized_expression":
            condition = condition[1:-1].strip()
        multiline = "\n" in query or len(indent + unit + condition + query + default) > 80
        text = render_template(
            "sequential_awaits/conditional_entry.ts.j2",
            ctx.style,
            "",
            condition=condition,
            query=query,
            default=default,
            multiline=multiline,
        )
        return reindent(text, "", unit)  # continuation lines sit one level inside the array


def _unseen_transaction(ctx: FileContext, query: Node, chain: QueryChain | None) -> str | None:
    """Why the query's handle (a chain's root, or a handle a summarised helper is handed) may be a transaction dalfix
    did not follow to it (`Vocabulary.unseen_transaction`), or None."""
    if chain is not None:
        return ctx.vocabulary.unseen_transaction(chain.root, chain.node)
    current: Node | None = query
    while current is not None and current.type == "call_expression":
        args = current.child_by_field_name("arguments")
        for argument in args.named_children if args is not None else []:
            found = ctx.vocabulary.unseen_transaction(unwrap(argument), argument)
            if found is not None:
                return found
        current = current.child_by_field_name("function")
    return None


def _passed_handle_kinds(ctx: FileContext, call: Node) -> list[str]:
    """The kinds of the handles a call passes: its arguments, and a curried helper's first call's (`f(db)(p)`)."""
    kinds: list[str] = []
    current: Node | None = call
    while current is not None and current.type == "call_expression":
        args = current.child_by_field_name("arguments")
        for argument in args.named_children if args is not None else []:
            kind = ctx.vocabulary.passed_handle_kind(argument)
            if kind is not None:
                kinds.append(kind)
        current = current.child_by_field_name("function")
    return kinds


def _reassigned_later(analyzer: EffectAnalyzer, binding: AwaitedBinding, last: Node) -> bool:
    """A `let` whose names are assigned again after the group must stay `let`."""
    if binding.declaration != "let":
        return False
    names = analyzer.pattern_names(binding.pattern)
    function = enclosing_function(last)
    if function is None:
        return True
    later = [
        n
        for n in descendants_of_type(
            function, "assignment_expression", "augmented_assignment_expression", "update_expression"
        )
        if n.start_byte >= last.end_byte
    ]
    return any(names & analyzer.binds(n) for n in later)


@dataclass
class _Unit:
    """One statement (two for `let x; if (c) x = await q;`) of a block, as the grouping sees it."""

    nodes: list[Node]
    binding: AwaitedBinding | None  # a groupable read
    effects: Effects
    movable: bool = False  # a statement the reads may move past: pure, a guard, logging, a local fill
    guard: Guard | None = None
    paths: frozenset[str] = frozenset()  # what a read's query reads (checked against guards moved past)
    literal: LiteralAwaits | None = None  # reads awaited inside an object or array literal

    @property
    def reads(self) -> int:
        return len(self.literal.awaits) if self.literal is not None else int(self.binding is not None)


@dataclass
class _PendingUnit:
    """A statement that is neither a groupable read nor a literal of reads, its `_Unit` not computed yet."""

    statement: Node
    guards_may_move: bool
    binding: None = None
    literal: None = None


def _literal_names(literal: LiteralAwaits, function: Node | None) -> list[str]:
    """A fresh name per read of the literal: the property's name where it has one."""
    names: list[str] = []
    for key, node in zip(literal.keys, literal.awaits, strict=True):
        base = key if key is not None and key.isidentifier() else "result"
        name = fresh_name(function, node, base)
        counter = 1
        while name in names:
            counter += 1
            name = fresh_name(function, node, f"{base}{counter}")
        names.append(name)
    return names


def _with_names(ctx: FileContext, literal: LiteralAwaits, names: list[str]) -> str:
    """The literal's statement with each awaited read replaced by its name (`{ members }` for `members: await q`)."""
    statement = literal.statement
    edits = []
    for node, key, name in zip(literal.awaits, literal.keys, names, strict=True):
        replaced = node
        while replaced.parent is not None and replaced.parent.type == "parenthesized_expression":
            replaced = replaced.parent
        pair = replaced.parent
        if pair is not None and pair.type == "pair" and key == name:
            edits.append(Edit(pair.start_byte, pair.end_byte, name))
        else:
            edits.append(Edit(replaced.start_byte, replaced.end_byte, name))
    text = ctx.source[statement.start_byte : statement.end_byte]
    shifted = [Edit(e.start - statement.start_byte, e.end - statement.start_byte, e.text) for e in edits]
    trailing = "".join(" " + ctx.text(c) for c in trailing_comments(statement))
    return apply_edits(text, shifted).decode("utf-8", "surrogateescape") + trailing


def _exits_on_a_hit(analyzer: EffectAnalyzer, guard: Guard, members: list[_Unit | _PendingUnit]) -> bool:
    """Whether `guard` returns when a grouped read found something (`if (row) return { ok: true };`,
    `if (rows.length) return …`), returns a value when a field of such a row says so (`if (member?.role ===
    "owner") return true;`, not a bare `return;`) or returns a value it bound (`if (found) return found;`,
    `return { id: row.id }`).

    That exit is the path on which a read found something, the common one of a lookup with a fallback
    (`const [d] = …default…; if (d) return d; const [f] = …first…;`): grouping the fallback with it would make
    every call pay a query the original runs only on a miss, so the group ends at such a guard."""
    if guard.exit != "return":
        return False
    bound = {n for m in members if m.binding is not None for n in analyzer.pattern_names(m.binding.pattern)}
    test = found_row_test(guard.condition, bound, analyzer.text)
    if test == "row":
        return True  # `if (row) return { hasAccess: true };`: the exit is on a hit, whatever it returns
    body = guard.statement.child_by_field_name("consequence")
    exits = [body] if body is not None and body.type == "return_statement" else []
    if body is not None and body.type == "statement_block":
        exits = [c for c in body.named_children if c.type == "return_statement"]
    values = [e.named_children[0] for e in exits if e.named_children and e.named_children[0].type != "comment"]
    if not values:
        return False  # `if (video?.status === "active") return;`: skipping the work, not an answer (Cap)
    if test == "field":
        return True  # `if (member?.role === "owner") return true;`: an answer the row gave (dokploy)
    return any(bound & analyzer.free_reads(v) for v in values)


def _throwing_on_the_guard_path(
    ctx: FileContext, chains: list[tuple[int, QueryChain | None]], first_guard: int
) -> str | None:
    """The first expression a read after a guard evaluates that may throw in JavaScript (`JSON.parse(raw)`,
    `ids[0].trim()`) and that no read before the guard evaluated already (had it thrown, it would have thrown
    there): building the read before the guard would throw where the original threw or returned the guard's."""
    version = ctx.project.drizzle_version
    empty_in = version is None or version < (0, 32, 1)  # `inArray(col, [])` threw when built before 0.32.1
    earlier = {
        " ".join(ctx.text(n).split()) for i, c in chains if c is not None and i < first_guard
        for n in throwing_arguments(ctx.parsed, c, empty_in)
    }  # fmt: skip
    for i, chain in chains:
        if chain is None or i <= first_guard:
            continue
        for node in throwing_arguments(ctx.parsed, chain, empty_in):
            text = " ".join(ctx.text(node).split())
            if text not in earlier:
                return text if len(text) <= 60 else text[:57] + "..."
    return None


def _throwing_helpers(ctx: FileContext, queries, chains) -> str | None:  # type: ignore[no-untyped-def]
    """Grouped members that throw errors of their own (a finder's `throw new TRPCError({ code: "NOT_FOUND" })`,
    dokploy's `findEnvironmentById` and `findDestinationById`; a read's `.then` that throws): when two do,
    `Promise.all` throws the one that settles first, where the original threw the first's. None below two."""
    names = []
    for (_, query), (_, chain) in zip(queries, chains, strict=True):
        if chain is not None:
            if callback_may_throw(ctx.parsed, chain):
                names.append("a read's callback")
            continue
        called = ctx.project.summaries.called_function(ctx.parsed, query)
        if called is not None and outside_closures(called.function, "throw_statement"):
            names.append(f"`{' '.join(ctx.text(query.child_by_field_name('function') or query).split())}`")
    if len(names) < 2:
        return None
    return (
        f"{' and '.join(dict.fromkeys(names))} throw errors of their own: when two do, the one that settles "
        "first is thrown, where the original threw the first's"
    )


def _helper_binding_hazard(ctx: FileContext, queries, chains, first_guard: int) -> str | None:  # type: ignore[no-untyped-def]
    """What a helper read moved above a guard changes (review13 note 3, midday's deleteMember: a malformed
    `userId` the owner check rejected with a 403 reached a uuid column, a 500): it now runs on the guard's path,
    and on PostgreSQL a value its queries bind — followed from the call's arguments to the columns the helper
    compares them with — that no read before the guard bound to a column of the same type may raise a database
    error there instead of the guard's. None when no helper read moved above a guard."""
    moved = [q for (i, q), (_, c) in zip(queries, chains, strict=True) if c is None and i > first_guard]
    if not moved:
        return None
    names = [" ".join(ctx.text(call.child_by_field_name("function") or call).split()) for call in moved]
    listed = " and ".join(f"`{n}`" for n in dict.fromkeys(names))
    runs = f"{listed} now also run{'s' if len(set(names)) == 1 else ''} on the guard's path"
    schema = ctx.project.schema
    inline = [c for _, c in chains if c is not None]
    if not may_be_postgres(ctx.project, ctx.parsed, inline, schema) or not any(
        helper_may_be_postgres(ctx.project, ctx.parsed, call, schema) for call in moved
    ):
        return runs  # MySQL and SQLite convert what a comparison is handed
    earlier = [c for i, c in chains if c is not None and i < first_guard]
    bound = {b for c in earlier for b in bound_values(ctx.parsed, c, schema) or ()}
    unfollowed = []  # helper reads before the guard dalfix cannot follow: they may have bound it already
    for (i, q), (_, c) in zip(queries, chains, strict=True):
        if c is None and i < first_guard:
            before = helper_bound_values(ctx.project, ctx.parsed, q, schema)
            bound |= {(h.value, h.sql_type) for h in before or ()}
            if before is None:
                unfollowed.append(" ".join(ctx.text(q.child_by_field_name("function") or q).split()))
    for name, call in zip(names, moved, strict=True):
        values = helper_bound_values(ctx.project, ctx.parsed, call, schema)
        if values is None:
            return (f"`{name}` now also runs on the guard's path, and dalfix cannot follow what its query binds: a "
                    "value PostgreSQL rejects (a malformed uuid) would raise a database error where the guard "
                    "raised its own")  # fmt: skip
        risky = next((h for h in values if not bound_before((h.value, h.sql_type), bound)), None)
        if risky is not None:
            typed = f" ({risky.sql_type})" if risky.sql_type != "?" else ""
            unless = f", unless `{unfollowed[0]}` (not followed) bound it already" if unfollowed else ""
            return (f"`{name}` now also runs on the guard's path and binds `{risky.value}` to `{risky.column}`"
                    f"{typed}, which PostgreSQL may reject ({rejected_example(risky.sql_type)}): it would then raise "
                    f"a database error where the guard raised its own{unless}")  # fmt: skip
    which = "it binds" if len(set(names)) == 1 else "they bind"
    return f"{runs} (a read before the guard already bound the values {which})"


def _movable_unit(statement: Node, analyzer: EffectAnalyzer, function: Node | None, guards_may_move: bool) -> _Unit:
    effects = analyzer.effects(statement)
    if analyzer.samples_clock(statement):
        if function is not None and analyzer.keeps_the_time(statement, function):
            return _Unit([statement], None, effects, movable=True)  # `const issueDate = new Date().toISOString()`
        return _Unit([statement], None, effects)  # `const t0 = Date.now()`: a read moved above it is not timed
    if effects.pure:
        return _Unit([statement], None, effects, movable=True)
    guard = guard_of(statement, analyzer) if guards_may_move else None
    if guard is not None or analyzer.logging_statement(statement):
        # Neither binds anything; both stay in order with every other statement moved past the reads.
        quiet = Effects(frozenset(), effects.reads, False, "none", frozenset(), effects.conditional)
        return _Unit([statement], None, quiet, movable=True, guard=guard)
    filled = analyzer.local_collection_mutation(statement, function) if function is not None else None
    if filled is not None:
        # Filling a local collection: a write of that one name, so a read that reads it stays after it.
        own = Effects(frozenset({filled}), effects.reads, False, "none", frozenset(), effects.conditional)
        return _Unit([statement], None, own, movable=True)
    return _Unit([statement], None, effects)


def _catch_inspects_error(block: Node, function: Node) -> bool:
    """Inside a `try` whose `catch` reads the error: a guard's error and a database error are told apart."""
    current: Node | None = block
    while current is not None and current != function:
        parent = current.parent
        if parent is not None and parent.type == "try_statement" and parent.child_by_field_name("body") == current:
            handler = parent.child_by_field_name("handler")
            parameter = handler.child_by_field_name("parameter") if handler is not None else None
            body = handler.child_by_field_name("body") if handler is not None else None
            if parameter is not None and body is not None:
                names = {t.text for t in descendants_of_type(parameter, "identifier")}
                if any(
                    n.text in names for n in descendants_of_type(body, "identifier", "shorthand_property_identifier")
                ):
                    return True
        current = parent
    return False


def _blank_line_before(ctx: FileContext, node: Node) -> bool:
    previous = node.prev_sibling
    while previous is not None and previous.type == "comment":
        previous = previous.prev_sibling
    start = previous.end_byte if previous is not None else node.start_byte
    first = min([node.start_byte, *(c.start_byte for c in leading_comments(node))])
    return ctx.source.count(b"\n", start, first) >= 2


def _may_hold_two_awaits(source: bytes, block: Node) -> bool:
    """Whether the block's bytes name `await` twice. A group needs two reads, each an `await_expression` of the
    block's statements (a binding's or a literal's), whose bytes start with `await`: a block naming it fewer times
    holds no group (most blocks: guards, callbacks, loop bodies), and is not analysed."""
    return source.count(b"await", block.start_byte, block.end_byte) >= 2


def _in_function(block: Node) -> bool:
    return enclosing_function(block) is not None


def _reads_any(analyzer: EffectAnalyzer, condition: Node, group: list[int], units) -> bool:  # type: ignore[no-untyped-def]
    reads = analyzer.free_reads(condition)
    return any(reads & units[i].effects.binds for i in group)
