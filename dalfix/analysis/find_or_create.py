"""Find-or-create: a keyed read, then an insert of the same key that runs only when the read found no row.

    let role = await db.query.roles.findFirst({ where: eq(roles.name, name) });
    if (!role) {
      const [created] = await db.insert(roles).values({ name }).returning();
      role = created;
    }

Two concurrent first calls both miss and both insert: without a unique constraint on the key the table ends
with two rows (and `.limit(1)` / `findFirst` returns either from then on); with one, the second call fails with
a raw unique violation. `find_or_create_at(...)` recognises the shapes (DAL003 reports them, the index advisor
proposes a UNIQUE index for their key):

- the guard branches into the insert: `if (!row) { …; <insert>; row = created }` (or `return created` in the
  block, with `return row` after it, or an insert whose result is not used);
- an early return of the found row: `if (row) return row; …; <insert>; return created`;
- a fallback: `row ?? (await <insert>.returning())[0]`, `row || …`, `row ? row : …`, `!row ? … : row`.

The insert must write exactly the values the read compared (`_writes_keys`), into the same table; the read
compares only those columns (no other condition the insert does not set) and takes no lock (`.for('update')`
or an advisory lock earlier in the function serialises the callers: no race). An insert that already handles
the conflict (`onConflict…`, `onDuplicateKeyUpdate`) and an update instead of an insert are other shapes.

`flow` says where the inserted row goes: "same" when it goes exactly where the found row goes (assigned back
to the read's `let`, returned where the found row is returned, or the fallback's value) or nowhere (an insert
whose result is not used, last in its block); otherwise why a conflict could not simply take the found row's
place (the new row is used for more, the block goes on as if it had created a row, values were derived from the
missing row before the guard).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dalfix.analysis.drizzle import QueryChain, Vocabulary, unwrap
from dalfix.analysis.keyed_reads import KeyedRead, declared_read, one_row_name
from dalfix.analysis.keyed_writes import awaited_statement
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, sole_statement

if TYPE_CHECKING:
    from dalfix.analysis.effects import EffectAnalyzer
    from dalfix.analysis.project import Project

ROW_MISSING = ("!{0}", "{0} == null", "{0} === undefined", "{0} == undefined")
ROW_FOUND = ("{0}", "{0} != null", "{0} !== undefined", "{0} !== null")
# A lock taken earlier in the function serialises the callers (the second waits, then finds the row).
LOCKS = re.compile(r"\.for\(\s*['\"`]|pg_advisory|GET_LOCK\(|FOR UPDATE|FOR SHARE")
Shape = Literal["guard", "early-return", "fallback"]
USED_FOR_MORE = "the inserted row is used for more than the found row is, and the row found on a conflict must not be"
GOES_ON = "the code after the insert goes on as if it had created the row, which a conflict does not"
PRELUDE = "values are derived from the found row before the guard, and a conflict would not give them the row"


@dataclass(frozen=True)
class Insert:
    """The insert of a find-or-create: the node replaced by a rewrite (the statement, or the fallback's
    `(await <insert>)[0]`), the chain, its `.values(...)` call, the `[created]` pattern's name (None: the result
    is not bound), whether it ends in a bare `.returning()`, and its form."""

    node: Node
    chain: QueryChain
    values_call: Node
    bound: str | None
    returning: bool
    form: Literal["statement", "expression"]
    declaration: str | None  # `const` / `let` of a bound statement


@dataclass(frozen=True)
class FindOrCreate:
    read_statement: Node
    read: KeyedRead
    name: str  # the found row's name
    insert: Insert
    shape: Shape
    flow: str  # "same", or why the inserted row's place cannot be taken by the row found on a conflict
    end: Node  # the last statement of the pattern (the finding's span ends there)
    between: tuple[Node, ...]  # statements run before the insert on the missing path (pure ones)


def find_or_create_at(
    project: Project,
    parsed: ParsedFile,
    vocabulary: Vocabulary,
    analyzer: EffectAnalyzer,
    statements: list[Node],
    index: int,
) -> FindOrCreate | None:
    """The find-or-create whose read is `statements[index]`, or None."""
    if index + 1 >= len(statements):
        return None
    read_statement = statements[index]
    found = declared_read(project, parsed, vocabulary, read_statement)
    if found is None:
        return None
    pattern, read = found
    name = one_row_name(parsed, pattern, read)
    if name is None:
        return None
    if _locked_before(parsed, read_statement):
        return None
    declaration = parsed.text(read_statement).split(None, 1)[0]
    result = None
    prelude: list[Node] = []
    for at in range(index + 1, len(statements)):
        # Pure statements may sit between the read and the guard (`const id = existing?.id ?? newId()`).
        view = [*statements[: index + 1], *statements[at:]]
        result = (
            _guard_block(project, parsed, vocabulary, analyzer, read, name, declaration, view, index)
            or _early_return(project, parsed, vocabulary, analyzer, read, name, view, index)
            or _fallback(project, parsed, vocabulary, analyzer, read, name, statements[at])
        )
        effects = analyzer.effects(statements[at])
        if result is not None or effects.db not in ("none", "unknown") or effects.awaits or effects.exits:
            break  # (a call that sends no query, `newId()`, may sit there: the fix is then by hand anyway)
        prelude.append(statements[at])
    if result is None:
        return None
    insert, shape, flow, end, between = result
    # The key's values must not change between the read and the insert, nor may the read's row be used on the
    # missing path before the insert (it is missing there), nor the row's name be bound again before the guard.
    keys = set().union(*(analyzer.free_reads(n) for n in read.value_nodes))
    rebound = set().union(*(analyzer.binds(s) for s in [*prelude, *between]))
    if rebound & (keys | {name}) or any(name in analyzer.free_reads(s) for s in between):
        return None
    if prelude:
        flow = PRELUDE
    return FindOrCreate(read_statement, read, name, insert, shape, flow, end, tuple(between))


def find_or_create_of_query(project: Project, parsed: ParsedFile, query_start: int) -> FindOrCreate | None:
    """The find-or-create whose read's query starts at `query_start` (a query site), or None."""
    node = parsed.root.descendant_for_byte_range(query_start, query_start)
    while node is not None and not (node.parent is not None and node.parent.type == "statement_block"):
        if node.type in FUNCTION_TYPES:
            return None
        node = node.parent
    if node is None or node.parent is None or node.type != "lexical_declaration":
        return None
    statements = [c for c in node.parent.named_children if c.type != "comment"]
    vocabulary = project.vocabulary_for(parsed)
    analyzer = project.analyzer_for(parsed, vocabulary)
    return find_or_create_at(project, parsed, vocabulary, analyzer, statements, statements.index(node))


# ------------------------------------------------------------------------------------------------ the shapes


def _guard_block(project, parsed, vocabulary, analyzer, read, name, declaration, statements, index):  # type: ignore[no-untyped-def]
    """`if (!row) { <pure>; <insert>; row = created | return created }` (no else)."""
    guard = statements[index + 1]
    parts = _if_parts(guard)
    if parts is None or _condition(parsed, parts[0]) not in [f.format(name) for f in ROW_MISSING]:
        return None
    body = parts[1]
    inner = [c for c in body.named_children if c.type != "comment"] if body.type == "statement_block" else [body]
    at = next((i for i, s in enumerate(inner) if not analyzer.effects(s).pure), None)
    if at is None:
        return None
    insert = _insert_statement(project, parsed, vocabulary, inner[at], read)
    if insert is None:
        return None
    after = inner[at + 1 :]
    flow = USED_FOR_MORE
    if insert.bound is None:
        flow = "same" if not after else GOES_ON  # `created = true` after it would be wrong on a conflict
    elif len(after) == 1 and _assigns(parsed, after[0], name, insert.bound) and declaration == "let":
        flow = "same"
    elif len(after) == 1 and _returns(parsed, after[0], insert.bound):
        rest = statements[index + 2 :]
        flow = "same" if rest and _returns(parsed, rest[0], name) else USED_FOR_MORE
    return insert, "guard", flow, guard, inner[:at]


def _early_return(project, parsed, vocabulary, analyzer, read, name, statements, index):  # type: ignore[no-untyped-def]
    """`if (row) return row; <pure>; <insert>; return created;`."""
    parts = _if_parts(statements[index + 1])
    if parts is None or _condition(parsed, parts[0]) not in [f.format(name) for f in ROW_FOUND]:
        return None
    exit_statement = sole_statement(parts[1])
    if exit_statement is None or not _returns(parsed, exit_statement, name):
        return None
    later = statements[index + 2 :]
    at = next((i for i, s in enumerate(later) if not analyzer.effects(s).pure), None)
    if at is None:
        return None
    statement = later[at]
    if statement.type == "return_statement" and statement.named_children:
        insert = _insert_expression(project, parsed, vocabulary, statement.named_children[0], read)
        if insert is None:
            return None
        return insert, "early-return", "same", statement, later[:at]
    insert = _insert_statement(project, parsed, vocabulary, statement, read)
    if insert is None:
        return None
    after = later[at + 1 :]
    returned = insert.bound is not None and after and _returns(parsed, after[0], insert.bound)
    flow = "same" if returned else (USED_FOR_MORE if insert.bound is not None else GOES_ON)
    return insert, "early-return", flow, statement, later[:at]


def _fallback(project, parsed, vocabulary, analyzer, read, name, statement):  # type: ignore[no-untyped-def]
    """`return row ?? (await <insert>.returning())[0];` (or `const x = …`, `row || …`, `row ? row : …`)."""
    if statement.type == "return_statement":
        value = statement.named_children[0] if statement.named_children else None
    elif statement.type == "lexical_declaration" and len(statement.named_children) == 1:
        value = statement.named_children[0].child_by_field_name("value")
    else:
        return None
    value = unwrap(value) if value is not None else None
    if value is None:
        return None
    fallback = None
    if value.type == "binary_expression":
        operator = value.child_by_field_name("operator")
        left, right = value.child_by_field_name("left"), value.child_by_field_name("right")
        if operator is not None and operator.type in ("??", "||") and left is not None and right is not None:
            fallback = right if parsed.text(unwrap(left)) == name else None
    elif value.type == "ternary_expression":
        condition = value.child_by_field_name("condition")
        yes, no = value.child_by_field_name("consequence"), value.child_by_field_name("alternative")
        if condition is not None and yes is not None and no is not None:
            test = _condition(parsed, condition)
            if test in [f.format(name) for f in ROW_FOUND] and parsed.text(unwrap(yes)) == name:
                fallback = no
            elif test in [f.format(name) for f in ROW_MISSING] and parsed.text(unwrap(no)) == name:
                fallback = yes
    if fallback is None:
        return None
    insert = _insert_expression(project, parsed, vocabulary, fallback, read)
    if insert is None:
        return None
    return insert, "fallback", "same", statement, []


# ------------------------------------------------------------------------------------------------ the insert


def _insert_statement(project, parsed, vocabulary, statement, read) -> Insert | None:  # type: ignore[no-untyped-def]
    """`await <insert>;` or `const|let [created] = await <insert>.returning();`."""
    found = awaited_statement(statement)
    if found is None:
        return None
    pattern, awaited = found
    bound = None
    if pattern is not None:
        if pattern.type != "array_pattern" or len(pattern.named_children) != 1:
            return None
        element = pattern.named_children[0]
        if element.type != "identifier":
            return None
        bound = parsed.text(element)
    chain = _insert_chain(project, parsed, vocabulary, awaited.named_children[0], read)
    if chain is None:
        return None
    values_call, returning = chain
    if bound is not None and not returning:
        return None
    declaration = parsed.text(statement).split(None, 1)[0] if pattern is not None else None
    return Insert(statement, vocabulary.query_chain(unwrap(awaited.named_children[0])), values_call, bound,
                  returning, "statement", declaration)  # fmt: skip


def _insert_expression(project, parsed, vocabulary, node, read) -> Insert | None:  # type: ignore[no-untyped-def]
    """`(await <insert>.returning())[0]`."""
    node = unwrap(node)
    if node.type != "subscript_expression":
        return None
    index = node.child_by_field_name("index")
    target = node.child_by_field_name("object")
    if index is None or parsed.text(index) != "0" or target is None:
        return None
    awaited = unwrap(target)
    if awaited.type != "await_expression" or not awaited.named_children:
        return None
    chain = _insert_chain(project, parsed, vocabulary, awaited.named_children[0], read)
    if chain is None or not chain[1]:
        return None
    query = vocabulary.query_chain(unwrap(awaited.named_children[0]))
    assert query is not None
    return Insert(node, query, chain[0], None, True, "expression", None)


def _insert_chain(project, parsed, vocabulary, expression, read) -> tuple[Node, bool] | None:  # type: ignore[no-untyped-def]
    """(the `.values(...)` call, whether a bare `.returning()` ends it) of `<h>.insert(t).values({...})` into the
    read's table writing the read's key values."""
    chain = vocabulary.query_chain(unwrap(expression))
    if chain is None or chain.kind != "write" or chain.has_then:
        return None
    names = [link.name for link in chain.links]
    if names not in (["insert", "values"], ["insert", "values", "returning"]):
        return None  # an upsert already (onConflict…, onDuplicateKeyUpdate), or something else chained
    if chain.links[0].call is None or chain.links[1].call is None:
        return None
    target = _first_argument(chain.links[0].call)
    if target is None or project.schema.table_for_identifier(parsed, target) is not read.table:
        return None
    row = _first_argument(chain.links[1].call)
    written = written_columns(parsed, row) if row is not None and row.type == "object" else None
    if written is None or not all(written.get(c) == " ".join(v.split()) for c, v in read.keys.items()):
        return None
    returning = "returning" in names
    if returning and _first_argument(chain.links[2].call) is not None:
        returning = False  # `.returning({ id })`: another shape than the read's row
    return chain.links[1].call, returning


def written_columns(parsed: ParsedFile, row: Node) -> dict[str, str] | None:
    """Column key -> value text of an object literal row (an insert's `values({...})`); None when a spread could
    write any column. DAL003's check-then-insert reads rows the same way."""
    written: dict[str, str] = {}
    for pair in row.named_children:
        if pair.type == "shorthand_property_identifier":
            written[parsed.text(pair)] = parsed.text(pair)
        elif pair.type == "pair":
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is not None and value is not None:
                written[parsed.text(key).strip("'\"")] = " ".join(parsed.text(value).split())
        elif pair.type == "spread_element":
            return None
    return written


# ------------------------------------------------------------------------------------------------ helpers


def _if_parts(statement: Node) -> tuple[Node, Node] | None:
    if statement.type != "if_statement" or statement.child_by_field_name("alternative") is not None:
        return None
    condition = statement.child_by_field_name("condition")
    consequence = statement.child_by_field_name("consequence")
    return (condition, consequence) if condition is not None and consequence is not None else None


def _condition(parsed: ParsedFile, condition: Node) -> str:
    return " ".join(parsed.text(unwrap(condition)).split())


def _assigns(parsed: ParsedFile, statement: Node, name: str, value: str) -> bool:
    """`name = value;`."""
    if statement.type != "expression_statement" or not statement.named_children:
        return False
    expression = unwrap(statement.named_children[0])
    if expression.type != "assignment_expression":
        return False
    left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
    return left is not None and right is not None and parsed.text(left) == name and parsed.text(unwrap(right)) == value


def _returns(parsed: ParsedFile, statement: Node, name: str) -> bool:
    """`return name;`."""
    if statement.type != "return_statement" or not statement.named_children:
        return False
    return parsed.text(unwrap(statement.named_children[0])) == name


def _locked_before(parsed: ParsedFile, statement: Node) -> bool:
    """Whether a row lock or an advisory lock is taken earlier in the enclosing functions (a transaction's
    callback and the function that opens it)."""
    node = statement.parent
    while node is not None:
        if node.type in FUNCTION_TYPES:
            text = parsed.source[node.start_byte : statement.start_byte].decode("utf-8", "surrogateescape")
            if LOCKS.search(text):
                return True
        node = node.parent
    return False


def _first_argument(call: Node | None) -> Node | None:
    args = call.child_by_field_name("arguments") if call is not None else None
    return unwrap(args.named_children[0]) if args is not None and args.named_children else None


def read_where(parsed: ParsedFile, read: KeyedRead) -> Node | None:
    """The node of the read's WHERE condition (`where(...)`'s argument, or findFirst's `where:` value)."""
    chain = read.chain
    if chain is None:
        return None
    names = [link.name for link in chain.links]
    if "where" in names:
        return _first_argument(chain.links[names.index("where")].call)
    options = _first_argument(chain.links[-1].call)
    for pair in options.named_children if options is not None else []:
        key = pair.child_by_field_name("key") if pair.type == "pair" else None
        if key is not None and parsed.text(key) == "where":
            return pair.child_by_field_name("value")
    return None


def whole_row_read(read: KeyedRead) -> bool:
    """`select()` with no columns, or `findFirst({ where })`: the read returns the table's whole row."""
    chain = read.chain
    if chain is None:
        return False
    if chain.method == "findFirst":
        return True
    first = chain.links[0]
    return first.name == "select" and first.call is not None and _first_argument(first.call) is None


__all__ = ["FindOrCreate", "Insert", "find_or_create_at", "find_or_create_of_query", "read_where", "whole_row_read"]
