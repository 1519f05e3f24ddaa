"""Which files one file's check read (dalfix/incremental.py): the safety net of per-file cache invalidation.

A cached result of a file is reused when its bytes, the files its imports reach and the project-wide facts are
unchanged. The analysis reads other files only through imports (see dalfix/analysis/relevance.py); a read of a file
outside those, seen here while a file's rules ran, makes that file an input of every file's results from then on
(`incremental.ProjectDependencies`). The places where the analysis reads or asks for another file's contents call
`note` (ProjectFiles, `Summaries.module`, the few direct reads); it costs a test when nothing records.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_recording: set[Path] | None = None


def note(path: Path) -> None:
    """The analysis read (or asked for the facts of) `path`."""
    if _recording is not None:
        _recording.add(path)


@contextmanager
def recording() -> Iterator[set[Path]]:
    """Collect the files noted inside (nested: the outer one sees the inner one's files too)."""
    global _recording
    outer = _recording
    seen: set[Path] = set()
    _recording = seen
    try:
        yield seen
    finally:
        _recording = outer
        if outer is not None:
            outer |= seen


@contextmanager
def unrecorded() -> Iterator[None]:
    """Reads inside are not noted: a project-wide fact whose dependants are never reused per file (DAL010's index
    plan: the files it reports on are checked again each run, the others it does not concern)."""
    global _recording
    outer, _recording = _recording, None
    try:
        yield
    finally:
        _recording = outer


_wide: set[Path] | None = None


@contextmanager
def project_wide() -> Iterator[None]:
    """A project-wide memo is built inside: later checks use it without reading its files again, so every result
    depends on the files noted here, whatever file's check built it (not only those outside its imports' reach)."""
    with recording() as seen:
        yield
    if _wide is not None:
        _wide.update(seen)


@contextmanager
def recording_wide() -> Iterator[set[Path]]:
    """Collect the files noted inside a `project_wide` block (the runner, around one file's check)."""
    global _wide
    outer = _wide
    seen: set[Path] = set()
    _wide = seen
    try:
        yield seen
    finally:
        _wide = outer
        if outer is not None:
            outer |= seen
