"""Aggregate select fields, and how to restrict one to a filter without changing what it returns.

A field is an aggregate when it is one of drizzle-orm's helpers (`count()`, `sum(x)`, `max(x)` …) or an
`sql` template holding exactly one aggregate call (`sql<string>\\`coalesce(sum(${t.amount}), 0)\\``) and
nothing else that could aggregate. `restricted()` rewrites it to aggregate only the rows a condition keeps:
`… filter (where ${c})` on PostgreSQL and SQLite (>= 3.30), `…(case when ${c} then x end)` on MySQL. Both
give, for every set of rows, the value the aggregate gives over the rows the condition keeps: `count` 0 and
the others NULL when it keeps none, exactly like a separate query with the condition in its WHERE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dalfix.analysis.drizzle import unwrap
from dalfix.analysis.schema import SchemaModel
from dalfix.parsing import Node, ParsedFile, descendants_of_type

# drizzle-orm helper -> (SQL function, distinct, TS type argument, decoder); None: the argument's column.
HELPERS: dict[str, tuple[str, bool, str | None, str | None]] = {
    "count": ("count", False, "number", "Number"),
    "countDistinct": ("count", True, "number", "Number"),
    "sum": ("sum", False, "string | null", "String"),
    "sumDistinct": ("sum", True, "string | null", "String"),
    "avg": ("avg", False, "string | null", "String"),
    "avgDistinct": ("avg", True, "string | null", "String"),
    "max": ("max", False, None, None),
    "min": ("min", False, None, None),
}
AGGREGATE_FUNCTIONS = frozenset({"count", "sum", "avg", "min", "max"})
# Scalar functions and keywords an aggregate template may hold around or inside its one aggregate call.
SCALAR_WORDS = frozenset(
    {"coalesce", "abs", "round", "cast", "nullif", "ifnull", "greatest", "least", "floor", "ceil", "ceiling"}
    | {"in", "and", "or", "not", "then", "else", "when", "as", "numeric", "integer", "int", "bigint", "decimal"}
)
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TEMPLATE_PREFIX = re.compile(r"^sql\s*(<[^`]*>)?\s*$", re.S)
_TEMPLATE_SUFFIX = re.compile(r"^\s*(\.\s*mapWith\s*\([^()`]*\))?\s*$", re.S)


@dataclass(frozen=True)
class Aggregate:
    node: Node  # the field's value
    function: str  # count, sum, avg, min or max
    helper: str | None  # drizzle's helper name; None for an `sql` template
    argument: Node | None = None  # the helper's argument; None for `count()`
    # An `sql` template: byte offsets of its aggregate call's `(` and `)`, and whether it is written upper-case.
    open_paren: int = 0
    close_paren: int = 0
    upper: bool = False


def aggregate_of(
    parsed: ParsedFile, imports: dict[str, tuple[str, str]], schema: SchemaModel, value: Node
) -> Aggregate | None:
    """The aggregate a select field computes, or None when the field may be anything else."""
    value = unwrap(value)
    if value.type == "call_expression":
        function = value.child_by_field_name("function")
        name = parsed.text(function) if function is not None else ""
        imported = imports.get(name)
        if imported is not None and imported[1] in HELPERS and _drizzle_module(imported[0]):
            args = value.child_by_field_name("arguments")
            arguments = [unwrap(a) for a in args.named_children] if args is not None else []
            helper = imported[1]
            if len(arguments) > 1 or (not arguments and helper != "count"):
                return None
            argument = arguments[0] if arguments else None
            if argument is not None and not _plain_operand(parsed, schema, argument):
                return None
            return Aggregate(value, HELPERS[helper][0], helper, argument)
    return _template_aggregate(parsed, imports, schema, value)


def _template_aggregate(
    parsed: ParsedFile, imports: dict[str, tuple[str, str]], schema: SchemaModel, value: Node
) -> Aggregate | None:
    templates = [t for t in descendants_of_type(value, "template_string")]
    if not templates:
        return None
    template = min(templates, key=lambda t: t.start_byte)
    source = parsed.source
    prefix = source[value.start_byte : template.start_byte].decode("utf-8", "surrogateescape")
    suffix = source[template.end_byte : value.end_byte].decode("utf-8", "surrogateescape")
    if not _TEMPLATE_PREFIX.match(prefix) or not _TEMPLATE_SUFFIX.match(suffix):
        return None
    imported = imports.get("sql")
    if imported is None or imported[1] != "sql" or not _drizzle_module(imported[0]):
        return None
    masked = bytearray(source[template.start_byte : template.end_byte])
    for part in template.named_children:
        if part.type == "template_substitution":
            inner = [unwrap(n) for n in part.named_children]
            if len(inner) != 1 or not _plain_operand(parsed, schema, inner[0]):
                return None  # a fragment or a call could hold an aggregate of its own
            start, end = part.start_byte - template.start_byte, part.end_byte - template.start_byte
            masked[start:end] = b"\x01" * (end - start)
    text = masked.decode("latin-1")
    if "'" in text or '"' in text:
        return None  # a literal could hold parentheses or words; not worth reading
    found = None
    for match in _CALL.finditer(text):
        word = match.group(1).lower()
        if word in AGGREGATE_FUNCTIONS:
            if found is not None:
                return None
            found = match
        elif word not in SCALAR_WORDS:
            return None
    if found is None or any(w.lower() in ("filter", "over", "select", "within") for w in _WORD.findall(text)):
        return None
    open_paren = found.end() - 1
    close_paren = _matching_paren(text, open_paren)
    if close_paren is None:
        return None
    inside = text[open_paren + 1 : close_paren]
    if found.group(1).lower() in ("min", "max") and _top_level_comma(inside):
        return None  # SQLite's two-argument min/max is a scalar function
    base = template.start_byte
    return Aggregate(
        value,
        found.group(1).lower(),
        None,
        open_paren=base + open_paren,
        close_paren=base + close_paren,
        upper=found.group(1).isupper(),
    )


def restricted(parsed: ParsedFile, schema: SchemaModel, aggregate: Aggregate, condition: str, dialect: str) -> str:
    """The field's text aggregating only the rows `condition` (a drizzle SQL expression's text) keeps."""
    source = parsed.source

    def text(start: int, end: int) -> str:
        return source[start:end].decode("utf-8", "surrogateescape")

    if aggregate.helper is None:
        start, end = aggregate.node.start_byte, aggregate.node.end_byte
        if dialect == "mysql":
            inside = text(aggregate.open_paren + 1, aggregate.close_paren)
            found = re.match(r"\s*distinct\s+", inside, re.I)
            head = found.group(0) if found else ""
            operand = inside[len(head) :].strip()
            operand = "1" if operand == "*" else operand
            case = "CASE WHEN ${%s} THEN %s END" if aggregate.upper else "case when ${%s} then %s end"
            return (
                text(start, aggregate.open_paren + 1)
                + head
                + case % (condition, operand)
                + text(aggregate.close_paren, end)
            )
        clause = " FILTER (WHERE ${%s})" if aggregate.upper else " filter (where ${%s})"
        return text(start, aggregate.close_paren + 1) + clause % condition + text(aggregate.close_paren + 1, end)
    function, distinct, type_argument, decoder = HELPERS[aggregate.helper]
    operand = "${" + parsed.text(aggregate.argument) + "}" if aggregate.argument is not None else "*"
    if decoder is None:
        assert aggregate.argument is not None
        column = schema.column_of(parsed, aggregate.argument)
        decoder = parsed.text(aggregate.argument) if column is not None else "String"
        type_argument = None if column is not None else "string | null"
    head = "distinct " if distinct else ""
    if dialect == "mysql":
        body = f"{function}({head}case when ${{{condition}}} then {'1' if operand == '*' else operand} end)"
    else:
        body = f"{function}({head}{operand}) filter (where ${{{condition}}})"
    typed = f"<{type_argument}>" if type_argument else ""
    return f"sql{typed}`{body}`.mapWith({decoder})"


def _drizzle_module(module: str) -> bool:
    return module == "drizzle-orm" or module.startswith("drizzle-orm/")


def _plain_operand(parsed: ParsedFile, schema: SchemaModel, node: Node) -> bool:
    """A column of the schema, or a literal: nothing that could be (or hold) an aggregate itself."""
    if node.type in ("number", "string", "true", "false", "null"):
        return True
    return node.type == "member_expression" and schema.column_of(parsed, node) is not None


def _matching_paren(text: str, open_at: int) -> int | None:
    depth = 0
    for index in range(open_at, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


def _top_level_comma(text: str) -> bool:
    depth = 0
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            return True
    return False
