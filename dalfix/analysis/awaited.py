"""Statements that bind the result of one awaited query (`const x = await q`, conditional and `let`+`if`
forms), the guards that may sit between such reads, and how much a read may cost.

Shared by rules that move or batch such statements (DAL001 groups them into `Promise.all`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import QueryChain, unwrap
from dalfix.analysis.effects import EffectAnalyzer, Effects
from dalfix.parsing import Node, ParsedFile, walk

if TYPE_CHECKING:
    from dalfix.analysis.schema.model import SchemaModel, Table


@dataclass(frozen=True)
class AwaitedBinding:
    """`<declaration> <pattern> = <expression awaiting query>`, possibly spanning two statements."""

    statements: tuple[Node, ...]  # one, or `let x = d;` + `if (c) { x = await q; }`
    declaration: str  # "const" or "let"
    pattern: Node  # the binding pattern (identifier, array or object pattern)
    query: Node  # the awaited expression
    await_node: Node
    wrapper: Node  # the expression holding the await (== await_node unless post-processed)
    condition: Node | None = None
    default: Node | None = None  # value when the condition is false (None means `undefined`)
    default_text: str | None = None


def awaited_binding(statements: list[Node], index: int, analyzer: EffectAnalyzer) -> AwaitedBinding | None:
    """The awaited binding starting at statements[index], if it has one of the supported shapes."""
    statement = statements[index]
    if statement.type != "lexical_declaration":
        return None
    declarators = [c for c in statement.named_children if c.type == "variable_declarator"]
    kind = statement.children[0].type if statement.children else ""
    if len(declarators) != 1 or kind not in ("const", "let"):
        return None
    declarator = declarators[0]
    name = declarator.child_by_field_name("name")
    value = declarator.child_by_field_name("value")
    if name is None or declarator.child_by_field_name("type") is not None:
        return None
    if value is None or _is_pure_default(value, analyzer):
        return _let_then_if(statements, index, kind, name, value, analyzer)
    if _typed_by_an_assertion(value):
        return None  # `await q as Row[]`, `(await q)!`: as an annotation, the assertion has no place in the group
    value = unwrap(value)
    if value.type == "ternary_expression":
        condition = value.child_by_field_name("condition")
        consequence = value.child_by_field_name("consequence")
        alternative = value.child_by_field_name("alternative")
        if condition is None or consequence is None or alternative is None:
            return None
        found = _single_await(consequence)
        if found is None or _single_await(alternative) is not None or _single_await(condition) is not None:
            return None
        if not (analyzer.effects(condition).pure and analyzer.effects(alternative).pure):
            return None
        return AwaitedBinding(
            (statement,),
            kind,
            name,
            _argument(found),
            found,
            unwrap(consequence),
            condition,
            alternative,
            analyzer.text(alternative),
        )
    found = _single_await(value)
    if found is None or (found.named_children and _typed_by_an_assertion(found.named_children[0])):
        return None  # tree-sitter reads `await q as Row[]` as `await (q as Row[])`: the same assertion
    return AwaitedBinding((statement,), kind, name, _argument(found), found, value)


def _typed_by_an_assertion(value: Node) -> bool:
    """Whether the declared value is a type assertion of the awaited result (`await q as Row[]`, `(await q)!`,
    `await q satisfies Row[]`): grouped, the declaration would lose it and the name its type (a compile error
    where the code relied on it), as with a type annotation."""
    while value.type == "parenthesized_expression" and value.named_children:
        value = value.named_children[0]
    return value.type in ("as_expression", "satisfies_expression", "non_null_expression")


def _let_then_if(statements, index, kind, name, value, analyzer) -> AwaitedBinding | None:  # type: ignore[no-untyped-def]
    """`let x = d;` then `if (c) { x = await q; }` (also `[x] = await q`): x is d unless c holds."""
    if kind != "let" or index + 1 >= len(statements):
        return None
    branch = statements[index + 1]
    if branch.type != "if_statement" or branch.child_by_field_name("alternative") is not None:
        return None
    condition = branch.child_by_field_name("condition")
    body = branch.child_by_field_name("consequence")
    if condition is None or body is None:
        return None
    inner = [c for c in body.named_children if c.type != "comment"] if body.type == "statement_block" else [body]
    if len(inner) != 1 or inner[0].type != "expression_statement" or len(body.named_children) != len(inner):
        return None
    assignment = unwrap(inner[0].named_children[0])
    if assignment.type != "assignment_expression":
        return None
    left, right = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
    if left is None or right is None or unwrap(right).type != "await_expression":
        return None
    target = analyzer.text(name)
    left_text = analyzer.text(left).replace(" ", "")
    if left_text not in (target, f"[{target}]"):
        return None
    if not analyzer.effects(condition).pure or target in analyzer.free_reads(condition):
        return None
    await_node = unwrap(right)
    return AwaitedBinding(
        (statements[index], branch),
        "let",
        left,
        _argument(await_node),
        await_node,
        await_node,
        condition,
        value,
        analyzer.text(value) if value is not None else None,
    )


def _is_pure_default(value: Node, analyzer: EffectAnalyzer) -> bool:
    return unwrap(value).type in ("null", "undefined", "array", "object", "number", "string", "true", "false") and (
        analyzer.effects(value).pure
    )


def _argument(await_node: Node) -> Node:
    return unwrap(await_node.named_children[0])


def _single_await(node: Node) -> Node | None:
    """The one await in `node` (outside closures), or None when there are zero or several."""
    from dalfix.parsing import FUNCTION_TYPES

    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in FUNCTION_TYPES:
            continue
        if current.type == "await_expression":
            found.append(current)
        stack.extend(current.named_children)
    return found[0] if len(found) == 1 else None


def binding_effects(binding: AwaitedBinding, analyzer: EffectAnalyzer) -> Effects:
    """The effects of the binding statements taken together."""
    parts = [analyzer.effects(s) for s in binding.statements]
    first = parts[0]
    for other in parts[1:]:
        first = Effects(
            first.binds | other.binds,
            first.reads | other.reads,
            first.awaits or other.awaits,
            max((first.db, other.db), key=lambda k: ["none", "read", "write", "transaction", "unknown"].index(k)),
            first.exits | other.exits,
            True,
            first.by_summary or other.by_summary,
        )
    return first


# ---- guards between reads ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Guard:
    """`if (c) throw new E(…)` / `if (c) return v;`, optionally logging first: exits or falls through, nothing else."""

    statement: Node
    condition: Node
    exit: str  # "throw" or "return"
    paths: frozenset[str]  # what the condition reads (`org`, `input.orgId`, `ctx.session.user`)


def guard_of(statement: Node, analyzer: EffectAnalyzer) -> Guard | None:
    """The guard `statement` is, when it has a pure condition and exits with a pure value.

    A thrown `new X(…)` counts as pure when its arguments are: the constructor runs in the same cases as
    before (the guard failed and no database failure came first), only after the reads that were moved up,
    whose results are then dropped — so even a constructor with side effects (reporting, metrics) sees no
    other difference. Anything else in the branch, an `else`, or an impure condition: not a guard.
    """
    if statement.type != "if_statement" or statement.child_by_field_name("alternative") is not None:
        return None
    condition, body = statement.child_by_field_name("condition"), statement.child_by_field_name("consequence")
    if condition is None or body is None or not analyzer.effects(condition).pure:
        return None
    inner = [c for c in body.named_children if c.type != "comment"] if body.type == "statement_block" else [body]
    if not inner or not all(analyzer.logging_statement(s) for s in inner[:-1]):
        return None
    exit_statement = inner[-1]
    value = exit_statement.named_children[0] if exit_statement.named_children else None
    if value is not None and value.type == "comment":
        value = None
    if exit_statement.type == "throw_statement" and value is not None:
        thrown = unwrap(value)
        if thrown.type == "new_expression":
            args = thrown.child_by_field_name("arguments")
            constructor = thrown.child_by_field_name("constructor")
            if constructor is None or unwrap(constructor).type not in ("identifier", "member_expression"):
                return None
            if args is not None and not all(analyzer.effects(a).pure for a in args.named_children):
                return None
        elif not analyzer.effects(thrown).pure:
            return None
        exit_kind = "throw"
    elif exit_statement.type == "return_statement":
        if value is not None and not analyzer.effects(value).pure:
            return None
        exit_kind = "return"
    else:
        return None
    return Guard(statement, condition, exit_kind, frozenset(access_paths(condition, analyzer)))


def found_row_test(condition: Node, names: set[str], text) -> str | None:  # type: ignore[no-untyped-def]
    """How `condition` holds only on a row found by a read that bound one of `names`: "row" when it tests the
    row being found (`row`, `rows.length`, `rows.length > 0`, `row !== undefined`, `!!row`, `Boolean(row)`, also
    with `&&`, `||` and under `!`: `!(rows.length === 0)`, `row && row.active`), "field" when it tests a field of
    a found row (`row?.role`, `row.role === "admin"`), None otherwise: `!row`, `rows.length === 0` and
    `!row || row.deletedAt` hold on a miss. (`text` reads a node's source.)"""
    sign = _found_sign(condition, names, text)
    return "row" if sign is True else "field" if sign == "field" else None


def _found_sign(node: Node, names: set[str], text) -> bool | str | None:  # type: ignore[no-untyped-def]
    """True when `node` holds on a found row (`row`, `rows.length > 0`), False when its negation does (`!row`,
    `rows.length === 0`), "field" for a test of a found row's field (`row?.role`, `row.role === "admin"`: holds
    only on a found row, but its negation holds on both), None when it tests no row a grouped read found."""
    node = unwrap(node)
    if node.type == "unary_expression" and text(node.child_by_field_name("operator") or node) == "!":
        argument = node.child_by_field_name("argument")
        inner = _found_sign(argument, names, text) if argument is not None else None
        return not inner if isinstance(inner, bool) else None
    if node.type == "call_expression" and text(node.child_by_field_name("function") or node) == "Boolean":
        args = node.child_by_field_name("arguments")
        single = args is not None and len(args.named_children) == 1
        return _found_sign(args.named_children[0], names, text) if args is not None and single else None
    if node.type == "identifier":
        return True if text(node) in names else None
    if _row_length(node, names, text):
        return True
    if node.type == "member_expression":
        return "field" if _row_field(node, names, text) else None
    if node.type != "binary_expression":
        return None
    operator = text(node.child_by_field_name("operator") or node)
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return None
    if operator in ("&&", "||"):
        # `row && row.active`, `row || other`: on a found row; `!row || row.deletedAt`: on a miss.
        signs = [_found_sign(left, names, text), _found_sign(right, names, text)]
        if True in signs or operator == "&&" and "field" in signs:
            return True
        return False if False in signs else "field" if "field" in signs else None
    left, right = unwrap(left), unwrap(right)
    if (
        right.type == "identifier"
        and text(right) in names
        or _row_length(right, names, text)
        or (_row_field(right, names, text))
    ):
        left, right = right, left  # the row on the left
        operator = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(operator, operator)
    if left.type == "identifier" and text(left) in names and text(right) in ("null", "undefined"):
        return {"!==": True, "!=": True, "===": False, "==": False}.get(operator)
    if _row_field(left, names, text) and right.type in ("string", "number", "true", "template_string"):
        # `row?.role === "admin"` holds only on a found row; `row?.role !== "admin"` on a miss too
        return "field" if operator in ("===", "==", ">", ">=", "<", "<=") else None
    if _row_length(left, names, text) and right.type == "number":
        try:
            bound = float(text(right))
        except ValueError:
            return None
        compare = {
            ">": lambda n: n > bound,
            ">=": lambda n: n >= bound,
            "<": lambda n: n < bound,
            "<=": lambda n: n <= bound,
            "===": lambda n: n == bound,
            "==": lambda n: n == bound,
            "!==": lambda n: n != bound,
            "!=": lambda n: n != bound,
        }.get(operator)
        if compare is None:
            return None
        empty, found = compare(0), [compare(n) for n in {1, max(int(bound), 1), max(int(bound), 0) + 1}]
        if not empty and any(found):
            return True
        if empty and not all(found):
            return False
    return None


def _row_field(node: Node, names: set[str], text) -> bool:  # type: ignore[no-untyped-def]
    """`row.role`, `row?.owner.id`: a field (not `.length`) of a row one of `names` holds."""
    node = unwrap(node)
    if node.type != "member_expression" or _row_length(node, names, text):
        return False
    root = node
    while root.type == "member_expression":
        root = unwrap(root.child_by_field_name("object") or root)
    return root.type == "identifier" and text(root) in names


def _row_length(node: Node, names: set[str], text) -> bool:  # type: ignore[no-untyped-def]
    """`rows.length` / `rows?.length` of a row list one of `names` holds."""
    node = unwrap(node)
    if node.type != "member_expression":
        return False
    prop, target = node.child_by_field_name("property"), node.child_by_field_name("object")
    return (
        prop is not None
        and text(prop) == "length"
        and target is not None
        and unwrap(target).type == "identifier"
        and text(unwrap(target)) in names
    )


def access_paths(node: Node, analyzer: EffectAnalyzer) -> set[str]:
    """Names and member paths `node` reads: `input.orgId`, `ctx.session.user.id`, `org` (`?.`, `!` ignored)."""
    free = analyzer.free_reads(node)
    paths: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        stack.extend(current.named_children)
        if current.type not in ("identifier", "shorthand_property_identifier", "this"):
            continue
        path, here = analyzer.text(current), current
        if path not in free and current.type != "this":
            continue
        while here.parent is not None:
            parent = here.parent
            if parent.type == "non_null_expression":
                here = parent
                continue
            prop = parent.child_by_field_name("property") if parent.type == "member_expression" else None
            if prop is None or parent.child_by_field_name("object") != here or prop.type != "property_identifier":
                break
            path, here = f"{path}.{analyzer.text(prop)}", parent
        paths.add(path)
    return paths


def paths_overlap(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> bool:
    """Whether some path of `a` is, contains or lies inside some path of `b` (`input` vs `input.orgId`)."""
    return any(p == q or q.startswith(p + ".") or p.startswith(q + ".") for p in a for q in b)


# ---- how much a read may cost ------------------------------------------------------------------------
AGGREGATES = frozenset({"count", "countDistinct", "sum", "sumDistinct", "avg", "avgDistinct", "min", "max"})


def read_is_bounded(chain: QueryChain, parsed: ParsedFile, schema: SchemaModel | None = None) -> bool:
    """A read that returns at most a few rows: anything with a `limit`, a `findFirst`, or a where that is
    equality on a unique key (`eq(t.id, …)`, alone or inside a top-level `and`), without aggregates and
    without `with` relations that may load many rows.

    The schema model says which columns form a unique key and which relations are `one`; without it only a
    column named `id` counts as a key and every `with` counts as possibly many rows.
    """
    names = [link.name for link in chain.links]
    method = chain.method
    if method in ("findFirst", "findMany"):
        options = _options_object(chain.links[2].call if len(chain.links) > 2 else None)
        table = _table_named(schema, chain.links[1].name) if len(chain.links) > 1 else None
        if options is None:
            return method == "findFirst"
        pairs = _object_pairs(options, parsed)
        if "..." in pairs or ("with" in pairs and not _bounded_relations(pairs["with"], table, schema, parsed)):
            return False
        if method == "findFirst" or "limit" in pairs:
            return True
        where = pairs.get("where")
        return where is not None and _keyed(unwrap(where), parsed, schema)
    if method not in ("select", "selectDistinct", "selectDistinctOn") or "groupBy" in names:
        return False
    first = chain.links[0].call
    fields = first.child_by_field_name("arguments") if first is not None else None
    if fields is not None and any(
        n.type == "call_expression" and parsed.text(n.child_by_field_name("function") or n) in AGGREGATES
        for n in walk(fields)
    ):
        return False
    if "limit" in names:
        return True
    where_call = next((link.call for link in chain.links if link.name == "where" and link.call is not None), None)
    args = where_call.child_by_field_name("arguments") if where_call is not None else None
    condition = unwrap(args.named_children[0]) if args is not None and args.named_children else None
    return condition is not None and _keyed(condition, parsed, schema)


def _keyed(condition: Node, parsed: ParsedFile, schema: SchemaModel | None) -> bool:
    """Equality on a unique key: on one table's unique column set (schema), else on a column named `id`."""
    columns = _equality_columns(condition, parsed)
    unknown: list[Node] = []  # columns whose table the schema does not know
    if schema is not None:
        by_table: dict[str, tuple[Table, set[str]]] = {}
        for column in columns:
            found = schema.column_of(parsed, column)
            if found is None:
                unknown.append(column)
                continue
            table, col = found
            by_table.setdefault(table.id, (table, set()))[1].add(col.key)
        if any(table.is_unique_key(keys) for table, keys in by_table.values()):
            return True
    else:
        unknown = columns
    # Only where the schema cannot say: a column named `id` is taken as a key. A table the schema knows whose
    # `id` is not unique (a composite primary key) is not bounded by it.
    return any(parsed.text(c.child_by_field_name("property") or c) == "id" for c in unknown)


def _equality_columns(condition: Node, parsed: ParsedFile) -> list[Node]:
    """`t.c` of each `eq(t.c, …)` that is the condition or an operand of a top-level `and(…)`."""
    if condition.type != "call_expression":
        return []
    function = condition.child_by_field_name("function")
    args = condition.child_by_field_name("arguments")
    name = parsed.text(function) if function is not None else ""
    operands = [unwrap(a) for a in args.named_children] if args is not None else []
    if name == "and":
        return [c for a in operands for c in _equality_columns(a, parsed)]
    if name == "eq" and len(operands) == 2 and operands[0].type == "member_expression":
        return [operands[0]]
    return []


def _table_named(schema: SchemaModel | None, ts_name: str) -> Table | None:
    if schema is None:
        return None
    found = [t for t in schema.tables if t.ts_name == ts_name]
    return found[0] if len(found) == 1 else None


def _bounded_relations(value: Node, table: Table | None, schema: SchemaModel | None, parsed: ParsedFile) -> bool:
    """Every relation `with` loads is a `one` (or a `many` with a `limit`), nested `with`s included."""
    value = unwrap(value)
    if value.type != "object" or table is None or schema is None:
        return False
    relations = {r.name: r for r in schema.relations_of(table)}
    for key, option in _object_pairs(value, parsed).items():
        relation = relations.get(key)
        if relation is None:
            return False
        option = unwrap(option)
        nested = _object_pairs(option, parsed) if option.type == "object" else {}
        if relation.kind == "many" and "limit" not in nested:
            return False
        if "with" in nested and not _bounded_relations(nested["with"], schema.by_id(relation.target), schema, parsed):
            return False
    return True


def _options_object(call: Node | None) -> Node | None:
    args = call.child_by_field_name("arguments") if call is not None else None
    first = unwrap(args.named_children[0]) if args is not None and args.named_children else None
    return first if first is not None and first.type == "object" else None


def _object_pairs(obj: Node, parsed: ParsedFile) -> dict[str, Node]:
    """Key -> value node of an object literal; a spread is recorded as "..." (unknown keys)."""
    pairs: dict[str, Node] = {}
    for child in obj.named_children:
        if child.type == "pair":
            key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
            if key is not None and value is not None:
                pairs[parsed.text(key).strip("\"'")] = value
        elif child.type == "shorthand_property_identifier":
            pairs[parsed.text(child)] = child
        elif child.type == "spread_element":
            pairs["..."] = child
    return pairs


# ---- reads awaited inside an object or array literal -------------------------------------------------
@dataclass(frozen=True)
class LiteralAwaits:
    """`return { a: await q1, b: [await q2] }` / `const r = [await q1, await q2]`: reads awaited inside a literal.

    Each await is a whole property value or element (of the literal or of a literal nested in it); every
    other part of the literal is pure, so evaluating it after both reads instead of between them changes
    nothing but timing.
    """

    statement: Node
    awaits: tuple[Node, ...]  # the await expressions, in source order
    keys: tuple[str | None, ...]  # the property name when the await is the value of `name: await q`

    @property
    def queries(self) -> tuple[Node, ...]:
        return tuple(_argument(a) for a in self.awaits)


def literal_awaits(statement: Node, analyzer: EffectAnalyzer) -> LiteralAwaits | None:
    value: Node | None = None
    if statement.type == "return_statement":
        value = next((c for c in statement.named_children if c.type != "comment"), None)
    elif statement.type == "lexical_declaration":
        declarators = [c for c in statement.named_children if c.type == "variable_declarator"]
        value = declarators[0].child_by_field_name("value") if len(declarators) == 1 else None
    if value is None or unwrap(value).type not in ("object", "array"):
        return None
    awaits: list[Node] = []
    keys: list[str | None] = []
    if not _collect_literal_awaits(unwrap(value), analyzer, awaits, keys):
        return None
    return LiteralAwaits(statement, tuple(awaits), tuple(keys)) if awaits else None


def _collect_literal_awaits(
    literal: Node, analyzer: EffectAnalyzer, awaits: list[Node], keys: list[str | None]
) -> bool:
    for child in literal.named_children:
        if child.type == "comment":
            continue
        key: str | None = None
        value = child
        if child.type == "pair":
            key_node, value_node = child.child_by_field_name("key"), child.child_by_field_name("value")
            if key_node is None or value_node is None:
                return False
            if key_node.type == "computed_property_name" and not analyzer.effects(key_node).pure:
                return False
            key = analyzer.text(key_node) if key_node.type == "property_identifier" else None
            value = value_node
        inner = value
        while inner.type == "parenthesized_expression" and inner.named_children:
            inner = inner.named_children[0]
        if inner.type == "await_expression":
            argument = _argument(inner)
            if _single_await(argument) is not None or not inner.named_children:
                return False
            awaits.append(inner)
            keys.append(key)
        elif inner.type in ("object", "array"):
            if not _collect_literal_awaits(inner, analyzer, awaits, keys):
                return False
        elif not analyzer.effects(value).pure:
            return False
    return True
