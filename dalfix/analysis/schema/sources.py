"""Tables taken out of an object whose properties are tables: `export const { users, posts } = schema`.

A project that supports several dialects declares each table once per dialect module and picks the module at run
time (`schema = createSchema({ sqlite: () => sqliteSchema, mysql: () => mysqlSchema })`, where `createSchema`
returns `input[driver]()`); the application then imports the destructured names. What such a name denotes is
the same-named table of every candidate module: the *alternatives*. Which one runs is not known here, so the
dialect stays unknown (a merged `Table`, see `model.merged_table`); the columns and keys the alternatives agree on
are known.

What is followed, from the destructured (or member-accessed) expression, through imports:
- a namespace import (`import * as s from "./sqlite"`): its exports;
- an object literal (`{ users, posts: postsTable }`): its properties;
- a `const` whose value is one of these;
- `a ?? b`, `a || b`, `c ? a : b`: the alternatives of both sides;
- a call of a project function that returns one of its first argument's properties, called or not
  (`(input) => input[key]()`, `(input) => input[key]`), handed an object literal: every property's value (for a
  function, what it returns);
- a call of a project function whose every `return` is one of the above (not reading its parameters).
Anything else is not followed: the name is then no table (nothing is guessed). A property missing from one
candidate, or not a table declaration there, makes the whole name no table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.drizzle import unwrap
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile

if TYPE_CHECKING:
    from dalfix.analysis.summaries import ModuleInfo, Summaries

MAX_DEPTH = 8
Target = tuple[Path, str]  # (file, top-level name) of a declaration


@dataclass(frozen=True)
class _Source:
    """One candidate object: a module's namespace (`node` None) or an object literal of `path`."""

    path: Path
    node: Node | None = None


class TableSources:
    """`binding_tables(path, name)` / `member_tables(path, base, key)`: the table declarations a name denotes."""

    def __init__(self, summaries: Summaries, declares_table: Callable[[Target], bool]) -> None:
        self.summaries = summaries
        self.declares_table = declares_table
        self._bindings: dict[Target, tuple[Target, ...]] = {}

    def binding_tables(self, path: Path, name: str, depth: int = 0) -> tuple[Target, ...]:
        """The alternatives of a top-level name bound by destructuring (`const { users } = schema`); () when it
        is not one or one candidate does not give a table."""
        key = (path, name)
        if key in self._bindings:
            return self._bindings[key]
        self._bindings[key] = ()  # a cycle ends here
        found: tuple[Target, ...] = ()
        info = self.summaries.module(path)
        declarator = info.destructuring(name) if info is not None and depth <= MAX_DEPTH else None
        value = declarator.child_by_field_name("value") if declarator is not None else None
        if info is not None and value is not None:
            found = self._property_tables(self._sources(info.parsed, value, depth + 1), info.destructured[name], depth)
        self._bindings[key] = found
        return found

    def member_tables(self, parsed: ParsedFile, base: Node, key: str) -> tuple[Target, ...]:
        """The alternatives of `base.key` where `base` is a name whose value is an object of tables (not a
        namespace import: `Project.is_table` reads those directly)."""
        return self._property_tables(self._sources(parsed, base, 1), key, 1)

    # ---- candidates ------------------------------------------------------------------------------
    def _property_tables(self, sources: list[_Source] | None, key: str, depth: int) -> tuple[Target, ...]:
        if not sources:
            return ()
        out: list[Target] = []
        for source in sources:
            found = self._property(source, key, depth)
            if not found:
                return ()
            out += [t for t in found if t not in out]
        return tuple(out)

    def _property(self, source: _Source, key: str, depth: int) -> tuple[Target, ...]:
        """The table(s) property `key` of one candidate names; () when it is missing or not a table."""
        if source.node is None:
            target = self.summaries.resolve_export(source.path, key, 0)
            return self._tables_at(target, depth)
        parsed = self._parsed(source.path)
        if parsed is None:
            return ()
        for child in source.node.named_children:
            if child.type == "shorthand_property_identifier" and parsed.text(child) == key:
                return self._tables_at(self.summaries._top_level(source.path, key), depth)
            if child.type == "pair":
                name, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                if name is None or value is None or parsed.text(name).strip("'\"") != key:
                    continue
                value = unwrap(value)
                if value.type == "identifier":
                    return self._tables_at(self.summaries._top_level(source.path, parsed.text(value)), depth)
                if value.type == "member_expression":
                    obj, prop = value.child_by_field_name("object"), value.child_by_field_name("property")
                    if obj is not None and prop is not None:
                        return self._property_tables(self._sources(parsed, obj, depth + 1), parsed.text(prop), depth)
                return ()
        return ()

    def _tables_at(self, target: Target | None, depth: int) -> tuple[Target, ...]:
        if target is None or target[1] == "*" or depth > MAX_DEPTH:
            return ()
        if self.declares_table(target):
            return (target,)
        return self.binding_tables(target[0], target[1], depth + 1)

    def _sources(self, parsed: ParsedFile, node: Node, depth: int) -> list[_Source] | None:
        """The candidate objects an expression of `parsed` may evaluate to; None when it cannot be followed."""
        if depth > MAX_DEPTH:
            return None
        node = unwrap(node)
        if node.type == "object":
            return [_Source(parsed.path, node)]
        if node.type == "identifier":
            return self._name_sources(parsed.path, parsed.text(node), depth)
        if node.type == "ternary_expression":
            return self._all([self._sources(parsed, c, depth + 1) for c in node.named_children[1:]])
        if node.type == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is None or parsed.text(operator) not in ("??", "||"):
                return None
            return self._all([self._sources(parsed, c, depth + 1) for c in node.named_children])
        if node.type == "call_expression":
            return self._call_sources(parsed, node, depth)
        return None

    def _name_sources(self, path: Path, name: str, depth: int) -> list[_Source] | None:
        target = self.summaries._top_level(path, name)
        if target is None:
            return None
        if target[1] == "*":
            return [_Source(target[0])]
        info = self.summaries.module(target[0])
        if info is None or info.declared.get(target[1]) != "variable_declarator":
            return None
        declarator = info.declarations[target[1]]
        kind = declarator.parent.child(0) if declarator.parent is not None else None
        value = declarator.child_by_field_name("value")
        if value is None or kind is None or kind.type != "const":
            return None  # `let` may be assigned anything later
        return self._sources(info.parsed, value, depth + 1)

    def _call_sources(self, parsed: ParsedFile, call: Node, depth: int) -> list[_Source] | None:
        callee = self._function(self.summaries.callee(parsed, call), depth)
        if callee is None:
            return None
        info, function = callee
        returned = _returned_expressions(function)
        if not returned:
            return None
        first = _first_parameter(info.parsed, function)
        args = call.child_by_field_name("arguments")
        handed = unwrap(args.named_children[0]) if args is not None and args.named_children else None
        out: list[_Source] = []
        for expression in returned:
            picked = _picked_property(info.parsed, expression, first)
            if picked is not None:
                # `input[key]()` / `input[key]`: one of the argument's properties, chosen at run time.
                if handed is None or handed.type != "object":
                    return None
                found = self._handed_sources(parsed, handed, called=picked, depth=depth)
            elif first is not None and _mentions(info.parsed, expression, first):
                return None  # built from the parameter some other way: not followed
            else:
                found = self._sources(info.parsed, expression, depth + 1)
            if found is None:
                return None
            out += found
        return out

    def _function(self, target: Target | None, depth: int) -> tuple[ModuleInfo, Node] | None:
        """The function a callee names, through `const alias = fn` (`export const createSchema = createDbMapping`)."""
        for _ in range(MAX_DEPTH - depth):
            if target is None:
                return None
            info = self.summaries.module(target[0])
            if info is None:
                return None
            function = self.summaries.function_node(*target)
            if function is not None:
                return info, function
            declarator = info.declarations.get(target[1]) if "." not in target[1] else None
            value = declarator.child_by_field_name("value") if declarator is not None else None
            if value is None or unwrap(value).type != "identifier":
                return None
            target = self.summaries._top_level(target[0], info.parsed.text(unwrap(value)))
        return None

    def _handed_sources(self, parsed: ParsedFile, handed: Node, called: bool, depth: int) -> list[_Source] | None:
        values: list[list[_Source] | None] = []
        for child in handed.named_children:
            if child.type == "comment":
                continue
            if child.type == "shorthand_property_identifier" and not called:
                values.append(self._name_sources(parsed.path, parsed.text(child), depth + 1))
                continue
            if child.type == "pair":
                value = child.child_by_field_name("value")
            else:
                return None  # a spread, a method, a shorthand function: not followed
            if value is None:
                return None
            value = unwrap(value)
            if called:
                if value.type not in FUNCTION_TYPES:
                    return None
                returned = _returned_expressions(value)
                if not returned:
                    return None
                values += [self._sources(parsed, r, depth + 1) for r in returned]
            else:
                values.append(self._sources(parsed, value, depth + 1))
        return self._all(values) if values else None

    def _all(self, found: list[list[_Source] | None]) -> list[_Source] | None:
        if any(f is None for f in found):
            return None
        return [s for f in found if f is not None for s in f]

    def _parsed(self, path: Path) -> ParsedFile | None:
        info = self.summaries.module(path)
        return info.parsed if info is not None else None


def _returned_expressions(function: Node) -> list[Node]:
    """What a function returns: its expression body, or the value of each `return` of its own body."""
    body = function.child_by_field_name("body")
    if body is None:
        return []
    if body.type != "statement_block":
        return [body]
    out: list[Node] = []
    stack = list(body.named_children)
    while stack:
        node = stack.pop()
        if node.type in FUNCTION_TYPES or node.type in ("class_declaration", "class"):
            continue
        if node.type == "return_statement":
            if not node.named_children:
                return []  # `return;`: undefined is one of the answers
            out.append(node.named_children[0])
            continue
        stack.extend(node.named_children)
    return out


def _first_parameter(parsed: ParsedFile, function: Node) -> str | None:
    params = function.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children else None
    if first is None:
        param = function.child_by_field_name("parameter")  # `input => …`
        return parsed.text(param) if param is not None and param.type == "identifier" else None
    pattern = first.child_by_field_name("pattern")
    return parsed.text(pattern) if pattern is not None and pattern.type == "identifier" else None


def _picked_property(parsed: ParsedFile, expression: Node, parameter: str | None) -> bool | None:
    """`parameter[k]()` -> True (a property called), `parameter[k]` -> False, anything else -> None."""
    if parameter is None:
        return None
    node = unwrap(expression)
    if node.type == "await_expression" and node.named_children:
        node = unwrap(node.named_children[0])
    called = node.type == "call_expression"
    if called:
        args = node.child_by_field_name("arguments")
        if args is None or args.named_children:
            return None  # a property called with arguments: what it returns depends on them
        function = node.child_by_field_name("function")
        if function is None:
            return None
        node = unwrap(function)
    if node.type != "subscript_expression":
        return None
    obj = node.child_by_field_name("object")
    if obj is None or unwrap(obj).type != "identifier" or parsed.text(unwrap(obj)) != parameter:
        return None
    return called


def _mentions(parsed: ParsedFile, node: Node, name: str) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "identifier" and parsed.text(current) == name:
            return True
        stack.extend(current.named_children)
    return False
