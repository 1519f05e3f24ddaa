"""Database handles from their definition: which `drizzle(...)` call a name, a factory or a type comes from.

A handle's driver is decided by the `drizzle(...)` call it is created by, followed through imports and
re-exports, factories (`export const db = () => drizzle(...)`, `createDb(env.DB)`, `getDb()`), module
variables assigned later (`_db = drizzle(...)` in an initializer, `globalThis` caches), `Proxy` wrappers
and lazy getters, objects returned by a setup function, and type aliases (`type Database = typeof db`,
`NodePgDatabase<typeof schema>`, unions of them). A call that is handed several handle factories and
returns one of them (a driver chosen at runtime) gets all their drivers; the handle's kind is then the
most conservative one they share. A function whose declared return type admits a transaction (`getReadDb(ctx):
Db | Tx`) returns one that may be a transaction, whatever its body returns. Nothing here guesses: what cannot be
followed is `None`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from dalfix.analysis.drivers import DriverInfo, driver_of_call, driver_of_type, drizzle_driver_imports
from dalfix.analysis.drizzle import DATABASE_TYPES, TRANSACTION_TYPES, unwrap
from dalfix.analysis.handle_reach import HandleReach
from dalfix.imports import imported_names
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, descendants_of_type, descendants_right_to_left, walk

if TYPE_CHECKING:
    from dalfix.analysis.summaries import Summaries

HandleKind = Literal["pool", "single-connection", "synchronous", "transaction", "maybe-transaction", "unknown"]
MAX_DEPTH = 12


@dataclass(frozen=True)
class Handle:
    """A database or transaction handle: every driver it may run on and where each was created."""

    drivers: frozenset[DriverInfo] = frozenset()
    transaction: bool = False  # a transaction handle (or a type that admits one)
    database: bool = True  # a database handle (False: only a transaction)

    def union(self, other: Handle) -> Handle:
        return Handle(
            self.drivers | other.drivers, self.transaction or other.transaction, self.database or other.database
        )

    @property
    def kind(self) -> HandleKind:
        if self.transaction:
            return "maybe-transaction" if self.database else "transaction"
        return kind_of_drivers(self.drivers)


def kind_of_drivers(drivers: frozenset[DriverInfo]) -> HandleKind:
    """The most conservative kind the drivers share: any one that is not a pool decides."""
    kinds = {d.kind for d in drivers}
    if not kinds:
        return "unknown"
    if len(kinds) == 1:
        only = next(iter(kinds))
        return only if only in ("pool", "single-connection", "synchronous") else "unknown"  # type: ignore[return-value]
    if "unknown" in kinds:
        return "unknown"
    for kind in ("synchronous", "single-connection"):
        if kind in kinds:
            return kind  # type: ignore[return-value]
    return "pool"


@dataclass(frozen=True)
class Factory:
    """A function whose call returns `result` (a handle, another factory, or an object holding one)."""

    result: Value


@dataclass(frozen=True)
class Record:
    """An object literal some of whose properties are handles (`return { db, client }`)."""

    properties: tuple[tuple[str, Value], ...]

    def get(self, name: str) -> Value | None:
        return next((v for k, v in self.properties if k == name), None)


Value = Handle | Factory | Record


def union(values: Sequence[Value | None]) -> Value | None:
    present = [v for v in values if v is not None]
    handles = [v for v in present if isinstance(v, Handle)]
    if handles:
        out = handles[0]
        for other in handles[1:]:
            out = out.union(other)
        return out
    factories = [v for v in present if isinstance(v, Factory)]
    if factories:
        inner = union([f.result for f in factories])
        return Factory(inner) if inner is not None else None
    return present[0] if present else None


@dataclass
class HandleIndex:
    """Follows names, expressions and types of the project's modules to the handles they denote."""

    summaries: Summaries
    _bindings: dict[tuple[Path, str], Value | None] = field(default_factory=dict)
    _returns: dict[tuple[Path, int], Value | None] = field(default_factory=dict)
    _expressions: dict[tuple[Path, int, int, str], Value | None] = field(default_factory=dict)
    _depth: int = 0
    _open: dict[object, int] = field(default_factory=dict)  # questions under way -> their place in `_lows`
    _lows: list[int] = field(default_factory=list)  # per open question: the outermost open one it depends on
    _anchor: int = -1  # the open question `_depth` counts from (a binding or a function): a cut-off depends on it
    reach: HandleReach = field(init=False)

    def __post_init__(self) -> None:
        self.reach = HandleReach(self.summaries)

    # ---- names --------------------------------------------------------------------------------
    def binding(self, path: Path, name: str) -> Value | None:
        """What a top-level name of a module denotes (declared there or imported)."""
        key = (path, name)
        if key in self._bindings:
            return self._bindings[key]
        if ("binding", key) in self._open:
            return self._provisional(("binding", key))  # a cycle ends here
        if not self.reach.may_denote(path, name):
            self._bindings[key] = None
            return None  # nothing it mentions can make a handle (handle_reach.py): not worth following
        # A binding is memoised: evaluate it at depth 0, whatever expression asked for it.
        depth, anchor, self._depth = self._depth, self._anchor, 0
        self._enter(("binding", key))
        self._anchor = len(self._lows) - 1
        try:
            value = self._binding(path, name)
        finally:
            self._depth, self._anchor = depth, anchor
            kept = self._leave(("binding", key))
        if kept:
            self._bindings[key] = value
        return value

    # ---- cycles -------------------------------------------------------------------------------
    # Names, expressions and functions refer to each other in cycles (`a = b ?? x`, `b = a ?? y`); a cycle ends with
    # a provisional "nothing". A value computed from the provisional answer of a question still open further up is
    # not kept: kept, it would be the answer to whoever asked first (`b` asked inside `a` gets only `y`), and the
    # answers would depend on the order files are checked in (worker processes check them in another order). The
    # question that opened the cycle keeps its value: it saw the whole cycle. (Tarjan's low-link, without the
    # components: the values left unkept are computed again when asked, from an answer that is kept.)
    def _enter(self, key: object) -> None:
        self._open[key] = len(self._lows)
        self._lows.append(len(self._lows))

    def _leave(self, key: object) -> bool:
        """Close a question; whether its value may be kept (it read no provisional answer of an outer one)."""
        at, low = self._open.pop(key), self._lows.pop()
        if low < at:
            if self._lows:
                self._lows[-1] = min(self._lows[-1], low)
            return False
        return True

    def _provisional(self, key: object) -> Value | None:
        """The provisional answer (nothing) of an open question; the asking question now depends on it."""
        self._read_open(self._open[key])
        return None

    def _read_open(self, at: int) -> None:
        if self._lows:
            self._lows[-1] = min(self._lows[-1], at)

    def _binding(self, path: Path, name: str) -> Value | None:
        info = self.summaries.module(path)
        value: Value | None = None
        if info is not None:
            node = info.declarations.get(name) if name in info.declared else None
            if node is None and name in info.imports:
                found = self.summaries.resolve_import(path, name)
                if found is not None and found[1] != "*":
                    value = self.binding(*found)
            elif node is not None:
                value = self._declaration(info.parsed, node, name)
        return value

    def _declaration(self, parsed: ParsedFile, node: Node, name: str) -> Value | None:
        if node.type in ("function_declaration", "generator_function_declaration"):
            return self._function(parsed, node)
        if node.type == "type_alias_declaration":
            value = node.child_by_field_name("value")
            return self.type_value(parsed, value) if value is not None else None
        if node.type != "variable_declarator":
            return None
        sources = [node.child_by_field_name("value")]
        # A module variable assigned later (`let _db = null; … _db = drizzle(…)`: a lazy initializer or cache).
        sources += [a.child_by_field_name("right") for a in _assignments_to(parsed, name)]
        values = [self.expression(parsed, s) for s in sources if s is not None]
        annotation = node.child_by_field_name("type")
        if not any(values) and annotation is not None:
            values.append(self.type_value(parsed, annotation))
        return union(values)

    # ---- expressions --------------------------------------------------------------------------
    def expression(self, parsed: ParsedFile, node: Node) -> Value | None:
        if self._depth > MAX_DEPTH:
            self._read_open(self._anchor)  # cut off: a value that holds for this depth below the anchor only
            return None
        node = unwrap(node)
        key = (parsed.path, node.start_byte, node.end_byte, node.type)
        if key in self._expressions:
            return self._expressions[key]
        if ("expression", key) in self._open:
            return self._provisional(("expression", key))  # a cycle ends here
        self._enter(("expression", key))
        self._depth += 1
        try:
            value = self._expression(parsed, node)
        finally:
            self._depth -= 1
            kept = self._leave(("expression", key))
        if kept:
            self._expressions[key] = value
        return value

    def _expression(self, parsed: ParsedFile, node: Node) -> Value | None:
        kind = node.type
        if kind == "await_expression" and node.named_children:
            return self.expression(parsed, node.named_children[0])
        if kind == "call_expression":
            return self._call(parsed, node)
        if kind == "identifier":
            return self.name_at(parsed, parsed.text(node), node)
        if kind in FUNCTION_TYPES:
            return self._function(parsed, node)
        if kind == "object":
            properties = []
            for child in node.named_children:
                if child.type == "shorthand_property_identifier":
                    value = self.name_at(parsed, parsed.text(child), child)
                    key = parsed.text(child)
                elif child.type == "pair" and child.child_by_field_name("value") is not None:
                    key_node = child.child_by_field_name("key")
                    key = parsed.text(key_node).strip("'\"") if key_node is not None else ""
                    value = self.expression(parsed, child.child_by_field_name("value"))  # type: ignore[arg-type]
                else:
                    continue
                if value is not None:
                    properties.append((key, value))
            return Record(tuple(properties)) if properties else None
        if kind == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is None or prop is None:
                return None
            if parsed.text(obj) == "globalThis" or parsed.text(obj).startswith("global"):
                return self._global_cache(parsed, parsed.text(prop))
            base = self.expression(parsed, obj)
            return base.get(parsed.text(prop)) if isinstance(base, Record) else None
        if kind == "ternary_expression":
            return union([self.expression(parsed, c) for c in node.named_children[1:]])
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is not None and parsed.text(operator) in ("??", "||"):
                return union([self.expression(parsed, c) for c in node.named_children])
            return None
        if kind == "new_expression":
            constructor = node.child_by_field_name("constructor")
            if constructor is not None and parsed.text(constructor) == "Proxy":
                return self._proxy(parsed, node)
        return None

    def name_at(self, parsed: ParsedFile, name: str, at: Node) -> Value | None:
        """A name as seen at `at`: a local of an enclosing function, else the module's binding."""
        current = at.parent
        while current is not None:
            if current.type in FUNCTION_TYPES:
                local = _local_declarator(parsed, current, name)
                if local is not None:
                    sources = [local.child_by_field_name("value")]
                    sources += [a.child_by_field_name("right") for a in _assignments_to(parsed, name, current)]
                    return union([self.expression(parsed, s) for s in sources if s is not None])
                if _is_parameter(parsed, current, name):
                    return None
            current = current.parent
        return self.binding(parsed.path, name)

    def _call(self, parsed: ParsedFile, call: Node) -> Value | None:
        function = call.child_by_field_name("function")
        if function is None:
            return None
        function = unwrap(function)
        if function.type == "member_expression":
            obj = function.child_by_field_name("object")
            if obj is None or unwrap(obj).type not in ("identifier", "this"):
                return None  # a method of a computed value (`db().select()`): not a handle factory
        elif function.type != "identifier":
            return None
        if function.type == "identifier":
            modules = _driver_imports(parsed, self.summaries)
            name = parsed.text(function)
            if name in modules:
                return Handle(frozenset({driver_of_call(parsed, call, modules[name])}))
            if name in _replica_wrappers(parsed):
                return self._replicas(parsed, call)
        callee = self.expression(parsed, function)
        if isinstance(callee, Factory):
            return callee.result
        if function.type != "identifier":
            return None
        # A call handed handle factories returns one of them, chosen at runtime (`createDbMapping({…})`).
        args = call.child_by_field_name("arguments")
        handed = [
            self.expression(parsed, a)
            for a in (args.named_children if args is not None else [])
            if a.type in ("identifier", "object", "arrow_function")
        ]
        chosen = _handed_factories(handed)
        return union(chosen) if chosen else None

    def _replicas(self, parsed: ParsedFile, call: Node) -> Value | None:
        """`withReplicas(primary, [replica, …])`: a handle whose writes and transactions run on the primary and
        whose reads run on a replica, so it runs on the drivers of them all (midday's `db`)."""
        args = call.child_by_field_name("arguments")
        given = [unwrap(a) for a in args.named_children if a.type != "comment"] if args is not None else []
        parts = given[:1] + (
            [unwrap(r) for r in given[1].named_children] if len(given) > 1 and given[1].type == "array" else []
        )
        values = [self.expression(parsed, part) for part in parts]
        if not values or not all(isinstance(v, Handle) for v in values):
            return None  # a part dalfix cannot follow: the wrapper's drivers are not all known
        return union(values)

    def _function(self, parsed: ParsedFile, function: Node) -> Value | None:
        key = (parsed.path, function.start_byte)
        if key in self._returns:
            value = self._returns[key]
        elif ("returns", key) in self._open:
            value = self._provisional(("returns", key))  # a cycle ends here
        else:
            depth, anchor, self._depth = self._depth, self._anchor, 0
            self._enter(("returns", key))
            self._anchor = len(self._lows) - 1
            body = function.child_by_field_name("body")
            returned: list[Node] = []
            if body is not None and body.type != "statement_block":
                returned.append(body)
            elif body is not None:
                returned += [r.named_children[0] for r in _own_nodes(body, "return_statement") if r.named_children]
            try:
                value = union([self.expression(parsed, r) for r in returned])
                declared = self._declared_return(parsed, function)
                if (
                    isinstance(declared, Handle)
                    and declared.transaction
                    and (value is None or isinstance(value, Handle))
                ):
                    # `function getReadDb(ctx): Db | Tx { return ctx.db ?? db }`: the declared type admits a
                    # transaction (one a caller put in `ctx.db`), so the result may be one.
                    value = union([value, declared])
            finally:
                self._depth, self._anchor = depth, anchor
                kept = self._leave(("returns", key))
            if kept:
                self._returns[key] = value
        return Factory(value) if value is not None else None

    def _declared_return(self, parsed: ParsedFile, function: Node) -> Value | None:
        """What a function's return type denotes (`): Db | Tx`, `): Promise<Tx>`), if it is annotated."""
        annotation = function.child_by_field_name("return_type")
        node = annotation.named_children[-1] if annotation is not None and annotation.named_children else None
        if node is not None and node.type == "generic_type" and parsed.text(node.named_children[0]) == "Promise":
            arguments = node.named_children[1] if len(node.named_children) > 1 else None
            node = arguments.named_children[0] if arguments is not None and arguments.named_children else None
        return self.type_value(parsed, node) if node is not None else None

    def _proxy(self, parsed: ParsedFile, node: Node) -> Value | None:
        """`new Proxy({}, { get() { return getDb()[prop] } })`: the handle the trap reads from."""
        args = node.child_by_field_name("arguments")
        if args is None or len(args.named_children) < 2:
            return None
        found: list[Value | None] = []
        for inner in walk(args.named_children[1]):
            if inner.type == "variable_declarator" and inner.child_by_field_name("value") is not None:
                found.append(self.expression(parsed, inner.child_by_field_name("value")))  # type: ignore[arg-type]
            elif inner.type == "subscript_expression" and inner.child_by_field_name("object") is not None:
                found.append(self.expression(parsed, inner.child_by_field_name("object")))  # type: ignore[arg-type]
        return union([v for v in found if isinstance(v, Handle)])

    def _global_cache(self, parsed: ParsedFile, name: str) -> Value | None:
        """`globalThis.db ?? drizzle(…)` / `globalForDb.db = …`: what the file stores under that key."""
        values = []
        for node in walk(parsed.root):
            if node.type == "assignment_expression":
                left = node.child_by_field_name("left")
                right = node.child_by_field_name("right")
                if left is not None and right is not None and left.type == "member_expression":
                    prop = left.child_by_field_name("property")
                    if prop is not None and parsed.text(prop) == name and right.type != "member_expression":
                        values.append(self.expression(parsed, right))
        return union(values)

    # ---- types --------------------------------------------------------------------------------
    def type_value(self, parsed: ParsedFile, node: Node) -> Value | None:
        """What a type denotes: a handle (with drivers from Drizzle's type names), a factory, or nothing."""
        if self._depth > MAX_DEPTH:
            return None
        self._depth += 1
        try:
            return self._type_value(parsed, node)
        finally:
            self._depth -= 1

    def _type_value(self, parsed: ParsedFile, node: Node) -> Value | None:
        kind = node.type
        if kind in ("type_annotation", "parenthesized_type", "readonly_type") and node.named_children:
            return self.type_value(parsed, node.named_children[-1])
        if kind in ("union_type", "intersection_type"):
            values = [self.type_value(parsed, c) for c in node.named_children]
            handles = [v for v in values if isinstance(v, Handle)]
            if kind == "union_type" and handles and len(handles) < len(values):
                # `Database | null`: the non-handle members (null, undefined) do not change the kind.
                others = [c for c, v in zip(node.named_children, values, strict=True) if v is None]
                if any(parsed.text(c) not in ("null", "undefined") for c in others):
                    return union(handles) if kind == "union_type" else None  # type: ignore[arg-type]
            return union(handles)  # type: ignore[arg-type]
        if kind == "type_query" and node.named_children:
            inner = node.named_children[0]
            if inner.type == "instantiation_expression" and inner.named_children:
                inner = inner.named_children[0]
            text = parsed.text(inner)
            if text.endswith(".transaction") or ".transaction" in text:
                return None
            return self.expression(parsed, inner) if inner.type in ("identifier", "member_expression") else None
        if kind == "generic_type":
            name_node = node.named_children[0] if node.named_children else None
            name = parsed.text(name_node) if name_node is not None else ""
            arguments = node.child_by_field_name("type_arguments") or (
                node.named_children[1] if len(node.named_children) > 1 else None
            )
            first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
            if name == "ReturnType" and first is not None:
                value = self.type_value(parsed, first)
                return value.result if isinstance(value, Factory) else None
            if name in ("Awaited", "NonNullable", "Readonly") and first is not None:
                return self.type_value(parsed, first)
            return self._named_type(parsed, name, node)
        if kind in ("type_identifier", "nested_type_identifier"):
            return self._named_type(parsed, parsed.text(node), node)
        if kind == "lookup_type" and "transaction" in parsed.text(node):
            return Handle(transaction=True, database=False)  # Parameters<…typeof db.transaction…>[0]
        return None

    def _named_type(self, parsed: ParsedFile, name: str, at: Node) -> Value | None:
        base = name.rsplit(".", 1)[-1]
        if base in TRANSACTION_TYPES:
            return Handle(transaction=True, database=False)
        if base in DATABASE_TYPES:
            return Handle(frozenset({driver_of_type(base, parsed, at)}))
        if "." in name:
            return None
        value = self.binding(parsed.path, name)
        return value if isinstance(value, Handle) else None


def _handed_factories(handed: list[Value | None]) -> list[Value]:
    out: list[Value] = []
    for value in handed:
        candidates: list[Value] = []
        if isinstance(value, Factory):
            candidates = [value]
        elif isinstance(value, Record):
            candidates = [v for _, v in value.properties]
        out += [c.result for c in candidates if isinstance(c, Factory) and isinstance(c.result, Handle)]
    return out


def _driver_imports(parsed: ParsedFile, summaries: Summaries) -> dict[str, str]:
    cache = parsed.__dict__.get("_dalfix_driver_imports")
    if cache is None:
        cache = parsed.__dict__["_dalfix_driver_imports"] = drizzle_driver_imports(parsed, summaries)
    return cache


def _replica_wrappers(parsed: ParsedFile) -> set[str]:
    """Local names of drizzle's `withReplicas` (from drizzle-orm/<dialect>-core)."""
    cache = parsed.__dict__.get("_dalfix_replica_wrappers")
    if cache is None:
        cache = set()
        if b"withReplicas" in parsed.source:
            cache = {
                local
                for local, (module, name) in imported_names(parsed).items()
                if name == "withReplicas" and module.startswith("drizzle-orm/") and module.endswith("-core")
            }
        parsed.__dict__["_dalfix_replica_wrappers"] = cache
    return cache  # type: ignore[no-any-return]


def _own_nodes(body: Node, node_type: str) -> list[Node]:
    """Nodes of a type in a function body, not inside nested functions, in the order of a stack walk over the
    body's named descendants that does not enter nested functions (found by one query, nested ones cut out)."""
    out: list[Node] = []
    inside: Node | None = None  # the nested function whose subtree is being passed over
    for node in descendants_right_to_left(body, node_type, *FUNCTION_TYPES):
        if inside is not None and inside.start_byte <= node.start_byte and node.end_byte <= inside.end_byte:
            continue  # in a pre-order a subtree is contiguous: this node is inside the function passed over
        inside = None
        if node.type in FUNCTION_TYPES:
            if node.id != body.id:
                inside = node
            continue
        if node.type == node_type:
            out.append(node)
    return out


def assignments_by_name(parsed: ParsedFile) -> dict[str, list[Node]]:
    """Every `name = …` of the file (an identifier on the left), by name; found once per parse."""
    cache = parsed.__dict__.setdefault("_dalfix_assignments", {})
    if None not in cache:
        by_name: dict[str, list[Node]] = {}
        for node in descendants_of_type(parsed.root, "assignment_expression"):
            left = node.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                by_name.setdefault(parsed.text(left), []).append(node)
        cache[None] = by_name
    return cache[None]  # type: ignore[no-any-return]


def _assignments_to(parsed: ParsedFile, name: str, within: Node | None = None) -> list[Node]:
    found = assignments_by_name(parsed).get(name, [])
    if within is None:
        return list(found)
    return [n for n in found if within.start_byte <= n.start_byte < within.end_byte]


def _local_declarator(parsed: ParsedFile, function: Node, name: str) -> Node | None:
    cache = parsed.__dict__.setdefault("_dalfix_locals", {})
    key = (function.start_byte, function.end_byte)
    if key not in cache:
        body = function.child_by_field_name("body")
        declared: dict[str, Node] = {}
        for node in _own_nodes(body, "variable_declarator") if body is not None else []:
            name_node = node.child_by_field_name("name")
            if name_node is not None and name_node.type == "identifier":
                declared.setdefault(parsed.text(name_node), node)
        cache[key] = declared
    return cache[key].get(name)


def _is_parameter(parsed: ParsedFile, function: Node, name: str) -> bool:
    params = function.child_by_field_name("parameters") or function.child_by_field_name("parameter")
    return params is not None and any(n.type == "identifier" and parsed.text(n) == name for n in walk(params))
