"""Parsing ahead: a thread parses the files a pass will ask for next while the pass works on the one before.

tree-sitter releases the GIL while it parses, so on a second core the first parses of a project's analysed files
(a fifth of the parent's serial path on homarr) overlap the Python work of the project facts. What the thread hands
over is `parse_file`'s result for the same path and equal bytes, taken by the caller at the moment a
serial run would have parsed the file (`ProjectFiles._parse`), so nothing downstream can tell: every memo, count and
list of trees kept is filled in the same order. The thread:
- has its own parsers (dalfix/parsing.py keeps one per grammar per thread) and touches no shared state: parse_file
  and its grammar-gap masking read only their arguments;
- holds at most `ahead` parses nobody has taken yet (memory), and skips a file the caller asked for first (the
  caller parses it itself, or waits when the thread is parsing it right now);
- gives up a file whose parse raised (the caller parses it again and gets the exception where a serial run would);
- is stopped and joined by `close` (the runner forks its workers later: no thread may run at a fork).
"""

from __future__ import annotations

import os
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from dalfix.parsing import ParsedFile, parse_file

# How many parses the thread may hold before the caller takes them (0: no thread).
PARSE_AHEAD = int(os.environ.get("DALFIX_PARSE_AHEAD", "8"))
# How many parses of modules linked to the files taken (ParseAhead's `linked`) the thread may hold (0: none).
PARSE_LINKED = int(os.environ.get("DALFIX_PARSE_LINKED", "64"))
# And at most this many bytes of their source (a tree takes ~10x its source: agents' modules are 8x homarr's).
PARSE_LINKED_BYTES = 256 * 1024
# While the thread runs, how long the caller may keep the GIL before handing it over (seconds; Python's default is
# 5 ms). Each parse hands the GIL back once, so at the default the thread would wait up to 5 ms per file for parses
# that take ~1 ms: it could not keep ahead of the caller.
SWITCH_INTERVAL = 0.0005


class ParseAhead:
    """Parses `feed`-ed files in order in a thread; `take` hands a file's parse over (or None: parse it yourself).

    With `linked` (a module -> the modules its analysis is likely to read next: dalfix/analysis/relevance.py's
    graph), each file taken puts its linked modules first in the thread's line, read through `known` (the run's
    bytes of a project file) or from disk; at most `pushed` of those parses, of `pushed_bytes` bytes of source, are
    held, the oldest dropped."""

    def __init__(
        self,
        ahead: int,
        linked: Callable[[Path], Iterable[Path]] | None = None,
        known: Callable[[Path], bytes | None] | None = None,
        pushed: int = 0,
        pushed_bytes: int = 0,
    ) -> None:
        self._ahead = ahead
        self._linked = linked
        self._known = known
        self._pushed_bound = pushed
        self._pushed_bytes_bound = pushed_bytes
        self._pushed_bytes = 0  # the source bytes of the parses in `_pushed`
        self._lock = threading.Condition()
        self._queue: list[tuple[Path, bytes]] = []
        self._next = 0  # the index in `_queue` of the next file to parse
        self._front: deque[Path] = deque()  # linked modules of the files taken, parsed before the queue
        self._fed = False  # no more files will come
        self._stopped = False
        self._busy: Path | None = None  # the file being parsed now
        self._claimed: set[Path] = set()  # asked for by the caller: not parsed here (or no longer waited for)
        self._tried: set[Path] = set()  # parsed here (or tried)
        self._skipped: set[Path] = set()  # the caller will not ask for these (`skip`)
        self._ready: dict[Path, tuple[bytes, ParsedFile | None]] = {}  # parsed, not taken; None: the parse raised
        self._pushed: OrderedDict[Path, tuple[bytes, ParsedFile | None]] = OrderedDict()  # the same, from `_front`
        self.handed = 0  # parses taken by the caller (for measurements and tests)
        self.dropped = 0  # parses of linked modules dropped before the caller asked for them
        self._thread = threading.Thread(target=self._run, name="dalfix-parse-ahead", daemon=True)
        self._thread.start()

    def feed(self, path: Path, source: bytes) -> None:
        with self._lock:
            self._queue.append((path, source))
            self._lock.notify_all()

    def fed(self) -> None:
        """No more files: the thread ends when it has parsed the queue."""
        with self._lock:
            self._fed = True
            self._lock.notify_all()

    def take(self, path: Path, source: bytes) -> ParsedFile | None:
        """`parse_file(path, source)` when the thread parsed (or is parsing) this file from these bytes; else None,
        and the thread will not parse it."""
        linked = list(self._linked(path)) if self._linked is not None else []
        with self._lock:
            self._claimed.add(path)
            while self._busy == path:
                self._lock.wait()
            ready = self._ready.pop(path, None)
            if ready is None and (ready := self._pushed.pop(path, None)) is not None:
                self._pushed_bytes -= len(ready[0])
            if linked:
                self._front.extendleft(reversed([p for p in linked if p not in self._claimed and p not in self._tried]))
            self._lock.notify_all()  # room for one more
        if ready is None or ready[1] is None or ready[0] != source:
            return None
        self.handed += 1
        return ready[1]

    def skip(self, paths: Iterable[Path]) -> None:
        """The caller will not ask for these (a previous run's results and facts serve them): not parsed here. One it
        asks for all the same it parses itself, as `take` says."""
        with self._lock:
            self._skipped.update(paths)
            self._claimed.update(self._skipped)
            for path in self._skipped.intersection(self._ready):
                del self._ready[path]  # parsed already: room for one the caller will take
            self._lock.notify_all()

    def close(self) -> None:
        """Stop the thread, wait for it, drop what nobody took."""
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        self._thread.join()
        self._ready.clear()
        self._pushed.clear()
        self._queue.clear()
        self._front.clear()

    def _next_file(self) -> tuple[Path, bytes | None, bool] | None:
        """The next file to parse, its bytes if known, and whether it came from `_front`; None: stop."""
        with self._lock:
            self._busy = None
            self._lock.notify_all()
            while True:
                if self._stopped:
                    return None
                while self._front:
                    path = self._front.popleft()
                    if path not in self._claimed and path not in self._tried:
                        self._busy = path
                        self._tried.add(path)
                        return path, None, True
                while self._next < len(self._queue) and (
                    self._queue[self._next][0] in self._claimed or self._queue[self._next][0] in self._tried
                ):
                    self._next += 1
                if self._fed and self._next >= len(self._queue):
                    if self._linked is None:
                        return None
                elif self._next < len(self._queue) and len(self._ready) < self._ahead:
                    path, source = self._queue[self._next]
                    self._next += 1
                    self._busy = path
                    self._tried.add(path)
                    return path, source, False
                self._lock.wait()

    def _run(self) -> None:
        try:
            while (item := self._next_file()) is not None:
                path, source, pushed = item
                if source is None:
                    source = self._known(path) if self._known is not None else None
                    if source is None:
                        try:
                            source = path.read_bytes()
                        except OSError:
                            continue
                if pushed and len(source) > self._pushed_bytes_bound:
                    continue  # could not be held: the caller parses it
                try:
                    parsed: ParsedFile | None = parse_file(path, source)
                except BaseException:  # noqa: BLE001 - the caller parses it again and gets the error itself
                    parsed = None
                with self._lock:
                    if path in self._skipped:
                        continue  # skipped while it was parsed: nobody will take it
                    if not pushed:
                        self._ready[path] = (source, parsed)
                        continue
                    self._pushed[path] = (source, parsed)
                    self._pushed_bytes += len(source)
                    while self._pushed and (
                        len(self._pushed) > self._pushed_bound or self._pushed_bytes > self._pushed_bytes_bound
                    ):
                        _, (dropped, _) = self._pushed.popitem(last=False)
                        self._pushed_bytes -= len(dropped)
                        self.dropped += 1
        finally:
            with self._lock:
                self._busy = None
                self._stopped = True
                self._lock.notify_all()


@contextmanager
def parsing_ahead(
    ahead: int | None = None,
    linked: Callable[[Path], Iterable[Path]] | None = None,
    known: Callable[[Path], bytes | None] | None = None,
) -> Iterator[ParseAhead | None]:
    """A `ParseAhead` holding up to `ahead` parses (`PARSE_AHEAD`) of the files fed and `PARSE_LINKED` of linked
    modules, for the block, closed at its end however it ends; None when `ahead` is 0."""
    ahead = PARSE_AHEAD if ahead is None else ahead
    if ahead <= 0:
        yield None
        return
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    parser = ParseAhead(ahead, linked if PARSE_LINKED else None, known, PARSE_LINKED, PARSE_LINKED_BYTES)
    try:
        yield parser
    finally:
        parser.close()
        sys.setswitchinterval(interval)
