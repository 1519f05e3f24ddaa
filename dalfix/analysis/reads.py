"""Which files one file's check read (dalfix/incremental.py): the safety net of per-file cache invalidation.

A cached result of a file is reused when its bytes, the files its imports reach and the project-wide facts are
unchanged. The analysis reads other files only through imports (see dalfix/analysis/relevance.py); a read of a file
outside those, seen here while a file's rules ran, makes that file an input of every file's results from then on
(`incremental.ProjectDependencies`). The places where the analysis reads or asks for another file's contents call
`note` (ProjectFiles, `Summaries.module`, the few direct reads); it costs a test when nothing records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path


class _Collector:
    """The set of paths the innermost `collect()` block gathers into (None outside any)."""

    def __init__(self) -> None:
        self.current: set[Path] | None = None

    @contextmanager
    def collect(self) -> Iterator[set[Path]]:
        """Collect the paths added inside (nested: the outer block sees the inner one's paths too)."""
        outer = self.current
        seen: set[Path] = set()
        self.current = seen
        try:
            yield seen
        finally:
            self.current = outer
            if outer is not None:
                outer |= seen


_reads = _Collector()  # files noted while one file's rules ran
_wide = _Collector()  # files a project-wide memo built inside such a check read


def note(path: Path) -> None:
    """The analysis read (or asked for the facts of) `path`."""
    if _reads.current is not None:
        _reads.current.add(path)


def recording_now() -> bool:
    """Whether some `recording()` block is collecting (a file's check is under way)."""
    return _reads.current is not None


def note_all(paths: Iterable[Path]) -> None:
    """The analysis used a memoised answer that was found by reading `paths`: noted as if it read them again, so that
    what a check is recorded to have read does not depend on which check asked first."""
    if _reads.current is not None:
        _reads.current.update(paths)


def recording() -> AbstractContextManager[set[Path]]:
    """Collect the files noted inside (nested: the outer one sees the inner one's files too)."""
    return _reads.collect()


@contextmanager
def unrecorded() -> Iterator[None]:
    """Reads inside are not noted: a project-wide fact whose dependants are never reused per file (DAL010's index
    plan: the files it reports on are checked again each run, the others it does not concern)."""
    outer, _reads.current = _reads.current, None
    try:
        yield
    finally:
        _reads.current = outer


@contextmanager
def project_wide() -> Iterator[None]:
    """A project-wide memo is built inside: later checks use it without reading its files again, so every result
    depends on the files noted here, whatever file's check built it (not only those outside its imports' reach)."""
    with recording() as seen:
        yield
    if _wide.current is not None:
        _wide.current.update(seen)


def recording_wide() -> AbstractContextManager[set[Path]]:
    """Collect the files noted inside a `project_wide` block (the runner, around one file's check)."""
    return _wide.collect()
