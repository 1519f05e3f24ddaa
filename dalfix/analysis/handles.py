"""Database handles from their definition: which `drizzle(...)` call a name, a factory or a type comes from.

A handle's driver is decided by the `drizzle(...)` call it is created by, followed through imports and
re-exports, factories (`export const db = () => drizzle(...)`, `createDb(env.DB)`, `getDb()`), module
variables assigned later (`_db = drizzle(...)` in an initializer, `globalThis` caches), `Proxy` wrappers
and lazy getters, objects returned by a setup function, and type aliases (`type Database = typeof db`,
`NodePgDatabase<typeof schema>`, unions of them). A call that is handed several handle factories and
returns one of them (a driver chosen at runtime) gets all their drivers; the handle's kind is then the
most conservative one they share. A function whose declared return type admits a transaction (`getReadDb(ctx):
Db | Tx`) returns one that may be a transaction, whatever its body returns. Inside functions, declared types are
read (`HandleIndex.declared`): a property of a parameter typed with an interface or object type (`opts.db` of
`opts: ContextOptions`), and a tRPC resolver's `ctx`, the context of the procedure it is defined on. Nothing here
guesses: what cannot be followed is `None`.
"""

from __future__ import annotations

import re
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
    _locals: dict[object, Value | None] = field(default_factory=dict)
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
            if base is None and unwrap(obj).type in ("identifier", "member_expression"):
                # `opts.db` of a parameter `opts: ContextOptions`: what the property's declared type denotes
                found = self.declared(parsed, node)
                return found if isinstance(found, Handle) else None
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
                    # The local is one question: an occurrence read while its value is being found gets the
                    # provisional nothing (a cycle ends here), as a binding's does. Each occurrence unioned every
                    # source again before, exponential in the assignments that read the local (`route =
                    # route.withX(…)` 25 times: 3.5M evaluations in buster's assetParamsToRoute). What a source
                    # finds through the local itself is no longer added (`x = { db: x }` adds no record of x).
                    key = ("local", parsed.path, local.start_byte, current.start_byte, name)
                    if key in self._locals:
                        return self._locals[key]
                    if key in self._open:
                        return self._provisional(key)
                    self._enter(key)
                    try:
                        sources = [local.child_by_field_name("value")]
                        sources += [a.child_by_field_name("right") for a in _assignments_to(parsed, name, current)]
                        value = union([self.expression(parsed, s) for s in sources if s is not None])
                    finally:
                        kept = self._leave(key)
                    if kept:
                        self._locals[key] = value
                    return value
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

    # ---- declared types of expressions --------------------------------------------------------
    # A function's locals and parameters are not followed by `expression` (a parameter is whatever callers hand
    # it). Their declared types are: `ctx.db` where `ctx: ServiceContext` declares `db?: DB`, a destructured
    # `const { ctx } = args` of `args: { ctx: ServiceContext }`, and a tRPC resolver's `{ ctx }`, whose type is
    # the procedure's context (`initTRPC.context<typeof createTRPCContext>()`).
    def declared(self, parsed: ParsedFile, node: Node) -> Value | None:
        """What the declared type of an identifier or property path denotes (a handle, or a record of them)."""
        if self._depth > MAX_DEPTH:
            return None
        self._depth += 1
        try:
            return self._declared(parsed, unwrap(node))
        finally:
            self._depth -= 1

    def _declared(self, parsed: ParsedFile, node: Node) -> Value | None:
        if node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is None or prop is None or prop.type != "property_identifier":
                return None
            base = self.declared(parsed, obj)
            return base.get(parsed.text(prop)) if isinstance(base, Record) else None
        if node.type != "identifier":
            return None
        name = parsed.text(node)
        current = node.parent
        while current is not None:
            if current.type in FUNCTION_TYPES:
                declarator = self._local_binding(parsed, current, name)
                if declarator is not None:
                    return self._declarator_type(parsed, declarator, name)
                if _is_parameter(parsed, current, name):
                    return self._parameter_type(parsed, current, name)
            current = current.parent
        return None

    def _local_binding(self, parsed: ParsedFile, function: Node, name: str) -> Node | None:
        body = function.child_by_field_name("body")
        if body is None or body.type != "statement_block":
            return None
        for declarator in _own_nodes(body, "variable_declarator"):
            target = declarator.child_by_field_name("name")
            if target is not None and (
                (target.type == "identifier" and parsed.text(target) == name)
                or (target.type == "object_pattern" and name in _pattern_keys(parsed, target).values())
            ):
                return declarator
        return None

    def _declarator_type(self, parsed: ParsedFile, declarator: Node, name: str) -> Value | None:
        target, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
        annotation = declarator.child_by_field_name("type")
        if target is None:
            return None
        if annotation is not None:
            whole = self.type_members(parsed, annotation)
        elif value is not None and unwrap(value).type in ("identifier", "member_expression"):
            whole = self.declared(parsed, value)  # `const { ctx } = args`, `const c = args.ctx`
        else:
            return None
        if target.type == "identifier":
            return whole
        key = next((k for k, v in _pattern_keys(parsed, target).items() if v == name), None)
        return whole.get(key) if isinstance(whole, Record) and key is not None else None

    def _parameter_type(self, parsed: ParsedFile, function: Node, name: str) -> Value | None:
        params = function.child_by_field_name("parameters")
        for index, param in enumerate(params.named_children if params is not None else []):
            pattern = param.child_by_field_name("pattern")
            if pattern is None:
                continue
            if pattern.type == "identifier" and parsed.text(pattern) != name:
                continue
            keys = _pattern_keys(parsed, pattern) if pattern.type == "object_pattern" else {}
            if pattern.type == "object_pattern" and name not in keys.values():
                continue
            annotation = param.child_by_field_name("type")
            if annotation is not None:
                whole = self.type_members(parsed, annotation)
            elif index == 0:
                whole = self.resolver_options(parsed, function)
            else:
                return None
            if pattern.type == "identifier":
                return whole
            key = next((k for k, v in keys.items() if v == name), None)
            return whole.get(key) if isinstance(whole, Record) and key is not None else None
        return None

    def resolver_options(self, parsed: ParsedFile, function: Node) -> Value | None:
        """`{ ctx, input }` of a tRPC resolver (`procedure.query(async ({ ctx }) => …)`): a record whose `ctx` is
        the procedure's context, when dalfix follows the procedure to `initTRPC.context<T>()` and no middleware
        on the way hands `next` another `db`."""
        callee = resolver_call(parsed, function)
        obj = callee.child_by_field_name("object") if callee is not None else None
        context = self.procedure_context(parsed, obj) if obj is not None else None
        return Record((("ctx", context),)) if context is not None else None

    def procedure_context(self, parsed: ParsedFile, node: Node, hops: int = 0) -> Value | None:
        """The context a tRPC procedure builder's resolvers get: the builder is followed through its chain
        (`.input(…)`, `.use(mw)`) and the names it is built from to `initTRPC.context<T>()`."""
        root, links = _split(unwrap(node))
        if hops > 6:
            return None
        for link_name, call in reversed(links):
            if link_name == "context" and call is not None:
                arguments = _type_arguments(call)
                if arguments is None or not arguments.named_children:
                    return None
                given = arguments.named_children[0]
                value = self.type_members(parsed, given)
                if value is None:
                    # `context<typeof createTRPCContext>()`: tRPC takes the function's (awaited) result
                    made = self.type_value(parsed, given)
                    value = made.result if isinstance(made, Factory) else None
                return value if isinstance(value, Record) else None
            if link_name == "use" and call is not None and not self._keeps_db(parsed, call):
                return None
        if root.type != "identifier":
            return None
        target = self.summaries._top_level(parsed.path, parsed.text(root))
        info = self.summaries.module(target[0]) if target is not None else None
        declaration = info.declarations.get(target[1]) if info is not None and target is not None else None
        built = declaration.child_by_field_name("value") if declaration is not None else None
        if info is None or built is None or declaration is None or declaration.type != "variable_declarator":
            return None
        return self.procedure_context(info.parsed, built, hops + 1)

    def _keeps_db(self, parsed: ParsedFile, use: Node) -> bool:
        """Whether the middleware of `.use(mw)` leaves the context's `db` alone: its function is found (a
        literal, `t.middleware(fn)`, a name declared so) and no `next(…)` call in it mentions `db`."""
        args = use.child_by_field_name("arguments")
        given = [unwrap(a) for a in args.named_children] if args is not None else []
        if len(given) != 1:
            return False
        middleware, middleware_parsed = given[0], parsed
        for _ in range(4):
            if middleware.type in FUNCTION_TYPES:
                break
            if middleware.type == "call_expression":  # `t.middleware(fn)`
                inner = middleware.child_by_field_name("arguments")
                found = [unwrap(a) for a in inner.named_children] if inner is not None else []
                if len(found) != 1:
                    return False
                middleware = found[0]
                continue
            if middleware.type != "identifier":
                return False
            target = self.summaries._top_level(middleware_parsed.path, middleware_parsed.text(middleware))
            info = self.summaries.module(target[0]) if target is not None else None
            declaration = info.declarations.get(target[1]) if info is not None and target is not None else None
            value = declaration.child_by_field_name("value") if declaration is not None else None
            if info is None or value is None:
                return False
            middleware, middleware_parsed = unwrap(value), info.parsed
        if middleware.type not in FUNCTION_TYPES:
            return False
        for call in descendants_of_type(middleware, "call_expression"):
            function = call.child_by_field_name("function")
            arguments = call.child_by_field_name("arguments")
            if (
                function is not None
                and middleware_parsed.text(function).rsplit(".", 1)[-1] == "next"
                and arguments is not None
                and _DB_WORD.search(middleware_parsed.text(arguments))
            ):
                return False  # `next({ ctx: { ...ctx, db: tx } })`: the resolver's `ctx.db` is something else
        return True

    def type_members(self, parsed: ParsedFile, node: Node) -> Value | None:
        """What a type denotes, object types included: a handle, or a record of the properties that are handles
        or records (`interface Ctx { db?: DB }`, `{ ctx: ServiceContext }`, `Ctx & { user: User }`)."""
        if self._depth > MAX_DEPTH:
            return None
        self._depth += 1
        try:
            return self._type_members(parsed, node)
        finally:
            self._depth -= 1

    def _type_members(self, parsed: ParsedFile, node: Node) -> Value | None:
        kind = node.type
        if kind in ("type_annotation", "parenthesized_type", "readonly_type") and node.named_children:
            return self.type_members(parsed, node.named_children[-1])
        if kind in ("object_type", "interface_body"):
            properties: list[tuple[str, Value]] = []
            for member in node.named_children:
                key, annotation = member.child_by_field_name("name"), member.child_by_field_name("type")
                if member.type != "property_signature" or key is None or annotation is None:
                    continue
                value = self.type_members(parsed, annotation)
                if value is not None:
                    properties.append((parsed.text(key).strip("'\""), value))
            return Record(tuple(properties)) if properties else None
        if kind == "interface_declaration":
            body = node.child_by_field_name("body")
            own = self.type_members(parsed, body) if body is not None else None
            inherited = [
                self.type_members(parsed, t)
                for clause in node.named_children
                if clause.type == "extends_type_clause"
                for t in clause.named_children
            ]
            return _merged([own, *inherited])
        if kind == "intersection_type":
            values = [self.type_members(parsed, c) for c in node.named_children]
            handles = [v for v in values if isinstance(v, Handle)]
            return union(handles) if handles else _merged(values)
        if kind == "union_type":
            values = [self.type_members(parsed, c) for c in node.named_children]
            others = [c for c, v in zip(node.named_children, values, strict=True) if v is None]
            if any(parsed.text(c) not in ("null", "undefined") for c in others):
                return self.type_value(parsed, node)  # `DB | Other`: what type_value makes of it
            records = [v for v in values if isinstance(v, Record)]
            if not records:
                return self.type_value(parsed, node)
            return records[0] if len(records) == 1 and len(values) - len(others) == 1 else None  # `Ctx | null`
        if kind in ("type_identifier", "generic_type"):
            name_node = node.named_children[0] if kind == "generic_type" and node.named_children else node
            name = parsed.text(name_node)
            if kind == "generic_type" or name in DATABASE_TYPES or name in TRANSACTION_TYPES:
                value = self.type_value(parsed, node)
                return value if isinstance(value, (Handle, Record)) else None
            target = self.summaries._top_level(parsed.path, name)
            info = self.summaries.module(target[0]) if target is not None else None
            declaration = info.declarations.get(target[1]) if info is not None and target is not None else None
            if info is None or declaration is None:
                return None
            if declaration.type == "interface_declaration":
                return self.type_members(info.parsed, declaration)
            if declaration.type == "type_alias_declaration":
                value_node = declaration.child_by_field_name("value")
                return self.type_members(info.parsed, value_node) if value_node is not None else None
            value = self.type_value(parsed, node)
            return value if isinstance(value, Handle) else None
        value = self.type_value(parsed, node)
        if isinstance(value, Factory):
            return None
        return value

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


_RESOLVERS = frozenset({"query", "mutation", "subscription"})  # a tRPC procedure's resolver methods


def resolver_call(parsed: ParsedFile, function: Node) -> Node | None:
    """The `….query(fn)` / `.mutation(fn)` / `.subscription(fn)` call a function literal is the only argument of."""
    args = function.parent
    call = args.parent if args is not None and args.type == "arguments" else None
    if args is None or call is None or call.type != "call_expression" or list(args.named_children) != [function]:
        return None
    callee = call.child_by_field_name("function")
    prop = callee.child_by_field_name("property") if callee is not None and callee.type == "member_expression" else None
    return callee if prop is not None and parsed.text(prop) in _RESOLVERS else None


def _type_arguments(call: Node) -> Node | None:
    return call.child_by_field_name("type_arguments") or next(
        (c for c in call.named_children if c.type == "type_arguments"), None
    )


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


_DB_WORD = re.compile(r"\bdb\b")


def _merged(values: Sequence[Value | None]) -> Record | None:
    """The properties of several object types taken together (an intersection, an interface's `extends`)."""
    properties: dict[str, Value] = {}
    for value in values:
        if isinstance(value, Record):
            for key, inner in value.properties:
                properties.setdefault(key, inner)
    return Record(tuple(properties.items())) if properties else None


def _pattern_keys(parsed: ParsedFile, pattern: Node) -> dict[str, str]:
    """An object pattern's property -> the local it binds (`{ ctx, db: h }` -> {"ctx": "ctx", "db": "h"}): the
    pattern's own properties as `passed_handles.parameter_pattern` reads them, without its nested ("ctx.db") and rest
    ("...") entries."""
    from dalfix.analysis.passed_handles import parameter_pattern

    keys = parameter_pattern(parsed, pattern)
    return {k: v for k, v in keys.items() if k != "..." and "." not in k} if isinstance(keys, dict) else {}


def _split(node: Node) -> tuple[Node, list[tuple[str, Node | None]]]:
    """`a.b(x).c` -> (a, [("b", call), ("c", None)])."""
    links: list[tuple[str, Node | None]] = []
    current = node
    while True:
        if current.type == "call_expression":
            function = current.child_by_field_name("function")
            function = unwrap(function) if function is not None else None
            if function is None or function.type != "member_expression":
                break
            prop, obj = function.child_by_field_name("property"), function.child_by_field_name("object")
            if prop is None or obj is None:
                break
            links.append((parsed_text(prop), current))
            current = unwrap(obj)
        elif current.type == "member_expression":
            prop, obj = current.child_by_field_name("property"), current.child_by_field_name("object")
            if prop is None or obj is None:
                break
            links.append((parsed_text(prop), None))
            current = unwrap(obj)
        else:
            break
    links.reverse()
    return current, links


def parsed_text(node: Node) -> str:
    return node.text.decode("utf-8", "surrogateescape") if node.text is not None else ""


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
