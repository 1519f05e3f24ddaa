"""The Drizzle vocabulary: database and transaction handles, query chains, and what a chain does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, SpanIndex, walk

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
    handle: Literal["db", "tx"]

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


@dataclass
class Vocabulary:
    """What names mean in one file: which expressions are db handles and transaction handles."""

    parsed: ParsedFile
    db_names: set[str] = field(default_factory=set)  # identifiers or member paths (`ctx.db`, `this.db`)
    # Byte ranges of functions passed to `.transaction(...)` and their handle parameter names.
    transaction_scopes: list[tuple[int, int, frozenset[str]]] = field(default_factory=list)
    typed_db_params: list[tuple[int, int, str]] = field(default_factory=list)
    typed_tx_params: list[tuple[int, int, str]] = field(default_factory=list)
    _span_indexes: dict[str, tuple[int, dict[str, SpanIndex]]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls, parsed: ParsedFile, configured: tuple[str, ...] = (), imported_handles: set[str] | None = None
    ) -> Vocabulary:
        vocab = cls(parsed)
        vocab.db_names.update(configured)
        vocab.db_names.update(imported_handles or ())
        calls: list[Node] = []
        stack = [parsed.root]
        while stack:  # one walk over named nodes only
            node = stack.pop()
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
            elif kind in ("required_parameter", "optional_parameter"):
                vocab._typed_parameter(node)
            elif kind == "call_expression":
                calls.append(node)
            stack.extend(node.named_children)
        # Transaction callbacks need the db names first (`db.transaction(...)`), outer before inner
        # (`tx.transaction(...)` nests a savepoint inside one).
        for call in sorted(calls, key=lambda n: n.start_byte):
            vocab._transaction_callback(call)
        return vocab

    def _typed_parameter(self, param: Node) -> None:
        pattern = param.child_by_field_name("pattern")
        annotation = param.child_by_field_name("type")
        if pattern is None or annotation is None or pattern.type != "identifier":
            return
        type_names = {self.parsed.text(n) for n in walk(annotation) if n.type == "type_identifier"}
        function = param.parent.parent if param.parent is not None else None
        if function is None:
            return
        entry = (function.start_byte, function.end_byte, self.parsed.text(pattern))
        if type_names & TRANSACTION_TYPES:
            self.typed_tx_params.append(entry)
        elif type_names & DATABASE_TYPES:
            self.typed_db_params.append(entry)

    def _transaction_callback(self, call: Node) -> None:
        root, links = split_chain(call)
        if not links or links[-1].name != "transaction" or links[-1].call is not call:
            return
        if len(links) > 1 or not self.handle_kind(root, call):
            return
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
        self.transaction_scopes.append((callback.start_byte, callback.end_byte, frozenset(names)))

    def handle_kind(self, root: Node, at: Node) -> Literal["db", "tx"] | None:
        """Whether the chain root `root` (used at `at`) is a database handle, a transaction handle, or neither."""
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
        """The Drizzle query `node` is, if it is one (a chain rooted at a db or transaction handle)."""
        node = unwrap(node)
        root, links = split_chain(node)
        if not links:
            return None
        kind_of_handle = self.handle_kind(root, node)
        if kind_of_handle is None:
            # `this.db` / `ctx.db` style roots: the first link may be the handle's own member.
            for cut in range(1, min(len(links), 3)):
                path = self.parsed.text(links[cut - 1].member)
                if path in self.db_names and all(link.call is None for link in links[:cut]):
                    kind_of_handle = "db"
                    root, links = links[cut - 1].member, links[cut:]
                    break
            else:
                return None
        if kind_of_handle is None:
            return None
        return QueryChain(root, tuple(links), node, classify_links(self.parsed, links), kind_of_handle)


def classify_links(parsed: ParsedFile, links: list[Link]) -> DbEffectKind:
    first = links[0].name
    names = [link.name for link in links]
    if first == "query" and len(links) >= 3 and links[2].name in RELATIONAL_READS and links[2].call is not None:
        return "read"
    if first == "with" or first == "$with":
        # `db.with(cte).select()` reads; `db.with(cte).update()` writes.
        inner = names[1] if len(names) > 1 else ""
        if inner in READ_ROOTS:
            return "write" if LOCKING_METHODS & set(names) else "read"
        return "write" if inner in WRITE_ROOTS else "unknown"
    if first in READ_ROOTS and links[0].call is not None:
        # `select … for update` takes row locks: ordering against other statements matters.
        return "write" if LOCKING_METHODS & set(names) else "read"
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
        body = parsed.text(arg)[4:].lstrip().lower()
        return body.startswith("select") and " for update" not in body and " for share" not in body
    if arg.type == "call_expression":
        # db.execute(db.select()…) — a query builder passed through.
        _, links = split_chain(arg)
        return bool(links) and links[0].name in READ_ROOTS and not (LOCKING_METHODS & {link.name for link in links})
    text = parsed.text(arg)
    if text.startswith("sql`"):
        body = text[4:].lstrip().lower()
        return body.startswith("select") and " for update" not in body and " for share" not in body
    return False


def _is_drizzle_call(node: Node) -> bool:
    if node.type == "await_expression" and node.named_children:
        node = unwrap(node.named_children[0])
    if node.type != "call_expression":
        return False
    function = node.child_by_field_name("function")
    return function is not None and _text(function) == "drizzle"
