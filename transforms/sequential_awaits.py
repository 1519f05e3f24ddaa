"""
## What it does
Flags independent database reads awaited one after another in the same block, and groups them into one
`await Promise.all([...])`, keeping each original binding pattern.

## Why is this bad?
Each `await` waits a full round trip before the next query is even sent. Reads that do not depend on
each other can run at the same time on separate pool connections, so the block waits for the slowest
read instead of the sum of all of them (measured 1.9× for four reads on a `pg.Pool(10)`).

Reads are grouped by dependency: a read that needs an earlier result stays after it. Conditional reads
(`const p = c ? await q : null`, `let x = null; if (c) { [x] = await q; }`) join a group when their
condition is known before it. No fix is offered inside a transaction callback (one connection), on
single-connection drivers (one `pg.Client`, PGlite, better-sqlite3, bun:sqlite), across writes, calls
dalfix cannot classify, or statements that can return, throw or break.

## Example
```ts
import { eq } from "drizzle-orm";
import { db } from "./db";
import { canvasFiles, canvasGraphs } from "./schema";

export async function getFileWithGraph(fileId: string) {
  const [file] = await db.select().from(canvasFiles).where(eq(canvasFiles.id, fileId));
  const [graph] = await db.select().from(canvasGraphs).where(eq(canvasGraphs.fileId, fileId));
  return { file, graph };
}
```

## Use instead
```ts
import { eq } from "drizzle-orm";
import { db } from "./db";
import { canvasFiles, canvasGraphs } from "./schema";

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
`query.<t>.findFirst/findMany`, `execute` of a select) on a pooled database handle: reads have no
effects, none reads a name another binds, and the statements moved past are pure computations, so the
values bound are the same. The only observable differences are timing and, when several reads fail,
which rejection is thrown. Unsafe when a member is a read only by a function summary (the summary of a
helper in another file may be stale or miss an effect).
"""

from __future__ import annotations

from collections.abc import Iterator

from dalfix.analysis.awaited import AwaitedBinding, awaited_binding, binding_effects
from dalfix.analysis.effects import EffectAnalyzer, Effects, depends_on
from dalfix.comments import leading_comments, trailing_comments
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import Node, descendants_of_type, enclosing_function, fresh_name
from dalfix.render import reindent, render_template
from dalfix.rules import Rule

UNKNOWN_DRIVER_NOTE = (
    ' (unsafe: dalfix could not tell which driver the handle runs on; declare it with `driver = "..."` in'
    " dalfix.toml, see docs/drivers.md)"
)


class SequentialAwaits(Rule):
    code = "DAL001"
    name = "sequential-awaits"
    message = "Independent database reads are awaited one after another; run them with `Promise.all`"
    fix_title = "Group independent reads into `Promise.all`"
    fix_availability = "sometimes"
    needles = (b"await",)

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        if not ctx.project.parallel_reads_help_for(ctx.parsed):
            return
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for block in descendants_of_type(ctx.parsed.root, "statement_block"):
            if _in_function(block) and not ctx.vocabulary.inside_transaction(block):
                yield from self._check_block(ctx, analyzer, block)

    def _check_block(self, ctx: FileContext, analyzer: EffectAnalyzer, block: Node) -> Iterator[Finding]:
        statements = [c for c in block.named_children if c.type != "comment"]
        units: list[tuple[list[Node], AwaitedBinding | None, Effects]] = []
        index = 0
        while index < len(statements):
            binding = awaited_binding(statements, index, analyzer)
            if binding is not None and self._is_groupable(ctx, analyzer, binding):
                units.append((list(binding.statements), binding, binding_effects(binding, analyzer)))
                index += len(binding.statements)
            else:
                units.append(([statements[index]], None, analyzer.effects(statements[index])))
                index += 1
        start = 0
        while start < len(units):
            nodes, binding, effects = units[start]
            if binding is None:
                start += 1
                continue
            group, moved_past, end = [start], list[int](), start
            for later in range(start + 1, len(units)):
                _, other, other_effects = units[later]
                if other is None and not other_effects.pure:
                    break  # a barrier: a write, an unknown call, an await, or an exit
                blocked = [units[i][2] for i in group + moved_past]
                independent = other is not None and not any(depends_on(other_effects, e) for e in blocked)
                if (
                    other is not None
                    and independent
                    and not (other.condition is not None and _reads_any(analyzer, other.condition, group, units))
                ):
                    group.append(later)
                    end = later
                    continue
                moved_past.append(later)
            if len(group) >= 2:
                yield self._finding(ctx, analyzer, [units[i] for i in group], [units[i] for i in moved_past if i < end])
                start = end + 1
            else:
                start += 1

    def _is_groupable(self, ctx: FileContext, analyzer: EffectAnalyzer, binding: AwaitedBinding) -> bool:
        effects = binding_effects(binding, analyzer)
        if effects.db != "read" or effects.exits:
            return False
        chain = ctx.vocabulary.query_chain(binding.query)
        if chain is not None:
            serial = chain.handle_kind in ("single-connection", "synchronous")  # Promise.all gains nothing
            return chain.kind == "read" and chain.handle == "db" and not serial
        return (
            analyzer.call_effect(binding.query) == ("read", True) if binding.query.type == "call_expression" else False
        )

    def _finding(self, ctx, analyzer, members, moved_past) -> Finding:  # type: ignore[no-untyped-def]
        first, last = members[0][0][0], members[-1][0][-1]
        indent = ctx.indent_at(first)
        chains = [ctx.vocabulary.query_chain(b.query) for _, b, _ in members]
        unsafe = any(chain is None for chain in chains)
        # A handle whose driver dalfix could not follow may be one connection: never a safe fix.
        undeclared = ctx.project.has_driver_evidence() and any(
            chain is not None and chain.handle_kind == "unknown" for chain in chains
        )
        patterns, entries = [], []
        for position, (nodes, binding, _) in enumerate(members):
            patterns.append(ctx.text(binding.pattern))
            comments = [] if position == 0 else [ctx.text(c) for c in leading_comments(nodes[0])]
            entries.append(
                {
                    "expression": self._entry(ctx, binding, indent),
                    "comments": comments,
                    "trailing": "".join(" " + ctx.text(c) for c in trailing_comments(nodes[-1])),
                }
            )
        after = [
            reindent(line, indent, "")
            for nodes, _, _ in moved_past
            for node in nodes
            for line in [
                *(ctx.text(c) for c in leading_comments(node)),
                ctx.text(node) + "".join(" " + ctx.text(c) for c in trailing_comments(node)),
            ]
        ]
        declaration = "let" if any(_reassigned_later(analyzer, b, last) for _, b, _ in members) else "const"
        end = max([last.end_byte, *(c.end_byte for c in trailing_comments(last))])
        text = ctx.render(
            "sequential_awaits/promise_all.ts.j2",
            first,
            declaration=declaration,
            patterns=patterns,
            entries=entries,
            after=after,
        )
        names = ", ".join(patterns)
        return ctx.finding(
            self,
            (first.start_byte, last.end_byte),
            message=f"{len(members)} independent reads awaited in sequence ({names}); run them with `Promise.all`"
            + (UNKNOWN_DRIVER_NOTE if undeclared else ""),
            edits=[Edit(first.start_byte, end, text)],
            applicability=Applicability.UNSAFE if unsafe or undeclared else Applicability.SAFE,
        )

    def _entry(self, ctx: FileContext, binding: AwaitedBinding, indent: str) -> str:
        unit = ctx.style.indent_unit
        nested = unit * 2 if binding.condition is not None else unit
        query = reindent(ctx.text(binding.query), indent, nested)
        if binding.wrapper is not binding.await_node:
            # `(await q)[0] ?? null` keeps its post-processing in a `.then`.
            replaced = binding.await_node
            if replaced.parent is not None and replaced.parent.type == "parenthesized_expression":
                replaced = replaced.parent
            parameter = fresh_name(enclosing_function(binding.wrapper), binding.wrapper, "rows")
            before = ctx.source[binding.wrapper.start_byte : replaced.start_byte].decode()
            after = ctx.source[replaced.end_byte : binding.wrapper.end_byte].decode()
            body = reindent(before + parameter + after, indent, nested)
            query = ctx.render(
                "sequential_awaits/then_entry.ts.j2", binding.wrapper, query=query, parameter=parameter, body=body
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


def _in_function(block: Node) -> bool:
    return enclosing_function(block) is not None


def _reads_any(analyzer: EffectAnalyzer, condition: Node, group: list[int], units) -> bool:  # type: ignore[no-untyped-def]
    reads = analyzer.free_reads(condition)
    return any(reads & units[i][2].binds for i in group)
