"""Cross-file knowledge: module exports, which imported names are db handles, and function summaries.

A function whose body only reads (transitively, through other summarized functions) is a read; one that
writes is a write; anything dalfix cannot classify stays unknown. Computed once per run and memoized.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from dalfix.analysis.drivers import DriverInfo
from dalfix.analysis.drizzle import DbEffectKind, _used_as_query_receiver, unwrap
from dalfix.analysis.passed_handles import ParameterPattern, parameter_pattern
from dalfix.analysis.reads import note as note_read
from dalfix.analysis.reads import note_all
from dalfix.analysis.reads import recording as collecting
from dalfix.analysis.reads import recording_now as recording
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile

if TYPE_CHECKING:
    from collections.abc import Callable

    from dalfix.analysis.effects import EffectAnalyzer
    from dalfix.analysis.handles import Value
    from dalfix.analysis.project import Project

MAX_DEPTH = 8
RETURNED = "()"  # suffix of a summary name: the function the named one returns (`getUser()` of `getUser(db)(…)`)
CONSTRUCTED = "#new"  # suffix of a key of `Summaries._in_progress`: `new C(…)` of the class named before it
CLASS_TYPES = ("class_declaration", "abstract_class_declaration")
# Built-in constructors a project class may extend whose construction only sets fields of the new object (not
# AggregateError: it iterates its first argument, which may run the iterable's code).
BUILTIN_ERRORS = frozenset(
    {"Error", "TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError"}
)
_DECLARATIONS = "_dalfix_declarations"  # ModuleInfo.declarations, kept on the ParsedFile


@dataclass
class ModuleInfo:
    parsed: ParsedFile
    exports: dict[str, str] = field(default_factory=dict)  # exported name -> local name
    reexports: list[tuple[str | None, str, str]] = field(default_factory=list)  # (exported|None for *, spec, name)
    imports: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (specifier, name | "*")
    # Top-level name -> the type of its declaring node, in `declarations`' order: what the name questions need,
    # without the tree (asking `declarations` parses a released file again).
    declared: dict[str, str] = field(default_factory=dict)
    # Top-level names bound by destructuring, `const { users, posts: p } = expr`: name -> the property it takes
    # (plain `key` and `key: name` only; a default or a rest element is left out). Not in `declared`: the name
    # has no declaring node of its own (`destructuring` finds the declarator).
    destructured: dict[str, str] = field(default_factory=dict)

    @property
    def declarations(self) -> dict[str, Node]:
        """Top-level name -> declaring node, of the file's current tree. Kept on the parse (a `_dalfix_` cache,
        which ParsedFile.release drops with the tree) and indexed again after a release: the names, exports
        and imports are the same, the nodes are the new tree's."""
        found = self.parsed.__dict__.get(_DECLARATIONS)
        if found is None:
            found = ModuleInfo.index(self.parsed).declarations
        return found  # type: ignore[no-any-return]

    @classmethod
    def index(cls, parsed: ParsedFile) -> ModuleInfo:
        info = cls(parsed)
        declarations: dict[str, Node] = {}
        for statement in parsed.root.named_children:
            exported = statement.type == "export_statement"
            declaration = statement.child_by_field_name("declaration") if exported else statement
            if exported and declaration is None:
                info._export_clause(statement)
                continue
            if declaration is None:
                continue
            if declaration.type == "import_statement":
                info._import(declaration)
            for name, node in _declared(parsed, declaration):
                declarations[name] = node
                info.declared[name] = node.type
                if exported:
                    info.exports[name] = name
            for name, key in _destructured(parsed, declaration):
                info.destructured[name] = key
                if exported:
                    info.exports[name] = name
            if exported and any(c.type == "default" for c in statement.children) and declaration is not None:
                name_node = declaration.child_by_field_name("name")
                if name_node is not None:
                    info.exports["default"] = parsed.text(name_node)
        parsed.__dict__[_DECLARATIONS] = declarations
        return info

    def destructuring(self, name: str) -> Node | None:
        """The top-level `variable_declarator` whose object pattern binds `name` (see `destructured`)."""
        if name not in self.destructured:
            return None
        for statement in self.parsed.root.named_children:
            declaration = (
                statement.child_by_field_name("declaration") if statement.type == "export_statement" else statement
            )
            if declaration is None or declaration.type not in ("lexical_declaration", "variable_declaration"):
                continue
            for declarator in declaration.named_children:
                if declarator.type == "variable_declarator" and any(
                    bound == name for bound, _ in _pattern_names(self.parsed, declarator)
                ):
                    return declarator
        return None

    def _import(self, statement: Node) -> None:
        source = statement.child_by_field_name("source")
        if source is None:
            return
        specifier = self.parsed.text(source)[1:-1]
        for node in _walk(statement):
            if node.type == "import_specifier":
                name = node.child_by_field_name("name")
                alias = node.child_by_field_name("alias")
                if name is not None:
                    self.imports[self.parsed.text(alias or name)] = (specifier, self.parsed.text(name))
            elif node.type == "namespace_import":
                ident = [c for c in node.named_children if c.type == "identifier"]
                if ident:
                    self.imports[self.parsed.text(ident[0])] = (specifier, "*")
            elif node.type == "import_clause":
                for child in node.named_children:
                    if child.type == "identifier":
                        self.imports[self.parsed.text(child)] = (specifier, "default")

    def _export_clause(self, statement: Node) -> None:
        source = statement.child_by_field_name("source")
        specifier = self.parsed.text(source)[1:-1] if source is not None else None
        clause = [c for c in statement.named_children if c.type == "export_clause"]
        if not clause:
            if specifier is not None:
                self.reexports.append((None, specifier, "*"))
            return
        for spec in clause[0].named_children:
            if spec.type != "export_specifier":
                continue
            name = spec.child_by_field_name("name")
            alias = spec.child_by_field_name("alias")
            if name is None:
                continue
            exported = self.parsed.text(alias or name)
            if specifier is None:
                self.exports[exported] = self.parsed.text(name)
            else:
                self.reexports.append((exported, specifier, self.parsed.text(name)))


def _declared(parsed: ParsedFile, node: Node) -> list[tuple[str, Node]]:
    if node.type in (
        "function_declaration",
        "class_declaration",
        "abstract_class_declaration",
        "generator_function_declaration",
        "type_alias_declaration",
        "interface_declaration",
    ):
        name = node.child_by_field_name("name")
        return [(parsed.text(name), node)] if name is not None else []
    if node.type in ("lexical_declaration", "variable_declaration"):
        out = []
        for declarator in node.named_children:
            name = declarator.child_by_field_name("name") if declarator.type == "variable_declarator" else None
            if name is not None and name.type == "identifier":
                out.append((parsed.text(name), declarator))
        return out
    return []


def _destructured(parsed: ParsedFile, node: Node) -> list[tuple[str, str]]:
    if node.type not in ("lexical_declaration", "variable_declaration"):
        return []
    return [each for d in node.named_children if d.type == "variable_declarator" for each in _pattern_names(parsed, d)]


def _pattern_names(parsed: ParsedFile, declarator: Node) -> list[tuple[str, str]]:
    """(bound name, property key) of a declarator's flat object pattern: `{ a }` and `{ a: b }`."""
    pattern = declarator.child_by_field_name("name")
    if pattern is None or pattern.type != "object_pattern":
        return []
    out = []
    for child in pattern.named_children:
        if child.type == "shorthand_property_identifier_pattern":
            out.append((parsed.text(child), parsed.text(child)))
        elif child.type == "pair_pattern":
            key, value = child.child_by_field_name("key"), child.child_by_field_name("value")
            if key is not None and value is not None and value.type == "identifier":
                out.append((parsed.text(value), parsed.text(key).strip("'\"")))
    return out


def _walk(node: Node) -> list[Node]:
    out, stack = [], [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(current.named_children)
    return out


# `Summaries.handle_memos`: names' values, handles' drivers, files' handles.
HandleMemos = tuple[
    list[tuple[tuple[Path, str], "Value | None"]],
    list[tuple[tuple[Path, str], DriverInfo | None]],
    list[tuple[Path, dict[str, DriverInfo]]],
]


class CalledFunction(NamedTuple):
    """A project function a call runs (`Summaries.called_function`): where it is declared, its qualified name
    (`getUser`, `UserRepo.find`, a curried helper's `getUser` + RETURNED), its node and its module."""

    path: Path
    name: str
    function: Node
    module: ModuleInfo


class Summaries:
    """Implements `effects.CallSummaries` for one project."""

    def __init__(self, project: Project):
        self.project = project
        self._modules: dict[Path, ModuleInfo | None] = {}
        self._effects: dict[tuple[Path, str], DbEffectKind] = {}
        self._in_progress: set[tuple[Path, str]] = set()
        self._drivers: dict[tuple[Path, str], DriverInfo | None] = {}
        self._drivers_pending = 0  # handle_driver calls under way: a cycle's provisional None must not be kept
        self._file_handles: dict[Path, dict[str, DriverInfo]] = {}
        self._file_factories: dict[Path, dict[str, DriverInfo]] = {}
        self._imported: dict[tuple[Path, str], tuple[Path, str] | None] = {}
        self._exports: dict[tuple[Path, str], tuple[tuple[Path, str] | None, int]] = {}  # `_remembered_export`
        # The files each resolution read (dalfix/analysis/reads.py): noted again when the memo answers.
        self._imported_reads: dict[tuple[Path, str], tuple[Path, ...]] = {}
        self._exportables: dict[Path, frozenset[str]] = {}  # `_exportable`
        self._parameters: dict[tuple[Path, str], list[str | None] | None] = {}
        self._patterns: dict[tuple[Path, str], list[ParameterPattern] | None] = {}
        self._receivers: dict[tuple[Path, str, str], bool] = {}
        self._constructions: dict[tuple[Path, str], DbEffectKind] = {}
        from dalfix.analysis.handles import HandleIndex

        self.handles = HandleIndex(self)

    # ---- modules ----------------------------------------------------------------------------
    def module(self, path: Path) -> ModuleInfo | None:
        note_read(path)
        if path not in self._modules:
            parsed = self.project.files.load(path)
            self._modules[path] = ModuleInfo.index(parsed) if parsed is not None else None
        return self._modules[path]

    def resolve_import(self, path: Path, local: str) -> tuple[Path, str] | None:
        """Where an imported local name is defined: (file, top-level name), following re-exports. Memoised: the
        handles ask about every import of every file, and calls and tables ask again."""
        key = (path, local)
        if key in self._imported:
            if not recording():
                return self._imported[key]
            seen_then = self._imported_reads.get(key)
            if seen_then is not None:
                note_all(seen_then)  # what finding it read, as if it were found again
                return self._imported[key]
            # found outside a check, where nothing is noted: found again, so that what it reads is noted
        if not recording():
            found = self._resolve_import(path, local)
        else:
            with collecting() as seen:
                found = self._resolve_import(path, local)
            self._imported_reads[key] = tuple(seen)
        self._imported[key] = found
        return found

    def _resolve_import(self, path: Path, local: str) -> tuple[Path, str] | None:
        info = self.module(path)
        if info is None or local not in info.imports:
            return None
        specifier, name = info.imports[local]
        target = self.project.resolver.resolve(path, specifier)
        if target is None or name == "*":
            return (target, "*") if target is not None else None
        return self.resolve_export(target, name, 0)

    def resolve_export(self, path: Path, name: str, depth: int) -> tuple[Path, str] | None:
        """Where `name`, exported by the module at `path`, is defined, following re-exports at most MAX_DEPTH levels
        below `depth` (None: not found, or only deeper). Remembered outside a file's check (`_remembered_export`);
        inside one, searched each time, so that the modules the search reads are noted (dalfix/analysis/reads.py)."""
        if not recording():
            return self._remembered_export(path, name, depth)[0]
        info = self.module(path)
        if info is None or depth > MAX_DEPTH:
            return None
        if name in info.exports:
            local = info.exports[name]
            if local in info.imports:
                return self.resolve_import(path, local)
            return path, local
        for exported, specifier, original in info.reexports:
            if exported == name or (exported is None and original == "*"):
                target = self.project.resolver.resolve(path, specifier)
                if target is None:
                    continue
                found = self.resolve_export(target, name if exported is None else original, depth + 1)
                if found is not None:
                    return found
        return None

    def _remembered_export(self, path: Path, name: str, depth: int) -> tuple[tuple[Path, str] | None, int | None]:
        """`resolve_export`'s answer and how many levels of re-exports below `path` its search read (None: a level was
        cut off at MAX_DEPTH), remembered per (path, name) when no level was cut off.

        A barrel's `export * from` list is searched for every name asked of it, each star target's own stars in turn
        (inkeep/agents: 250k searches for 20k names while the transaction parameters are built). An answer whose
        search went `height` levels down, none cut off, is the same from any `depth` with `depth + height <=
        MAX_DEPTH`: the same modules and specifiers are read in the same order, and every one of them is remembered
        (`module`, the resolver, `resolve_import`), so nothing else changes either."""
        key = (path, name)
        known = self._exports.get(key)
        if known is not None and depth + known[1] <= MAX_DEPTH:
            return known
        info = self.module(path)
        if info is None:
            return None, 0
        if depth > MAX_DEPTH:
            return None, None  # depends on `depth`: not remembered
        found: tuple[Path, str] | None = None
        height: int | None = 0
        if name in info.exports:
            local = info.exports[name]
            found = self.resolve_import(path, local) if local in info.imports else (path, local)
        else:
            for exported, specifier, original in info.reexports:
                if exported == name or (exported is None and original == "*"):
                    target = self.project.resolver.resolve(path, specifier)
                    if target is None:
                        continue
                    wanted = name if exported is None else original
                    if wanted not in self._exportable(target):
                        continue  # its search finds nothing, from any depth
                    found, below = self._remembered_export(target, wanted, depth + 1)
                    height = None if height is None or below is None else max(height, below + 1)
                    if found is not None:
                        break
        if height is not None:
            self._exports[key] = (found, height)
        return found, height

    def _exportable(self, path: Path) -> frozenset[str]:
        """Every name a search of the exports of `path` can find (more, never fewer): its exports and re-exported
        names, and those of every module its `export * from` reach, at any depth. A search for another name finds
        nothing, so `_remembered_export` does not search a barrel's star targets for names none of them exports."""
        known = self._exportables.get(path)
        if known is not None:
            return known
        names: set[str] = set()
        seen, stack = {path}, [path]
        while stack:
            current = stack.pop()
            info = self.module(current)
            if info is None:
                continue
            names.update(info.exports)
            for exported, specifier, original in info.reexports:
                if exported is not None:
                    names.add(exported)
                elif original == "*":
                    target = self.project.resolver.resolve(current, specifier)
                    if target is not None and target not in seen:
                        seen.add(target)
                        stack.append(target)
        found = self._exportables[path] = frozenset(names)
        return found

    def external_origin(self, path: Path, local: str) -> tuple[str, str] | None:
        """(package, name) an imported name comes from when a project module re-exports it from a package
        outside the repository: `import { eq } from "@acme/db"` whose index has `export * from "drizzle-orm"`."""
        info = self.module(path)
        if info is None or local not in info.imports:
            return None
        specifier, name = info.imports[local]
        target = self.project.resolver.resolve(path, specifier)
        if target is None:
            return (specifier, name) if not specifier.startswith(".") else None
        return self._external_export(target, name, 0)

    def _external_export(self, path: Path, name: str, depth: int) -> tuple[str, str] | None:
        info = self.module(path)
        if info is None or depth > MAX_DEPTH:
            return None
        if name in info.exports:
            local = info.exports[name]
            return self.external_origin(path, local) if local in info.imports else None
        # A name re-exported by name shadows every `export *` (TypeScript's rule): unkey's @unkey/db has
        # `export * from "drizzle-orm"` before `export { drizzle } from "drizzle-orm/mysql2"`.
        named = [r for r in info.reexports if r[0] == name]
        stars = [r for r in info.reexports if r[0] is None and r[2] == "*"]
        for exported, specifier, original in named or stars:
            wanted = name if exported is None else original
            target = self.project.resolver.resolve(path, specifier)
            if target is None:
                if not specifier.startswith("."):
                    return specifier, wanted
                continue
            found = self._external_export(target, wanted, depth + 1)
            if found is not None:
                return found
        return None

    # ---- handles ----------------------------------------------------------------------------
    def handle_driver(self, path: Path, name: str) -> DriverInfo | None:
        """The driver of a top-level name that is a `drizzle(...)` handle, else None."""
        key = (path, name)
        if key not in self._drivers:
            self._drivers[key] = None  # a cycle of re-exports ends here
            self._drivers_pending += 1
            try:
                self._drivers[key] = self._handle_driver(path, name)
            finally:
                self._drivers_pending -= 1
        return self._drivers[key]

    def _handle_driver(self, path: Path, name: str) -> DriverInfo | None:
        from dalfix.analysis.handles import Handle

        info = self.module(path)
        local = info.declared.get(name) if info is not None else None
        if local in ("function_declaration", *CLASS_TYPES, "interface_declaration"):
            return None  # a function is at most a factory, never a handle itself
        value = self.handles.binding(path, name)
        if not isinstance(value, Handle) or not value.database or value.transaction:
            return None
        if self._declares_type(path, name):
            return None  # a type that denotes a handle is not a value one can query on
        return combined_driver(value.drivers)

    def file_handles(self, parsed: ParsedFile) -> dict[str, DriverInfo]:
        """Handles a file can name: declared in it or imported (through re-exports and workspace packages).

        Found once per path (from the project's summary of the file, not from `parsed`): rules ask for every
        finding, and each answer looks at every top-level name, so a big file made this quadratic."""
        return self.handles_at(parsed.path)

    def handles_at(self, path: Path) -> dict[str, DriverInfo]:
        """`file_handles` of the file at `path`."""
        return self._drivers_named_at(path, self._file_handles, self.handle_driver)

    def _drivers_named_at(
        self, path: Path, memo: dict[Path, dict[str, DriverInfo]], driver_of: Callable[[Path, str], DriverInfo | None]
    ) -> dict[str, DriverInfo]:
        """The names the file at `path` declares or imports to which `driver_of` gives a driver, with it; kept in
        `memo` unless a cycle's provisional answer went into them."""
        cached = memo.get(path)
        if cached is not None:
            return cached
        info = self.module(path)
        if info is None:
            return {}
        found: dict[str, DriverInfo] = {}
        for name in [*info.declared, *info.imports]:
            driver = driver_of(path, name)
            if driver is not None:
                found[name] = driver
        if not self._drivers_pending:
            memo[path] = found
        return found

    def _declares_type(self, path: Path, name: str) -> bool:
        """Whether the top-level `name` of `path` is (re-exported from) a type declaration, not a value."""
        declared = self._top_level(path, name)
        info = self.module(declared[0]) if declared is not None else None
        return info is not None and declared is not None and info.declared.get(declared[1]) in TYPE_DECLARATIONS

    def handle_memo_sizes(self) -> tuple[int, int, int]:
        """How many answers the memos `handle_memos` hands over hold now."""
        return len(self.handles._bindings), len(self._drivers), len(self._file_handles)

    def handle_memos(self, since: tuple[int, int, int]) -> HandleMemos:
        """The handle answers found since `handle_memo_sizes` gave `since` (memos only grow, in insertion order), as
        plain data for another process of the run (`take_handle_memos`): names' values (handles.py), handles'
        drivers and files' handles. Only kept answers are there: a cycle's provisional one never is."""
        bindings, drivers, handles = since
        return (
            list(self.handles._bindings.items())[bindings:],
            list(self._drivers.items())[drivers:],
            list(self._file_handles.items())[handles:],
        )

    def take_handle_memos(self, memos: HandleMemos) -> None:
        """Answers another process of the run found (`handle_memos`): the same as this one would find (a name's value
        does not depend on which name was followed first), so those known here already stay."""
        bindings, drivers, handles = memos
        for key, value in bindings:
            self.handles._bindings.setdefault(key, value)
        for name, driver in drivers:
            self._drivers.setdefault(name, driver)
        for path, found in handles:
            self._file_handles.setdefault(path, found)

    def factory_drivers_at(self, path: Path) -> dict[str, DriverInfo]:
        """Handle factories a file can name (`export const db = () => drizzle(url)`, imported or declared), with the
        driver of the handle their call returns: what `db().select()` runs on (Cap's MySQL `db()`), which
        `handles_at` leaves out (a function is never a handle itself)."""
        return self._drivers_named_at(path, self._file_factories, self._factory_driver)

    def _factory_driver(self, path: Path, name: str) -> DriverInfo | None:
        """The driver of the handle the top-level factory `name` of `path` returns when called, else None."""
        from dalfix.analysis.handles import Factory, Handle

        value = self.handles.binding(path, name)
        if not isinstance(value, Factory):
            return None  # a handle is in `handles_at`
        if self._declares_type(path, name):
            return None  # `type Make = typeof createDb` is not a value one can call
        while isinstance(value, Factory):
            value = value.result
        if isinstance(value, Handle) and value.database and not value.transaction and value.drivers:
            return combined_driver(value.drivers)
        return None

    # ---- functions --------------------------------------------------------------------------
    def call_effect(self, parsed: ParsedFile, call: Node) -> DbEffectKind | None:
        target = self.callee(parsed, call)
        if target is None:
            return None
        return self.function_effect(*target)

    def callee(self, parsed: ParsedFile, call: Node) -> tuple[Path, str] | None:
        function = call.child_by_field_name("function")
        if function is None:
            return None
        function = unwrap(function)
        if function.type == "identifier":
            return self._top_level(parsed.path, parsed.text(function))
        if function.type == "call_expression":
            # `getUser(db)({ id })`: a curried helper; the call runs the function its first call returns.
            outer = self.callee(parsed, function)
            if outer is None or outer[1].endswith(RETURNED) or self.function_node(*outer) is None:
                return None
            return (outer[0], outer[1] + RETURNED) if self.function_node(outer[0], outer[1] + RETURNED) else None
        if function.type != "member_expression":
            return None
        obj = function.child_by_field_name("object")
        prop = function.child_by_field_name("property")
        if obj is None or prop is None:
            return None
        obj, method = unwrap(obj), parsed.text(prop)
        if obj.type == "this":
            owner = _enclosing_class(call)
            if owner is None:
                return None
            name = owner.child_by_field_name("name")
            return (parsed.path, f"{parsed.text(name)}.{method}") if name is not None else None
        if obj.type != "identifier":
            return None
        base = self._top_level(parsed.path, parsed.text(obj))
        if base is None:
            return None
        module_path, top = base
        return (module_path, method) if top == "*" else (module_path, f"{top}.{method}")

    def called_function(self, parsed: ParsedFile, call: Node) -> CalledFunction | None:
        """The project function `call` runs, with its node and module; None when dalfix cannot find one (a method
        of a package, a parameter, a name bound to something other than a function)."""
        target = self.callee(parsed, call)
        info = self.module(target[0]) if target is not None else None
        function = self._function_node(info, target[1]) if target is not None and info is not None else None
        return None if target is None or info is None or function is None else CalledFunction(*target, function, info)

    def _top_level(self, path: Path, name: str) -> tuple[Path, str] | None:
        info = self.module(path)
        if info is None:
            return None
        if name in info.declared:
            return path, name
        if name in info.imports:
            return self.resolve_import(path, name)
        return None

    def function_node_in(self, parsed: ParsedFile, qualified: str) -> Node | None:
        """`function_node` looked up in a given parse of a file (a fix round's re-parse)."""
        return self._function_node(self.module_of(parsed), qualified)

    def module_of(self, parsed: ParsedFile) -> ModuleInfo:
        """The module of this very parse: the one `module` keeps when it is of `parsed` (not indexed again: a file
        whose calls are followed asks for its functions' names, and the handles for its declarations), else one
        indexed from it (a fix round's re-parse, a file `module` has not read)."""
        info = self._modules.get(parsed.path)
        return info if info is not None and info.parsed is parsed else ModuleInfo.index(parsed)

    def function_node(self, path: Path, qualified: str) -> Node | None:
        info = self.module(path)
        if info is None:
            return None
        return self._function_node(info, qualified)

    def _function_node(self, info: ModuleInfo, qualified: str) -> Node | None:
        if qualified.endswith(RETURNED):
            outer = self._function_node(info, qualified.removesuffix(RETURNED))
            return _returned_function(outer) if outer is not None else None
        owner, _, member = qualified.partition(".")
        node = info.declarations.get(owner) if owner in info.declared else None
        if node is None:
            return None
        if not member:
            if node.type in FUNCTION_TYPES:
                return node
            value = node.child_by_field_name("value") if node.type == "variable_declarator" else None
            value = unwrap(value) if value is not None else None
            return value if value is not None and value.type in FUNCTION_TYPES else None
        body = node.child_by_field_name("body") if node.type == "class_declaration" else None
        if body is None and node.type == "variable_declarator":
            value = node.child_by_field_name("value")
            body = unwrap(value) if value is not None and unwrap(value).type == "object" else None
        if body is None:
            return None
        for child in body.named_children:
            name = child.child_by_field_name("name") or child.child_by_field_name("key")
            if name is None or info.parsed.text(name) != member:
                continue
            if child.type == "method_definition":
                return child
            value = child.child_by_field_name("value")
            if value is not None and unwrap(value).type in FUNCTION_TYPES:
                return unwrap(value)
        return None

    def parameter_names(self, path: Path, qualified: str) -> list[str | None] | None:
        """The function's parameters, each its name when its pattern is an identifier (else None); None when
        there is no such function. Memoised as plain strings: callers ask about the same helpers from every
        file, and the answer must not keep (or parse again) the helper's tree."""
        key = (path, qualified)
        if key not in self._parameters:
            node = self.function_node(path, qualified)
            params = node.child_by_field_name("parameters") if node is not None else None
            info = self.module(path)
            names: list[str | None] | None = None
            if params is not None and info is not None:
                names = []
                for param in params.named_children:
                    pattern = param.child_by_field_name("pattern")
                    named = pattern is not None and pattern.type == "identifier"
                    names.append(info.parsed.text(pattern) if named and pattern is not None else None)
            self._parameters[key] = names
        return self._parameters[key]

    def parameter_patterns(self, path: Path, qualified: str) -> list[ParameterPattern] | None:
        """The function's parameter patterns (`passed_handles.parameter_pattern`: a name, or an object pattern's
        {property: local}); None when there is no such function. Plain data, memoised like `parameter_names`."""
        key = (path, qualified)
        if key not in self._patterns:
            node = self.function_node(path, qualified)
            info = self.module(path)
            found: list[ParameterPattern] | None = None
            params = None
            if node is not None:
                params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
            if params is not None and info is not None:
                if params.type == "identifier":
                    found = [info.parsed.text(params)]
                else:
                    found = [
                        parameter_pattern(info.parsed, p.child_by_field_name("pattern")) for p in params.named_children
                    ]
            self._patterns[key] = found
        return self._patterns[key]

    def starts_queries(self, path: Path, qualified: str, local: str) -> bool:
        """Whether `local` starts a query chain in the function's text (`local.select(`, `local.query.`, …)."""
        key = (path, qualified, local)
        if key not in self._receivers:
            node = self.function_node(path, qualified)
            info = self.module(path)
            text = info.parsed.text(node) if node is not None and info is not None else ""
            self._receivers[key] = _used_as_query_receiver(text, local)
        return self._receivers[key]

    def function_names(self, parsed: ParsedFile) -> dict[int, str]:
        """Start byte of each function of the file a summary names (top-level functions, class and object-literal
        methods, the function a curried helper returns) -> that name."""
        info = self.module_of(parsed)
        names: dict[int, str] = {}
        for name, node in info.declarations.items():
            candidates = [name]
            body = node.child_by_field_name("body") if node.type in CLASS_TYPES else None
            if body is None and node.type == "variable_declarator":
                value = node.child_by_field_name("value")
                body = unwrap(value) if value is not None and unwrap(value).type == "object" else None
            for child in body.named_children if body is not None else []:
                member = child.child_by_field_name("name") or child.child_by_field_name("key")
                if member is not None:
                    candidates.append(f"{name}.{parsed.text(member)}")
            for qualified in candidates:
                while True:
                    function = self._function_node(info, qualified)
                    if function is None or function.start_byte in names:
                        break
                    names[function.start_byte] = qualified
                    qualified += RETURNED
        return names

    def function_effect(self, path: Path, qualified: str) -> DbEffectKind | None:
        key = (path, qualified)
        if key in self._effects:
            return self._effects[key]
        if key in self._in_progress:
            return "unknown"  # recursion: dalfix does not guess
        node = self.function_node(path, qualified)
        info = self.module(path)
        if node is None or info is None:
            return None
        self._in_progress.add(key)
        try:
            analyzer = self.project.analyzer_for(info.parsed, self.project.vocabulary_for(info.parsed))
            effect = analyzer.summary_effect(node)
            if effect in ("none", "read") and analyzer.changes_outer_state(node, node, clock=effect == "none"):
                # Module state (or, for a pure computation, the clock): callers cannot move it past a read. A
                # read or write keeps its kind otherwise: when it runs is already tied to the queries around it.
                effect = "unknown"
        finally:
            self._in_progress.discard(key)
        self._effects[key] = effect
        return effect

    # ---- classes ----------------------------------------------------------------------------
    def construction_effect(self, parsed: ParsedFile, new: Node) -> DbEffectKind | None:
        """What `new C(…)` does besides evaluating its arguments, when `C` names a class of the project: "none"
        when constructing it provably only sets fields of the new object (see `class_construction_effect`),
        "unknown" when it may do more; None when `C` is not a project class."""
        constructor = new.child_by_field_name("constructor")
        if constructor is None or constructor.type != "identifier":
            return None
        target = self._top_level(parsed.path, parsed.text(constructor))
        return self.class_construction_effect(*target) if target is not None else None

    def class_construction_effect(self, path: Path, name: str) -> DbEffectKind | None:
        """ "none" when `new name(…)` only sets fields of the object it makes — the project's error classes:
        `class NotFound extends AppError { constructor(m: string, readonly kind: Kind) { super(m); this.name =
        "NotFound"; } }` — through every base class up to a built-in error (or none); "unknown" otherwise
        (a setter, a decorator, another statement in a constructor, a base class dalfix cannot read). None when
        `name` is not a class declared at the top level of `path`."""
        key = (path, name)
        if key in self._constructions:
            return self._constructions[key]
        info = self.module(path)
        node = info.declarations.get(name) if info is not None and name in info.declared else None
        if info is None or node is None or node.type not in CLASS_TYPES:
            return None
        progress = (path, name + CONSTRUCTED)
        if progress in self._in_progress:
            return "unknown"  # a class extending itself through others: not code that runs
        self._in_progress.add(progress)
        try:
            effect: DbEffectKind = "none" if self._constructs_only_fields(info, node) else "unknown"
        finally:
            self._in_progress.discard(progress)
        self._constructions[key] = effect
        return effect

    def _constructs_only_fields(self, info: ModuleInfo, node: Node) -> bool:
        parsed = info.parsed
        analyzer = self.project.analyzer_for(parsed, self.project.vocabulary_for(parsed))
        builtins = frozenset(n for n in ("Object", "Error") if n not in info.declared and n not in info.imports)
        for heritage in (c for c in node.named_children if c.type == "class_heritage"):
            for clause in heritage.named_children:
                if clause.type == "implements_clause":
                    continue
                base = clause.child_by_field_name("value") if clause.type == "extends_clause" else None
                if base is None or base.type != "identifier":
                    return False  # `extends Data.TaggedError("x")`, a mixin call: code dalfix does not read
                name = parsed.text(base)
                if name in BUILTIN_ERRORS and name not in info.declared and name not in info.imports:
                    continue
                target = self._top_level(parsed.path, name)
                if target is None or self.class_construction_effect(*target) != "none":
                    return False
        body = node.child_by_field_name("body")
        for member in body.named_children if body is not None else []:
            if member.type in ("comment", "class_static_block", "method_signature", "abstract_method_signature"):
                continue  # a static block runs once, when the class is defined; signatures run nothing
            if member.type == "index_signature" or any(c.type == "static" for c in member.children):
                continue
            if any(c.type == "decorator" for c in member.children):
                return False
            if member.type == "public_field_definition":
                value = member.child_by_field_name("value")
                if value is not None and (
                    not analyzer.effects(value).pure or analyzer.changes_outer_state(value, member)
                ):
                    return False  # `readonly startedAt = Date.now()`, `seq = hits++`
                continue
            if member.type != "method_definition":
                return False
            if any(c.type == "set" for c in member.children):
                return False  # `this.x = …` in a constructor would run it
            name_node = member.child_by_field_name("name")
            if name_node is None or parsed.text(name_node) != "constructor":
                continue  # a method runs when it is called
            if analyzer.changes_outer_state(member, member):
                return False  # `this.seq = hits++`, `this.at = new Date()`, a default `= Date.now()`
            if not _constructor_only_sets_fields(parsed, analyzer, member, builtins):
                return False
        return True

    def summarized_functions(self) -> dict[tuple[Path, str], DbEffectKind]:
        """Summaries of every exported function and class method of the scanned files."""
        for path in list(self.project.analysed):
            info = self.module(path)
            if info is None:
                continue
            for name, node in info.declarations.items():
                if node.type == "class_declaration":
                    body = node.child_by_field_name("body")
                    for child in body.named_children if body is not None else []:
                        member = child.child_by_field_name("name")
                        if child.type == "method_definition" and member is not None:
                            self.function_effect(path, f"{name}.{info.parsed.text(member)}")
                elif self.function_node(path, name) is not None:
                    self.function_effect(path, name)
        return dict(self._effects)


def _constructor_only_sets_fields(
    parsed: ParsedFile, analyzer: EffectAnalyzer, constructor: Node, builtins: frozenset[str]
) -> bool:
    """Whether a constructor's parameters have pure defaults and its body only calls `super(…)` and sets fields of
    `this` from pure values (also `Object.setPrototypeOf(this, …)` and `Error.captureStackTrace(this, …)` when
    `builtins` holds those names unshadowed, and `if (pure) …` of the same)."""
    params = constructor.child_by_field_name("parameters")
    for param in params.named_children if params is not None else []:
        default = param.child_by_field_name("value")
        if default is not None and not analyzer.effects(default).pure:
            return False
    body = constructor.child_by_field_name("body")
    return body is not None and _sets_only_fields(parsed, analyzer, body.named_children, builtins)


def _sets_only_fields(
    parsed: ParsedFile, analyzer: EffectAnalyzer, statements: list[Node], builtins: frozenset[str]
) -> bool:
    for statement in statements:
        if statement.type == "comment":
            continue
        if statement.type == "statement_block":
            if not _sets_only_fields(parsed, analyzer, statement.named_children, builtins):
                return False
            continue
        if statement.type == "if_statement":
            condition = statement.child_by_field_name("condition")
            if condition is None or not analyzer.effects(condition).pure:
                return False
            for branch in (statement.child_by_field_name("consequence"), statement.child_by_field_name("alternative")):
                if branch is not None and branch.type == "else_clause":
                    branch = branch.named_children[0] if branch.named_children else None
                if branch is not None and not _sets_only_fields(parsed, analyzer, [branch], builtins):
                    return False
            continue
        expression = statement.named_children[0] if statement.type == "expression_statement" else None
        if expression is None or not _sets_a_field(parsed, analyzer, unwrap(expression), builtins):
            return False
    return True


def _sets_a_field(parsed: ParsedFile, analyzer: EffectAnalyzer, expression: Node, builtins: frozenset[str]) -> bool:
    """`this.x = pure`, `this.x ??= pure`, `super(pure…)`, `Object.setPrototypeOf(this, pure)`,
    `Error.captureStackTrace(this, pure)` (optional call or not)."""
    if expression.type in ("assignment_expression", "augmented_assignment_expression"):
        left, right = expression.child_by_field_name("left"), expression.child_by_field_name("right")
        target = left.child_by_field_name("object") if left is not None and left.type == "member_expression" else None
        return target is not None and target.type == "this" and right is not None and analyzer.effects(right).pure
    if expression.type != "call_expression":
        return False
    function, args = expression.child_by_field_name("function"), expression.child_by_field_name("arguments")
    if function is None or args is None or not all(analyzer.effects(a).pure for a in args.named_children):
        return False
    if function.type == "super":
        return True
    first = args.named_children[0] if args.named_children else None
    name = parsed.text(function)
    return (
        first is not None
        and first.type == "this"
        and name in ("Object.setPrototypeOf", "Error.captureStackTrace")
        and name.partition(".")[0] in builtins
    )


def _returned_function(function: Node) -> Node | None:
    """The function `function` returns, when that is all it does: `(db) => async (p) => …` or a body that is one
    `return async (p) => …` statement (a curried data-access helper)."""
    body = function.child_by_field_name("body")
    if body is not None and body.type == "statement_block":
        statements = [c for c in body.named_children if c.type != "comment"]
        if len(statements) != 1 or statements[0].type != "return_statement" or not statements[0].named_children:
            return None
        body = statements[0].named_children[0]
    body = unwrap(body) if body is not None else None
    return body if body is not None and body.type in FUNCTION_TYPES else None


def _enclosing_class(node: Node) -> Node | None:
    current = node.parent
    while current is not None:
        if current.type in ("class_declaration", "class"):
            return current
        current = current.parent
    return None


TYPE_DECLARATIONS = ("type_alias_declaration", "interface_declaration")


def combined_driver(drivers: frozenset[DriverInfo]) -> DriverInfo:
    """One DriverInfo for a handle that may run on several drivers (chosen at runtime): `a|b`, most
    conservative kind first (see DriverInfo.kind)."""
    from dalfix.analysis.drivers import UNKNOWN

    if not drivers:
        return DriverInfo("unknown", None, "a drizzle handle whose driver dalfix could not follow")
    if len(drivers) == 1:
        return next(iter(drivers))
    ordered = sorted(drivers, key=lambda d: (d.driver, d.evidence))
    dialects = {d.dialect for d in ordered}
    names = "|".join(dict.fromkeys(d.driver for d in ordered))
    evidence = "one of " + "; ".join(d.evidence for d in ordered) + " (chosen at runtime)"
    return DriverInfo(names, dialects.pop() if len(dialects) == 1 else None, evidence) if names else UNKNOWN
