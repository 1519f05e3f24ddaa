"""Writes that belong together: the span of statements a transaction must hold, what may run inside one,
and how each driver makes several statements atomic. Used by DAL005 (writes-without-transaction)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dalfix.analysis.drivers import (
    DRIVER_MODULES,
    DriverInfo,
    drizzle_driver_imports,
    may_create_handles,
    pg_client_construction,
)
from dalfix.analysis.drizzle import QueryChain, Vocabulary, unwrap
from dalfix.analysis.effects import TYPE_NODES, EffectAnalyzer, pattern_names
from dalfix.analysis.reads import note as note_read
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, descendants_of_type, parse_file

# How a driver runs several statements all-or-nothing.
INTERACTIVE_DRIVERS = frozenset(
    {
        "node-postgres",
        "postgres-js",
        "postgres-js-single",
        "neon-serverless",
        "vercel-postgres",
        "pglite",
        "libsql",
        "mysql2",
        "planetscale-serverless",
    }
)
BATCH_DRIVERS = frozenset({"neon-http", "d1"})  # no interactive transactions: `db.batch([...])` is atomic
SYNC_DRIVERS = frozenset({"better-sqlite3", "bun-sqlite"})  # the callback must be synchronous
# One connection shared by every request: other requests' statements would run inside the transaction.
SHARED_CONNECTION_DRIVERS = frozenset({"node-postgres-client", "mysql2-connection"})

Atomicity = Literal["transaction", "batch", "sync", "shared-connection", "unknown"]

DML = re.compile(r"^\s*(with\b.*?\)\s*)?(insert|update|delete|merge)\b", re.I | re.S)

LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
DB_EFFECTS = frozenset({"read", "write", "transaction", "unknown"})


def definite_write(parsed: ParsedFile, chain: QueryChain) -> bool:
    """A chain that changes rows: insert/update/delete (also under `with`), or `execute` of literal DML.
    A locking select and an `execute` dalfix cannot read are not counted as writes here."""
    names = [link.name for link in chain.links]
    if chain.kind != "write" or names[:1] in (["select"], ["selectDistinct"], ["selectDistinctOn"]):
        return False
    if names[0] != "execute":
        return True
    call = chain.links[0].call
    args = call.child_by_field_name("arguments") if call is not None else None
    literal = args.named_children[0] if args is not None and args.named_children else None
    text = parsed.text(literal) if literal is not None else ""
    if literal is not None and literal.type == "call_expression":  # sql`…` or sql.raw(`…`)
        text = text.split("`", 1)[1] if "`" in text else ""
    return DML.match(text) is not None


def atomicity(driver: DriverInfo) -> Atomicity:
    if driver.driver == "libsql" and (driver.concurrent is None or ":memory:" in driver.evidence):
        # @libsql/client's local client hands its one connection to `transaction()` and opens a new one for
        # the next query: on a `:memory:` URL (tests) that is a new, empty database (libsql-client-ts #229).
        # A URL dalfix cannot read may be one; a batch keeps the connection and is one transaction.
        return "batch"
    if driver.driver in INTERACTIVE_DRIVERS:
        return "transaction"
    if driver.driver in BATCH_DRIVERS:
        return "batch"
    if driver.driver in SYNC_DRIVERS:
        return "sync"
    if driver.driver in SHARED_CONNECTION_DRIVERS:
        return "shared-connection"
    return "unknown"


def application_atomicity(project) -> tuple[Atomicity, str] | None:  # type: ignore[no-untyped-def]
    """How every drizzle() call of the application makes statements atomic, when they all agree, with those calls
    (`node-postgres at db/client.ts:40, pglite at db/client.ts:29`); None when they differ or there is none. A
    handle dalfix does not trace (a parameter typed `Db`, a factory's result) is one of them, so `db.transaction`
    is right for it when it is right for each (kan: a node-postgres pool, or PGlite when no URL is set)."""
    made = [(path, info) for path, info in project.defined_drivers()
            if path is not None and project.is_application_file(path)]  # fmt: skip
    kinds = {atomicity(info) for _, info in made}
    if len(kinds) != 1:
        return None
    places = []
    for path, info in made:
        shown = path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) else path.name
        places.append(f"{info.driver} at {shown}:{info.evidence.rsplit(':', 1)[-1]}")
    return kinds.pop(), ", ".join(places[:3]) + (f" and {len(places) - 3} more" if len(places) > 3 else "")


def handle_driver(project, parsed: ParsedFile, handle: str) -> DriverInfo:  # type: ignore[no-untyped-def]
    """The driver behind `handle` in this file: its own drizzle() call, else the one driver the file (or,
    failing that, the whole project) can name; `unknown` when they disagree or none is found."""
    named = project.summaries.file_handles(parsed) if parsed.path in project.files else {}
    if project.config.driver:
        return project.drivers_for(parsed)[0]
    if handle in named:
        return named[handle]
    drivers = project.drivers_for(parsed)
    if len({d.driver for d in drivers}) == 1:
        return drivers[0]
    found = _one_project_driver(project)
    return found if found is not None else project_import_driver(project)


def _one_project_driver(project) -> DriverInfo | None:  # type: ignore[no-untyped-def]
    """The first handle driver of the analysed files and the application's client files (those importing a
    drizzle-orm driver entry, whichever rules run) when all of them name one driver, else None. The analysed files
    alone depend on the rules selected (`--select DAL005` on Cap analysed no file holding `db()`'s drizzle() call and
    said "inferred from the project's only drizzle driver import" where a run of every rule named the call). Nor
    when the application's drizzle() calls, named or not, make handles of other drivers or kinds (a module's pool
    beside a `drizzle(client)` per request: a handle typed `NodePgDatabase` may be either).

    Memoised per project with the count of analysed files it was computed for (`Project.admit` only adds files, so
    the same count is the same files; each file's handles are memoised by the summaries once asked outside a
    handle's own resolution, as here): asked per finding, it looked at every analysed file of the project each time
    (11 ms per DAL005 finding on Cap, in every fix round)."""
    count = (len(project.analysed), len(project.client_files))
    memo = project.__dict__.get("_one_project_driver")
    if memo is not None and memo[0] == count:
        return memo[1]  # type: ignore[no-any-return]
    clients = [p for p in project.client_files if project.is_application_file(p)]
    drivers = [
        d for p in dict.fromkeys([*project.analysed, *clients]) for d in project.summaries.handles_at(p).values()
    ]
    made = [info for path, info in project.defined_drivers() if path is not None and project.is_application_file(path)]
    named = {d.driver for d in drivers}
    parts = set(next(iter(named)).split("|")) if len(named) == 1 else set()
    # a handle chosen at runtime among drivers (homarr's `db`) covers the kinds of its parts' drizzle() calls
    covered = all(d.driver in parts for d in made) and (len(parts) > 1 or len({d.kind for d in made}) <= 1)
    found = drivers[0] if parts and covered else None
    project.__dict__["_one_project_driver"] = (count, found)
    return found


INFERRED = "inferred from the project's only drizzle driver import"
KIND_WORDS = {
    "pool": "pools",
    "single-connection": "single connections",
    "synchronous": "synchronous handles",
    "unknown": "handles on a client dalfix cannot classify",
}


def unknown_driver_reason(  # type: ignore[no-untyped-def]
    project, parsed: ParsedFile, handle: str, driver: DriverInfo, at: Node | None = None
) -> str:
    """Why `handle_driver` said `unknown`, in the user's terms: what dalfix saw behind the handle (drivers chosen
    at runtime, the call or type it was traced to, or what the name is where it is used — a parameter, a cast, a
    factory's result — and the kinds of handle the application creates). `at`: where the handle is used."""
    parts = [d for d in driver.driver.split("|") if d != "unknown"]
    named = project.summaries.file_handles(parsed) if parsed.path in project.files else {}
    if len(parts) > 1:
        places = driver.evidence.removeprefix("one of ").removesuffix(" (chosen at runtime)").replace("; ", ", ")
        return f"`{handle}` may run on {', '.join(parts[:-1])} or {parts[-1]}, one chosen at runtime ({places})"
    if handle in named:
        return f"`{handle}` comes from {driver.evidence}, a client dalfix cannot tell a pool from a single connection"
    what = _what_handle_is(parsed, handle, at)
    seen = f"`{handle}` is {what}, which dalfix does not trace to one drizzle() call"
    made = application_handle_kinds(project)
    if len(made) > 1:
        seen += ", and the application makes " + " and ".join(f"{KIND_WORDS.get(k, k)} ({w})" for k, w in made)
    elif driver.evidence and not driver.evidence.startswith(INFERRED):
        seen += f"; {driver.evidence}"
    return seen


def _what_handle_is(parsed: ParsedFile, handle: str, at: Node | None) -> str:
    """What `handle` is where it is used: a parameter typed `Db`, a cast (`drizzle(c) as unknown as Db`), the
    result of `getDb(…)`."""
    scope = at
    while scope is not None:
        if scope.type in FUNCTION_TYPES:
            params = scope.child_by_field_name("parameters")
            for param in params.named_children if params is not None else []:
                pattern = param.child_by_field_name("pattern")
                if pattern is not None and parsed.text(pattern) == handle:
                    annotation = param.child_by_field_name("type")
                    typed = parsed.text(annotation).lstrip(":").strip() if annotation is not None else ""
                    return f"a parameter typed `{typed}`" if typed else "an untyped parameter"
            single = scope.child_by_field_name("parameter")
            if single is not None and parsed.text(single) == handle:
                return "an untyped parameter"
        scope = scope.parent
    for declarator in _declarators(parsed.root, handle):
        value = declarator.child_by_field_name("value")
        if value is None:
            continue
        text = " ".join(parsed.text(value).split())
        text = text if len(text) <= 60 else text[:57] + "…"
        if value.type in ("as_expression", "satisfies_expression"):
            return f"a cast (`{text}`)"
        inner = value.named_children[0] if value.type == "await_expression" and value.named_children else value
        if inner.type == "call_expression":
            function = inner.child_by_field_name("function")
            return f"the result of `{parsed.text(function) if function is not None else text}(…)`"
        return f"`{text}`"
    return "a name bound elsewhere"


def _declarators(root: Node, name: str) -> list[Node]:
    """`const name = …` declarators anywhere in the file, in source order."""
    from dalfix.parsing import descendants_of_type

    found = []
    for declarator in descendants_of_type(root, "variable_declarator"):
        target = declarator.child_by_field_name("name")
        if target is not None and target.type == "identifier" and target.text == name.encode():
            found.append(declarator)
    return found


def application_handle_kinds(project) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The kinds of handle the application's drizzle() calls make, each with its drivers and first places:
    [("pool", "node-postgres at db/client.ts:94, …"), ("single-connection", "node-postgres-client at …")]."""
    by_kind: dict[str, dict[str, list[str]]] = {}
    for path, info in project.defined_drivers():
        if path is None or not project.is_application_file(path):
            continue
        line = info.evidence.rsplit(":", 1)[-1]
        shown = path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) else path.name
        by_kind.setdefault(info.kind, {}).setdefault(info.driver, []).append(f"{shown}:{line}")
    out = []
    for kind, drivers in sorted(by_kind.items()):
        listed = []
        for name, places in drivers.items():
            more = f" and {len(places) - 2} more" if len(places) > 2 else ""
            listed.append(f"{name} at {', '.join(places[:2])}{more}")
        out.append((kind, "; ".join(listed)))
    return out


def project_import_driver(project) -> DriverInfo:  # type: ignore[no-untyped-def]
    """When no handle resolves (built in a factory, a lazy getter, a parameter): the driver of the one
    `drizzle-orm/<driver>` module the project imports `drizzle` from, if there is exactly one."""
    found = project.__dict__.get("_drizzle_driver_imports")
    if found is None:  # once per project; the module holding drizzle() may not be among the scanned files
        found = project.__dict__["_drizzle_driver_imports"] = _drizzle_driver_imports(project)
    if len(found) != 1:
        modules = ", ".join(f"drizzle-orm/{m}" for m in sorted(found))
        return DriverInfo(
            "unknown", None, f"the application imports drizzle from {modules}" if found else "no drizzle() call found"
        )
    ((module, sources),) = found.items()
    driver, dialect = DRIVER_MODULES.get(module, ("unknown", None))
    made = [kind for kind, _ in application_handle_kinds(project)]
    if len(made) > 1:
        # One driver module, but its drizzle() calls make handles of several kinds (agents: pools, and single
        # connections from `pool.connect()`): the module does not say which kind an untraced handle is.
        kinds = " and ".join(KIND_WORDS.get(k, k) for k in made)
        return DriverInfo("unknown", dialect, f"the application's drizzle() calls make {kinds}")
    client = _pg_client_file(sources) if driver == "node-postgres" else None
    if client is not None:
        # a pool or one shared client: cannot tell
        path, line = client
        shown = path.relative_to(project.root).as_posix() if path.is_relative_to(project.root) else path.name
        evidence = f"the application's only driver module is drizzle-orm/{module}, and {shown}:{line} makes a pg"
        return DriverInfo("unknown", dialect, evidence + " `Client` (one connection rather than a pool?)")
    return DriverInfo(driver, dialect, f"{INFERRED} (drizzle-orm/{module})")


def _pg_client_file(sources: list[tuple[Path, bytes]]) -> tuple[Path, int] | None:
    """The first of these files constructing node-postgres's `Client` (not any `…Client(`: an SDK's does not
    count), with the line."""
    for path, source in sources:
        if b"Client(" in source:
            made = pg_client_construction(parse_file(path, source))
            if made is not None:
                return path, made.start_point.row + 1
    return None


def _drizzle_driver_imports(project) -> dict[str, list[tuple[Path, bytes]]]:  # type: ignore[no-untyped-def]
    """drizzle-orm/<driver> modules that the project's application files import `drizzle` from -> those files
    and their sources."""
    from dalfix.discovery import discover_once

    found: dict[str, list[tuple[Path, bytes]]] = {}
    for path in discover_once(project.root):
        if not isinstance(path, Path):
            continue
        try:
            source = path.read_bytes()
        except OSError:
            continue
        if not may_create_handles(source) or project.setup_code_kind(path, source) is not None:
            continue
        note_read(path)
        for module in set(drizzle_driver_imports(parse_file(path, source), project.summaries).values()):
            found.setdefault(module, []).append((path, source))
    return found


@dataclass(frozen=True)
class TransactionHelper:
    """A project function that runs a caller's callbacks in a transaction: called with a database handle and a
    callback (or an object of callbacks) that opens `.transaction(` on a parameter it is handed (homarr's
    `handleTransactionsAsync(db, { handleAsync: (db) => db.transaction(…), handleSync: … })`, one callback per
    kind of driver)."""

    defined: str  # `packages/db/transactions.ts:16`, or "" when dalfix cannot find the definition
    driver: str  # the driver(s) of the handle handed to it (`handle_driver`) at its first call site
    # Each call site (in path order) and the call as written there: ("packages/api/src/router/group.ts:255",
    # "handleTransactionsAsync(ctx.db, { handleAsync, handleSync })").
    calls: tuple[tuple[str, str], ...]

    def call_for(self, path: str, handle: str) -> tuple[str, str]:
        """The call site to show beside a finding in `path` on `handle`: one in the same file, else one handing the
        same handle, else the first."""
        same_file = [c for c in self.calls if c[0].rsplit(":", 1)[0] == path]
        same_handle = [c for c in self.calls if c[1].split("(", 1)[1].startswith(f"{handle},")]
        return (same_file or same_handle or list(self.calls))[0]


def transaction_helpers(project) -> list[TransactionHelper]:  # type: ignore[no-untyped-def]
    """The project's transaction helpers (one per function, its first call site in path order), read from their
    call sites in the analysed application files that name `.transaction(`. Memoised per project."""
    count = len(project.analysed)
    memo = project.__dict__.get("_transaction_helpers")
    if memo is not None and memo[0] == count:
        return memo[1]  # type: ignore[no-any-return]
    found: dict[object, TransactionHelper] = {}
    for path in sorted(project.analysed):
        if not project.is_application_file(path) or b".transaction(" not in project.files.source(path):
            continue
        parsed = project.analysed[path]
        vocabulary = project.vocabulary_for(parsed)
        for call in descendants_of_type(parsed.root, "call_expression"):
            helper = _transaction_helper_call(project, parsed, vocabulary, call)
            if helper is not None:
                key = helper.defined or helper.calls[0][1].split("(", 1)[0]
                known = found.get(key)
                calls = (known.calls if known is not None else ()) + helper.calls
                found[key] = TransactionHelper(helper.defined, (known or helper).driver, calls)
    helpers = list(found.values())
    project.__dict__["_transaction_helpers"] = (count, helpers)
    return helpers


def _transaction_helper_call(project, parsed: ParsedFile, vocabulary, call: Node) -> TransactionHelper | None:  # type: ignore[no-untyped-def]
    """`h(handle, callbacks)` when a callback opens a transaction on a handle it is handed, else None."""
    function, args = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if function is None or args is None or unwrap(function).type not in ("identifier", "member_expression"):
        return None
    # The handle handed on: a known one, or the one plain name beside the callbacks (`ctx.db`, read by the
    # project only structurally, where its queries are).
    values = [a for a in args.named_children if a.type in ("identifier", "member_expression")]
    handles = [a for a in values if vocabulary.handle_kind(a, a) == "db"] or values
    if len(handles) != 1 or not any(_opens_transaction_on_parameter(parsed, a) for a in args.named_children):
        return None
    shown = []
    for arg in args.named_children:
        if arg.type in FUNCTION_TYPES:
            shown.append("(…) => {…}")
        elif arg.type == "object":
            keys = [_member_key(parsed, m) for m in arg.named_children]
            shown.append("{ " + ", ".join(k for k in keys if k) + " }")
        else:
            shown.append(" ".join(parsed.text(arg).split()))
    root = project.root
    where = parsed.path.relative_to(root).as_posix() if parsed.path.is_relative_to(root) else parsed.path.name
    defined = ""
    target = project.summaries.callee(parsed, call)
    node = project.summaries.function_node(*target) if target is not None else None
    if target is not None and node is not None:
        at = target[0].relative_to(root).as_posix() if target[0].is_relative_to(root) else target[0].name
        defined = f"{at}:{node.start_point.row + 1}"
    driver = handle_driver(project, parsed, parsed.text(handles[0])).driver
    shape = f"{parsed.text(unwrap(function))}({', '.join(shown)})"
    return TransactionHelper(defined, driver, ((f"{where}:{call.start_point.row + 1}", shape),))


def _member_key(parsed: ParsedFile, member: Node) -> str:
    if member.type == "pair":
        key = member.child_by_field_name("key")
        return parsed.text(key) if key is not None else ""
    if member.type == "method_definition":
        name = member.child_by_field_name("name")
        return parsed.text(name) if name is not None else ""
    return parsed.text(member) if member.type == "shorthand_property_identifier" else ""


def _opens_transaction_on_parameter(parsed: ParsedFile, arg: Node) -> bool:
    """A callback (or an object holding callbacks) that calls `.transaction(` on one of its own parameters."""
    if arg.type == "object":
        members = []
        for member in arg.named_children:
            value = member.child_by_field_name("value") if member.type == "pair" else member
            if value is not None:
                members.append(value)
        return any(_opens_transaction_on_parameter(parsed, m) for m in members)
    if arg.type not in FUNCTION_TYPES:
        return False
    params = arg.child_by_field_name("parameters") or arg.child_by_field_name("parameter")
    names = pattern_names(parsed, params) if params is not None else set()
    for inner in descendants_of_type(arg, "call_expression"):
        callee = inner.child_by_field_name("function")
        if callee is None or callee.type != "member_expression":
            continue
        prop, obj = callee.child_by_field_name("property"), callee.child_by_field_name("object")
        if prop is None or obj is None or parsed.text(prop) != "transaction":
            continue
        if unwrap(obj).type == "identifier" and parsed.text(unwrap(obj)) in names:
            return True
    return False


@dataclass
class WriteSpan:
    """Statements of one block, from the first write on `handle` to the last, that a transaction would hold."""

    function: Node
    block: Node
    statements: list[Node]
    handle: str
    chains: list[QueryChain]  # every query on `handle` in the span (outermost chains)
    writes: list[QueryChain]
    renames: list[Node] = field(default_factory=list)  # handle expressions to replace by the transaction
    returns: bool = False  # a `return` inside the span
    blocker: str | None = None  # why no mechanical fix is right
    external: bool = False  # I/O or another client between the writes: not one unit dalfix may wrap


# The method a definite write starts with is named in the source: insert/update/delete/refreshMaterializedView/
# batch (also after `with(...)`), or execute. A body naming them fewer than twice holds fewer than two writes.
_WRITE_NAMES = (b"insert", b"update", b"delete", b"execute", b"batch", b"refreshMaterializedView")


def _may_hold_two_writes(source: bytes, body: Node) -> bool:
    start, end = body.start_byte, body.end_byte
    count = 0
    for name in _WRITE_NAMES:
        count += source.count(name, start, end)
        if count >= 2:
            return True
    return False


def walk_chains(vocabulary: Vocabulary, node: Node) -> list[QueryChain]:
    """The query chains under `node` (nested functions excluded), in the order of a stack walk from `node`."""
    found: list[QueryChain] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in FUNCTION_TYPES and current is not node:
            continue
        if current.type == "call_expression":
            chain = vocabulary.query_chain(current)
            if chain is not None and chain.node == unwrap(current):
                found.append(chain)
        stack.extend(current.named_children)
    return found


class SpanFinder:
    """Finds write spans in a function and decides what may run inside a transaction callback."""

    def __init__(self, analyzer: EffectAnalyzer):
        self.analyzer = analyzer
        self.vocabulary = analyzer.vocabulary
        self.parsed = analyzer.parsed
        # The chains found under each function body walked (by the body's span): a statement of that body (the
        # span's statements, a `try` block among them) takes its chains from there instead of a walk of its own.
        self._body_chains: dict[tuple[int, int], tuple[Node, tuple[object, ...], list[QueryChain]]] = {}

    def _found_chains(self, node: Node) -> list[QueryChain]:
        """`walk_chains(node)`, from the walk of the function body holding `node` when there was one."""
        if node.type not in FUNCTION_TYPES:
            around = node.parent
            while around is not None and around.type not in FUNCTION_TYPES:
                cached = self._body_chains.get((around.start_byte, around.end_byte))
                if cached is not None and cached[0] == around and cached[1] == self.vocabulary.chain_state():
                    # No function between: the body's walk saw this subtree as a walk from `node` would, in the
                    # same order (a stack walk finishes a node's subtree before what was pushed before it).
                    start, end = node.start_byte, node.end_byte
                    return [c for c in cached[2] if start <= c.node.start_byte and c.node.end_byte <= end]
                around = around.parent
        found = walk_chains(self.vocabulary, node)
        if node.parent is not None and node.parent.type in FUNCTION_TYPES:
            self._body_chains[(node.start_byte, node.end_byte)] = (node, self.vocabulary.chain_state(), found)
        return found

    def chains_in(self, node: Node) -> tuple[list[QueryChain], list[QueryChain]]:
        """(outermost, nested) query chains under `node`, nested functions excluded."""
        found = self._found_chains(node)
        outer = [c for c in found if not any(_inside(c.node, o.node) for o in found if o is not c)]
        inner = [c for c in found if all(c is not o for o in outer)]
        return sorted(outer, key=lambda c: c.node.start_byte), inner

    def span(self, function: Node) -> WriteSpan | None:
        """The write span of `function`, or None when it has fewer than two writes on one pooled handle."""
        body = function.child_by_field_name("body")
        if body is None or body.type != "statement_block":
            return None
        if not _may_hold_two_writes(self.parsed.source, body) and (
            self.analyzer.summaries is None or self.parsed.source.count(b"await", body.start_byte, body.end_byte) < 2
        ):
            return None  # fewer than two writes named here, and fewer than two awaited helper calls
        if self.vocabulary.inside_transaction(body):
            return None
        outer, _ = self.chains_in(body)
        if any(c.handle == "tx" or c.kind == "transaction" for c in outer):
            return None  # already transactional, or opens its own transaction
        by_handle: dict[str, list[QueryChain]] = {}
        for chain in outer:
            if definite_write(self.parsed, chain):
                by_handle.setdefault(self.parsed.text(chain.root), []).append(chain)
        for helper in self._helper_writes(body):
            by_handle.setdefault(self.parsed.text(helper.root), []).append(helper)
        handles = [h for h, writes in by_handle.items() if len(writes) >= 2]
        if len(handles) != 1:
            return None
        handle, writes = handles[0], sorted(by_handle[handles[0]], key=lambda w: w.node.start_byte)
        if any(_inside_any(w.node, ("catch_clause", "finally_clause"), body) for w in writes):
            return None  # a compensating write records a failure: it must survive it
        if not any(_may_follow(a.node, b.node, body) for i, a in enumerate(writes) for b in writes[i + 1 :]):
            return None  # alternatives (`if … return update; insert`): never two writes on one path
        block = _common_block([w.node for w in writes], body)
        first = _child_containing(block, writes[0].node)
        last = _child_containing(block, writes[-1].node)
        children = [c for c in block.named_children if c.type != "comment"]
        statements = children[children.index(first) : children.index(last) + 1]
        chains = [c for c in outer if self.parsed.text(c.root) == handle and _inside_range(c.node, statements)]
        span = WriteSpan(function, block, statements, handle, chains, writes)
        self.check(span, statements)
        return span

    def _helper_writes(self, body: Node) -> list[QueryChain]:
        """Awaited calls of project functions that write, each handed a database handle of this function (not a
        transaction) and querying only through what it is handed (`await repo.createComment(db, {…})`): writes
        on that handle, as a chain with no links whose root is the handle argument."""
        from dalfix.analysis.summaries import Summaries

        summaries = self.analyzer.summaries
        if summaries is None:
            return []
        found: list[QueryChain] = []
        stack = [body]
        while stack:
            node = stack.pop()
            if node.type in FUNCTION_TYPES:
                continue
            stack.extend(node.named_children)
            if node.type != "await_expression" or not node.named_children:
                continue
            call = unwrap(node.named_children[0])
            if call.type != "call_expression" or self.vocabulary.query_chain(call) is not None:
                continue
            handed = [a for a in _arguments(call) if self.vocabulary.passed_handle_kind(a) not in _NOT_A_POOL]
            texts = {self.parsed.text(a) for a in handed}
            if len(texts) != 1 or summaries.call_effect(self.parsed, call) != "write":
                continue
            target = summaries.callee(self.parsed, call) if isinstance(summaries, Summaries) else None
            if target is None or not _writes_through_parameter(summaries, target, set(), 4):
                continue  # "write" in a summary may be an `execute` of SQL dalfix cannot read
            if self._uses_own_handle(call):
                continue
            found.append(QueryChain(unwrap(handed[0]), (), call, "write", "db"))
        return found

    def check(self, span: WriteSpan, statements: list[Node]) -> None:
        """Record in `span` the handle uses to rename, `return`s, and the first reason no fix is right."""
        for statement in statements:
            for reason in self._problems(span, statement):
                span.blocker = span.blocker or reason

    def _problems(self, span: WriteSpan, statement: Node):  # type: ignore[no-untyped-def]
        outer, inner = self.chains_in(statement)
        mine = {_key(c.node) for c in outer if self.parsed.text(c.root) == span.handle}
        ranges = [_key(c.node) for c in outer + inner]
        for chain in outer + inner:
            if self.parsed.text(chain.root) != span.handle:
                span.external = True
                yield f"a query on another handle (`{self.parsed.text(chain.root)}`) between the writes"
                continue
            span.renames.append(chain.root)
            if _key(chain.node) not in mine:
                continue
            if chain.has_then:
                yield "a query with `.then`/`.catch` between the writes (a caught error aborts a transaction)"
            if not _awaited_or_returned(chain.node):
                yield "a query not awaited on its own (in `Promise.all`, stored, or passed on)"
        stack = [statement]
        while stack:
            node = stack.pop()
            kind = node.type
            if kind in FUNCTION_TYPES:
                if span.handle in self.analyzer.free_reads(node):
                    yield "the handle is used in a callback (queries a transaction would run concurrently)"
                continue
            if kind == "return_statement":
                span.returns = True
            elif kind in ("break_statement", "continue_statement") and not _loop_between(node, statement):
                yield f"a `{kind.split('_')[0]}` leaving the writes"
            elif kind == "try_statement" and self.chains_in(node.child_by_field_name("body") or node)[0]:
                yield "a query inside `try` (a caught database error aborts the whole transaction)"
            elif kind == "yield_expression":
                yield "a `yield` between the writes"
            elif kind == "await_expression":
                yield from self._awaited(span, node, mine)
            elif kind == "call_expression" and not _within(node, ranges) and not _awaited(node) and not _called(node):
                if self._handle_arguments(span, node):
                    yield "a call receives the handle without being awaited"
                elif self.analyzer.call_effect(node)[0] in ("read", "write", "transaction"):
                    yield "a query started without `await`"
            elif kind == "identifier" and self.parsed.text(node) == span.handle and not _in_chain_root(node, span):
                if not self._passed_to_awaited_call(node):
                    yield "the handle is used as a value"
            elif kind in ("assignment_expression", "augmented_assignment_expression"):
                left = node.child_by_field_name("left")
                if left is not None and unwrap(left).type == "identifier":
                    name = self.parsed.text(unwrap(left))
                    if not _declared_inside(self.analyzer, name, span):
                        yield f"`{name}`, declared before the writes, is assigned between them"
            stack.extend(node.named_children)

    def _awaited(self, span: WriteSpan, node: Node, mine: set[tuple[int, int]]):  # type: ignore[no-untyped-def]
        argument = unwrap(node.named_children[0]) if node.named_children else node
        if _key(argument) in mine:
            return
        if argument.type != "call_expression":
            span.external = True
            yield "an await of something other than a query between the writes"
            return
        effect, _ = self.analyzer.call_effect(argument)
        if effect == "none":
            return
        summarized = self.analyzer.summaries is not None and (
            self.analyzer.summaries.call_effect(self.parsed, argument) in ("none", "read", "write")
        )
        if summarized and self._handle_arguments(span, argument) and not self._uses_own_handle(argument):
            for handle in self._handle_arguments(span, argument):
                span.renames.append(handle)
            unfit = self._unfit_in_transaction(argument) or self._typed_against_transaction(span, argument)
            if unfit is not None:
                yield unfit
            return
        if effect in DB_EFFECTS - {"unknown"}:
            yield "a helper that queries through its own handle (it would run outside the transaction)"
        else:
            function = argument.child_by_field_name("function")
            name = self.parsed.text(function) if function is not None else "a call"
            span.external = True
            yield f"`{name}(…)` between the writes may do I/O a transaction must not wait for or roll back"

    def _uses_own_handle(self, call: Node) -> bool:
        """Whether the helper `call` runs names a handle of its own module (`moduleDb.delete(…)` beside the `_db` it
        is handed), or calls a project function that queries without being handed one of its parameters
        (`purgeReplies(ids)` querying its module's pool), or one that does either, followed down a few calls:
        renaming the argument to `tx` would leave that statement outside the transaction (and waiting on the rows
        the transaction locked). True when a helper on the way cannot be read."""
        from dalfix.analysis.summaries import Summaries

        summaries = self.analyzer.summaries
        if not isinstance(summaries, Summaries):
            return True
        target = summaries.callee(self.parsed, call)
        return target is None or _queries_beside_parameters(summaries, target, set(), 4)

    def _unfit_in_transaction(self, call: Node) -> str | None:
        """Why the helper `call` runs (followed down the helpers it hands a parameter, four calls) would behave
        differently inside a transaction, else None: a `try` (a caught database error aborts the transaction, so
        the statements after it fail), `Promise.all`/`.then`/`.catch` (queries at once on the transaction's one
        connection, or an error swallowed)."""
        from dalfix.analysis.summaries import Summaries

        summaries = self.analyzer.summaries
        if not isinstance(summaries, Summaries):
            return "a helper dalfix cannot read between the writes"
        target = summaries.callee(self.parsed, call)
        function = self.parsed.text(call.child_by_field_name("function") or call)
        why = _helper_unfit(summaries, target, set(), 4) if target is not None else "cannot be read"
        return f"`{function}(…)` {why}" if why is not None else None

    def _typed_against_transaction(self, span: WriteSpan, call: Node) -> str | None:
        """Why passing a transaction where `call` passes the handle would not type-check, else None: the parameter
        is declared as the client's own type (`typeof db`, or a type naming `$client`, as `drizzle()`'s result
        does), which a transaction does not satisfy. Followed through two type aliases, imported ones too."""
        from dalfix.analysis.summaries import RETURNED, Summaries

        summaries = self.analyzer.summaries
        target = summaries.callee(self.parsed, call) if isinstance(summaries, Summaries) else None
        if target is None or not isinstance(summaries, Summaries):
            return None
        current: Node | None = call
        while current is not None and current.type == "call_expression":
            args = current.child_by_field_name("arguments")
            values = list(args.named_children) if args is not None else []
            at = next((i for i, a in enumerate(values) if self.parsed.text(a) == span.handle), None)
            if at is not None:
                path, name = target
                function = summaries.function_node(path, name)
                info = summaries.module(path)
                if function is None or info is None:
                    return None
                typed = _parameter_type(info.parsed, function, at)
                why = _client_only_type(summaries, path, typed, 2) if typed is not None else None
                if why is None or typed is None:
                    return None
                shown = self.parsed.text(call.child_by_field_name("function") or call).split("(", 1)[0]
                return (f"`{shown}(…)` takes the handle as `{info.parsed.text(typed)}`, a type a transaction does not "
                        f"satisfy ({why}): widen it to admit one first")  # fmt: skip
            current = current.child_by_field_name("function")
            target = (target[0], target[1].removesuffix(RETURNED))  # `h(db)(ids)`: `db` is `h`'s parameter
        return None

    def _handle_arguments(self, span: WriteSpan, call: Node) -> list[Node]:
        """The handle where `call` passes it: its arguments, and a curried helper's first call's (`h(db)(ids)`)."""
        return [a for a in _arguments(call) if self.parsed.text(a) == span.handle]

    def _passed_to_awaited_call(self, node: Node) -> bool:
        args = node.parent
        call = args.parent if args is not None and args.type == "arguments" else None
        # `h(db)(ids)`: the handle goes to the call whose result is called and awaited
        while call is not None and call.parent is not None and call.parent.type == "call_expression":
            if call.parent.child_by_field_name("function") != call:
                break
            call = call.parent
        return call is not None and call.type == "call_expression" and _awaited(call)


def _queries_beside_parameters(summaries, target: tuple[Path, str], seen: set[tuple[Path, str]], depth: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether the project function `target` may query a handle other than the ones it is handed: it names a handle
    of its module that is not a parameter, or calls a querying project function without handing it a parameter
    (or one that does either). True when it cannot be read or the calls go deeper than `depth`."""
    if target in seen:
        return False  # recursion: its queries are judged where it was first met
    seen.add(target)
    node, info = summaries.function_node(*target), summaries.module(target[0])
    if node is None or info is None or depth == 0:
        return True
    own = set(summaries.handles_at(target[0]))
    parameters: set[str] = set()  # the helper's, and a curried helper's outer function's: `(db) => async (…) =>`
    scope: Node | None = node
    while scope is not None:
        if scope.type in FUNCTION_TYPES:
            params = scope.child_by_field_name("parameters") or scope.child_by_field_name("parameter")
            if params is not None:
                parameters |= pattern_names(info.parsed, params)  # names, not `typeof db` in a type
        scope = scope.parent
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in TYPE_NODES:
            continue  # `tx: typeof db` names the type, not a handle the helper queries
        text = info.parsed.text(current) if current.type == "identifier" else ""
        if text in own and text not in parameters:
            return True
        if current.type == "call_expression" and _calls_querying_helper(summaries, info.parsed, current):
            inner = summaries.callee(info.parsed, current)
            if inner is None or not _hands_parameter(info.parsed, current, parameters):
                return True
            if _queries_beside_parameters(summaries, inner, seen, depth - 1):
                return True
        stack.extend(current.named_children)
    return False


# Handle kinds a helper's argument may not have to count as a write outside a transaction.
_NOT_A_POOL = frozenset({None, "transaction", "maybe-transaction"})
_CONCURRENT = frozenset({"Promise.all", "Promise.allSettled", "Promise.race", "Promise.any"})


def _arguments(call: Node) -> list[Node]:
    """A call's arguments, and a curried helper's first call's (`h(db)(ids)`)."""
    found: list[Node] = []
    current: Node | None = call
    while current is not None and current.type == "call_expression":
        args = current.child_by_field_name("arguments")
        found += list(args.named_children) if args is not None else []
        current = current.child_by_field_name("function")
    return found


def _helper_unfit(summaries, target: tuple[Path, str], seen: set[tuple[Path, str]], depth: int) -> str | None:  # type: ignore[no-untyped-def]
    """`SpanFinder._unfit_in_transaction` for the project function `target` and the helpers it calls."""
    if target in seen:
        return None
    seen.add(target)
    node, info = summaries.function_node(*target), summaries.module(target[0])
    if node is None or info is None or depth == 0:
        return "cannot be read"
    stack = [node]
    while stack:
        current = stack.pop()
        stack.extend(current.named_children)
        if current.type == "try_statement":
            return "has a `try` (a database error caught there aborts the whole transaction)"
        if current.type != "call_expression":
            continue
        function = current.child_by_field_name("function")
        name = info.parsed.text(function) if function is not None else ""
        if name in _CONCURRENT:
            return f"runs queries at once (`{name}`) on what would be the transaction's one connection"
        if function is not None and function.type == "member_expression":
            prop = function.child_by_field_name("property")
            if prop is not None and info.parsed.text(prop) in ("then", "catch"):
                return "chains `.then`/`.catch` (an error caught there aborts the transaction)"
        if _calls_querying_helper(summaries, info.parsed, current):
            inner = summaries.callee(info.parsed, current)
            unread = "calls a helper dalfix cannot read"
            why = _helper_unfit(summaries, inner, seen, depth - 1) if inner is not None else unread
            if why is not None:
                return why
    return None


_WRITE_METHODS = frozenset({"insert", "update", "delete"})


def _writes_through_parameter(summaries, target: tuple[Path, str], seen: set[tuple[Path, str]], depth: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether the project function `target` certainly writes through a handle it is handed: `p.insert(…)`,
    `p.update(…)`, `p.delete(…)` or `p.execute(sql`insert …`)` on one of its (or its curried outer function's)
    parameters, or a call handing a parameter to a project function that does, followed `depth` calls."""
    if target in seen or depth == 0:
        return False
    seen.add(target)
    node, info = summaries.function_node(*target), summaries.module(target[0])
    if node is None or info is None:
        return False
    parsed = info.parsed
    parameters: set[str] = set()
    scope: Node | None = node
    while scope is not None:
        if scope.type in FUNCTION_TYPES:
            params = scope.child_by_field_name("parameters") or scope.child_by_field_name("parameter")
            if params is not None:
                parameters |= pattern_names(parsed, params)
        scope = scope.parent
    stack = [node]
    while stack:
        current = stack.pop()
        stack.extend(current.named_children)
        if current.type != "call_expression":
            continue
        function = current.child_by_field_name("function")
        if function is not None and function.type == "member_expression":
            receiver, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
            method = parsed.text(prop) if prop is not None else ""
            if receiver is not None and unwrap(receiver).type == "identifier" and parsed.text(receiver) in parameters:
                if method in _WRITE_METHODS:
                    return True
                args = current.child_by_field_name("arguments")
                literal = args.named_children[0] if method == "execute" and args and args.named_children else None
                text = parsed.text(literal) if literal is not None else ""
                if literal is not None and DML.match(text.split("`", 1)[1] if "`" in text else "") is not None:
                    return True
        if _hands_parameter(parsed, current, parameters):
            inner = summaries.callee(parsed, current)
            if inner is not None and _writes_through_parameter(summaries, inner, seen, depth - 1):
                return True
    return False


def _parameter_type(parsed: ParsedFile, function: Node, index: int) -> Node | None:
    """The type annotation's type of `function`'s parameter number `index`, or None (none declared)."""
    params = function.child_by_field_name("parameters")
    names = [p for p in params.named_children if p.type != "comment"] if params is not None else []
    if index >= len(names):
        return None
    annotation = names[index].child_by_field_name("type")
    return annotation.named_children[0] if annotation is not None and annotation.named_children else None


def _client_only_type(summaries, path: Path, typed: Node, depth: int) -> str | None:  # type: ignore[no-untyped-def]
    """Why the type `typed` (in the module at `path`) admits the client but no transaction, else None: a `typeof`
    of a value, or an object type naming `$client` (drizzle()'s result type; a transaction has none). A union
    admits a transaction when any member does; an alias is followed `depth` times; anything else is taken to
    admit one (`NodePgDatabase<S>`, `PgDatabase<…>`, a `Tx` alias, an unknown name)."""
    info = summaries.module(path)
    if info is None:
        return None
    text = info.parsed.text(typed)
    if typed.type == "union_type":
        whys = [_client_only_type(summaries, path, m, depth) for m in typed.named_children]
        return whys[0] if whys and all(whys) else None
    if typed.type == "parenthesized_type" and typed.named_children:
        return _client_only_type(summaries, path, typed.named_children[0], depth)
    if typed.type == "type_query":
        return f"`{text}` is the client's own type"
    if typed.type == "generic_type" and _value_derived(info.parsed, typed):
        return f"`{text}` is the type of a value, the client's own"
    if "$client" in text and "transaction" not in text.lower():
        return "it names `$client`"
    if typed.type in ("type_identifier", "generic_type") and depth > 0:
        name = typed.child_by_field_name("name") if typed.type == "generic_type" else typed
        found = summaries._top_level(path, info.parsed.text(name)) if name is not None else None
        alias = summaries.module(found[0]) if found is not None else None
        node = alias.declarations.get(found[1]) if alias is not None and found is not None else None
        alias_type = node is not None and node.type == "type_alias_declaration"
        value = node.child_by_field_name("value") if node is not None and alias_type else None
        if value is not None and found is not None:
            return _client_only_type(summaries, found[0], value, depth - 1)
    return None


_VALUE_TYPE_WRAPPERS = frozenset({"ReturnType", "Awaited", "InstanceType", "NonNullable"})


def _value_derived(parsed: ParsedFile, typed: Node) -> bool:
    """`ReturnType<typeof createDb>`, `Awaited<ReturnType<typeof connectDb>>`: the type of a value (the client a
    factory returns), not a type a transaction satisfies (`NodePgDatabase<typeof schema>` names a value only as
    the schema's type argument)."""
    if typed.type == "type_query":
        return True
    if typed.type != "generic_type":
        return False
    name = typed.child_by_field_name("name")
    arguments = next((c for c in typed.named_children if c.type == "type_arguments"), None)
    if name is None or parsed.text(name) not in _VALUE_TYPE_WRAPPERS or arguments is None:
        return False
    inner = [c for c in arguments.named_children if c.type != "comment"]
    return len(inner) == 1 and _value_derived(parsed, inner[0])


def _calls_querying_helper(summaries, parsed: ParsedFile, call: Node) -> bool:  # type: ignore[no-untyped-def]
    """A call of a project function whose summary queries (or cannot be read)."""
    return summaries.call_effect(parsed, call) in DB_EFFECTS


def _hands_parameter(parsed: ParsedFile, call: Node, parameters: set[str]) -> bool:
    """Whether `call` (or a curried helper's first call, `h(db)(ids)`) passes one of `parameters` as an argument."""
    return any(parsed.text(a) in parameters for a in _arguments(call))


def _key(node: Node) -> tuple[int, int]:
    return node.start_byte, node.end_byte


def _within(node: Node, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= node.start_byte and node.end_byte <= e for s, e in ranges)


def _parent_expression(node: Node) -> Node | None:
    parent = node.parent
    while parent is not None and parent.type in ("parenthesized_expression", "non_null_expression", "as_expression"):
        parent = parent.parent
    return parent


def _called(node: Node) -> bool:
    """`h(db)` in `h(db)(ids)`: the outer call is the one judged (it passes the handle on)."""
    parent = node.parent
    return parent is not None and parent.type == "call_expression" and parent.child_by_field_name("function") == node


def _awaited(node: Node) -> bool:
    parent = _parent_expression(node)
    return parent is not None and parent.type == "await_expression"


def _awaited_or_returned(node: Node) -> bool:
    parent = _parent_expression(node)
    return parent is not None and parent.type in ("await_expression", "return_statement")


def _in_chain_root(node: Node, span: WriteSpan) -> bool:
    return any(r.start_byte <= node.start_byte and node.end_byte <= r.end_byte for r in span.renames) or any(
        c.root.start_byte <= node.start_byte and node.end_byte <= c.root.end_byte for c in span.chains
    )


def _declared_inside(analyzer: EffectAnalyzer, name: str, span: WriteSpan) -> bool:
    """Whether the span itself declares `name` (a `const`, or a loop's own `let i`)."""
    for statement in span.statements:
        stack = [statement]
        while stack:
            node = stack.pop()
            if node.type == "variable_declarator":
                declared = node.child_by_field_name("name")
                if declared is not None and name in analyzer.pattern_names(declared):
                    return True
            stack.extend(c for c in node.named_children if c.type not in FUNCTION_TYPES)
    return False


def _inside(node: Node, outer: Node) -> bool:
    return outer.start_byte <= node.start_byte and node.end_byte <= outer.end_byte and node != outer


def _inside_range(node: Node, statements: list[Node]) -> bool:
    return statements[0].start_byte <= node.start_byte and node.end_byte <= statements[-1].end_byte


def _inside_any(node: Node, types: tuple[str, ...], stop: Node) -> bool:
    current = node.parent
    while current is not None and current != stop:
        if current.type in types:
            return True
        current = current.parent
    return False


def _loop_between(node: Node, statement: Node) -> bool:
    """Whether a loop or switch inside `statement` encloses the break/continue `node`."""
    current = node.parent
    while current is not None:
        if current.type in LOOPS or current.type == "switch_statement":
            return True
        if current == statement:
            return False
        current = current.parent
    return False


def writes_on_one_path(span: WriteSpan) -> int:
    """The most writes of the span one call can run: `if (a) { w1 } else { w2 }` then `w3` runs two, not three."""
    body = span.function.child_by_field_name("body") or span.function
    longest: list[int] = []
    for i, write in enumerate(span.writes):
        before = [longest[j] for j in range(i) if _may_follow(span.writes[j].node, write.node, body)]
        longest.append(1 + max(before, default=0))
    return max(longest, default=0)


def writes_may_follow(span: WriteSpan, earlier: QueryChain, later: QueryChain) -> bool:
    """Whether both writes can run in one call (not in the two branches of one `if`)."""
    return _may_follow(earlier.node, later.node, span.function.child_by_field_name("body") or span.function)


def _may_follow(earlier: Node, later: Node, body: Node) -> bool:
    """Whether `later` can run after `earlier` in one call: not in the other branch of an `if`, and not
    after a `return`/`throw` that ends `earlier`'s block first."""
    current = earlier.parent
    while current is not None and current != body:
        if current.type in ("if_statement", "ternary_expression"):  # `c ? await a : await b`: one of them
            branches = [current.child_by_field_name("consequence"), current.child_by_field_name("alternative")]
            sides = [b for b in branches if b is not None and _inside(earlier, b) or b == earlier]
            others = [b for b in branches if b is not None and b not in sides and (_inside(later, b) or b == later)]
            if sides and others:
                return False
        current = current.parent
    for block in _blocks_of(earlier, body):
        if block.start_byte <= later.start_byte and later.end_byte <= block.end_byte:
            return True
        holder = _child_containing(block, earlier)  # `return await update(…)` ends the block itself
        after = [c for c in block.named_children if c.start_byte >= holder.end_byte or c == holder]
        if any(c.type in ("return_statement", "throw_statement") for c in after):
            return False
    return True


def _blocks_of(node: Node, body: Node) -> list[Node]:
    """Statement blocks enclosing `node`, innermost first, up to the function body (no nested functions)."""
    out, current = [], node.parent
    while current is not None:
        if current.type == "statement_block":
            out.append(current)
        if current == body:
            break
        current = current.parent
    return out


def _common_block(nodes: list[Node], body: Node) -> Node:
    candidates = _blocks_of(nodes[0], body)
    for block in candidates:
        if all(block.start_byte <= n.start_byte and n.end_byte <= block.end_byte for n in nodes):
            return block
    return body


def _child_containing(block: Node, node: Node) -> Node:
    for child in block.named_children:
        if child.start_byte <= node.start_byte and node.end_byte <= child.end_byte:
            return child
    raise ValueError("node outside block")
