"""The Drizzle vocabulary: database and transaction handles, query chains, and what a chain does."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Literal, cast

from dalfix.parsing import (
    FUNCTION_TYPES,
    Node,
    ParsedFile,
    SpanIndex,
    TreeMemo,
    descendants_right_to_left,
    enclosing_function,
    walk,
)

if TYPE_CHECKING:
    from dalfix.analysis.drivers import DriverInfo

# What a handle runs on (see dalfix/analysis/handles.py and docs/drivers.md).
HandleKind = Literal["pool", "single-connection", "synchronous", "transaction", "maybe-transaction", "unknown"]

DbEffectKind = Literal["none", "read", "write", "transaction", "unknown"]

ANY_NAME = "\0"  # in Vocabulary._within: a range for any handle name
READ_ROOTS = frozenset({"select", "selectDistinct", "selectDistinctOn", "$count"})
RELATIONAL_READS = frozenset({"findFirst", "findMany"})
WRITE_ROOTS = frozenset({"insert", "update", "delete", "refreshMaterializedView", "batch"})
# Builder methods of a chain that keep a select a plain read.
LOCKING_METHODS = frozenset({"for"})

# Database types a parameter may be annotated with (drizzle-orm's exported names).
DATABASE_TYPES = frozenset(
    {
        "NodePgDatabase",
        "PostgresJsDatabase",
        "PgDatabase",
        "PgliteDatabase",
        "NeonHttpDatabase",
        "NeonDatabase",
        "VercelPgDatabase",
        "BetterSQLite3Database",
        "BunSQLiteDatabase",
        "LibSQLDatabase",
        "DrizzleD1Database",
        "BaseSQLiteDatabase",
        "MySql2Database",
        "MySqlDatabase",
        "PlanetScaleDatabase",
    }
)
TRANSACTION_TYPES = frozenset({"PgTransaction", "SQLiteTransaction", "MySqlTransaction", "NodePgTransaction"})

# Helpers drizzle-orm exports that build SQL fragments without touching the database.
SQL_BUILDERS = frozenset(
    {
        "eq",
        "ne",
        "and",
        "or",
        "not",
        "gt",
        "gte",
        "lt",
        "lte",
        "inArray",
        "notInArray",
        "isNull",
        "isNotNull",
        "like",
        "ilike",
        "notLike",
        "notIlike",
        "between",
        "notBetween",
        "exists",
        "notExists",
        "sql",
        "asc",
        "desc",
        "count",
        "countDistinct",
        "sum",
        "sumDistinct",
        "avg",
        "avgDistinct",
        "min",
        "max",
        "arrayContains",
        "arrayContained",
        "arrayOverlaps",
        "getTableColumns",
        "getTableName",
        "aliasedTable",
        "alias",
    }
)


@dataclass(frozen=True)
class Link:
    """One step of a chain after its root: `.name` or `.name(args)`."""

    name: str
    call: Node | None  # the call_expression when the step is a call
    member: Node  # the member_expression naming the step


@dataclass(frozen=True)
class QueryChain:
    root: Node
    links: tuple[Link, ...]
    node: Node  # the outermost expression of the chain
    kind: DbEffectKind
    handle: Literal["db", "tx"]  # "tx" also for a maybe-transaction (the conservative reading for most rules)
    # pool / single-connection / synchronous / transaction / maybe-transaction / unknown: what the handle is
    # as far as its definition can be followed (`Vocabulary.handle_drivers` has the evidence).
    handle_kind: HandleKind = "unknown"

    @property
    def method(self) -> str:
        """The operation: select, insert, findMany, $count, transaction …"""
        if self.links and self.links[0].name == "query" and len(self.links) >= 3:
            return self.links[2].name
        return self.links[0].name if self.links else ""

    @property
    def has_then(self) -> bool:
        return any(link.name in ("then", "catch", "finally") for link in self.links)


def unwrap(node: Node) -> Node:
    while node.type in ("parenthesized_expression", "non_null_expression", "as_expression", "satisfies_expression"):
        inner = node.named_children[0] if node.named_children else None
        if inner is None:
            break
        node = inner
    return node


def split_chain(node: Node) -> tuple[Node, list[Link]]:
    """`a.b(x).c.d()` -> (a, [b(x), c, d()]). Roots are identifiers, `this`, or member paths like `ctx.db`."""
    links: list[Link] = []
    current = unwrap(node)
    while True:
        if current.type == "call_expression":
            function = current.child_by_field_name("function")
            if function is not None and unwrap(function).type == "member_expression":
                member = unwrap(function)
                prop = member.child_by_field_name("property")
                obj = member.child_by_field_name("object")
                if prop is None or obj is None:
                    break
                links.append(Link(_text(prop), current, member))
                current = unwrap(obj)
                continue
            break
        if current.type == "member_expression":
            prop = current.child_by_field_name("property")
            obj = current.child_by_field_name("object")
            if prop is None or obj is None:
                break
            links.append(Link(_text(prop), None, current))
            current = unwrap(obj)
            continue
        break
    links.reverse()
    return current, links


def _text(node: Node) -> str:
    return node.text.decode("utf-8", "surrogateescape") if node.text is not None else ""


_VOCABULARY_SERIALS = itertools.count()
# `Vocabulary.query_chain`'s answers for the few trees asked about last: (vocabulary serial, node id, start, end) ->
# (the vocabulary's state, the answer).
_ChainMemo = dict[tuple[int, int, int, int], tuple[tuple[object, ...], "QueryChain | None"]]
_QUERY_CHAINS = TreeMemo(8)


@dataclass
class Vocabulary:
    """What names mean in one file: which expressions are db handles and transaction handles."""

    parsed: ParsedFile
    db_names: set[str] = field(default_factory=set)  # identifiers or member paths (`ctx.db`, `this.db`)
    # Byte ranges of functions passed to `.transaction(...)` and their handle parameter names.
    transaction_scopes: list[tuple[int, int, frozenset[str]]] = field(default_factory=list)
    typed_db_params: list[tuple[int, int, str]] = field(default_factory=list)
    typed_tx_params: list[tuple[int, int, str]] = field(default_factory=list)
    # Parameters some callers pass a transaction and others the database (or typed `Db | Tx`): a
    # maybe-transaction. They are also in typed_tx_params (the conservative reading for DAL001).
    maybe_tx_params: list[tuple[int, int, str]] = field(default_factory=list)
    # Parameters (or a class's `this`) a transaction may reach only through a shape dalfix does not follow (a
    # callback, `f.call`, a spread, `new C(tx)`, a method it cannot resolve), with where: (start, end, name, reason).
    # Not in typed_tx_params: a rule keeps its finding there, and offers no safe fix that assumes a pool.
    unseen_tx_params: list[tuple[int, int, str, str]] = field(default_factory=list)
    # Name -> the drivers it may run on: handles, handle factories (`db()`, `createDb(env)`), db types.
    handle_drivers: dict[str, frozenset[DriverInfo]] = field(default_factory=dict)
    factory_names: set[str] = field(default_factory=set)
    # Factories whose result may be a transaction (`getReadDb(ctx): Db | Tx`) -> whether it may also be the database.
    tx_factories: dict[str, bool] = field(default_factory=dict)
    record_factories: dict[str, frozenset[str]] = field(default_factory=dict)  # setup() -> {"db"}
    db_types: set[str] = field(default_factory=set)  # project type names that denote a database handle
    tx_types: set[str] = field(default_factory=set)
    maybe_types: set[str] = field(default_factory=set)  # `type DbOrTx = Database | Transaction`
    # A table of the project's schema (structural recognition of handles nobody declared).
    is_table: Callable[[Node], bool] | None = None
    # A project function that hands one of its parameters, a callback, to `.transaction(…)` (openstatus'
    # `withTransaction(ctx, async (tx) => …)`) -> that parameter's position, else None (`Project.transaction_runner`).
    tx_runner: Callable[[str], int | None] | None = None
    # What an unfollowable handle runs on when every application handle of the workspace agrees.
    default_drivers: frozenset[DriverInfo] = frozenset()
    configured_drivers: frozenset[DriverInfo] = frozenset()  # dalfix.toml `driver = …`: decides every handle
    # Drivers the application creates somewhere (tests, seeds, scripts excluded): a candidate the application
    # never creates (PGlite in `NodePgDatabase | PgliteDatabase`, made only by a test client) does not count.
    created_drivers: frozenset[str] = frozenset()
    _span_indexes: dict[str, tuple[int, dict[str, SpanIndex]]] = field(default_factory=dict, repr=False)
    # Tells this vocabulary's answers apart in the tree memo of `query_chain` (a number no other one has).
    _serial: int = field(default_factory=lambda: next(_VOCABULARY_SERIALS), repr=False)

    @classmethod
    def build(
        cls,
        parsed: ParsedFile,
        configured: tuple[str, ...] = (),
        imported_handles: set[str] | None = None,
        facts: Vocabulary | None = None,
    ) -> Vocabulary:
        """The file's vocabulary; `facts` carries what the project knows about its names (handles.py)."""
        vocab = cls(parsed)
        if facts is not None:
            vocab.handle_drivers.update(facts.handle_drivers)
            vocab.factory_names = set(facts.factory_names)
            vocab.tx_factories = dict(facts.tx_factories)
            vocab.record_factories = dict(facts.record_factories)
            vocab.db_types, vocab.tx_types, vocab.maybe_types = (
                set(facts.db_types),
                set(facts.tx_types),
                set(facts.maybe_types),
            )
            vocab.is_table, vocab.default_drivers = facts.is_table, facts.default_drivers
            vocab.tx_runner = facts.tx_runner
            vocab.configured_drivers = facts.configured_drivers
            vocab.created_drivers = facts.created_drivers
            vocab.db_names.update(facts.db_names)
        vocab.db_names.update(configured)
        vocab.db_names.update(imported_handles or ())
        calls: list[Node] = []
        # In the order of a stack walk over named nodes (declarations found first can make a later parameter's
        # type a handle), found by one tree-sitter query. Calls only matter as `.transaction(…)`: a link's name
        # is a slice of the source, so a file without the word has none.
        wanted: tuple[str, ...] = ("variable_declarator", "required_parameter", "optional_parameter")
        if b"transaction" in parsed.source or (vocab.tx_runner is not None and b"ransaction" in parsed.source):
            wanted += ("call_expression",)  # also `withTransaction(ctx, async (tx) => …)`
        for node in descendants_right_to_left(parsed.root, *wanted):
            kind = node.type
            if kind == "variable_declarator":
                value = node.child_by_field_name("value")
                name = node.child_by_field_name("name")
                if (
                    value is not None
                    and name is not None
                    and name.type == "identifier"
                    and _is_drizzle_call(unwrap(value))
                ):
                    vocab.db_names.add(parsed.text(name))
                elif value is not None and name is not None:
                    vocab._factory_result(name, unwrap(value))
            elif kind in ("required_parameter", "optional_parameter"):
                vocab._typed_parameter(node)
            elif kind == "call_expression":
                calls.append(node)
        # Transaction callbacks need the db names first (`db.transaction(...)`), outer before inner
        # (`tx.transaction(...)` nests a savepoint inside one).
        for call in sorted(calls, key=lambda n: n.start_byte):
            vocab._transaction_callback(call)
            vocab._runner_callback(call)
        return vocab

    def _runner_callback(self, call: Node) -> None:
        """`withTransaction(ctx, async (tx) => …)`: a project function that hands the callback to `.transaction(…)`
        (`tx_runner`): the callback's first parameter is a transaction, or may be the handle the runner chose
        instead (`if (isTx(db)) return fn(db)`): read as a maybe-transaction."""
        function = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        if self.tx_runner is None or function is None or function.type != "identifier" or args is None:
            return
        values = [a for a in args.named_children if a.type != "comment"]
        if not any(v.type in FUNCTION_TYPES for v in values):
            return
        at = self.tx_runner(self.parsed.text(function))
        callback = values[at] if at is not None and at < len(values) else None
        if callback is None or callback.type not in FUNCTION_TYPES:
            return
        params = callback.child_by_field_name("parameters")
        first = params.named_children[0] if params is not None and params.named_children else None
        pattern = first.child_by_field_name("pattern") if first is not None else None
        if pattern is None:
            pattern = callback.child_by_field_name("parameter")
        if pattern is None or pattern.type != "identifier":
            return
        entry = (callback.start_byte, callback.end_byte, self.parsed.text(pattern))
        self.typed_tx_params.append(entry)
        self.maybe_tx_params.append(entry)

    # What `portable` leaves out: the parse, closures over the project (`is_table`, `tx_runner`), caches, and the
    # memo's serial.
    _BOUND_TO_THE_PARSE = frozenset({"parsed", "is_table", "tx_runner", "_span_indexes", "_serial"})

    def portable(self) -> dict[str, object]:
        """The vocabulary as plain data another process of the run can take (`from_portable`): what `build` found,
        without the parse it was found in."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in self._BOUND_TO_THE_PARSE}

    @classmethod
    def from_portable(
        cls,
        parsed: ParsedFile,
        data: dict[str, object],
        is_table: Callable[[Node], bool] | None,
        tx_runner: Callable[[str], int | None] | None,
    ) -> Vocabulary:
        """A vocabulary `portable` gave, of this process's parse of the same file (a serial of its own)."""
        return cls(parsed, is_table=is_table, tx_runner=tx_runner, **data)  # type: ignore[arg-type]

    def _factory_result(self, name: Node, value: Node) -> None:
        """`const db = createDb(env.DB)` / `await getDb()` / `const { db } = setupDatabase()`: a local handle."""
        if value.type == "await_expression" and value.named_children:
            value = unwrap(value.named_children[0])
        function = value.child_by_field_name("function") if value.type == "call_expression" else None
        callee = self.parsed.text(function) if function is not None else ""
        if name.type == "identifier" and callee in self.factory_names:
            self.db_names.add(self.parsed.text(name))
            self.handle_drivers.setdefault(self.parsed.text(name), self.handle_drivers.get(callee, frozenset()))
        elif name.type == "identifier" and callee in self.tx_factories:
            # `const db = getReadDb(ctx)`: a local that may be a transaction, read as a parameter of that type.
            scope = enclosing_function(name) or self.parsed.root
            entry = (scope.start_byte, scope.end_byte, self.parsed.text(name))
            self.typed_tx_params.append(entry)
            if self.tx_factories[callee]:
                self.maybe_tx_params.append(entry)
        elif name.type == "object_pattern" and callee in self.record_factories:
            for child in name.named_children:
                if child.type == "shorthand_property_identifier_pattern":
                    text = self.parsed.text(child)
                    if text in self.record_factories[callee]:
                        self.db_names.add(text)
                        self.handle_drivers.setdefault(text, self.handle_drivers.get(f"{callee}().{text}", frozenset()))

    def _typed_parameter(self, param: Node) -> None:
        pattern = param.child_by_field_name("pattern")
        annotation = param.child_by_field_name("type")
        if pattern is None or annotation is None or pattern.type != "identifier":
            return
        type_names = {self.parsed.text(n) for n in walk(annotation) if n.type == "type_identifier"}
        type_names |= {
            self.parsed.text(n.named_children[0])
            for n in walk(annotation)
            if n.type == "type_query" and n.named_children and n.named_children[0].type == "identifier"
        }  # `db: typeof db`
        function = param.parent.parent if param.parent is not None else None
        if function is None:
            return
        entry = (function.start_byte, function.end_byte, self.parsed.text(pattern))
        transaction = bool(type_names & (TRANSACTION_TYPES | self.tx_types))
        database = bool(type_names & (DATABASE_TYPES | self.db_types | self.db_names))
        if type_names & self.maybe_types or (transaction and database):
            self.typed_tx_params.append(entry)
            self.maybe_tx_params.append(entry)
        elif transaction:
            self.typed_tx_params.append(entry)
        elif database:
            self.typed_db_params.append(entry)
            drivers = frozenset(d for t in type_names for d in self.handle_drivers.get(t, ()))
            if drivers:
                self.handle_drivers.setdefault(f"{entry[2]}@{entry[0]}", drivers)

    def _transaction_callback(self, call: Node) -> None:
        root, links = split_chain(call)
        if not links or links[-1].name != "transaction" or links[-1].call is not call:
            return
        if any(link.call is not None for link in links[:-1]):
            return
        known = len(links) == 1 and self.handle_kind(root, call) is not None
        args = call.child_by_field_name("arguments")
        callback = args.named_children[0] if args is not None and args.named_children else None
        if callback is None or callback.type not in FUNCTION_TYPES:
            return
        params = callback.child_by_field_name("parameters")
        names: set[str] = set()
        if params is not None:
            first = params.named_children[:1]
            for param in first:
                pattern = param.child_by_field_name("pattern")
                if pattern is not None and pattern.type == "identifier":
                    names.add(self.parsed.text(pattern))
        single = callback.child_by_field_name("parameter")
        if single is not None and single.type == "identifier":
            names.add(self.parsed.text(single))
        if not known and not any(_used_as_query_receiver(self.parsed.text(callback), name) for name in names):
            # `x.transaction(async (tx) => …)` on a receiver dalfix cannot follow (`database.use((db) =>
            # db.transaction(…))`, `ctx.db.transaction`) is a Drizzle transaction when its parameter starts queries.
            return
        self.transaction_scopes.append((callback.start_byte, callback.end_byte, frozenset(names)))

    def handle_kind(self, root: Node, at: Node) -> Literal["db", "tx"] | None:
        """Whether the chain root `root` (used at `at`) is a database handle, a transaction handle, or neither."""
        if root.type == "call_expression":
            function = root.child_by_field_name("function")
            arguments = root.child_by_field_name("arguments")
            if function is not None and self.parsed.text(function) in self.factory_names and arguments is not None:
                return "db"  # `db().select()`: a factory that returns the client
            return None
        text, offset = self.parsed.text(root), at.start_byte
        if self._within("transaction_scopes", text, offset) or self._within("typed_tx_params", text, offset):
            return "tx"
        if self._within("typed_db_params", text, offset):
            return "db"
        if text in self.db_names and not self._shadowed(text, at):
            return "db"
        return None

    def _shadowed(self, name: str, at: Node) -> bool:
        """A parameter of an enclosing function with the same name hides the module-level handle."""
        if "." in name:
            return False
        current = at.parent
        while current is not None:
            if current.type in FUNCTION_TYPES:
                params = current.child_by_field_name("parameters") or current.child_by_field_name("parameter")
                if params is not None and any(
                    n.type == "identifier" and self.parsed.text(n) == name for n in walk(params)
                ):
                    return not self._within("typed_db_params", name, at.start_byte)
            current = current.parent
        return False

    def certainly_in_transaction(self, node: Node, chain: QueryChain | None = None) -> bool:
        """Inside a transaction on every path: a `.transaction` callback or a parameter every caller passes a
        transaction to. A maybe-transaction parameter is not (DAL002's inserts need a real one)."""
        if any(s <= node.start_byte < e for s, e, _ in self.transaction_scopes):
            return True
        maybe = set(self.maybe_tx_params)
        if any(s <= node.start_byte < e for s, e, n in self.typed_tx_params if (s, e, n) not in maybe):
            return True
        return chain is not None and chain.handle_kind == "transaction"

    def drivers_of(self, chain: QueryChain) -> frozenset[DriverInfo]:
        """The drivers the chain's handle may run on, as far as its definition was followed."""
        text = self.parsed.text(chain.root)
        if chain.root.type == "call_expression":
            function = chain.root.child_by_field_name("function")
            text = self.parsed.text(function) if function is not None else text
        for start, end, name in self.typed_db_params:
            if start <= chain.node.start_byte < end and name == text:
                return self.handle_drivers.get(f"{name}@{start}", frozenset())
        return self.handle_drivers.get(text, frozenset())

    def _kind_of(self, root: Node, at: Node, handle: str) -> HandleKind:
        from dalfix.analysis.handles import kind_of_drivers

        text = self.parsed.text(root)
        if handle == "tx":
            maybe = any(s <= at.start_byte < e and n == text for s, e, n in self.maybe_tx_params)
            return "maybe-transaction" if maybe else "transaction"
        return kind_of_drivers(self.handle_drivers_at(root, at))

    def handle_drivers_at(self, root: Node, at: Node) -> frozenset[DriverInfo]:
        """The drivers a database handle (not a transaction) rooted at `root` may run on, as its kind is decided:
        the configured driver, else the handle's followed definition, else the application's."""
        chain_like = QueryChain(root, (), at, "unknown", "db")
        drivers = self.configured_drivers or self.drivers_of(chain_like) or self.default_drivers
        if not self.configured_drivers and self.created_drivers:
            drivers = frozenset(d for d in drivers if d.driver in self.created_drivers) or drivers
        return drivers

    def passed_handle_kind(self, node: Node) -> HandleKind | None:
        """What an argument is when it names a handle (`getUser(db)(…)`, `countRows(tx, id)`): its kind, else None."""
        node = unwrap(node)
        if node.type not in ("identifier", "member_expression", "this"):
            return None
        which = self.handle_kind(node, node)
        if which is None and node.type == "member_expression" and self.parsed.text(node) in self.db_names:
            which = "db"  # `ctx.db`, `this.db`
        return self._kind_of(node, node, which) if which is not None else None

    def unseen_transaction(self, root: Node, at: Node) -> str | None:
        """Why a handle rooted at `root` (used at `at`) may be a transaction dalfix did not follow to it (a
        parameter in `unseen_tx_params`, or `this.…` in a class one), in a message's words; else None."""
        if not self.unseen_tx_params:
            return None
        text = self.parsed.text(root)
        for start, end, name, reason in self.unseen_tx_params:
            if start <= at.start_byte < end and (text == name or text.startswith(name + ".")):
                return f"`{text}` may be a transaction, handed on by {reason} in a way dalfix does not follow"
        return None

    def inside_transaction(self, node: Node) -> bool:
        """True inside a `.transaction(...)` callback or a function taking a transaction parameter."""
        return self._within("transaction_scopes", ANY_NAME, node.start_byte) or self._within(
            "typed_tx_params", ANY_NAME, node.start_byte
        )

    def _within(self, table: str, name: str, offset: int) -> bool:
        """Whether a range of `table` (one of the lists above) for handle `name` holds `offset`.

        Indexed (a SpanIndex per name, extended as the list grows): a linear scan per query chain made a
        file with n transactions cost O(n²).
        """
        entries: list[tuple[int, int, frozenset[str] | str]] = getattr(self, table)
        seen, by_name = self._span_indexes.setdefault(table, (0, {}))
        for start, end, names in entries[seen:]:  # new since the last query (`build` appends as it goes)
            for each in ((names,) if isinstance(names, str) else tuple(names)) + (ANY_NAME,):
                by_name.setdefault(each, SpanIndex(())).add(start, end)
        cached = self._span_indexes[table] = (len(entries), by_name)
        index = cached[1].get(name)
        return index is not None and index.contains(offset)

    def query_chain(self, node: Node) -> QueryChain | None:
        """The Drizzle query `node` is, if it is one (a chain rooted at a db or transaction handle).

        Memoised per node: the rules ask about the same call many times (DAL005's span asks for every chain of a
        function body, then again for each statement of the span; share.ts: 508 calls for 217 nodes). An answer
        is reused only while what it read is the same: the vocabulary's names and ranges only grow (`build`, and
        `Project.vocabulary_for` adds parameters afterwards), so their sizes tell; the tree's generation tells a
        re-parse after a release (its node ids mean nothing after it). Kept per tree (`TreeMemo`: the few trees
        asked about last, dropped with the tree), not on the vocabulary, which outlives the trees of its file."""
        if not self.parsed.has_tree:
            return self._query_chain(node)
        memo = cast(_ChainMemo, _QUERY_CHAINS.of(self.parsed.root))
        key = (self._serial, node.id, node.start_byte, node.end_byte)
        state = self.chain_state()
        cached = memo.get(key)
        if cached is not None and cached[0] == state:
            return cached[1]
        chain = self._query_chain(node)
        memo[key] = (state, chain)
        return chain

    def chain_state(self) -> tuple[object, ...]:
        """What `query_chain`'s answers read that may grow while rules run: equal states, equal answers."""
        return (
            getattr(self.parsed, "generation", 0),
            len(self.db_names),
            len(self.transaction_scopes),
            len(self.typed_tx_params),
            len(self.typed_db_params),
            len(self.maybe_tx_params),
            len(self.handle_drivers),
            len(self.factory_names),
            id(self.is_table),
            self.configured_drivers,
            self.default_drivers,
            self.created_drivers,
        )

    def _query_chain(self, node: Node) -> QueryChain | None:
        node = unwrap(node)
        root, links = split_chain(node)
        if not links:
            return None
        kind_of_handle = self.handle_kind(root, node)
        if kind_of_handle is None:
            # `this.db` / `ctx.db` style roots: the first link may be the handle's own member.
            for cut in range(1, min(len(links), 3)):
                member = links[cut - 1].member
                if not all(link.call is None for link in links[:cut]):
                    break
                # a member path the file declares (`ctx.db`), or one a function's declared types make a handle
                # (a tRPC resolver's `ctx.db`, Project._declared_handles)
                which = "db" if self.parsed.text(member) in self.db_names else self._typed_member(member, node)
                if which is not None:
                    kind_of_handle = which
                    root, links = member, links[cut:]
                    break
        if kind_of_handle is None:
            found = self._structural_root(root, links)
            if found is None:
                return None
            root, links, kind_of_handle = found[0], found[1], "db"
            if root.type == "identifier" and TRANSACTION_NAME.search(self.parsed.text(root)):
                # `run(async (tx) => { await tx.update(users)… })`: a receiver nobody declared, named like a
                # transaction (a callback a helper runs inside `db.transaction`): read it as maybe one.
                return QueryChain(
                    root, tuple(links), node, classify_links(self.parsed, links), "tx", "maybe-transaction"
                )
        handle_kind = self._kind_of(root, node, kind_of_handle)
        return QueryChain(root, tuple(links), node, classify_links(self.parsed, links), kind_of_handle, handle_kind)

    def _typed_member(self, member: Node, at: Node) -> Literal["db", "tx"] | None:
        """`ctx.db` at `at` when a range of the typed tables names that path there."""
        text, offset = self.parsed.text(member), at.start_byte
        if "." not in text:
            return None
        if self._within("typed_tx_params", text, offset):
            return "tx"
        return "db" if self._within("typed_db_params", text, offset) else None

    def _structural_root(self, root: Node, links: list[Link]) -> tuple[Node, list[Link]] | None:
        """A receiver on which a Drizzle chain over a table of the project's schema is called is a database
        handle, whatever its name: `x.select(…).from(users)`, `ctx.db.insert(users)`, `repo.db.query.users.findFirst()`.
        """
        if self.is_table is None or root.type not in ("identifier", "this", "member_expression"):
            return None
        for cut in range(0, min(len(links), 3)):
            if any(link.call is not None for link in links[:cut]):
                return None
            rest = links[cut:]
            first = rest[0] if rest else None
            if first is None:
                return None
            receiver = root if cut == 0 else links[cut - 1].member
            if first.name in ("insert", "update", "delete") and first.call is not None:
                if self._first_argument_is_table(first.call):
                    return receiver, rest
            elif first.name in READ_ROOTS and first.call is not None:
                source = next((link for link in rest[1:] if link.name == "from" and link.call is not None), None)
                if source is not None and source.call is not None and self._first_argument_is_table(source.call):
                    return receiver, rest
            elif first.name == "query" and len(rest) >= 3 and rest[2].name in RELATIONAL_READS and rest[2].call:
                return receiver, rest
        return None

    def _first_argument_is_table(self, call: Node) -> bool:
        args = call.child_by_field_name("arguments")
        first = unwrap(args.named_children[0]) if args is not None and args.named_children else None
        return first is not None and self.is_table is not None and self.is_table(first)


def classify_links(parsed: ParsedFile, links: list[Link]) -> DbEffectKind:
    first = links[0].name
    names = [link.name for link in links]
    if first == "query" and len(links) >= 3 and links[2].name in RELATIONAL_READS and links[2].call is not None:
        return "write" if _has_effect_fragment(parsed, links) else "read"
    if first == "with" or first == "$with":
        # `db.with(cte).select()` reads; `db.with(cte).update()` writes.
        inner = names[1] if len(names) > 1 else ""
        if inner in READ_ROOTS:
            return "write" if LOCKING_METHODS & set(names) or _has_effect_fragment(parsed, links) else "read"
        return "write" if inner in WRITE_ROOTS else "unknown"
    if first in READ_ROOTS and links[0].call is not None:
        # `select … for update` takes row locks, `select({ n: sql`nextval(…)` })` draws from a sequence:
        # ordering against other statements matters.
        return "write" if LOCKING_METHODS & set(names) or _has_effect_fragment(parsed, links) else "read"
    if first in WRITE_ROOTS and links[0].call is not None:
        return "write"
    if first == "transaction" and links[0].call is not None:
        return "transaction"
    if first == "execute" and links[0].call is not None:
        return "read" if _executes_select(parsed, links[0].call) else "write"
    return "unknown"


def _executes_select(parsed: ParsedFile, call: Node) -> bool:
    args = call.child_by_field_name("arguments")
    if args is None or not args.named_children:
        return False
    arg = unwrap(args.named_children[0])
    function = arg.child_by_field_name("function") if arg.type == "call_expression" else None
    if function is not None and parsed.text(function) == "sql":
        # A typed `sql<T>`…`` is not read as a statement (its type arguments may be masked grammar gaps).
        return _inline_select_only(parsed.text(arg)[3:])
    if arg.type == "call_expression":
        # db.execute(db.select()…) — a query builder passed through.
        _, links = split_chain(arg)
        return bool(links) and links[0].name in READ_ROOTS and not (LOCKING_METHODS & {link.name for link in links})
    text = parsed.text(arg)
    if text.startswith("sql`"):
        return _inline_select_only(text[3:])
    if arg.type == "identifier":
        # `const query = sql…; await db.execute(query)`: the statement the name was bound to.
        declared = _const_initializer(parsed, arg)
        return declared is not None and _is_read_only_sql(parsed.text(declared))
    return False


# A statement that may write or lock: a data-modifying CTE, SELECT INTO, row locks, sequence or lock functions.
SQL_EFFECT_WORDS = re.compile(
    r"\b(insert|update|delete|merge|truncate|into|for\s+(no\s+key\s+)?(update|share)|for\s+key\s+share"
    r"|nextval|setval|pg_(try_)?advisory\w*|set_config|pg_notify|call|do|copy|notify|lock)\b",
    re.IGNORECASE,
)

# A function call in a `sql` fragment of a builder read whose effect depends on the order statements arrive in:
# `db.select({ n: sql`nextval('seq')` })` twice hands out two numbers in the order the server sees them.
SQL_EFFECT_CALLS = re.compile(r"\b(nextval|setval|pg_(try_)?advisory\w*|set_config|pg_notify)\s*\(", re.IGNORECASE)


def _inline_select_only(template: str) -> bool:
    """The backquoted text of an inline `sql` statement: a SELECT that names nothing that writes or locks
    (`select nextval(…)`, `select … into t`, `select pg_try_advisory_lock(…)` are not reads)."""
    if not template.startswith("`"):
        return False
    body = template[1:].lstrip().lower()
    return body.startswith("select") and _is_read_only_sql("sql" + template)


def _has_effect_fragment(parsed: ParsedFile, links: list[Link]) -> bool:
    """A string or template in the chain's arguments that calls a sequence, lock or settings function.

    A string's match is one of its arguments' whole text too (the match lies inside the string, after its opening
    quote, so the same characters surround it): arguments whose text has none hold no such string, and are not
    walked (most chains: the walk of every argument node was a tenth of DAL001's time on Cap's slowest files)."""
    for link in links:
        args = link.call.child_by_field_name("arguments") if link.call is not None else None
        if args is None or SQL_EFFECT_CALLS.search(parsed.text(args)) is None:
            continue
        if any(
            node.type in ("template_string", "string") and SQL_EFFECT_CALLS.search(parsed.text(node))
            for node in walk(args)
        ):
            return True
    return False


def _is_read_only_sql(template: str) -> bool:
    """A `sql` template that starts with SELECT or WITH and names nothing that writes or locks."""
    if not template.startswith("sql`"):
        return False
    body = re.sub(r"\$\{[^}]*\}", " ", template[4:-1])  # interpolations are values and tables
    first = body.lstrip().lower()
    return first.startswith(("select", "with")) and SQL_EFFECT_WORDS.search(body) is None


def _const_initializer(parsed: ParsedFile, name: Node) -> Node | None:
    """The initializer of the `const` an identifier names, declared in an enclosing function or the module."""
    text = parsed.text(name)
    scope = name.parent
    while scope is not None:
        if scope.type in FUNCTION_TYPES or scope.type == "program":
            params = scope.child_by_field_name("parameters") or scope.child_by_field_name("parameter")
            if params is not None and any(n.type == "identifier" and parsed.text(n) == text for n in walk(params)):
                return None
            found = [
                d
                for d in walk(scope)
                if d.type == "variable_declarator"
                and (target := d.child_by_field_name("name")) is not None
                and parsed.text(target) == text
            ]
            if found:
                # One declaration of the name in the function, and a `const`: no other binding it could mean.
                parent = found[0].parent
                const = parent is not None and parent.type == "lexical_declaration"
                const = const and parent is not None and parent.children[0].type == "const"
                value = found[0].child_by_field_name("value")
                return unwrap(value) if len(found) == 1 and const and value is not None else None
        scope = scope.parent
    return None


def _is_drizzle_call(node: Node) -> bool:
    if node.type == "await_expression" and node.named_children:
        node = unwrap(node.named_children[0])
    if node.type != "call_expression":
        return False
    function = node.child_by_field_name("function")
    return function is not None and _text(function) == "drizzle"


# `tx`, `trx`, `txn`, `transaction`, and camel-case names ending so (`innerTx`, `dbTransaction`).
TRANSACTION_NAME = re.compile(r"^(tx|trx|txn|transaction)$|[a-z0-9](Tx|Trx|Txn|Transaction)$")


QUERY_RECEIVER_TAIL = re.compile(r"\s*\.\s*(?:select\w*|insert|update|delete|execute|query|\$count)\b")
_BEFORE_A_NAME = re.compile(r"[\w$.]")  # a character a name found by `name_followed_by` may not follow


def _used_as_query_receiver(text: str, name: str) -> bool:
    """Whether `name.select(` / `.insert(` / `.update(` / `.delete(` / `.query.` / `.execute(` occurs in `text`."""
    return name_followed_by(text, name, QUERY_RECEIVER_TAIL)


def name_followed_by(text: str, name: str, tail: re.Pattern[str]) -> bool:
    r"""Whether `re.search(rf"(?<![\w$.]){re.escape(name)}" + tail.pattern, text)` finds a match: without a pattern
    compiled per name (the names are parameters and locals: hundreds per run, more than `re`'s cache keeps, and a
    compilation costs ~50 times a search)."""
    at = text.find(name)
    while at != -1:
        if (at == 0 or _BEFORE_A_NAME.match(text, at - 1) is None) and tail.match(text, at + len(name)) is not None:
            return True
        at = text.find(name, at + 1)
    return False
