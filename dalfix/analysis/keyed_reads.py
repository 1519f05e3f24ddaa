"""Reads keyed by column equalities: `select().from(t).where(eq(t.c, v))`, `query.t.findFirst({ where })`, and
project helpers whose whole body is such a read (`getBySlug(slug)`), with the helper's parameters replaced by
the caller's arguments.

Rules that replace a read by something the database enforces or joins (check-then-insert, fetch-then-fetch,
guarded writes) ask `keyed_read(...)` what a read selects: the table, the column each key is compared with and
the expression it is compared to (a node of the caller's file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import QueryChain, Vocabulary, unwrap
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, sole_statement

if TYPE_CHECKING:
    from dalfix.analysis.effects import EffectAnalyzer
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema import Table

SQL_EQUALITY = "eq"
SQL_CONJUNCTION = "and"
SQL_INEQUALITY = "ne"
SQL_NULL_TESTS = ("isNull", "isNotNull")


@dataclass(frozen=True)
class KeyedRead:
    table: Table
    keys: dict[str, str]  # column TS key -> source text of the value it is compared with (caller's file)
    value_nodes: tuple[Node, ...]  # the value expressions in the caller's file (their names must not change)
    chain: QueryChain | None  # the query itself when it is written in the caller, None through a helper
    one_row: bool  # `.limit(1)` or `findFirst`
    throws_when_missing: bool = False  # a helper that throws instead of returning no row (asked for only)
    # `ne(t.c, v)` next to the equalities (asked for only): rows whose `c` is `v` are left out (the row being
    # updated, in a uniqueness pre-check before an update); column TS key -> value text
    excluded: tuple[str, str] | None = None
    # `isNull(t.c)` / `isNotNull(t.c)` on the read's own table next to the equalities (asked for only): rows the read
    # leaves out whatever the keys (soft-deleted ones); their source texts, to keep beside the keys (a join's ON)
    filters: tuple[str, ...] = ()


def keyed_read(
    project: Project,
    parsed: ParsedFile,
    vocabulary: Vocabulary,
    query: Node,
    throwing_helpers: bool = False,
    exclusion: bool = False,
    filters: bool = False,
) -> KeyedRead | None:
    """What `query` (an awaited expression) reads, when it is a read keyed by column equalities.
    `throwing_helpers`: also helpers that read, `if (!x) throw …`, and return the row (never missing then).
    `exclusion`: also a query written in the caller with one `ne(t.c, v)` among its equalities.
    `filters`: also a query written in the caller with `isNull(t.c)` / `isNotNull(t.c)` among them (`filters`).

    Memoised on the vocabulary per node of its tree (by kind and bytes: no two nodes of one kind span the same bytes
    unless one wraps the other alone, which no expression kind does) and per tree generation: DAL003, DAL004, DAL008
    and DAL009 ask about the same reads, in every fix round. The answer depends only on the node, the file's
    vocabulary and project facts that are fixed while rules run."""
    if parsed is not vocabulary.parsed:
        return _keyed_read(project, parsed, vocabulary, query, throwing_helpers, exclusion, filters)
    memo = vocabulary.__dict__.setdefault(_KEYED_READS, {})
    key = (query.kind_id, query.start_byte, query.end_byte, throwing_helpers, exclusion, filters, parsed.generation)
    if key not in memo:
        memo[key] = _keyed_read(project, parsed, vocabulary, query, throwing_helpers, exclusion, filters)
    return memo[key]  # type: ignore[no-any-return]


_KEYED_READS = "_dalfix_keyed_reads"


def _keyed_read(
    project: Project,
    parsed: ParsedFile,
    vocabulary: Vocabulary,
    query: Node,
    throwing_helpers: bool,
    exclusion: bool,
    filters: bool = False,
) -> KeyedRead | None:
    query = unwrap(query)
    chain = vocabulary.query_chain(query)
    if chain is not None:
        excluded: list[tuple[str, str]] | None = [] if exclusion else None
        filtered: list[str] | None = [] if filters else None
        found = _chain_keys(project, parsed, chain, {}, excluded, filtered)
        if found is None or (excluded is not None and len(excluded) > 1):
            return None
        kept = excluded[0] if excluded else None
        return KeyedRead(found[0], found[1], found[2], chain, found[3], excluded=kept, filters=tuple(filtered or ()))
    if query.type != "call_expression":
        return None
    return _through_helper(project, parsed, query, throwing_helpers)


def _chain_keys(
    project: Project,
    parsed: ParsedFile,
    chain: QueryChain,
    arguments: dict[str, Node],
    excluded: list[tuple[str, str]] | None = None,
    filtered: list[str] | None = None,
) -> tuple[Table, dict[str, str], tuple[Node, ...], bool] | None:
    names = [link.name for link in chain.links]
    if chain.kind != "read" or chain.has_then or "for" in names:
        return None
    where: Node | None = None
    if names[:1] == ["select"] and "from" in names:
        allowed = {"select", "from", "where", "limit"}
        if not set(names) <= allowed or names.count("where") != 1:
            return None
        source = _argument(chain.links[names.index("from")].call)
        table = project.schema.table_for_identifier(parsed, source) if source is not None else None
        where = _argument(chain.links[names.index("where")].call)
        one_row = "limit" in names and _is_one(parsed, _argument(chain.links[names.index("limit")].call))
    elif names[:1] == ["query"] and len(names) == 3 and names[2] == "findFirst":
        table = project.schema.table_by_ts_name(names[1])
        options = _argument(chain.links[2].call)
        if options is None or options.type != "object":
            return None
        for pair in options.named_children:
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            if key is None or parsed.text(key) != "where":
                return None  # columns/with/orderBy change what comes back: not a plain keyed read
            where = pair.child_by_field_name("value")
        one_row = True
    else:
        return None
    if table is None or where is None:
        return None
    keys: dict[str, str] = {}
    values: list[Node] = []
    if not _equalities(project, parsed, table, unwrap(where), arguments, keys, values, excluded, filtered):
        return None
    if not keys:
        return None
    return table, keys, tuple(values), one_row


def where_keys(
    project: Project, parsed: ParsedFile, table: Table, condition: Node
) -> tuple[dict[str, str], tuple[Node, ...]] | None:
    """What a WHERE condition written in user code compares (`eq(t.c, v)` / `and(eq(...), ...)` on `table`'s
    columns): column TS key -> value text, and the value nodes; None for any other condition."""
    keys: dict[str, str] = {}
    values: list[Node] = []
    if not _equalities(project, parsed, table, unwrap(condition), {}, keys, values):
        return None
    return keys, tuple(values)


def _equalities(
    project: Project,
    parsed: ParsedFile,
    table: Table,
    condition: Node,
    arguments: dict[str, Node],
    keys: dict[str, str],
    values: list[Node],
    excluded: list[tuple[str, str]] | None = None,
    filtered: list[str] | None = None,
) -> bool:
    """`eq(t.c, v)` or `and(eq(...), ...)`: collect column -> value; anything else is not a keyed read.
    With `excluded`, `ne(t.c, v)` parts too (collected there; their values are value nodes as well); with
    `filtered`, `isNull(t.c)` / `isNotNull(t.c)` parts on `table` (their texts collected there)."""
    if condition.type != "call_expression":
        return False
    function = condition.child_by_field_name("function")
    args = condition.child_by_field_name("arguments")
    name = parsed.text(function) if function is not None else ""
    parts = [unwrap(a) for a in args.named_children] if args is not None else []
    if name == SQL_CONJUNCTION and parts:
        return all(
            _equalities(project, parsed, table, part, arguments, keys, values, excluded, filtered) for part in parts
        )
    if name in SQL_NULL_TESTS and filtered is not None and not arguments and len(parts) == 1:
        found = project.schema.column_of(parsed, parts[0])
        if found is None or found[0] is not table:
            return False
        filtered.append(" ".join(parsed.text(condition).split()))
        return True
    exclusion = name == SQL_INEQUALITY and excluded is not None and not arguments
    if (name != SQL_EQUALITY and not exclusion) or len(parts) != 2:
        return False
    found = project.schema.column_of(parsed, parts[0])
    if found is None or found[0] is not table or found[1].key in keys:
        return False
    value = parts[1]
    if exclusion and excluded is not None:
        excluded.append((found[1].key, parsed.text(value)))
        values.append(value)
        return True
    if arguments:
        # Inside a helper: the value must be one of its parameters, replaced by the caller's argument.
        if value.type != "identifier" or parsed.text(value) not in arguments:
            return False
        value = arguments[parsed.text(value)]
    keys[found[1].key] = value.text.decode("utf-8", "surrogateescape") if value.text is not None else ""
    values.append(value)
    return True


def _through_helper(project: Project, parsed: ParsedFile, call: Node, throwing: bool = False) -> KeyedRead | None:
    """`await getBySlug(slug)` / `this.getBySlug(slug)`: a helper whose body is one keyed read, returned."""
    summaries = project.summaries
    called = summaries.called_function(parsed, call)
    if called is None or called.function.type not in FUNCTION_TYPES:
        return None
    function, module = called.function, called.module
    params = function.child_by_field_name("parameters")
    args = call.child_by_field_name("arguments")
    if params is None or args is None:
        return None
    names = [p.child_by_field_name("pattern") for p in params.named_children]
    actual = [unwrap(a) for a in args.named_children]
    if len(actual) != len(names) or any(n is None or n.type != "identifier" for n in names):
        return None
    arguments = {module.parsed.text(n): a for n, a in zip(names, actual, strict=True) if n is not None}
    query = _returned_query(module.parsed, function)
    throws = False
    if query is None and throwing:
        query, throws = _guarded_returned_query(module.parsed, function), True
    if query is None:
        return None
    vocabulary = project.vocabulary_for(module.parsed)
    chain = vocabulary.query_chain(query)
    if chain is None:
        return None
    found = _chain_keys(project, module.parsed, chain, arguments)
    return None if found is None else KeyedRead(found[0], found[1], found[2], None, found[3], throws)


def _guarded_returned_query(parsed: ParsedFile, function: Node) -> Node | None:
    """`const x = await q; if (!x) throw …; return x;` -> q (the helper never returns a missing row)."""
    body = function.child_by_field_name("body")
    statements = [s for s in body.named_children if s.type != "comment"] if body is not None else []
    if len(statements) != 3 or statements[0].type != "lexical_declaration":
        return None
    declaration, guard, returned = statements
    declarators = [c for c in declaration.named_children if c.type == "variable_declarator"]
    if len(declarators) != 1 or guard.type != "if_statement" or returned.type != "return_statement":
        return None
    pattern, value = declarators[0].child_by_field_name("name"), declarators[0].child_by_field_name("value")
    condition, consequence = guard.child_by_field_name("condition"), guard.child_by_field_name("consequence")
    if pattern is None or value is None or condition is None or consequence is None:
        return None
    name = parsed.text(pattern)
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1].strip()
    if not name.isidentifier() or guard.child_by_field_name("alternative") is not None:
        return None
    exit_statement = consequence.named_children[0] if consequence.type == "statement_block" else consequence
    if consequence.type == "statement_block" and len(consequence.named_children) != 1:
        return None
    if " ".join(parsed.text(condition).strip("()").split()) != f"!{name}" or exit_statement.type != "throw_statement":
        return None
    result = returned.named_children[0] if returned.named_children else None
    if result is None or parsed.text(result) != name:
        return None
    return _awaited(value)


def _returned_query(parsed: ParsedFile, function: Node) -> Node | None:
    """`const [x] = await q; return x ?? null;` / `return await q;` / `return (await q)[0]` -> q."""
    body = function.child_by_field_name("body")
    if body is None:
        return None
    if body.type != "statement_block":
        return _awaited(body)
    statements = [s for s in body.named_children if s.type != "comment"]
    if len(statements) == 1 and statements[0].type == "return_statement":
        returned = statements[0].named_children[0] if statements[0].named_children else None
        return _awaited(returned) if returned is not None else None
    if len(statements) != 2 or statements[1].type != "return_statement":
        return None
    declaration, returned = statements
    declarators = [c for c in declaration.named_children if c.type == "variable_declarator"]
    if declaration.type != "lexical_declaration" or len(declarators) != 1:
        return None
    pattern = declarators[0].child_by_field_name("name")
    value = declarators[0].child_by_field_name("value")
    result = returned.named_children[0] if returned.named_children else None
    if pattern is None or value is None or result is None:
        return None
    bound = parsed.text(pattern)
    # The helper returns the row (or its absence) and nothing else.
    if bound.startswith("[") and bound.endswith("]"):
        inner = bound[1:-1].strip()
        if parsed.text(result) not in (inner, f"{inner} ?? null", f"{inner} ?? undefined"):
            return None
    elif parsed.text(result) not in (bound, f"{bound} ?? null"):
        return None
    return _awaited(value)


def _awaited(node: Node) -> Node | None:
    node = unwrap(node)
    if node.type == "await_expression" and node.named_children:
        return unwrap(node.named_children[0])
    return None


def _argument(call: Node | None) -> Node | None:
    args = call.child_by_field_name("arguments") if call is not None else None
    return unwrap(args.named_children[0]) if args is not None and args.named_children else None


def _is_one(parsed: ParsedFile, node: Node | None) -> bool:
    return node is not None and parsed.text(node) == "1"


def one_row_name(parsed: ParsedFile, pattern: Node, read: KeyedRead) -> str | None:
    """The name a declared read binds its one row to: `const [x] = await <chain>`, or `const x = await` a
    `findFirst(...)` or a helper returning one row; None for any other pattern."""
    if pattern.type == "array_pattern":
        elements = pattern.named_children
        if len(elements) != 1 or elements[0].type != "identifier" or read.chain is None:
            return None
        return parsed.text(elements[0])
    if pattern.type == "identifier" and (read.chain is None or read.chain.method == "findFirst"):
        return parsed.text(pattern)
    return None


def declared_read(
    project: Project,
    parsed: ParsedFile,
    vocabulary: Vocabulary,
    statement: Node,
    const_only: bool = False,
    exclusion: bool = False,
    filters: bool = False,
) -> tuple[Node, KeyedRead] | None:
    """`const <pattern> = await <keyed read>` (one declarator): its binding pattern and what it reads.

    The shape DAL003, DAL004 and DAL008 start from; each decides which patterns it takes (`[x]`, `x`, `rows`)."""
    if statement.type != "lexical_declaration" or len(statement.named_children) != 1:
        return None
    if const_only and parsed.text(statement).split(None, 1)[0] != "const":
        return None
    declarator = statement.named_children[0]
    pattern = declarator.child_by_field_name("name")
    value = declarator.child_by_field_name("value")
    value = unwrap(value) if value is not None else None
    if pattern is None or value is None or value.type != "await_expression" or not value.named_children:
        return None
    read = keyed_read(project, parsed, vocabulary, value.named_children[0], exclusion=exclusion, filters=filters)
    return (pattern, read) if read is not None else None


def if_without_else(statement: Node) -> tuple[Node, Node] | None:
    """(condition, consequence) of `if (…) …` with no `else`, the shape of every guard after a read."""
    if statement.type != "if_statement" or statement.child_by_field_name("alternative") is not None:
        return None
    condition = statement.child_by_field_name("condition")
    consequence = statement.child_by_field_name("consequence")
    return (condition, consequence) if condition is not None and consequence is not None else None


def pure_exit(analyzer: EffectAnalyzer, consequence: Node, name: str) -> Node | None:
    """The guard's one `return …`/`throw …`, when it queries nothing, awaits nothing and does not read `name`."""
    exit_statement = sole_statement(consequence)
    if exit_statement is None or exit_statement.type not in ("throw_statement", "return_statement"):
        return None
    effects = analyzer.effects(exit_statement)
    if effects.db != "none" or effects.awaits or name in effects.reads:
        return None
    return exit_statement
