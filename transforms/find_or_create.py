"""DAL003's find-or-create form: a keyed read, then an insert of the same key when no row was found. Part of
rule DAL003 (`check_then_insert.py` holds its documentation and its class); not a rule of its own. The shapes
are recognised by `dalfix.analysis.find_or_create`.

With a unique constraint on exactly the read's columns (PostgreSQL, SQLite/libSQL/D1; a non-partial UNIQUE index
a SQL migration's up direction creates on those columns counts, unless a later up step drops it; a down step's
create never ran: docs/schema.md. The target names the columns, the database infers the index) the
insert gets `.onConflictDoNothing({ target })`, and when it returns no row (a concurrent call inserted the key
first) the row is read again — the row the read would have found, in the read's shape (`select()` of the whole row, as
`.returning()` gives). Only the insert changes: the found path sends the same single read as before. Without a
unique constraint the finding is display-only and names the `uniqueIndex(...)` that would make the database
keep one row per key (a partial one, `.on(t.userId).where(sql`status = 'open'`)`, when a key column is compared
with a literal) — and, as DAL010 does, the application's other inserts of the table that write the key
unchecked (the index would make them fail: they come first); a partial unique index that already keeps one row
per such key is named, display-only. On MySQL (no `onConflictDoNothing`) it is display-only too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dalfix.analysis.constants import constant_literal, is_fixed_value, unread_constant_origin
from dalfix.analysis.drizzle import unwrap
from dalfix.analysis.find_or_create import FindOrCreate, find_or_create_at, read_where, whole_row_read
from dalfix.analysis.index_plan import (
    free_index_name,
    sql_facts,
    sql_unique_index,
    unchecked_inserts_of_key,
    unique_index_name,
)
from dalfix.analysis.schema import UniqueSet
from dalfix.context import relative_display
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import line_indent
from dalfix.print_width import wrap_long_line
from dalfix.render import expanded_chain, to_width

if TYPE_CHECKING:
    from dalfix.analysis.effects import EffectAnalyzer
    from dalfix.analysis.keyed_reads import KeyedRead
    from dalfix.analysis.schema import Table
    from dalfix.context import FileContext
    from dalfix.parsing import Node
    from dalfix.render import SourceStyle
    from dalfix.rules import Rule

ON_CONFLICT_DIALECTS = frozenset({"pg", "sqlite"})


def find_or_create_finding(
    rule: Rule, ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int
) -> Finding | None:
    found = find_or_create_at(ctx.project, ctx.parsed, ctx.vocabulary, analyzer, statements, index)
    if found is None:
        return None
    read, table = found.read, found.read.table
    columns = ", ".join(sorted(read.keys))
    what = f"Find-or-create on {table.ts_name}({columns})"
    span = (found.read_statement.start_byte, found.end.end_byte)
    covering = covering_unique_set(table, tuple(read.keys))
    in_sql = None
    if covering is None:
        in_sql = sql_unique_index(table, tuple(read.keys), sql_facts(ctx.project))
        if in_sql is not None:  # a UNIQUE index a migration creates: the database keeps one row per key
            keys = [c.key for n in in_sql.columns if (c := table.column_by_sql_name(n)) is not None]
            covering = UniqueSet(tuple(keys), "unique_index", in_sql.name)
    literal = literal_keys(ctx, read)
    partial = partial_unique_set(table, read.keys, literal) if covering is None and literal else None
    if partial is not None:
        held = ", ".join(partial.columns)
        message = (
            f"{what}: two concurrent first calls both miss the read and both insert; the partial unique index "
            f"`{partial.name}` on {table.ts_name}({held}) where {partial.predicate} keeps one row per key, so the "
            f"second insert fails with a unique violation — insert with `onConflictDoNothing` targeting it (its "
            f"columns and its `where`) and read the row again when it returns none"
        )
        return ctx.finding(rule, span, message=message, applicability=Applicability.DISPLAY_ONLY)
    if covering is None and literal:
        rest = [k for k in read.keys if k not in literal]
        fixed = " and ".join(f"{k} = {read.keys[k]}" for k in sorted(literal))
        parameter = _table_parameter(ctx, table) or "t"
        on = ", ".join(f"{parameter}.{k}" for k in rest)
        where = " AND ".join(
            f"{_sql_name(table, k)} = {_sql_literal(literal[k], read.keys[k])}" for k in sorted(literal)
        )
        unread = _unread_values(ctx, read, literal)
        message = (
            f"{what}: two concurrent first calls both miss the read and both insert, leaving two rows with the same "
            f"{columns} (the read then returns either); no unique constraint keeps one row per key where {fixed}. "
            f"A full unique index on ({columns}) would also forbid rows the application writes on purpose (other "
            f"rows with {', '.join(rest) or 'the key'} once {', '.join(sorted(literal))} changes): a partial unique "
            f"index — `uniqueIndex(...).on({on}).where(sql`{where}`)` — is what keeps one row per key; then insert "
            f"with `onConflictDoNothing` targeting it and read the row again when it returns none{unread}"
        )
        return ctx.finding(rule, span, message=message, applicability=Applicability.DISPLAY_ONLY)
    if covering is None:
        message = (
            f"{what}: two concurrent first calls both miss the read and both insert, leaving two rows with the same "
            f"{columns} (the read then returns either); no unique constraint on {table.ts_name}({columns}) keeps one. "
        )
        hint = unique_index_hint(ctx, table, tuple(read.keys))
        unchecked = unchecked_inserts_of_key(ctx.project, table, tuple(read.keys))
        if unchecked:  # DAL010's fact: the index would break these inserts (it offers no edit then)
            shown = ", ".join(unchecked[:3]) + (f" and {len(unchecked) - 3} more" if len(unchecked) > 3 else "")
            verb = "inserts" if len(unchecked) == 1 else "insert"
            message += (
                f"A unique index — {hint} — would keep one, but {shown} {verb} "
                f"{table.ts_name} without checking the key and would then fail on a key already taken (the table may "
                f"hold several rows per key by design): decide that first — check the key or handle the conflict "
                f"there — and only then add the index (remove existing duplicates first) and "
                f"{_conflict_advice(table, found)}"
            )
        else:
            message += f"Add a unique index — {hint} (remove existing duplicates first) — then " + _conflict_advice(
                table, found
            )
        return ctx.finding(rule, span, message=message, applicability=Applicability.DISPLAY_ONLY)
    held = (
        f" (the unique index `{in_sql.name}` from {relative_display(in_sql.path, ctx.project.root)})"
        if in_sql is not None
        else ""
    )
    if table.dialect not in ON_CONFLICT_DIALECTS:
        message = (
            f"{what} races: a concurrent first call that inserts the key in between makes this insert fail with a "
            f"duplicate-key error{held}; {_conflict_advice(table, found)}"
        )
        return ctx.finding(rule, span, message=message, applicability=Applicability.DISPLAY_ONLY)
    why_not = _why_no_rewrite(ctx, found)
    if why_not is not None:
        message = (
            f"{what} races: a concurrent first call that inserts the key in between makes this insert fail with a "
            f"unique violation{held}; insert with `onConflictDoNothing` on the key and read the row again when it "
            f"returns none — by hand: {why_not}"
        )
        return ctx.finding(rule, span, message=message, applicability=Applicability.DISPLAY_ONLY)
    edits = _edits(ctx, found, covering)
    message = (
        f"{what} races: a concurrent first call that inserts the key in between makes this insert fail with a "
        f"unique violation{held}; `onConflictDoNothing` on the unique key and a re-read of the row on conflict "
        "return the row either way"
    )
    return ctx.finding(rule, span, message=message, edits=edits, applicability=Applicability.UNSAFE)


def covering_unique_set(table: Table, keys: tuple[str, ...]) -> UniqueSet | None:
    """The primary key or non-partial unique constraint whose columns are exactly `keys`."""
    return next(
        (
            s
            for s in table.unique_sets(include_partial=False)
            if s.columns and not s.expressions and set(s.columns) == set(keys)
        ),
        None,
    )


def literal_keys(ctx: FileContext, read: KeyedRead) -> dict[str, str | None]:
    """The key columns a find-or-create's read compares with one fixed value (`eq(carts.status, "open")`, a
    top-level `const OPEN = "open"`, `Status.Open` of an enum, `STATUS.OPEN` of an `as const` object, imported or
    not; DAL010's test): column -> the literal's source text, None when only the naming says it is a constant."""
    if len(read.value_nodes) != len(read.keys):
        return {}
    found: dict[str, str | None] = {}
    for key, value in zip(read.keys, read.value_nodes, strict=True):
        if is_fixed_value(ctx.project, ctx.parsed, value):
            found[key] = constant_literal(ctx.project, ctx.parsed, value)
    return found


def _sql_literal(literal: str | None, written: str) -> str:
    """A literal's source text as SQL inside the partial index's `sql` template (drizzle-kit writes a bound value
    there as `$1`, so the value is spelled out); a constant whose value dalfix did not find stays a placeholder."""
    if literal is None:
        return f"<the value of {written}>"
    if literal[:1] in "'\"`":
        return "'" + literal[1:-1].replace("'", "''") + "'"
    return literal


def _unread_values(ctx: FileContext, read: KeyedRead, literal: dict[str, str | None]) -> str:
    """What the reviewer must write where the partial index's `where` holds `<the value of X>`, and why not
    `${X}` (drizzle-kit writes a bound value into the index as `$1`)."""
    nodes = dict(zip(read.keys, read.value_nodes, strict=True)) if len(read.value_nodes) == len(read.keys) else {}
    parts = [
        f"`<the value of {read.keys[k]}>` is for you to write as an SQL literal (`{read.keys[k]}` is "
        f"{unread_constant_origin(ctx.project, ctx.parsed, nodes[k])})"
        for k in sorted(literal)
        if literal[k] is None and k in nodes
    ]
    if not parts:
        return ""
    return (
        ". In that `where`, "
        + "; ".join(parts)
        + ": a `${…}` there would be a bound value, which drizzle-kit writes into the index as `$1`"
    )


def partial_unique_set(table: Table, keys: dict[str, str], literal: dict[str, str | None]) -> UniqueSet | None:
    """A partial unique index whose columns are the read's non-literal key columns and whose `where` fixes each
    literal key column to the read's value (`.on(t.userId).where(sql`${t.status} = 'open'`)`): it keeps one row
    per key among the rows the read can find."""
    rest = {k for k in keys if k not in literal}
    for unique in table.unique_sets():
        if not unique.partial or unique.expressions or not unique.predicate or set(unique.columns) != rest:
            continue
        predicate = unique.predicate
        if not set(literal) <= set(unique.expression_columns):
            continue
        if any(v is None for v in literal.values()):
            return None  # a value dalfix does not know cannot be matched with the index's `where`
        values = [(v or "").strip("'\"`") for v in literal.values()]
        if all(re.search(r"=\s*'?" + re.escape(v) + r"\b", predicate) for v in values):
            return unique
    return None


def unique_index_hint(ctx: FileContext, table: Table, keys: tuple[str, ...]) -> str:
    """`uniqueIndex("role_name_unique").on(t.name)` on `roles` in src/schema.ts:4."""
    q = ctx.style.quote
    parameter = _table_parameter(ctx, table) or "t"
    on = ", ".join(f"{parameter}.{k}" for k in keys)
    where = relative_display(table.path, ctx.project.root)
    taken = {i.name for i in sql_facts(ctx.project).indexes} | {i.name for i in table.indexes if i.name}
    taken |= {u.name for u in table.unique_sets() if u.name}
    name = free_index_name(unique_index_name(table, keys), taken)  # DAL010's name for it too
    return f"`uniqueIndex({q}{name}{q}).on({on})` on `{table.ts_name}` in {where}:{table.line}"


def _table_parameter(ctx: FileContext, table: Table) -> str | None:
    """The parameter of the table's third argument (`(t) => [...]`), when the schema file has one."""
    from dalfix.analysis.schema.edits import table_call

    module = ctx.project.summaries.module(table.path)
    if module is None or not table.ts_name:
        return None
    found = table_call(module.parsed, table.ts_name)
    arguments = found[1].child_by_field_name("arguments") if found is not None else None
    args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
    if len(args) < 3:
        return None
    callback = unwrap(args[2])
    single = callback.child_by_field_name("parameter")
    params = callback.child_by_field_name("parameters")
    first = single or (params.named_children[0] if params is not None and params.named_children else None)
    pattern = first.child_by_field_name("pattern") if first is not None and single is None else first
    return module.parsed.text(pattern) if pattern is not None and pattern.type == "identifier" else None


def _conflict_advice(table: Table, found: FindOrCreate) -> str:
    if table.dialect in ON_CONFLICT_DIALECTS:
        target = ", ".join(sorted(found.read.keys))
        return f"insert with `onConflictDoNothing` on ({target}) and read the row again when it returns none"
    return (
        "catch the duplicate-key error (ER_DUP_ENTRY) at the insert and read the row again (in a transaction with "
        "`.for('update')`: MySQL's REPEATABLE READ snapshot would not show the other call's row)"
    )


def _why_no_rewrite(ctx: FileContext, found: FindOrCreate) -> str | None:
    if found.flow != "same":
        return found.flow
    if found.insert.bound is not None or found.insert.form == "expression":
        if not whole_row_read(found.read):
            return "the read returns another shape than the inserted row (a column selection, or a helper)"
        if read_where(ctx.parsed, found.read) is None:
            return "the read's condition cannot be repeated"
    return None


def _edits(ctx: FileContext, found: FindOrCreate, unique_set: UniqueSet) -> list[Edit]:
    insert = found.insert
    chain, values_call = insert.chain, insert.values_call
    source, style = ctx.source, ctx.style
    newline, unit = style.newline, style.indent_unit
    table_text = ctx.text(_first_argument(chain.links[0].call))
    targets = [f"{table_text}.{c}" for c in unique_set.columns]
    target = targets[0] if len(targets) == 1 else f"[{', '.join(targets)}]"
    member = values_call.child_by_field_name("function")
    head = member.child_by_field_name("object") if member is not None else None
    dot = member.child_by_field_name("property") if member is not None else None
    assert head is not None and dot is not None
    multiline = b"\n" in source[head.end_byte : chain.node.end_byte]
    joiner = f"{newline}{line_indent(source, dot.start_byte)}." if multiline else "."
    step = f"onConflictDoNothing({{ target: {target} }})"
    conflict = f"{joiner}{step}"
    chained = source[source.rfind(b"\n", 0, dot.start_byte) + 1 : dot.start_byte].strip() in (b".", b"?.")
    if multiline and chained and style.formatter is not None:
        conflict = newline + newline.join(to_width(f"{line_indent(source, dot.start_byte)}.{step}", style))
    where = read_where(ctx.parsed, found.read)
    where_text = ctx.text(where) if where is not None else ""
    if "\n" in where_text and _joinable(where_text):
        where_text = _joined(where_text)
    reread = f"{ctx.text(chain.root)}.select().from({table_text}).where({where_text}).limit(1)"
    if insert.form == "expression":
        # `(await <insert>.returning())[0]` -> `(await <insert>.onConflictDoNothing(…).returning())[0] ?? <re-read>`
        parent = insert.node.parent
        wrap = parent is not None and parent.type == "binary_expression" and _operator(parent) in ("||", "&&")
        inserted = (
            _between(ctx, chain.node.start_byte, values_call.end_byte)
            + conflict
            + _between(ctx, values_call.end_byte, chain.node.end_byte)
        )
        text = f"(await {inserted})[0] ?? (await {reread})[0]"
        line_start = source.rfind(b"\n", 0, insert.node.start_byte) + 1
        line_end = source.find(b"\n", insert.node.end_byte)
        before = _between(ctx, line_start, insert.node.start_byte)
        after = _between(ctx, insert.node.end_byte, line_end if line_end >= 0 else len(source)).rstrip()
        if "\n" in inserted or not style.fits(before + text + after):
            # Each awaited chain in parentheses of its own, its calls one per line (the re-read too when it
            # does not fit on the last line).
            indent = line_indent(source, insert.node.start_byte)
            first = _awaited_lines(inserted, indent, unit, style)
            last = f"(await {reread})[0]"
            if not style.fits(f"{indent}{unit}{last}{after}"):
                last = _awaited_lines(reread, indent, unit, style) + "[0]"
            text = f"{first}[0] ?? {last}"
        return [Edit(insert.node.start_byte, insert.node.end_byte, f"({text})" if wrap else text)]
    statement = insert.node
    indent = line_indent(source, statement.start_byte)
    semicolon = ";" if ctx.text(statement).rstrip().endswith(";") else ""
    text = (
        _between(ctx, statement.start_byte, values_call.end_byte)
        + conflict
        + _between(ctx, values_call.end_byte, statement.end_byte)
    )
    if multiline and not chained:
        # Prettier and Biome: a chain of more than two calls with one breaking is broken before each call
        expanded = expanded_chain(
            source, statement.start_byte, values_call, [step], _between(ctx, values_call.end_byte, statement.end_byte),
            indent, style,
        )  # fmt: skip
        if expanded is not None:
            text = expanded.replace("\n", newline)
    if insert.bound is not None and insert.declaration == "const":
        text = "let" + text[len("const") :]
    if "\n" not in text:
        text = newline.join(wrap_long_line(indent + text, unit, style.print_width, style.tab_width))[len(indent) :]
    if insert.bound is not None:
        # The conflict returns no row: read the row that holds the key (the concurrent call's).
        assign = f"{indent}{unit}[{insert.bound}] = await {reread}{semicolon}"
        assign = newline.join(to_width(assign, style))
        text += f"{newline}{indent}if (!{insert.bound}) {{{newline}{assign}{newline}{indent}}}"
    return [Edit(statement.start_byte, statement.end_byte, text)]


def _awaited_lines(chain: str, indent: str, unit: str, style: SourceStyle) -> str:
    """`(` / `await db` / `.insert(t)` … / `)`: an awaited chain in parentheses, one call per line."""
    flat = _joined(chain) if _joinable(chain) else chain
    lines = wrap_long_line(f"{indent}{unit}await {flat}", unit, 0, style.tab_width)
    return "(" + style.newline + style.newline.join(lines) + style.newline + indent + ")"


def _joinable(text: str) -> bool:
    """Whether `text` may be put on one line: no string (its spaces are values) and no comment (a `//` would
    swallow the rest of the line)."""
    return not any(c in text for c in "'\"`") and "//" not in text and "/*" not in text


def _joined(text: str) -> str:
    """Code written over several lines (no string in it) on one: `and(` / `eq(a, b),` / `)` -> `and(eq(a, b))`."""
    flat = " ".join(text.split())
    flat = re.sub(r"([(\[]) ", r"\1", flat)
    return re.sub(r",? ([)\]])", r"\1", flat)


def _first_argument(call: Node | None) -> Node:
    args = call.child_by_field_name("arguments") if call is not None else None
    assert args is not None and args.named_children
    return unwrap(args.named_children[0])


def _between(ctx: FileContext, start: int, end: int) -> str:
    return ctx.source[start:end].decode("utf-8", "surrogateescape")


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return operator.type if operator is not None else ""


def _sql_name(table: Table, key: str) -> str:
    column = table.column(key)
    return column.name if column is not None and column.name else key
