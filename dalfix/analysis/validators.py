"""Validation schemas whose checks run no code of the project: `Schema.safeParse(x)` on one is a pure call.

A zod schema built only from `z` (imported from `zod`) with the builders and checks zod implements itself
(`z.object({ a: z.string().min(1) })`, `z.discriminatedUnion("kind", [...])`, `.optional()`, `.extend(...)`),
whose arguments are literals, other such schemas (`const`s of the same file) and object or array literals of
them, runs nothing but zod when it parses: no function is handed to it (`.refine(fn)`, `.transform(fn)`,
`z.preprocess(fn, …)`, `z.lazy(fn)`, `.default(fn)` are all left out, as is any name dalfix cannot follow).
`safeParse` on such a schema returns a result object and throws nothing, so it reads its argument and has no
other effect: it may move across a query, or sit in a loop whose query is batched. (`parse` is left out: it
throws on invalid input, an exit the statement's effects would not show.)
"""

from __future__ import annotations

from dalfix.analysis.drizzle import unwrap
from dalfix.parsing import Node, ParsedFile

ZOD_MODULES = frozenset({"zod", "zod/v4", "zod/v3", "zod/mini"})
PURE_PARSE_METHODS = frozenset({"safeParse"})
# zod's own builders and checks: none runs code the caller hands it when given no function (checked apart).
ZOD_BUILDERS = frozenset({
    "object", "string", "number", "boolean", "bigint", "date", "literal", "enum", "array", "tuple", "union",
    "discriminatedUnion", "intersection", "record", "null", "undefined", "any", "unknown", "never", "void",
    "optional", "nullable", "nullish", "default", "min", "max", "length", "email", "url", "uuid", "cuid", "cuid2",
    "ulid", "regex", "int", "positive", "negative", "nonnegative", "nonpositive", "finite", "gt", "gte", "lt",
    "lte", "multipleOf", "trim", "toLowerCase", "toUpperCase", "startsWith", "endsWith", "includes", "datetime",
    "nonempty", "extend", "merge", "pick", "omit", "partial", "required", "strict", "passthrough", "strip",
    "describe", "readonly", "brand", "coerce", "element", "keyof", "ip", "emoji", "nanoid", "base64", "time",
    "duration", "iso", "catchall",
})  # fmt: skip
_LITERALS = frozenset({"string", "number", "true", "false", "null", "undefined", "regex", "template_string"})
_MAX_DEPTH = 8


def pure_safe_parse(parsed: ParsedFile, imports: dict[str, tuple[str, str]], call: Node) -> bool:
    """Whether `call` is `S.safeParse(x)` on a schema `S` (a `const` of this file) that runs no project code."""
    function = call.child_by_field_name("function")
    function = unwrap(function) if function is not None else None
    if function is None or function.type != "member_expression":
        return False
    method, receiver = function.child_by_field_name("property"), function.child_by_field_name("object")
    if method is None or receiver is None or parsed.text(method) not in PURE_PARSE_METHODS:
        return False
    return _pure_schema(parsed, imports, unwrap(receiver), 0)


def _pure_schema(parsed: ParsedFile, imports: dict[str, tuple[str, str]], node: Node, depth: int) -> bool:
    if depth > _MAX_DEPTH:
        return False
    node = unwrap(node)
    if node.type == "identifier":
        value = _const_value(parsed, parsed.text(node))
        return value is not None and _pure_schema(parsed, imports, value, depth + 1)
    if node.type == "member_expression":  # `z.coerce` of `z.coerce.number()`
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        return obj is not None and prop is not None and parsed.text(prop) in ZOD_BUILDERS and _zod_root(
            parsed, imports, unwrap(obj), depth)  # fmt: skip
    if node.type != "call_expression":
        return False
    function, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
    function = unwrap(function) if function is not None else None
    if function is None or function.type != "member_expression" or args is None or args.type != "arguments":
        return False
    obj, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
    if obj is None or prop is None or parsed.text(prop) not in ZOD_BUILDERS:
        return False
    if not all(_pure_argument(parsed, imports, a, depth + 1) for a in args.named_children):
        return False
    return _zod_root(parsed, imports, unwrap(obj), depth)


def _zod_root(parsed: ParsedFile, imports: dict[str, tuple[str, str]], node: Node, depth: int) -> bool:
    """`z` itself (imported from zod), or a pure schema a method is called on."""
    if node.type == "identifier":
        imported = imports.get(parsed.text(node))
        if imported is not None:
            return imported[0] in ZOD_MODULES and imported[1] == "z"
    return _pure_schema(parsed, imports, node, depth + 1)


def _pure_argument(parsed: ParsedFile, imports: dict[str, tuple[str, str]], node: Node, depth: int) -> bool:
    """A literal, a pure schema, or an object / array literal of them (`{ a: z.string() }`, `["a", "b"]`)."""
    node = unwrap(node)
    if node.type in _LITERALS and not (node.type == "template_string" and node.named_children):
        return True
    if node.type == "unary_expression" and node.named_children:  # -1
        return node.named_children[-1].type == "number"
    if node.type == "array":
        return all(_pure_argument(parsed, imports, c, depth) for c in node.named_children)
    if node.type == "object":
        for child in node.named_children:
            value = child.child_by_field_name("value") if child.type == "pair" else None
            key = child.child_by_field_name("key") if child.type == "pair" else None
            if value is None or key is None or key.type == "computed_property_name":
                return False
            if not _pure_argument(parsed, imports, value, depth):
                return False
        return True
    return _pure_schema(parsed, imports, node, depth)


def _const_value(parsed: ParsedFile, name: str) -> Node | None:
    """The value of the top-level `const name = …` (exported or not) of the file; None for anything else."""
    found: dict[str, Node] | None = parsed.__dict__.get("_dalfix_top_level_consts")
    if found is None:
        found = {}
        for statement in parsed.root.named_children:
            declaration = statement.child_by_field_name("declaration") if statement.type == "export_statement" else (
                statement)  # fmt: skip
            if declaration is None or declaration.type != "lexical_declaration":
                continue
            if parsed.text(declaration.children[0]) != "const":
                continue
            for declarator in declaration.named_children:
                pattern, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
                if declarator.type == "variable_declarator" and pattern is not None and value is not None and (
                        pattern.type == "identifier"):  # fmt: skip
                    found[parsed.text(pattern)] = value
        parsed.__dict__["_dalfix_top_level_consts"] = found
    return found.get(name)
