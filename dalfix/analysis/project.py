"""Project-level facts, computed once per run: configuration, driver and dialect, handles, summaries."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pathspec

from dalfix.analysis.drivers import KNOWN_DRIVERS, DriverInfo, drizzle_version
from dalfix.analysis.drizzle import Vocabulary, name_followed_by, unwrap
from dalfix.analysis.effects import EffectAnalyzer
from dalfix.analysis.modules import ModuleResolver
from dalfix.analysis.passed_handles import (
    FORWARD,
    SLOT,
    UNSEEN,
    Passed,
    PassedHandles,
    _binding,
    forward,
    is_carried,
    parameter_pattern,
    unseen,
)
from dalfix.analysis.reads import note as note_read
from dalfix.analysis.reads import recording
from dalfix.analysis.schema.model import SchemaModel
from dalfix.analysis.setup_code import SetupCodePaths
from dalfix.analysis.summaries import CLASS_TYPES, RETURNED, Summaries
from dalfix.analysis.workspace import Workspace, workspace_for
from dalfix.config import Config, load_config
from dalfix.fixes import Applicability
from dalfix.parse_ahead import ParseAhead
from dalfix.parsing import FUNCTION_TYPES, Node, ParsedFile, descendants_of_type, enclosing_function, parse_file
from dalfix.rules import Rule

if TYPE_CHECKING:
    from dalfix.analysis.handles import Handle
    from dalfix.analysis.relevance import Relevance
    from dalfix.analysis.schema.sources import TableSources

TABLE_CONSTRUCTOR = re.compile(r"(^|\.)(pg|sqlite|mysql|singlestore|gel|mssql|cockroach)?[tT]able$")
SERIAL_PACKAGES = frozenset({"@electric-sql/pglite", "better-sqlite3", "@libsql/client", "bun:sqlite"})
CONCURRENT_PACKAGES = frozenset({"pg", "postgres", "mysql2", "@neondatabase/serverless", "@vercel/postgres"})


def merged_transaction_parameters(
    calls: Mapping[Path, Sequence[tuple[tuple[Path, str, str], str]]],
    passed: dict[tuple[Path, str, str], set[str]] | None = None,
) -> dict[Path, list[tuple[str, str, bool | str]]]:
    """`Project.transaction_parameters` from each analysed file's `handle_passing_calls`, in the files' order.

    A kind that forwards a parameter of a function (`passed_handles.FORWARD`: `outer(h)` calling `inner(h)`, or a
    callback parameter `fn()` a function calls) gives the callee whatever that parameter is handed, followed until
    nothing changes. A kind handed on through a shape dalfix does not follow (`passed_handles.UNSEEN`) turns a
    transaction into an unseen one (`~<reason>`) and carries no database handle. A parameter some caller may hand
    an unseen transaction and none a followed one gets the reason instead of `maybe` (str, not bool). `passed`, when
    given, is filled with what every key (parameters, callback parameters, methods) is handed."""
    if passed is None:
        passed = {}
    forwards: list[tuple[tuple[Path, str, str], tuple[Path, str, str], str | None]] = []
    for path, found in calls.items():
        for key, kind in found:
            reason: str | None = None
            if kind.startswith(UNSEEN):
                reason, _, kind = kind[len(UNSEEN) :].partition("\x01")
            if kind.startswith(FORWARD):
                function, _, rest = kind[len(FORWARD) :].partition("\0")
                name, _, origin = rest.partition("\0")
                forwards.append(((Path(origin) if origin else path, function, name), key, reason))
                passed.setdefault(key, set())
            else:
                passed.setdefault(key, set()).update(_handed(kind, reason))
    changed = bool(forwards)
    while changed:
        changed = False
        for giver, target, reason in forwards:
            handed = passed.get(giver, set())
            if reason is not None:
                handed = {k for each in handed for k in _handed(each, reason)}
            new = handed - passed[target]
            if new:
                passed[target] |= new
                changed = True
    parameters: dict[Path, list[tuple[str, str, bool | str]]] = {}
    for (path, function, name), kinds in passed.items():
        if name.endswith(SLOT) or function == METHOD:
            continue  # what a callback parameter is called with, or a method nobody resolved: not a parameter
        if "tx" in kinds:
            parameters.setdefault(path, []).append((function, name, "db" in kinds))
            continue
        reasons = sorted(k[len(UNSEEN) :] for k in kinds if k.startswith(UNSEEN))
        if reasons:
            parameters.setdefault(path, []).append((function, name, reasons[0]))
    return parameters


METHOD = "\0method"  # a key's function: a method of a receiver dalfix does not resolve, named by the key's parameter
# Receivers whose methods are the platform's (`console.log(tx)`): never a project method
_BUILTIN_OBJECTS = frozenset({"console", "JSON", "Object", "Array", "Math", "Promise", "Reflect", "String", "Number"})
_TRANSACTION_WORD = re.compile(r"(?<![\w$])(?:tx|trx|txn|transaction)|[a-z0-9](?:Tx|Trx|Txn|Transaction)\b")
# What follows a parameter the function calls (`name(`, `name?.(`, `name.call(`): `_calls_parameter`.
CALL_TAIL = re.compile(r"\s*(?:\?\.\s*)?(?:\(|\.\s*(?:call|apply|bind)\b)")
_NOT_HANDED = frozenset({"string", "template_string", "number", "true", "false", "null", "undefined", "regex"})


def _may_hand_on(parsed: ParsedFile, call: Node, args: Node) -> bool:
    """A call dalfix does not resolve may hand a transaction on only through an argument that names something."""
    for argument in args.named_children:
        node = unwrap(argument)
        if node.type == "spread_element" and node.named_children:
            node = unwrap(node.named_children[0])
        if node.type in ("identifier", "member_expression", "object", "array"):
            return True
    return False


def _carried(reader: PassedHandles, node: Node) -> set[str]:
    """The kinds an argument (or what it spreads) may carry to a call dalfix does not follow: a transaction, a
    forwarded parameter or an unseen kind, also in its properties."""
    node = unwrap(node)
    if node.type == "spread_element" and node.named_children:
        node = unwrap(node.named_children[0])
    if node.type in _NOT_HANDED or node.type in FUNCTION_TYPES:
        return set()
    if node.type == "object" and not _TRANSACTION_WORD.search(reader.parsed.text(node)):
        # Read only when it may name a transaction (`{ db: tx, id }`): reading every object argument of every call
        # cost a fifth of the run on agents; a parameter forwarded inside an object to such a call is not followed
        return set()
    value = reader.argument(node)
    if value is None:
        return set()
    kinds = set(value.kinds).union(*value.properties.values(), value.rest)
    return {k for k in kinds if is_carried(k) and not k.endswith(".")}


def _slot_files(calls: Mapping[Path, Sequence[tuple[tuple[Path, str, str], str]]]) -> list[Path]:
    """The files of the callback parameters the calls forward (`withTx(load)`: withTx's file, read for what it calls
    `fn` with even when the run left it out, a workspace package's helper for one)."""
    found: dict[Path, None] = {}
    for entries in calls.values():
        for _, kind in entries:
            inner = kind[len(UNSEEN) :].partition("\x01")[2] if kind.startswith(UNSEEN) else kind
            if inner.startswith(FORWARD) and inner.count("\0") == 2:
                _, name, source = inner[len(FORWARD) :].split("\0")
                if name.endswith(SLOT):
                    found[Path(source)] = None
    return list(found)


def _may_carry_transaction(kind: str, passed: Mapping[tuple[Path, str, str], set[str]]) -> bool:
    """Whether a kind handed to a method dalfix does not resolve may be a transaction, given what every key is
    handed (`merged_transaction_parameters`): a transaction, or a forward of a key handed one (seen or not)."""
    inner = kind[len(UNSEEN) :].partition("\x01")[2] if kind.startswith(UNSEEN) else kind
    if not inner.startswith(FORWARD):
        return inner == "tx"
    function, _, rest = inner[len(FORWARD) :].partition("\0")
    name, _, origin = rest.partition("\0")
    kinds = passed.get((Path(origin), function, name), set())
    return "tx" in kinds or any(k.startswith(UNSEEN) for k in kinds)


def _locals(patterns: Sequence[object]) -> list[str]:
    """The locals parameter patterns bind (`h`, the values of `{ db: h }`)."""
    found: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, str):
            found.append(pattern)
        elif isinstance(pattern, dict):
            found.extend(str(local) for local in pattern.values())
    return found


def _absolute(kind: str, path: Path) -> str:
    """A kind handed on from the file at `path`, as any file's entry may hold it (a forward names its file)."""
    if kind.startswith(UNSEEN):
        reason, _, inner = kind[len(UNSEEN) :].partition("\x01")
        return unseen(reason, _absolute(inner, path))
    if kind.startswith(FORWARD) and kind.count("\0") == 1:
        return f"{kind}\0{path}"
    return kind


def _handed(kind: str, reason: str | None) -> set[str]:
    """What a parameter gets of `kind` handed through an unseen step (`reason`), or through a followed one (None)."""
    if reason is None:
        return {kind}
    if kind == "tx":
        return {UNSEEN + reason}
    return {kind} if kind.startswith(UNSEEN) else set()


class _Analysed(Mapping[Path, ParsedFile]):
    """The analysed files by path, each parsed when first asked for (through its `ProjectFiles`)."""

    def __init__(self, files: ProjectFiles) -> None:
        self._files = files
        self._paths: dict[Path, None] = {}

    def __getitem__(self, path: Path) -> ParsedFile:
        if path not in self._paths:
            raise KeyError(path)
        return self._files[path]

    def __iter__(self) -> Iterator[Path]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, path: object) -> bool:
        return path in self._paths


class ProjectFiles(Mapping[Path, ParsedFile]):
    """The files of a run's project: those analysed (`analysed`) and those the relevance filter left out
    (dalfix/analysis/relevance.py, `deferred`), each parsed when first asked for, plus the modules outside the
    run the analysis reads (`load`). One ParsedFile per path for the whole run (caches are keyed by it), whose
    tree `trim` lets go (ParsedFile.release) when many are held: a tree is parsed again from the kept bytes when
    asked for, so the project holds the trees of the files in use, not of every file it has read."""

    def __init__(
        self,
        analysed: Mapping[Path, ParsedFile | bytes],
        deferred: Mapping[Path, bytes] | None = None,
        order: Sequence[Path] | None = None,
    ) -> None:
        self.analysed = _Analysed(self)
        self.deferred: dict[Path, bytes] = dict(deferred or {})
        self._bytes: dict[Path, bytes] = {}  # an analysed file not parsed yet
        self._parsed: dict[Path, ParsedFile | None] = {}  # every file parsed (or found unreadable) so far
        self._live: dict[Path, None] = {}  # the files holding a tree (the kept ones aside), least recently asked first
        self.pinned: set[Path] = set()  # never let go (the file whose rules run)
        # Trees never let go: the first ones parsed, up to `kept_source` bytes of source. The passes over every
        # file (transaction parameters, DAL010's query sites, the rules) visit the files in one order, so an LRU
        # of any size short of all of them would parse each file again at each pass; a fixed set saves its
        # parses at every pass. The first trees parsed are also the modules every file imports (the database).
        self.kept_source = 0
        self._kept: set[Path] = set()
        self._kept_bytes = 0
        self.parses = 0
        self._keep: int | None = None
        # Parses made ahead by a thread (dalfix/parse_ahead.py), taken when a file is first asked for (the runner's).
        self.ahead: ParseAhead | None = None
        for path, value in analysed.items():
            self.analysed._paths[path] = None
            if isinstance(value, bytes):
                self._bytes[path] = value
            else:
                self._own(path, value)
        # Iteration keeps the run's order of files (DAL010 lists query sites in it), analysed or not.
        self._order = list(order) if order is not None else [*self.analysed, *self.deferred]

    def _own(self, path: Path, parsed: ParsedFile) -> ParsedFile:
        self._parsed[path] = parsed
        parsed.on_reparse = self._reparsed
        if path in self._kept or self._kept_bytes + len(parsed.source) <= self.kept_source:
            if path not in self._kept:
                self._kept.add(path)
                self._kept_bytes += len(parsed.source)
        else:
            self._live[path] = None
        return parsed

    def _reparsed(self, parsed: ParsedFile) -> None:
        self.parses += 1
        self._live.pop(parsed.path, None)
        self._live[parsed.path] = None

    def _parse(self, path: Path, source: bytes) -> ParsedFile:
        self.parses += 1
        parsed = self.ahead.take(path, source) if self.ahead is not None else None
        return self._own(path, parsed if parsed is not None else parse_file(path, source))

    def __getitem__(self, path: Path) -> ParsedFile:
        note_read(path)
        parsed = self._parsed.get(path)
        if parsed is None:
            source = self._bytes.get(path)
            if source is None:
                source = self.deferred[path]  # KeyError: not a file of the project
            parsed = self._parse(path, source)
        elif path in self._live:
            self._live.pop(path)
            self._live[path] = None  # most recently asked for last
        return parsed

    def load(self, path: Path) -> ParsedFile | None:
        """A file of the project, or any other module the analysis reads (None when it cannot be read)."""
        note_read(path)
        if path in self._parsed:
            return self[path] if self._parsed[path] is not None else None
        if path in self:
            return self[path]
        try:
            source = path.read_bytes()
        except OSError:
            self._parsed[path] = None
            return None
        return self._parse(path, source)

    def held_parse(self, path: Path) -> ParsedFile | None:
        """The run's parse of the file, if it was parsed (never parses it; its tree may have been let go)."""
        return self._parsed.get(path)

    def source(self, path: Path) -> bytes:
        """The file's real bytes (`ParsedFile.original`), without parsing it."""
        note_read(path)
        parsed = self._parsed.get(path)
        if parsed is not None:
            return parsed.original
        return self._bytes[path] if path in self._bytes else self.deferred[path]

    def trim(self, keep: int) -> None:
        """Let go of the trees of all but the `keep` files asked for last (besides the kept and pinned ones)."""
        free = [p for p in self._live if p not in self.pinned]
        self._let_go(free[: max(0, len(free) - keep)])

    def _let_go(self, paths: list[Path]) -> None:
        for path in paths:
            del self._live[path]
            parsed = self._parsed.get(path)
            if parsed is not None:
                parsed.release()

    @contextmanager
    def trimming(self, keep: int) -> Iterator[None]:
        """While inside, `safe_point` trims to `keep` trees: for a pass over every file run where no caller holds
        nodes of the project's trees (the runner's top level)."""
        previous, self._keep = self._keep, keep
        try:
            yield
        finally:
            self._keep = previous

    def close(self) -> None:
        """Let go of every tree and of the parses' link back here (a report may still hold a parse: it is
        parsed again if asked for, and does not keep the project's other files alive)."""
        for parsed in self._parsed.values():
            if parsed is not None:
                parsed.on_reparse = None
                parsed.release()
        self._parsed.clear()
        self._live.clear()
        self._kept.clear()

    def holding(self) -> set[Path]:
        """The files whose trees are held now (for `let_go_since`)."""
        return set(self._live)

    def let_go_since(self, held: set[Path]) -> None:
        """Let go of the trees parsed since `held = holding()`: for a pass over many files inside a caller that may
        hold nodes of the trees held before it (the nodes of the trees it parsed are the pass's own), and whose
        caches of nodes are on the parse or check its generation."""
        self._let_go([p for p in self._live if p not in held and p not in self.pinned])

    def safe_point(self) -> None:
        """Called by a pass between files: trims when the caller allowed it (`trimming`)."""
        if self._keep is not None:
            self.trim(self._keep)

    def __iter__(self) -> Iterator[Path]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, path: object) -> bool:
        return path in self.analysed or path in self.deferred

    def admit(self, path: Path, parsed: ParsedFile) -> None:
        """A deferred file becomes analysed (a function in it takes a transaction from a relevant caller)."""
        self.deferred.pop(path, None)
        self.analysed._paths[path] = None
        if self._parsed.get(path) is not parsed:
            self._own(path, parsed)


@dataclass
class Project:
    root: Path
    config: Config = field(default_factory=Config)
    files: ProjectFiles = field(default_factory=lambda: ProjectFiles({}))
    rules: Sequence[type[Rule]] = ()
    # The most lenient fix the run may apply or show (a report-only run shows unsafe fixes too): a rule that
    # leaves a statement to another rule's fix does so only when that fix can be taken (DAL001 and DAL004).
    fix_threshold: Applicability = Applicability.UNSAFE
    # Files that import a drizzle-orm driver entry (the runner notes them while reading sources, parsed or not).
    client_files: list[Path] = field(default_factory=list)
    workspace: Workspace = field(default=None)  # type: ignore[assignment]  # set in __post_init__
    # What the run's relevance filter decided (dalfix/analysis/relevance.py), for `check -v`.
    relevance_note: str | None = None
    # The relevance filter's import graph (dalfix/analysis/relevance.py), read from the bytes, when the run has the
    # filter: HandleReach resolves only the imports that may reach a handle source (`Relevance.export_may_reach`: a
    # name that cannot denotes nothing, whatever it resolves to).
    import_graph: Relevance | None = field(default=None, repr=False, compare=False)
    # The cache's answer (dalfix/incremental.py), asked when `transaction_parameters` is built: the analysed files'
    # `handle_passing_calls` a previous run found and that cannot have changed.
    known_handle_calls: Callable[[Project], Mapping[Path, list[tuple[tuple[Path, str, str], str]]]] | None = field(
        default=None, repr=False, compare=False
    )
    # How many processes may find the analysed files' `handle_passing_calls` at once (the runner's `--jobs` when it
    # forks workers: `_split_handle_calls`); 0 or 1: this process alone.
    handle_call_shares: int = 0
    # The files reading the schema read, when a run with a cache read it in a share (`_read_schema_in_share`).
    schema_reads: frozenset[Path] | None = None

    def __post_init__(self) -> None:
        if self.workspace is None:
            self.workspace = workspace_for(self.root)

    @classmethod
    def load(cls, root: Path, workspace: Workspace | None = None, config_file: Path | None = None) -> Project:
        """The project at `root`; projects of one workspace share `workspace` (manifests are read once);
        `config_file` (`--config`) replaces the settings found at `root`."""
        return cls(root=root, config=load_config(root, config_file), workspace=workspace)  # type: ignore[arg-type]

    def prepare(
        self,
        files: Mapping[Path, ParsedFile | bytes],
        deferred: Mapping[Path, bytes] | None = None,
        order: Sequence[Path] | None = None,
    ) -> None:
        """Index the project's files (parsed, or bytes parsed when first asked for; and those the relevance filter
        left out, `deferred`, with the run's `order` of both); cross-file facts are computed lazily and memoized."""
        if "files" in self.__dict__:
            self.files.close()
        self.files = ProjectFiles(files, deferred, order)
        for memo in (
            "summaries",
            "transaction_parameters",
            "handle_calls",
            "_vocabularies",
            "_plain_vocabularies",
            "_portable_vocabularies",
            "_analyzers",
            "_analyzer_generations",
            "_facts",
            "_tables",
            "table_sources",  # holds the summaries (and through them every parse of the project)
            "application_drivers",
            "application_dialect",
            "created_driver_names",
            "_defined",
            "schema",
            "_query_sites",
            "_index_plan",
            "_unchecked_inserts_of_key",
            "_sql_facts",
            "_one_project_driver",
            "_transaction_helpers",
            "_parameter_calls",
            "_methods_by_name",
        ):
            self.__dict__.pop(memo, None)

    @property
    def analysed(self) -> Mapping[Path, ParsedFile]:
        """The parsed files whose rules run (the relevant ones; every one a caller prepared without a filter)."""
        return self.files.analysed

    def admit(self, paths: Sequence[Path]) -> list[Path]:
        """Parse and analyse deferred files after all (`Relevance.add_receivers`); their parse is the one the
        summaries hold already, if any. Facts computed so far stay valid: these files name no handle."""
        admitted = []
        for path in paths:
            if path in self.files.analysed or path not in self.files.deferred:
                continue
            self.files.admit(path, self.files[path])  # the summaries' parse of it, if they hold one
            for memo in ("_vocabularies", "_plain_vocabularies", "_analyzers"):
                self.__dict__.get(memo, {}).pop(path, None)  # built while it was deferred: built again
            admitted.append(path)
        return admitted

    @cached_property
    def setup_code(self) -> SetupCodePaths:
        """Which files are tests, seeds, migrations and scripts (dalfix/analysis/setup_code.py), with the
        project's own `setup-code` / `not-setup-code` settings over the classifier's word."""
        return SetupCodePaths(self.root, self.config.setup_code, self.config.not_setup_code)

    def setup_code_kind(self, path: Path, source: bytes | None = None) -> str | None:
        """The setup-code kind of a file (None: application code); a file outside the project is judged
        relative to its workspace."""
        return self.setup_code.kind(path, source, self.workspace.root if self.workspace is not None else None)

    def is_application_file(self, path: Path) -> bool:
        """Not test, seed, migration or script code: its handles decide what the application's handle is, its
        queries what DAL010 indexes for (judged by path; the file is read only when its name is in doubt)."""
        return self.setup_code_kind(path) is None

    @cached_property
    def _exclude_spec(self) -> pathspec.PathSpec | None:
        return pathspec.GitIgnoreSpec.from_lines(list(self.config.exclude)) if self.config.exclude else None

    def excludes(self, path: Path) -> bool:
        """Whether dalfix.toml's `exclude` (relative to the project root) names this file."""
        spec = self._exclude_spec
        return (
            spec is not None
            and path.is_relative_to(self.root)
            and spec.match_file(path.relative_to(self.root).as_posix())
        )

    @cached_property
    def resolver(self) -> ModuleResolver:
        return ModuleResolver(self.workspace)

    @cached_property
    def summaries(self) -> Summaries:
        return Summaries(self)

    @cached_property
    def schema(self) -> SchemaModel:
        """The Drizzle schema model, read once from the project's schema files (dalfix/analysis/schema)."""
        from dalfix.analysis.schema import read_schema

        return read_schema(self)

    @cached_property
    def drizzle_version(self) -> tuple[int, ...] | None:
        if self.config.drizzle_version:
            from dalfix.analysis.drivers import _version_tuple

            return _version_tuple(self.config.drizzle_version)
        return drizzle_version(self.root, self.workspace)

    def vocabulary_for(self, parsed: ParsedFile) -> Vocabulary:
        cache = self.__dict__.setdefault("_vocabularies", {})
        if parsed.path not in cache or cache[parsed.path].parsed is not parsed:
            parameters = self.transaction_parameters.get(parsed.path, ())
            vocabulary = self._plain_vocabulary(parsed)
            for function, name, maybe in parameters:
                # Located by name in this parse: `parsed` may be a later fix round's re-parse of the file.
                node = self.summaries.function_node_in(parsed, function)
                if node is None and name == "this":
                    node = self.summaries.module_of(parsed).declarations.get(function)  # a class handed a transaction
                    node = node if node is not None and node.type in CLASS_TYPES else None
                if node is None:
                    continue
                entry = (node.start_byte, node.end_byte, name)
                if isinstance(maybe, str):
                    # Reached only through a shape dalfix does not follow: a maybe-transaction whose rules keep
                    # their findings but offer no safe fix that needs a pool (`Vocabulary.unseen_transaction`)
                    vocabulary.unseen_tx_params.append((*entry, maybe))
                    continue
                vocabulary.typed_tx_params.append(entry)
                if maybe:
                    vocabulary.maybe_tx_params.append(entry)
            cache[parsed.path] = vocabulary
        return cache[parsed.path]

    def _plain_vocabulary(self, parsed: ParsedFile) -> Vocabulary:
        """The file's vocabulary before transaction parameters from its callers are added (built once)."""
        cache = self.__dict__.setdefault("_plain_vocabularies", {})
        cached = cache.get(parsed.path)
        if (cached is None or cached.parsed is not parsed) and parsed.path in self.files.deferred:
            # Left out by the relevance filter: it names no handle, so a full build would find only these.
            cached = cache[parsed.path] = Vocabulary(parsed, db_names={"db", *self.config.db_handles})
        portable = self.__dict__.get("_portable_vocabularies")
        if (cached is None or cached.parsed is not parsed) and portable and parsed.path in portable:
            data = portable.pop(parsed.path)
            if self.files.held_parse(parsed.path) is parsed:  # the run's parse of the file, not a fix round's
                cached = cache[parsed.path] = Vocabulary.from_portable(
                    parsed,
                    data,
                    lambda node: self.is_table(parsed, node),
                    functools.partial(self.transaction_runner, parsed.path),
                )
        if cached is None or cached.parsed is not parsed:
            # Also for a module outside the run (a helper the checked files import): its summary must not depend
            # on which paths were passed (`dalfix check src/a.ts` finds what `dalfix check .` finds there).
            handles = set(self.summaries.file_handles(parsed))
            facts = self.handle_facts(parsed)
            cached = cache[parsed.path] = Vocabulary.build(parsed, ("db", *self.config.db_handles), handles, facts)
            self._declared_handles(parsed, cached)
        return cached

    def _declared_handles(self, parsed: ParsedFile, vocabulary: Vocabulary) -> None:
        """Handles inside functions known by their declared types (handles.py `HandleIndex.declared`): a tRPC
        resolver's `ctx.db` (the procedure's context declares `db`), and a local `const db = ctx.db ?? defaultDb`
        whose sides are both handles (one may be an optional handle property). A type that admits a transaction
        makes the name a maybe-transaction; a side that is no handle leaves the name as it was."""
        from dalfix.analysis.handles import Handle, Record, resolver_call

        source = parsed.source
        resolvers = b"ctx" in source and any(m in source for m in (b".query(", b".mutation(", b".subscription("))
        defaults = b"??" in source or b"||" in source
        if not (resolvers or defaults):
            return
        index = self.summaries.handles
        casts = self.handle_type_casts()

        def add(function: Node, name: str, handle: Handle) -> None:
            if handle in casts:  # a type the application also casts drizzle() handles to (see handle_facts)
                handle = Handle(handle.drivers | casts[handle], handle.transaction, handle.database)
            entry = (function.start_byte, function.end_byte, name)
            if handle.transaction:
                vocabulary.typed_tx_params.append(entry)
                if handle.database:
                    vocabulary.maybe_tx_params.append(entry)
            else:
                vocabulary.typed_db_params.append(entry)
                if handle.drivers:
                    vocabulary.handle_drivers.setdefault(f"{name}@{function.start_byte}", handle.drivers)

        def side(node: Node) -> Handle | None:
            node = unwrap(node)
            if node.type not in ("identifier", "member_expression", "call_expression"):
                return None
            which = vocabulary.handle_kind(node, node)
            if which is None and node.type == "member_expression" and parsed.text(node) in vocabulary.db_names:
                which = "db"
            if which == "tx":
                kind = vocabulary.passed_handle_kind(node)
                return Handle(transaction=True, database=kind == "maybe-transaction")
            if which == "db":
                return Handle(vocabulary.handle_drivers_at(node, node))
            found = index.declared(parsed, node) if node.type != "call_expression" else None
            return found if isinstance(found, Handle) else None

        wanted = ("variable_declarator", *FUNCTION_TYPES) if resolvers else ("variable_declarator",)
        for node in descendants_of_type(parsed.root, *wanted):
            if node.type in FUNCTION_TYPES:
                if resolver_call(parsed, node) is None:
                    continue
                params = node.child_by_field_name("parameters")
                first = params.named_children[0] if params is not None and params.named_children else None
                pattern = first.child_by_field_name("pattern") if first is not None else None
                if pattern is None or first is None or first.child_by_field_name("type") is not None:
                    continue
                options = index.resolver_options(parsed, node)
                context = options.get("ctx") if isinstance(options, Record) else None
                if not isinstance(context, Record):
                    continue
                keys = parameter_pattern(parsed, pattern)
                prefix = keys if isinstance(keys, str) else keys.get("ctx") if isinstance(keys, dict) else None
                for key, held in context.properties:
                    if not isinstance(held, Handle):
                        continue
                    if isinstance(keys, dict) and f"ctx.{key}" in keys:
                        add(node, keys[f"ctx.{key}"], held)  # `({ ctx: { db } })`
                    if prefix is not None:
                        add(node, f"{prefix}.ctx.{key}" if isinstance(keys, str) else f"{prefix}.{key}", held)
                continue
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            value = unwrap(value) if value is not None else None
            if name is None or name.type != "identifier" or value is None or value.type != "binary_expression":
                continue
            operator = value.child_by_field_name("operator")
            if operator is None or parsed.text(operator) not in ("??", "||"):
                continue
            function = enclosing_function(node)
            left, right = value.child_by_field_name("left"), value.child_by_field_name("right")
            if function is None or left is None or right is None:
                continue
            sides = [side(left), side(right)]
            if sides[0] is not None and sides[1] is not None:
                add(function, parsed.text(name), sides[0].union(sides[1]))

    def handle_facts(self, parsed: ParsedFile) -> Vocabulary:
        """What the file's top-level names denote, followed to their definitions (handles.py): handles,
        handle factories, setup functions returning `{ db }`, and types that denote a handle."""
        from dalfix.analysis.handles import Factory, Handle, Record

        cache = self.__dict__.setdefault("_facts", {})
        cached = cache.get(parsed.path)
        if cached is not None and cached.parsed is parsed:
            return cached
        facts = Vocabulary(parsed)
        facts.is_table = lambda node: self.is_table(parsed, node)
        facts.tx_runner = functools.partial(self.transaction_runner, parsed.path)
        facts.default_drivers = self.application_drivers
        facts.created_drivers = self.created_driver_names
        if self.config.driver:
            facts.configured_drivers = frozenset(self.drivers_for(parsed))
        info = self.summaries.module(parsed.path)
        names = [*info.declared, *info.imports] if info is not None else []
        casts = self.handle_type_casts()
        for name in names:
            value = self.summaries.handles.binding(parsed.path, name)
            if isinstance(value, Handle) and value in casts:
                # A type the application also casts drizzle() handles to (`drizzle(client) as unknown as Db`): a
                # value of that type may be any of them.
                value = Handle(value.drivers | casts[value], value.transaction, value.database)
            if isinstance(value, Handle):
                if value.transaction and value.database:
                    facts.maybe_types.add(name)
                elif value.transaction:
                    facts.tx_types.add(name)
                else:
                    facts.db_types.add(name)
                    facts.handle_drivers[name] = value.drivers
            elif isinstance(value, Factory) and isinstance(value.result, Handle) and not value.result.transaction:
                facts.factory_names.add(name)
                facts.handle_drivers[name] = value.result.drivers
            elif isinstance(value, Factory) and isinstance(value.result, Handle):
                facts.tx_factories[name] = value.result.database  # `getReadDb(ctx): Db | Tx`
            elif isinstance(value, Factory) and isinstance(value.result, Record):
                props = frozenset(k for k, v in value.result.properties if isinstance(v, Handle))
                if props:
                    facts.record_factories[name] = props
                    for key, inner in value.result.properties:
                        if isinstance(inner, Handle):
                            facts.handle_drivers[f"{name}().{key}"] = inner.drivers
        cache[parsed.path] = facts
        return facts

    def transaction_runner(self, path: Path, name: str) -> int | None:
        """When the function `name` (as the module at `path` sees it) hands one of its parameters to
        `.transaction(…)` as the callback (`withTransaction(ctx, fn)` running `db.transaction(fn)`, also inside an
        arrow, `retry(() => (db as Client).transaction(fn))`): that parameter's position, else None."""
        cache = self.__dict__.setdefault("_transaction_runners", {})
        if (path, name) in cache:
            return cache[path, name]  # type: ignore[no-any-return]
        cache[path, name] = None
        target = self.summaries._top_level(path, name)
        node = self.summaries.function_node(*target) if target is not None else None
        info = self.summaries.module(target[0]) if target is not None else None
        params = node.child_by_field_name("parameters") if node is not None else None
        if node is None or info is None or params is None:
            return None
        names = {}
        for at, param in enumerate(p for p in params.named_children if p.type != "comment"):
            pattern = param.child_by_field_name("pattern")
            if pattern is not None and pattern.type == "identifier":
                names[info.parsed.text(pattern)] = at
        for call in descendants_of_type(node, "call_expression"):
            function = call.child_by_field_name("function")
            prop = function.child_by_field_name("property") if function is not None else None
            if prop is None or info.parsed.text(prop) != "transaction":
                continue
            args = call.child_by_field_name("arguments")
            first = args.named_children[0] if args is not None and args.named_children else None
            if first is not None and first.type == "identifier" and info.parsed.text(first) in names:
                cache[path, name] = names[info.parsed.text(first)]
                break
        return cache[path, name]  # type: ignore[no-any-return]

    def is_table(self, parsed: ParsedFile, node: Node) -> bool:
        """Whether an expression names a table of the project's schema (a `pgTable(…)`/`sqliteTable(…)`/
        `mysqlTable(…)`/`schema.table(…)` declaration, followed through imports and `schema.users`), or a name
        taken out of an object whose properties are tables (`const { users } = schema`, dalfix/analysis/schema/
        sources.py: then every alternative it may denote is a table)."""
        cache = self.__dict__.setdefault("_tables", {})
        key = (parsed.path, parsed.text(node))
        if key in cache:
            return bool(cache[key])
        cache[key] = False
        if node.type == "identifier":
            target = self.summaries._top_level(parsed.path, parsed.text(node))
            if target is not None and target[1] != "*":
                cache[key] = self._declares_table(target) or bool(self.table_sources.binding_tables(*target))
        elif node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is not None and prop is not None and obj.type == "identifier":
                base = self.summaries._top_level(parsed.path, parsed.text(obj))
                if base is not None and base[1] == "*":
                    target = self.summaries.resolve_export(base[0], parsed.text(prop), 0)
                    if target is not None and target[1] != "*":
                        cache[key] = self._declares_table(target) or bool(self.table_sources.binding_tables(*target))
                elif base is not None:
                    cache[key] = bool(self.table_sources.member_tables(parsed, obj, parsed.text(prop)))
        return bool(cache[key])

    @cached_property
    def table_sources(self) -> TableSources:
        """Tables destructured from (or read as properties of) an object of tables (schema/sources.py)."""
        from dalfix.analysis.schema.sources import TableSources

        return TableSources(self.summaries, self._declares_table)

    def _declares_table(self, target: tuple[Path, str]) -> bool:
        """Whether a top-level declaration is a table: `const users = pgTable(…)` (any callee ending in table), also
        with row-level security (`pgTable(…).enableRLS()`, `pgTable.withRLS(…)`)."""
        info = self.summaries.module(target[0])
        declaration = info.declarations.get(target[1]) if info is not None and target[1] in info.declared else None
        value = declaration.child_by_field_name("value") if declaration is not None else None
        function = (
            value.child_by_field_name("function") if value is not None and value.type == "call_expression" else None
        )
        while function is not None and function.type == "member_expression" and info is not None and (
                info.parsed.text(function.child_by_field_name("property") or function) == "enableRLS"):  # fmt: skip
            # `pgTable(…).enableRLS()` (kan's tables): the table the call it is chained to declares
            inner = unwrap(function.child_by_field_name("object") or function)
            function = inner.child_by_field_name("function") if inner.type == "call_expression" else None
        text = info.parsed.text(function) if function is not None and info is not None else ""
        return bool(TABLE_CONSTRUCTOR.search(text.removesuffix(".withRLS")))  # `pgTable.withRLS(…)`

    @cached_property
    def application_drivers(self) -> frozenset[DriverInfo]:
        """The drivers of every drizzle() handle the application creates (tests, seeds, migrations and
        scripts excluded), when they all share one kind; else none (a handle nobody can follow stays unknown)."""
        from dalfix.analysis.handles import kind_of_drivers

        drivers = frozenset(d for d in self.defined_drivers() if d[0] is not None and self.is_application_file(d[0]))
        infos = frozenset(info for _, info in drivers)
        return (
            infos
            if infos and kind_of_drivers(infos) != "unknown" and len({i.kind for i in infos}) == 1
            else frozenset()
        )

    @cached_property
    def application_dialect(self) -> str | None:
        """The one dialect of every drizzle() handle the application creates, whatever their kinds (tests, seeds,
        migrations and scripts excluded): what a handle handed in as a parameter speaks when `application_drivers`
        is empty because the kinds differ (agents: node-postgres pools beside a per-request `PoolClient`, all
        PostgreSQL). None when they differ or one is unknown (homarr's dialect chosen at run time)."""
        dialects = {info.dialect for path, info in self.defined_drivers() if path and self.is_application_file(path)}
        return dialects.pop() if len(dialects) == 1 and None not in dialects else None

    @cached_property
    def created_driver_names(self) -> frozenset[str]:
        """Driver names some application file creates a handle on (tests, seeds, migrations excluded)."""
        return frozenset(d.driver for path, d in self.defined_drivers() if self.is_application_file(path))

    def defined_drivers(self) -> list[tuple[Path, DriverInfo]]:
        """Every `drizzle(…)` call of the files known to the project (scanned, or read for their imports)."""
        cached = self.__dict__.get("_defined")
        if cached is None:
            cached = self.__dict__["_defined"] = self._defined_drivers()
        return list(cached)

    def handle_type_casts(self) -> dict[Handle, frozenset[DriverInfo]]:
        """Handle types the application casts a drizzle() handle to (`drizzle(client) as unknown as Db`), with the
        drivers of those calls.

        A type such as `NodePgDatabase<S> | PgliteDatabase<S>` names drivers, not how their client was made: a value
        of it may be a pool's handle, or a handle on one checked-out `PoolClient` cast to it (a request-scoped
        handle), on which `Promise.all` gains nothing. Memoised per project; application files only (a test's casts
        decide nothing). A transaction cast to such a type (`tx as unknown as Db`) does not make the type a
        maybe-transaction (every function typed `Db` would lose its fixes): `transaction_parameters` follows the
        cast value into the function it is passed to, and only there."""
        cached = self.__dict__.get("_handle_type_casts")
        if cached is None:
            cached = self.__dict__["_handle_type_casts"] = self._handle_type_casts()
        return cached  # type: ignore[no-any-return]

    def _handle_type_casts(self) -> dict[Handle, frozenset[DriverInfo]]:
        from dalfix.analysis.drivers import driver_of_call, drizzle_driver_imports, may_create_handles
        from dalfix.analysis.handles import Handle

        found: dict[Handle, frozenset[DriverInfo]] = {}
        for path in dict.fromkeys([*self.analysed, *self.client_files]):
            if not self.is_application_file(path):
                continue
            source = self.files.source(path) if path in self.files else None
            if source is not None and not (b" as " in source and may_create_handles(source)):
                continue  # no cast, or no drizzle() call to cast
            info = self.summaries.module(path)
            modules = drizzle_driver_imports(info.parsed, self.summaries) if info is not None else {}
            if info is None or not modules:
                continue
            parsed = info.parsed
            for cast in descendants_of_type(parsed.root, "as_expression"):
                if cast.parent is not None and cast.parent.type == "as_expression":
                    continue  # `x as unknown as Db`: the outer cast names the type
                inner = unwrap(cast)
                function = inner.child_by_field_name("function") if inner.type == "call_expression" else None
                module = modules.get(parsed.text(function)) if function is not None else None
                annotation = cast.named_children[-1] if len(cast.named_children) > 1 else None
                if annotation is None:
                    continue
                if module is not None:
                    drivers = frozenset({driver_of_call(parsed, inner, module)})
                elif inner.type == "identifier":
                    # `const db = drizzle(new PGlite(…)); return db as unknown as Db`: the name is followed to the
                    # drizzle() call(s) it holds (a transaction or a name nothing defines adds nothing).
                    held = self.summaries.handles.expression(parsed, inner)
                    drivers = held.drivers if isinstance(held, Handle) and not held.transaction else frozenset()
                else:
                    continue
                if not drivers:
                    continue
                value = self.summaries.handles.type_value(parsed, annotation)
                if isinstance(value, Handle):
                    found[value] = found.get(value, frozenset()) | drivers
        return found

    def has_driver_evidence(self) -> bool:
        """Whether the project creates any drizzle() handle dalfix can see (else nothing is known either way)."""
        return bool(self.defined_drivers()) or self.config.driver is not None

    def _defined_drivers(self) -> list[tuple[Path, DriverInfo]]:
        from dalfix.analysis.drivers import driver_of_call, drizzle_driver_imports, may_create_handles

        found: list[tuple[Path, DriverInfo]] = []
        paths = list(dict.fromkeys([*self.analysed, *self.client_files]))
        for path in paths:
            if path in self.files and not may_create_handles(self.files.source(path)):
                continue  # no driver import (drizzle_driver_imports looks for these bytes): not parsed for it
            info = self.summaries.module(path)
            if info is None:
                continue
            modules = drizzle_driver_imports(info.parsed, self.summaries)
            if not modules:
                continue
            for call in descendants_of_type(info.parsed.root, "call_expression"):
                function = call.child_by_field_name("function")
                if function is not None and info.parsed.text(function) in modules:
                    found.append((path, driver_of_call(info.parsed, call, modules[info.parsed.text(function)])))
        return found

    @cached_property
    def transaction_parameters(self) -> dict[Path, list[tuple[str, str, bool | str]]]:
        """Parameters some caller passes a transaction handle to: (function, parameter name, maybe) per file.

        Inside such a function the parameter is a transaction even when it is typed as a database
        (`PgTransaction` extends `PgDatabase`), so nothing there may assume a pool. When another caller
        passes the database itself, it is a maybe-transaction (`maybe` is True).

        Built from each analysed file's `handle_passing_calls`, or from those a previous run found for the files whose
        calls cannot have changed (`known_handle_calls`: dalfix/incremental.py).
        """
        known = self.known_handle_calls(self) if self.known_handle_calls is not None else {}
        if known and self.files.ahead is not None:
            self.files.ahead.skip(known)  # their facts are known and their results will likely be reused
        from dalfix.workers import workers_for

        paths = [path for path in self.analysed if path not in known]
        found = {}
        if self.handle_call_shares > 1 and workers_for(self.handle_call_shares, len(paths)) > 1:
            if self.files.ahead is not None:  # a run with a pack: no thread may run at a fork, the shares parse instead
                self.files.ahead.close()
                self.files.ahead = None
            found = self._split_handle_calls(paths)
        calls: dict[Path, list[tuple[tuple[Path, str, str], str]]] = {}
        for path in list(self.analysed):
            if path in known:
                calls[path] = known[path]
            elif path in found:
                calls[path] = found[path]
            else:
                self.files.safe_point()  # the last file's nodes are no longer in use
                calls[path] = self.handle_passing_calls(path)
        self.__dict__["handle_calls"] = calls
        parameters = self._merged(calls)
        while True:
            # A file the relevance filter (or the run's needles) left out whose function takes a transaction: its
            # own calls may hand it on (`export const run = (h, id) => load(h, id)` names no handle)
            receivers = [path for path in [*parameters, *_slot_files(calls)] if path not in calls]
            if not receivers:
                return parameters
            for path in receivers:
                self.files.safe_point()
                calls[path] = self.handle_passing_calls(path)
            parameters = self._merged(calls)

    def _merged(
        self, calls: dict[Path, list[tuple[tuple[Path, str, str], str]]]
    ) -> dict[Path, list[tuple[str, str, bool | str]]]:
        """The calls merged; a method of a receiver dalfix does not resolve (a `METHOD` key) is expanded to the
        project's methods of that name only once what it is handed may be a transaction (most such calls hand on
        parameters that are never one, and the expansion reads every analysed file's functions)."""
        sinks = [(key, kind) for found in calls.values() for key, kind in found if key[1] == METHOD]
        kept: dict[tuple[tuple[Path, str, str], str], None] = {}
        while True:
            passed: dict[tuple[Path, str, str], set[str]] = {}
            merged = {**calls, self.root / METHOD: self._method_parameters(list(kept))} if kept else calls
            parameters = merged_transaction_parameters(merged, passed)
            new = [sink for sink in sinks if sink not in kept and _may_carry_transaction(sink[1], passed)]
            if not new:
                return parameters
            kept.update(dict.fromkeys(new))

    def _split_handle_calls(self, paths: list[Path]) -> dict[Path, list[tuple[tuple[Path, str, str], str]]]:
        """`handle_passing_calls` of `paths` in `handle_call_shares` processes at once (dalfix/workers.py `run_shares`):
        this one takes files from the front of the run's order, forked children from the back (`Claims`: files side
        by side import the same modules), until they meet. A child's answer is its calls and what it learnt about the
        handles of the modules it read (`Summaries.handle_memos`: each name's value is the same whoever follows it
        first), so that neither this process nor the workers forked later follow those names again. Which process
        found a file's calls changes nothing: they are plain data, merged in the run's order. A share whose child died
        or raised is found here, as a serial run finds it (and meets its exception)."""
        from dalfix.workers import Claims, Crash, run_shares, workers_for

        shares = workers_for(self.handle_call_shares, len(paths))
        if shares < 2:
            return {}
        summaries = self.summaries
        self._index_shared_modules(paths)
        before = summaries.handle_memo_sizes()
        claims = Claims(len(paths))

        def share(index: int) -> object:
            found = {}
            if index == 0:
                self._read_schema_in_share()
            while (at := claims.take(index)) is not None:
                self.files.safe_point()
                found[paths[at]] = self.handle_passing_calls(paths[at])
                # Its handles too when its calls did not need its vocabulary: the driver facts (`project_driver_
                # concurrency`) and the cache read every file's, and followed here they are followed in parallel.
                summaries.handles_at(paths[at])
            if index == 0:
                return found
            # The vocabularies its calls needed too: built once, here, not again by the worker that checks the file.
            built = self.__dict__.get("_plain_vocabularies", {})
            vocabularies = [(path, built[path].portable()) for path in found if path in built]
            return found, summaries.handle_memos(before), vocabularies

        try:
            answers = run_shares(share, shares)
        except Exception:
            return {}  # a bug in this process's share: the serial loop meets it again
        calls: dict[Path, list[tuple[tuple[Path, str, str], str]]] = dict(answers[0])  # type: ignore[call-overload]
        for answer in answers[1:]:
            if not isinstance(answer, Crash) and isinstance(answer, tuple):
                found, memos, vocabularies = answer
                summaries.take_handle_memos(memos)
                calls.update(found)
                self._take_vocabularies(vocabularies)
        return calls

    def _read_schema_in_share(self) -> None:
        """What the checks read of the schema and the SQL migrations, built in this process's share while the children
        take more of the claims: the workers forked later inherit it instead of each reading it, and a run with a
        cache (`incremental.global_facts`, which reads both before the workers fork) no longer reads them while one
        core waits. With a cache the schema is read under `reads.recording()`, and the files it read are kept
        (`schema_reads`) for `global_facts`: what it recorded there, since every read is noted again when a memo
        answers (dalfix/analysis/reads.py). Without a cache its errors stay where they were (this share fails and the
        serial loop meets them); with one a failure is left for `global_facts`, which meets it again."""
        if self.known_handle_calls is None:
            self.schema  # noqa: B018
        elif "schema" not in self.__dict__:
            try:
                with recording() as seen:
                    self.schema  # noqa: B018
            except Exception:
                pass  # `global_facts` reads it again and meets the same error (the cache then reuses nothing)
            else:
                self.schema_reads = frozenset(seen)
        if any(rule.reads_sql_facts for rule in self.rules):
            from dalfix.analysis.index_plan import sql_facts

            with suppress(Exception):  # met again where the facts are asked for (DAL003, DAL010)
                sql_facts(self)

    def _index_shared_modules(self, paths: list[Path]) -> None:
        """What both ends of `paths` would follow, found here before the shares fork, so that each share inherits it
        instead of finding it again: each name that files of the front half and files of the back half import (by
        the import graph's reading of their bytes) and that may reach a handle source is resolved to its declaration
        (`resolve_export`, reading the barrels on the way) and the handle reach indexes its module and every module
        that one reaches (`HandleReach.may_denote`). The same memoised answers any share would find (in any order),
        found once: homarr's share children parsed ~750 modules, ~460 of which the parent parsed too. An import only
        one end has stays with that end's share (found here, it would wait for the fork without saving anything)."""
        graph = self.import_graph
        if graph is None or len(paths) < 2:
            return
        half = len(paths) // 2

        def imported(part: list[Path]) -> dict[tuple[Path, str], None]:
            found: dict[tuple[Path, str], None] = {}
            for path in part:
                links = graph._links(path)
                for node in links.imports if links is not None else ():
                    found[node] = None
            return found

        front, back = imported(paths[:half]), imported(paths[half:])
        shared = [node for node in front if node in back and graph.export_may_reach(*node)]
        reach = self.summaries.handles.reach
        for target, name in shared:
            self.files.safe_point()
            try:
                found = self.summaries.resolve_export(target, name, 0)
            except RecursionError:
                continue  # a cycle of re-exports: left to the shares, as `HandleReach._add` meets it there
            if found is not None and found[1] != "*":
                reach.may_denote(*found)

    def _take_vocabularies(self, vocabularies: list[tuple[Path, dict[str, object]]]) -> None:
        """The plain vocabularies a share's child built (`Vocabulary.portable`), kept for `_plain_vocabulary` to take
        when the file's rules ask (the file is not parsed here: the worker checking it parses it): what this process
        would build, from the same handle answers (`take_handle_memos`) and the same bytes."""
        kept = self.__dict__.setdefault("_portable_vocabularies", {})
        for path, data in vocabularies:
            kept.setdefault(path, data)

    def handle_passing_calls(self, path: Path) -> list[tuple[tuple[Path, str, str], str]]:
        """The calls of an analysed file that hand a handle to a project function, in order: ((callee's file, function,
        parameter), kind of handle), plain data (dalfix/incremental.py keeps it per file). A handle is followed through
        casts (`tx as unknown as Db`: the cast names a type, only this call's callee gets the transaction), local
        aliases, object arguments matched to destructured parameters, and the caller's own parameters (a forward
        reference: dalfix/analysis/passed_handles.py).

        A transaction handed on in a shape dalfix does not follow reaches, as an unseen kind (`UNSEEN`, with where
        it happened), every function it could reach: spread arguments (every parameter from the spread on),
        `f.call`/`f.apply`/`f.bind` (every parameter of `f`), `new C(tx)` (every `this.…` receiver of the class),
        a method of a receiver dalfix cannot resolve (every parameter of every project method of that name: a
        `METHOD` key, expanded by `transaction_parameters`), and a function value passed where the callee calls its
        parameter (`withTx(load)`: load's parameters get what withTx calls `fn` with, the `SLOT` key `fn()`)."""
        loaded = self.analysed[path] if path in self.analysed else self.files.load(path)
        if loaded is None:
            return []
        parsed = loaded
        reader: PassedHandles | None = None
        found: list[tuple[tuple[Path, str, str], str]] = []
        for call in descendants_of_type(parsed.root, "call_expression", "new_expression"):
            args = call.child_by_field_name("arguments")
            if args is None or args.type != "arguments" or not args.named_children:
                continue
            target = self.summaries.callee(parsed, call) if call.type == "call_expression" else None
            patterns = self.summaries.parameter_patterns(*target) if target is not None else None
            followed = target is not None and patterns is not None and any(p is not None for p in patterns)
            if not followed and not _may_hand_on(parsed, call, args):
                continue
            if reader is None:
                # The vocabulary only now: a file that calls no project function taking a parameter has its own built
                # where its rules run (in a worker, with the others).
                vocabulary = self._plain_vocabulary(parsed)
                reader = PassedHandles(
                    parsed,
                    vocabulary,
                    lambda: self.summaries.function_names(parsed),
                    functools.partial(self._callback_slot, parsed),
                )
            if not followed or target is None or patterns is None:
                found.extend(self._unfollowed_call(parsed, reader, call, args))
                continue
            arguments = args.named_children
            spread = next((i for i, a in enumerate(arguments) if a.type == "spread_element"), len(arguments))
            values = [
                reader.argument(arg, patterns[index]) if index < len(patterns) and patterns[index] is not None else None
                for index, arg in enumerate(arguments[:spread])
            ]
            path_of, function = target
            starts = functools.partial(self.summaries.starts_queries, path_of, function)
            for name, kind in reader.matched(values, patterns, starts):
                found.append(((target[0], target[1], name), kind))
            if spread < len(arguments):
                # `load(...[tx, id])`, `load(...args)`: which parameter gets what is not followed
                carried = {k for a in arguments[spread:] for k in _carried(reader, a)}
                reason = self._where(parsed, call)
                for local in _locals(patterns[spread:]):
                    found.extend(((path_of, function, local), unseen(reason, _absolute(k, path))) for k in carried)
            found.extend(self._function_arguments(parsed, call, arguments[:spread], target, patterns, values))
        return found

    def _unfollowed_call(
        self, parsed: ParsedFile, reader: PassedHandles, call: Node, args: Node
    ) -> list[tuple[tuple[Path, str, str], str]]:
        """What a call dalfix does not resolve to a project function's parameters hands on (see
        `handle_passing_calls`). The argument kinds are read last, once the callee is one that could take them."""
        function = call.child_by_field_name("constructor" if call.type == "new_expression" else "function")
        function = unwrap(function) if function is not None else None
        arguments = list(args.named_children)

        def carried() -> set[str]:
            return {k for a in arguments for k in _carried(reader, a)}

        if function is None:
            return []
        if function.type == "member_expression":
            obj, prop = function.child_by_field_name("object"), function.child_by_field_name("property")
            method = parsed.text(prop) if prop is not None else ""
            if obj is None:
                return []
            if method in ("call", "apply", "bind"):
                arguments = arguments[1:]  # the first is `this`
                target = self._function_value(parsed, obj)
                if target is None:
                    return []
                patterns = self.summaries.parameter_patterns(*target) or []
                reason = self._where(parsed, call)
                kinds = carried()
                return [
                    ((target[0], target[1], local), unseen(reason, _absolute(k, parsed.path)))
                    for local in _locals(patterns)
                    for k in kinds
                ]
            base = unwrap(obj)
            if base.type == "identifier" and parsed.text(base) in _BUILTIN_OBJECTS:
                return []
            if self.vocabulary_kind(reader, base):
                return []  # a query on a handle (`tx.execute(query)`), not a method of the project
            kinds = carried()
            if not kinds:
                return []
            reason = self._where(parsed, call)
            return [((parsed.path, METHOD, method), unseen(reason, _absolute(k, parsed.path))) for k in kinds]
        if function.type != "identifier":
            return []
        name = parsed.text(function)
        if call.type == "new_expression":
            # `new UserRepo(tx)`: the instance's `this.db` (or any `this.…`) may be the transaction
            target = self.summaries._top_level(parsed.path, name)
            info = self.summaries.module(target[0]) if target is not None and target[1] != "*" else None
            if target is None or info is None or info.declared.get(target[1]) not in CLASS_TYPES:
                return []
            reason = self._where(parsed, call)
            return [((target[0], target[1], "this"), unseen(reason, _absolute(k, parsed.path))) for k in carried()]
        binding = _binding(parsed, function, name, reader._scopes)
        named = reader.functions.get(binding.start_byte) if binding is not None else None
        if binding is None or named is None or binding.type not in FUNCTION_TYPES:
            return []
        # `(fn) => db.transaction((tx) => fn(tx))`: what `withTx` calls its callback parameter with
        return [((parsed.path, named, name + SLOT), k) for k in carried()]

    @staticmethod
    def vocabulary_kind(reader: PassedHandles, node: Node) -> bool:
        """Whether a receiver is a handle the file's vocabulary knows (its methods are Drizzle's)."""
        vocabulary = reader.vocabulary
        return vocabulary.handle_kind(node, node) is not None or reader.parsed.text(node) in vocabulary.db_names

    def _function_arguments(
        self,
        parsed: ParsedFile,
        call: Node,
        arguments: Sequence[Node],
        target: tuple[Path, str],
        patterns: Sequence[object],
        values: Sequence[Passed | None],
    ) -> list[tuple[tuple[Path, str, str], str]]:
        """Function values passed where the callee calls its parameter (`withTx(load)`): the function's parameters
        get what the callee calls it with, through an unseen step. A callback parameter passed on (`(fn) =>
        run(fn)`) gets what the next callee calls it with."""
        found: list[tuple[tuple[Path, str, str], str]] = []
        for index, argument in enumerate(arguments):
            pattern = patterns[index] if index < len(patterns) else None
            value = unwrap(argument)
            if not isinstance(pattern, str) or value.type not in ("identifier", "member_expression"):
                continue
            function = self._function_value(parsed, value)
            # A parameter of the calling function (the reader's forward reference to it), passed on as a callback
            passed = values[index] if function is None and index < len(values) else None
            forwarded = [k for k in passed.kinds if k.startswith(FORWARD)] if passed is not None else []
            if (function is None and not forwarded) or not self._calls_parameter(target, pattern):
                continue
            slot = forward(target[1], pattern + SLOT, str(target[0]))
            if function is not None:
                reason = self._where(parsed, call)
                locals_ = _locals(self.summaries.parameter_patterns(*function) or [])
                found.extend(((function[0], function[1], local), unseen(reason, slot)) for local in locals_)
                continue
            for kind in forwarded:
                caller, _, name = kind[len(FORWARD) :].partition("\0")
                found.append(((parsed.path, caller, name + SLOT), slot))
        return found

    def _callback_slot(self, parsed: ParsedFile, function: Node) -> str | None:
        """For a function literal passed as an argument to a project function that calls that parameter, what its
        parameters are handed: an unseen forward reference to the callee's callback parameter; else None."""
        args = function.parent
        call = args.parent if args is not None and args.type == "arguments" else None
        if call is None or call.type != "call_expression" or args is None:
            return None
        target = self.summaries.callee(parsed, call)
        patterns = self.summaries.parameter_patterns(*target) if target is not None else None
        if target is None or patterns is None:
            return None
        index = next((i for i, a in enumerate(args.named_children) if a == function), None)
        pattern = patterns[index] if index is not None and index < len(patterns) else None
        if not isinstance(pattern, str) or not self._calls_parameter(target, pattern):
            return None
        return unseen(self._where(parsed, call), forward(target[1], pattern + SLOT, str(target[0])))

    def _calls_parameter(self, target: tuple[Path, str], name: str) -> bool:
        """Whether the function calls its parameter `name` (`name(`, `name?.(`, `name.call(`)."""
        cache = self.__dict__.setdefault("_parameter_calls", {})
        key = (target, name)
        if key not in cache:
            node = self.summaries.function_node(*target)
            info = self.summaries.module(target[0])
            text = info.parsed.text(node) if node is not None and info is not None else ""
            cache[key] = name_followed_by(text, name, CALL_TAIL)
        return bool(cache[key])

    def _function_value(self, parsed: ParsedFile, node: Node) -> tuple[Path, str] | None:
        """The project function an expression names (`load`, `repo.load`, `ns.load`), if any."""
        node = unwrap(node)
        found: tuple[Path, str] | None = None
        if node.type == "identifier":
            found = self.summaries._top_level(parsed.path, parsed.text(node))
        elif node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            if obj is not None and prop is not None and unwrap(obj).type == "identifier":
                base = self.summaries._top_level(parsed.path, parsed.text(unwrap(obj)))
                if base is not None:
                    found = (base[0], parsed.text(prop) if base[1] == "*" else f"{base[1]}.{parsed.text(prop)}")
        if found is None or found[1] == "*" or self.summaries.function_node(*found) is None:
            return None
        return found

    def _where(self, parsed: ParsedFile, node: Node) -> str:
        """A call as a message names it: its text (shortened to one line) and where it is."""
        text = " ".join(parsed.text(node).split())
        if len(text) > 60:
            text = text[:57] + "…"
        where = parsed.path.relative_to(self.root) if parsed.path.is_relative_to(self.root) else parsed.path
        return f"`{text}` ({where.as_posix()}:{node.start_point[0] + 1})"

    def _method_parameters(
        self, sinks: list[tuple[tuple[Path, str, str], str]]
    ) -> list[tuple[tuple[Path, str, str], str]]:
        """Unseen kinds handed to a method of a receiver dalfix does not resolve (`METHOD` keys), handed to every
        parameter of every function of the analysed files with that name (an object literal's or a class's method,
        or a top-level function)."""
        by_name: dict[str, list[tuple[Path, str]]] = self.__dict__.setdefault("_methods_by_name", {})
        wanted = {key[2] for key, _ in sinks} - set(by_name)
        for name in wanted:
            by_name[name] = []
        if wanted:
            needles = [name.encode() for name in wanted]
            for path in list(self.analysed):
                if not any(needle in self.files.source(path) for needle in needles):
                    continue  # names none of the methods: not parsed for them
                self.files.safe_point()
                for qualified in self.summaries.function_names(self.analysed[path]).values():
                    last = qualified.rpartition(".")[2]
                    if last in wanted and not qualified.endswith(RETURNED):
                        by_name[last].append((path, qualified))
        found: list[tuple[tuple[Path, str, str], str]] = []
        for (_, _, method), kind in sinks:
            for path, qualified in by_name.get(method, ()):
                for local in _locals(self.summaries.parameter_patterns(path, qualified) or []):
                    found.append(((path, qualified, local), kind))
        return found

    def analyzer_for(self, parsed: ParsedFile, vocabulary: Vocabulary) -> EffectAnalyzer:
        cache = self.__dict__.setdefault("_analyzers", {})
        cached = cache.get(parsed.path)
        generations = self.__dict__.setdefault("_analyzer_generations", {})
        if (
            cached is None
            or cached.parsed is not parsed
            or cached.vocabulary is not vocabulary
            or generations.get(parsed.path) != parsed.generation  # its memos hold nodes of a released tree
        ):
            cached = cache[parsed.path] = EffectAnalyzer(parsed, vocabulary, self.summaries)
            generations[parsed.path] = parsed.generation
        return cached

    # ---- drivers ------------------------------------------------------------------------------
    def drivers_for(self, parsed: ParsedFile) -> list[DriverInfo]:
        if self.config.driver:
            return [DriverInfo(self.config.driver, self.config.dialect, f"{self.config.path}")]
        return [self._created_only(d) for d in self.summaries.file_handles(parsed).values()]

    def statement_drivers_for(self, parsed: ParsedFile) -> list[DriverInfo]:
        """`drivers_for` and the drivers of the handle factories the file can name (`db().select()`: Cap's MySQL
        `db()`): what a statement's dialect and bind-parameter limit come from (dalfix/batching.py). Not for a
        pool/connection question: a file importing a one-connection factory beside the pool (`connectOne()`) is
        not on one connection everywhere."""
        if self.config.driver:
            return self.drivers_for(parsed)
        named = {**self.summaries.factory_drivers_at(parsed.path), **self.summaries.file_handles(parsed)}
        return [self._created_only(d) for d in named.values()]

    def _created_only(self, driver: DriverInfo) -> DriverInfo:
        """A handle that may run on several drivers, narrowed to those the application creates (a test-only
        PGlite beside the production pool does not decide)."""
        parts = driver.driver.split("|")
        kept = [p for p in parts if p in self.created_driver_names]
        if len(parts) == 1 or not kept or len(kept) == len(parts):
            return driver
        return DriverInfo("|".join(kept), driver.dialect, driver.evidence)

    @cached_property
    def project_driver_concurrency(self) -> bool | None:
        """From the drizzle() handles the scanned application files name, else package.json: pool (True),
        serial (False). Tests, seeds and scripts do not decide (a test suite on PGlite says nothing about the
        pool the application's data-access functions are handed), nor does a test-only candidate of a handle
        chosen at runtime (`NODE_ENV === "test" ? pglite : pool`)."""
        drivers = [
            self._created_only(d)
            for path in self.analysed
            if self.is_application_file(path)
            for d in self.summaries.handles_at(path).values()
        ]
        known = {d.concurrent for d in drivers if d.concurrent is not None}
        if len(known) == 1:
            return known.pop()
        if known:
            return None
        manifest = self.root / "package.json"
        try:
            deps = (
                json.loads(manifest.read_text(encoding="utf-8")).get("dependencies", {}) if manifest.is_file() else {}
            )
        except (OSError, ValueError):
            deps = {}
        names = set(deps)
        if names & SERIAL_PACKAGES and not names & CONCURRENT_PACKAGES:
            return False
        return None

    def parallel_reads_help_for(self, parsed: ParsedFile) -> bool:
        """False when this file's handles run on one connection or synchronously (Promise.all gains nothing)."""
        if self.config.driver and self.config.driver not in KNOWN_DRIVERS:
            return True  # validated in config loading; unknown names are reported there
        drivers = self.drivers_for(parsed)
        if any(d.concurrent is False for d in drivers):
            return False
        if any(d.concurrent for d in drivers):
            return True
        return self.project_driver_concurrency is not False
