"""Turning a query keyed by one value into one keyed by a list: the Drizzle side of batching.

Which row property holds the key, what an aggregate returns for a key with no rows, whether a SET reads the
row it writes, where a chain continues, and what a per-key DAL helper would batch. Loops are `dalfix.analysis.loops`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import QueryChain, unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.loops import array_type, collection_type
from dalfix.analysis.summaries import RETURNED
from dalfix.fixes import Edit, apply_edits
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, descendants_of_type, line_indent

if TYPE_CHECKING:
    from pathlib import Path

    from dalfix.analysis.project import Project
    from dalfix.analysis.schema import Table

# What an aggregate over no rows returns: what the ungrouped query gave a key that a GROUP BY leaves out.
EMPTY_AGGREGATES = {"count": "0", "countDistinct": "0", "max": "null", "min": "null", "sum": "null",
                    "sumDistinct": "null", "avg": "null", "avgDistinct": "null"}  # fmt: skip


def chain_arguments(chain: QueryChain) -> dict[str, list[Node]]:
    """Arguments of each step of a chain by step name (the root step included); [] for non-call steps."""
    out: dict[str, list[Node]] = {}
    for link in chain.links:
        args = link.call.child_by_field_name("arguments") if link.call is not None else None
        out[link.name] = list(args.named_children) if args is not None else []
    return out


def text_with_edits(parsed: ParsedFile, node: Node, edits: list[Edit]) -> str:
    """The text of `node` with `edits` (positions in the file) applied."""
    shifted = [Edit(e.start - node.start_byte, e.end - node.start_byte, e.text) for e in edits]
    return apply_edits(parsed.source[node.start_byte : node.end_byte], shifted).decode("utf-8", "surrogateescape")


def key_property(parsed: ParsedFile, column: Node, projection: Node | None, table: Node) -> str | None:
    """The property of a result row that holds `column`: `id` for `select().from(t)` keyed by `t.id`, the
    field of a `select({ … })` whose value is the column; None when rows do not carry it."""
    column = unwrap(column)
    if projection is None:
        obj, prop = column.child_by_field_name("object"), column.child_by_field_name("property")
        same_table = column.type == "member_expression" and obj is not None and parsed.text(obj) == parsed.text(table)
        return parsed.text(prop) if same_table and prop is not None else None
    for pair in projection.named_children if projection.type == "object" else []:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or key.type != "property_identifier" or value is None:
            continue
        if parsed.text(value) == parsed.text(column):
            return parsed.text(key)
    return None


def aggregate_defaults(projection: Node | None, analyzer: EffectAnalyzer) -> list[tuple[str, str]] | None:
    """(field, empty value) of a projection made only of aggregates (`{ n: count(), last: max(t.x) }`)."""
    if projection is None or projection.type != "object" or not projection.named_children:
        return None
    out = []
    for pair in projection.named_children:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or value is None or key.type != "property_identifier":
            return None
        value = unwrap(value)
        function = value.child_by_field_name("function") if value.type == "call_expression" else None
        imported = analyzer.imports.get(analyzer.text(function)) if function is not None else None
        if imported is None or imported[0] != "drizzle-orm" or imported[1] not in EMPTY_AGGREGATES:
            return None
        out.append((analyzer.text(key), EMPTY_AGGREGATES[imported[1]]))
    return out


def reads_row(parsed: ParsedFile, node: Node, table: Node) -> bool:
    """Whether a SET value may read the row it updates: a column of the table, or raw `sql`."""
    for current in descendants_of_type(node, "member_expression", "call_expression"):
        target = current.child_by_field_name("object" if current.type == "member_expression" else "function")
        name = parsed.text(target) if target is not None else ""
        if name == parsed.text(table) or (current.type == "call_expression" and name.split(".")[0] == "sql"):
            return True
    return False


def continuation(parsed: ParsedFile, chain: QueryChain) -> str:
    """What goes before a step appended to `chain`: a newline and the indent of its last step when the chain
    puts one step per line, else nothing."""
    last = chain.links[-1].member
    prop = last.child_by_field_name("property")
    obj = last.child_by_field_name("object")
    if prop is None or obj is None or b"\n" not in parsed.source[obj.end_byte : prop.start_byte]:
        return ""
    return "\n" + line_indent(parsed.source, prop.start_byte)


def returns_array(project: Project, parsed: ParsedFile, call: Node) -> bool:
    """Whether a call goes to a function of the scanned project declared to return an array (or a promise of one)."""
    called = project.summaries.called_function(parsed, call)
    annotation = called.function.child_by_field_name("return_type") if called is not None else None
    return annotation is not None and array_type(annotation)


def returns_collection(project: Project, parsed: ParsedFile, call: Node) -> str | None:
    """Whether a call goes to a function of the scanned project that returns a Map or a Set: "fresh" when every
    `return` of its body hands back one it made (`new Map(…)`, or a `const` of its own bound to one: kan's
    `groupByKey`), "declared" when only its return type says so (`): Map<number, T[]>`); None otherwise."""
    called = project.summaries.called_function(parsed, call)
    if called is None or any(c.type == "async" for c in called.function.children):
        return None
    function, text = called.function, called.module.parsed.text
    body = function.child_by_field_name("body")
    if body is not None and body.type != "statement_block":
        returned = [body]  # `=> new Map(…)`
    elif body is not None:
        returns = [r for r in descendants_of_type(body, "return_statement") if _owner(r) == function]
        returned = [r.named_children[0] if r.named_children else r for r in returns]
    else:
        returned = []
    if returned and all(_fresh_collection(text, function, unwrap(value)) for value in returned):
        return "fresh"
    annotation = function.child_by_field_name("return_type")
    return "declared" if annotation is not None and collection_type(annotation) else None


def _owner(node: Node) -> Node | None:
    current = node.parent
    while current is not None and current.type not in FUNCTION_TYPES:
        current = current.parent
    return current


def _fresh_collection(text, function: Node, value: Node) -> bool:  # type: ignore[no-untyped-def]
    """`new Map(…)` / `new Set(…)`, or a name `function` binds once, with `const`, to one."""
    if value.type == "new_expression":
        constructor = value.child_by_field_name("constructor")
        return constructor is not None and text(constructor) in ("Map", "Set")
    if value.type != "identifier":
        return False
    found = [d for d in descendants_of_type(function, "variable_declarator")
             if (n := d.child_by_field_name("name")) is not None and text(n) == text(value)]  # fmt: skip
    if len(found) != 1 or found[0].parent is None or text(found[0].parent.children[0]) != "const":
        return False
    bound = found[0].child_by_field_name("value")
    made = unwrap(bound) if bound is not None else None
    return made is not None and made.type == "new_expression" and _fresh_collection(text, function, made)


def helper_batch_hint(project: Project, parsed: ParsedFile, call: Node, argument: int) -> tuple[int, str | None, bool]:
    """For a call to a DAL helper: how many queries its body holds, the column its `argument`-th parameter is
    first compared to (`eq(events.id, id)` -> "events.id"), which a batched variant would key by, and whether
    that parameter (or a local computed from it) reaches a query at all (True when dalfix cannot tell)."""
    called = project.summaries.called_function(parsed, call)
    if called is None:
        return 0, None, True
    function, module = called.function, called.module
    vocabulary = project.vocabulary_for(module.parsed)
    queries = [c for c in descendants_of_type(function, "call_expression")
               if c.parent is not None and c.parent.type != "member_expression"
               and vocabulary.query_chain(c) is not None]  # fmt: skip
    params = function.child_by_field_name("parameters")
    names = [p.child_by_field_name("pattern") for p in (params.named_children if params is not None else [])]
    pattern = names[argument] if argument < len(names) else None
    if pattern is None:
        return len(queries), None, True
    uses = _reaches_queries(project, module.parsed, function, pattern, queries)
    if pattern.type != "identifier":
        return len(queries), None, uses
    param = module.parsed.text(pattern)
    for eq in descendants_of_type(function, "call_expression"):
        args = eq.child_by_field_name("arguments")
        function_name = eq.child_by_field_name("function")
        if function_name is None or module.parsed.text(function_name) != "eq" or args is None:
            continue
        values = args.named_children
        if len(values) == 2 and module.parsed.text(values[1]) == param:
            return len(queries), module.parsed.text(values[0]), uses
    return len(queries), None, uses


def _field_expressions(project: Project, parsed: ParsedFile, call: Node, argument: int, field: str):  # type: ignore[no-untyped-def]
    """(helper, module, expressions) for a helper handed an object: the texts by which the helper reads the object's
    `field` (a dotted path) or an object holding it — `params`, `params.scopes`, `params.scopes.id`, or after
    `const { scopes } = params` (or that pattern as the parameter) `scopes`, `scopes.id`. None when the call is not
    to a project function with that parameter."""
    found = _callee_parameter(project, parsed, call, argument)
    if found is None:
        return None
    function, module, pattern = found
    text = module.parsed.text
    parts = field.split(".")
    prefixes = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    wanted: set[str] = set()
    destructured = [pattern] if pattern.type == "object_pattern" else []
    if pattern.type == "identifier":
        objects = {text(pattern)}  # the parameter, and names for the same object: `const valid = Schema.parse(params)`
        for declarator in descendants_of_type(function, "variable_declarator"):  # in source order
            value, name = declarator.child_by_field_name("value"), declarator.child_by_field_name("name")
            source = _validated_object(module.parsed, value) if value is not None else None
            if name is None or source not in objects:
                continue
            if name.type == "object_pattern":
                destructured.append(name)
            elif name.type == "identifier":
                objects.add(text(name))
        for alias in objects:
            wanted |= {alias} | {f"{alias}.{p}" for p in prefixes}
    for found in destructured:
        for child in found.named_children:
            local = None
            if child.type == "shorthand_property_identifier_pattern" and text(child) == parts[0]:
                local = parts[0]
            elif child.type == "pair_pattern":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                if key is not None and value is not None and text(key) == parts[0] and value.type == "identifier":
                    local = text(value)
            if local is not None:
                wanted |= {".".join([local, *parts[1:i]]) for i in range(1, len(parts) + 1)}
    return function, module, wanted


def _validated_object(parsed: ParsedFile, value: Node) -> str | None:
    """The name whose object `value` is: `params`, or what a schema's `parse` returns for it (`Schema.parse(params)`,
    `await Schema.parseAsync(params)`: zod and its kind return the object's fields, validated)."""
    value = unwrap(value)
    if value.type == "await_expression" and value.named_children:
        value = unwrap(value.named_children[0])
    if value.type == "identifier":
        return parsed.text(value)
    function, args = value.child_by_field_name("function"), value.child_by_field_name("arguments")
    if value.type != "call_expression" or function is None or function.type != "member_expression" or args is None:
        return None
    method = function.child_by_field_name("property")
    if method is None or parsed.text(method) not in ("parse", "parseAsync") or len(args.named_children) != 1:
        return None
    only = unwrap(args.named_children[0])
    return parsed.text(only) if only.type == "identifier" else None


def helper_field_column(
    project: Project, parsed: ParsedFile, call: Node, argument: int, field: str
) -> tuple[str, bool] | None:
    """For a helper handed an object (`removeGrant({ userId: u.id, … })`): the column the helper first compares
    the object's `field` to — `eq(grants.userId, userId)` after `{ userId } = params` (or in the parameter's own
    pattern), or `eq(grants.userId, params.userId)` — and whether the schema says it is a unique key; else None."""
    found = _field_expressions(project, parsed, call, argument, field)
    if found is None:
        return None
    function, module, wanted = found
    text = module.parsed.text
    leaf = {w for w in wanted if w.endswith(field.rpartition(".")[2])}
    for eq in descendants_of_type(function, "call_expression"):
        args, name = eq.child_by_field_name("arguments"), eq.child_by_field_name("function")
        if name is None or text(name) != "eq" or args is None or len(args.named_children) != 2:
            continue
        column = args.named_children[0]
        if text(args.named_children[1]) in leaf and column.type == "member_expression":
            known = project.schema.column_of(module.parsed, column)
            unique = known is not None and known[0].is_unique_key([known[1].key])
            return text(column), unique
    return None


def helper_field_reaches(project: Project, parsed: ParsedFile, call: Node, argument: int, field: str) -> bool:
    """Whether one of the helper's queries reads the object's `field`, or an object holding it (`.values(params)`,
    `subAgentScopedWhere(t, scopes)` inside the chain), also after a schema's `parse` of the object (`const valid =
    Schema.parse(params)`); other names computed from it are not followed (then: no)."""
    found = _field_expressions(project, parsed, call, argument, field)
    if found is None:
        return False
    function, module, wanted = found
    vocabulary = project.vocabulary_for(module.parsed)
    text = module.parsed.text
    for candidate in descendants_of_type(function, "call_expression"):
        chain = vocabulary.query_chain(candidate)
        if chain is None:
            continue
        for node in descendants_of_type(chain.node, "identifier", "member_expression", "shorthand_property_identifier"):
            if text(node) in wanted:
                return True
    return False


def helper_builds_queries(project: Project, parsed: ParsedFile, call: Node) -> bool:
    """Whether the called helper holds a query built with drizzle's builders (a select, insert, update, delete or
    relational read), not only raw SQL through `execute` (a stored procedure or table function per name, which
    no `inArray` batches)."""
    called = project.summaries.called_function(parsed, call)
    if called is None:
        return False
    function, module = called.function, called.module
    vocabulary = project.vocabulary_for(module.parsed)
    chains = (vocabulary.query_chain(c) for c in descendants_of_type(function, "call_expression"))
    return any(chain is not None and chain.method != "execute" for chain in chains)


@dataclass(frozen=True)
class LimitedRead:
    """How a helper's row-limited query would batch over many keys of one parameter (see `helper_limited_read`)."""

    column: str | None  # the column the parameter is compared to in that query (`functions.id`)
    per_key: bool  # a limit a batch must apply per key: `limit(n > 1)`, `offset`, `orderBy` (or unreadable)
    unique: str | None  # why one key selects one row (`functions.id` is unique; or a key the query fixes the rest of)
    # a unique set holding the column whose other columns the query may fix only through conditions dalfix cannot
    # read (`projectScopedWhere(functions, scopes)`): (that set, its missing columns, those conditions' texts)
    maybe_unique: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None = None


def helper_limited_read(
    project: Project, parsed: ParsedFile, call: Node, argument: int, field: str | None = None
) -> LimitedRead | None:
    """For a helper one of whose queries limits its rows (`.limit(n)`, `.offset(n)`, or `limit:` in a relational
    read): whether a statement over many keys of its `argument`-th parameter (its `field`, for an object) needs a
    limit per key. It does not when the compared column is unique (alone, or with the other columns of a unique
    set fixed by `eq` in the same where: one row per key) or when the limit is `limit(1)` with no `orderBy` and no
    offset (any one row per key, as the query gave). None when no query of the helper limits its rows."""
    found = _field_expressions(project, parsed, call, argument, field) if field else _parameter_names(
        project, parsed, call, argument)  # fmt: skip
    if found is None:
        return None
    function, module, wanted = found
    leaf = {w for w in wanted if field is None or w.endswith(field.rpartition(".")[2])}
    vocabulary = project.vocabulary_for(module.parsed)
    text = module.parsed.text
    worst: LimitedRead | None = None
    for candidate in descendants_of_type(function, "call_expression"):
        chain = vocabulary.query_chain(candidate)
        if chain is None:
            continue
        steps = {link.name: link for link in chain.links}
        if chain.method in ("findFirst", "findMany") and re.search(r"\b(limit|offset)\s*:", text(chain.node)):
            read = LimitedRead(None, True, None)  # a relational read's options: not followed here
        elif "limit" in steps or "offset" in steps:
            read = _limited_builder(project, module.parsed, steps, leaf)
        else:
            continue
        if worst is None or _limit_rank(read) > _limit_rank(worst):
            worst = read
    return worst


def _limit_rank(read: LimitedRead) -> int:
    return 0 if read.unique else 1 if not read.per_key else 2 if read.maybe_unique else 3


def _parameter_names(project: Project, parsed: ParsedFile, call: Node, argument: int):  # type: ignore[no-untyped-def]
    """(helper, module, {the parameter's name}) for a plain identifier parameter, else None."""
    found = _callee_parameter(project, parsed, call, argument)
    if found is None or found[2].type != "identifier":
        return None
    function, module, pattern = found
    return function, module, {module.parsed.text(pattern)}


def _callee_parameter(project: Project, parsed: ParsedFile, call: Node, argument: int):  # type: ignore[no-untyped-def]
    """(function, module, pattern) of the project function `call` calls, for its `argument`-th parameter; None when
    the callee is not a project function or has no such parameter."""
    called = project.summaries.called_function(parsed, call)
    if called is None:
        return None
    function, module = called.function, called.module
    params = function.child_by_field_name("parameters")
    patterns = [p.child_by_field_name("pattern") for p in (params.named_children if params is not None else [])]
    pattern = patterns[argument] if argument < len(patterns) else None
    return None if pattern is None else (function, module, pattern)


def _limited_builder(project: Project, parsed: ParsedFile, steps: dict, leaf: set[str]) -> LimitedRead:  # type: ignore[type-arg]
    """A builder query with `.limit`/`.offset`: its where's `eq` conjuncts decide whether the parameter's column
    selects one row."""
    limit = steps.get("limit")
    limit_args = limit.call.child_by_field_name("arguments") if limit is not None and limit.call else None
    one = limit_args is not None and [parsed.text(n) for n in limit_args.named_children] == ["1"]
    per_key = not one or "offset" in steps or "orderBy" in steps
    if "offset" in steps:  # rows skipped per call: one row per key or not, a batch must skip per key
        return LimitedRead(None, True, None)
    where = steps.get("where")
    where_args = where.call.child_by_field_name("arguments") if where is not None and where.call else None
    if where_args is None or len(where_args.named_children) != 1:
        return LimitedRead(None, per_key, None)
    fixed: dict[str, set[str]] = {}  # table id -> column keys an `eq` fixes
    unread: list[str] = []
    target = None  # (column node, table, column) the parameter is compared to
    for conjunct in _conjuncts(parsed, where_args.named_children[0]):
        name = conjunct.child_by_field_name("function") if conjunct.type == "call_expression" else None
        args = conjunct.child_by_field_name("arguments") if name is not None else None
        if name is None or args is None or parsed.text(name) != "eq" or len(args.named_children) != 2:
            if name is not None and parsed.text(name) not in CONDITION_OPERATORS:  # a project's condition builder
                unread.append(" ".join(parsed.text(conjunct).split()))
            continue
        column_node, value = args.named_children
        known = project.schema.column_of(parsed, column_node)
        if known is None:
            continue
        fixed.setdefault(known[0].id, set()).add(known[1].key)
        if target is None and parsed.text(value) in leaf:
            target = (column_node, *known)
    if target is None:
        return LimitedRead(None, per_key, None)
    column_node, table, column = target
    shown = parsed.text(column_node)
    if table.is_unique_key([column.key]):
        return LimitedRead(shown, per_key, f"`{shown}` is unique")
    others = fixed.get(table.id, set()) - {column.key}
    holding = [s for s in table.unique_sets(include_partial=False)
               if s.columns and not s.expressions and column.key in s.columns]  # fmt: skip
    for unique in holding:
        if set(unique.columns) <= others | {column.key}:
            rest = ", ".join(f"`{c}`" for c in unique.columns if c != column.key)
            return LimitedRead(shown, per_key, f"({', '.join(unique.columns)}) is {_key_kind(unique.kind)} and the "
                               f"query fixes {rest} by equality")  # fmt: skip
    if holding and unread:
        unique = holding[0]
        missing = tuple(c for c in unique.columns if c != column.key and c not in others)
        return LimitedRead(shown, per_key, None, (unique.columns, missing, tuple(unread)))
    return LimitedRead(shown, per_key, None)


# drizzle-orm's condition operators: none of them fixes a column to one value (`eq` is read above).
CONDITION_OPERATORS = frozenset({"ne", "gt", "gte", "lt", "lte", "isNull", "isNotNull", "inArray", "notInArray",
                                 "like", "ilike", "notLike", "notIlike", "between", "notBetween", "exists",
                                 "notExists", "or", "not", "sql", "arrayContains", "arrayContained",
                                 "arrayOverlaps"})  # fmt: skip


def _key_kind(kind: str) -> str:
    return "the primary key" if kind == "primary_key" else "a unique key"


def _conjuncts(parsed: ParsedFile, node: Node) -> list[Node]:
    """`and(a, and(b, c))` -> [a, b, c]; anything else is one conjunct."""
    node = unwrap(node)
    name = node.child_by_field_name("function") if node.type == "call_expression" else None
    args = node.child_by_field_name("arguments") if name is not None else None
    if name is not None and args is not None and parsed.text(name) == "and":
        return [c for child in args.named_children for c in _conjuncts(parsed, child)]
    return [node]


BATCH_VARIANT = ("bulk", "batch")


def batch_variant(project: Project, parsed: ParsedFile, call: Node) -> str | None:
    """A function the called helper's module also exports that does its work for many at once, by name:
    `bulkRemoveGrants` / `batchRemoveGrant` / `removeGrantsBulk` / `removeGrantMany` for `removeGrant`."""
    target = project.summaries.callee(parsed, call)
    module = project.summaries.module(target[0]) if target is not None else None
    if target is None or module is None:
        return None
    name = target[1].removesuffix(RETURNED).rpartition(".")[2].lower()
    stems = {name, name + "s"}
    for exported in module.exports:
        lowered = exported.lower()
        if lowered == name:
            continue
        batched = any(lowered.startswith(p) and lowered[len(p) :] in stems for p in BATCH_VARIANT) or any(
            lowered.endswith(s) and lowered[: -len(s)] in stems for s in ("bulk", "batch", "many")
        )
        if batched and project.summaries.function_node(target[0], module.exports[exported]) is not None:
            return exported
    return None


@dataclass(frozen=True)
class HelperHint:
    """What a DAL helper called per element does with its arguments (see `helper_batch_shape`)."""

    queries: int  # how many queries its body holds
    methods: frozenset[str]  # their operations: select, insert, update, delete, execute, findMany …
    # argument index -> the column its parameter is first compared to, for each argument reaching a query (None:
    # it reaches one otherwise: through a call, a `sql` fragment, a value written)
    columns: dict[int, str | None]
    uses: bool  # whether one of the arguments reaches a query (True when dalfix cannot tell)
    raw_only: bool  # every argument that reaches a query does so only inside `sql.raw(…)` text
    writers: tuple[str, ...] = ()  # project functions it calls that write (their statements are not in `methods`)
    # argument index -> every column its parameter is compared to, in source order (a helper of several queries may
    # look the same value up in several tables)
    compared: dict[int, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    upserts: bool = False  # one of its inserts ends `onConflictDoUpdate(…)` (a multi-row upsert needs distinct keys)
    # project functions it calls whose effect dalfix cannot classify (`deleteFileMount`: a file removed, a command
    # run): a batch of its queries alone would skip them
    unclassified: tuple[str, ...] = ()
    readers: tuple[str, ...] = ()  # project functions it calls that only read (their queries are not in `queries`)


def helper_batch_shape(project: Project, parsed: ParsedFile, call: Node, arguments: list[int]) -> HelperHint:
    """For a call to a DAL helper: how many queries its body holds and of which operations, the column each of
    its `arguments`-th parameters is first compared to (`eq(events.id, id)`, `inArray(events.id, ids)` or
    `sql`${events.id} = ${id}`` -> "events.id"), whether those parameters (or locals computed from them) reach a
    query at all, and whether they reach one only as raw SQL text (`sql.raw`: a table or identifier name)."""
    called = project.summaries.called_function(parsed, call)
    if called is None:
        return HelperHint(0, frozenset(), {}, True, False)
    function, module = called.function, called.module
    vocabulary = project.vocabulary_for(module.parsed)
    chains = [(c, vocabulary.query_chain(c)) for c in descendants_of_type(function, "call_expression")
              if c.parent is not None and c.parent.type != "member_expression"]  # fmt: skip
    queries = [c for c, chain in chains if chain is not None]
    methods = frozenset(operation(module.parsed, chain) for _, chain in chains if chain is not None)
    writers = tuple(dict.fromkeys(
        module.parsed.text(c.child_by_field_name("function") or c) for c, chain in chains
        if chain is None and project.summaries.call_effect(module.parsed, c) in ("write", "transaction")))  # fmt: skip
    unclassified = tuple(dict.fromkeys(
        module.parsed.text(c.child_by_field_name("function") or c) for c, chain in chains
        if chain is None and project.summaries.call_effect(module.parsed, c) == "unknown"))  # fmt: skip
    readers = tuple(dict.fromkeys(
        module.parsed.text(c.child_by_field_name("function") or c) for c, chain in chains
        if chain is None and project.summaries.call_effect(module.parsed, c) == "read"))  # fmt: skip
    params = function.child_by_field_name("parameters")
    names = [p.child_by_field_name("pattern") for p in (params.named_children if params is not None else [])]
    columns: dict[int, str | None] = {}
    compared: dict[int, tuple[str, ...]] = {}
    uses, raw = False, True
    for argument in arguments:
        pattern = names[argument] if argument < len(names) else None
        if pattern is None:
            uses, raw = True, False
            continue
        if not _reaches_queries(project, module.parsed, function, pattern, queries):
            continue
        uses = True
        raw = raw and _raw_only(module.parsed, function, pattern, queries)
        found = _compared_columns(module.parsed, function, pattern) if pattern.type == "identifier" else ()
        columns[argument] = found[0] if found else None
        if found:
            compared[argument] = found
    upserts = any(chain.method == "insert" and any(link.name == "onConflictDoUpdate" for link in chain.links)
                  for _, chain in chains if chain is not None)  # fmt: skip
    return HelperHint(len(queries), methods, columns, uses, uses and raw, writers, compared, upserts, unclassified,
                      readers)


def operation(parsed: ParsedFile, chain: QueryChain) -> str:
    """A chain's operation (select, insert, findMany …); raw SQL by its statement's first word: `execute(sql`DELETE
    …`)` -> delete, a SELECT -> select, and "execute" when dalfix cannot tell (a procedure call, a statement built
    elsewhere)."""
    if chain.method != "execute":
        return chain.method
    call = chain.links[0].call if chain.links else None
    args = call.child_by_field_name("arguments") if call is not None else None
    if chain.kind == "read":
        return "select"
    statement = parsed.text(unwrap(args.named_children[0])) if args is not None and args.named_children else ""
    word = re.match(r"sql\s*`\s*(\w+)", statement)
    first = word.group(1).lower() if word is not None else ""
    return first if first in ("select", "insert", "update", "delete") else "execute"


def iterates_over_tables(project: Project, parsed: ParsedFile, iterable: Node) -> bool:
    """Whether a loop walks a fixed list of tables: an array literal (inline, or a `const` of the file) each of
    whose elements is a schema table or an object literal holding one (dokploy's `SERVICE_TYPE_CONFIGS`, `{ type:
    "application", table: applications, … }` per service kind). Each element then names the table a query reads,
    not a key: no one statement serves every element."""
    node: Node | None = unwrap(iterable)
    if node is not None and node.type == "identifier":
        node = _file_constant(parsed, parsed.text(node))
    if node is None or node.type != "array":
        return False
    elements = [unwrap(e) for e in node.named_children if e.type != "comment"]

    def holds_table(element: Node) -> bool:
        if element.type != "object":
            return project.is_table(parsed, element)
        values = [p.child_by_field_name("value") for p in element.named_children if p.type == "pair"]
        return any(v is not None and project.is_table(parsed, unwrap(v)) for v in values)

    return bool(elements) and all(holds_table(e) for e in elements)


def _file_constant(parsed: ParsedFile, name: str) -> Node | None:
    """The initializer of the file's top-level `const name = …` (exported or not), else None."""
    for statement in parsed.root.named_children:
        declaration = (
            statement.child_by_field_name("declaration") if statement.type == "export_statement" else statement
        )
        if declaration is None or declaration.type != "lexical_declaration":
            continue
        if parsed.text(declaration).split(None, 1)[0] != "const":
            continue
        for declarator in declaration.named_children:
            found = declarator.child_by_field_name("name") if declarator.type == "variable_declarator" else None
            if found is not None and found.type == "identifier" and parsed.text(found) == name:
                value = declarator.child_by_field_name("value")
                return unwrap(value) if value is not None else None
    return None


def _compared_columns(parsed: ParsedFile, function: Node, pattern: Node) -> tuple[str, ...]:
    """Every column the parameter `pattern` is compared to (`eq(col, p)`, `inArray(col, p)`, `sql`${col} =
    ${p}``), in source order, each once."""
    param = parsed.text(pattern)
    found: dict[str, None] = {}
    for node in descendants_of_type(function, "call_expression"):
        args = node.child_by_field_name("arguments")
        function_name = node.child_by_field_name("function")
        if function_name is None or args is None:
            continue
        name = parsed.text(function_name)
        if name in ("eq", "inArray") and args.type == "arguments":
            values = args.named_children
            if len(values) == 2 and parsed.text(values[1]) == param:
                found.setdefault(parsed.text(values[0]))
        elif name == "sql" and args.type == "template_string":
            pattern_text = r"\$\{\s*([\w$.]+)\s*\}\s*=\s*\$\{\s*" + re.escape(param) + r"\s*\}"
            for match in re.finditer(pattern_text, parsed.text(args)):
                found.setdefault(match.group(1))
    return tuple(found)


def _raw_only(parsed: ParsedFile, function: Node, pattern: Node, queries: list[Node]) -> bool:
    """Whether every mention, in `queries`, of a name the parameter binds (or a local computed from one) sits inside
    the argument of a `sql.raw(…)` call: the element is SQL text (a table name, a built clause), not a bound value."""
    tainted = _tainted(parsed, function, pattern)
    mentions = [n for q in queries for n in descendants_of_type(q, "identifier", "shorthand_property_identifier")
                if parsed.text(n) in tainted]  # fmt: skip
    return bool(mentions) and all(_inside_sql_raw(parsed, n) for n in mentions)


def _inside_sql_raw(parsed: ParsedFile, node: Node) -> bool:
    current = node.parent
    while current is not None:
        if current.type == "call_expression":
            callee = current.child_by_field_name("function")
            if callee is not None and parsed.text(callee) == "sql.raw":
                return True
        current = current.parent
    return False


def _tainted(parsed: ParsedFile, function: Node, pattern: Node) -> set[str]:
    """The names `pattern` binds and the locals declared from them (`const k = key.id`), transitively."""
    tainted = _bound_names(parsed, pattern)
    declarators = list(descendants_of_type(function, "variable_declarator"))
    changed = True
    while changed:
        changed = False
        for declarator in declarators:
            value, name = declarator.child_by_field_name("value"), declarator.child_by_field_name("name")
            if value is None or name is None or not _mentions(parsed, value, tainted):
                continue
            bound = _bound_names(parsed, name)
            if not bound <= tainted:
                tainted |= bound
                changed = True
    return tainted


def _reaches_queries(project: Project, parsed: ParsedFile, function: Node, pattern: Node, queries: list[Node]) -> bool:
    """Whether a name the parameter `pattern` binds, or a local declared from one (`const k = key.id`), appears in
    one of `queries`, or is passed to a call that may query (one dalfix cannot follow, or a project function
    with a query); any assignment in the helper counts as reaching (a name assigned later may carry it)."""
    if any(True for _ in descendants_of_type(function, "assignment_expression", "augmented_assignment_expression")):
        return True
    tainted = _tainted(parsed, function, pattern)
    if any(_mentions(parsed, query, tainted) for query in queries):
        return True
    inside = {(q.start_byte, q.end_byte) for q in queries}
    for call in descendants_of_type(function, "call_expression"):
        args = call.child_by_field_name("arguments")
        if (call.start_byte, call.end_byte) in inside or args is None or not _mentions(parsed, args, tainted):
            continue
        called = project.summaries.called_function(parsed, call)
        if called is None:
            return True  # a method, a package function: may query
        vocabulary = project.vocabulary_for(called.module.parsed)
        if any(vocabulary.query_chain(c) is not None for c in descendants_of_type(called.function, "call_expression")):
            return True
    return False


def _bound_names(parsed: ParsedFile, pattern: Node) -> set[str]:
    return {parsed.text(n) for n in descendants_of_type(pattern, "identifier", "shorthand_property_identifier_pattern")}


def _mentions(parsed: ParsedFile, node: Node, names: set[str]) -> bool:
    found = descendants_of_type(node, "identifier", "shorthand_property_identifier")
    return any(parsed.text(n) in names for n in found)


def count_query(handle: str, table: str, condition: str, column: str, unit: str) -> str:
    """`db.$count(table, condition)` for many keys: one count per value of `column`, as `{ key, value }` rows."""
    steps = [f".select({{ key: {column}, value: count() }})", f".from({table})", f".where({condition})",
             f".groupBy({column})"]  # fmt: skip
    return handle + "".join("\n" + unit + step for step in steps)


def grouped_edits(parsed: ParsedFile, chain: QueryChain, projection: Node, group: str, column: str) -> list[Edit]:
    """Edits turning an aggregate select into one grouped by `column`: the key joins the projection as `group`,
    and `.groupBy(column)` ends the chain."""
    first = projection.named_children[0]
    multiline = b"\n" in parsed.source[projection.start_byte : projection.end_byte]
    lead = f"{group}: {column}," + ("\n" + line_indent(parsed.source, first.start_byte) if multiline else " ")
    end = chain.node.end_byte
    group_by = f"{continuation(parsed, chain)}.groupBy({column})"
    return [Edit(first.start_byte, first.start_byte, lead), Edit(end, end, group_by)]


def drop_step(chain: QueryChain, name: str) -> Edit | None:
    """An edit removing the step `.name(...)` from a chain, if it has one."""
    for link in chain.links:
        obj = link.member.child_by_field_name("object")
        if link.name == name and link.call is not None and obj is not None:
            return Edit(obj.end_byte, link.call.end_byte, "")
    return None


# Options of a relational `findFirst` / `findMany` a batch can keep (`limit`, `offset` are per key).
RELATIONAL_OPTIONS = frozenset({"where", "orderBy", "with", "columns", "extras"})


def relational_options(chain: QueryChain) -> dict[str, Node] | None:
    """The options object of `db.query.t.findFirst({ … })` by key; None when it is not a literal of plain
    `key: value` pairs (a spread, a computed key, a variable)."""
    args = chain_arguments(chain).get(chain.method, [])
    options = unwrap(args[0]) if len(args) == 1 else None
    if options is None or options.type != "object":
        return None
    out = {}
    for pair in options.named_children:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or value is None or key.type != "property_identifier":
            return None
        out[key.text.decode() if key.text is not None else ""] = value
    return out


def selects_column(parsed: ParsedFile, columns: Node | None, prop: str) -> bool:
    """Whether a relational query's `columns` option keeps the column `prop` (no option keeps them all)."""
    if columns is None:
        return True
    columns = unwrap(columns)
    if columns.type != "object":
        return False
    values = {}
    for pair in columns.named_children:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or value is None:
            return False
        values[parsed.text(key)] = parsed.text(value)
    if prop in values:
        return values[prop] == "true"
    return bool(values) and all(v == "false" for v in values.values())  # only exclusions: the rest is kept


def order_terms(parsed: ParsedFile, order_by: Node) -> list[str] | None:
    """The terms of an `orderBy` value (`desc(t.c)`, `[asc(t.a), t.b]`); None for a callback."""
    order_by = unwrap(order_by)
    if order_by.type in FUNCTION_TYPES or order_by.type == "spread_element":
        return None
    items = order_by.named_children if order_by.type == "array" else [order_by]
    if any(i.type in ("spread_element", *FUNCTION_TYPES) for i in items):
        return None
    return [parsed.text(i) for i in items]


def distinct_on_query(handle: str, table: str, column: str, condition: str, orders: list[str], unit: str) -> str:
    """The first row per value of `column` in `orders` order, for many keys at once (PostgreSQL's DISTINCT ON)."""
    steps = [f".selectDistinctOn([{column}])", f".from({table})", f".where({condition})",
             f".orderBy({', '.join([column, *orders])})"]  # fmt: skip
    return handle + "".join("\n" + unit + step for step in steps)


def distinct_on_edits(parsed: ParsedFile, chain: QueryChain, column: str) -> list[Edit] | None:
    """Edits turning `select(…)…orderBy(o)` into `selectDistinctOn([column], …)…orderBy(column, o)`."""
    root, order = chain.links[0], next((link for link in chain.links if link.name == "orderBy"), None)
    prop = root.member.child_by_field_name("property")
    root_args = root.call.child_by_field_name("arguments") if root.call is not None else None
    order_args = order.call.child_by_field_name("arguments") if order is not None and order.call else None
    if root.name != "select" or prop is None or root_args is None or order_args is None:
        return None
    terms = order_args.named_children
    if not terms or any(t.type == "spread_element" for t in terms):
        return None
    first = root_args.named_children[0] if root_args.named_children else None
    on = Edit(first.start_byte, first.start_byte, f"[{column}], ") if first is not None else Edit(
        root_args.start_byte, root_args.end_byte, f"([{column}])")  # fmt: skip
    return [Edit(prop.start_byte, prop.end_byte, "selectDistinctOn"), on,
            Edit(terms[0].start_byte, terms[0].start_byte, f"{column}, ")]  # fmt: skip


def dialect_of(project: Project, parsed: ParsedFile) -> str | None:
    """The one dialect of the file's database handles, else the configured one, else (a file that names no handle:
    one handed in as a parameter) the one dialect of every handle the application creates, whatever their kinds
    (agents: node-postgres pools and a per-request client, all PostgreSQL); None when unknown or mixed."""
    dialects = {d.dialect for d in project.statement_drivers_for(parsed)}
    if not dialects:
        return project.config.dialect or project.application_dialect
    return dialects.pop() if len(dialects) == 1 and None not in dialects else None


# Keys per batched statement, below each dialect's bind-parameter limit with room for the statement's other
# parameters: PostgreSQL and MySQL allow 65,535 per statement, SQLite 32,766 (999 before 3.32), D1 100. A
# statement whose other parameters leave less room than that gets fewer keys (`chunk_size(others=…)`).
CHUNK_SIZES = {"postgresql": 30_000, "mysql": 30_000, "sqlite": 15_000, "d1": 50}
UNKNOWN_CHUNK_SIZE = 900
PARAMETER_LIMITS = {"postgresql": 65_535, "mysql": 65_535, "sqlite": 32_766, "d1": 100}
UNKNOWN_PARAMETER_LIMIT = 999


@dataclass(frozen=True)
class Batch:
    """What a batch reads in chunks: `keys` (the list's text, in loop order), the bind parameters each key
    takes and those the statement holds besides."""

    keys: str
    per_row: int = 1
    others: int = 0  # the statement's other bind parameters (`other_parameters`)


def parameters_per_row(values: Node) -> int:
    """Bind parameters one `values({ … })` row takes: one per property (a spread counts for 32)."""
    return sum(32 if p.type == "spread_element" else 1 for p in values.named_children if p.type != "comment") or 1


# The placeholder a batched query holds where one chunk of keys goes.
CHUNK = "__dalfix_chunk__"


def chunk_size(project: Project, parsed: ParsedFile, others: int = 0) -> int:
    """Bind parameters per batched statement for its keys (or rows): `batch-size` from dalfix.toml, else by the
    file's driver and dialect, less what the statement's `others` parameters (`other_parameters`) take of the
    dialect's limit (D1's 100: a SET of 70 values leaves 30 keys, not 50)."""
    if project.config.batch_size is not None:
        return project.config.batch_size
    named = project.statement_drivers_for(parsed)
    # D1's 100 parameters, whatever else the handle may be (a handle handed in: any the application creates).
    if any(d.driver == "d1" for d in named) or (not named and "d1" in project.created_driver_names):
        size, limit = CHUNK_SIZES["d1"], PARAMETER_LIMITS["d1"]
    else:
        dialect = dialect_of(project, parsed) or ""
        size = CHUNK_SIZES.get(dialect, UNKNOWN_CHUNK_SIZE)
        limit = PARAMETER_LIMITS.get(dialect, UNKNOWN_PARAMETER_LIMIT)
    return max(1, min(size, limit - others))


# Drizzle's operators: a call to one binds its operands' parameters, not one of its own.
_OPERATORS = frozenset({
    "eq", "ne", "gt", "gte", "lt", "lte", "and", "or", "not", "isNull", "isNotNull", "exists", "notExists",
    "between", "notBetween", "like", "notLike", "ilike", "notIlike", "arrayContains", "arrayContained",
    "arrayOverlaps", "asc", "desc", "sql", "count", "countDistinct", "sum", "sumDistinct", "avg", "avgDistinct",
    "min", "max", "inArray", "notInArray",
})  # fmt: skip
# What a list of unknown length (`...xs`, `inArray(col, xs)`) counts for, as `parameters_per_row` counts a spread.
UNKNOWN_LIST_PARAMETERS = 32
_STRUCTURE = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression",
                        "arguments", "template_substitution", "statement_block", "return_statement",
                        "expression_statement"})  # fmt: skip


def other_parameters(project: Project, parsed: ParsedFile, chain: QueryChain, skip: Node) -> int:
    """At least the bind parameters a batched statement holds besides its keys or rows (`skip`, the key
    condition or the `values`): each value of a SET, condition, projection or option counts one (a column counts
    too: more is only a smaller chunk), a list of unknown length `UNKNOWN_LIST_PARAMETERS`. The table an
    `update`/`delete`/`insert`/`from` names holds none; a SET object dalfix cannot read (`set(patch)`) one per
    column of the table when the schema model has them all."""
    total, args = 0, chain_arguments(chain)
    for name, nodes in args.items():
        named = name == "from" or (name == chain.method and name in ("update", "delete", "insert", "$count"))
        tables = 1 if named else 0
        total += sum(_parameters(n, skip) for n in nodes[tables:])
        if name == "set" and nodes and unwrap(nodes[0]).type != "object":  # `set(patch)`: as many as it has keys
            target = args.get(chain.method, [])
            table = project.schema.table_for_identifier(parsed, unwrap(target[0])) if len(target) == 1 else None
            total += len(table.columns) if table is not None and not table.unreadable else UNKNOWN_LIST_PARAMETERS
    return total


def _parameters(node: Node, skip: Node) -> int:
    if node == skip:
        return 0
    kind = node.type
    if kind in ("comment", "property_identifier", "formal_parameters", "method_definition", "(", ")", ","):
        return 0
    if kind == "spread_element":
        return UNKNOWN_LIST_PARAMETERS
    if kind == "pair":
        value = node.child_by_field_name("value")
        return _parameters(value, skip) if value is not None else 0
    if kind in ("object", "array") or kind in _STRUCTURE:
        return sum(_parameters(c, skip) for c in node.named_children)
    if kind in ("arrow_function", "function_expression"):
        body = node.child_by_field_name("body")
        return _parameters(body, skip) if body is not None else 0
    if kind == "template_string":  # a value, or `sql` text whose substitutions are the parameters
        return 1 + sum(_parameters(c, skip) for c in node.named_children if c.type == "template_substitution")
    if kind == "call_expression":
        callee = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        operands = list(args.named_children) if args is not None and args.type == "arguments" else (
            [args] if args is not None else [])  # fmt: skip
        name = (callee.text or b"").decode("utf-8", "surrogateescape") if callee is not None else ""
        if name in ("inArray", "notInArray") and len(operands) == 2 and unwrap(operands[1]).type != "array":
            return _parameters(operands[0], skip) + UNKNOWN_LIST_PARAMETERS
        own = 0 if name in _OPERATORS or name.startswith("sql.") else 1
        return own + sum(_parameters(c, skip) for c in operands)
    return 1


def chunk_helper(parsed: ParsedFile) -> tuple[str, bool]:
    """The name of the file's `inChunks` helper and whether it still has to be added (a name the file uses
    for something else gets a fresh one). Looked up once per parsed file: each search reads the whole source,
    and a big file asks once per loop it batches."""
    cache = parsed.__dict__.setdefault("_dalfix_chunk_helper", [])
    if not cache:
        cache.append(_find_chunk_helper(parsed.source.decode("utf-8", "surrogateescape")))
    return cache[0]


def _find_chunk_helper(text: str) -> tuple[str, bool]:
    for suffix in ("", *map(str, range(2, 10))):
        name = "inChunks" + suffix
        if not re.search(rf"\b{name}\b", text):
            return name, True
        if re.search(rf"^async function {name}<K, R>\(keys: readonly K\[\], size: number,", text, re.M):
            return name, False
    return "inChunks10", True


def constraint_risk(project: Project, parsed: ParsedFile, chain: QueryChain) -> str | None:
    """The constraint that can fail a batched update or delete as a whole where the loop failed part-way, from
    the schema model: a unique or foreign-key column in the SET, a RESTRICT / NO ACTION foreign key pointing at
    the deleted table. None when the model shows none (or does not know the table)."""
    args = chain_arguments(chain)
    target = args.get(chain.method, [])
    table = project.schema.table_for_identifier(parsed, unwrap(target[0])) if len(target) == 1 else None
    if table is None:
        return None
    name = table.ts_name or table.name or "the table"
    if table.unreadable or (chain.method == "delete" and not project.schema.complete):
        return f"dalfix could not read every constraint that may reject a row of `{name}`"
    if chain.method == "delete":
        for source, fk, why in project.schema.delete_blockers(table):
            return f"the foreign key `{source.ts_name or source.name}.{', '.join(fk.columns)}` can reject it ({why})"
        return None
    values = unwrap(args["set"][0]) if len(args.get("set", [])) == 1 else None
    if values is None or values.type != "object":
        return "a SET dalfix cannot read may write a unique or foreign-key column"
    for pair in (p for p in values.named_children if p.type != "comment"):
        key_node, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        key = parsed.text(key_node) if key_node is not None else parsed.text(pair)
        null = value is not None and parsed.text(unwrap(value)) == "null"  # NULL violates neither (nulls distinct)
        if pair.type not in ("pair", "shorthand_property_identifier"):
            return "a SET dalfix cannot read may write a unique or foreign-key column"
        # A table chosen at run time among dialect modules: a unique set any one of them declares can reject the row
        # (the merged table keeps only the sets all share: right for at-most-one-row reasoning, not here).
        if any(t.unique_set_a_write_can_violate(key, null) is not None for t in (table, *table.alternatives)):
            return f"`{name}.{key}` is in a unique constraint"
        if key in table.foreign_key_columns() and not null:
            return f"`{name}.{key}` is a foreign key"
    return None


def independent_writes(project: Project, parsed: ParsedFile, chains: list[QueryChain | None]) -> bool:
    """Whether keyed writes may run table by table instead of element by element: each writes a different
    table the schema model knows completely, no foreign key links two of them, and no constraint can reject
    one of their rows (`constraint_risk`)."""
    tables = []
    for chain in chains:
        target = chain_arguments(chain).get(chain.method, []) if chain is not None else []
        table = project.schema.table_for_identifier(parsed, unwrap(target[0])) if len(target) == 1 else None
        if chain is None or table is None or constraint_risk(project, parsed, chain) is not None:
            return False
        tables.append(table)
    ids = [t.id for t in tables]
    every_id = {i for t in tables for i in t.ids}  # a merged table's foreign keys name its alternatives
    linked = any(fk.target in every_id for t in tables for fk in t.foreign_keys)
    return len(set(ids)) == len(ids) and not linked and project.schema.complete


_JOINS = ("innerJoin", "leftJoin", "rightJoin", "fullJoin")


def table_name(project: Project, parsed: ParsedFile, node: Node) -> str:
    """The name a table is declared under, followed through imports (`import { cards as c }` -> "cards"), or the
    last part of what is written (`schema.cards` -> "cards"): tables read and written in different files compare
    by it. Two tables declared under one name compare equal, which only makes a "writes none of its tables" test
    stricter."""
    node = unwrap(node)
    if node.type == "identifier":
        target = project.summaries._top_level(parsed.path, parsed.text(node))
        if target is not None and target[1] != "*":
            return target[1].rsplit(".", 1)[-1]
    return parsed.text(node).rsplit(".", 1)[-1].strip()


def read_sources(chain: QueryChain) -> tuple[list[Node], str | None] | None:
    """What a read names as its tables: the `from` and join arguments as written, or (a relational read) its
    `db.query.<t>` key; None when dalfix cannot list them (a relational read's `with` loads others, raw SQL, a
    `$count`)."""
    if chain.method in ("findFirst", "findMany") and len(chain.links) == 3:
        options = relational_options(chain)
        if options is None or "with" in options:
            return None
        return [], chain.links[1].name
    args = chain_arguments(chain)
    if "from" not in args or chain.method not in ("select", "selectDistinct", "selectDistinctOn"):
        return None
    return [value for name in ("from", *_JOINS) for value in args.get(name, [])[:1]], None


def read_tables(project: Project, parsed: ParsedFile, chain: QueryChain) -> frozenset[str] | None:
    """The tables a read names (`read_sources`), by `table_name`; None when dalfix cannot list them."""
    found = read_sources(chain)
    if found is None:
        return None
    nodes, key = found
    if key is not None:
        return frozenset({key})
    named = [unwrap(value) for value in nodes]
    if not all(_known_table(project, parsed, value) for value in named):
        return None  # a table handed in (`config.relationTable as any`), a subquery: which one, dalfix cannot say
    return frozenset(table_name(project, parsed, value) for value in named)


def written_table(project: Project, parsed: ParsedFile, chain: QueryChain) -> str | None:
    """The table an insert, update or delete writes, by `table_name`; None for any other chain."""
    if chain.kind != "write" or chain.method not in ("insert", "update", "delete"):
        return None
    target = chain_arguments(chain).get(chain.method) or []
    if len(target) != 1 or not _known_table(project, parsed, unwrap(target[0])):
        return None
    return table_name(project, parsed, target[0])


def _known_table(project: Project, parsed: ParsedFile, node: Node) -> bool:
    """A table of the project's schema: declared as one (`is_table`) or known to the schema model (which also reads
    `pgTable(…).enableRLS()`)."""
    return project.is_table(parsed, node) or project.schema.table_for_identifier(parsed, node) is not None


@dataclass(frozen=True)
class HelperTables:
    read: frozenset[str]
    written: frozenset[str]
    # the schema model's tables among the written ones (for their unique keys); no tree nodes: the result is kept
    schema_tables: tuple[Table, ...] = dataclasses.field(default=(), compare=False)


def helper_tables(project: Project, parsed: ParsedFile, call: Node, depth: int = 0) -> HelperTables | None:
    """The tables a project function reads and writes, through the helpers it calls and the transactions it opens
    (by `table_name`); None when dalfix cannot list them all: a query whose tables it cannot read (raw SQL, a
    relational `with`), a call it cannot follow handed a database handle, or calls nested deeper than four."""
    target = project.summaries.callee(parsed, call)
    return function_tables(project, target, depth) if target is not None else None


def function_tables(project: Project, target: tuple[Path, str], depth: int = 0) -> HelperTables | None:
    """`helper_tables` of the project function `target` (its file, its qualified name); remembered per run."""
    memo = project.__dict__.setdefault("_dalfix_function_tables", {})
    if (target, depth) not in memo:
        memo[target, depth] = _function_tables(project, target, depth)
    return memo[target, depth]  # type: ignore[no-any-return]


def _function_tables(project: Project, target: tuple[Path, str], depth: int) -> HelperTables | None:
    function = project.summaries.function_node(*target)
    module = project.summaries.module(target[0])
    if function is None or module is None or depth > 4:
        return None
    vocabulary = project.vocabulary_for(module.parsed)
    read: set[str] = set()
    written: set[str] = set()
    targets: list[Table] = []
    for inner in descendants_of_type(function, "call_expression"):
        if inner.parent is not None and inner.parent.type == "member_expression":
            continue  # a step of a chain: the chain's last call is its query
        chain = vocabulary.query_chain(inner)
        if chain is not None and chain.kind == "transaction" and chain.method == "transaction" and not chain.has_then:
            continue  # `db.transaction(async (tx) => …)`: the queries in its callback are listed one by one
        if chain is not None:
            if chain.kind == "read":
                tables = read_tables(project, module.parsed, chain)
                if tables is None:
                    return None
                read |= tables
                continue
            table = written_table(project, module.parsed, chain)
            if table is None:
                return None
            written.add(table)
            known = project.schema.table_for_identifier(module.parsed, unwrap(chain_arguments(chain)[chain.method][0]))
            targets.extend([known] if known is not None else [])
            continue
        effect = project.summaries.call_effect(module.parsed, inner)
        # unknown: followed, it may call no query at all (`generateUID()`); a transaction: its queries are listed
        if effect in ("read", "write", "unknown", "transaction"):
            nested = helper_tables(project, module.parsed, inner, depth + 1)
            if nested is None:
                return None
            read |= nested.read
            written |= nested.written
            targets.extend(nested.schema_tables)
        elif effect is None and _hands_a_handle(vocabulary, inner):
            return None  # a call dalfix cannot follow, handed the handle: it may run any query
    return HelperTables(frozenset(read), frozenset(written), tuple(targets))


def _hands_a_handle(vocabulary, call: Node) -> bool:  # type: ignore[no-untyped-def]
    arguments = call.child_by_field_name("arguments")
    return any(vocabulary.passed_handle_kind(v) is not None for v in (arguments.named_children if arguments else []))
