"""The values a Drizzle read binds as parameters, for the question "may PostgreSQL reject one of them?".

PostgreSQL rejects some bound values by themselves (a malformed uuid raises 22P02, a NUL character in text, 1.5
for an integer): a read the original skipped on a guard's path, now run on it too (grouped by DAL001, joined by
DAL004), would then throw instead of the guard. A value is harmless when a read the original ran before the
guard bound the same expression to a column of the same type: binding it would have failed there.

`bound_values(parsed, chain, schema, skip)` -> the (expression, column type or "?") pairs a read binds, or None
when it binds one dalfix cannot place; `bound_before(value, bound)`; `may_be_postgres(project, parsed, chains,
schema)`; `REJECTED_VALUE` is the reason both rules give.

The same holds in JavaScript, before anything is sent: `throwing_arguments(parsed, chain)` lists what building a
read evaluates that may throw (`JSON.parse(raw)`, `ids[0].trim()`, `user!.id`, a callback run on its rows): moved
onto a guard's path, it would throw where the original threw or returned the guard's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import SQL_BUILDERS, QueryChain, unwrap
from dalfix.analysis.effects import SQL_FRAGMENT_METHODS, SQL_TAG_METHODS
from dalfix.parsing import Node, ParsedFile, walk

if TYPE_CHECKING:
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema.model import SchemaModel

REJECTED_VALUE = (
    "a read after a guard binds a value PostgreSQL may reject (a malformed uuid, a NUL character), "
    "which would then throw instead of the guard"
)

# Drizzle's comparison operators: `op(column, value, …)` binds each value as a parameter of the column's type.
_COMPARISONS = frozenset({
    "eq", "ne", "gt", "gte", "lt", "lte", "like", "ilike", "notLike", "notIlike", "inArray", "notInArray",
    "between", "notBetween", "arrayContains", "arrayContained", "arrayOverlaps",
})  # fmt: skip
_LITERALS = frozenset({"number", "true", "false", "null", "undefined"})

# Column types a parameter binds the same way (a parameter compared with a varchar takes no length).
_BIND_KIND = {
    "serial": "integer", "int": "integer", "int4": "integer", "bigserial": "bigint", "int8": "bigint",
    "smallserial": "smallint", "int2": "smallint", "varchar": "text", "char": "text", "character varying": "text",
}  # fmt: skip


def bound_before(value: tuple[str, str], bound: set[tuple[str, str]]) -> bool:
    """The same expression was bound to a column of the same type (or of a type the schema does not say) by a
    read the original ran first: had binding it failed, the original would have failed there."""
    text, sql_type = value
    kind = _BIND_KIND.get(sql_type.lower(), sql_type.lower())
    return any(t == text and (_BIND_KIND.get(s.lower(), s.lower()) == kind or "?" in (s, sql_type)) for t, s in bound)


def bound_values(
    parsed: ParsedFile,
    chain: QueryChain,
    schema: SchemaModel | None,
    skip: Callable[[Node], bool] | None = None,
) -> set[tuple[str, str]] | None:
    """The non-literal values a read binds, as (expression, column type or "?"), or None when it binds one
    dalfix cannot place (in an `sql` template, or computed rather than a name or a property). `skip(value)`
    leaves out a value that is not bound (a column of a joined row)."""
    placed = bound_comparisons(parsed, chain, schema, skip)
    return None if placed is None else {(" ".join(parsed.text(v).split()), t) for v, _, t in placed}


def bound_comparisons(
    parsed: ParsedFile,
    chain: QueryChain,
    schema: SchemaModel | None,
    skip: Callable[[Node], bool] | None = None,
) -> list[tuple[Node, Node, str]] | None:
    """`bound_values` with the nodes: (value, the column it is compared with, the column's type or "?")."""
    return _comparisons_in(parsed, chain.node, schema, skip)


def _comparisons_in(
    parsed: ParsedFile,
    scope: Node,
    schema: SchemaModel | None,
    skip: Callable[[Node], bool] | None = None,
    sql_templates_only: bool = False,
) -> list[tuple[Node, Node, str]] | None:
    """The comparisons `scope` holds, as `bound_comparisons`; None when it binds a value in a template (with
    `sql_templates_only`, only a `sql` template counts: a helper's log line may interpolate what it likes)."""
    found: list[tuple[Node, Node, str]] = []
    for node in walk(scope):
        if node.type == "template_substitution":
            if not sql_templates_only:
                return None
            tagged = node.parent.parent if node.parent is not None else None
            tag = tagged.child_by_field_name("function") if tagged is not None else None
            if tagged is None or tagged.type != "call_expression" or tag is None or parsed.text(tag) != "sql":
                continue
            return None
        if not sql_templates_only and _condition_built_elsewhere(parsed, node):
            return None  # `where(and(...conditions))`: what it binds was built before the query
        if node.type != "call_expression":
            continue
        function = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if function is None or args is None or parsed.text(function) not in _COMPARISONS:
            continue
        column, *values = [unwrap(a) for a in args.named_children]
        for value in values:
            if value.type in _LITERALS or (skip is not None and skip(value)):
                continue
            if value.type == "string" and "\\0" not in parsed.text(value) and "\\u0000" not in parsed.text(value):
                continue  # the same every time: it fails on every path or on none
            if value.type not in ("identifier", "member_expression"):
                return None
            placed = schema.column_of(parsed, column) if schema is not None else None
            sql_type = (placed[1].type or placed[1].builder or "?") if placed is not None else "?"
            found.append((value, column, sql_type))
    return found


_CONNECTIVES = frozenset({"and", "or", "not"})
_CONDITION_VALUES = frozenset({"call_expression", "true", "false", "null", "undefined", "ternary_expression"})


def _condition_built_elsewhere(parsed: ParsedFile, node: Node) -> bool:
    """A condition the query takes from a name rather than builds (`.where(filter)`, `and(...conditions)`,
    `{ where: whereClause }`): the comparisons, and what they bind, are elsewhere."""
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        name = parsed.text(function) if function is not None else ""
        args = node.child_by_field_name("arguments")
        checked = name in _CONNECTIVES or (function is not None and function.type == "member_expression" and (
            parsed.text(function.child_by_field_name("property") or function) in ("where", "having")))  # fmt: skip
        if checked and args is not None:
            return any(unwrap(a).type not in _CONDITION_VALUES for a in args.named_children if a.type != "comment")
    if node.type == "pair":
        key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
        if key is not None and value is not None and parsed.text(key) == "where":
            return unwrap(value).type not in (*_CONDITION_VALUES, "arrow_function", "function_expression")
    return False


@dataclass(frozen=True)
class HelperBinding:
    """A value a call hands a project helper that the helper's query binds: the call site's expression, the
    column the helper compares it with (its text in the helper) and that column's type ("?" when unknown)."""

    value: str
    column: str
    sql_type: str


def helper_bound_values(project: Project, parsed: ParsedFile, call: Node, schema: SchemaModel | None) -> (
    list[HelperBinding] | None
):  # fmt: skip
    """The values a call of a project helper binds through the helper's own Drizzle queries (midday's
    `getTeamMemberRole(db, teamId, input.userId)` binds `input.userId` to `usersOnTeam.userId`, a uuid), each
    as the call site's expression: a helper's parameter compared with a column (`eq(t.userId, userId)`), or a
    field of an object literal handed to a destructured parameter. None when dalfix cannot place every value
    the helper's queries bind (one it computes from its parameters, in an `sql` template, a helper it calls in
    turn, a spread argument): then the call may bind anything."""
    called = project.summaries.called_function(parsed, call)
    arguments = call.child_by_field_name("arguments")
    params = called.function.child_by_field_name("parameters") if called is not None else None
    if called is None or arguments is None or params is None:
        return None
    function, module = called.function, called.module
    handed = [unwrap(a) for a in arguments.named_children if a.type != "comment"]
    if any(a.type == "spread_element" for a in handed):
        return None
    # What each name the helper's body may read from its parameters stands for at the call site ("" when the
    # call hands nothing there: undefined binds nothing a database rejects); objects: a parameter handed an object
    # literal, by field (`params.teamId`, `const { teamId } = params`).
    names: dict[str, str] = {}
    objects: dict[str, dict[str, str]] = {}
    for index, param in enumerate(p for p in params.named_children if p.type != "comment"):
        typed = param.type in ("required_parameter", "optional_parameter")
        pattern = param.child_by_field_name("pattern") if typed else None
        argument = handed[index] if index < len(handed) else None
        fields = _object_fields(parsed, argument) if argument is not None and argument.type == "object" else None
        if pattern is None or (argument is not None and argument.type == "object" and fields is None):
            return None
        if pattern.type == "identifier":
            names[module.parsed.text(pattern)] = " ".join(parsed.text(argument).split()) if argument else ""
            if fields is not None:
                objects[module.parsed.text(pattern)] = fields
        elif pattern.type == "object_pattern" and fields is not None:
            fields_of = _pattern_fields(module.parsed, pattern)
            if fields_of is None:
                return None
            names.update({name: fields.get(name, "") for name in fields_of})
        else:
            return None
    for node in walk(function):  # `const { teamId, enabled } = params;`
        if node.type != "variable_declarator":
            continue
        pattern, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        source = module.parsed.text(unwrap(value)) if value is not None else ""
        if pattern is not None and pattern.type == "object_pattern" and source in objects:
            fields_of = _pattern_fields(module.parsed, pattern)
            if fields_of is None:
                return None
            names.update({name: objects[source].get(name, "") for name in fields_of})
    vocabulary = project.vocabulary_for(module.parsed)
    for node in walk(function):
        if node.type != "call_expression" or (node.parent is not None and node.parent.type == "member_expression"):
            continue
        if vocabulary.query_chain(node) is None and project.summaries.callee(module.parsed, node) is not None:
            return None  # a project function the helper calls: what it binds is not followed
    # Every comparison of the helper, in its queries or built beside them (`const conditions = [eq(t.a, a)]` then
    # `where(and(...conditions))`, agents' getScheduledTriggerById).
    placed = _comparisons_in(module.parsed, function, schema, sql_templates_only=True)
    if placed is None:
        return None
    # A parameter a query reads other than as a compared value (`.where(filter)`, `.limit(n)`) binds what the
    # caller built: not placed.
    compared = [(v.start_byte, v.end_byte) for v, _, _ in placed]
    for node in walk(function):
        chain = vocabulary.query_chain(node) if node.type == "call_expression" else None
        if chain is None:
            continue
        handle = chain.root
        for name in walk(chain.node):
            if name.type != "identifier" or module.parsed.text(name) not in names:
                continue
            if handle.start_byte <= name.start_byte < handle.end_byte:
                continue  # the handle the query runs on
            if not any(start <= name.start_byte < end for start, end in compared):
                return None
    found: list[HelperBinding] = []
    for value, column, sql_type in placed:
        root = value
        while root.type == "member_expression":
            root = unwrap(root.child_by_field_name("object") or root)
        text = module.parsed.text(root)
        if root.type != "identifier" or text not in names or _reassigned(module.parsed, function, text):
            return None  # computed in the helper, a module constant, or reassigned: not placed
        handed_text = names[text]
        if value != root and text in objects:  # `params.teamId` of `{ teamId: input.teamId }`
            path = _property_path(module.parsed, value, root)
            if path is None:
                return None
            handed_text = objects[text].get(path, "")
        elif value != root:
            suffix = module.parsed.text(value)[len(module.parsed.text(root)) :]
            handed_text = handed_text + "".join(suffix.split()) if handed_text else ""
        if handed_text in ("", "undefined", "null"):
            continue  # nothing handed there: nothing a database could reject
        column_text = " ".join(module.parsed.text(column).split())
        found.append(HelperBinding(handed_text, column_text, sql_type))
    return found


def helper_may_be_postgres(project: Project, parsed: ParsedFile, call: Node, schema: SchemaModel | None) -> bool:
    """`may_be_postgres` for the helper `call` calls: its file's handle, else the tables its queries compare (a
    handle handed in: Cap's MySQL helpers taking `db`)."""
    called = project.summaries.called_function(parsed, call)
    if called is None:
        return True
    function, module = called.function, called.module
    vocabulary = project.vocabulary_for(module.parsed)
    chains = [c for c in (vocabulary.query_chain(n) for n in walk(function) if n.type == "call_expression") if c]
    return may_be_postgres(project, module.parsed, chains, schema)


def rejected_example(sql_type: str) -> str:
    """A value PostgreSQL rejects when it binds it to a column of this type (for a message)."""
    kind = _BIND_KIND.get(sql_type.lower(), sql_type.lower())
    if kind == "uuid":
        return "a malformed uuid"
    if kind == "text":
        return "a NUL character"
    if kind in ("integer", "bigint", "smallint"):
        return "1.5 or text for an integer"
    return "a malformed uuid, a NUL character"


def _object_fields(parsed: ParsedFile, literal: Node, prefix: str = "") -> dict[str, str] | None:
    """`{ userId: input.userId, scopes: { tenantId } }` -> {"userId": "input.userId", "scopes": "{ tenantId }",
    "scopes.tenantId": "tenantId"}; None with a spread or a computed key (the fields are then not all known)."""
    fields: dict[str, str] = {}
    for child in literal.named_children:
        if child.type == "shorthand_property_identifier":
            fields[prefix + parsed.text(child)] = parsed.text(child)
        elif child.type == "pair":
            key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
            if key is None or value is None or key.type != "property_identifier":
                return None
            name = prefix + parsed.text(key)
            fields[name] = " ".join(parsed.text(value).split())
            if unwrap(value).type == "object":  # `scopes: { tenantId, projectId }`, read as `params.scopes.tenantId`
                nested = _object_fields(parsed, unwrap(value), name + ".")
                if nested is None:
                    return None
                fields.update(nested)
        elif child.type != "comment":
            return None
    return fields


def _property_path(parsed: ParsedFile, value: Node, root: Node) -> str | None:
    """`scopes.tenantId` of `params.scopes.tenantId` (`root` being `params`); None for a computed member."""
    names: list[str] = []
    current = unwrap(value)
    while current != root:
        prop = current.child_by_field_name("property") if current.type == "member_expression" else None
        if prop is None or prop.type != "property_identifier":
            return None
        names.append(parsed.text(prop))
        current = unwrap(current.child_by_field_name("object") or current)
    return ".".join(reversed(names))


def _pattern_fields(parsed: ParsedFile, pattern: Node) -> list[str] | None:
    """The names `{ userId, teamId }` binds; None with a renamed, defaulted or rest field (not followed)."""
    names = []
    for child in pattern.named_children:
        if child.type == "shorthand_property_identifier_pattern":
            names.append(parsed.text(child))
        elif child.type != "comment":
            return None
    return names


def _reassigned(parsed: ParsedFile, function: Node, name: str) -> bool:
    """Whether the helper assigns `name` again (`userId = userId.trim()`): its value is then not the argument."""
    for node in walk(function):
        if node.type in ("assignment_expression", "augmented_assignment_expression"):
            left = node.child_by_field_name("left")
            if left is not None and parsed.text(left) == name:
                return True
    return False


def may_be_postgres(project: Project, parsed: ParsedFile, chains: list[QueryChain], schema: SchemaModel | None) -> bool:
    """The driver's dialect, else that of the tables the reads compare (a handle from a `db()` factory),
    else PostgreSQL may be it."""
    dialects = {d.dialect for d in project.drivers_for(parsed) if d.dialect}
    if not dialects and schema is not None:
        for chain in chains:
            for node in walk(chain.node):
                placed = schema.column_of(parsed, node) if node.type == "member_expression" else None
                if placed is not None:
                    dialects.add(placed[0].dialect)
    return not dialects or bool(dialects - {"sqlite", "mysql", "singlestore"})


# Calls that only convert their argument: `String(id)`, `Number(page)`, `parseInt(raw, 10)` (no input makes them
# throw but a Symbol), and `Math`'s functions (`Math.min(limit, 100)`).
_CONVERSIONS = frozenset({"String", "Number", "Boolean", "parseInt", "parseFloat"})


def throwing_arguments(parsed: ParsedFile, chain: QueryChain, empty_in_throws: bool = False) -> list[Node]:
    """What building and running `chain` evaluates in JavaScript that may throw: a call other than drizzle's own
    builders (`eq`, `and`, `sql`…, also handed in as a relational callback's operators, `ops.eq`), a conversion
    or `new Date(…)`; a property read of a `x!` or an `xs[i]` (undefined at run time whatever the types say); a
    `new` other than `new Date(…)`; a callback the query runs on its rows (`.then(rows => …)`). The chain's own
    steps (`.where(…)`, `.limit(1)`) are not calls of that kind. A plain property chain (`input.user.id`) is
    trusted to its types, as the code around it is. With `empty_in_throws` (drizzle before 0.32.1, or a version
    dalfix cannot read), also `inArray`/`notInArray` over a list that is not a non-empty array literal: those
    versions throw on an empty list when the query is built."""
    found: list[Node] = []
    for link in chain.links:
        if link.call is None:
            continue
        if link.name in ("then", "catch", "finally"):
            found.append(link.call)
            continue
        args = link.call.child_by_field_name("arguments")
        if args is None:
            continue
        for node in walk(args):
            if node.type == "call_expression" and (not _builds_sql(parsed, node) or (
                    empty_in_throws and _in_array_may_be_empty(parsed, node))):  # fmt: skip
                found.append(node)
            elif node.type == "new_expression":
                constructor = node.child_by_field_name("constructor")
                if constructor is None or parsed.text(constructor) != "Date":
                    found.append(node)
            elif node.type in ("member_expression", "subscript_expression"):
                target = node.child_by_field_name("object")
                while target is not None and target.type == "parenthesized_expression" and target.named_children:
                    target = target.named_children[0]
                if target is not None and target.type in ("non_null_expression", "subscript_expression"):
                    found.append(node)
    return found


def _in_array_may_be_empty(parsed: ParsedFile, call: Node) -> bool:
    """`inArray(col, list)` / `notInArray(…)` (bare or `ops.inArray`) whose list is not an array literal holding
    an element."""
    function = call.child_by_field_name("function")
    name = parsed.text(function.child_by_field_name("property") or function) if function is not None and (
        function.type == "member_expression") else parsed.text(function) if function is not None else ""  # fmt: skip
    if name not in ("inArray", "notInArray"):
        return False
    args = call.child_by_field_name("arguments")
    values = [a for a in (args.named_children if args is not None else []) if a.type != "comment"]
    listed = unwrap(values[1]) if len(values) > 1 else None
    return listed is None or listed.type != "array" or not any(c.type != "comment" for c in listed.named_children)


def callback_may_throw(parsed: ParsedFile, chain: QueryChain) -> bool:
    """Whether a callback the read runs on its rows (`.then(rows => …)`, `.catch`, `.finally`) may throw its own
    error: a `throw`, a call other than drizzle's builders (`rows.map(…)` counts: dalfix does not type `rows`), a
    property of `rows[0]` or of `x!`, a `new` other than `new Date(…)`. Two grouped reads that may each throw their
    own would race in `Promise.all`: the one that settles first is thrown, where the original threw the first's."""
    for link in chain.links:
        if link.call is None or link.name not in ("then", "catch", "finally"):
            continue
        args = link.call.child_by_field_name("arguments")
        for node in walk(args) if args is not None else ():
            if node.type == "throw_statement":
                return True
            if node.type == "call_expression" and not _builds_sql(parsed, node):
                return True
            if node.type == "new_expression":
                constructor = node.child_by_field_name("constructor")
                if constructor is None or parsed.text(constructor) != "Date":
                    return True
            if node.type in ("member_expression", "subscript_expression"):
                target = node.child_by_field_name("object")
                if target is not None and unwrap_parentheses(target).type in (
                    "non_null_expression",
                    "subscript_expression",
                ):
                    return True
    return False


def unwrap_parentheses(node: Node) -> Node:
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


def _builds_sql(parsed: ParsedFile, call: Node) -> bool:
    """A call of drizzle's own SQL builders (bare, or as a member of an operator bag: `ops.eq`, `sql.raw`),
    a fragment method (`.mapWith(Number)`, `.as("n")`) or a plain conversion."""
    function = call.child_by_field_name("function")
    if function is None:
        return False
    if function.type == "identifier":
        return parsed.text(function) in SQL_BUILDERS or parsed.text(function) in _CONVERSIONS
    if function.type == "member_expression":
        name = parsed.text(function.child_by_field_name("property") or function)
        target = function.child_by_field_name("object")
        if name in SQL_FRAGMENT_METHODS:
            return True
        if target is not None and target.type == "new_expression" and name in ("toISOString", "getTime", "valueOf"):
            arguments = target.child_by_field_name("arguments")  # `new Date().toISOString()`: the clock, valid
            constructor = target.child_by_field_name("constructor")
            return (
                constructor is not None
                and parsed.text(constructor) == "Date"
                and (arguments is None or not arguments.named_children)
            )
        if target is not None and target.type == "identifier":
            if parsed.text(target) == "Math":
                return True
            return name in SQL_BUILDERS or (parsed.text(target) == "sql" and name in SQL_TAG_METHODS)
        if target is not None and target.type == "member_expression":  # `ops.sql.join(…)`
            inner = target.child_by_field_name("property")
            return inner is not None and parsed.text(inner) == "sql" and name in SQL_TAG_METHODS
    return False
