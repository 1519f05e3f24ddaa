"""Which files of a run can hold a finding, decided from their bytes and the import graph before any parse.

A file is *relevant* when its bytes name a handle source (the words below), when it imports (directly, through
re-exports, workspace packages or tsconfig aliases, resolved by the project's own resolver) a relevant file, or
when it holds or imports a function some relevant caller passes a transaction to. The runner parses and checks
only relevant files; the others count as scanned and are parsed only when a relevant file's analysis asks for
them (`Summaries.module`) or DAL010 counts calls (their `Project.files` entry parses on access, not kept).

Why an irrelevant file cannot hold a finding, and why leaving it out changes no project-wide fact
-----------------------------------------------------------------------------------------------
Every finding of every rule sits on a query chain (`Vocabulary.query_chain`), a call a summary classifies
(`Summaries.call_effect`), a DAL010 query site or schema table, or an inline suppression. What makes a chain
is a handle, and a handle comes only from:

- a `drizzle(…)` call or a drizzle-orm driver import (`drizzle_driver_imports` needs `drizzle-orm/` in the
  bytes): the word `drizzle`;
- the configured handle names (`db` and `db-handles`, also as member paths): `\\bdb\\b` and every part of each
  configured name;
- a Drizzle type name: every one of `DATABASE_TYPES` ends in `Database`, every one of `TRANSACTION_TYPES` in
  `Transaction`;
- a `.transaction(…)` callback, a `Parameters<typeof db.transaction>` type: `transaction`;
- a parameter some caller passes a transaction to (`Project.transaction_parameters`): its file is added after
  the transaction parameters of the relevant files are known (`Relevance.add_receivers`), with every file that
  imports it; callers that pass a handle name one, so they are relevant already. The calls of such a file (and of
  a file holding a helper that calls its callback parameter) are read for the parameters before it is added, even
  when the run's needles left it out (`export const run = (h, id) => load(h, id)` names no handle);
- a chain over a table of the schema on any receiver (`Vocabulary._structural_root`, where a receiver named
  like a transaction (`TRANSACTION_NAME`) becomes a maybe-transaction): `is_table` follows the argument to a
  top-level declaration whose callee's text ends in `table`/`Table` (`TABLE_CONSTRUCTOR`), so that file holds
  `[tT]able` followed by a non-word byte (`(`, `<`, a space or a comment), and the using file imports it or is
  it; the transaction-like names are in the pattern too, although without a table they make no chain;
- a name imported from a module that has one of the above (handles, handle factories, setup records, handle
  types, `globalThis` caches assigned in that module): `HandleIndex.binding` follows only import specifiers,
  so the importing file reaches a relevant file through the import graph.

A function's summary (`Summaries.function_effect`) reads only its own module's vocabulary and the summaries of
the functions it calls, found through `callee` (a name declared in the module or imported, `this.method`): a
call that is not `none` reaches a relevant module through imports, so its caller is relevant. A function whose
module is irrelevant is summarised with that module's vocabulary, which names nothing: `Project.vocabulary_for`
gives such a file a vocabulary with only the configured names (the one a full build would give it, for less).

Project-wide facts read over `Project.files`, now over the relevant ones (`Project.analysed`), unchanged:
`transaction_parameters` (an argument counts only when it is a handle, so only relevant callers add entries),
`project_driver_concurrency` and `transactions.handle_driver` (`file_handles` of an irrelevant file is empty),
`defined_drivers` (driver imports say `drizzle`; `client_files` are read as before). DAL010's query sites read
every application file of `Project.files` (irrelevant ones are parsed on access): its call counts by name are
those of every scanned file, as before. The schema (dalfix/analysis/schema) and the query files DAL010 adds
are found by their own discovery, not from the run's files. Inline suppressions and the unused-suppression
report need `dalfix` in the bytes, which makes the file relevant.

What an irrelevant file no longer reports: the notes on functions skipped for a parse error or analysed with
masked syntax (and their counts in the JSON summary), since it is not parsed; no rule could have found
anything in those functions.

Specifiers are read from the bytes by a pattern that over-approximates what `ModuleInfo` reads (every string
after `from`, `import`, `import(` or `require(`, comments in between allowed); a file the graph reaches but the
run did not scan (a barrel outside the paths given, a `.d.ts`, a package entry) is read for its bytes too.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dalfix.analysis.project import Project

_GAP = rb"(?:\s|/\*.*?\*/|//[^\n]*\n)*"  # white space and comments between a keyword and its string
_STRING = rb"""(?P<q>['"])(?P<spec>(?:(?!(?P=q))[^\\\n]|\\.)*)(?P=q)"""
# Every string after `from`, `import`, `import(` or `require(`: what a module may load. (A keyword is checked for a
# preceding `.` or identifier character after it matched: a look-behind first would cost the literal-prefix scan.)
SPECIFIER = re.compile(
    rb"(?:from(?<![\w$.]from)|import(?<![\w$.]import)|require(?<![\w$.]require))" + _GAP + rb"\(?" + _GAP + _STRING,
    re.S,
)
# The two statement shapes whose imported names are read; any other specifier imports every name.
IMPORT_FROM = re.compile(
    rb"import(?<![\w$.]import)(?P<body>\s[^;'\"`(){}]*(?:\{[^{}'\"`;]*\}[^;'\"`(){}]*)?)from\s*" + _STRING, re.S
)
EXPORT_FROM = re.compile(
    rb"export(?<![\w$.]export)\s+(?:type\s+)?(?:(?P<star>\*)(?:\s*as\s+(?P<ns>[\w$]+))?|\{(?P<named>[^{}'\"`;]*)\})"
    rb"\s*from\s*" + _STRING,
    re.S,
)
_COMMENT = re.compile(rb"//[^\n]*|/\*.*?\*/", re.S)
_IMPORT_BODY = re.compile(
    rb"\s*(?:(?P<default>[\w$]+)\s*(?:,\s*)?)?(?:\{(?P<named>[^{}]*)\}|\*\s*as\s+[\w$]+(?P<ns>))?\s*", re.S
)
_ITEM = re.compile(rb"\s*(?:type\s+)?(?P<name>[\w$]+)(?:\s+as\s+(?P<alias>[\w$]+))?\s*", re.S)
# The bytes a file holding a handle source holds itself (see the module docstring): plain words first (found by a
# byte search), then patterns, each behind a plain word it needs (a pattern without a literal prefix scans slowly).
HANDLE_WORDS = (b"drizzle", b"Database", b"ransaction", b"dalfix")  # `ransaction`: Transaction and transaction
HANDLE_PATTERNS = (
    ((b"db",), re.compile(rb"db\b(?<!\wdb)", re.S)),  # the configured default `db` as a word (`\bdb\b`)
    # A table constructor's callee (`pgTable(`, `table<…>(`, a tagged template, `?.(`), comments between allowed.
    ((b"able",), re.compile(rb"able(?<=[tT]able)" + _GAP + rb"(?:[(<`]|\?\.)", re.S)),
    # Receivers named like a transaction (drizzle.py's TRANSACTION_NAME).
    ((b"tx", b"trx", b"Tx", b"Trx"), re.compile(rb"\b(?:tx|trx|txn)\b|[a-z0-9](?:Tx|Trx|Txn)\b", re.S)),
)
MODULE = "\0module"  # a node standing for the module's own code: relevant when it names or imports a handle
ALL = "\0all"  # a node standing for every name a module exports (`import * as ns`, `import()`, `require`)

Node = tuple[Path, str]


def names_a_transaction(source: bytes) -> bool:
    """Whether a file's bytes can name a transaction: `transaction`/`Transaction` (a `.transaction(…)` callback, a
    transaction type) or a receiver named like one (`tx`, `trx`, `userTx`). The runner reads such a file even when no
    selected rule's needle is in it: it may hand a transaction to a function in another file, and
    `Project.transaction_parameters` reads only the files the run reads (`(id) => db.transaction((tx) => load(tx,
    id))` holds no `await`)."""
    if b"ransaction" in source:
        return True
    words, pattern = HANDLE_PATTERNS[-1]
    return any(w in source for w in words) and pattern.search(source) is not None


def names_a_handle(source: bytes, configured: Iterable[str] = ()) -> bool:
    """Whether a file's bytes can name a handle source itself (see the module docstring); `configured`: the
    `db-handles` names, every part of each one (`ctx.database` -> `ctx`, `database`) searched as it is."""
    if any(word in source for word in HANDLE_WORDS):
        return True
    if any(part.encode("utf-8") in source for name in configured for part in name.split(".") if part):
        return True
    return any(any(w in source for w in words) and pattern.search(source) for words, pattern in HANDLE_PATTERNS)


def _items(named: bytes) -> list[tuple[str, str]] | None:
    """`a, b as c, type d` -> [(a, a), (b, c), (d, d)] as (name, alias); None when it is anything else."""
    named = _COMMENT.sub(b" ", named)
    out = []
    for part in named.split(b","):
        if not part.strip():
            continue
        match = _ITEM.fullmatch(part)
        if match is None:
            return None
        name = match.group("name").decode("utf-8", "surrogateescape")
        alias = match.group("alias")
        out.append((name, alias.decode("utf-8", "surrogateescape") if alias is not None else name))
    return out


@dataclass
class _ModuleLinks:
    """What one module loads: the names it imports (or ALL) and what it re-exports, by target file."""

    direct: bool
    imports: list[Node] = field(default_factory=list)
    reexports: dict[str, list[Node]] = field(default_factory=dict)  # exported name -> (target, its name there)
    stars: list[Path] = field(default_factory=list)  # `export * from`
    opaque: list[Path] = field(default_factory=list)  # any other specifier: every name of the target, also re-exported


class Relevance:
    """The name-level import graph of a project's scanned files (and of every file they reach, read as a search
    gets there) and the relevant files: a file is relevant when its own code can name a handle, i.e. its MODULE
    node has a path to the MODULE node of a module whose bytes name a handle source (or of a transaction
    parameter's module). Each question is a search that stops at the first such node or at a node already known
    relevant; a search that finds none proves every node it saw irrelevant (all they reach was seen)."""

    def __init__(self, project: Project, sources: Mapping[Path, bytes]) -> None:
        self.project = project
        self.sources = sources
        self.configured = project.config.db_handles
        self._modules: dict[Path, _ModuleLinks | None] = {}
        self._true: set[Node] = set()
        self._false: set[Node] = set()
        self._targets: set[Path] = set()  # modules holding a function a relevant caller passes a transaction to
        self.receivers: set[Path] = set()  # relevant only because of a transaction parameter

    # ---- the graph ----------------------------------------------------------------------------
    def _links(self, path: Path) -> _ModuleLinks | None:
        if path in self._modules:
            return self._modules[path]
        source = self.sources.get(path)
        if source is None:
            try:
                source = path.read_bytes()
            except OSError:
                self._modules[path] = None
                return None
        links = self._modules[path] = _ModuleLinks(names_a_handle(source, self.configured))
        resolve = self.project.resolver.resolve
        read: set[int] = set()  # string offsets of the specifiers an import or export statement was read for

        def target(match: re.Match[bytes]) -> Path | None:
            read.add(match.start("spec"))
            return resolve(path, match.group("spec").decode("utf-8", "surrogateescape"))

        for match in IMPORT_FROM.finditer(source):
            body = _IMPORT_BODY.fullmatch(_COMMENT.sub(b" ", match.group("body")))
            named = _items(body.group("named")) if body is not None and body.group("named") is not None else []
            if body is None or named is None or body.group("ns") is not None or not (body.group("default") or named):
                continue  # `import type X`, comments, a namespace: read below as importing every name
            found = target(match)
            if found is None:
                continue
            if body.group("default") is not None and body.group("default") != b"type":
                links.imports.append((found, "default"))
            elif body.group("default") == b"type" and not named:
                read.discard(match.start("spec"))  # `import type from "x"`: unclear, read below
                continue
            links.imports += [(found, name) for name, _ in named]
        for match in EXPORT_FROM.finditer(source):
            named = _items(match.group("named")) if match.group("named") is not None else []
            if named is None:
                continue
            found = target(match)
            if found is None:
                continue
            if match.group("star") is not None and match.group("ns") is None:
                links.stars.append(found)
            elif match.group("star") is not None:
                namespace = match.group("ns").decode("utf-8", "surrogateescape")
                links.reexports.setdefault(namespace, []).append((found, ALL))
            for name, alias in named:
                links.reexports.setdefault(alias, []).append((found, name))
        for match in SPECIFIER.finditer(source):
            if match.start("spec") in read:
                continue
            found = resolve(path, match.group("spec").decode("utf-8", "surrogateescape"))
            if found is not None:
                links.opaque.append(found)
        return links

    def _successors(self, node: Node) -> list[Node]:
        path, name = node
        links = self._links(path)
        if links is None:
            return []
        if name == MODULE:
            return [*links.imports, *((target, ALL) for target in links.opaque)]
        out: list[Node] = [(path, MODULE)]
        out += [(target, ALL) for target in links.opaque]
        if name == ALL:
            out += [each for targets in links.reexports.values() for each in targets]
            out += [(target, ALL) for target in links.stars]
        else:
            out += links.reexports.get(name, [])
            out += [(target, name) for target in links.stars]
        return out

    def _is_source(self, node: Node) -> bool:
        if node[1] != MODULE:
            return False
        links = self._links(node[0])
        return (links is not None and links.direct) or node[0] in self._targets

    def _reaches(self, start: Node) -> bool:
        """Whether `start` has a path to a handle source (breadth first; the path found is marked relevant)."""
        if start in self._true:
            return True
        if start in self._false:
            return False
        previous: dict[Node, Node | None] = {start: None}
        queue = deque([start])
        while queue:
            node: Node | None = queue.popleft()
            assert node is not None
            if node in self._true or self._is_source(node):
                while node is not None:
                    self._true.add(node)
                    node = previous[node]
                return True
            for successor in self._successors(node):
                if successor not in previous and successor not in self._false:
                    previous[successor] = node
                    queue.append(successor)
        self._false.update(previous)
        return False

    # ---- answers ------------------------------------------------------------------------------
    def is_relevant(self, path: Path) -> bool:
        return self._reaches((path, MODULE))

    def export_may_reach(self, path: Path, name: str) -> bool:
        """Whether the name `name` exported by `path` (declared there, or re-exported) has a path to a handle source
        (or to a transaction parameter's module): False proves that following it, through re-exports to its
        declaration and from there through the names its module's code mentions and imports, finds no handle."""
        return self._reaches((path, name))

    def add_receivers(self, targets: Iterable[Path]) -> set[Path]:
        """Make relevant the modules holding functions a relevant caller passes a transaction to (every name
        they export) and whatever uses them; returns the scanned files that were not relevant before."""
        before = {path for path in self.sources if self.is_relevant(path)}
        new = {path for path in targets if not self.is_relevant(path)}
        if not new:
            return set()
        self._targets |= new
        self._false.clear()  # what was proved irrelevant may reach a new source now
        added = {path for path in self.sources if self.is_relevant(path)} - before
        self.receivers |= added
        return added

    def linked_modules(self, path: Path) -> list[Path]:
        """The modules the analysis of `path` is likely to read next, as far as the graph read them: those it
        re-exports from (`export … from`, `export * from`), then those it imports a name from that is on a path to
        a handle source (an empty list for a module no search reached). dalfix/parse_ahead.py parses them ahead."""
        links = self._modules.get(path)
        if links is None:
            return []
        found = [target for targets in links.reexports.values() for target, _ in targets] + links.stars
        found += [
            target for target, name in links.imports if (target, name) in self._true or (target, MODULE) in self._true
        ]
        found += [target for target in links.opaque if (target, ALL) in self._true]
        return list(dict.fromkeys(found))

    def summary(self) -> str:
        scanned = len(self.sources)
        checked = sum(1 for path in self.sources if self.is_relevant(path))
        return (
            f"{checked} of {scanned} files analysed ({len(self.receivers)} for a transaction parameter only); "
            f"{scanned - checked} name no database handle and import nothing that does"
        )
