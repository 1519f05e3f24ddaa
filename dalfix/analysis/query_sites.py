"""Every place the application queries a table, and which columns the database must find rows by there.

`query_sites(project)` walks the application's files (tests, seeds, scripts and migrations left out) and
returns one `QuerySite` per table a Drizzle query touches: the columns `where` compares with equality,
`inArray` or a range, the joined table's `on` columns, `orderBy` (and whether a `limit` pages it), and for
relational queries the child's foreign-key columns each `with` entry looks rows up by. Each site carries a
weight: 10 inside a loop (one statement per element, DAL002's shape), times the number of places that call
the helper it sits in when that is more than one. The index advisor (dalfix/analysis/index_plan.py) plans
indexes from them.

What is not a lookup is left out on purpose: `or(...)` (an index serves each branch only with a bitmap OR),
`ne`, `like`, `isNull` (low selectivity as a rule), `sql` fragments and array operators (GIN territory).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from dalfix.analysis.constants import is_fixed_value
from dalfix.analysis.drizzle import Link, QueryChain, unwrap
from dalfix.parsing import (
    FUNCTION_TYPES,
    MASK_CALL,
    Node,
    ParsedFile,
    descendants_right_to_left,
    line_col,
    parse_file,
)

if TYPE_CHECKING:
    from dalfix.analysis.project import Project
    from dalfix.analysis.schema import Table

UseKind = Literal["eq", "in", "range"]
Operation = Literal["select", "update", "delete", "findMany", "findFirst", "join", "with", "count"]

EQUALITY = frozenset({"eq"})
# drizzle-orm's condition operators: any other call in a `where` is the project's own helper.
DRIZZLE_OPERATORS = frozenset(
    {
        *("eq", "ne", "gt", "gte", "lt", "lte", "between", "notBetween", "inArray", "notInArray", "isNull"),
        *("isNotNull", "exists", "notExists", "like", "notLike", "ilike", "notIlike", "not", "and", "or", "sql"),
        *("arrayContains", "arrayContained", "arrayOverlaps"),
    }
)
RANGES = frozenset({"gt", "gte", "lt", "lte", "between"})
JOINS = frozenset({"innerJoin", "leftJoin", "rightJoin", "fullJoin", "crossJoin"})
LOOP_WEIGHT = 10
# Bytes a file must hold to be worth parsing for query sites.
NEEDLES = (b".where(", b"where:", b"orderBy", b"findMany", b"findFirst", b"Join(", b"with:", b".delete(")
LOOP_TYPES = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
LOOP_METHODS = frozenset({"map", "forEach", "flatMap"})


@dataclass
class QuerySite:
    table: Table
    parsed: ParsedFile = field(repr=False, compare=False)
    path: Path
    line: int
    start: int  # byte span of the query in its file
    end: int
    operation: Operation
    equality: list[str] = field(default_factory=list)  # TS keys compared with `eq` (or a `with` / join key)
    in_list: list[str] = field(default_factory=list)  # `inArray`
    ranges: list[str] = field(default_factory=list)  # gt / gte / lt / lte / between
    literal: set[str] = field(default_factory=set)  # keys compared only with a literal (`eq(t.status, 'x')`)
    order: list[tuple[str, str]] = field(default_factory=list)  # (TS key, asc|desc), in order
    limited: bool = False  # `.limit(n)`, `limit:` or findFirst
    opaque: bool = False  # `where` also filters by something no btree lookup serves (or, like, sql``)
    dynamic: bool = False  # `where` is built at run time: filters dalfix cannot see may apply
    join_keys: list[str] = field(default_factory=list)  # this (driving) table's columns in a join's `on`
    # A joined table is also filtered by `eq` on a column of its own (not a literal): the database may start there
    # and reach this table's rows by `join_keys` (`from(message).innerJoin(chat, …).where(eq(chat.userId, id))`).
    reached_through_join: bool = False
    order_cut: bool = False  # an `orderBy` part that is not a column of this table ended the known order
    weight: int = 1
    weight_reasons: tuple[str, ...] = ()

    @property
    def lookup(self) -> list[str]:
        """Columns rows are found by with equality or IN, in the order written."""
        return list(dict.fromkeys([*self.equality, *self.in_list]))

    def where(self, base: Path) -> str:
        try:
            shown = self.path.relative_to(base).as_posix()
        except ValueError:
            shown = self.path.as_posix()
        return f"{shown}:{self.line}"

    def add(self, key: str, kind: UseKind, literal: bool = False) -> None:
        target = {"eq": self.equality, "in": self.in_list, "range": self.ranges}[kind]
        if key not in target:
            target.append(key)
            if literal:
                self.literal.add(key)
        elif not literal:
            self.literal.discard(key)


def query_sites(project: Project) -> list[QuerySite]:
    """The project's query sites (memoized until the project's files change)."""
    cached = project.__dict__.get("_query_sites")
    if cached is None:
        cached = project.__dict__["_query_sites"] = _collect(project)
    return cached


def application_files(project: Project) -> list[ParsedFile]:
    """The parsed files of the run plus the workspace's other application sources that may hold queries (those
    are found and read once per workspace: a monorepo's packages share them)."""
    return [load() for _, load in _application_sources(project)]


def _application_sources(project: Project) -> list[tuple[bytes, Callable[[], ParsedFile]]]:
    """`application_files` as (the file's bytes, a function parsing it): the files are parsed one at a time, so
    that a pass over all of them holds one tree at a time, not the trees of the whole workspace (`_collect` lets
    go of the trees it parsed). A file outside the project is parsed from the bytes the workspace read once for
    all its projects."""
    root = project.workspace.root if project.workspace is not None else project.root
    holder = project.workspace.__dict__ if project.workspace is not None else project.__dict__
    candidates = holder.get("_query_candidates")
    if candidates is None:
        candidates = holder["_query_candidates"] = _query_candidates(root)
    application = project.is_application_file  # by the project's settings: projects of a workspace may differ

    files = project.files
    found: dict[Path, tuple[bytes, Callable[[], ParsedFile]]] = {
        p: (files.source(p), lambda p=p: files[p])  # type: ignore[misc]
        for p in files
        if application(p)
    }
    # the first project's limit, as when the workspace's files were read once for all its projects
    max_size = holder.setdefault("_query_max_size", project.config.max_file_size)
    for path, candidate in candidates.items():
        if not candidate.readable or path in found or not application(path):
            continue  # the run parsed it already (its bytes need not be read again), or it is setup code
        source = candidate.source(max_size)
        if source is None:
            continue
        found[path] = (source, lambda path=path, source=source: parse_file(path, source))  # type: ignore[misc]
    return list(found.values())


def note_application_sources(project: Project) -> None:
    """Note (dalfix/analysis/reads.py) every file `_application_sources` may read: the project's files and the
    workspace's other sources, whether or not they are read this time."""
    from dalfix.analysis.reads import note

    root = project.workspace.root if project.workspace is not None else project.root
    holder = project.workspace.__dict__ if project.workspace is not None else project.__dict__
    candidates = holder.get("_query_candidates")
    if candidates is None:
        candidates = holder["_query_candidates"] = _query_candidates(root)
    for path in [*project.files, *candidates]:
        note(path)


def _caller_sources(
    project: Project, sources: list[tuple[bytes, Callable[[], ParsedFile]]]
) -> Iterator[tuple[bytes, Callable[[], ParsedFile]]]:
    """`sources`, then the workspace's other readable application files (read one at a time, not kept)."""
    yield from sources
    holder = project.workspace.__dict__ if project.workspace is not None else project.__dict__
    candidates: dict[Path, _Candidate] = holder.get("_query_candidates") or {}
    max_size = holder.get("_query_max_size", project.config.max_file_size)
    application = project.is_application_file
    for path, candidate in candidates.items():
        if not candidate.readable or path in project.files or not application(path):
            continue
        if candidate.source(max_size) is not None:
            continue  # among `sources` already
        try:
            source = path.read_bytes()
        except OSError:
            continue
        if len(source) <= max_size:
            yield source, lambda path=path, source=source: parse_file(path, source)  # type: ignore[misc]


class _Candidate:
    """A workspace file found by the run's discovery; read (once per run) only when a project needs its bytes."""

    __slots__ = ("path", "readable", "_source")

    def __init__(self, path: Path, readable: bool) -> None:
        self.path, self.readable = path, readable
        self._source: bytes | None | bool = False  # False: not read yet

    def source(self, max_size: int) -> bytes | None:
        """The file's bytes when they may hold a query (within `max_size`, holding one of NEEDLES), else None."""
        if self._source is False:
            try:
                source: bytes | None = self.path.read_bytes()
            except OSError:
                source = None
            # an insert too: DAL010 looks at a table's other inserts before it proposes a unique index
            if source is not None and not any(n in source for n in (*NEEDLES, b".insert(")):
                source = None
            self._source = source
        if self._source is None or len(self._source) > max_size:  # type: ignore[arg-type]
            return None
        return self._source  # type: ignore[return-value]


def _query_candidates(root: Path) -> dict[Path, _Candidate]:
    """The workspace's files from the run's discovery, each with whether DAL010 may read its bytes (a source in
    a language the query reader knows; whether it is application code each project decides)."""
    from dalfix.discovery import Skipped, discover_once

    found: dict[Path, _Candidate] = {}
    for item in discover_once(root):
        if isinstance(item, Skipped):
            continue
        found[item] = _Candidate(item, item.suffix in (".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".jsx"))
    return found


# Bytes the outermost call of a query site holds (the names `_chain_sites` starts from).
SITE_NEEDLES = (b"select", b"$count", b"update", b"delete", b"findMany", b"findFirst")
_SITE_NEEDLE = re.compile(b"|".join(re.escape(n) for n in SITE_NEEDLES))
_IDENTIFIER = re.compile(rb"[A-Za-z_$][\w$]*")  # ASCII identifiers (`\w` in a bytes pattern is ASCII)


def _collect(project: Project) -> list[QuerySite]:
    if not project.schema.tables:
        return []
    found: list[tuple[list[QuerySite], bool, str | None]] = []
    sources = _application_sources(project)
    held = project.files.holding()  # DAL010 asks from inside a file's rules: the trees held now stay
    for original, load in sources:
        # No site without one of SITE_NEEDLES in the parsed (masked) bytes, which masking cannot create (it
        # blanks bytes and writes MASK_CALL): a file without them in its real bytes is not parsed for it.
        if _SITE_NEEDLE.search(original):
            found.extend(_file_sites(project, load()))
            project.files.let_go_since(held)
    # Callers are counted in every application file of the workspace, not only those that hold a query or that the
    # run's rules admitted: which rules run must not change how many places call a helper (a route calling
    # `deleteUser(…)` holds no query of its own).
    callers = _caller_sources(project, sources)
    calls = _count_calls_in(callers, {helper for _, _, helper in found if helper}, project)
    project.files.let_go_since(held)
    sites: list[QuerySite] = []
    for each, in_loop, helper in found:
        weight, reasons = _weight(in_loop, helper, calls)
        for site in each:
            site.weight, site.weight_reasons = weight, reasons
        sites.extend(each)
    return sites


def _calls_around(parsed: ParsedFile, offsets: list[int]) -> list[Node]:
    """The calls whose span holds one of the byte offsets, in the order of a stack walk (later siblings' subtrees
    first; the order sites are listed in): `descendants_right_to_left(root, "call_expression")`, filtered."""
    seen: set[int] = set()
    found: list[Node] = []
    root = parsed.root
    for offset in offsets:
        node: Node | None = root.descendant_for_byte_range(offset, offset + 1)
        while node is not None and node.id not in seen:  # a node seen before: its ancestors were too
            seen.add(node.id)
            if node.type == "call_expression":
                found.append(node)
            node = node.parent
    found.sort(key=lambda n: (-n.end_byte, n.start_byte, -n.descendant_count))
    return found


def _count_calls(parsed_files: list[ParsedFile], names: set[str]) -> Counter[str]:
    """How many calls name each of `names` (by the callee's last member) in the files. Only calls around an
    occurrence of a name are looked at: a callee ends with its name, which no identifier character touches on
    either side, so a file that does not hold the name as a whole ASCII word has no such call."""
    return _count_calls_in([(p.original, lambda p=p: p) for p in parsed_files], names)  # type: ignore[misc]


def _count_calls_in(
    files: Iterable[tuple[bytes, Callable[[], ParsedFile]]], names: set[str], project: Project | None = None
) -> Counter[str]:
    """`_count_calls` over (bytes, parse) pairs: a file is parsed only when its bytes hold one of the names (as
    bytes anywhere: masking a file blanks ranges, which may leave part of a longer word, and writes MASK_CALL)."""
    calls: Counter[str] = Counter()
    if not names:
        return calls
    words: set[bytes] = set()
    others: list[bytes] = []  # names that are not plain ASCII identifiers: looked for as bytes anywhere
    for name in names:
        raw = name.encode("utf-8", "surrogateescape")
        (words.add if name.isascii() and _IDENTIFIER.fullmatch(raw) else others.append)(raw)
    raws = [name.encode("utf-8", "surrogateescape") for name in names]
    before: set[Path] = project.files.holding() if project is not None else set()
    for original, load in files:
        if project is not None:
            project.files.let_go_since(before)
        if not any(raw in original or raw in MASK_CALL for raw in raws):
            continue
        parsed = load()
        source = parsed.source
        held = [*words.intersection(_IDENTIFIER.findall(source)), *(n for n in others if n in source)]
        if not held:
            continue
        offsets = []
        for raw in held:
            at = source.find(raw)
            while at >= 0:
                offsets.append(at)
                at = source.find(raw, at + 1)
        for call in _calls_around(parsed, sorted(offsets)):
            function = call.child_by_field_name("function")
            if function is not None:
                name = parsed.text(function).rsplit(".", 1)[-1]
                if name in names:
                    calls[name] += 1
    return calls


def _file_sites(project: Project, parsed: ParsedFile) -> Iterator[tuple[list[QuerySite], bool, str | None]]:
    """Each query's sites in the file, with whether it runs in a loop and the function it sits in."""
    # A query site's outermost call holds the name its chain starts from: only calls around one are classified.
    starts = [m.start() for m in _SITE_NEEDLE.finditer(parsed.source)]
    if not starts:
        return
    vocabulary = project.vocabulary_for(parsed)
    for call in _calls_around(parsed, starts):
        parent = call.parent
        if parent is not None and parent.type == "member_expression":
            continue  # part of a longer chain: the outermost call is the query
        chain = vocabulary.query_chain(call)
        if chain is None or chain.kind not in ("read", "write"):
            continue
        found = list(_chain_sites(project, parsed, chain))
        if found:
            yield (found, *_enclosing(parsed, call))


def _weight(in_loop: bool, helper: str | None, calls: Counter[str]) -> tuple[int, tuple[str, ...]]:
    """How many statements one call of the enclosing code sends here, roughly: x10 in a loop, x callers."""
    weight, reasons = 1, []
    if in_loop:
        weight *= LOOP_WEIGHT
        reasons.append("in a loop")
    callers = calls.get(helper, 0) if helper else 0
    if callers > 1:
        weight *= callers
        reasons.append(f"{helper}() called from {callers} places")
    return weight, tuple(reasons)


def _enclosing(parsed: ParsedFile, node: Node) -> tuple[bool, str | None]:
    """Whether `node` runs in a loop (a loop statement or a `map`/`forEach` callback around it), and the name
    of the innermost named function around it."""
    current = node.parent
    in_loop = False
    helper: str | None = None
    while current is not None:
        if current.type in LOOP_TYPES:
            in_loop = True
        elif current.type in FUNCTION_TYPES:
            call = current.parent.parent if current.parent is not None else None
            if call is not None and call.type == "call_expression":
                function = call.child_by_field_name("function")
                name = parsed.text(function).rsplit(".", 1)[-1] if function is not None else ""
                if name in LOOP_METHODS:
                    in_loop = True
            if helper is None:
                helper = _function_name(parsed, current)
        current = current.parent
    return in_loop, helper


def _function_name(parsed: ParsedFile, function: Node) -> str | None:
    name = function.child_by_field_name("name")
    if name is not None:
        return parsed.text(name)
    parent = function.parent
    if parent is not None and parent.type == "pair" and _is_call_argument(parent.parent):
        # An option of a call (`findMany({ where: (o) => exists(db.select()…) })`, `{ onSuccess: async () => … }`)
        # is called by what it is passed to, not by its key: dokploy's `where` callback was weighed as
        # "where() called from 225 places" (every `.where(` of the project).
        return None
    if parent is not None and parent.type in ("variable_declarator", "pair", "public_field_definition"):
        key = parent.child_by_field_name("name") or parent.child_by_field_name("key")
        return parsed.text(key) if key is not None else None
    return None


def _is_call_argument(node: Node | None) -> bool:
    """Whether `node` (an object) is passed straight to a call: `f({ … })`, `f(x, { … } as const)`."""
    if node is None or node.type != "object":
        return False
    parent = node.parent
    while parent is not None and parent.type in ("parenthesized_expression", "as_expression", "satisfies_expression"):
        parent = parent.parent
    return parent is not None and parent.type == "arguments"


# ---- one query -------------------------------------------------------------------------------
def _chain_sites(project: Project, parsed: ParsedFile, chain: QueryChain) -> Iterator[QuerySite]:
    names = [link.name for link in chain.links]
    schema = project.schema
    if names[:1] == ["query"] and len(names) >= 3 and names[2] in ("findMany", "findFirst"):
        table = schema.table_by_ts_name(names[1])
        if table is not None:
            yield from _relational(project, parsed, chain, table, chain.links[2])
        return
    if not names:
        return
    head = names[0]
    source: Node | None = None
    operation: Operation
    if head in ("select", "selectDistinct", "selectDistinctOn") and "from" in names:
        source = _argument(chain.links[names.index("from")].call)
        operation = "select"
    elif head == "$count":
        source = _argument(chain.links[0].call)
        operation = "count"
    elif head in ("update", "delete"):
        source = _argument(chain.links[0].call)
        operation = "update" if head == "update" else "delete"
    else:
        return
    table = schema.table_for_identifier(parsed, source) if source is not None else None
    if table is None:
        return
    main = _site(parsed, chain.node, table, operation)
    by_table: dict[str, QuerySite] = {table.id: main}
    on_keys: dict[str, set[str]] = {}
    for link in chain.links:
        if link.name == "where" or (head == "$count" and link is chain.links[0]):
            condition = _argument(link.call, 0 if link.name == "where" else 1)
            if condition is not None:
                _condition(project, parsed, condition, by_table, chain.node, {}, None)
        elif link.name in JOINS:
            joined_node = _argument(link.call)
            joined = schema.table_for_identifier(parsed, joined_node) if joined_node is not None else None
            on = _argument(link.call, 1)
            if joined is None or on is None:
                continue
            site = by_table.setdefault(joined.id, _site(parsed, chain.node, joined, "join"))
            before = set(site.equality)
            _join_condition(project, parsed, on, site, main)
            on_keys.setdefault(joined.id, set()).update(set(site.equality) - before)
        elif link.name == "orderBy":
            _order(project, parsed, link, main)
        elif link.name == "limit":
            main.limited = True
    for condition in _later_wheres(parsed, chain.node):
        _condition(project, parsed, condition, by_table, chain.node, {}, None)
    main.reached_through_join = bool(main.join_keys) and any(
        key not in on_keys[site.table.id] and key not in site.literal and not _few_values(site.table, key)
        for site in by_table.values()
        if site is not main and site.table.id in on_keys
        for key in site.equality
    )
    yield from by_table.values()


def _few_values(table: Table, key: str) -> bool:
    """A boolean or enum column: an `eq` on it narrows little."""
    column = table.column(key)
    return column is not None and (column.type in ("boolean", "enum") or column.enum_values is not None)


def _later_wheres(parsed: ParsedFile, query: Node) -> list[Node]:
    """The conditions of `<name>.where(c)` calls after `const <name> = <query>` in the same function: drizzle's
    builders are mutable, so `query.where(and(...conditions))` filters the query built above."""
    declarator = query.parent
    name = declarator.child_by_field_name("name") if declarator is not None else None
    if declarator is None or declarator.type != "variable_declarator" or name is None or name.type != "identifier":
        return []
    scope = declarator.parent
    while scope is not None and scope.type not in FUNCTION_TYPES and scope.type != "program":
        scope = scope.parent
    found = []
    for call in descendants_right_to_left(scope, "call_expression") if scope is not None else []:
        function = call.child_by_field_name("function")
        target = function.child_by_field_name("object") if function is not None else None
        if (
            call.start_byte > query.end_byte
            and function is not None
            and function.type == "member_expression"
            and target is not None
            and parsed.text(target) == parsed.text(name)
            and parsed.text(function.child_by_field_name("property") or function) == "where"
        ):
            condition = _argument(call)
            if condition is not None:
                found.append(condition)
    return found


def _site(parsed: ParsedFile, node: Node, table: Table, operation: Operation) -> QuerySite:
    line = line_col(parsed.source, node.start_byte)[0]
    return QuerySite(table, parsed, parsed.path, line, node.start_byte, node.end_byte, operation)


def _condition(
    project: Project,
    parsed: ParsedFile,
    condition: Node,
    by_table: dict[str, QuerySite],
    query: Node,
    params: dict[str, Table],
    default: Table | None,
) -> None:
    """Walk `and(...)` and record each `eq` / `inArray` / range on a column of a known table. A condition built
    at run time (a variable, `and(...conditions)`) is followed to the array or value it starts as in the
    enclosing function (later `push`es only add filters); the site is marked `dynamic` either way."""
    condition = unwrap(condition)
    if condition.type == "identifier":
        for each in by_table.values():
            each.dynamic = True
        found = _initial_value(parsed, condition)
        if found is not None and found.type != "array":
            _condition(project, parsed, found, by_table, query, params, default)
        return
    if condition.type != "call_expression":
        for each in by_table.values():
            each.dynamic = True
        return
    function = condition.child_by_field_name("function")
    name = parsed.text(function).rsplit(".", 1)[-1] if function is not None else ""
    arguments = _arguments(condition)
    if name == "or" and len(arguments) == 1 and arguments[0].type != "spread_element":
        # `or(x)` is `x` (drizzle's `or` drops the OR for one condition): buster's `or(and(...))` with the other
        # branches commented out compared the whole primary key.
        _condition(project, parsed, arguments[0], by_table, query, params, default)
        return
    if name == "and":
        for part in arguments:
            if part.type == "spread_element" and part.named_children:
                for each in by_table.values():
                    each.dynamic = True
                spread = unwrap(part.named_children[0])
                found = _initial_value(parsed, spread) if spread.type == "identifier" else None
                for element in found.named_children if found is not None and found.type == "array" else []:
                    _condition(project, parsed, element, by_table, query, params, default)
                continue
            _condition(project, parsed, part, by_table, query, params, default)
        return
    kind: UseKind | None = (
        "eq" if name in EQUALITY else "in" if name == "inArray" else "range" if name in RANGES else None
    )
    if kind is None and name not in DRIZZLE_OPERATORS and function is not None and function.type != "sql":
        # A project helper (`tenantScopedWhere(t, scopes)`): it may compare columns dalfix does not see here.
        for each in by_table.values():
            each.dynamic = True
        return
    if kind is None or not arguments:
        for each in by_table.values():
            each.opaque = True
        return
    columns = [_column(project, parsed, a, params) for a in arguments[:2]]
    if kind == "range" and len(arguments) >= 2 and columns[0] is None and columns[1] is not None:
        columns = [columns[1], None]  # `lt(value, t.c)`
    first = columns[0]
    if first is None:
        return
    table, key = first
    other = columns[1] if len(columns) > 1 else None
    if other is not None and kind == "range":
        return  # a comparison of two columns is not a lookup by a value
    site = by_table.get(table.id)
    if site is None:
        site = by_table[table.id] = _site(parsed, query, table, "join")
    value = unwrap(arguments[1]) if len(arguments) > 1 else None
    literal = value is not None and is_fixed_value(project, parsed, value)
    site.add(key, kind, literal=literal)
    if other is not None and kind == "eq":
        other_site = by_table.get(other[0].id)
        if other_site is None:
            other_site = by_table[other[0].id] = _site(parsed, query, other[0], "join")
        other_site.add(other[1], "eq")


def _initial_value(parsed: ParsedFile, name: Node) -> Node | None:
    """The value `const <name> = …` is declared with in the function (or file) around `name`."""
    scope = name.parent
    while scope is not None and scope.type not in FUNCTION_TYPES and scope.type != "program":
        scope = scope.parent
    if scope is None:
        return None
    wanted = parsed.text(name)
    stack = [scope]
    while stack:
        node = stack.pop()
        if node.type == "variable_declarator":
            target, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if target is not None and value is not None and parsed.text(target) == wanted:
                return unwrap(value)
        if node.start_byte < name.start_byte:
            stack.extend(node.named_children)
    return None


def _join_condition(project: Project, parsed: ParsedFile, on: Node, joined: QuerySite, main: QuerySite) -> None:
    """`eq(B.fk, A.id)` in `join(B, …)`: B is looked up by fk for each row of A (and A's `id` is a way in from
    B: `main.join_keys`)."""
    local: dict[str, QuerySite] = {joined.table.id: joined}
    scratch: dict[str, QuerySite] = {}
    _condition(project, parsed, on, scratch, on, {}, None)
    for table_id, site in scratch.items():
        if table_id == main.table.id and table_id != joined.table.id:
            main.join_keys.extend(k for k in site.equality if k not in main.join_keys)
        if table_id in local:
            for key in site.equality:
                joined.add(key, "eq", literal=key in site.literal)
            for key in site.in_list:
                joined.add(key, "in")
            for key in site.ranges:
                joined.add(key, "range")


def _column(project: Project, parsed: ParsedFile, node: Node, params: dict[str, Table]) -> tuple[Table, str] | None:
    node = unwrap(node)
    if node.type != "member_expression":
        return None
    obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
    if obj is not None and prop is not None and obj.type == "identifier" and parsed.text(obj) in params:
        table = params[parsed.text(obj)]
        key = parsed.text(prop)
        return (table, key) if key in table.columns else None
    found = project.schema.column_of(parsed, node)
    return (found[0], found[1].key) if found is not None else None


def _order(
    project: Project, parsed: ParsedFile, link: Link, site: QuerySite, params: dict[str, Table] | None = None
) -> None:
    for part in _arguments(link.call) if link.call is not None else []:
        _order_part(project, parsed, part, site, params or {})


def _order_part(project: Project, parsed: ParsedFile, part: Node, site: QuerySite, params: dict[str, Table]) -> None:
    """Record the ordering columns up to the first one that is not a column of the site's table (a variable, an
    expression, another table): what follows it does not decide the order an index could give."""
    part = unwrap(part)
    if part.type == "array":
        for element in part.named_children:
            _order_part(project, parsed, element, site, params)
        return
    if site.order_cut:
        return
    direction = "asc"
    if part.type == "call_expression":
        function = part.child_by_field_name("function")
        name = parsed.text(function).rsplit(".", 1)[-1] if function is not None else ""
        inner = _arguments(part)
        if name not in ("asc", "desc") or not inner:
            site.order_cut = True
            return
        direction = name
        part = inner[0]
    found = _column(project, parsed, part, params)
    if found is None or found[0] is not site.table:
        site.order_cut = True
    elif all(k != found[1] for k, _ in site.order):
        site.order.append((found[1], direction))


# ---- relational queries ------------------------------------------------------------------------
def _relational(
    project: Project, parsed: ParsedFile, chain: QueryChain, table: Table, link: Link
) -> Iterator[QuerySite]:
    operation: Operation = "findFirst" if link.name == "findFirst" else "findMany"
    site = _site(parsed, chain.node, table, operation)
    site.limited = operation == "findFirst"
    options = _argument(link.call)
    extra: list[QuerySite] = []
    if options is not None and options.type == "object":
        _relational_options(project, parsed, chain.node, table, options, site, extra)
    yield site
    yield from extra


def _relational_options(
    project: Project,
    parsed: ParsedFile,
    query: Node,
    table: Table,
    options: Node,
    site: QuerySite,
    extra: list[QuerySite],
) -> None:
    for pair in options.named_children:
        if pair.type != "pair":
            continue
        key_node, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if key_node is None or value is None:
            continue
        key, value = parsed.text(key_node).strip("'\""), unwrap(value)
        if key == "where":
            params, body = _callback(parsed, value, table)
            if body is not None:
                by_table = {table.id: site}
                _condition(project, parsed, body, by_table, query, params, None)
                extra.extend(s for t, s in by_table.items() if t != table.id)
            elif value.type == "object":
                _object_where(parsed, value, site)
        elif key == "orderBy":
            params, body = _callback(parsed, value, table)
            if body is not None:
                _order_part(project, parsed, body, site, params)
            elif value.type == "object":  # drizzle 1.0: { createdAt: 'desc' }
                for entry in value.named_children:
                    name = entry.child_by_field_name("key") if entry.type == "pair" else None
                    direction = entry.child_by_field_name("value") if entry.type == "pair" else None
                    if name is not None and parsed.text(name) in table.columns and direction is not None:
                        site.order.append((parsed.text(name), parsed.text(direction).strip("'\"")))
        elif key == "limit":
            site.limited = True
        elif key == "with" and value.type == "object":
            _with(project, parsed, query, table, value, extra)


def _callback(parsed: ParsedFile, value: Node, table: Table) -> tuple[dict[str, Table], Node | None]:
    """`(t, { eq }) => eq(t.id, x)` -> ({t: table}, body); a plain expression -> ({}, expression)."""
    if value.type in ("arrow_function", "function_expression"):
        params = value.child_by_field_name("parameters") or value.child_by_field_name("parameter")
        names: dict[str, Table] = {}
        if params is not None:
            first = params if params.type == "identifier" else next(iter(params.named_children), None)
            pattern = (
                first.child_by_field_name("pattern") if first is not None and first.type != "identifier" else first
            )
            if pattern is not None and pattern.type == "identifier":
                names[parsed.text(pattern)] = table
        body = value.child_by_field_name("body")
        if body is not None and body.type == "statement_block":
            returns = [c for c in body.named_children if c.type == "return_statement"]
            body = returns[0].named_children[0] if len(returns) == 1 and returns[0].named_children else None
        return names, body
    if value.type in ("call_expression", "array", "identifier"):
        return {}, value
    return {}, None


def _object_where(parsed: ParsedFile, where: Node, site: QuerySite) -> None:
    """drizzle 1.0's object filters: `{ id: 1, createdAt: { gt: d }, status: { in: [...] } }`."""
    for pair in where.named_children:
        if pair.type != "pair":
            continue
        key_node, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if key_node is None or value is None:
            continue
        key = parsed.text(key_node).strip("'\"")
        if key not in site.table.columns:
            continue
        value = unwrap(value)
        if value.type != "object":
            site.add(key, "eq", literal=value.type in ("string", "number", "true", "false"))
            continue
        for operator in value.named_children:
            name = operator.child_by_field_name("key") if operator.type == "pair" else None
            text = parsed.text(name) if name is not None else ""
            if text == "eq":
                site.add(key, "eq")
            elif text in ("in", "inArray"):
                site.add(key, "in")
            elif text in RANGES:
                site.add(key, "range")


def _with(project: Project, parsed: ParsedFile, query: Node, table: Table, value: Node, extra: list[QuerySite]) -> None:
    """Each `with` entry loads rows of the related table by the relation's columns there."""
    schema = project.schema
    relations = {r.name: r for r in schema.relations_of(table)}
    for pair in value.named_children:
        if pair.type not in ("pair", "shorthand_property_identifier"):
            continue
        key_node = pair.child_by_field_name("key") if pair.type == "pair" else pair
        inner = pair.child_by_field_name("value") if pair.type == "pair" else None
        name = parsed.text(key_node).strip("'\"") if key_node is not None else ""
        relation = relations.get(name)
        target = schema.by_id(relation.target) if relation is not None else None
        if relation is None or target is None:
            continue
        columns: tuple[str, ...] = ()
        if relation.fields and relation.references:
            columns = relation.references  # rows of the target found by these columns
        elif relation.kind == "many":
            # The child's `one` back to this table names the child's columns.
            back = [
                r
                for r in schema.relations_of(target)
                if r.kind == "one"
                and r.target == table.id
                and r.fields
                and (relation.relation_name is None or r.relation_name == relation.relation_name)
            ]
            columns = back[0].fields if len(back) == 1 else ()
        child = _site(parsed, query, target, "with")
        for column in columns:
            if column in target.columns:
                child.add(column, "eq")
        if inner is not None and unwrap(inner).type == "object":
            _relational_options(project, parsed, query, target, unwrap(inner), child, extra)
        if child.equality or child.order:
            extra.append(child)


def _arguments(call: Node | None) -> list[Node]:
    args = call.child_by_field_name("arguments") if call is not None else None
    return [unwrap(a) for a in args.named_children if a.type != "comment"] if args is not None else []


def _argument(call: Node | None, index: int = 0) -> Node | None:
    found = _arguments(call)
    return found[index] if len(found) > index else None
