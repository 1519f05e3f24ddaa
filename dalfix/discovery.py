"""Which files to scan: recurse into directories, honour .gitignore (pathspec), skip what is not source."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

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
    name = path.name
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


class _IgnoreRules:
    """.gitignore files from the repository root down to the directory being walked."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.PathSpec | None] = {}

    def _spec_for(self, directory: Path) -> pathspec.PathSpec | None:
        if directory not in self._specs:
            spec = None
            gitignore = directory / ".gitignore"
            if gitignore.is_file():
                lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
                spec = pathspec.GitIgnoreSpec.from_lines(lines)
            self._specs[directory] = spec
        return self._specs[directory]

    def ignored(self, path: Path, is_dir: bool) -> bool:
        # As in git, the deepest .gitignore with a pattern matching the path decides: a `!pattern` in a
        # subdirectory re-includes what a parent's .gitignore excludes.
        for directory in _ancestors_to_repo_root(path.parent):
            spec = self._spec_for(directory)
            if spec is None:
                continue
            relative = path.relative_to(directory).as_posix() + ("/" if is_dir else "")
            decision = spec.check_file(relative).include
            if decision is not None:
                return decision
        return False


def _ancestors_to_repo_root(directory: Path) -> list[Path]:
    chain = []
    for candidate in (directory, *directory.parents):
        chain.append(candidate)
        if (candidate / ".git").exists():
            break
    return chain


def discover(paths: Iterable[Path], exclude: Iterable[str] = ()) -> Iterator[Path | Skipped]:
    """Files to scan under `paths`, in a stable order; explicitly named files are always included."""
    ignore = _IgnoreRules()
    excluded = pathspec.GitIgnoreSpec.from_lines(list(exclude))
    seen: set[Path] = set()  # real paths: a file reached twice (one way through a symlink) is scanned once
    for given in paths:
        given = Path(os.path.abspath(given))
        if given.is_file() or (given.is_symlink() and not given.is_dir()):
            if given.resolve() not in seen:
                seen.add(given.resolve())
                yield given if is_source_file(given) else Skipped(given, "not a TypeScript file")
            continue
        if not given.is_dir():
            yield Skipped(given, "no such file or directory")
            continue
        real_root = given.resolve()
        for dirpath, dirnames, filenames in os.walk(given):
            here = Path(dirpath)
            dirnames[:] = sorted(
                d
                for d in dirnames
                if d not in ALWAYS_SKIPPED_DIRS
                and not ignore.ignored(here / d, is_dir=True)
                and not excluded.match_file((here / d).relative_to(given).as_posix() + "/")
            )
            for filename in sorted(filenames):
                path = here / filename
                if not is_source_file(path):
                    continue
                if ignore.ignored(path, is_dir=False) or excluded.match_file(path.relative_to(given).as_posix()):
                    continue
                real = path.resolve()
                if real in seen or (path.is_symlink() and real.is_relative_to(real_root)):
                    continue  # a link to a file of this tree: the walk reaches (or excludes) the file itself
                seen.add(real)
                yield path
