"""
## What it does
Flags two or more aggregate selects (`count`, `sum`, `avg`, `min`, `max`) of the same table with the same
joins, differing only in their filter, and computes them in one select with conditional aggregation.

## Why is this bad?
Each select scans the same rows again and waits its own round trip, to aggregate a different slice of them.
One statement can aggregate every slice in a single pass: the conditions the selects share stay in WHERE,
and each aggregate keeps only its own rows with `FILTER (WHERE …)` (PostgreSQL, SQLite >= 3.30) or
`CASE WHEN … THEN … END` inside the aggregate (MySQL).

Recognised fields are drizzle-orm's helpers (`count()`, `count(x)`, `countDistinct`, `sum`, `sumDistinct`,
`avg`, `avgDistinct`, `min`, `max` of a column) and `sql` templates holding exactly one aggregate call with
columns interpolated (`sql<string>\\`coalesce(sum(${t.amount}), 0)\\``). The selects are bound by
`const [row] = await …` or `const [{ total }] = await …` in one block, with only pure statements between
them, on the same handle, or are elements of one `const [[a], [b]] = await Promise.all([…])`. Not handled yet,
and left alone: `$count`, `groupBy`/`having`, `orderBy`, templates with string literals, subqueries or window
functions, other aggregates (`string_agg` …), and differing conditions other than drizzle's operators (`eq`,
`inArray` …). Nor selects an index serves one by one: when, after leading columns the shared conditions compare
with `eq`, an index's next column is one a select's own condition filters (`(team_id, sent_at)` for the invoices
sent in a period), each select reads only its slice through it, and the combined select would read every row of
the shared conditions (the team's whole history) to save one round trip; DAL001 still runs them at once.
In `Promise.all`, the `//` lines above a select the fix removes move above its field in the
combined select, and the comments and blank lines heading the elements that stay do not move; a comment inside
a removed select (`.select({ n: count() }) // why`) has no place to go, so that finding has no fix.
When every row is destructured into plain names (`[{ total }]`, `[{ value: pending }]`: no default, rest or
nesting, each selected key bound once) the combined select is keyed by those names and one pattern binds them
all (`const [{ total, pending }] = await db.select({ total: count(), pending: sql… })`), the later
declarations going away when they are adjacent; otherwise each row is the combined row's nested object
(`const [aggregates] = …; const spent = aggregates?.spent;`), as in the example below.

## Example
```ts
import { and, eq, sum } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable, text, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const ledger = pgTable("ledger", {
  id: uuid("id").primaryKey(),
  userId: uuid("user_id").notNull(),
  kind: text("kind").notNull(),
  amount: integer("amount").notNull(),
});

export async function totals(userId: string) {
  const [earned] = await db
    .select({ total: sum(ledger.amount) })
    .from(ledger)
    .where(and(eq(ledger.userId, userId), eq(ledger.kind, "earned")));
  const [spent] = await db
    .select({ total: sum(ledger.amount) })
    .from(ledger)
    .where(and(eq(ledger.userId, userId), eq(ledger.kind, "spent")));
  return { earned: Number(earned.total ?? 0), spent: Number(spent.total ?? 0) };
}
```

## Use instead
```ts
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable, text, uuid } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
const ledger = pgTable("ledger", {
  id: uuid("id").primaryKey(),
  userId: uuid("user_id").notNull(),
  kind: text("kind").notNull(),
  amount: integer("amount").notNull(),
});

export async function totals(userId: string) {
  const [aggregates] = await db
    .select({
      earned: {
        total: sql<string | null>`sum(${ledger.amount}) filter (where ${eq(ledger.kind, "earned")})`.mapWith(String),
      },
      spent: {
        total: sql<string | null>`sum(${ledger.amount}) filter (where ${eq(ledger.kind, "spent")})`.mapWith(String),
      },
    })
    .from(ledger)
    .where(eq(ledger.userId, userId));
  const earned = aggregates?.earned;
  const spent = aggregates?.spent;
  return { earned: Number(earned.total ?? 0), spent: Number(spent.total ?? 0) };
}
```

## Fix safety
Safe. An aggregate restricted with `FILTER (WHERE c)` or `CASE WHEN c THEN x END` over the rows of the shared
conditions computes exactly what it computed over the rows of `shared AND c`: `count` is 0 and `sum`, `avg`,
`min`, `max` are NULL when no row qualifies, as before (a `coalesce` in a template stays where it was), so
no `coalesce` is added or removed. Each field keeps its decoder: drizzle's helpers become `sql` templates
with the helper's own `mapWith` (`Number` for counts, `String` for sums and averages, the column for
`min`/`max` of a column) and type argument; a template keeps its type argument and `mapWith`. A select
without `groupBy` returns exactly one row, so `const [row]` binds a row before and after, each variable
becomes the row's nested object of the same shape, and destructuring patterns are kept; or, when every
row is destructured into plain names, each name is bound from a field of its own in the one row, the field its
key named before (no other code sees the row object, so its keys are free to change). Only pure
statements lie between the selects, none rebinding what a later select reads, so the later selects' values
are the same when computed first. The differences: one round trip instead of several, the aggregates come
from one snapshot (on a pool the separate selects could see a write commit between them), a database
failure of one select is now the failure of the one statement, and `min`/`max` of a column lose `| null`
in their TypeScript type (the value is unchanged). `FILTER` needs SQLite 3.30 (2019) or later.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from dalfix.analysis.aggregates import Aggregate, aggregate_of, restricted
from dalfix.analysis.drizzle import SQL_BUILDERS, QueryChain, unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.schema.model import Table
from dalfix.context import FileContext
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import Node, descendants_unordered, enclosing_function, fresh_name, line_indent, walk
from dalfix.render import reindent
from dalfix.rules import Rule

DIALECTS = {"pg": "pg", "sqlite": "sqlite", "mysql": "mysql"}
JOINS = frozenset({"innerJoin", "leftJoin", "rightJoin", "fullJoin"})
CONDITIONS = SQL_BUILDERS - {"sql", "asc", "desc", "count", "countDistinct", "sum", "sumDistinct", "avg"} - {
    "avgDistinct", "min", "max", "getTableColumns", "getTableName", "aliasedTable", "alias"}  # fmt: skip


@dataclass
class AggregateRead:
    statement: Node  # the declaration (sequential form) or the `Promise.all` element
    keyword: str  # const / let
    pattern: Node  # the one element of `[row]`: an identifier or an object pattern
    key: str  # the nested object's key in the combined select
    chain: QueryChain
    fields: list[tuple[str, Aggregate]]
    source: tuple[str, ...]  # `from(…)` and the joins, as written
    conjuncts: list[Node]  # the WHERE's `and(…)` arguments (or the WHERE itself)
    dialect: str
    table: str
    element: Node | None = None  # in `Promise.all`: the `[row]` pattern the element binds


class SplitAggregates(Rule):
    code = "DAL006"
    name = "split-aggregates"
    message = "Aggregate selects of the same rows differing only in their filter; one conditional aggregation does"
    fix_title = "Compute the aggregates in one select with `filter (where …)` per aggregate"
    fix_availability = "always"
    preview = True
    needles = (b"count", b"sum", b"avg", b"max", b"min", b"COUNT", b"SUM", b"AVG", b"MAX", b"MIN")
    needs_handle = True

    def check(self, ctx: FileContext) -> Iterator[Finding]:
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        for statements in ctx.function_blocks():
            index = 0
            while index < len(statements):
                group = self._group_at(ctx, analyzer, statements, index)
                if len(group) >= 2:
                    finding = self._finding(ctx, group, statements[index])
                    if finding is not None:
                        yield finding
                    index = statements.index(group[-1].statement)
                else:
                    yield from self._parallel(ctx, analyzer, statements[index])
                index += 1

    def _group_at(self, ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int):  # type: ignore[no-untyped-def]
        first = _declared_read(ctx, analyzer, statements[index])
        if first is None:
            return []
        group, bound = [first], set(analyzer.binds(statements[index]))
        for statement in statements[index + 1 :]:
            read = _declared_read(ctx, analyzer, statement)
            if read is not None and _combinable(ctx, first, read) and not analyzer.free_reads(read.chain.node) & bound:
                group.append(read)
            elif read is not None or not analyzer.effects(statement).pure:
                break
            bound |= analyzer.binds(statement)
        return group

    def _parallel(self, ctx: FileContext, analyzer: EffectAnalyzer, statement: Node) -> Iterator[Finding]:
        """`const [[a], [b], …] = await Promise.all([q1, q2, …])`: aggregate selects among the elements."""
        found = _promise_all(ctx, statement)
        if found is None:
            return
        keyword, patterns, elements = found
        reads = []
        for pattern, element in zip(patterns, elements, strict=True):
            read = _aggregate_read(ctx, analyzer, element, keyword, pattern, element)
            if read is not None:
                read.element = pattern
            reads.append(read)
        groups: list[list[AggregateRead]] = []
        for read in reads:
            if read is None:
                continue
            home = next((g for g in groups if _combinable(ctx, g[0], read)), None)
            if home is None:
                groups.append([read])
            else:
                home.append(read)
        groups = [g for g in groups if len(g) >= 2]
        if len(groups) == 1 and len(groups[0]) == len(elements):
            finding = self._finding(ctx, groups[0], statement, whole=True)
            if finding is not None:
                yield finding
            return
        for group in groups:
            finding = self._finding(ctx, group, statement)
            if finding is not None:
                yield finding

    def _finding(self, ctx: FileContext, group: list[AggregateRead], statement: Node, whole: bool = False):  # type: ignore[no-untyped-def]
        """One select for the group; `statement` is the first read's declaration or the `Promise.all` one."""
        texts = [[_normal(c) for c in read.conjuncts] for read in group]
        shared = [c for c, text in zip(group[0].conjuncts, texts[0], strict=True) if all(text in t for t in texts)]
        shared_texts = {_normal(c) for c in shared}
        first = group[0]
        unit = ctx.style.indent_unit
        selected, needs_sql = [], False
        # In `Promise.all`, the `//` lines above an element the fix removes go above its field in the select.
        moved = {id(read): _line_comments(ctx, read.statement) for read in group if read.element is not None}
        if not whole and group[0].element is not None:
            moved[id(group[0])] = []  # they stay above the combined select, which takes the first element's place
        if _indexed_slices(ctx, group, shared, shared_texts):
            return None
        flat = _flat_names(ctx, group, first.element is None)
        depth = 2 if flat is not None else 3
        for read in group:
            own = [c for c in read.conjuncts if _normal(c) not in shared_texts]
            if any(not _condition_call(ctx, c) for c in own):
                return None
            condition = None
            if own:
                parts = [reindent(ctx.text(c), line_indent(ctx.source, c.start_byte), unit * depth) for c in own]
                condition = parts[0] if len(parts) == 1 else f"and({', '.join(parts)})"
            fields = []
            for key, aggregate in read.fields:
                if condition is None:
                    value = reindent(ctx.text(aggregate.node), ctx.indent_at(aggregate.node), unit * depth)
                else:
                    value = restricted(ctx.parsed, ctx.project.schema, aggregate, condition, read.dialect)
                    needs_sql |= aggregate.helper is not None
                fields.append((key if flat is None else flat[id(read)][key], value))
            comments = [ctx.text(c) for c in moved.get(id(read), [])]
            selected.append((read.key, fields, comments))
        steps = list(first.source)
        if shared:
            parts = [reindent(ctx.text(c), line_indent(ctx.source, c.start_byte), unit * 3) for c in shared]
            where = parts[0] if len(parts) == 1 else f"and({', '.join(parts)})"
            if len(parts) > 1 and (len(ctx.indent_at(first.statement) + unit + where) + 8 > ctx.style.print_width
                                   or "\n" in where):  # fmt: skip
                inner = "".join(f"{unit * 3}{p},\n" for p in parts)
                where = f"\n{unit * 2}and(\n{inner}{unit * 2}),\n{unit}"
            steps.append(f"where({where})")
        parallel = first.element is not None and not whole
        handle = ctx.text(first.chain.root)
        if flat is None:
            row = fresh_name(enclosing_function(statement), statement, "aggregates")
            bracketed = f"[{row}]"
        else:  # every row destructured into names: one select keyed by the names, one pattern binding them all
            names = [name for read in group for name in flat[id(read)].values()]
            bracketed = f"[{{ {', '.join(names)} }}]"
            at = first.element if parallel else statement
            assert at is not None
            base = line_indent(ctx.source, at.start_byte)
            line = base + (bracketed + "," if parallel else f"{first.keyword} {bracketed} = await {handle}")
            if ctx.style.formatter is not None and not ctx.style.fits(line):
                comma = "," if ctx.style.object_commas else ""
                lines = ["[", f"{unit}{{", *(f"{unit * 2}{n}," for n in names[:-1]), f"{unit * 2}{names[-1]}{comma}"]
                lines += [f"{unit}}}{comma}", "]"]
                # the template's lines after the first get the statement's indentation; an edit's, the element's
                bracketed = "\n".join(lines) if not parallel else (ctx.style.newline + base).join(lines)
        semi = ";" if ctx.style.semicolons else ""
        combined = ctx.render(
            "split_aggregates/combined.ts.j2",
            first.statement if parallel else statement,
            # the holder of nested rows (`aggregates`) is never assigned: `const`, whatever the first read's keyword
            prefix="" if parallel else f"{first.keyword if flat is not None else 'const'} {bracketed} = await ",
            handle=handle,
            selected=selected,
            flat=flat is not None,
            steps=steps,
            end="" if parallel else semi,
        )
        indent = ctx.indent_at(statement)
        bindings = [
            ctx.render("split_aggregates/binding.ts.j2", statement, keyword=read.keyword,
                       pattern=ctx.text(read.pattern), row=row, key=read.key)
            for read in group
        ] if flat is None else []  # fmt: skip
        newline = ctx.style.newline
        if flat is not None and first.element is None:
            spans = [_statement_lines(ctx, read.statement) for read in group[1:]]  # whole lines: `_flat_names`
            edits = [Edit(first.statement.start_byte, first.statement.end_byte, combined)]
            edits += [Edit(span[0], span[1], "") for span in spans if span is not None]
        elif first.element is None:
            edits = [
                Edit(read.statement.start_byte, read.statement.end_byte,
                     combined + newline + indent + binding if read is first else binding)
                for read, binding in zip(group, bindings, strict=True)
            ]  # fmt: skip
        elif whole:
            text = combined + "".join(newline + indent + b for b in bindings)
            edits = [Edit(statement.start_byte, statement.end_byte, text)]
        else:
            assert first.element is not None
            edits = [
                Edit(first.statement.start_byte, first.statement.end_byte, combined),
                Edit(first.element.start_byte, first.element.end_byte, bracketed),
                Edit(statement.end_byte, statement.end_byte, "".join(newline + indent + b for b in bindings)),
            ]
            others = {read.statement.start_byte for read in group[1:]}
            found = _promise_all(ctx, statement)
            assert found is not None
            _, patterns, elements = found
            removed_patterns = {r.element.start_byte for r in group[1:] if r.element is not None}
            carried = {r.statement.start_byte: moved[id(r)] for r in group[1:]}
            edits += _removals(ctx, elements, others, carried) + _removals(ctx, patterns, removed_patterns, {})
        analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
        module = next((m for m, _ in analyzer.imports.values() if m.startswith("drizzle-orm")), "drizzle-orm")
        imports = frozenset({(module, "sql")}) if needs_sql else frozenset()
        message = (
            f"{len(group)} aggregate selects of {first.table} differing only in their filter: "
            "one select with conditional aggregation does"
        )
        span = (first.statement.start_byte, group[-1].statement.end_byte)
        carried_comments = {c.start_byte for comments in moved.values() for c in comments}
        scopes = [statement] if first.element is not None else [read.statement for read in group]
        lost = [
            c for scope in scopes for c in descendants_unordered(scope, "comment")
            if c.start_byte not in carried_comments and any(e.start <= c.start_byte < e.end for e in edits)
        ]  # fmt: skip
        if lost:  # `.select({ n: count() }) // why` inside a select the fix removes: the reviewer moves it
            message += f" (no fix: it would drop the comment on line {lost[0].start_point.row + 1})"
            return ctx.finding(self, span, message=message, applicability=Applicability.DISPLAY_ONLY)
        return ctx.finding(
            self, span, message=message, edits=edits, applicability=Applicability.SAFE, imports=imports,
            notes=(f"{len(group)} statements -> 1",),
        )  # fmt: skip


def _flat_names(ctx: FileContext, group: list[AggregateRead], declared: bool) -> dict[int, dict[str, str]] | None:
    """Each read's {selected key: the name its pattern binds it to}, when every row is destructured into plain
    names (`[{ total }]`, `[{ value: pending }]`: no default, rest or nesting), every selected key is bound once
    and the names differ; None otherwise. Declarations (`declared`) must also be adjacent, with no comment
    between them: the later ones are deleted, their names bound by the first."""
    names: dict[int, dict[str, str]] = {}
    seen: set[str] = set()
    if declared and len({read.keyword for read in group}) > 1:
        return None  # `let` and `const`: one pattern would make every name a `let`; each keeps its own
    for read in group:
        if read.pattern.type != "object_pattern":
            return None
        bound: dict[str, str] = {}
        for prop in read.pattern.named_children:
            if prop.type == "shorthand_property_identifier_pattern":
                key = name = ctx.text(prop)
            elif prop.type == "pair_pattern":
                key_node, value = prop.child_by_field_name("key"), prop.child_by_field_name("value")
                if key_node is None or value is None or key_node.type != "property_identifier":
                    return None
                if value.type != "identifier":
                    return None
                key, name = ctx.text(key_node), ctx.text(value)
            else:
                return None
            if key in bound or name in seen:
                return None
            bound[key] = name
            seen.add(name)
        if sorted(bound) != sorted(key for key, _ in read.fields):
            return None
        names[id(read)] = bound
    if declared:
        for before, after in zip(group, group[1:], strict=False):
            if before.statement.next_named_sibling != after.statement or _statement_lines(ctx, after.statement) is None:
                return None
    return names


def _statement_lines(ctx: FileContext, statement: Node) -> tuple[int, int] | None:
    """The byte range of the lines holding `statement`, when nothing else shares them."""
    source = ctx.source
    start = source.rfind(b"\n", 0, statement.start_byte) + 1
    stop = source.find(b"\n", statement.end_byte)
    if source[start : statement.start_byte].strip() or stop < 0 or source[statement.end_byte : stop].strip():
        return None
    return start, stop + 1


def _removals(ctx: FileContext, items: list[Node], removed: set[int], carried: dict[int, list[Node]]) -> list[Edit]:
    """Edits deleting the `removed` items (by start byte) of a comma-separated list, with their commas.

    A run of removed items on lines of their own goes line by line, so the comments and blank lines around it
    stay where they are (a `// Section` line above the next item keeps heading it); `carried[start]` are the
    comment lines above a removed item that the fix moved elsewhere, deleted with it."""
    edits = []
    index = 0
    while index < len(items):
        if items[index].start_byte not in removed:
            index += 1
            continue
        end = index
        while end + 1 < len(items) and items[end + 1].start_byte in removed:
            end += 1
        above = carried.get(items[index].start_byte, [])
        lines = _whole_lines(ctx, items[index], items[end], above)
        if lines is not None:
            start, stop = lines
            source = ctx.source
            blank_above = start > 0 and not source[source.rfind(b"\n", 0, start - 1) + 1 : start].strip()
            if end + 1 == len(items):  # the list's last lines: the blank lines above them go too
                while start > 0 and not source[source.rfind(b"\n", 0, start - 1) + 1 : start].strip():
                    start = source.rfind(b"\n", 0, start - 1) + 1
            elif blank_above:  # a blank line on both sides: one stays
                while (below := source.find(b"\n", stop)) >= 0 and not source[stop:below].strip():
                    stop = below + 1
            edits.append(Edit(start, stop, ""))
        elif end + 1 < len(items):
            edits.append(Edit((above[0] if above else items[index]).start_byte, items[end + 1].start_byte, ""))
        else:
            edits.append(Edit(items[index - 1].end_byte, items[end].end_byte, ""))
        index = end + 1
    return edits


def _whole_lines(ctx: FileContext, first: Node, last: Node, above: list[Node]) -> tuple[int, int] | None:
    """The byte range of the lines holding `above` + `first` … `last` and the comma after `last`, when nothing
    else shares those lines; None otherwise."""
    source = ctx.source
    start = (above[0] if above else first).start_byte
    line_start = source.rfind(b"\n", 0, start) + 1
    after = last.next_sibling
    stop = after.end_byte if after is not None and after.type == "," else last.end_byte
    line_end = source.find(b"\n", stop)
    if source[line_start:start].strip() or line_end < 0 or source[stop:line_end].strip():
        return None
    return line_start, line_end + 1


def _line_comments(ctx: FileContext, element: Node) -> list[Node]:
    """The `//` comments on lines of their own directly above an array element (after the previous one's line)."""
    comments: list[Node] = []
    sibling = element.prev_sibling
    while sibling is not None and sibling.type == "comment":
        comments.insert(0, sibling)
        sibling = sibling.prev_sibling
    source = ctx.source
    while comments and (
        (sibling is not None and comments[0].start_point.row == sibling.end_point.row)
        or source[source.rfind(b"\n", 0, comments[0].start_byte) + 1 : comments[0].start_byte].strip()
    ):
        comments.pop(0)  # trails the previous element
    if any(not ctx.text(c).startswith("//") for c in comments):
        return []  # a block comment stays where it is
    return comments


def _promise_all(ctx: FileContext, statement: Node) -> tuple[str, list[Node], list[Node]] | None:
    """(keyword, the `[row]` patterns, the array elements) of `const [[a], [b]] = await Promise.all([q1, q2])`."""
    if statement.type != "lexical_declaration" or len(statement.named_children) != 1:
        return None
    declarator = statement.named_children[0]
    pattern, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
    value = unwrap(value) if value is not None else None
    if pattern is None or value is None or pattern.type != "array_pattern" or value.type != "await_expression":
        return None
    if declarator.child_by_field_name("type") is not None:
        return None  # `: [A[], B[]]` names the tuple the fix would shorten
    call = unwrap(value.named_children[0]) if value.named_children else None
    function = call.child_by_field_name("function") if call is not None else None
    if call is None or function is None or ctx.text(function) != "Promise.all":
        return None
    args = _arguments(call).named_children
    if len(args) != 1 or unwrap(args[0]).type != "array":
        return None
    elements = [e for e in unwrap(args[0]).named_children if e.type != "comment"]
    patterns = [p for p in pattern.named_children if p.type != "comment"]
    if len(patterns) != len(elements) or any(e.type == "spread_element" for e in elements):
        return None
    return ctx.text(statement).split(None, 1)[0], patterns, elements


def _declared_read(ctx: FileContext, analyzer: EffectAnalyzer, statement: Node) -> AggregateRead | None:
    """`const [row] = await <aggregate select>`."""
    if statement.type != "lexical_declaration" or len(statement.named_children) != 1:
        return None
    declarator = statement.named_children[0]
    pattern, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
    value = unwrap(value) if value is not None else None
    if pattern is None or value is None or value.type != "await_expression" or not value.named_children:
        return None
    if declarator.child_by_field_name("type") is not None:
        return None  # `const [{ total }]: { total: number }[] = …`: the combined read would drop the type
    keyword = ctx.text(statement).split(None, 1)[0]
    return _aggregate_read(ctx, analyzer, statement, keyword, pattern, value.named_children[0])


def _aggregate_read(
    ctx: FileContext, analyzer: EffectAnalyzer, statement: Node, keyword: str, pattern: Node, query: Node
) -> AggregateRead | None:
    """`[row]` bound to `db.select({ k: <aggregate>, … }).from(t)[.join…][.where(…)][.limit(n >= 1)]`."""
    if pattern.type != "array_pattern" or len(pattern.named_children) != 1:
        return None
    element = pattern.named_children[0]
    if element.type == "identifier":
        key = ctx.text(element)
    elif element.type == "object_pattern":
        bound = analyzer.pattern_names(element)
        first_name = next((n for n in re.findall(r"[A-Za-z_$][\w$]*", ctx.text(element)) if n in bound), None)
        if first_name is None:
            return None
        key = first_name
    else:
        return None
    chain = ctx.vocabulary.query_chain(query)
    if chain is None or chain.kind != "read" or chain.method != "select" or chain.links[0].call is None:
        return None
    if chain.node.start_byte != unwrap(query).start_byte or analyzer.effects(chain.node).awaits:
        return None
    names = [link.name for link in chain.links]
    if len(names) < 2 or names[1] != "from":
        return None
    rest = names[2:]
    while rest and rest[0] in JOINS:
        rest = rest[1:]
    if rest not in ([], ["where"], ["limit"], ["where", "limit"]):
        return None
    links = {link.name: link for link in chain.links}
    if "limit" in links and not re.fullmatch(r"\(\s*[1-9]\d*\s*\)", ctx.text(_arguments(links["limit"].call))):
        return None
    source_links = [link for link in chain.links[1:] if link.name == "from" or link.name in JOINS]
    source = tuple(
        ctx.source[link.member.end_byte - len(link.name) : link.call.end_byte].decode()
        for link in source_links
        if link.call is not None
    )
    from_args = _arguments(links["from"].call).named_children
    table = ctx.project.schema.table_for_identifier(ctx.parsed, from_args[0]) if len(from_args) == 1 else None
    if table is None or table.dialect not in DIALECTS:
        return None
    fields = _aggregate_fields(ctx, analyzer, chain.links[0].call)
    if fields is None:
        return None
    conjuncts: list[Node] = []
    if "where" in links:
        where_args = _arguments(links["where"].call).named_children
        if len(where_args) != 1:
            return None
        where = unwrap(where_args[0])
        conjuncts = [where]
        if _callee(ctx, analyzer, where) == "and":
            conjuncts = [unwrap(a) for a in _arguments(where).named_children]
    return AggregateRead(
        statement,
        keyword, element, key, chain, fields, source, conjuncts, DIALECTS[table.dialect],
        table.ts_name or ctx.text(from_args[0]),
    )  # fmt: skip


def _aggregate_fields(ctx: FileContext, analyzer: EffectAnalyzer, select: Node) -> list[tuple[str, Aggregate]] | None:
    args = _arguments(select).named_children
    if len(args) != 1 or unwrap(args[0]).type != "object":
        return None
    fields = []
    for pair in unwrap(args[0]).named_children:
        if pair.type == "comment":
            continue
        if pair.type != "pair":
            return None
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if key is None or value is None:
            return None
        aggregate = aggregate_of(ctx.parsed, analyzer.imports, ctx.project.schema, value)
        if aggregate is None:
            return None
        fields.append((ctx.text(key), aggregate))
    return fields or None


def _combinable(ctx: FileContext, first: AggregateRead, read: AggregateRead) -> bool:
    return (
        ctx.text(read.chain.root) == ctx.text(first.chain.root)
        and read.chain.handle == first.chain.handle
        and read.source == first.source
        and read.dialect == first.dialect
    )


def _indexed_slices(ctx: FileContext, group: list[AggregateRead], shared: list[Node], shared_texts: set[str]) -> bool:
    """Whether an index of the table finds a select's own rows: after leading columns the shared conditions compare
    with `eq`, its next column is one a select's own condition filters (midday's invoices: `(team_id, sent_at)` and
    `(team_id, status, paid_at)` for the counts sent and paid in a period). Each select then reads only its slice
    through the index; the combined one, filtering in the aggregates, reads every row of the shared conditions (a
    team's whole history) to save a round trip: no finding (DAL001 still runs the selects at once)."""
    analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
    schema = ctx.project.schema

    tables: dict[str, Table] = {}

    def column(condition: Node) -> tuple[str, str] | None:
        arguments = condition.child_by_field_name("arguments") if condition.type == "call_expression" else None
        first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
        found = schema.column_of(ctx.parsed, unwrap(first)) if first is not None else None
        if found is None:
            return None
        tables.setdefault(found[0].id, found[0])
        return found[0].id, found[1].key

    equal = {k for c in shared if _callee(ctx, analyzer, c) == "eq" and (k := column(c)) is not None}
    for read in group:
        own = {k for c in read.conjuncts if _normal(c) not in shared_texts and (k := column(c)) is not None}
        for table_id in {table_id for table_id, _ in own}:
            model = tables[table_id]
            for columns in [i.columns for i in model.indexes] + [u.columns for u in model.unique_sets()]:
                leading = 0
                while leading < len(columns) and (table_id, columns[leading]) in equal:
                    leading += 1
                if leading < len(columns) and (table_id, columns[leading]) in own:
                    return True
    return False


def _condition_call(ctx: FileContext, node: Node) -> bool:
    """A call of one of drizzle's condition operators (`eq`, `inArray`, `and` …)."""
    analyzer = ctx.project.analyzer_for(ctx.parsed, ctx.vocabulary)
    name = _callee(ctx, analyzer, node)
    effects = analyzer.effects(node)
    # `and(c ? x : undefined)` can be undefined, which `filter (where ${…})` cannot take as WHERE does.
    return name in CONDITIONS and not effects.awaits and effects.db == "none" and not effects.conditional


def _callee(ctx: FileContext, analyzer: EffectAnalyzer, node: Node) -> str | None:
    """The drizzle-orm export `node` calls (`and`, `eq` …), or None."""
    if node.type != "call_expression":
        return None
    function = node.child_by_field_name("function")
    imported = analyzer.imports.get(ctx.text(function)) if function is not None else None
    if imported is None or not (imported[0] == "drizzle-orm" or imported[0].startswith("drizzle-orm/")):
        return None
    return imported[1]


def _normal(node: Node) -> str:
    """The node's tokens: equal for the same expression however it is laid out (string contents kept)."""
    return "\0".join((n.text or b"").decode("utf-8", "surrogateescape") for n in walk(node) if n.child_count == 0)


def _arguments(call: Node | None) -> Node:
    args = call.child_by_field_name("arguments") if call is not None else None
    assert args is not None
    return args
