"""Where a run's time goes, phase by phase and process by process (the parent and each `--jobs` worker).

    PYTHONPATH=$PWD python bench/phases.py check --preview --no-cache --jobs 2 --format json /work/eco/homarr

Runs the CLI in this process with timers around the runner's phases and prints, on stderr, one line per phase:
CPU (`time.process_time` of the process it ran in) and wall time (since start). Phases: `relevance` (the
filter's decisions), `transaction_parameters` (the per-file vocabularies, handle facts and the transaction
parameters: the serial facts), `share_facts` (what the parent builds before forking: DAL010's index plan and
the driver concurrency), `forked_check` (the parent waiting for its workers), `rules` (`_process`: a file's rules
and fix rounds, in whichever process ran them), and per worker (and per "share" child of a split
`transaction_parameters`) its own CPU from its fork to its exit (a forked child's CPU time starts at zero).
Numbers under load carry the neighbours' noise: compare CPU, and alternate A/B runs.

Then a timeline (wall since this script started, before dalfix's imports; CPU of the process at that moment): the
parent's serial path (imports, listing, relevance filter, the facts before the shares fork), each share's end and the
parent's wait for its child, the workers' fork and each worker's end (their spread is the tail's imbalance), and the
parent's exit. What a phase costs in wall on two cores is read there, not in the per-phase sums.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

STARTED = time.perf_counter()

import dalfix.runner as runner  # noqa: E402 (STARTED is taken before the imports)
import dalfix.workers as workers  # noqa: E402
from dalfix.analysis import project as project_module  # noqa: E402
from dalfix.analysis import relevance as relevance_module  # noqa: E402

TOTALS: dict[str, list[float]] = {}  # phase -> [cpu, wall] in this process
STAMPS: list[tuple[str, float, float]] = []  # (event, wall since STARTED, process CPU) in this process


def _stamp(event: str) -> None:
    STAMPS.append((event, time.perf_counter() - STARTED, time.process_time()))


def _stamped(before: str, after: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def stamped(*args: Any, **kwargs: Any) -> Any:
        _stamp(before)
        try:
            return function(*args, **kwargs)
        finally:
            _stamp(after)

    return stamped


def _timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            total = TOTALS.setdefault(label, [0.0, 0.0])
            total[0] += time.process_time() - cpu
            total[1] += time.perf_counter() - wall

    return timed


def _report(who: str) -> None:
    _stamp("exit")
    lines = [
        f"timeline: [{who} {os.getpid()}] {wall:6.2f} s wall, cpu {cpu:5.2f} s: {event}" for event, wall, cpu in STAMPS
    ]
    for label, (cpu, wall) in TOTALS.items():
        lines.append(f"phases: [{who} {os.getpid()}] {label}: cpu {cpu:.2f} s, wall {wall:.2f} s")
    lines.append(
        f"phases: [{who} {os.getpid()}] process: cpu {time.process_time():.2f} s, "
        f"wall {time.perf_counter() - STARTED:.2f} s since the start"
    )
    os.write(2, "".join(f"{line}\n" for line in lines).encode())  # one write: the processes' lines do not interleave


def _install() -> None:
    relevance = relevance_module.Relevance
    relevance.is_relevant = _timed("relevance", relevance.is_relevant)  # type: ignore[method-assign]
    runner._share_project_facts = _timed("share_facts", runner._share_project_facts)
    runner._check_forked = _stamped("workers fork", "workers done", _timed("forked_check", runner._check_forked))
    runner._process = _timed("rules", runner._process)
    facts = project_module.Project.__dict__["transaction_parameters"]
    replacement = functools.cached_property(
        _stamped("relevance done, facts start", "facts done", _timed("transaction_parameters", facts.func))
    )
    replacement.__set_name__(project_module.Project, "transaction_parameters")
    project_module.Project.transaction_parameters = replacement  # type: ignore[assignment]
    shares = workers.run_shares

    def run_shares(task: Callable[[int], object], count: int) -> list[object]:
        def each(index: int) -> object:
            try:
                return task(index)
            finally:
                if index == 0:
                    _stamp("own share done, waiting for the child")

        return _stamped("shares fork", "shares joined", shares)(each, count)

    workers.run_shares = run_shares
    serve = workers._serve

    def worker(*args: Any, **kwargs: Any) -> None:
        TOTALS.clear()  # the parent's phases, inherited at the fork
        STAMPS[:] = [("forked", time.perf_counter() - STARTED, time.process_time())]
        try:
            serve(*args, **kwargs)
        finally:
            _report("worker")

    workers._serve = worker
    answer = getattr(workers, "_answer_once", None)

    def share(*args: Any, **kwargs: Any) -> None:
        TOTALS.clear()
        STAMPS[:] = [("forked", time.perf_counter() - STARTED, time.process_time())]
        try:
            answer(*args, **kwargs)
        finally:
            _report("share")

    if answer is not None:
        workers._answer_once = share


def main() -> None:
    _install()
    from dalfix.cli import entry

    _stamp("dalfix.cli imported")

    sys.argv = ["dalfix", *sys.argv[1:]]
    try:
        entry()
    except SystemExit:
        pass
    finally:
        _report("parent")


if __name__ == "__main__":
    main()
