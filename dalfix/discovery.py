"""Which files to scan: recurse into directories, honour .gitignore (pathspec), skip what is not source."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec
from pathspec.util import normalize_file

from dalfix.config import PROBED_NAMES, may_exist, remember
from dalfix.parsing import SUPPORTED_SUFFIXES

ALWAYS_SKIPPED_DIRS = frozenset({"node_modules", ".git", ".hg", ".svn", "dist", ".next", ".turbo"})
# A generated file says so in its header: a tag, or a sentence about the file itself. "auto-generated"
# alone is not enough ("restricts the auto-generated tool list" is a hand-written file's doc comment).
GENERATED_HEADER = re.compile(
    rb"@generated|DO NOT EDIT|Code generated\b"
    rb"|(?i:\b(?:this|the) (?:file|code|module) (?:is|was|has been) (?:auto(?:matically)?[- ]?)?generated\b)"
    rb"|(?im:^[\s/*#-]*(?:auto(?:matically)?[- ]?generated|generated (?:by|from|with))\b)"
)


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


def is_source_file(path: Path) -> bool:
    return is_source_name(path.name)


def is_source_name(name: str) -> bool:
    """`is_source_file` of a file name (a walk's names: no Path built for each)."""
    return name.endswith(SUPPORTED_SUFFIXES) and not name.endswith((".d.ts", ".d.mts", ".d.cts"))


def looks_generated(head: bytes) -> bool:
    """A generated-file marker in the comment block the file opens with (a header), not in later comments."""
    return GENERATED_HEADER.search(leading_comment_block(head)) is not None


def leading_comment_block(head: bytes) -> bytes:
    """The comments before the first line of code (after a `#!` line), when they start in the first five
    lines; b"" when the file opens with code."""
    index = head.find(b"\n") + 1 if head.startswith(b"#!") else 0
    if head.startswith(b"\xef\xbb\xbf"):
        index = 3
    comments: list[bytes] = []
    while True:
        while index < len(head) and head[index : index + 1] in b" \t\r\n":
            index += 1
        if head.startswith(b"//", index):
            end = head.find(b"\n", index)
            end = len(head) if end < 0 else end
        elif head.startswith(b"/*", index):
            end = head.find(b"*/", index + 2)
            end = len(head) if end < 0 else end + 2
        else:
            return b"\n".join(comments)
        if not comments and head.count(b"\n", 0, index) >= 5:
            return b""
        comments.append(head[index:end])
        index = end


def read_source(path: Path) -> bytes:
    """A regular file's bytes; OSError for anything else (a FIFO or device named *.ts would block forever)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"not a regular file ({_kind(os.fstat(descriptor).st_mode)})")
        with os.fdopen(os.dup(descriptor), "rb") as handle:
            return handle.read()
    finally:
        os.close(descriptor)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device")):
        if test(mode):
            return name
    return "a block device" if stat.S_ISBLK(mode) else "a directory" if stat.S_ISDIR(mode) else "special"


def _real_path(path: Path) -> Path | str:
    """`path` with symlinks resolved, or why it cannot be (a symlink loop, a name too long)."""
    try:
        return path.resolve()
    except RuntimeError:  # Python < 3.13 reports a symlink loop this way
        return "symlink loop"
    except OSError as exc:
        return exc.strerror or str(exc)


def _not_regular(path: Path) -> str | None:
    """Why `path` (followed through symlinks) is not a regular file to read, or None when it is one."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return "symlink loop" if exc.errno == errno.ELOOP else f"cannot read: {exc.strerror or exc}"
    return None if stat.S_ISREG(mode) else f"not a regular file ({_kind(mode)})"


class _IgnoreRules:
    """.gitignore files from the repository root down to the directory being walked."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.PathSpec | None] = {}
        # directory -> the .gitignore specs of it and its ancestors up to the repository root, nearest first,
        # with each one's directory as a string prefix and its patterns as one regex (found once per directory)
        self._chains: dict[Path, list[tuple[str, pathspec.PathSpec, re.Pattern[str] | None]]] = {}
        self._any_pattern: dict[int, re.Pattern[str] | None] = {}
        self.warnings: list[Skipped] = []  # .gitignore lines that could not be read, reported once each

    def _spec_for(self, directory: Path) -> pathspec.PathSpec | None:
        if directory not in self._specs and not may_exist(directory, ".gitignore"):
            self._specs[directory] = None  # the walk listed the directory: it has none
        if directory not in self._specs:
            spec = None
            gitignore = directory / ".gitignore"
            try:
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:  # none, or unreadable (a path too long is reported when its directory is listed)
                lines = None
            if lines is not None:
                spec = pathspec.GitIgnoreSpec.from_lines(self._readable(gitignore, lines))
            self._specs[directory] = spec
        return self._specs[directory]

    def _readable(self, gitignore: Path, lines: list[str]) -> list[str]:
        """The lines pathspec accepts; each other line is left out with a warning (git may accept it)."""
        kept = []
        for number, line in enumerate(lines, 1):
            try:
                pathspec.GitIgnoreSpec.from_lines([line])
            except Exception:  # pathspec raises its own error types, which vary between versions
                where = gitignore.with_name(f"{gitignore.name}:{number}")
                self.warnings.append(Skipped(where, "a pattern dalfix cannot read; the line is ignored"))
                continue
            kept.append(line)
        return kept

    def ignored(self, path: Path, is_dir: bool) -> bool:
        return self.ignored_in(path.parent, path.as_posix(), is_dir)

    def ignored_in(self, directory: Path, text: str, is_dir: bool) -> bool:
        """`ignored` of the path `text` (as_posix) in `directory`: a walk's names, without a Path for each."""
        # As in git, the deepest .gitignore with a pattern matching the path decides: a `!pattern` in a
        # subdirectory re-includes what a parent's .gitignore excludes.
        chain = self._chains.get(directory)
        if chain is None:
            chain = self._chain_for(directory)
        for prefix, spec, any_pattern in chain:
            relative = text[len(prefix) :] + ("/" if is_dir else "")  # path.relative_to(directory), as a string
            if any_pattern is not None and any_pattern.search(normalize_file(relative)) is None:
                continue  # no pattern of this file matches: it has no say (pathspec's answer would be None)
            decision = spec.check_file(relative).include
            if decision is not None:
                return decision
        return False

    def _chain_for(self, directory: Path) -> list[tuple[str, pathspec.PathSpec, re.Pattern[str] | None]]:
        """The specs of `directory` and its ancestors up to the repository root (the first with a `.git`), found
        once per directory: the parent's chain (walked before it) plus the directory's own .gitignore."""
        chain = self._chains.get(directory)
        if chain is None:
            spec = self._spec_for(directory)
            chain = [(str(directory).rstrip("/") + "/", spec, self._any_pattern_of(spec))] if spec is not None else []
            repository = may_exist(directory, ".git") and os.path.lexists(directory / ".git")
            if not repository and directory.parent != directory:
                chain = chain + self._chain_for(directory.parent)
            self._chains[directory] = chain
        return chain

    def _any_pattern_of(self, spec: pathspec.PathSpec) -> re.Pattern[str] | None:
        """One regex matching where any of the spec's patterns matches (pathspec tries them one by one, in Python);
        None when the patterns cannot be joined (then every path asks pathspec)."""
        if id(spec) not in self._any_pattern:
            self._any_pattern[id(spec)] = any_pattern_regex(spec)
        return self._any_pattern[id(spec)]


def any_pattern_regex(spec: pathspec.PathSpec) -> re.Pattern[str] | None:
    """The alternation of the spec's pattern regexes (named groups made plain, so they can repeat); None when a
    pattern is not a `str` regex without flags or references to a named group."""
    parts = []
    for pattern in spec.patterns:
        if pattern.include is None:
            continue  # a comment or blank line: pathspec skips it too
        regex = getattr(pattern, "regex", None)
        if not isinstance(regex, re.Pattern) or not isinstance(regex.pattern, str):
            return None
        if regex.flags != re.UNICODE or "(?P=" in regex.pattern or "(?(" in regex.pattern:
            return None
        parts.append("(?:" + _NAMED_GROUP.sub("(?:", regex.pattern) + ")")
    if not parts:
        return re.compile("(?!)")  # matches nothing
    try:
        return re.compile("|".join(parts))
    except re.error:
        return None


_NAMED_GROUP = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")


# Each directory a walk visits, in order, with the names of its source files (`is_source_file`) sorted: kept as
# strings for the run (`walked_directories`), a few MiB less than Paths and every name on a tree of 14,000 files.
Listing = list[tuple[str, tuple[str, ...]]]


def discover(
    paths: Iterable[Path], exclude: Iterable[str] = (), listing: Listing | None = None
) -> Iterator[Path | Skipped]:
    """Files to scan under `paths`, in a stable order; explicitly named files are always included.

    What cannot be scanned (a symlink loop, a FIFO, a directory that cannot be listed, a path too long) is
    yielded as `Skipped` with the reason, and the walk goes on. `listing`, when given, receives every directory
    walked with its source files' names (see `walked_directories`).
    """
    ignore = _IgnoreRules()
    patterns = list(exclude)
    excluded = pathspec.GitIgnoreSpec.from_lines(patterns) if patterns else None
    seen: set[str] = set()  # real paths: a file reached twice (one way through a symlink) is scanned once
    for given in paths:
        given = Path(os.path.abspath(given))
        if not given.is_dir():
            yield from _named_file(given, seen)
            continue
        real_root = given.resolve()
        # os.walk enters no symlink (followlinks=False): below `given`, a walked directory's real path is the real
        # root's plus the same names (`Path.resolve` of each cost a `stat` per component of every directory).
        given_text, real_text = str(given), str(real_root)
        unlisted: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(given, onerror=unlisted.append):
            yield from _drain(unlisted, ignore)
            here = Path(dirpath)
            # Which of PROBED_NAMES the directory holds (any case: a file system may ignore it), for `may_exist`.
            remember("names", here, PROBED_NAMES.intersection([n.lower() for n in (*filenames, *dirnames)]))
            prefix = dirpath.rstrip("/") + "/"  # the walk's paths as strings (Path.as_posix of each)
            dirnames[:] = sorted(
                d
                for d in dirnames
                if d not in ALWAYS_SKIPPED_DIRS
                and not ignore.ignored_in(here, prefix + d, is_dir=True)
                and not (excluded and excluded.match_file((here / d).relative_to(given).as_posix() + "/"))
            )
            real_here: str | None = None  # the directory with symlinks resolved (and a "/"), once per directory
            filenames = [name for name in sorted(filenames) if is_source_name(name)]
            if listing is not None:
                listing.append((dirpath, tuple(filenames)))
            for filename in filenames:
                text = prefix + filename
                if ignore.ignored_in(here, text, is_dir=False) or (
                    excluded and excluded.match_file((here / filename).relative_to(given).as_posix())
                ):
                    continue
                try:
                    mode: int | None = os.lstat(text).st_mode
                except OSError:
                    mode = None  # vanished or unreadable: the full checks below say why
                path = here / filename
                link = mode is None or stat.S_ISLNK(mode)
                if real_here is None:
                    real_here = (real_text + dirpath[len(given_text) :]).rstrip("/") + "/"
                # A file that is no symlink, in a directory whose real path is known, is that path plus its name.
                if link:
                    real = _real_path(path)
                    if isinstance(real, str):
                        yield Skipped(path, real)
                        continue
                    if str(real) in seen or (path.is_symlink() and real.is_relative_to(real_root)):
                        continue  # a link to a file of this tree: the walk reaches (or excludes) the file itself
                    seen.add(str(real))
                elif real_here + filename in seen:
                    continue
                else:
                    seen.add(real_here + filename)
                problem = _not_regular(path) if link or mode is None or not stat.S_ISREG(mode) else None
                yield Skipped(path, problem) if problem else path
        yield from _drain(unlisted, ignore)


def discover_once(root: Path) -> list[Path | Skipped]:
    """`discover([root])`, walked once per run (`config.memoized_probes`): the runner, DAL010's query sites and
    the scan for drizzle-orm driver imports list the same workspace."""
    return _walk_once(root)[0]


def _walk_once(root: Path) -> tuple[list[Path | Skipped], Listing]:
    from dalfix.config import probe

    def walk() -> tuple[list[Path | Skipped], Listing]:
        listing: Listing = []
        return list(discover([root], listing=listing)), listing

    return probe("discover", Path(os.path.abspath(root)), walk)


def walked_directories(root: Path) -> list[tuple[Path, tuple[str, ...]]] | None:
    """The directories a walk of `root` visits (pruned as `discover` prunes them: always-skipped names and
    git-ignored directories, never single files), each with its source files' names, taken from a `discover_once`
    of `root` or of a directory above it that this run already made; None when there is none (walk it yourself).

    A walk of a directory the larger walk visited is the larger walk's contiguous run of it and what is below
    it: each directory's fate depends only on its path and the .gitignore files above it."""
    found = _walked_run(root)
    if found is None:
        return None
    listing, start, end = found
    return [(Path(here), names) for here, names in listing[start:end]]


def _walked_run(root: Path) -> tuple[Listing, int, int] | None:
    """The listing of a walk this run made that visited `root`, and the run [start, end) of `root` in it."""
    from dalfix.config import probed

    text = os.path.abspath(root)
    below = text.rstrip("/") + "/"
    for walked_root, (_, listing) in probed("discover"):
        if str(walked_root) != text and not text.startswith(str(walked_root).rstrip("/") + "/"):
            continue
        start = next((i for i, (here, _) in enumerate(listing) if here == text), None)
        if start is None:
            continue  # not reached by that walk (under an ignored or always-skipped directory)
        end = start + 1
        while end < len(listing) and listing[end][0].startswith(below):
            end += 1
        return listing, start, end
    return None


def forget_walked(root: Path) -> None:
    """Drop `root` and what is below it from the listings of walks this run made above it (a finished workspace
    of a run over several: its directories are not asked about again)."""
    found = _walked_run(root)
    while found is not None:
        listing, start, end = found
        del listing[start:end]
        found = _walked_run(root)


def _named_file(given: Path, seen: set[str]) -> Iterator[Path | Skipped]:
    if not os.path.lexists(given):
        yield Skipped(given, "no such file or directory")
        return
    real = _real_path(given)
    if isinstance(real, str):
        yield Skipped(given, real)
    elif str(real) not in seen:
        seen.add(str(real))
        problem = _not_regular(given) if is_source_file(given) else "not a TypeScript file"
        yield Skipped(given, problem) if problem else given


def _drain(unlisted: list[OSError], ignore: _IgnoreRules) -> Iterator[Skipped]:
    """Directories os.walk could not list, and unreadable .gitignore lines, as they come up."""
    for error in unlisted:
        yield Skipped(Path(error.filename or "?"), f"cannot list directory: {error.strerror or error}")
    unlisted.clear()
    yield from ignore.warnings
    ignore.warnings.clear()
