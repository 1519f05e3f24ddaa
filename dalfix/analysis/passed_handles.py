"""What an argument hands a project function: a database or transaction handle, followed through local aliases,
object literals and the caller's own parameters (`Project.handle_passing_calls`).

A transaction reaches a helper in more shapes than `helper(tx, …)`: `const handle = tx; helper(handle)`, an object
argument matched to a destructured parameter (`helper({ db: tx, id })` for `({ db, id }: { db: Db; id: string })`),
a spread (`{ ...opts, db: tx }`), or a parameter the caller itself was handed (`outer(tx)` calling `inner(h)`). Each
argument is read here as plain data: the kinds it may be ("tx", "db"), and forward references to a parameter of the
calling function (`FORWARD`), resolved across the project by `merged_transaction_parameters` once every file's
calls are known. A value dalfix cannot follow where an object's property is read (an unknown spread, an unknown
object) may be a transaction: it counts as both kinds (a maybe-transaction) for the callee's locals that start
queries; nothing there may assume a pool.

A transaction handed on in a shape the callee's parameters cannot be matched to (a spread, `f.call`/`f.bind`,
`new C(tx)`, a method of an unresolved receiver, a function value a project helper calls, `withTx(load)`) reaches
every parameter it could: as an unseen kind (`UNSEEN`, with the call it went through), which makes those parameters
maybe-transactions whose rules keep their findings but offer no safe fix that assumes a pool
(`Project.handle_passing_calls`, `Vocabulary.unseen_tx_params`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from dalfix.analysis.drizzle import DATABASE_TYPES, TRANSACTION_TYPES, Vocabulary, _used_as_query_receiver, unwrap
from dalfix.analysis.effects import pattern_names
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, descendants_of_type

FORWARD = "="  # a kind "=<function>\0<name>": what the calling file's function `function` is handed as `name`
# (`=<function>\0<name>\0<path>`: what that function of the file at `path` is handed)
UNSEEN = "~"  # a kind "~<reason>\x01<kind>": <kind> reaches the parameter through a shape dalfix does not follow
SLOT = "()"  # a parameter name "<name>()": what the function's callback parameter `name` is called with
MAYBE = frozenset({"tx", "db"})
_SCOPES = frozenset({"statement_block", "program", "switch_case", "switch_default", "class_body"})
_DEPTH = 8  # aliases of aliases followed at most this far

# A callee parameter, as plain data: its name (an identifier), or an object pattern's {property: local}, with
# "..." naming the rest element's local (None for any other pattern).
ParameterPattern = str | dict[str, str] | None


def forward(function: str, name: str, path: str | None = None) -> str:
    return f"{FORWARD}{function}\0{name}" + (f"\0{path}" if path is not None else "")


def unseen(reason: str, kind: str) -> str:
    """`kind` handed on through a shape dalfix does not follow (`reason` says which): a transaction it carries makes
    the parameter a maybe-transaction whose fixes are never safe, a database handle tells nothing."""
    return kind if kind.startswith(UNSEEN) else f"{UNSEEN}{reason}\x01{kind}"  # the first step unseen is named


def is_carried(kind: str) -> bool:
    """A kind that may carry a transaction to whatever an unfollowed call reaches (not a plain database handle)."""
    return kind == "tx" or kind.startswith((FORWARD, UNSEEN))


def parameter_pattern(parsed: ParsedFile, pattern: Node | None) -> ParameterPattern:
    """`handle` -> "handle"; `{ handle, db: h, x = 1, ...rest }` -> {"handle": "handle", "db": "h", "x": "x",
    "...": "rest"}; a nested pattern by dotted keys: `{ ctx: { db: h } }` -> {"ctx.db": "h"}."""
    if pattern is None:
        return None
    if pattern.type == "identifier":
        return parsed.text(pattern)
    if pattern.type != "object_pattern":
        return None
    keys: dict[str, str] = {}
    for child in pattern.named_children:
        if child.type == "shorthand_property_identifier_pattern":
            keys[parsed.text(child)] = parsed.text(child)
        elif child.type == "object_assignment_pattern":
            left = child.child_by_field_name("left")
            if left is not None:
                keys[parsed.text(left)] = parsed.text(left)
        elif child.type == "pair_pattern":
            key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
            if value is not None and value.type == "assignment_pattern":
                value = value.child_by_field_name("left")
            if (
                key is not None
                and key.type == "property_identifier"
                and value is not None
                and value.type == "object_pattern"
            ):
                # `{ ctx: { db: h } }`: h is what the argument's `ctx.db` is (a nested rest element is not followed)
                inner = parameter_pattern(parsed, value)
                if isinstance(inner, dict):
                    keys.update({f"{parsed.text(key)}.{k}": v for k, v in inner.items() if k != "..."})
            elif (
                key is not None
                and key.type == "property_identifier"
                and value is not None
                and value.type == "identifier"
            ):
                keys[parsed.text(key)] = parsed.text(value)
        elif child.type == "rest_pattern" and child.named_children and child.named_children[0].type == "identifier":
            keys["..."] = parsed.text(child.named_children[0])
    return keys


@dataclass
class Passed:
    """What one expression hands over: the kinds it may be, and, for an object, what its properties may be."""

    kinds: frozenset[str] = frozenset()
    properties: dict[str, frozenset[str]] = field(default_factory=dict)
    # Where any other property comes from: kinds, or a forward reference ending in "." (the key is appended).
    rest: frozenset[str] = frozenset()

    def property(self, key: str) -> frozenset[str]:
        if key in self.properties:
            return self.properties[key]
        return frozenset(r + key if r.endswith(".") else r for r in self.rest)


UNFOLLOWED = "?"  # a kind: from a value dalfix cannot follow (a transaction or not), resolved by `matched`
UNKNOWN = Passed(rest=frozenset({UNFOLLOWED}))


class PassedHandles:
    """Reads the arguments of one file's calls (its vocabulary before callers' facts are added)."""

    def __init__(
        self,
        parsed: ParsedFile,
        vocabulary: Vocabulary,
        functions: Callable[[], dict[int, str]],
        callback_slot: Callable[[Node], str | None] | None = None,
    ):
        self.parsed = parsed
        self.vocabulary = vocabulary
        self._functions = functions  # start byte of each named function of the file -> its summary name
        # A function literal passed as an argument -> what its parameters are handed (a forward reference to the
        # callee's callback parameter, `withTx((tx) => load(tx))`), or None
        self._callback_slot = callback_slot
        self._scopes: dict[tuple[int, int], list[_Declared]] = {}
        self._wanted: frozenset[str] | None = None  # the properties the current callee's object pattern takes
        self._assigned: dict[tuple[int, int], dict[str, list[Node]]] = {}
        self._may: dict[tuple[int, str], bool] = {}

    @cached_property
    def functions(self) -> dict[int, str]:
        return self._functions()

    def argument(self, node: Node, pattern: ParameterPattern = None) -> Passed | None:
        """What an argument hands over; None when it is nothing dalfix follows (a literal, an unknown name). Given
        the callee's object pattern, only the properties it takes are read."""
        self._wanted = (
            frozenset(key.partition(".")[0] for key in pattern)
            if isinstance(pattern, dict) and "..." not in pattern
            else None
        )
        return self._value(node, _DEPTH)

    @staticmethod
    def matched(
        values: list[Passed | None], patterns: list[ParameterPattern], starts_queries: Callable[[str], bool]
    ) -> list[tuple[str, str]]:
        """(callee's parameter name, kind) for each argument matched to the callee's parameter patterns;
        `starts_queries(local)`: whether the callee's local (or `param.key`) starts queries."""
        found: list[tuple[str, str]] = []

        def add(name: str, kinds: frozenset[str]) -> None:
            if UNFOLLOWED in kinds:
                # An unknown source (a spread or object dalfix cannot follow) only matters where the name starts
                # queries: a non-handle recorded as a transaction would make the whole function "inside a
                # transaction" (midday's `{ teamId, ...body }`: every DAL005 finding of the callee went).
                kinds = (kinds - {UNFOLLOWED}) | (MAYBE if starts_queries(name) else frozenset())
            found.extend((name, kind) for kind in sorted(kinds))

        for value, pattern in zip(values, patterns, strict=False):
            if value is None or pattern is None:
                continue
            if isinstance(pattern, str):
                add(pattern, value.kinds)
                for key, kinds in value.properties.items():
                    add(f"{pattern}.{key}", kinds)
                continue
            named = {key.partition(".")[0] for key in pattern if key != "..."}
            for key, local in pattern.items():
                if key == "...":
                    for other, kinds in value.properties.items():
                        if other.partition(".")[0] not in named:
                            add(f"{local}.{other}", kinds)
                    continue
                add(local, value.property(key))
                for other, kinds in value.properties.items():  # `{ ctx: { db: tx } }` for `{ ctx }`: ctx.db
                    if other.startswith(key + ".") and other not in pattern:
                        add(local + other[len(key) :], kinds)
        return found

    # ---- values ------------------------------------------------------------------------------
    def _value(self, node: Node, depth: int) -> Passed | None:
        node = unwrap(node)
        if depth <= 0:
            return None
        if node.type == "identifier":
            return self._identifier(node, depth)
        if node.type == "object":
            return self._object(node, depth)
        if node.type == "member_expression":
            which = self.vocabulary.handle_kind(node, node)
            if which is not None or self.parsed.text(node) in self.vocabulary.db_names:
                return Passed(frozenset({which or "db"}))
            base, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if base is None or prop is None or prop.type != "property_identifier":
                return None
            value = self._value(base, depth - 1)
            return Passed(value.property(self.parsed.text(prop))) if value is not None else None
        if node.type == "array":
            # `[tx, id]` (spread into a call's arguments, `load(...[tx, id])`): what any element may be
            elements = [
                e.named_children[0] if e.type == "spread_element" and e.named_children else e
                for e in node.named_children
            ]
            values = [self._value(e, depth - 1) for e in elements]
            kinds = frozenset().union(*(v.kinds for v in values if v is not None))
            return Passed(kinds) if kinds else None
        if node.type == "ternary_expression":
            branches = [node.child_by_field_name("consequence"), node.child_by_field_name("alternative")]
        elif node.type == "binary_expression" and self._operator(node) in ("??", "||", "&&"):
            branches = [node.child_by_field_name("left"), node.child_by_field_name("right")]
        else:
            return None
        values = [self._value(b, depth - 1) for b in branches if b is not None]
        found = [v for v in values if v is not None]
        if not found:
            return None
        return Passed(frozenset().union(*(v.kinds for v in found)))

    def _operator(self, node: Node) -> str:
        operator = node.child_by_field_name("operator")
        return self.parsed.text(operator) if operator is not None else ""

    def _identifier(self, node: Node, depth: int) -> Passed | None:
        which = self.vocabulary.handle_kind(node, node)
        name = self.parsed.text(node)
        binding = _binding(self.parsed, node, name, self._scopes)
        if binding is None or (which is not None and binding.type == "variable_declarator"):
            return Passed(frozenset({which})) if which is not None else None
        if binding.type == "variable_declarator":
            return self._declared(binding, name, depth)
        # A parameter of the enclosing function: what its type says, and what its callers hand it (resolved across
        # the project). A function nobody names (a callback, `(tx) =>` of `.transaction`) is what its type says.
        kinds = frozenset({which}) if which is not None else frozenset()
        if not kinds and _transaction_callback_parameter(self.parsed, binding, name):
            # `ctx.db.transaction(async (tx) => load({ ctx: { ...ctx, db: tx } }))`: a receiver dalfix cannot
            # follow, so `tx` may be a Drizzle transaction (a maybe-transaction where the callee starts queries)
            return Passed(frozenset({UNFOLLOWED}))
        function = self.functions.get(binding.start_byte)
        if function is None and self._callback_slot is not None:
            # `withTx((tx) => load(tx, id))`: a parameter of a function literal handed to a project function, which
            # calls it with whatever it calls its callback parameter with
            slot = self._callback_slot(binding)
            if slot is not None:
                return Passed(kinds | {slot})
        key = _parameter_key(self.parsed, binding, name) if function is not None else None
        if function is None or key is None:
            return Passed(kinds) if kinds else None
        if not self._may_be_handle(binding, name):
            # `export const run = (h, id) => load(h, id)`: a parameter that names no handle hands on whatever its
            # callers hand it (a transaction makes it one); its properties are not followed
            return Passed(kinds | {forward(function, key)})
        return Passed(kinds | {forward(function, key)}, rest=frozenset({forward(function, key + ".")}))

    def _declared(self, declarator: Node, name: str, depth: int) -> Passed | None:
        """A local's value; for `let`/`var`, also every value assigned to it in its scope (`let handle = db; if (…)
        handle = tx;`)."""
        values: list[Passed | None] = []
        value = declarator.child_by_field_name("value")
        if value is not None:
            values.append(self._value(value, depth - 1))
        declaration = declarator.parent
        scope = declaration.parent if declaration is not None else None
        if (
            declaration is not None
            and scope is not None
            and not self.parsed.source.startswith(b"const", declaration.start_byte)
        ):
            values.extend(self._value(right, depth - 1) for right in self._assignments(scope).get(name, ()))
        found = [v for v in values if v is not None]
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        return Passed(frozenset().union(*(v.kinds for v in found)))

    def _assignments(self, scope: Node) -> dict[str, list[Node]]:
        """`name = value` in a block, by name (read once per block)."""
        span = (scope.start_byte, scope.end_byte)
        found = self._assigned.get(span)
        if found is None:
            found = self._assigned[span] = {}
            for assignment in descendants_of_type(scope, "assignment_expression"):
                left, right = assignment.child_by_field_name("left"), assignment.child_by_field_name("right")
                if left is not None and right is not None and left.type == "identifier":
                    found.setdefault(self.parsed.text(left), []).append(right)
        return found

    def _object(self, node: Node, depth: int) -> Passed:
        properties: dict[str, frozenset[str]] = {}
        rest: frozenset[str] = frozenset()
        for child in node.named_children:
            if child.type == "pair":
                key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
                named = key is not None and key.type in ("property_identifier", "string")
                name = self.parsed.text(key).strip("'\"`") if key is not None and named else ""
                if named and self._wanted is not None and name not in self._wanted:
                    properties[name] = frozenset()  # a property the callee does not take: not read
                    continue
                wanted, self._wanted = self._wanted, None  # the callee's pattern names the outer properties only
                try:
                    passed = self._value(value, depth - 1) if value is not None else None
                finally:
                    self._wanted = wanted
                kinds = passed.kinds if passed is not None else frozenset()
                if named:
                    properties[name] = kinds
                    if passed is not None and value is not None and unwrap(value).type == "object":
                        # A nested object literal (`{ ctx: { ...ctx, db: tx } }`): its properties, by dotted keys
                        for inner, inner_kinds in passed.properties.items():
                            properties[f"{name}.{inner}"] = inner_kinds
                elif kinds:  # `[key]: tx`: any property may be it
                    properties = {k: v | kinds for k, v in properties.items()}
                    rest |= kinds
            elif child.type == "shorthand_property_identifier":
                if self._wanted is not None and self.parsed.text(child) not in self._wanted:
                    continue
                passed = self._identifier(child, depth - 1)
                properties[self.parsed.text(child)] = passed.kinds if passed is not None else frozenset()
            elif child.type == "spread_element" and child.named_children:
                spread = self._value(child.named_children[0], depth - 1) or UNKNOWN
                if not spread.properties and not spread.rest:
                    spread = UNKNOWN  # a parameter whose properties are not followed (`{ ...options }`)
                for name in list(properties):
                    if name in spread.properties:
                        properties[name] = spread.properties[name]
                    else:
                        properties[name] = properties[name] | spread.property(name)
                for name, kinds in spread.properties.items():
                    properties.setdefault(name, kinds)
                rest |= spread.rest
        return Passed(properties={k: v for k, v in properties.items() if v}, rest=rest)

    def _may_be_handle(self, function: Node, name: str) -> bool:
        """A parameter worth following: typed with a handle type, or used to start queries in its function."""
        key = (function.start_byte, name)
        if key not in self._may:
            self._may[key] = self._parameter_may_be_handle(function, name)
        return self._may[key]

    def _parameter_may_be_handle(self, function: Node, name: str) -> bool:
        vocabulary = self.vocabulary
        for table in (vocabulary.typed_db_params, vocabulary.typed_tx_params):
            if (function.start_byte, function.end_byte, name) in table:
                return True
        declaring = _declaring_parameter(self.parsed, function, name)
        if declaring is not None:
            types = DATABASE_TYPES | TRANSACTION_TYPES | vocabulary.db_types | vocabulary.tx_types
            types |= vocabulary.maybe_types | vocabulary.db_names
            if set(re.findall(r"[A-Za-z_$][\w$]*", self.parsed.text(declaring))) & types:
                return True
        return _used_as_query_receiver(self.parsed.text(function), name)


def _transaction_callback_parameter(parsed: ParsedFile, function: Node, name: str) -> bool:
    """`name` is the first parameter of the callback `x.transaction(callback)` is called with."""
    args = function.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None and call.type == "call_expression" else None
    prop = callee.child_by_field_name("property") if callee is not None and callee.type == "member_expression" else None
    if prop is None or parsed.text(prop) != "transaction" or args is None or args.named_children[:1] != [function]:
        return False
    params = function.child_by_field_name("parameters")
    first = params.named_children[0].child_by_field_name("pattern") if params and params.named_children else None
    first = first if first is not None else function.child_by_field_name("parameter")
    return first is not None and first.type == "identifier" and parsed.text(first) == name


def _binding(parsed: ParsedFile, use: Node, name: str, scopes: dict[tuple[int, int], list[_Declared]]) -> Node | None:
    """What `name` at `use` is bound by: a `variable_declarator` (declared before the use in an enclosing block),
    or the function whose parameter it is; None for anything else (an import, a module-level name not declared
    with a value dalfix reads, a catch clause). `scopes`: each block's declarations, read once per file."""
    current = use.parent
    while current is not None:
        if current.type in FUNCTION_TYPES:
            params = current.child_by_field_name("parameters") or current.child_by_field_name("parameter")
            if params is not None and name in parsed.text(params) and _declares(parsed, params, name):
                return current
        if current.type in _SCOPES:
            span = (current.start_byte, current.end_byte)
            if span not in scopes:
                scopes[span] = _declarations(parsed, current)
            for start, declarator, target, text in scopes[span]:
                if start >= use.start_byte:
                    break
                if target.type == "identifier":
                    if text == name:
                        return declarator
                elif name in text and _declares(parsed, target, name):
                    return None  # destructured from a value dalfix does not follow
        current = current.parent
    return None


_Declared = tuple[int, Node, Node, str]  # (statement start, declarator, its name or pattern, that text)


def _declarations(parsed: ParsedFile, scope: Node) -> list[_Declared]:
    found: list[_Declared] = []
    for statement in scope.named_children:
        start = statement.start_byte
        if statement.type == "export_statement":
            statement = statement.child_by_field_name("declaration") or statement
        if statement.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for declarator in statement.named_children:
            target = declarator.child_by_field_name("name") if declarator.type == "variable_declarator" else None
            if target is not None:
                found.append((start, declarator, target, parsed.text(target)))
    return found


def _declares(parsed: ParsedFile, pattern: Node, name: str) -> bool:
    return name in pattern_names(parsed, pattern)


def _declaring_parameter(parsed: ParsedFile, function: Node, name: str) -> Node | None:
    """The parameter of `function` (its pattern and type) that binds `name`."""
    params = function.child_by_field_name("parameters") or function.child_by_field_name("parameter")
    if params is None:
        return None
    if params.type == "identifier":
        return params if parsed.text(params) == name else None
    for param in params.named_children:
        pattern = param.child_by_field_name("pattern")
        found = parameter_pattern(parsed, pattern)
        if found == name or (isinstance(found, dict) and name in found.values()):
            return param
    return None


def _parameter_key(parsed: ParsedFile, function: Node, name: str) -> str | None:
    """The name `merged_transaction_parameters` knows the parameter by: the local it binds (`handle`, `h` of
    `{ db: h }`, `rest` of `{ ...rest }`), when a parameter of `function` binds it whole or by such a pattern."""
    return name if _declaring_parameter(parsed, function, name) is not None else None
