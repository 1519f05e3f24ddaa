"""Which top-level names can denote a database handle at all: decided from bytes and imports, before following.

`HandleIndex.binding` (handles.py) follows a name to what it denotes. The project asks it about every
top-level name of every file (`Summaries.file_handles`, `Project.handle_facts`), and most of them are React
components, utilities and types that denote nothing: following each one (its function's returns, its calls,
the names those mention) cost about as much as everything else the handles need. This module rules such names
out without following them, and only names it cannot rule out are followed — so the answers are the same.

Why the rule-out is exact. `HandleIndex` creates a `Handle` in three places only: a call of a name imported as
`drizzle` from `drizzle-orm/<driver>` (`_call`), a type name ending in one of Drizzle's database or transaction
types (`_named_type`; every one of them contains `Database` or `Transaction`), and a lookup type naming
`transaction`. Factories and records are made only around a value that holds a handle. Following a top-level
name `n` of module `m` reads only:
- for an imported `n`: what `Summaries.resolve_import` finds (a namespace import denotes nothing), followed there;
- for a declared `n`: the top-level statement declaring it and every top-level statement holding an assignment
  `n = …` (the value, the function's returns, the annotation, the locals of enclosing functions, a `Proxy`'s
  handler), and through the identifiers and type names written there, other top-level names of `m`;
- `globalThis.x` / `globalForDb.x` (`_global_cache`): assignments anywhere in the file — a statement that says
  `global` is therefore treated as a source itself, and so are the statements above.
So a name whose statements mention none of the sources (`Database`, `Transaction`, `transaction`, `global`, a
`drizzle` driver import's local name) and no other name that can denote a handle denotes nothing, whatever the
order things are followed in. "Mentions" is by bytes (comments and strings included: more names are followed,
never fewer). Names that can denote something are found from the sources outward (a worklist over the modules
the asked-about module reaches through its imports), so the cost is a regular-expression scan of each module's
bytes per source and per name found, not a walk of every declaration.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.drivers import drizzle_driver_imports, may_create_handles

if TYPE_CHECKING:
    from dalfix.analysis.summaries import ModuleInfo, Summaries

# Substrings of every statement that can make a handle by itself (see the module docstring).
SOURCES = re.compile(rb"Database|Transaction|transaction|global")
WORD_BYTES = frozenset(bytes([c]) for c in b"$_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Declarations `HandleIndex._declaration` can give a value (classes denote nothing), and interfaces: a property
# typed with a handle type (`interface Ctx { db: Db }`) makes a function reading `opts.db` of a parameter
# `opts: Ctx` return a handle (`HandleIndex.declared`).
VALUED = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "type_alias_declaration",
        "interface_declaration",
        "variable_declarator",
    }
)


@dataclass
class _Module:
    info: ModuleInfo
    starts: list[int]  # top-level statements' spans, in order
    ends: list[int]
    owners: dict[int, list[str]]  # statement index -> the valued names it declares
    assigned: dict[int, list[str]] | None = None  # statement index -> module variables assigned in it
    marked: set[int] = field(default_factory=set)  # statements whose names are all marked already


class HandleReach:
    """`may_denote(path, name)`: False only when following the name cannot find a handle, a factory or a record."""

    def __init__(self, summaries: Summaries):
        self.summaries = summaries
        self._modules: dict[Path, _Module | None] = {}
        self._found: set[tuple[Path, str]] = set()  # names that may denote something
        self._importers: dict[tuple[Path, str], list[tuple[Path, str]]] = {}  # (module, declared) -> importers
        self._pending: list[tuple[Path, str]] = []

    def may_denote(self, path: Path, name: str) -> bool:
        if path not in self._modules:
            self._add(path)
        return (path, name) in self._found

    # ---- building -----------------------------------------------------------------------------
    def _add(self, first: Path) -> None:
        """Index `first` and every module it reaches through imports, then spread what was found."""
        queue = [first]
        graph = self.summaries.project.import_graph
        reaches = graph.export_may_reach if graph is not None else None
        while queue:
            path = queue.pop()
            if path in self._modules:
                continue
            info = self.summaries.module(path)
            if info is None:
                self._modules[path] = None
                continue
            module = self._modules[path] = self._index(info)
            for local in info.imports:
                if local in info.declared:
                    continue  # a declaration of the same name is what `binding` follows
                if reaches is not None and not self._may_reach(path, info.imports[local], reaches):
                    continue  # nothing it can be followed to names a handle source: not resolved (nor loaded) here
                try:
                    target = self.summaries.resolve_import(path, local)
                except RecursionError:
                    self._mark(path, local)  # cannot be decided here: followed, as before
                    continue
                if target is None or target[1] == "*":
                    continue
                self._importers.setdefault(target, []).append((path, local))
                if target in self._found:
                    self._mark(path, local)
                if target[0] not in self._modules:
                    queue.append(target[0])
            source = info.parsed.source
            for match in SOURCES.finditer(source):
                self._mark_statement(module, path, match.start())
            if may_create_handles(source):
                for local in drizzle_driver_imports(info.parsed, self.summaries):
                    self._mark_mentions(module, path, local)
        while self._pending:
            path, name = self._pending.pop()
            for importer in self._importers.get((path, name), ()):
                self._mark(*importer)
            found = self._modules.get(path)
            if found is not None:
                self._mark_mentions(found, path, name)

    def _may_reach(self, path: Path, imported: tuple[str, str], reaches: Callable[[Path, str], bool]) -> bool:
        """Whether the import `imported` (specifier, name) of `path` may be followed to a handle source, by the
        relevance filter's import graph (`Relevance.export_may_reach`); False also where `resolve_import` would give
        nothing `_add` keeps (a namespace, a specifier the resolver does not resolve)."""
        specifier, name = imported
        if name == "*":
            return False
        target = self.summaries.project.resolver.resolve(path, specifier)
        return target is not None and reaches(target, name)

    def _index(self, info: ModuleInfo) -> _Module:
        statements = info.parsed.root.named_children  # positions only: the module outlives the tree
        module = _Module(info, [s.start_byte for s in statements], [s.end_byte for s in statements], {})
        for name, node in info.declarations.items():
            if node.type in VALUED:
                index = bisect_right(module.starts, node.start_byte) - 1
                module.owners.setdefault(index, []).append(name)
        return module

    def _mark(self, path: Path, name: str) -> None:
        key = (path, name)
        if key not in self._found:
            self._found.add(key)
            self._pending.append(key)

    def _mark_mentions(self, module: _Module, path: Path, name: str) -> None:
        """Every statement that mentions `name` (a word of the bytes) makes its names followable."""
        for start in mentions(module.info.parsed.source, name.encode()):
            self._mark_statement(module, path, start)

    def _mark_statement(self, module: _Module, path: Path, offset: int) -> None:
        index = bisect_right(module.starts, offset) - 1
        if index < 0 or offset >= module.ends[index] or index in module.marked:
            return  # between statements, or done
        module.marked.add(index)
        for name in module.owners.get(index, ()):
            self._mark(path, name)
        for name in self._assigned(module).get(index, ()):
            self._mark(path, name)

    def _assigned(self, module: _Module) -> dict[int, list[str]]:
        """Module variables assigned in each statement (`_db = drizzle(…)` in an initializer): read there too.
        From the index `HandleIndex._declaration` reads the same assignments from (one query per file)."""
        if module.assigned is None:
            from dalfix.analysis.handles import assignments_by_name

            info = module.info
            module.assigned = {}
            for name, nodes in assignments_by_name(info.parsed).items() if _may_assign(info) else ():
                if info.declared.get(name) != "variable_declarator":
                    continue
                for assignment in nodes:
                    names = module.assigned.setdefault(bisect_right(module.starts, assignment.start_byte) - 1, [])
                    if name not in names:
                        names.append(name)
        return module.assigned


def mentions(source: bytes, word: bytes) -> Iterator[int]:
    r"""Where `word` occurs as a whole word: the matches of `re.finditer(re.escape(word) + rb"(?![\w$])", source)`
    (left to right, not overlapping) not preceded by a word character. By `bytes.find`: one regular expression per
    name cost more to compile than to run (~900 names on homarr, more than `re`'s cache holds)."""
    at = source.find(word)
    while at != -1:
        end = at + len(word)
        if source[end : end + 1] in WORD_BYTES:
            at = source.find(word, at + 1)  # no match here: the next one may start inside this occurrence
            continue
        if at == 0 or source[at - 1 : at] not in WORD_BYTES:
            yield at
        at = source.find(word, end if end > at else at + 1)


def _may_assign(info: ModuleInfo) -> bool:
    """Whether the bytes can hold `v = …` for a module variable `v` (its own declarator aside): most files cannot,
    and for them the tree need not be searched. `v` then `=` (not `==`, `=>`), spaces between; a comment between
    them, non-ASCII white space or a long run of spaces counts as a yes."""
    source = info.parsed.source
    for name, node in info.declarations.items():
        if node.type != "variable_declarator":
            continue
        name_node = node.child_by_field_name("name")
        own = name_node.start_byte if name_node is not None else -1
        word = name.encode()
        at = source.find(word)
        while at != -1:
            end = at + len(word)
            bounded = (at == 0 or source[at - 1 : at] not in WORD_BYTES) and source[end : end + 1] not in WORD_BYTES
            if at != own and bounded:
                rest = source[end : end + 64].lstrip()
                if not rest or rest[0] >= 0x80 or rest[0] == ord("/"):
                    return True  # a comment, other white space, or a long run of it: maybe
                if rest[0] == ord("=") and rest[1:2] not in (b"=", b">"):
                    return True
            at = source.find(word, at + 1)
    return False
