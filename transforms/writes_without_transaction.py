"""
## What it does
Flags two or more awaited writes on one database handle in a function, outside any transaction, and
wraps them in `db.transaction`. A write is a query that inserts, updates or deletes, or an awaited call of a
project function handed the handle (`await commentRepo.create(db, {…})`, `await upsertTool(db)(…)`) that
certainly writes through it (an insert, update, delete or literal DML on its parameter, followed down four
calls) and queries no handle of its own.

The statements from the first write to the last go into `await db.transaction(async (tx) => { … })`,
every use of the handle inside renamed to `tx` (also where it is passed to a project function, directly
or to a helper curried on it: `h(db)(ids)` becomes `h(tx)(ids)`), unless that helper also names a handle of
its own module (`pooled.delete(…)` beside the `_db` it is handed), or calls a querying project function without
handing it the handle (`purgeReplies(ids)` on its module's pool), followed down four calls: such a statement would
run outside the transaction, waiting on the rows the transaction locked, so there is no fix. Nor is there
one when such a helper (or one it hands the handle) has a `try`, chains `.then`/`.catch`, or runs
queries at once with `Promise.all` (inside a transaction a caught error aborts every later statement, and
its one connection runs one query at a time), or when it declares the handle's parameter as the client's own
type, which a transaction does not satisfy: `typeof db`, `Awaited<ReturnType<typeof connectDb>>`, or a type
naming `$client` (followed through two aliases) — the rewrite would not type-check until the parameter admits
a transaction (`NodePgDatabase<S>`, `PgDatabase<…>`, `Db | Tx`).

## Why is this bad?
Writes that belong together (clear the old default, then insert the new one; insert a referral, then bump
two counters) leave the data half-changed when a later one fails: the first write stays, the counters
disagree with the rows they count. A transaction makes them all-or-nothing.

Statements stay sequential inside the callback (a transaction holds one connection: `Promise.all` there
gains nothing, and node-postgres >= 8.19 warns it will break). Values the rest of the function uses flow
out of the callback (`const x = await db.transaction(…)`); a function whose writes contain a `return`
returns the transaction's result. On neon-http and D1, which have no interactive transactions, writes
that do not use each other's results become one `db.batch([...])`; a write under `if (c)` (no `else`, one
statement) whose condition reads no result and calls nothing becomes `...(c ? [write] : [])` in it (the
condition is evaluated where it was, and nothing it reads can see the earlier writes); so on libSQL with a
`:memory:` or unknown URL: @libsql/client's local client hands its only connection to `transaction()` and
opens a new one for the next query, which on `:memory:` (a test database) is a new, empty database — a batch keeps the
connection. A `file:` or remote libSQL URL (`libsql://`, `https://`, `wss://`) gets `db.transaction`.
PlanetScale's serverless driver supports `db.transaction`; it pins one session for the callback's duration.

Left alone: tests, seeds, migrations and scripts, as by every rule (fixtures are written step by step on
purpose; `include-tests = true` opts in); a
locking select or an `execute` of SQL dalfix cannot read (not counted as writes); functions already in a
transaction (a `tx` callback, a handle parameter some caller passes a transaction to) or opening their
own; writes in `catch`/`finally` (compensating writes must survive the failure they record); writes
that only run on different paths (`if (found) { update; return } insert`: the message counts the writes one
call can run, "up to 2 writes (of 4 in its branches)" for two `if`/`else` pairs); and writes with I/O between
them (`fetch`, mail, queues, files, another client), which a transaction would hold open or roll back
after the world saw it. Reported without a fix: a query in `try` (a caught error aborts the whole
transaction), a query in `Promise.all` or a callback, a helper that queries through its own handle, a
call that receives the handle without being awaited, better-sqlite3/bun:sqlite (the callback must be
synchronous), one shared `pg.Client`, writes on neon-http/D1 that use an earlier result or run under a
condition that reads one or calls something (the message names which), and a driver
dalfix cannot tell: the handle's own `drizzle()` call decides, else the project's only
`drizzle-orm/<driver>` import (named in the message), else, when every `drizzle()` call of the application
makes a handle `db.transaction` suits (a node-postgres pool, and PGlite when no URL is set), the transaction
(the message names the calls), else no fix. Where no fix is made for the driver (unknown,
or synchronous) and the project has its own transaction helper — a function it calls with a handle of that driver
and a callback, or an object of callbacks, opening `.transaction(` on the handle it is handed (homarr's
`handleTransactionsAsync(db, { handleAsync, handleSync })`) — the message names it with a call site and its
definition.

## Example
```ts
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { templates } from "./schema";

const db = drizzle(new Pool());

export async function createTemplate(userId: string, name: string) {
  await db.update(templates).set({ isDefault: false }).where(eq(templates.userId, userId));
  const [template] = await db.insert(templates).values({ userId, name, isDefault: true }).returning();
  return template;
}
```

## Use instead
```ts
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { templates } from "./schema";

const db = drizzle(new Pool());

export async function createTemplate(userId: string, name: string) {
  return await db.transaction(async (tx) => {
    await tx.update(templates).set({ isDefault: false }).where(eq(templates.userId, userId));
    const [template] = await tx
      .insert(templates)
      .values({ userId, name, isDefault: true })
      .returning();
    return template;
  });
}
```

## Fix safety
Always unsafe: it changes failure behaviour, which is the point. When every statement succeeds, the
result and the rows are the same (the statements, their order and the values they see are unchanged;
reads in the span now see the span's own uncommitted writes, as they did before). When a statement or the
code between the writes throws, the writes before it are rolled back instead of kept, and the same error
propagates. The function also sends BEGIN and COMMIT (two more round trips), holds one pool connection
and the written rows' locks until the last write, and may now fail with a serialization or deadlock error
where the separate statements would have interleaved. With drizzle-orm's node-postgres driver (0.45) a
BEGIN that fails (a broken connection) leaks the pool client, and a failing ROLLBACK returns it
mid-transaction. A non-awaited call between the writes (a fire-and-forget promise) still runs; its
effect is not rolled back. The batch form (neon-http, D1, libSQL on an unknown URL) sends one request that the driver
runs as one transaction; its statements are built where the original built them (a conditional one only when
its condition holds) and run only once all are built. A statement that fails in a batch throws the driver's
own error, not drizzle's `DrizzleQueryError` around it (libSQL with drizzle-orm 0.45: a `LibsqlError` with the
code on `err.code` instead of `err.cause.code`): a `catch` that reads the code must be checked. The project's own
transaction helper is named, never used: its callbacks are written one per kind of driver (better-sqlite3's
synchronous, each statement ending in `.run()`/`.all()`/`.get()` instead of awaited, reads returning rows rather
than promises), so moving the writes into them rewrites every statement twice — not a mechanical edit.
"""

from __future__ import annotations

from collections.abc import Iterator

from dalfix.analysis.drizzle import unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.transactions import (
    INFERRED,
    SpanFinder,
    WriteSpan,
    application_atomicity,
    atomicity,
    handle_driver,
    transaction_helpers,
    unknown_driver_reason,
    writes_may_follow,
    writes_on_one_path,
)
from dalfix.comments import trailing_comments
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding, apply_edits
from dalfix.parsing import FUNCTION_TYPES, Node, descendants_of_type, fresh_name
from dalfix.render import chain_with_shorter_head, reindent
from dalfix.rules import Rule

NO_FIX = {
    "sync": "better-sqlite3 and bun:sqlite need a synchronous transaction callback "
    "(`.run()`/`.all()`/`.get()` instead of `await`)",
    "shared-connection": "the handle is one shared connection: other requests' statements would run inside "
    "the transaction",
    "unknown": "dalfix cannot tell which driver runs it: {seen}. `db.transaction` is right for a node-postgres "
    "pool, postgres-js, neon-serverless, PGlite, libSQL, mysql2 and PlanetScale, not for neon-http, D1, "
    "better-sqlite3 or one connection other requests share; `driver` in dalfix.toml says which one runs it",
    "batch": "neon-http and D1 have no interactive transactions, and `db.batch([...])` cannot hold these writes: {why}",
    "batch-libsql": "the libSQL URL may be `:memory:` (a test database), where the local client's `transaction()` "
    "leaves the next query a new, empty database; `db.batch([...])` keeps the connection, but cannot hold these "
    "writes: {why} (a `file:` or remote URL in the `createClient` call would allow `db.transaction`)",
}

# A condition the batch may evaluate before any write runs: names, property reads, literals and operators
# (no call, `await`, assignment or `++`, which could observe or change what the earlier writes did).
_PLAIN_CONDITION = frozenset(
    {
        "identifier",
        "member_expression",
        "property_identifier",
        "subscript_expression",
        "binary_expression",
        "unary_expression",
        "parenthesized_expression",
        "optional_chain",
        "number",
        "string",
        "string_fragment",
        "escape_sequence",
        "true",
        "false",
        "null",
        "undefined",
    }
)


class WritesWithoutTransaction(Rule):
    code = "DAL005"
    name = "writes-without-transaction"
    message = "Dependent writes run without a transaction; a failure part-way leaves the first ones applied"
    fix_title = "Wrap the writes in `db.transaction`"
    fix_availability = "sometimes"
    preview = False
    needles = (b"await",)  # also files that only call: the project model needs callers passing `tx`
    needs_handle = True

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        finder = SpanFinder(analyzer)
        for function in ctx.descendants(*FUNCTION_TYPES):
            span = finder.span(function)
            if span is not None and not span.external:
                yield self._finding(ctx, analyzer, finder, span)

    def _finding(self, ctx: FileContext, analyzer: EffectAnalyzer, finder: SpanFinder, span: WriteSpan) -> Finding:
        driver = handle_driver(ctx.project, ctx.parsed, span.handle)
        kind = atomicity(driver)
        every = application_atomicity(ctx.project) if kind == "unknown" and not ctx.project.config.driver else None
        if every is not None and every[0] == "transaction":
            kind = "transaction"  # not traced, but every drizzle() call of the application makes a handle it suits
        edits, why = None, ""
        if span.blocker is None and kind == "transaction":
            edits = self._transaction(ctx, analyzer, finder, span)
        elif span.blocker is None and kind == "batch":
            batched = self._batch(ctx, analyzer, span)
            edits, why = (None, batched) if isinstance(batched, str) else (batched, "")
        reason_key = "batch-libsql" if kind == "batch" and driver.driver == "libsql" else kind
        reason = span.blocker
        if reason is None and edits is None and reason_key in NO_FIX:
            seen = (
                unknown_driver_reason(ctx.project, ctx.parsed, span.handle, driver, span.function)
                if kind == "unknown"
                else ""
            )
            reason = NO_FIX[reason_key].format(why=why, seen=seen)
            if kind in ("unknown", "sync"):
                reason += _project_helper_advice(ctx, driver.driver, span.handle)
        relation = _relation(ctx, analyzer, span)
        on_path = writes_on_one_path(span)  # writes in exclusive branches never run together
        counted = f"{len(span.writes)} writes" if on_path == len(span.writes) else (
            f"up to {on_path} writes (of {len(span.writes)} in its branches)")  # fmt: skip
        helpers = [ctx.text(w.node.child_by_field_name("function") or w.node) for w in span.writes if not w.links]
        if helpers:  # writes a project function makes with the handle it is handed (`await repo.create(db, …)`)
            named = ", ".join(f"`{h}`" for h in dict.fromkeys(helpers))
            counted += f" (through {named})" if len(helpers) == len(span.writes) else (
                f" ({len(helpers)} of them through {named})")  # fmt: skip
        message = f"{counted} on `{span.handle}` run without a transaction{relation}"
        if reason is not None:
            message += f"; no automatic fix: {reason}"
        elif kind == "batch":
            message += f"; run them as one `{span.handle}.batch([...])`"
        else:
            message += f"; wrap them in `{span.handle}.transaction`"
        if reason is None and driver.evidence.startswith(INFERRED):
            message += f" (driver {driver.driver}, {driver.evidence})"
        elif reason is None and every is not None and kind == "transaction":
            message += (f" (`{span.handle}` is not traced to one drizzle() call; `db.transaction` suits every handle "
                        f"the application makes: {every[1]})")  # fmt: skip
        start, end = span.statements[0].start_byte, span.statements[-1].end_byte
        if edits is None:
            return ctx.finding(self, (start, end), message, [], Applicability.DISPLAY_ONLY)
        return ctx.finding(self, (start, end), message, edits, Applicability.UNSAFE)

    def _transaction(self, ctx, analyzer, finder, span) -> list[Edit] | None:  # type: ignore[no-untyped-def]
        body = span.function.child_by_field_name("body")
        statements = list(span.statements)
        children = [c for c in span.block.named_children if c.type != "comment"]
        tail = children[children.index(statements[-1]) + 1 :]
        pure_tail = bool(tail) and tail[-1].type == "return_statement" and all(
            analyzer.effects(t).db == "none" and not analyzer.effects(t).awaits for t in tail)  # fmt: skip
        lead, result = "", ""
        if span.returns or (pure_tail and span.block == body):
            if span.block != body:
                span.blocker = "a `return` among writes nested in a block"
                return None
            finder.check(span, tail)  # the rest of the function moves into the callback
            if span.blocker is not None:
                return None
            statements += tail
            lead = "return "
        else:
            names = _flowing_out(ctx, analyzer, span)
            declaration = "let" if any(ctx.text(s).startswith("let") for s in statements) else "const"
            if len(names) == 1:
                lead, result = f"{declaration} {names[0]} = ", names[0]
            elif names:
                result = "{ " + ", ".join(names) + " }"
                lead = f"{declaration} {result} = "
        first, last = statements[0], statements[-1]
        end = max([last.end_byte, *(c.end_byte for c in trailing_comments(last))])
        tx = fresh_name(span.function, first, "tx")
        renames = {Edit(n.start_byte - first.start_byte, n.end_byte - first.start_byte, tx) for n in span.renames}
        renames |= self._relaid_chains(ctx, span, first.start_byte, tx, renames)
        text = apply_edits(ctx.source[first.start_byte : end], sorted(renames)).decode("utf-8", "surrogateescape")
        indent = ctx.indent_at(first)
        text = ctx.render(
            "writes_without_transaction/transaction.ts.j2",
            first,
            lead=lead,
            handle=span.handle,
            tx=tx,
            body=reindent(text, indent, ctx.style.indent_unit),
            result=result,
        )
        return [Edit(first.start_byte, end, text)]

    def _relaid_chains(self, ctx: FileContext, span: WriteSpan, offset: int, tx: str, renames: set[Edit]) -> set[Edit]:
        """Chains whose head the rename shortens (`db()` -> `tx`) as the project's formatter prints them then
        (`await tx.insert(t).values({` on one line); each replaces its head's rename in `renames`."""
        relaid: set[Edit] = set()
        unit = ctx.style.indent_unit
        for chain in span.chains:
            start, end = chain.node.start_byte - offset, chain.node.end_byte - offset
            inside = [e for e in renames if start <= e.start and e.end <= end]
            root = (chain.root.start_byte - offset, chain.root.end_byte - offset)
            if len(inside) != 1 or (inside[0].start, inside[0].end) != root:
                continue  # the handle also inside the chain's arguments: left as renamed
            line_start = ctx.source.rfind(b"\n", 0, chain.node.start_byte) + 1
            line_end = ctx.source.find(b"\n", chain.node.end_byte)
            prefix = unit + ctx.source[line_start : chain.node.start_byte].decode("utf-8", "surrogateescape")
            suffix = ctx.source[chain.node.end_byte : line_end if line_end >= 0 else len(ctx.source)].decode(
                "utf-8", "surrogateescape"
            )
            text = chain_with_shorter_head(chain.node, chain.root, tx, prefix, suffix.rstrip(), ctx.style)
            if text is not None:
                renames.discard(inside[0])
                relaid.add(Edit(start, end, text))
        return relaid

    def _batch(self, ctx, analyzer, span) -> list[Edit] | str:  # type: ignore[no-untyped-def]
        """neon-http / D1 / libSQL on an unknown URL: writes (and reads) that use no result of an earlier one as
        one `db.batch([...])`, or why they cannot be one. A write under `if (c)` (no `else`) whose condition reads
        nothing the writes return and calls nothing becomes `...(c ? [write] : [])`: the condition is evaluated
        at the same point of the code, and no database result could have changed it."""
        patterns: list[str] = []
        queries: list[tuple] = []  # (query text, None) or (query node, its condition)
        bound: set[str] = set()
        declaration = "const"
        conditional = False
        chains = {(c.node.start_byte, c.node.end_byte): c for c in span.chains}
        for statement in span.statements:
            condition = None
            if statement.type == "if_statement":
                condition, statement = self._guarded_write(ctx, analyzer, statement, bound)
                if isinstance(statement, str):
                    return statement
                if not queries:
                    return "the first write runs only under a condition (a batch needs one statement it always holds)"
            pattern, value = None, statement.named_children[0] if statement.named_children else None
            if statement.type == "lexical_declaration" and len(statement.named_children) == 1 and value is not None:
                declaration = ctx.text(statement.children[0])
                pattern, value = value.child_by_field_name("name"), value.child_by_field_name("value")
            elif statement.type != "expression_statement":
                return f"`{_first_line(ctx, statement)}` runs between the writes"
            if value is None or value.type != "await_expression" or not value.named_children:
                return f"`{_first_line(ctx, statement)}` runs between the writes"
            chain = chains.get((value.named_children[0].start_byte, value.named_children[0].end_byte))
            if chain is None:
                return f"`{_first_line(ctx, statement)}` runs between the writes"
            used = sorted(analyzer.free_reads(value) & bound)
            if used:
                return f"a later query uses `{used[0]}`, a result of an earlier one"
            if pattern is not None and conditional:
                return "a result is read after a write that runs only under a condition"
            if condition is not None:
                conditional = True
                queries.append((chain.node, condition))
            else:
                queries.append((ctx.text(chain.node), None))
            patterns.append(ctx.text(pattern) if pattern is not None else "")
            bound |= analyzer.pattern_names(pattern) if pattern is not None else set()
        indent = ctx.indent_at(span.statements[0])
        unit = ctx.style.indent_unit
        items = [
            reindent(q, indent, unit) if c is None else self._conditional_item(ctx, c, q, indent) for q, c in queries
        ]
        lead = f"{declaration} [{', '.join(patterns).rstrip(', ')}] = " if any(patterns) else ""
        first, last = span.statements[0], span.statements[-1]
        text = ctx.render(
            "writes_without_transaction/batch.ts.j2",
            first,
            lead=lead,
            handle=span.handle,
            queries=items,
        )
        return [Edit(first.start_byte, last.end_byte, text)]

    def _conditional_item(self, ctx: FileContext, condition: Node, query: Node, indent: str) -> str:
        """`...(c ? [query] : [])` as Prettier and Biome lay it out: on one line when it fits, else the branches
        on lines of their own, a query over several lines inside `? [` … `]`."""
        unit, c, text = ctx.style.indent_unit, ctx.text(condition), ctx.text(query)
        inner = ctx.indent_at(query)
        if "\n" not in text:
            line = f"...({c} ? [{text}] : [])"
            if ctx.style.fits(indent + unit + line + ","):
                return line
            if ctx.style.fits(f"{indent}{unit * 3}? [{text}]"):
                return f"...({c}\n{unit * 2}? [{text}]\n{unit * 2}: [])"
        moved = reindent(text, inner, unit * 4)
        comma = "," if ctx.style.object_commas else ""
        return f"...({c}\n{unit * 2}? [\n{unit * 4}{moved}{comma}\n{unit * 3}]\n{unit * 2}: [])"

    def _guarded_write(self, ctx, analyzer, statement, bound):  # type: ignore[no-untyped-def]
        """`if (c) await write;` (or `{ await write; }`), no `else`: (the condition, the write's statement), or
        (None, why it cannot go into a batch)."""
        condition = statement.child_by_field_name("condition")
        body = statement.child_by_field_name("consequence")
        shown = f"if ({_first_line(ctx, unwrap(condition))})" if condition is not None else "if"
        if condition is None or body is None:
            return None, f"`{shown}` runs between the writes"
        used = sorted(analyzer.free_reads(condition) & bound)
        if used:
            return None, f"`{shown}` reads `{used[0]}`, a result of an earlier query"
        if statement.child_by_field_name("alternative") is not None:
            return None, f"`{shown}` chooses between writes (a batch holds a fixed list)"
        if body.type == "statement_block":
            inner = [c for c in body.named_children]
            if len(inner) != 1:
                return None, f"`{shown}` runs several statements under one condition"
            body = inner[0]
        awaited = body.named_children[0] if body.type == "expression_statement" and body.named_children else None
        if awaited is None or awaited.type != "await_expression":
            return None, f"`{shown}` runs between the writes"
        if "\n" in ctx.text(condition):
            return None, f"`{shown}`: a condition over several lines"
        nodes = [condition]
        while nodes:
            node = nodes.pop()
            if node.type not in _PLAIN_CONDITION:
                return None, f"`{shown}`: a condition that calls or assigns could see the earlier writes"
            nodes.extend(node.named_children)
        return unwrap(condition), body


def _project_helper_advice(ctx: FileContext, driver: str, handle: str) -> str:
    """The project's own transaction helper, when one is called with a handle of this driver: the writes belong
    in a transaction each of its callbacks opens (homarr's `handleTransactionsAsync` opens none itself: it hands the
    handle to a callback per kind of driver, and every call site's callbacks call `db.transaction`). Not a fix:
    each callback is written for its kind of driver (better-sqlite3's synchronous, with `.run()`/`.all()`/`.get()`
    for `await`), which no mechanical rewrite of the writes gives."""
    helpers = [h for h in transaction_helpers(ctx.project) if h.driver == driver]
    if not helpers:
        return ""
    root = ctx.project.root
    at = ctx.parsed.path
    path = at.relative_to(root).as_posix() if at.is_relative_to(root) else at.name
    site, shape = helpers[0].call_for(path, handle)
    defined = f", defined at {helpers[0].defined}" if helpers[0].defined else ""
    return (
        f". The project opens its transactions per kind of driver through `{shape}` (as at {site}{defined}): it "
        "hands the handle to one callback per kind of driver, and each callback opens the transaction itself; put "
        "the writes inside such a transaction in each callback (by hand: each is written for its kind of driver)"
    )


def _first_line(ctx: FileContext, node: Node) -> str:
    text = ctx.text(node).split("\n", 1)[0].strip()
    return text if len(text) <= 60 else text[:57] + "…"


def _flowing_out(ctx: FileContext, analyzer: EffectAnalyzer, span: WriteSpan) -> list[str]:
    """Names the span declares that the function reads after it."""
    declared: list[str] = []
    for statement in span.statements:
        if statement.type in ("lexical_declaration", "variable_declaration"):
            declared += sorted(analyzer.binds(statement))
    end = span.statements[-1].end_byte
    later = {
        ctx.text(n)
        for n in descendants_of_type(span.function, "identifier", "shorthand_property_identifier")
        if n.start_byte >= end
    }
    return [name for name in declared if name in later]


def _relation(ctx: FileContext, analyzer: EffectAnalyzer, span: WriteSpan) -> str:
    """Why the writes are one unit, when the code shows it: a result passed on, or one table written twice."""
    bound: set[str] = set()
    for write in span.writes:
        used = sorted(analyzer.free_reads(write.node) & bound)
        if used:
            return f" (a later write uses `{used[0]}`, a result of an earlier one)"
        holder = _statement_of(write.node, span)
        if holder is not None and holder.type in ("lexical_declaration", "variable_declaration"):
            bound |= analyzer.binds(holder)
    tables = [_table(ctx, w) for w in span.writes]
    writes = span.writes
    repeated = sorted({t for i, t in enumerate(tables) for j in range(i + 1, len(tables))
                       if t and tables[j] == t and writes_may_follow(span, writes[i], writes[j])})  # fmt: skip
    if not repeated:
        return ""
    # How many of its writes one call can run (homarr auth/events.ts: three updates of `users` are not "twice"; a
    # write in each branch of one `if` counts once): the longest run of writes each of which may follow the last.
    mine = [w for w, t in zip(writes, tables, strict=True) if t == repeated[0]]
    longest = [1] * len(mine)
    for j in range(len(mine)):
        for i in range(j):
            if writes_may_follow(span, mine[i], mine[j]):
                longest[j] = max(longest[j], longest[i] + 1)
    times = max(longest)
    return f" (`{repeated[0]}` is written {_TIMES.get(times, f'{times} times')})"


_TIMES = {2: "twice", 3: "three times", 4: "four times", 5: "five times"}


def _statement_of(node: Node, span: WriteSpan) -> Node | None:
    current: Node | None = node
    while current is not None and current.parent is not None and current.parent != span.block:
        current = current.parent
    return current


def _table(ctx: FileContext, write) -> str | None:  # type: ignore[no-untyped-def]
    call = write.links[0].call if write.links else None
    args = call.child_by_field_name("arguments") if call is not None else None
    return ctx.text(args.named_children[0]) if args is not None and args.named_children else None
