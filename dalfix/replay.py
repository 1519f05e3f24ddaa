"""Replaying a run: `dalfix check` or `dalfix diff` run again with nothing changed prints what it printed
last time, without importing the analysis, discovering files or reading the per-file cache.

A run of `check` or `diff` (not `--apply`, `--add-ignore`, `--output-file`, stdin, `--no-cache` or `-v`) leaves a
record, `<cache-dir>/<version>/runs/<hash of the key>.json`: what it wrote to stdout and stderr, in order, its exit
code, and the fingerprints of everything it read. The key is the exact command line, the current directory,
the environment variables that change dalfix's output (colour, terminal, cache), whether stdout and stderr
are terminals and their encodings, and the interpreter with its module path. A later run with the same key
replays the record when every fingerprint still matches:

- dalfix's own code and templates, and the stat data of every other module the recorded run imported;
- whether each path given on the command line is a file, a directory or missing;
- each repository the run read (its root found from the given paths before the run read anything): every
  file under it that the analysis may read, with the settings and markers in the directories above it
  (dalfix/file_index.py — the cache's own fingerprint; through the index, only files whose stat data changed
  are read).

The fingerprints are taken before the run reads anything, so a file changed while a run reads it leaves a
record that no longer matches. A project found outside the repositories the given paths are in (no `.git`
and a package.json above the given directory) leaves no record. The progress bar on a terminal is not
recorded. `DALFIX_REPLAY_LOG=<file>` appends one line per lookup: whether it replayed and, if not, why.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from typing import Any, BinaryIO

from dalfix import __version__
from dalfix.file_index import Fingerprints, content_hash, repository_root_above, write_atomically

RECORD_FORMAT = 1
EXIT_INTERRUPTED = 130  # dalfix/cli.py's exit code after Ctrl-C
_FAILED = -1  # a chunk marking a write that did not get out
CACHE_DIR_NAME = ".dalfix_cache"
# What decides the output besides the command line and the files: colour (dalfix/console.py and rich), the
# cache location. An unlisted variable that starts to matter must be added here.
KEY_ENVIRONMENT = (
    "NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM", "COLORTERM", "COLUMNS", "LINES",
    "TTY_COMPATIBLE", "TTY_INTERACTIVE", "DALFIX_CACHE_DIR",
)  # fmt: skip
# Commands that never leave a record: their output is not only a function of the files (they write files,
# call GitHub, or are cheap anyway); their output is not captured either.
_UNRECORDED = frozenset({"apply", "bot", "clean", "doctor", "rules", "explain", "schema", "indexes"})


def main() -> None:
    """The console script (and `python -m dalfix`): replay when a record matches, else run and record."""
    argv = sys.argv[1:]
    plain = not all(hasattr(s, "buffer") for s in (sys.stdout, sys.stderr))  # no byte streams: nothing to record
    if plain or argv and argv[0] in _UNRECORDED or "--no-cache" in argv or "--add-ignore" in argv:
        from dalfix.cli import entry

        entry()
        return
    session = Session(argv)
    session.replay()  # exits when it replays
    global _session
    _session = session
    from dalfix.cli import entry

    with _captured() as chunks:
        try:
            entry()
        except SystemExit as exc:
            session.store(chunks, exc.code)
            raise


_session: Session | None = None


def current() -> Session | None:
    """The session of this process's command-line run (None in-process: tests, the bot)."""
    return _session


class Session:
    """One command-line run: its key, the record it may replay, and what a new record needs."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.key: list[Any] = _run_key(argv)
        self.name = content_hash(json.dumps(self.key).encode("utf-8", "surrogateescape")) + ".json"
        self.dirs = _candidate_dirs(argv)
        self.fingerprints = Fingerprints(__version__)
        self.fingerprinted = False  # before the run read anything
        self.ready = False  # the run is one to record, and its fingerprints cover what it read
        self.record_dir: str | None = None
        self.given: list[list[str]] = []
        self.code = ""
        self.repositories: dict[str, str] = {}
        self.settings: list[list[str]] = []

    # ---- replaying ------------------------------------------------------------------------------------
    def replay(self) -> None:
        for directory in self.dirs:
            path = os.path.join(directory, __version__, "runs", self.name)
            try:
                with open(path, "rb") as handle:
                    record = json.loads(handle.read())
            except (OSError, ValueError):
                continue
            why = self._mismatch(record, directory)
            self._log(f"{'replayed' if why is None else 'not replayed: ' + why} {path}")
            if why is None:
                self.fingerprints.save(directory)  # files touched but unchanged are not read again next time
                _write(record["output"])
                sys.exit(record["exit"])
            return
        self._log(f"no record for {self.argv}")

    def _mismatch(self, record: object, directory: str) -> str | None:
        """Why the record cannot be replayed, or None when it can."""
        if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT or record.get("key") != self.key:
            return "another key or format"
        try:
            for path, size, mtime in record["modules"]:
                info = os.stat(path)
                if (info.st_size, info.st_mtime_ns) != (size, mtime):
                    return f"module changed: {path}"
            for path, kind in record["given"]:
                if _kind(path) != kind:
                    return f"given path changed: {path}"
            for path, digest in record["settings"]:
                if _file_digest(path) != digest:
                    return f"settings changed: {path}"
            if self.fingerprints.code(directory) != record["code"]:
                return "dalfix's code changed"
            for root, fingerprint in record["repositories"].items():
                if self.fingerprints.repository(root, directory) != fingerprint:
                    return f"files changed under {root}"
            if not isinstance(record["output"], list) or not isinstance(record["exit"], (int, type(None))):
                return "corrupt record"
        except (OSError, KeyError, TypeError, ValueError):
            return "corrupt record or missing module"
        return None

    def _log(self, line: str) -> None:
        target = os.environ.get("DALFIX_REPLAY_LOG")
        if target:
            try:
                with open(target, "a", encoding="utf-8", errors="surrogateescape") as handle:
                    handle.write(line + "\n")
            except OSError:
                pass

    # ---- recording (called by the CLI around the run) --------------------------------------------------
    def before_run(self, paths: list[str]) -> Fingerprints:
        """Fingerprint the repositories of the given paths and dalfix's code before the run reads anything."""
        index_dir = self.dirs[0] if self.dirs else None
        self.given = [[path, _kind(path)] for path in paths]
        # `--config FILE` may lie outside every repository the run reads: its contents are part of the record.
        self.settings = [[path, _file_digest(path)] for path in _config_files(self.argv)]
        self.code = self.fingerprints.code(index_dir)
        for path in paths:
            directory = path if os.path.isdir(path) else os.path.dirname(path)
            root = repository_root_above(directory) or directory
            self.repositories[root] = self.fingerprints.repository(root, index_dir)
        self.fingerprinted = True
        return self.fingerprints

    def after_run(self, projects: list[tuple[str, str]]) -> None:
        """`projects`: (repository root, cache directory) of each project the run checked. No record when one
        lies outside the repositories fingerprinted before the run."""
        self.ready = self.fingerprinted
        for repository, _ in projects:
            if not any(repository == r or repository.startswith(r.rstrip(os.sep) + os.sep) for r in self.repositories):
                self.ready = False
        self.record_dir = projects[0][1] if projects else (self.dirs[0] if self.dirs else None)

    def store(self, chunks: list[tuple[int, bytes]], code: object) -> None:
        """Write the record, unless the output did not all get out (a closed pipe: `_FAILED` among the chunks)
        or the run was interrupted (130): a partial output must never be replayed."""
        if not self.ready or self.record_dir is None or not isinstance(code, (int, type(None))):
            return
        if code == EXIT_INTERRUPTED or any(fd == _FAILED for fd, _ in chunks):
            return
        record = {
            "format": RECORD_FORMAT,
            "key": self.key,
            "code": self.code,
            "modules": _module_stats(),
            "given": self.given,
            "settings": self.settings,
            "repositories": self.repositories,
            "output": [[fd, data.decode("latin-1")] for fd, data in chunks],
            "exit": code,
        }
        text = json.dumps(record, separators=(",", ":"))
        write_atomically(os.path.join(self.record_dir, __version__, "runs", self.name), text.encode("utf-8"))
        self.fingerprints.save(self.record_dir)


def _run_key(argv: list[str]) -> list[Any]:
    streams = [sys.stdout, sys.stderr]
    return [
        RECORD_FORMAT,
        __version__,
        argv,
        os.getcwd(),
        {name: os.environ[name] for name in KEY_ENVIRONMENT if name in os.environ},
        [bool(getattr(s, "isatty", lambda: False)()) for s in streams],
        [[getattr(s, "encoding", None), getattr(s, "errors", None)] for s in streams],
        sys.version,
        sys.executable,
        sys.path,
    ]


def _candidate_dirs(argv: list[str]) -> list[str]:
    """Where a record of this command line can be: the cache directory it names (`--cache-dir`,
    $DALFIX_CACHE_DIR), else the nearest .dalfix_cache above the current directory and above each path
    given. A record found elsewhere than where the run put it is still checked against the key."""
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--cache-dir" and index + 1 < len(argv):
            return [os.path.abspath(argv[index + 1])]
        if arg.startswith("--cache-dir="):
            return [os.path.abspath(arg.split("=", 1)[1])]
    environment = os.environ.get("DALFIX_CACHE_DIR")
    if environment:
        return [os.path.abspath(environment)]
    found: list[str] = []
    starts = [os.getcwd(), *(os.path.abspath(a) for a in argv if not a.startswith("-") and os.path.exists(a))]
    for start in starts:
        directory = start if os.path.isdir(start) else os.path.dirname(start)
        while True:
            candidate = os.path.join(directory, CACHE_DIR_NAME)
            if os.path.isdir(candidate):
                if candidate not in found:
                    found.append(candidate)
                break
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    return found


def _config_files(argv: list[str]) -> list[str]:
    """The files `--config FILE` / `--config=FILE` name, as absolute paths."""
    found = [b for a, b in zip(argv, argv[1:], strict=False) if a == "--config"]
    found += [a.split("=", 1)[1] for a in argv if a.startswith("--config=")]
    return [os.path.abspath(path) for path in found]


def _file_digest(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return content_hash(handle.read())
    except OSError as exc:
        return f"unreadable:{exc.errno}"


def _kind(path: str) -> str:
    if os.path.isdir(path):
        return "directory"
    if os.path.isfile(path):
        return "file"
    return "other" if os.path.lexists(path) else "missing"


def _module_stats() -> list[list[object]]:
    """Every module file imported (dependencies included: a new tree-sitter grammar parses differently)."""
    stats: list[list[object]] = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str):
            try:
                info = os.stat(path)
            except OSError:
                continue
            stats.append([path, info.st_size, info.st_mtime_ns])
    stats.sort()
    return stats


def _write(output: list[list[object]]) -> None:
    streams = {1: sys.stdout, 2: sys.stderr}
    for fd, text in output:
        assert isinstance(text, str) and fd in streams
        stream = streams[fd]  # type: ignore[index]
        stream.flush()
        stream.buffer.write(text.encode("latin-1"))
        stream.buffer.flush()


class _Tee(io.BufferedIOBase):
    """A binary stream that writes through to `real` and keeps what was written, with its stream number."""

    def __init__(self, fd: int, real: BinaryIO, chunks: list[tuple[int, bytes]]) -> None:
        super().__init__()
        self.fd, self.real, self.chunks = fd, real, chunks

    def write(self, data: Any) -> int:
        data = bytes(data)
        self.chunks.append((self.fd, data))
        try:
            self.real.write(data)
        except BaseException:
            self.chunks.append((_FAILED, b""))
            raise
        return len(data)

    def flush(self) -> None:
        try:
            self.real.flush()
        except BaseException:
            self.chunks.append((_FAILED, b""))
            raise

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.real.isatty()

    def fileno(self) -> int:
        return self.real.fileno()


class _captured:
    """stdout and stderr replaced by text streams that write through and record, as ordered chunks."""

    def __enter__(self) -> list[tuple[int, bytes]]:
        self.chunks: list[tuple[int, bytes]] = []
        self.saved = sys.stdout, sys.stderr
        wrapped = []
        for fd, stream in ((1, sys.stdout), (2, sys.stderr)):
            text = io.TextIOWrapper(
                _Tee(fd, stream.buffer, self.chunks),  # type: ignore[type-var]
                encoding=stream.encoding,
                errors=stream.errors,
                line_buffering=bool(stream.line_buffering),
                write_through=True,
            )
            text.uncaptured = stream  # type: ignore[attr-defined]  # the progress bar goes there, unrecorded
            wrapped.append(text)
        sys.stdout, sys.stderr = wrapped
        return self.chunks

    def __exit__(self, *exc: object) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        sys.stdout, sys.stderr = self.saved
