"""What a helper returns when that is one aggregate its read computed: `returned_aggregate(project, parsed, call)`.

A data-access helper often reads one value and hands it back: `getMaxPosition(db)` whose body is

    return await db.select({ value: max(t.position) }).from(t).then((rows) => rows[0]?.value ?? 1);

(or `(await <read>)[0]?.value ?? 1`, or the same as an arrow function's expression body). Its function summary
says only that it reads; this says *what* it returns: the aggregate (`max`, `count`, …) of a column of a table of
the schema model, the default `?? d` it applies for no row, which parameter is the handle the read runs on, and
whether the read is filtered (a `where`, whose inputs the caller cannot see: such a read is described, with
`filtered`, for a message only). Anything else it could do (another statement, another use of the rows, a read
on something other than its parameter) makes the answer None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.aggregates import aggregate_of
from dalfix.analysis.drizzle import unwrap
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile

if TYPE_CHECKING:
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema.model import Column, Table

NUMBER = re.compile(r"-?\d+")


@dataclass(frozen=True)
class ReturnedAggregate:
    path: Path  # the helper's module
    name: str  # the helper (as `Summaries.callee` names it)
    function: str  # max, min, count, sum, avg
    table: Table
    column: Column | None  # None for `count()`
    column_text: str  # `t.col` as the helper writes it
    table_text: str
    default: str  # the literal the helper returns for no row (`?? 1`)
    handle_parameter: int  # the index of the parameter the read runs on
    filtered: bool  # the read has a `where`


def returned_aggregate(project: Project, parsed: ParsedFile, call: Node) -> ReturnedAggregate | None:
    """The aggregate a called helper returns (module docstring), or None."""
    called = project.summaries.called_function(parsed, call)
    if called is None:
        return None
    function, info = called.function, called.module
    returned = _only_returned(function)
    if returned is None:
        return None
    helper = info.parsed
    parameters = project.summaries.parameter_names(called.path, called.name) or []
    read, rows, element = _read_and_pick(helper, returned)
    if read is None or rows is None or element is None:
        return None
    vocabulary = project.vocabulary_for(helper)
    chain = vocabulary.query_chain(read)
    if chain is None or chain.kind != "read" or chain.root.type != "identifier":
        return None
    handle = helper.text(chain.root)
    names = [link.name for link in chain.links]
    if handle not in parameters or names not in (["select", "from"], ["select", "from", "where"]):
        return None
    fields, sources = _args(chain.links[0].call), _args(chain.links[1].call)
    if len(fields) != 1 or fields[0].type != "object" or len(fields[0].named_children) != 1 or len(sources) != 1:
        return None
    pair = fields[0].named_children[0]
    key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
    if pair.type != "pair" or key is None or value is None or helper.text(key) != element[0]:
        return None
    table = project.schema.table_for_identifier(helper, sources[0])
    imports = project.analyzer_for(helper, vocabulary).imports
    aggregate = aggregate_of(helper, imports, project.schema, value)
    if table is None or aggregate is None or aggregate.helper is None:
        return None
    column = project.schema.column_of(helper, aggregate.argument) if aggregate.argument is not None else None
    if aggregate.argument is not None and (column is None or column[0] is not table):
        return None
    return ReturnedAggregate(
        called.path, called.name, aggregate.function, table, column[1] if column is not None else None,
        helper.text(aggregate.argument) if aggregate.argument is not None else "", helper.text(sources[0]),
        element[1], parameters.index(handle), len(names) == 3,
    )  # fmt: skip


def _only_returned(function: Node) -> Node | None:
    """The expression a function returns when its body is that one return (or an expression body)."""
    body = function.child_by_field_name("body")
    if body is None:
        return None
    if body.type != "statement_block":
        return unwrap(body)
    statements = [c for c in body.named_children if c.type != "comment"]
    if len(statements) != 1 or statements[0].type != "return_statement" or not statements[0].named_children:
        return None
    return unwrap(statements[0].named_children[0])


def _read_and_pick(parsed: ParsedFile, returned: Node) -> tuple[Node | None, str | None, tuple[str, str] | None]:
    """(the read, the rows' name, (field key, default)) of `await <read>.then((r) => r[0]?.k ?? d)` or
    `(await <read>)[0]?.k ?? d`."""
    node = unwrap(returned)
    if node.type == "await_expression" and node.named_children:
        node = unwrap(node.named_children[0])
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        callback = _args(node)
        if function is None or function.type != "member_expression" or len(callback) != 1:
            return None, None, None
        prop, read = function.child_by_field_name("property"), function.child_by_field_name("object")
        if prop is None or read is None or parsed.text(prop) != "then" or callback[0].type not in FUNCTION_TYPES:
            return None, None, None
        rows = _single_parameter(parsed, callback[0])
        picked = _only_returned(callback[0])
        element = _first_row_field(parsed, picked, rows) if picked is not None and rows is not None else None
        return unwrap(read), rows, element
    if node.type == "binary_expression":
        # `(await <read>)[0]?.k ?? d`: the rows are the awaited read itself.
        left = node.child_by_field_name("left")
        inner = _subscripted(left) if left is not None else None
        if inner is None or inner.type != "await_expression" or not inner.named_children:
            return None, None, None
        element = _first_row_field(parsed, node, parsed.text(inner), whole=inner)
        return unwrap(inner.named_children[0]), parsed.text(inner), element
    return None, None, None


def _subscripted(member: Node) -> Node | None:
    """`X` of `X[0]?.k` (parentheses dropped)."""
    node = unwrap(member)
    if node.type != "member_expression":
        return None
    obj = node.child_by_field_name("object")
    obj = unwrap(obj) if obj is not None else None
    if obj is None or obj.type != "subscript_expression":
        return None
    base = obj.child_by_field_name("object")
    return unwrap(base) if base is not None else None


def _first_row_field(parsed: ParsedFile, node: Node, rows: str, whole: Node | None = None) -> tuple[str, str] | None:
    """(k, d) of `rows[0]?.k ?? d` (d a number literal)."""
    node = unwrap(node)
    operator = node.child_by_field_name("operator") if node.type == "binary_expression" else None
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if operator is None or parsed.text(operator) != "??" or left is None or right is None:
        return None
    if not NUMBER.fullmatch(parsed.text(right).replace(" ", "")):
        return None
    member = unwrap(left)
    obj = member.child_by_field_name("object") if member.type == "member_expression" else None
    prop = member.child_by_field_name("property") if member.type == "member_expression" else None
    obj = unwrap(obj) if obj is not None else None
    if obj is None or prop is None or obj.type != "subscript_expression":
        return None
    index, base = obj.child_by_field_name("index"), obj.child_by_field_name("object")
    if index is None or base is None or parsed.text(index) != "0":
        return None
    base = unwrap(base)
    if (whole is not None and base != whole) or (whole is None and parsed.text(base) != rows):
        return None
    return parsed.text(prop), parsed.text(right).replace(" ", "")


def _single_parameter(parsed: ParsedFile, function: Node) -> str | None:
    single = function.child_by_field_name("parameter")
    if single is not None:
        return parsed.text(single) if single.type == "identifier" else None
    params = function.child_by_field_name("parameters")
    named = [p for p in params.named_children if p.type != "comment"] if params is not None else []
    if len(named) != 1:
        return None
    pattern = named[0].child_by_field_name("pattern")
    return parsed.text(pattern) if pattern is not None and pattern.type == "identifier" else None


def _args(call: Node | None) -> list[Node]:
    args = call.child_by_field_name("arguments") if call is not None else None
    return [unwrap(a) for a in args.named_children if a.type != "comment"] if args is not None else []
