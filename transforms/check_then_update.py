"""DAL003's catch form — for updates, MySQL inserts and inserts whose result is used without `.returning()` —
and its savepoint variant inside a PostgreSQL transaction. Part of rule DAL003 (`check_then_insert.py` holds
its documentation and its class); not a rule of its own.

An update keeps its uniqueness pre-check's meaning only when the check leaves the updated row out (`ne(t.id,
id)` in the read, or `existing.id !== id` in the guard: the update never conflicts with the row it updates) and
the row is known to exist (a read of it by the update's key with a not-found exit earlier in the block): an
update that matches no row raises no violation where the check may have found another row and thrown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import QueryChain, unwrap
from dalfix.analysis.keyed_reads import KeyedRead, declared_read, if_without_else, pure_exit, where_keys
from dalfix.analysis.keyed_writes import awaited_statement
from dalfix.analysis.transactions import handle_driver
from dalfix.analysis.unique_violations import violation_match
from dalfix.fixes import Applicability, Edit, Finding
from dalfix.parsing import Node, enclosing_function, fresh_name, line_indent, sole_statement, walk
from dalfix.render import reindent, render_template
from dalfix.violation_predicate import violation_predicate

if TYPE_CHECKING:
    from dalfix.analysis.effects import EffectAnalyzer
    from dalfix.analysis.schema import Table, UniqueSet
    from dalfix.context import FileContext
    from dalfix.rules import Rule

# PostgreSQL drivers whose drizzle transaction opens a savepoint for a nested `tx.transaction(...)` (neon-http has
# no transactions at all).
SAVEPOINT_DRIVERS = frozenset(
    {"node-postgres", "node-postgres-client", "neon-serverless", "vercel-postgres", "pglite"}
    | {"postgres-js", "postgres-js-single"}
)
PLAIN_RECEIVERS = ("identifier", "member_expression", "this")
ROW_FOUND = ("{0}", "{0} !== undefined", "{0} != null", "{0} !== null")
ROWS_FOUND = ("{0}.length > 0", "{0}.length !== 0", "{0}.length")
# A condition evaluated again in the catch must do nothing but read values.
IMPURE_NODES = frozenset(
    {"call_expression", "await_expression", "assignment_expression", "augmented_assignment_expression"}
    | {"update_expression", "new_expression", "arrow_function", "function_expression", "template_string"}
)


@dataclass(frozen=True)
class Write:
    """The write after a pre-check: its statement, query chain, the pattern its result is bound to, and the
    columns it writes (None: a spread may write any)."""

    statement: Node
    chain: QueryChain
    bound: str | None
    written: set[str] | None


def catch_edits(  # type: ignore[no-untyped-def]
    ctx: FileContext,
    removed: tuple[int, int],
    write: Write,
    consequence: Node,
    table: Table,
    unique_set: UniqueSet,
    condition: str | None = None,
    verb: str = "insert",
):
    """The catch form's edits (drop the pre-check in `removed`, catch the violation at the write), or why there
    is none (a display-only message). `condition`: the check ran only when it holds; the catch too."""
    hint = f"catch the unique violation at the {verb} instead"
    exit_statement = sole_statement(consequence)
    if write.bound is not None and (exit_statement is None or exit_statement.type != "throw_statement"):
        return f"{hint} (the guard returns and the {verb}'s result is used: rewrite by hand)"
    driver = handle_driver(ctx.project, ctx.parsed, ctx.text(write.chain.root))
    source, statement, chain = ctx.source, write.statement, write.chain
    savepoint = None
    maybe_transaction = ctx.vocabulary.unseen_transaction(chain.root, chain.node) is not None
    if table.dialect == "pg" and (chain.handle == "tx" or maybe_transaction):
        # A failed statement aborts a PostgreSQL transaction (25P02): the write runs in a savepoint, a nested
        # `tx.transaction(...)`, which drizzle rolls back to before the error reaches the catch. Also on a handle a
        # transaction may reach unseen (on the pool, the nested call is a transaction of that one statement).
        if not set(driver.driver.split("|")) <= SAVEPOINT_DRIVERS or chain.root.type not in PLAIN_RECEIVERS:
            return (
                f"{hint}, inside a savepoint (`tx.transaction(...)`): a failed statement aborts the transaction "
                f"(25P02), and dalfix does not know savepoints on driver {driver.driver}"
            )
        savepoint = fresh_name(enclosing_function(statement), statement, "savepoint")
    match = violation_match(table, unique_set, driver, write.written, update=verb == "update")
    if isinstance(match, str):
        return f"{hint}; no fix: {match}"
    predicate = violation_predicate(ctx, match, ctx.text(chain.root))
    if isinstance(predicate, str):
        return f"{hint}; no fix: {predicate}"
    q = ctx.style.quote
    error = fresh_name(enclosing_function(statement), statement, "error")
    name = predicate.name
    test = f"{name}({error}, {q}{match.constraint}{q})" if match.dialect == "pg" else f"{name}({error})"
    if condition is not None:
        test = f"{condition} && {test}"
    indent, unit = line_indent(source, statement.start_byte), ctx.style.indent_unit
    guard_indent = line_indent(source, consequence.start_byte)  # deeper when the check sat in an `if`
    lead = _between(ctx, statement.start_byte, chain.node.start_byte)
    expression = _between(ctx, chain.node.start_byte, chain.node.end_byte)
    first_call = chain.links[0].call
    multiline = first_call is not None and b"\n" in source[first_call.end_byte : chain.node.end_byte]
    tail = _between(ctx, chain.node.end_byte, statement.end_byte)
    if savepoint is not None:
        rest = _between(ctx, chain.root.end_byte, chain.node.end_byte)
        opening = f"{ctx.text(chain.root)}.transaction(({savepoint}) =>"
        expression = f"{opening} {savepoint}{rest})"
        # One line when it fits (`.catch(` then goes on a line of its own); else the savepoint's body on lines
        # of its own and `).catch(` right after its closing parenthesis.
        multiline = "\n" not in rest and len(indent + unit + lead + expression + tail) <= ctx.style.print_width
        if not multiline:
            body = reindent(rest, indent, indent + unit)
            expression = f"{opening}\n{indent}{unit}{savepoint}{body},\n{indent})"
    if write.bound is None:
        text = render_template(
            "check_then_insert/catch_statement.ts.j2",
            ctx.style,
            indent,
            insert=reindent(lead + expression + tail, indent, unit),
            error=error,
            test=test,
            consequence=reindent(ctx.text(consequence), guard_indent, unit),
        )
    else:
        extra = unit if multiline else ""
        text = render_template(
            "check_then_insert/catch_call.ts.j2",
            ctx.style,
            indent,
            head=reindent(lead + expression, indent, ""),
            joiner=f"\n{unit}." if multiline else ".",
            extra=extra,
            error=error,
            test=test,
            consequence=reindent(ctx.text(consequence), guard_indent, extra + unit),
            tail=tail,
        )
    end = removed[1]
    while end < len(source) and source[end : end + 1] in b" \t\r\n":
        end += 1
    # Comments inside the dropped check move above the write (an edit never loses a comment).
    kept = [c for c in walk(ctx.parsed.root) if c.type == "comment" and removed[0] <= c.start_byte < removed[1]]
    newline = ctx.style.newline
    text = "".join(f"{ctx.text(c)}{newline}{indent}" for c in kept) + text
    edits = [Edit(removed[0], end, ""), Edit(statement.start_byte, statement.end_byte, text)]
    return edits + list(predicate.edits), predicate


# --------------------------------------------------------------------------------------------------- updates


@dataclass(frozen=True)
class UpdateCheck:
    """A pre-check before an update: the read, its row's name, the guard's consequence, the updated row's key
    the check leaves out (column, value text; None when it does not), and the condition it runs under."""

    read: KeyedRead
    name: str
    consequence: Node
    excluded: tuple[str, str] | None
    condition: Node | None


def update_finding(
    rule: Rule, ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int
) -> Finding | None:
    """DAL003 on `<pre-check>; <pure statements>; await <h>.update(t).set({...}).where(eq(t.id, id))`, where the
    pre-check is a keyed read and its found-guard, possibly inside `if (<condition>) { ... }`."""
    first = statements[index]
    check, after = _update_check(ctx, analyzer, statements, index), index + 2
    if check is None:
        check, after = _conditional_check(ctx, analyzer, first), index + 1
    if check is None:
        return None
    later = statements[after:]
    write_at = next((i for i, s in enumerate(later) if not analyzer.effects(s).pure), None)
    if write_at is None:
        return None
    between, statement = later[:write_at], later[write_at]
    update = _update_of(ctx, statement, check.read)
    if update is None:
        return None
    write, where, where_node = update
    read = check.read
    names = set().union(*(analyzer.free_reads(n) for n in read.value_nodes)) | analyzer.free_reads(where_node)
    if check.condition is not None:
        names |= analyzer.free_reads(check.condition)
    rebound = set().union(*(analyzer.binds(s) for s in between)) if between else set()
    if rebound & names or any(check.name in analyzer.free_reads(s) for s in later):
        return None
    if check.excluded is not None and (
        where.get(check.excluded[0]) != check.excluded[1] or not read.table.is_unique_key([check.excluded[0]])
    ):
        return None  # the check leaves out rows other than the one updated
    span = (first.start_byte, statement.end_byte)
    columns = ", ".join(sorted(read.keys))
    what = f"Pre-check on {read.table.ts_name}({columns}) then update"
    covering = [
        s
        for s in read.table.unique_sets(include_partial=False)
        if s.columns and not s.expressions and set(s.columns) == set(read.keys) and not s.nulls_not_distinct
    ]
    if not covering:
        message = (
            f"{what}: two concurrent calls can both pass the check; no unique constraint on exactly these columns "
            "enforces it (add `uniqueIndex().on(...)` on them, then let the update's conflict decide)"
        )
        return ctx.finding(rule, span, message=message, applicability=Applicability.DISPLAY_ONLY)
    if check.excluded is None:
        message = (
            f"{what} races; the check also finds the row being updated (which its own update never conflicts "
            "with): leave it out (`ne(t.id, id)`), then catch the unique violation at the update"
        )
        return ctx.finding(rule, span, message=message, applicability=Applicability.DISPLAY_ONLY)
    condition = None
    if check.condition is not None:
        condition = " ".join(ctx.text(check.condition).split())
        if any(op in condition for op in ("||", "??", "?", ",")):
            condition = f"({condition})"
    removed = (first.start_byte, first.end_byte if after == index + 1 else statements[index + 1].end_byte)
    edits = catch_edits(ctx, removed, write, check.consequence, read.table, covering[0], condition, "update")
    if isinstance(edits, str):
        return ctx.finding(rule, span, message=f"{what} races; {edits}", applicability=Applicability.DISPLAY_ONLY)
    if not _row_exists_before(ctx, analyzer, statements[:index], read.table, where):
        message = (
            f"{what} races; catching the unique violation at the update would change what happens when no row "
            "matches the update (it writes nothing and raises no violation, where the check may have found "
            "another row and thrown): read the row first, or rewrite by hand"
        )
        return ctx.finding(rule, span, message=message, applicability=Applicability.DISPLAY_ONLY)
    message = f"{what}: 2 statements and a race; catching the unique violation at the update does it in one"
    fix, predicate = edits
    return ctx.finding(
        rule,
        span,
        message=message,
        edits=fix,
        applicability=Applicability.UNSAFE,
        imports=predicate.imports,
        creates=predicate.creates,
    )


def _update_check(ctx: FileContext, analyzer: EffectAnalyzer, statements: list[Node], index: int) -> UpdateCheck | None:
    """`const [x] = await <read>; if (x && x.id !== id) throw …` (or `if (x)` with `ne(t.id, id)` in the read)."""
    if index + 1 >= len(statements):
        return None
    found = declared_read(ctx.project, ctx.parsed, ctx.vocabulary, statements[index], exclusion=True)
    if found is None:
        return None
    pattern, read = found
    if pattern.type == "array_pattern":
        elements = pattern.named_children
        if len(elements) != 1 or elements[0].type != "identifier" or read.chain is None:
            return None
        name, row_form = ctx.text(elements[0]), True
    elif pattern.type == "identifier":
        name, row_form = ctx.text(pattern), read.chain is None or read.chain.method == "findFirst"
    else:
        return None
    parts = if_without_else(statements[index + 1])
    if parts is None or pure_exit(analyzer, parts[1], name) is None:
        return None
    condition = unwrap(parts[0])
    excluded = read.excluded
    text = " ".join(ctx.text(condition).split())
    if text not in [f.format(name) for f in (ROW_FOUND if row_form else ROWS_FOUND)]:
        if not row_form or excluded is not None:
            return None
        excluded = _excluded_in_guard(ctx, condition, name)
        if excluded is None:
            return None
    return UpdateCheck(read, name, parts[1], excluded, None)


def _excluded_in_guard(ctx: FileContext, condition: Node, name: str) -> tuple[str, str] | None:
    """`x && x.id !== id` (or `id !== x.id`, `!=`) -> ("id", "id")."""
    if condition.type != "binary_expression" or _operator(condition) != "&&":
        return None
    left, right = condition.child_by_field_name("left"), condition.child_by_field_name("right")
    if left is None or right is None or ctx.text(unwrap(left)) != name:
        return None
    right = unwrap(right)
    if right.type != "binary_expression" or _operator(right) not in ("!==", "!="):
        return None
    a, b = right.child_by_field_name("left"), right.child_by_field_name("right")
    if a is None or b is None:
        return None
    for member, value in ((unwrap(a), unwrap(b)), (unwrap(b), unwrap(a))):
        obj = member.child_by_field_name("object") if member.type == "member_expression" else None
        prop = member.child_by_field_name("property") if obj is not None else None
        if obj is not None and prop is not None and ctx.text(obj) == name and name not in _identifiers(ctx, value):
            return ctx.text(prop), " ".join(ctx.text(value).split())
    return None


def _conditional_check(ctx: FileContext, analyzer: EffectAnalyzer, statement: Node) -> UpdateCheck | None:
    """`if (<condition>) { <read>; <guard> }`: the check runs only when a condition that reads values holds."""
    parts = if_without_else(statement)
    if parts is None or parts[1].type != "statement_block":
        return None
    inner = [c for c in parts[1].named_children if c.type != "comment"]
    if len(inner) != 2 or any(n.type in IMPURE_NODES for n in walk(parts[0])):
        return None
    check = _update_check(ctx, analyzer, inner, 0)
    if check is None:
        return None
    return UpdateCheck(check.read, check.name, check.consequence, check.excluded, unwrap(parts[0]))


def _update_of(ctx: FileContext, statement: Node, read: KeyedRead) -> tuple[Write, dict[str, str], Node] | None:
    """The update of the checked table that writes the checked values, its where's keys and its condition."""
    found = awaited_statement(statement)
    if found is None:
        return None
    pattern, awaited = found
    if pattern is not None and pattern.type not in ("identifier", "array_pattern"):
        return None
    bound = ctx.text(pattern) if pattern is not None else None
    chain = ctx.vocabulary.query_chain(awaited.named_children[0])
    if chain is None or chain.kind != "write":
        return None
    names = [link.name for link in chain.links]
    if names not in (["update", "set", "where"], ["update", "set", "where", "returning"]):
        return None
    target, row, condition = (_first_argument(chain.links[i].call) for i in range(3))
    schema = ctx.project.schema
    if target is None or schema.table_for_identifier(ctx.parsed, target) is not read.table:
        return None
    if row is None or row.type != "object" or condition is None:
        return None
    where = where_keys(ctx.project, ctx.parsed, read.table, condition)
    values = _set_values(ctx, row)
    if where is None or values is None:
        return None
    explicit, spreads = values
    wrote_key = False
    for column, value in read.keys.items():
        wanted = " ".join(value.split())
        written = explicit.get(column)
        candidates = [written] if written is not None else [f"{s}.{column}" for s in spreads]
        if any(c != wanted for c in candidates) or len(candidates) > 1:
            return None
        if candidates:
            wrote_key = True
        elif where[0].get(column) is None or " ".join(where[0][column].split()) != wanted:
            return None  # the row keeps a value of this column the check did not compare
    if not wrote_key:
        return None
    written_columns = None if spreads else set(explicit)
    keys = {k: " ".join(v.split()) for k, v in where[0].items()}
    return Write(statement, chain, bound, written_columns), keys, condition


def _set_values(ctx: FileContext, row: Node) -> tuple[dict[str, str], list[str]] | None:
    """`.set({...})`: column -> value text of the pairs no later spread can override, and the spread names;
    None for a spread of anything but a name, or a pair a later spread may override."""
    explicit: dict[str, str] = {}
    spreads: list[str] = []
    for pair in row.named_children:
        if pair.type == "spread_element":
            inner = unwrap(pair.named_children[0]) if pair.named_children else None
            if inner is None or inner.type != "identifier" or explicit:
                return None
            spreads.append(ctx.text(inner))
        elif pair.type == "shorthand_property_identifier":
            explicit[ctx.text(pair)] = ctx.text(pair)
        elif pair.type == "pair":
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is None or value is None or key.type not in ("property_identifier", "string"):
                return None
            explicit[ctx.text(key).strip("'\"")] = " ".join(ctx.text(value).split())
        elif pair.type != "comment":
            return None
    return explicit, spreads


def _row_exists_before(
    ctx: FileContext, analyzer: EffectAnalyzer, earlier: list[Node], table: Table, where: dict[str, str]
) -> bool:
    """Whether the block read the updated row by the update's keys and left on not finding it: `const [row] =
    await <read by the same keys>; if (!row) throw|return …`, its key values not rebound since."""
    for at in range(len(earlier) - 2, -1, -1):
        found = declared_read(ctx.project, ctx.parsed, ctx.vocabulary, earlier[at])
        if found is None or found[1].table is not table:
            continue
        pattern, read = found
        name = ctx.text(pattern)
        if pattern.type == "array_pattern" and len(pattern.named_children) == 1:
            name = ctx.text(pattern.named_children[0])
        keys = {k: " ".join(v.split()) for k, v in read.keys.items()}
        parts = if_without_else(earlier[at + 1])
        if keys != where or parts is None or " ".join(ctx.text(unwrap(parts[0])).split()) != f"!{name}":
            continue
        if pure_exit(analyzer, parts[1], name) is None or not name.isidentifier():
            continue
        names = set().union(*(analyzer.free_reads(n) for n in read.value_nodes))
        since = earlier[at + 1 :]
        # nothing since may have deleted the row (or changed its keys): reads and plain code only
        return not any(analyzer.binds(s) & names or analyzer.effects(s).db not in ("none", "read") for s in since)
    return False


def _operator(node: Node) -> str:
    operator = node.child_by_field_name("operator")
    return operator.type if operator is not None else ""


def _identifiers(ctx: FileContext, node: Node) -> set[str]:
    return {ctx.text(n) for n in walk(node) if n.type == "identifier"}


def _first_argument(call: Node | None) -> Node | None:
    args = call.child_by_field_name("arguments") if call is not None else None
    return unwrap(args.named_children[0]) if args is not None and args.named_children else None


def _between(ctx: FileContext, start: int, end: int) -> str:
    return ctx.source[start:end].decode("utf-8", "surrogateescape")
