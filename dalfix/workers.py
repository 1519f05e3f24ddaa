"""Checking files in forked worker processes (`--jobs N`).

The parent builds a project's facts (parses, vocabularies, transaction parameters, the schema; DAL010's index plan
is built by the first worker, dalfix/runner.py `_check_forked`), then forks the workers: each inherits those facts
as they are (copy-on-write; `gc.freeze()` before the fork keeps the collector from touching every page) and checks
the files it is handed, one at a time, in the order the parent deals them. A result comes back as plain data
(strings, numbers, lists: the cache's encoding) and the parent puts it in the file's own slot, so the output never
depends on which worker finished first.

Before that, a cold run finds the files' calls handing a handle (`Project.transaction_parameters`, the one pass
over every file whose result all the checks need) in shares (`run_shares`): this process takes one, a forked child
each other one, the files dealt by `Claims`; a child hands back plain data and exits.

A worker that dies (a segfault in the parser, the kernel's OOM killer) loses only the file it was checking: the
parent reports that file with the exit status and starts another worker for the rest. An exception in a rule
never kills a worker: the runner turns it into the file's "internal error", as in a serial run. Ctrl-C stops
every worker (they share the terminal's process group; the parent also terminates them on its way out).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

# Files per worker below which forking costs more than it saves (measured on homarr: a fork of a 200 MB parent
# and the pages its workers copy cost ~30-60 ms; one file's rules ~1 ms): see bench/speed.md, "Workers".
MIN_FILES_PER_WORKER = 24
# Tasks handed to a worker ahead of its answer, so that it never waits for the parent between two files.
AHEAD = 16


def usable_cores() -> int:
    """The cores this process may run on (its affinity mask, not the machine's count: a container or taskset
    may allow fewer)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def workers_for(jobs: int, tasks: int) -> int:
    """How many workers `tasks` files get with `--jobs jobs`: 0 means the serial path (one job, no fork, or
    too few files for a fork to pay)."""
    if jobs <= 1 or not can_fork():
        return 0
    count = min(jobs, tasks // MIN_FILES_PER_WORKER)
    return count if count >= 2 else 0


@dataclass(frozen=True)
class Crash:
    """A task whose worker died: `how` says how (a signal, an exit status)."""

    how: str


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"it was killed by {name}"
    return f"it exited with status {code}"


def _serve(conn: Connection, task: Callable[[int], object]) -> None:
    """A worker's loop: an index in, its result out, until the parent sends None or goes away."""
    try:
        while True:
            try:
                index = conn.recv()
            except EOFError:
                break
            if index is None:
                break
            conn.send((index, task(index)))
    except KeyboardInterrupt:
        pass  # the parent reports the interruption; a worker's traceback would only repeat it
    finally:
        conn.close()


class _Worker:
    def __init__(self, context: multiprocessing.context.ForkContext, task: Callable[[int], object]) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process: BaseProcess = context.Process(target=_serve, args=(child, task), daemon=True)
        self.process.start()
        child.close()
        self.pending: list[int] = []  # indices sent and not answered, oldest (the one under way) first

    def send(self, index: int) -> None:
        self.pending.append(index)
        self.conn.send(index)

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(None)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def run_forked(task: Callable[[int], object], count: int, jobs: int) -> Iterator[tuple[int, object]]:
    """Run `task(i)` for i in range(count) in `jobs` forked workers; yields (i, result or Crash) as answers come.

    `task` runs in a child that inherits the caller's memory: it may read anything the caller built, and what it
    changes stays in the child. Its result must pickle (plain data)."""
    context = multiprocessing.get_context("fork")
    queue = list(range(count - 1, -1, -1))  # popped from the end: the lowest index first
    workers: list[_Worker] = []
    try:
        for _ in range(min(jobs, count)):
            workers.append(_Worker(context, task))
        for worker in workers:
            for _ in range(AHEAD):
                if queue:
                    worker.send(queue.pop())
        while any(w.pending for w in workers):
            ready = wait([w.conn for w in workers if w.pending] + [w.process.sentinel for w in workers if w.pending])
            for worker in list(workers):
                if not worker.pending:
                    continue
                died = worker.process.sentinel in ready
                if worker.conn in ready or died:
                    answers, broken = _drain(worker)
                    for index, value in answers:
                        worker.pending.remove(index)
                        if queue and not broken:
                            worker.send(queue.pop())
                        yield index, value
                    if not (broken or died):
                        continue
                    # The worker is gone: the file it was checking is lost, the ones queued behind it are dealt again.
                    worker.process.join(timeout=5)
                    how = _describe_exit(worker.process.exitcode)
                    lost, requeue = worker.pending[:1], worker.pending[1:]
                    worker.pending = []
                    worker.kill()
                    workers.remove(worker)
                    queue.extend(reversed(requeue))
                    for index in lost:
                        yield index, Crash(how)
                    if queue:
                        replacement = _Worker(context, task)
                        workers.append(replacement)
                        for _ in range(AHEAD):
                            if queue:
                                replacement.send(queue.pop())
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.process.join(timeout=5)
    finally:
        for worker in workers:  # Ctrl-C, an exception in the caller, or a generator closed early
            worker.kill()


def _answer_once(conn: Connection, task: Callable[[int], object], index: int) -> None:
    """A share's child: `task(index)`'s result out, then exit. The inherited objects are frozen first (the collector
    would otherwise walk, and so copy, every page of the parent's)."""
    gc.freeze()
    try:
        conn.send(task(index))
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # the caller does this share itself (and meets the exception where it would anyway)
        conn.send(Crash(f"it raised {type(exc).__name__}"))
    finally:
        conn.close()


class Claims:
    """Items 0..count-1 claimed one at a time by the processes of `run_shares` (shared memory, created before the
    fork): share 0 takes them from the front, the other shares from the back, until they meet. Each process thus
    works on a run of neighbouring items (which share the modules they read), and all finish about together."""

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("fork")
        self._lock = context.Lock()
        self._ends = context.RawArray("q", [0, count])  # the next from the front, one past the next from the back

    def take(self, share: int) -> int | None:
        with self._lock:
            front, back = self._ends[0], self._ends[1]
            if front >= back:
                return None
            if share == 0:
                self._ends[0] = front + 1
                return front
            self._ends[1] = back - 1
            return back - 1


def run_shares(task: Callable[[int], object], shares: int) -> list[object]:
    """`task(i)` for i in range(shares): share 0 here, every other one in a forked child at the same time; the results
    in share order (a `Crash` for a child that died or sent nothing). What a child computes stays in the child:
    only its result (plain data that pickles) comes back."""
    context = multiprocessing.get_context("fork")
    children: list[tuple[Connection, multiprocessing.context.ForkProcess]] = []
    try:
        for index in range(1, shares):
            conn, child = context.Pipe(duplex=False)
            process = context.Process(target=_answer_once, args=(child, task, index), daemon=True)
            process.start()
            child.close()
            children.append((conn, process))
        results: list[object] = [task(0)]
        for conn, process in children:
            try:
                results.append(conn.recv())
            except (EOFError, OSError):
                process.join(timeout=5)
                results.append(Crash(_describe_exit(process.exitcode)))
            process.join(timeout=5)  # it exits once its answer is sent
        return results
    finally:
        for conn, process in children:  # Ctrl-C or an exception here: the children still at work are stopped
            if process.is_alive():
                process.terminate()
                process.join()
            conn.close()


def _drain(worker: _Worker) -> tuple[list[tuple[int, object]], bool]:
    """The answers waiting on a worker's pipe, and whether the pipe is broken (the worker died)."""
    answers: list[tuple[int, object]] = []
    try:
        while worker.conn.poll():
            answers.append(worker.conn.recv())
    except (EOFError, OSError):
        return answers, True
    return answers, False
