"""Running rules over files: parse once, check, apply fixes to a fixpoint, validate every result."""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import difflib
import gc
import os
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal

from dalfix import __version__, incremental, rounds
from dalfix.analysis import reads
from dalfix.analysis.drivers import may_create_handles
from dalfix.analysis.project import Project
from dalfix.analysis.relevance import Relevance, names_a_transaction
from dalfix.analysis.workspace import Workspace, project_root_for, workspace_for
from dalfix.cache import (
    cache_dir_for,
    decode_finding,
    decode_suppression,
    digest,
    encode_finding,
    encode_suppression,
    pack_path,
    read_pack,
    store_pack,
)
from dalfix.comments import comment_texts, ts_directive_targets
from dalfix.config import ConfigError, forget_directory_probes, forget_probes, memoized_probes, too_big
from dalfix.context import FileContext
from dalfix.discovery import Skipped, discover, discover_once, forget_walked, looks_generated, read_source
from dalfix.file_index import Fingerprints
from dalfix.fixes import Applicability, Edit, Finding, Fix, NewFile, apply_edits
from dalfix.imports import ImportConflict, ensure_imports, unused_import_edits
from dalfix.parse_ahead import ParseAhead, parsing_ahead
from dalfix.parsing import TOO_DEEP, ParsedFile, clear_root_index, count_errors, grammar_for, parse_file, reparse
from dalfix.rules import Rule, UnknownRule, select_rules
from dalfix.suppressions import Suppressed, Suppression, apply_suppressions
from dalfix.workers import Crash, run_forked, usable_cores, workers_for

MAX_ROUNDS = 10
# The trees a project keeps between files (the files asked for last): the modules most files' analysis reads
# (the database package, the schema) stay parsed, the rest are parsed again when asked for.
KEPT_TREES = int(os.environ.get("DALFIX_KEPT_TREES", "64"))
# And the first trees parsed, up to this many bytes of source, are kept for the whole project (ProjectFiles).
KEPT_SOURCE = int(os.environ.get("DALFIX_KEPT_SOURCE", "1500000"))

Status = Literal["unchanged", "changed", "skipped", "failed"]


class SourceChanged(OSError):
    """A file's bytes were asked for after the run let them go, and the file no longer holds them."""


@dataclass(slots=True)  # one per listed file: 14,000 on 8 copies of homarr (a __dict__ each cost ~0.7 MiB more)
class FileResult:
    """What the run concluded about one file. Its bytes as the run read them (`original`) and as the fixes leave
    them (`fixed`) are held while they may be needed: once its project is done, a run that lets projects go
    (`RunOptions.release_projects`) drops them for a file with no finding and no change, keeping their hash
    (`digest`); asked for again, they are read again and must hash the same (else SourceChanged)."""

    path: Path
    status: Status = "unchanged"
    # The sequences are empty tuples until set (a run over 14,000 files held 4.5 MiB of empty lists).
    findings: Sequence[Finding] = ()  # on the original source
    applied: Sequence[Finding] = ()  # whose fixes are in `fixed`
    messages: Sequence[str] = ()
    reason: str | None = None  # why skipped or failed
    skipped_functions: int = 0
    masked_functions: int = 0  # analysed with grammar-gap masks (dalfix/grammar_gaps.py)
    suppressed: Sequence[Finding] = ()  # by inline dalfix-ignore comments
    unused_suppressions: Sequence[tuple[Suppression, str]] = ()
    # Found by the fixpoint only after earlier fixes (a read freed by grouping its dependency): positions
    # mapped back to `original`, fixes without edits (theirs apply to an intermediate source, not this one).
    later_findings: Sequence[Finding] = ()
    # Later-round fixes about code an earlier fix writes (DAL001 grouping the `[aggregates]` a DAL006 fix declares):
    # not listed, since a finding must read right against the file as it is; `check` counts them, `apply` and
    # `diff` apply and show them, and a run on the fixed file reports them.
    follow_ups: int = 0
    # The parse of `original`, kept when a finding's fix adds imports: reports compute the import edits on it
    # (dalfix/fix_edits.py) instead of parsing the file again (a 20 MB file's second tree).
    parsed: ParsedFile | None = field(default=None, repr=False, compare=False)
    # The kind of test or setup code the file is (dalfix/analysis/setup_code.py) when the rules leave it out for
    # that (in a project that does not include tests), whichever rules run; None otherwise.
    setup_code: str | None = None
    digest: str | None = field(default=None, repr=False)  # dalfix.cache.digest of `original`, for a file that was read
    _original: bytes | None = field(default=None, repr=False)  # None: not read, or let go (see `digest`)
    _fixed: bytes | None = field(default=None, repr=False)  # None: the same as `original`

    @property
    def original(self) -> bytes:
        """The file's bytes as the run read them (b"" for a file it could not read)."""
        if self._original is None:
            if self.digest is None:
                return b""
            self._original = _read_again(self.path, self.digest)
        return self._original

    @original.setter
    def original(self, source: bytes) -> None:
        self._original = source

    @property
    def fixed(self) -> bytes:
        """The bytes with the applied fixes (`original` when nothing changed)."""
        return self.original if self._fixed is None else self._fixed

    @fixed.setter
    def fixed(self, source: bytes) -> None:
        self._fixed = None if source is self._original else source

    def say(self, *lines: str) -> None:
        """Add messages about the file."""
        self.messages = [*self.messages, *lines]

    @property
    def needs_bytes(self) -> bool:
        """Whether a report uses the bytes: a finding is placed on them, a change or failure shown against them."""
        return self.status != "unchanged" or bool(self.findings or self.later_findings) or self.parsed is not None

    def let_go(self) -> None:
        """Drop the bytes when no report needs them (they can be read again: `original`)."""
        if self.digest is not None and not self.needs_bytes:
            self._original = self._fixed = None

    @property
    def creates(self) -> list[NewFile]:
        """The files the applied fixes create (each once), whether or not they exist on disk already."""
        return sorted({new for f in self.applied if f.fix is not None for new in f.fix.creates})


class NewFiles:
    """The files a run's fixes create, first come first served (files are fixed in a fixed order, so the
    outcome is deterministic): a fix may create a path that no other fix of the run creates with another
    text and that is absent from the disk or holds exactly its text already; anything else refuses the fix.

    `refusal`, when set, refuses every creation with that reason (`check -`: the fixed source goes to stdout,
    a created file could not go anywhere)."""

    def __init__(self, refusal: str | None = None) -> None:
        self.refusal = refusal
        self.claimed: dict[Path, tuple[NewFile, Path]] = {}  # path -> (its text, the file whose fix created it)
        self.asked = 0  # `problem` calls: a worker's file that asked is checked again by the parent, in order

    def problem(self, new: NewFile, owner: Path, root: Path | None) -> str | None:
        """Why a fix of `owner` may not create `new` (None when it may). `root`: the repository it must stay in."""
        self.asked += 1
        if self.refusal is not None:
            return self.refusal
        shown = _shown(new.path)
        claimed = self.claimed.get(new.path)
        if claimed is not None:
            if claimed[0].text == new.text:
                return None
            return f"{shown} is created by another fix (for {_shown(claimed[1])}) with other content"
        if root is not None and not _inside_real(new.path, root):
            return f"{shown} would be outside the repository {_shown(root)}"
        try:
            if os.path.lexists(new.path):
                same = new.path.is_file() and not new.path.is_symlink() and new.path.read_bytes() == new.data
                return None if same else f"{shown} exists with other content; dalfix never overwrites a file"
        except OSError as exc:
            return f"{shown}: {exc.strerror or exc}"
        parent = next((p for p in new.path.parents if os.path.lexists(p)), None)
        if parent is not None and not parent.is_dir():
            return f"{shown} cannot be created: {_shown(parent)} is not a directory"
        if count_errors(parse_file(new.path, new.data).root):
            return f"{shown} would not parse (a dalfix bug; please report it)"
        return None

    def claim(self, new: NewFile, owner: Path) -> None:
        self.claimed.setdefault(new.path, (new, owner))


def _shown(path: Path) -> str:
    from dalfix.context import relative_display

    return relative_display(path)


def _inside_real(path: Path, root: Path) -> bool:
    """Whether `path` (which need not exist) stays inside `root`, symlinks on the way resolved."""
    normal = Path(os.path.normpath(path))
    return normal.is_relative_to(root) and Path(os.path.realpath(normal)).is_relative_to(os.path.realpath(root))


@dataclass
class RunOptions:
    rules: Sequence[type[Rule]]
    fix_threshold: Applicability | None = None  # None: report only; SAFE or UNSAFE: apply up to that
    exclude: tuple[str, ...] = ()
    # What the command line said, so that a project's dalfix.toml can be merged under it (ruff's model:
    # `--select` replaces the file's `select`, `--ignore` adds to its `ignore`).
    cli_select: tuple[str, ...] = ()
    cli_ignore: tuple[str, ...] = ()
    preview: bool = False
    include_tests: bool = False  # `--include-tests`: as `include-tests = true` in every project's settings
    # `dalfix check -`: the source of the one path given, read from standard input instead of the disk. The
    # path still decides the project (config, db handles, module resolution), as if the file were there.
    stdin: bytes | None = None
    config_file: Path | None = None  # `--config PATH`: these settings for every project, instead of its own
    # Called as files are read (done, None) and checked (done, total): the CLI's progress bar.
    progress: Callable[[int, int | None], None] | None = None
    # The persistent cache (dalfix/cache.py): the CLI turns it on unless `--no-cache`; `cache_dir` is
    # `--cache-dir` (else $DALFIX_CACHE_DIR, the project's `cache-dir`, or .dalfix_cache at its workspace root).
    use_cache: bool = False
    cache_dir: Path | None = None
    # Let each project's trees and facts go once its files are checked (the CLI, except `check -v`); the
    # projects in RunResult.projects then know their settings and workspace, no longer their files.
    release_projects: bool = False
    # The repository and code fingerprints of the cache, computed once per run (dalfix/file_index.py): the CLI
    # passes the ones dalfix/replay.py computed before the run; None: the runner makes its own.
    fingerprints: Fingerprints | None = None
    # Worker processes that check a project's files once its facts are built (dalfix/workers.py): 1 is the serial
    # path; None: the project's `jobs` setting, else the usable cores (the CLI's default). Never changes results.
    jobs: int | None = 1


def project_rules(project: Project, options: RunOptions) -> Sequence[type[Rule]]:
    """The rules that run on one project: the command line's choice merged with its dalfix.toml."""
    config = project.config
    if not (config.select or config.ignore or config.preview):
        return options.rules
    try:
        chosen = select_rules(
            options.cli_select or config.select,
            (*config.ignore, *options.cli_ignore),
            options.preview or config.preview,
        )
    except UnknownRule as exc:
        raise ConfigError(f"{config.path}: {exc}") from exc
    if options.cli_select or not config.select:
        allowed = {r.code for r in options.rules} | {r.code for r in chosen if r.preview and config.preview}
        chosen = [r for r in chosen if r.code in allowed]
    return chosen


@dataclass
class RunResult:
    files: list[FileResult]
    projects: list[Project] = field(default_factory=list)  # what the run concluded (`check -v`)

    @property
    def findings(self) -> list[tuple[FileResult, Finding]]:
        """What the fixpoint fixes, and what it cannot: first-round findings and those found later."""
        return [
            (f, finding)
            for f in self.files
            for finding in sorted([*f.findings, *f.later_findings], key=lambda x: (x.start, x.rule))
        ]

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def new_files(self) -> list[NewFile]:
        """The files the changed files' fixes create that do not exist yet (a path holding exactly the text
        already is not created again: a second run creates nothing), in path order."""
        out: dict[Path, NewFile] = {}
        for file in self.files:
            if file.status != "changed":
                continue
            for new in file.creates:
                if new.path not in out and not _holds(new):
                    out[new.path] = new
        return [out[path] for path in sorted(out)]


def _holds(new: NewFile) -> bool:
    try:
        return new.path.is_file() and new.path.read_bytes() == new.data
    except OSError:
        return False


def run(paths: Iterable[Path], options: RunOptions) -> RunResult:
    with memoized_probes():  # the file system is read, not changed, until the run is over
        return _run(paths, options)


def _run(paths: Iterable[Path], options: RunOptions) -> RunResult:
    results: list[FileResult] = []
    projects: dict[Path, Project] = {}
    workspaces: dict[Path, Workspace] = {}
    # The files whose rules run, per project (their digests): read when their project's turn comes (`_Sources`).
    sources_by_project: dict[Path, dict[Path, str]] = {}
    roots: dict[str, Path] = {}  # directory -> project root: looked up once
    first_root: Path | None = None
    given = [Path(os.path.abspath(p)) for p in paths]
    if options.stdin is not None:
        items: Iterable[Path | Skipped] = given[:1]
    elif len(given) == 1 and not options.exclude and given[0].is_dir():
        items = discover_once(given[0])  # listed once: DAL010 and the driver scan may walk the same tree
    else:
        items = discover(given, options.exclude)
    # The directories among the arguments, checked once: testing every argument for every file made
    # `git ls-files | xargs dalfix check` quadratic in the number of arguments.
    given_dirs = [g for g in given if g.is_dir()]
    for item in items:
        if options.progress is not None:
            options.progress(len(results), None)
        if isinstance(item, Skipped):
            results.append(FileResult(item.path, "skipped", reason=item.reason))
            continue
        result = FileResult(item)
        results.append(result)
        try:
            source = options.stdin if options.stdin is not None else read_source(item)
        except OSError as exc:
            result.status, result.reason = "skipped", f"cannot read: {exc.strerror or exc}"
            continue
        result.digest = digest(source)
        if looks_generated(source[:4096]):
            result.status, result.reason = "skipped", "generated file"
            continue
        try:
            source.decode("utf-8")
        except UnicodeDecodeError:
            result.status, result.reason = "skipped", "not UTF-8"
            continue
        # A file's project, found once per directory: its scanned argument (the one it is in) is its directory's.
        root = roots.get(os.path.dirname(item))
        if root is None:
            parent = item.parent
            scanned = next((g for g in given_dirs if item.is_relative_to(g)), parent) if given_dirs else parent
            root = roots[os.path.dirname(item)] = project_root_for(item, scanned)
        if root not in projects:
            workspace = workspace_for(root)
            workspace = workspaces.setdefault(workspace.root, workspace)
            projects[root] = Project.load(root, workspace, options.config_file)
            if options.include_tests:
                projects[root].config = replace(projects[root].config, include_tests=True)
            projects[root].rules = project_rules(projects[root], options)
            projects[root].fix_threshold = options.fix_threshold or Applicability.UNSAFE
            sources_by_project[root] = {}
            first_root = first_root or root
        project = projects[root]
        if project.excludes(item):
            result.status, result.reason = "skipped", "excluded by dalfix.toml"
            continue
        if len(source) > project.config.max_file_size:
            result.status, result.reason = "skipped", too_big(project.config.max_file_size)
            continue
        if may_create_handles(source):
            project.client_files.append(item)  # where handles are created: read even when not parsed here
        if not project.config.include_tests:
            # A property of the file, counted whichever rules run (a file no selected rule's needles match is
            # left out all the same): the summary's "N test/setup files left out" does not vary with --select.
            result.setup_code = project.setup_code_kind(item, source)
        if not _may_match(source, project.rules) and not names_a_transaction(source):
            # A file no rule can match is still read when it names a transaction: it may hand one to a function in
            # another file (`(id) => db.transaction((tx) => load(tx, id))` holds no `await`), and the project's
            # `transaction_parameters` read only the files that enter `sources` (no rule runs on it: check_parsed).
            _note_unused_suppressions(result, source, project)
            continue
        sources_by_project[root][item] = result.digest
        if root == first_root or options.stdin is not None:
            result.original = source  # the first project's files are not read twice
    roots.clear()  # a key per directory of every project: the listing's alone
    _forget_listing_probes(projects, workspaces)
    if options.stdin is None:
        for project in projects.values():
            if not any(project.root.is_relative_to(g) for g in given_dirs):
                _complete_client_files(project)
    by_path = {r.path: r for r in results}
    new_files = NewFiles("a fix that creates a file cannot apply to standard input" if options.stdin else None)
    caches = _ProjectCaches(options, projects, sources_by_project) if _has_cache(options) else None
    for root, project in projects.items():
        if caches is not None and caches.restore(root, by_path):
            sources_by_project[root] = {}  # every result came from the cache: nothing to parse or analyse
        _ = project.workspace.packages  # manifests are read now, so that their problems are reported
    if caches is not None:
        _hold_restored(caches, by_path, options, [root for root in projects if not sources_by_project[root]])
    for restored in results if caches is not None else ():
        if caches is not None and caches.hit(restored.path):  # the files a cached result creates are taken
            for new in restored.creates:
                new_files.claim(new, restored.path)
    # One project at a time: parsed, analysed, then (unless the caller keeps the projects) its trees and facts
    # are let go before the next one is parsed, so that a run over several projects needs the memory of the
    # largest, not of all. Projects share no trees (each has its own files, summaries and resolver).
    total, done = sum(len(files) for files in sources_by_project.values()), 0
    crashed: set[Path] = set()  # files whose worker died: reported, never cached
    pending = [root for root in projects if sources_by_project[root]]
    for index, root in enumerate(pending):
        project = projects[root]
        sources = _project_sources(sources_by_project[root], by_path)
        # Only the files that can hold a finding are parsed and checked (dalfix/analysis/relevance.py); the others
        # count as scanned, with nothing found.
        relevance = Relevance(project, sources) if all(rule.needs_handle for rule in project.rules) else None
        project.import_graph = relevance
        if caches is not None:  # what a pack holds per file (dalfix/incremental.py), asked for as the facts are built
            caches.prepare(root, project, relevance or Relevance(project, sources))
        # Parsed when first asked for; the project keeps the trees of the files asked for last (ProjectFiles.trim).
        # A thread parses the analysed files ahead of the pass that first asks for them, and the modules each file
        # taken links to (what its analysis reads next: Relevance.linked_modules; dalfix/parse_ahead.py); it is joined
        # at the end of the block, before any worker is forked. A cold run that will fork workers forks earlier instead:
        # the files' calls handing a handle are found in as many processes (`Project.handle_call_shares`), and no
        # thread may run at a fork (nor would a second core be idle for it).
        linked = None if relevance is None else relevance.linked_modules
        # With a pack, most files' calls may be known: the thread parses ahead, and `transaction_parameters` stops it
        # and forks the shares only when enough files' calls must be found again (an edit of a widely imported file).
        shares = workers_for(_jobs(options, project), len(sources))
        project.handle_call_shares = shares
        cold = project.known_handle_calls is None
        with parsing_ahead(ahead=0 if shares and cold else None, linked=linked, known=sources.get) as ahead:
            files = _relevant_files(sources, relevance, ahead)
            project.prepare(files, {item: s for item, s in sources.items() if item not in files}, list(sources))
            project.files.kept_source = KEPT_SOURCE
            project.files.ahead = ahead
            if files:
                # Computed here, where no tree is in use, so that the pass over every analysed file lets go of trees.
                with project.files.trimming(KEPT_TREES):
                    parameters = project.transaction_parameters
                project.files.trim(KEPT_TREES)
            project.files.ahead = None
        if files and relevance is not None:
            receivers = relevance.add_receivers(path for path in parameters)
            project.admit([item for item in sources if item in receivers])
        if relevance is not None:
            project.relevance_note = relevance.summary()
        if caches is not None:  # the files whose results a pack holds for what they depend on (dalfix/incremental.py)
            caches.reuse(root, project, by_path)
        del files
        # The project facts live until the project is done: the collector need not traverse them at every full
        # collection (gc.freeze moves them to a generation it never scans).
        gc.freeze()
        todo = [path for path in sources if path in project.analysed and (caches is None or not caches.hit(path))]
        workers = workers_for(_jobs(options, project), len(todo))
        again: set[Path] = set()  # checked by a worker, to be checked here (their fixes create files)
        if workers:
            again = _check_forked(todo, by_path, project, options, new_files, workers, crashed, done, total)
        for path in sources:
            if path in project.analysed and (caches is None or not caches.hit(path)) and (not workers or path in again):
                _process_recorded(by_path[path], project.analysed[path], project, options, new_files, caches)
                project.files.trim(KEPT_TREES)  # this file's rules ran: its tree may go
            elif path not in project.analysed:
                _note_unused_suppressions(by_path[path], sources[path], project)
            done += 1
            if options.progress is not None and not workers:
                options.progress(done, total)
        if caches is not None:
            caches.store(root, by_path, crashed)
        _let_go_sources(sources, by_path, options)
        sources_by_project[root] = {}
        if options.release_projects and index + 1 < len(pending):
            del sources
            project.prepare({})  # its facts and trees go (they form cycles: the collector frees them)
            project.import_graph = None  # and the relevance filter's graph (it holds the sources)
            project.__dict__.pop("resolver", None)  # and its memo of module resolutions
            _forget_finished(project, [projects[later] for later in pending[index + 1 :]], given_dirs)
            clear_root_index()
            gc.unfreeze()
            gc.collect()
    if caches is not None:
        caches.fingerprints.save()
    seen = {r.path for r in results}
    for workspace in workspaces.values():
        for path, problem in workspace.problems:
            if path not in seen:  # a file describing the workspace that dalfix could not use
                seen.add(path)
                results.append(FileResult(path, "skipped", reason=problem))
    return RunResult(results, list(projects.values()))


def _relevant_files(
    sources: dict[Path, bytes], relevance: Relevance | None, ahead: ParseAhead | None
) -> dict[Path, bytes]:
    """The files the relevance filter keeps, in the run's order, each handed to `ahead` to parse as soon as known."""
    files = {}
    for item, source in sources.items():
        if relevance is None or relevance.is_relevant(item):
            files[item] = source
            if ahead is not None:
                ahead.feed(item, source)
    if ahead is not None:
        ahead.fed()
    return files


def _forget_listing_probes(projects: dict[Path, Project], workspaces: dict[Path, Workspace]) -> None:
    """The listing's answers about each file's directory (its project root, workspace, repository, settings file):
    from here on only project, workspace and repository roots and the directories above them are asked about."""
    keep: set[Path] = set()
    for root in [*projects, *workspaces, *(w.repository_root for w in workspaces.values())]:
        keep.add(root)
        keep.update(root.parents)
    forget_directory_probes(keep)


def _project_sources(digests: dict[Path, str], by_path: dict[Path, FileResult]) -> dict[Path, bytes]:
    """The bytes of a project's files whose rules run, read when the project's turn comes (the listing kept only
    the first project's): a file that no longer holds the bytes the listing read (whose needles, setup-code kind
    and cache entry were decided on them) is skipped, and leaves the project."""
    sources: dict[Path, bytes] = {}
    for item in list(digests):
        result = by_path[item]
        try:
            sources[item] = result.original
        except OSError as exc:
            _skip_changed(result, exc)
            del digests[item]
    return sources


def _skip_changed(result: FileResult, exc: OSError) -> None:
    """`result` becomes a skipped file: its bytes changed (or went) since the run first read them."""
    reason = str(exc) if isinstance(exc, SourceChanged) else f"cannot read: {exc.strerror or exc}"
    fresh = FileResult(result.path, "skipped", reason=reason)
    for name in result.__dataclass_fields__:
        setattr(result, name, getattr(fresh, name))


def _let_go_sources(paths: Iterable[Path], by_path: dict[Path, FileResult], options: RunOptions) -> None:
    """Once a project is done, the bytes of its files no report needs (no finding, no change) go: a run over many
    projects holds the bytes of one project's files, not of all (`FileResult.let_go`)."""
    if options.release_projects and options.stdin is None:
        for path in paths:
            by_path[path].let_go()


def _hold_restored(
    caches: _ProjectCaches, by_path: dict[Path, FileResult], options: RunOptions, roots: Iterable[Path]
) -> None:
    """The files of the projects the cache restored whole (`roots`): those a report needs hold their bytes (read
    again now and compared with the listing's, so that no finding is placed on other bytes), the others let them
    go as a finished project's do."""
    for root in roots:
        for item in caches.sources[root]:
            result = by_path[item]
            if result.needs_bytes:
                try:
                    _ = result.original
                except OSError as exc:
                    _skip_changed(result, exc)
            elif options.release_projects and options.stdin is None:
                result.let_go()


def _forget_finished(project: Project, later: list[Project], given_dirs: list[Path]) -> None:
    """What a released project's run memoised beyond its facts: its setup-code verdicts per file and, when no
    later project shares its workspace, the workspace's memos (its files as DAL010's query candidates, with the
    bytes read for them; the JSON read) and the walks of directories inside it, its part of a walk above it included
    (each copy of a tree is its own workspace: a run over many holds one's memos, not all). Memos of a pure function
    of the files: asked again, they are computed again."""
    project.__dict__.pop("setup_code", None)
    workspace = project.workspace
    if workspace is None or any(other.workspace is workspace for other in later):
        return
    for memo in [key for key in workspace.__dict__ if key.startswith("_query_")]:
        del workspace.__dict__[memo]
    workspace._json_cache.clear()
    forget_probes("discover", workspace.root, keep=given_dirs)
    if workspace.root not in given_dirs:
        forget_walked(workspace.root)  # its directories in the listing of a walk above it (`walked_directories`)


def _read_again(path: Path, expected: str) -> bytes:
    """`path`'s bytes, read again after the run let them go: SourceChanged unless they hash to `expected`."""
    source = read_source(path)
    if digest(source) != expected:
        raise SourceChanged("changed on disk while dalfix ran (it read other bytes before); run dalfix again")
    return source


def _jobs(options: RunOptions, project: Project) -> int:
    if options.jobs is not None:
        return options.jobs
    return project.config.jobs or usable_cores()


def _share_project_facts(project: Project, deferred: Sequence[type[Rule]] = ()) -> None:
    """Build, before forking, the project-wide facts the rules would otherwise build at their first file: in
    every worker again (each its own copy), and in an order that would depend on which file a worker got. The
    `deferred` rules' facts are built by one worker while the others check (`_check_forked`)."""
    # A bug there stays each file's internal error, as in a serial run: the workers meet it again where the serial
    # path does (a memo is set only once complete).
    with contextlib.suppress(Exception):
        _ = project.transaction_parameters
        _ = project.project_driver_concurrency
        _ = project.application_drivers, project.created_driver_names
        for rule in project.rules:
            if rule not in deferred:
                rule.project_facts(project)
    gc.freeze()  # the facts just built, too: children never traverse them


def _deferred_rules(project: Project) -> list[type[Rule]]:
    """The rules whose project facts one worker builds while the others check under stand-in facts."""
    return [rule for rule in project.rules if rule.stand_in]


def _check_forked(
    todo: list[Path],
    by_path: dict[Path, FileResult],
    project: Project,
    options: RunOptions,
    new_files: NewFiles,
    workers: int,
    crashed: set[Path],
    done: int,
    total: int,
) -> set[Path]:
    """Check `todo` in `workers` forked processes (dalfix/workers.py) and fill their results in place; returns the
    files to check again here, in order, because their fixes may create files (`NewFiles` decides first come,
    first served across the run, which a worker cannot see).

    A rule with stand-in facts (DAL010's index plan: `Rule.stand_in_facts`) does not hold the fork up: task 0 builds
    its facts in the first worker and checks, with them, the files they can report on (`Rule.facts_concern`),
    while every other check runs under the stand-in; the parent then takes task 0's results for those files."""
    deferred = _deferred_rules(project)
    _share_project_facts(project, deferred)
    project.files.trim(KEPT_TREES)  # the trees the facts were built from need not be copied into the workers
    offset = 1 if deferred else 0

    def check(index: int) -> object:  # runs in a worker
        if index < offset:
            return _deferred_facts(project, deferred, todo, by_path, options, new_files)
        for rule in deferred:
            rule.stand_in_facts(project)  # kept once the real facts are built (task 0, in this worker)
        return _check_one(todo[index - offset], by_path, project, options, new_files)

    again: set[Path] = set()
    answers: dict[Path, object] = {}  # taken once every answer is in: task 0's replace the stand-in checks
    concerned: object = None
    for index, answer in run_forked(check, len(todo) + offset, workers):
        if index < offset:
            concerned = answer
            continue
        answers[todo[index - offset]] = answer
        if options.progress is not None:
            options.progress(done + len(answers), total)
    if deferred:
        _take_concerned(concerned, answers, todo, project, deferred)
    for path in todo:
        _take_answer(path, answers[path], by_path[path], project, crashed, again)
    return again


def _check_one(
    path: Path, by_path: dict[Path, FileResult], project: Project, options: RunOptions, new_files: NewFiles
) -> object:
    """Check one file in a worker: its result as plain data, "again" (its fixes asked about created files), or an
    error."""
    result = by_path[path]
    asked = new_files.asked
    try:
        parsed = _left_out_unparsed(path, project) or project.analysed[path]
        noted = _process_noting_reads(result, parsed, project, options, new_files)
        project.files.trim(KEPT_TREES)  # in this worker: its files' trees go as in the serial path
        if new_files.asked != asked:
            return "again"
        return {**_encode_result(result, ""), **noted}
    except BaseException as exc:  # MemoryError while encoding, or worse: this file only
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return {"error": f"internal error: {type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}


def _left_out_unparsed(path: Path, project: Project) -> ParsedFile | None:
    """For an analysed file this process has not parsed (a share's child found its calls) that the rules leave out
    whatever its bytes say, a stand-in for its parse that holds no tree: its check needs none (`check_with_
    suppressions` returns before any rule, `_process` notes no masks). Its path decides: `setup_code_kind` with
    empty bytes judges by the path and the settings alone, and bytes can only add a kind. Else None (parsed, as
    before). A worker's test files thus cost no parse (agents: ~300 of them in a cold run)."""
    if project.config.include_tests or project.files.held_parse(path) is not None:
        return None
    if project.setup_code_kind(path, b"") is None:
        return None
    # The real bytes for the masked ones (what `_left_out` reads: a kind either way) and no tree: a use of it fails.
    return ParsedFile(path=path, source=project.files.source(path), grammar=grammar_for(path), tree=None)  # type: ignore[arg-type]


def _has_cache(options: RunOptions) -> bool:
    """Whether the run has a persistent cache (`_ProjectCaches`), and so whether the checks' reads are noted for it
    (dalfix/incremental.py): without one nothing ever takes them (a worker's answers, noted in the parent, were
    kept to the end of the run: ~9 MiB of a homarr 8x run's peak)."""
    return options.use_cache and options.stdin is None


def _process_noting_reads(
    result: FileResult, parsed: ParsedFile, project: Project, options: RunOptions, new_files: NewFiles
) -> dict[str, list[str]]:
    """`_process` in a worker; what its check read (the answer's "reads" and "wide", for the parent's
    `incremental.RECORDED` and `WIDE`) when the run notes reads, else nothing."""
    if not _has_cache(options):
        _process(result, parsed, project, options, new_files)
        return {}
    with reads.recording() as seen, reads.recording_wide() as wide:
        _process(result, parsed, project, options, new_files)
    return {"reads": [str(read) for read in seen], "wide": [str(w) for w in wide]}


def _deferred_facts(
    project: Project,
    deferred: Sequence[type[Rule]],
    todo: list[Path],
    by_path: dict[Path, FileResult],
    options: RunOptions,
    new_files: NewFiles,
) -> object:
    """Task 0 (in a worker): the deferred rules' real facts, then the check of every file they can report on."""
    try:
        concern: set[Path] = set()
        for rule in deferred:
            rule.project_facts(project)
            concern |= rule.facts_concern(project)
    except Exception:  # a bug in the facts: the parent checks every file itself, as a serial run would
        return "unknown"
    return [(path, _check_one(path, by_path, project, options, new_files)) for path in todo if path in concern]


def _take_concerned(
    answer: object, answers: dict[Path, object], todo: list[Path], project: Project, deferred: Sequence[type[Rule]]
) -> None:
    """Task 0's answer: its results replace the stand-in checks of the files the real facts can report on. When it
    raised or its worker died, those files are checked again here, the facts built here (every file, when the facts
    cannot be built: each then fails as in a serial run)."""
    if isinstance(answer, list):
        answers.update(answer)
        incremental.CONCERNED.append({path for path, _ in answer})
        return
    try:
        concern = set().union(*(rule.facts_concern(project) for rule in deferred))
    except Exception:
        concern = set(todo)
    for path in todo:
        if path in concern:
            answers[path] = "again"


def _take_answer(
    path: Path, answer: object, result: FileResult, project: Project, crashed: set[Path], again: set[Path]
) -> None:
    """Fill a file's result from its worker's answer (a `Crash`, "again", an error, or the encoded result)."""
    if isinstance(answer, Crash):
        crashed.add(path)
        result.status, result.fixed = "failed", result.original
        result.reason = f"the worker process checking this file crashed ({answer.how}); the other files were checked"
    elif answer == "again":
        again.add(path)
    elif isinstance(answer, dict) and "error" in answer:
        result.status, result.fixed = "failed", result.original
        result.reason = str(answer["error"])
        result.say(str(answer["traceback"]))
    else:
        assert isinstance(answer, dict)
        if "reads" in answer:  # the run notes reads (`_has_cache`): the cache's `store` takes them
            incremental.RECORDED[path] = {Path(read) for read in answer["reads"]}
            incremental.WIDE[path] = {Path(read) for read in answer["wide"]}
        for name, value in _decode_result(answer).items():
            setattr(result, name, value)
        if any(f.fix is not None and f.fix.imports for f in result.findings):
            result.parsed = project.analysed[path]  # as `_process` keeps it: the reports' import edits


def _complete_client_files(project: Project) -> None:
    """The files of `project` that import a drizzle-orm driver entry, also those the run was not given: which
    drivers the application creates decides whether parallel reads help, so `dalfix check src/a.ts` (the PR bot
    on changed files, pre-commit) must see the same clients as `dalfix check .`."""
    known = set(project.client_files)
    for item in discover_once(project.root):
        if not isinstance(item, Path) or item in known or project.excludes(item):
            continue
        try:
            source = read_source(item)
        except OSError:
            continue
        small = len(source) <= project.config.max_file_size
        if small and may_create_handles(source) and not looks_generated(source[:4096]):
            project.client_files.append(item)


class _ProjectCaches:
    """The persistent cache of one run (dalfix/cache.py): per project, a pack of the results of the files whose
    rules run. All of them are used when the project's fingerprint matches; when only module contents changed (the
    pack's layout matches), each file's result is used when its bytes and what it depends on are unchanged
    (dalfix/incremental.py, `reuse`)."""

    def __init__(
        self, options: RunOptions, projects: dict[Path, Project], sources: dict[Path, dict[Path, str]]
    ) -> None:
        self.options, self.projects = options, projects
        self.sources = {root: dict(files) for root, files in sources.items()}  # file -> digest, as listed
        self.digests = {str(item): value for files in sources.values() for item, value in files.items()}
        self.hits: set[Path] = set()
        self.kept: dict[Path, dict[str, dict[str, object]]] = {}  # entries read, per project
        self.packs: dict[Path, tuple[Path, str, str]] = {}  # project root -> (pack path, fingerprint, layout)
        # Per project whose pack's layout matches: its entries and the files every result depends on (`extra`).
        self.partial: dict[Path, tuple[dict[str, object], list[str]]] = {}
        self.relevance: dict[Path, Relevance] = {}  # per project: its import graph's reader
        self.dependencies: dict[Path, incremental.ProjectDependencies] = {}
        self.facts: dict[Path, tuple[str, str]] = {}  # per project: its driver facts and global facts (hashes)
        self.fingerprints = options.fingerprints or Fingerprints(__version__)
        self.digest_of = incremental.digests_for(self.digests, self.fingerprints.file_hash)
        incremental.RECORDED.clear()
        incremental.WIDE.clear()
        incremental.ASKED.clear()
        incremental.CONCERNED.clear()
        self.concern: dict[Path, set[Path]] = {}  # per project with a `stand_in` rule: the files its facts concern
        config_file = options.config_file
        self.options_key = repr(
            (
                [rule.code for rule in options.rules],
                options.fix_threshold,
                options.preview,
                options.cli_select,
                options.cli_ignore,
                options.exclude,
                str(config_file) if config_file else None,
                digest(config_file.read_bytes()) if config_file is not None and config_file.is_file() else None,
            )
        )

    def _fingerprint(self, root: Path, cache_dir: Path, layout: bool = False) -> str:
        """The project's fingerprint: everything its files' results may depend on. `layout`: all but the contents
        of its modules (their paths kept)."""
        project = self.projects[root]
        index_dir = str(cache_dir)  # where the file indexes go (dalfix/file_index.py), beside the packs
        repository = str(project.workspace.repository_root)
        parts = [
            self.fingerprints.code(index_dir),
            self.options_key,
            (self.fingerprints.layout if layout else self.fingerprints.repository)(repository, index_dir),
            repr(replace(project.config, jobs=None)),  # how many workers never changes a result
            ",".join(rule.code for rule in project.rules),
            repr(project.drizzle_version),
            *(str(item) if layout else f"{item}\0{self.digests[str(item)]}" for item in self.sources[root]),
            *(str(path) for path in project.client_files),
        ]
        return digest("\n".join(parts).encode("utf-8", "surrogateescape"))

    def restore(self, root: Path, by_path: dict[Path, FileResult]) -> bool:
        """Fill the results of the project's files from its pack; whether every one was there."""
        files = self.sources[root]
        if not files:
            return False
        project = self.projects[root]
        directory = cache_dir_for(project.workspace.root, project.config.cache_dir, self.options.cache_dir)
        pack = pack_path(directory, self.options_key, root)
        fingerprint = self._fingerprint(root, directory)
        layout = self._fingerprint(root, directory, layout=True)
        self.packs[root] = (pack, fingerprint, layout)
        data = read_pack(pack)
        entries = data.get("files") if data is not None else None
        kept = self.kept[root] = {}
        if data is None or not isinstance(entries, dict):
            return False
        if data.get("fingerprint") != fingerprint:
            extra = data.get("extra")
            if data.get("layout") == layout and isinstance(extra, list) and incremental.per_file(project.rules):
                self.partial[root] = (entries, [str(path) for path in extra])
            return False
        for item in files:
            entry = entries.get(str(item))
            if self._take(entry, item, by_path):
                assert isinstance(entry, dict)
                kept[str(item)] = entry
        return len(kept) == len(files)

    def _take(self, entry: object, item: Path, by_path: dict[Path, FileResult], key: str | None = None) -> bool:
        """Fill `item`'s result from `entry` when it was written for these bytes (and, given `key`, for what the file
        depends on); whether it was."""
        if not isinstance(entry, dict) or entry.get("digest") != self.digests[str(item)]:
            return False
        if key is not None and entry.get("deps") != key:
            return False
        try:
            fields = _decode_result(entry)
        except (KeyError, TypeError, ValueError, AssertionError):  # a corrupt entry is a miss
            return False
        for name, value in fields.items():
            setattr(by_path[item], name, value)
        self.hits.add(item)
        return True

    def prepare(self, root: Path, project: Project, relevance: Relevance) -> None:
        """Before the project's facts are built: the analysed files whose calls handing a handle a pack knows (and
        which cannot have changed) are given to `Project.transaction_parameters` instead of being analysed."""
        if root in self.packs and incremental.per_file(project.rules):
            self.relevance[root] = relevance
            project.known_handle_calls = lambda project: self._known_calls(root, project)

    def _dependencies(self, root: Path) -> incremental.ProjectDependencies:
        dependencies = self.dependencies.get(root)
        if dependencies is None:
            _, extra = self.partial.get(root, ({}, []))
            dependencies = self.dependencies[root] = incremental.ProjectDependencies(
                self.relevance[root], self.sources[root], self.digest_of, (Path(path) for path in extra)
            )
        return dependencies

    def _known_calls(self, root: Path, project: Project) -> dict[Path, list[tuple[tuple[Path, str, str], str]]]:
        entries, _ = self.partial.get(root, ({}, []))
        try:
            dependencies = self._dependencies(root)
            drivers = "calls\0" + incremental.driver_facts(project)
        except Exception:  # a fact that cannot be built or compared: every file's calls are found again
            return {}
        self.facts[root] = (drivers, "")
        known = {}
        for path in project.analysed:
            entry = entries.get(str(path))
            if not isinstance(entry, dict) or entry.get("digest") != self.digests.get(str(path)):
                continue
            if "calls" not in entry or entry.get("calls_key") != dependencies.key(path, drivers):
                continue
            try:
                known[path] = incremental.decode_calls(entry["calls"])
                handles = incremental.decode_handles(entry["handles"]) if "handles" in entry else None
            except ValueError:
                continue
            if handles is not None:  # as `Summaries.handles_at` would find them again
                project.summaries._file_handles.setdefault(path, handles)
        return known

    def reuse(self, root: Path, project: Project, by_path: dict[Path, FileResult]) -> None:
        """Once the project's facts are built: the results of a pack whose layout matches are taken for the analysed
        files whose bytes and dependencies are unchanged."""
        if root not in self.relevance:
            return
        entries, _ = self.partial.pop(root, ({}, []))
        try:
            dependencies = self._dependencies(root)
            facts, schema_files = incremental.global_facts(project, self.digest_of)
        except Exception:  # a fact that cannot be built or compared: no result is reused, none is keyed
            self.dependencies.pop(root, None)
            return
        self.facts[root] = (self.facts.get(root, ("", ""))[0], facts)
        dependencies.add_extra(schema_files)
        deferred = [rule for rule in project.rules if rule.stand_in]
        if deferred:
            if not entries:
                return  # a cold run: which files the facts concern is known once they are built (`store`)
            try:  # built here, once, so that the files they do not concern can be judged before any check
                for rule in deferred:
                    rule.project_facts(project)
                concern = self.concern[root] = set().union(*(rule.facts_concern(project) for rule in deferred))
            except Exception:
                return
            facts = incremental.with_concern(facts, concern & set(project.analysed))
        kept = self.kept.setdefault(root, {})
        for item in project.analysed:
            if item in self.concern.get(root, ()):
                continue
            key = dependencies.key(item, facts) if item in self.sources[root] and str(item) in entries else None
            if key is not None and self._take(entries[str(item)], item, by_path, key):
                kept[str(item)] = entries[str(item)]  # type: ignore[assignment]

    def _concern(self, root: Path) -> set[Path] | None:
        """The files the project's `stand_in` rules' facts concern (set() without such a rule; None: not known)."""
        project = self.projects[root]
        deferred = [rule for rule in project.rules if rule.stand_in]
        if not deferred:
            return set()
        if root in self.concern:
            return self.concern[root]
        if incremental.CONCERNED:  # a worker built them: its answer names the files they concern
            return set().union(*incremental.CONCERNED)
        if "_index_plan" in project.__dict__:  # DAL010's, built here (a serial run): asking costs nothing more
            try:
                return set().union(*(rule.facts_concern(project) for rule in deferred))
            except Exception:
                return None
        return None

    def hit(self, path: Path) -> bool:
        return path in self.hits

    def store(
        self, root: Path, by_path: dict[Path, FileResult], leave_out: set[Path] | frozenset[Path] = frozenset()
    ) -> None:
        if root not in self.packs:
            return
        pack, fingerprint, layout = self.packs[root]
        kept = self.kept.get(root, {})
        left_out = set(leave_out)
        dependencies = self.dependencies.get(root)
        analysed = self.projects[root].analysed
        for item in self.sources[root]:  # taken, or dropped when no result is keyed: nothing outlives the project
            read, wide = incremental.RECORDED.pop(item, None), incremental.WIDE.pop(item, ())
            if dependencies is not None:
                if read is not None:
                    dependencies.add_extra(dependencies.outside(item, read))
                dependencies.add_extra(wide)
        entries: dict[str, dict[str, object]] = {}
        drivers, facts = self.facts.get(root, ("", ""))
        concern = self._concern(root)
        incremental.CONCERNED.clear()  # the next project's worker answers its own
        if concern is None:
            facts = ""  # not known: no result is keyed
        elif facts and any(rule.stand_in for rule in self.projects[root].rules):
            facts = incremental.with_concern(facts, concern & set(analysed))
        calls = self.projects[root].__dict__.get("handle_calls", {})
        summaries = self.projects[root].__dict__.get("summaries")
        handles = summaries._file_handles if summaries is not None else {}
        for item in self.sources[root]:
            if item in left_out or by_path[item].status == "skipped":  # skipped: changed since it was listed
                continue
            entry = dict(kept.get(str(item)) or _encode_result(by_path[item], self.digests[str(item)]))
            entries[str(item)] = entry
            for key in ("deps", "calls", "calls_key", "handles"):
                entry.pop(key, None)
            if dependencies is None:
                continue
            if facts and item in analysed and item not in incremental.ASKED and item not in (concern or ()):
                entry["deps"] = dependencies.key(item, facts)
            if drivers and item in calls:
                entry["calls"] = incremental.encode_calls(calls[item])
                entry["calls_key"] = dependencies.key(item, drivers)
                if item in handles:
                    entry["handles"] = incremental.encode_handles(handles[item])
        extra = sorted(str(path) for path in dependencies.extra) if dependencies is not None else []
        store_pack(pack, {"fingerprint": fingerprint, "layout": layout, "extra": extra, "files": entries})


def _encode_result(result: FileResult, source_digest: str) -> dict[str, object]:
    return {
        "digest": source_digest,
        "status": result.status,
        "fixed": None if result.fixed == result.original else result.fixed.decode("utf-8", "surrogateescape"),
        "findings": [encode_finding(f) for f in result.findings],
        "applied": [encode_finding(f) for f in result.applied],
        "later": [encode_finding(f) for f in result.later_findings],
        "follow_ups": result.follow_ups,
        "suppressed": [encode_finding(f) for f in result.suppressed],
        "unused": [[encode_suppression(s), why] for s, why in result.unused_suppressions],
        "messages": list(result.messages),
        "reason": result.reason,
        "skipped_functions": result.skipped_functions,
        "masked_functions": result.masked_functions,
    }


def _decode_result(entry: dict[str, object]) -> dict[str, object]:
    """The FileResult fields an entry holds (ValueError, TypeError, KeyError or AssertionError when corrupt); the
    fixed bytes as `_fixed`, None when they are the original ones."""

    def findings(key: str) -> list[Finding]:
        raw = entry[key]
        assert isinstance(raw, list)
        return [decode_finding(f) for f in raw]

    status, fixed, messages, reason = entry["status"], entry["fixed"], entry["messages"], entry["reason"]
    unused = entry["unused"]
    assert status in ("unchanged", "changed", "failed") and isinstance(messages, list) and isinstance(unused, list)
    assert (fixed is None or isinstance(fixed, str)) and (reason is None or isinstance(reason, str))
    return {
        "status": status,
        "_fixed": None if fixed is None else fixed.encode("utf-8", "surrogateescape"),
        "findings": findings("findings"),
        "applied": findings("applied"),
        "later_findings": findings("later"),
        "follow_ups": int(entry["follow_ups"]),  # type: ignore[call-overload]
        "suppressed": findings("suppressed"),
        "unused_suppressions": [(decode_suppression(s), str(why)) for s, why in unused],
        "messages": [str(m) for m in messages],
        "reason": reason,
        "skipped_functions": int(entry["skipped_functions"]),  # type: ignore[call-overload]
        "masked_functions": int(entry["masked_functions"]),  # type: ignore[call-overload]
    }


def _may_match(source: bytes, rules: Sequence[type[Rule]]) -> bool:
    needles = _needles_of(tuple(rules))
    return needles is None or any(n in source for n in needles) or any(r.admits_also(source) for r in rules)


@lru_cache(maxsize=64)
def _needles_of(rules: tuple[type[Rule], ...]) -> tuple[bytes, ...] | None:
    """The bytes one of which a file must hold for some rule to run on it (None: every file). The rules' needles
    without repeats and without those holding a shorter one (`for (` needs `for`): a file most rules pass over
    was searched for every needle of every rule (10k files on buster)."""
    if any(not rule.needles for rule in rules):
        return None
    needles = list(dict.fromkeys(n for rule in rules for n in rule.needles))
    return tuple(n for n in needles if not any(other != n and other in n for other in needles))


def check_parsed(
    parsed: ParsedFile,
    project: Project,
    rules: Sequence[type[Rule]],
    ranges: tuple[tuple[int, int], ...] | None = None,
) -> tuple[list[Finding], int]:
    """Every finding of `rules` on one parsed file, minus those inside functions with parse errors and those
    an inline `dalfix-ignore` comment suppresses. With `ranges` (top-level statements' byte ranges), the rules
    search those statements only (a fix round's re-check, dalfix/rounds.py); DAL010 reports for the whole file."""
    checked, skipped = check_with_suppressions(parsed, project, rules, ranges)
    return checked.kept, skipped


def _without_masked_edits(parsed: ParsedFile, finding: Finding) -> Finding:
    """A finding whose fix would change bytes masked for the grammar (dalfix/grammar_gaps.py) keeps its finding
    but not the fix, saying why: `check` then counts only the fixes `apply` can make."""
    fix = finding.fix
    masked = next((m for e in fix.edits if (m := parsed.touches_mask(e.start, e.end))), None) if fix else None
    if fix is None or masked is None:
        return finding
    message = f"{finding.message} (no fix: it would change syntax tree-sitter cannot parse, masked: {masked.reason})"
    return dataclasses.replace(finding, message=message, fix=Fix((), Applicability.DISPLAY_ONLY, fix.title))


def check_with_suppressions(
    parsed: ParsedFile,
    project: Project,
    rules: Sequence[type[Rule]],
    ranges: tuple[tuple[int, int], ...] | None = None,
) -> tuple[Suppressed, int]:
    """Findings split into kept and suppressed (see dalfix/suppressions.py), and the count of skipped regions.
    Test, seed, migration and script files get none unless the project includes tests (one policy for every
    rule: see dalfix/analysis/setup_code.py)."""
    if _left_out(parsed, project):
        return Suppressed(), 0  # no function checked, none skipped
    ctx = FileContext(parsed, project, project.config, ranges)
    findings: list[Finding] = []
    for rule in rules:
        if not rule.may_match(parsed.source):
            continue
        for finding in rule().check(ctx):
            if not parsed.in_error_region(finding.start, finding.end):
                findings.append(_without_masked_edits(parsed, finding) if parsed.masks else finding)
    findings.sort(key=lambda f: (f.start, f.rule))
    ran = {r.code for r in rules} | {r.name for r in rules}
    return apply_suppressions(parsed, findings, ran), len(parsed.error_regions)


def _note_unused_suppressions(result: FileResult, source: bytes, project: Project) -> None:
    """A file the run does not check (no rule's needle, or no handle: it cannot hold a finding) has no findings,
    so each of its `dalfix-ignore` directives naming a rule that ran suppresses nothing, as in a checked file."""
    if b"dalfix-ignore" not in source:
        return
    parsed = parse_file(result.path, source)
    if not _left_out(parsed, project):
        ran = {r.code for r in project.rules} | {r.name for r in project.rules}
        result.unused_suppressions = apply_suppressions(parsed, [], ran).unused


def _left_out(parsed: ParsedFile, project: Project) -> bool:
    """A test, seed, migration or script file the rules leave out (read only for what the project model needs
    from it: handles, callers): no finding, and no note about its functions."""
    return not project.config.include_tests and project.setup_code_kind(parsed.path, parsed.source) is not None


def _process_recorded(
    result: FileResult,
    parsed: ParsedFile,
    project: Project,
    options: RunOptions,
    new_files: NewFiles,
    caches: _ProjectCaches | None,
) -> None:
    """`_process`, noting for the cache what the check read and whether it asked about created files."""
    if caches is None:
        _process(result, parsed, project, options, new_files)
        return
    asked = new_files.asked
    with reads.recording() as seen, reads.recording_wide() as wide:
        _process(result, parsed, project, options, new_files)
    incremental.RECORDED[result.path] = seen
    incremental.WIDE[result.path] = wide
    if new_files.asked != asked:
        incremental.ASKED.add(result.path)


def _process(
    result: FileResult, parsed: ParsedFile, project: Project, options: RunOptions, new_files: NewFiles | None = None
) -> None:
    try:
        checked, skipped = check_with_suppressions(parsed, project, project.rules)
        findings = result.findings = checked.kept
        result.suppressed, result.unused_suppressions = checked.suppressed, checked.unused
        result.skipped_functions = skipped
        if skipped:
            lines = ", ".join(str(n) for n in sorted(set(parsed.error_lines))[:5])
            result.say(f"{skipped} function(s) skipped: parse error at line {lines}")
        if not _left_out(parsed, project):
            _note_masks(result, parsed)
        if any(f.fix is not None and f.fix.imports for f in findings):
            result.parsed = parsed
        # `check` reports what `--unsafe-fixes` would fix, rounds after the first included.
        threshold = options.fix_threshold or Applicability.UNSAFE
        if any(f.fix is not None and f.fix.applicability.allowed_by(threshold) for f in findings):
            found_on: list[tuple[Finding, bytes]] = []
            fixed, applied, messages = fix_to_fixpoint(
                parsed, project, project.rules, threshold, findings, found_on, new_files
            )
            written: list[Finding] = []
            result.later_findings = later_findings(result.original, findings, found_on, written)
            result.follow_ups = len(written)
            if options.fix_threshold is not None:
                result.fixed, result.applied = fixed, applied
                result.say(*messages)
                if fixed != result.original:
                    result.status = "changed"
    except Exception as exc:  # a bug in a rule must not lose the other files
        result.status = "failed"
        result.reason = f"internal error: {type(exc).__name__}: {exc}"
        result.say(traceback.format_exc())
        result.fixed = result.original


def _note_masks(result: FileResult, parsed: ParsedFile) -> None:
    """Count and report what parse_file masked: functions too deep to analyse, syntax the grammar lacks."""
    if parsed.skipped_for_depth:
        result.skipped_functions += parsed.skipped_for_depth
        result.say(f"{parsed.skipped_for_depth} function(s) skipped: nested too deeply to analyse")
    result.masked_functions = parsed.masked_functions
    if result.masked_functions:
        kinds = ", ".join(sorted({m.reason for m in parsed.masks if m.reason != TOO_DEEP}))
        result.say(
            f"{result.masked_functions} function(s) analysed with syntax tree-sitter cannot parse masked ({kinds}); "
            "fixes never change the masked bytes"
        )


def fix_to_fixpoint(
    parsed: ParsedFile,
    project: Project,
    rules: Sequence[type[Rule]],
    threshold: Applicability,
    first_findings: list[Finding] | None = None,
    found_on: list[tuple[Finding, bytes]] | None = None,
    new_files: NewFiles | None = None,
) -> tuple[bytes, list[Finding], list[str]]:
    """Apply fixes round by round until none applies; returns (source, applied findings, messages).

    `found_on`, when given, receives each applied finding with the source it was found on. `new_files` decides
    which files the fixes may create (the run's registry; by default one for this file alone)."""
    new_files = new_files if new_files is not None else NewFiles()
    repository = project.workspace.repository_root if project is not None else None
    messages: list[str] = []
    applied: list[Finding] = []
    rejected: set[tuple[str, tuple[str, ...]]] = set()
    current = parsed
    findings = first_findings
    ranges: tuple[tuple[int, int], ...] | None = None  # the statements the next check searches (None: all)
    for _ in range(MAX_ROUNDS):
        if findings is None:
            findings, _skipped = check_parsed(current, project, rules, ranges)
            if ranges is not None and rounds.verifying():
                _verify_round(current, project, rules, threshold, rejected, ranges, findings)
        offered = [f for f in findings if f.fix is not None and f.fix.applicability.allowed_by(threshold)]
        candidates = [f for f in offered if _key(f) not in rejected]
        candidates = _creatable(candidates, new_files, parsed.path, repository, rejected, messages)
        if not candidates:
            return current.original, applied, messages
        chosen = _non_overlapping(candidates)
        validated: list[ParsedFile] = []
        new_source, accepted, notes = _apply_validated(current, chosen, validated)
        messages.extend(notes)
        kept = {id(f) for f in accepted}  # by identity: comparing findings field by field made this O(n²)
        for finding in chosen:
            if id(finding) not in kept:
                rejected.add(_key(finding))
        if not accepted:
            findings = [f for f in findings if _key(f) not in rejected]
            continue
        applied.extend(accepted)
        for finding in accepted:
            for new in finding.fix.creates if finding.fix is not None else ():
                new_files.claim(new, parsed.path)
        if found_on is not None:
            found_on.extend((f, current.original) for f in accepted)
        # The validation already parsed the new source: the next round checks that tree (parsing it again cost a
        # parse per round and held two trees of the file at once).
        fixed_tree = validated[0] if validated else parse_file(current.path, new_source)
        ranges = _recheck_ranges(current, fixed_tree, project, rules, accepted, offered, rejected)
        current = fixed_tree
        findings = None
    messages.append(f"fixes did not converge after {MAX_ROUNDS} rounds; the result of the last round is kept")
    return current.original, applied, messages


def _recheck_ranges(
    old: ParsedFile,
    new: ParsedFile,
    project: Project,
    rules: Sequence[type[Rule]],
    accepted: list[Finding],
    offered: list[Finding],
    rejected: set[tuple[str, tuple[str, ...]]],
) -> tuple[tuple[int, int], ...] | None:
    """The top-level statements of `new` the next round must check (dalfix/rounds.py); None: the whole file."""
    if project is None:
        return None
    left_out = _left_out(old, project)
    old_facts = rounds.file_facts(old, project, rules, left_out)
    return rounds.recheck_ranges(
        old, old_facts, new, None, project, rules, _left_out(new, project), accepted, offered, rejected
    )


def _verify_round(
    current: ParsedFile,
    project: Project,
    rules: Sequence[type[Rule]],
    threshold: Applicability,
    rejected: set[tuple[str, tuple[str, ...]]],
    ranges: tuple[tuple[int, int], ...],
    found: list[Finding],
) -> None:
    """`DALFIX_VERIFY_ROUNDS=1`: the full round's check of `current` must offer the fixes the re-check of `ranges`
    offers, and find there what it found. An AssertionError (the file fails, loudly) on any difference."""
    full, _skipped = check_parsed(current, project, rules)

    def offered(findings: list[Finding]) -> list[Finding]:
        return [
            f
            for f in findings
            if f.fix is not None and f.fix.applicability.allowed_by(threshold) and _key(f) not in rejected
        ]

    def inside(findings: list[Finding]) -> list[Finding]:
        # A rule that searches the whole file whatever the ranges (DAL010, a plugin's) reports outside them too.
        return [f for f in findings if any(s <= f.start and f.end <= e for s, e in ranges)]

    if offered(full) != offered(found) or inside(full) != inside(found):
        raise AssertionError(
            f"DALFIX_VERIFY_ROUNDS: the fix round's re-check of bytes {list(ranges)} of {current.path} differs from "
            f"the full check: full {[(f.rule, f.start, f.end) for f in inside(full)]} offering "
            f"{[(f.rule, f.start) for f in offered(full)]}, re-check "
            f"{[(f.rule, f.start, f.end) for f in inside(found)]} "
            f"offering {[(f.rule, f.start) for f in offered(found)]}"
        )


def _creatable(
    candidates: list[Finding],
    new_files: NewFiles,
    owner: Path,
    repository: Path | None,
    rejected: set[tuple[str, tuple[str, ...]]],
    messages: list[str],
) -> list[Finding]:
    """The candidates whose files may be created; the others are rejected, with the reason. Within a round, the
    first fix (in source order) to create a path decides its text, as an earlier file's fix does."""
    kept: list[Finding] = []
    texts: dict[Path, str] = {}
    for finding in sorted(candidates, key=lambda f: (f.start, f.rule)):
        assert finding.fix is not None
        problem = None
        for new in finding.fix.creates:
            problem = new_files.problem(new, owner, repository)
            if problem is None and texts.setdefault(new.path, new.text) != new.text:
                problem = f"{_shown(new.path)} is created by another fix in this file with other content"
            if problem is not None:
                break
        if problem is None:
            kept.append(finding)
            continue
        rejected.add(_key(finding))
        messages.append(f"{finding.rule} fix at byte {finding.start} not applied: {problem}")
    return kept


def later_findings(
    original: bytes,
    first: list[Finding],
    found_on: list[tuple[Finding, bytes]],
    written: list[Finding] | None = None,
) -> list[Finding]:
    """Fixes the fixpoint applied after the first round, as findings placed on the original source.

    A first-round finding that waited a round (its fix overlapped another) is not counted twice: a later
    finding with its rule and message stands for it. A finding about code an earlier round's fix wrote (its span
    holds a line the original does not have: midday's DAL001 on the `[aggregates]` a DAL006 fix declares) would
    name what is not in the file: it goes to `written` (when given) instead. Like ruff, `check` lists what reads
    right against the file as it is; `apply` still applies the whole fixpoint.
    """
    # Sets built once (a set rebuilt per finding, and a list searched per finding, made this O(n²)).
    applied = {a for a, _ in found_on}
    first_set = set(first)
    waiting = Counter((f.rule, f.message) for f in first if f not in applied)
    out = []
    seen: set[tuple[str, str, int, int]] = set()  # a fix that never converges is found again every round
    for finding, source in found_on:
        if source == original or finding in first_set:
            continue
        if waiting[(finding.rule, finding.message)] > 0:
            waiting[(finding.rule, finding.message)] -= 1
            continue
        start = _original_offset(original, source, finding.start)
        end = _original_offset(original, source, finding.end, at_end=True)
        if (finding.rule, finding.message, start, max(start, end)) in seen:
            continue
        seen.add((finding.rule, finding.message, start, max(start, end)))
        if written is not None and _touches_written_lines(original, source, finding.start, finding.end):
            written.append(finding)
            continue
        fix = Fix((), finding.fix.applicability, finding.fix.title) if finding.fix is not None else None
        out.append(replace(finding, start=start, end=max(start, end), fix=fix))
    return out


def _touches_written_lines(original: bytes, source: bytes, start: int, end: int) -> bool:
    """Whether bytes `start`..`end` of a fixed `source` span a line the original does not have (one a fix wrote)."""
    old_lines, new_lines = original.splitlines(keepends=True), source.splitlines(keepends=True)
    first, last = source.count(b"\n", 0, start), source.count(b"\n", 0, max(start, end - 1))
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag in ("replace", "insert") and j1 <= last and first < j2:
            return True
    return False


def _original_offset(original: bytes, source: bytes, offset: int, at_end: bool = False) -> int:
    """Where byte `offset` of a fixed `source` was in `original`: same line and column on unchanged lines,
    else the start (or, `at_end`, the end) of the changed region it falls in."""
    old_lines, new_lines = original.splitlines(keepends=True), source.splitlines(keepends=True)
    line = source.count(b"\n", 0, offset)
    column = offset - (source.rfind(b"\n", 0, offset) + 1)
    old_starts = [0]
    for text in old_lines:
        old_starts.append(old_starts[-1] + len(text))
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if j1 <= line < j2 or (j1 == j2 == line):
            if tag == "equal":
                return min(old_starts[i1 + line - j1] + column, len(original))
            return max(old_starts[i2] - 1, old_starts[i1]) if at_end else old_starts[i1]
    return len(original)


def _key(finding: Finding) -> tuple[str, tuple[str, ...]]:
    assert finding.fix is not None
    return finding.rule, tuple(e.text for e in finding.fix.edits)


def _non_overlapping(findings: list[Finding]) -> list[Finding]:
    """A greedy choice of fixes, in source order, none overlapping another (`Fix.overlaps`)."""
    chosen: list[Finding] = []
    taken: list[Edit] = []  # the chosen fixes' edits, sorted; they never overlap, so their ends are sorted too
    starts: list[int] = []
    for finding in sorted(findings, key=lambda f: (f.fix.start, f.fix.end) if f.fix else (0, 0)):
        assert finding.fix is not None
        if any(_overlaps_taken(edit, taken, starts) for edit in finding.fix.edits):
            continue
        chosen.append(finding)
        for edit in finding.fix.edits:
            index = bisect.bisect_right(starts, edit.start)
            starts.insert(index, edit.start)
            taken.insert(index, edit)
    return chosen


def _overlaps_taken(edit: Edit, taken: list[Edit], starts: list[int]) -> bool:
    """Whether `edit` overlaps a taken edit: only the taken edits starting at or before its end can."""
    probe = Fix((edit,), Applicability.SAFE, "")
    index = bisect.bisect_right(starts, edit.end) - 1
    while index >= 0 and taken[index].end >= edit.start:
        if probe.overlaps(Fix((taken[index],), Applicability.SAFE, "")):
            return True
        index -= 1
    return False


def apply_fixes(parsed: ParsedFile, fixes: list[Fix]) -> bytes:
    """The source with non-overlapping `fixes` applied and the imports they need added (ImportConflict)."""
    return _apply_fixes(parsed, fixes)[0]


def _apply_fixes(parsed: ParsedFile, fixes: list[Fix], parse: bool = False) -> tuple[bytes, ParsedFile | None]:
    """`apply_fixes`, and the parse of its result when `parse` (else None), incremental from `parsed`."""
    edits: list[Edit] = [e for fix in fixes for e in fix.edits]
    source = apply_edits(parsed.original, edits)
    wanted = set().union(*(fix.imports for fix in fixes)) if fixes else set()
    reparsed = reparse(parsed, source, edits) if fixes or parse else None
    if wanted:
        assert reparsed is not None
        import_edits = ensure_imports(reparsed, wanted)
        if import_edits:
            source = apply_edits(source, import_edits)
            reparsed = reparse(reparsed, source, import_edits)
    if reparsed is not None:
        unused = unused_import_edits(parsed, reparsed)  # the drizzle-orm names the fixes left unused
        if unused:
            source = apply_edits(source, unused)
            reparsed = reparse(reparsed, source, unused)
    return source, reparsed if parse else None


def _apply_validated(
    parsed: ParsedFile, findings: list[Finding], validated: list[ParsedFile] | None = None
) -> tuple[bytes, list[Finding], list[str]]:
    """Apply the fixes together; a fix whose result has new syntax errors is dropped and reported.

    `validated`, when given, receives the parse of the returned source (when there are accepted fixes)."""
    baseline = count_errors(parsed.root)
    original_comments = comment_texts(parsed.root)
    directives = ts_directive_targets(parsed.original)
    notes: list[str] = []

    def valid(chosen: list[Finding]) -> bytes | None:
        masked = next(
            (m for f in chosen if f.fix for e in f.fix.edits if (m := parsed.touches_mask(e.start, e.end))), None
        )
        if masked is not None:
            if len(chosen) == 1:
                notes.append(
                    f"{chosen[0].rule} fix at byte {chosen[0].start} not applied: it would change bytes dalfix "
                    f"masked ({masked.reason})"
                )
            return None
        try:
            source, reparsed = _apply_fixes(parsed, [f.fix for f in chosen if f.fix is not None], parse=True)
        except ImportConflict as exc:
            if len(chosen) == 1:
                notes.append(f"{chosen[0].rule} fix not applied: {exc}")
            return None
        assert reparsed is not None
        if count_errors(reparsed.root) > baseline:
            if len(chosen) == 1:
                notes.append(
                    f"{chosen[0].rule} fix at byte {chosen[0].start} dropped: it produced invalid syntax "
                    "(a dalfix bug; please report it)"
                )
            return None
        dropped = Counter(c for f in chosen if f.fix is not None for c in f.fix.drops_comments)
        if original_comments - comment_texts(reparsed.root) - dropped:
            if len(chosen) == 1:
                notes.append(
                    f"{chosen[0].rule} fix at byte {chosen[0].start} dropped: it would lose a comment "
                    "(a dalfix bug; please report it)"
                )
            return None
        if directives and directives - ts_directive_targets(source):
            if len(chosen) == 1:
                notes.append(
                    f"{chosen[0].rule} fix at byte {chosen[0].start} not applied: it would change the line a "
                    "`// @ts-expect-error` or `// @ts-ignore` above it suppresses (apply it by hand and move the "
                    "directive)"
                )
            return None
        last_valid[:] = [reparsed]  # only the latest: one re-parsed tree alive at a time
        return source

    def largest_valid(group: list[Finding]) -> tuple[bytes, list[Finding]] | None:
        """Halve a group that fails until the fixes that fail alone are found: O(bad × log n) re-parses, not
        one per fix (which made a big file with one bad fix quadratic)."""
        together = valid(group)
        if together is not None:
            return together, group
        if len(group) == 1:
            return None
        halves = [largest_valid(group[: len(group) // 2]), largest_valid(group[len(group) // 2 :])]
        good = [f for half in halves if half is not None for f in half[1]]
        if all(half is not None for half in halves) or not good:
            together = valid(good) if good else None
            if together is not None:
                return together, good
        return next((half for half in halves if half is not None), None)  # the halves clash: one now, one later

    last_valid: list[ParsedFile] = []
    found = largest_valid(findings)
    if found is None:
        return parsed.original, [], notes
    if validated is not None and last_valid and last_valid[0].original == found[0]:
        validated.append(last_valid[0])
    return found[0], found[1], notes
