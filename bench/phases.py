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
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import dalfix.runner as runner
import dalfix.workers as workers
from dalfix.analysis import project as project_module
from dalfix.analysis import relevance as relevance_module

STARTED = time.perf_counter()
TOTALS: dict[str, list[float]] = {}  # phase -> [cpu, wall] in this process


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
    for label, (cpu, wall) in TOTALS.items():
        print(f"phases: [{who} {os.getpid()}] {label}: cpu {cpu:.2f} s, wall {wall:.2f} s", file=sys.stderr)
    print(
        f"phases: [{who} {os.getpid()}] process: cpu {time.process_time():.2f} s, "
        f"wall {time.perf_counter() - STARTED:.2f} s since the start",
        file=sys.stderr,
    )


def _install() -> None:
    relevance = relevance_module.Relevance
    relevance.is_relevant = _timed("relevance", relevance.is_relevant)  # type: ignore[method-assign]
    runner._share_project_facts = _timed("share_facts", runner._share_project_facts)
    runner._check_forked = _timed("forked_check", runner._check_forked)
    runner._process = _timed("rules", runner._process)
    facts = project_module.Project.__dict__["transaction_parameters"]
    replacement = functools.cached_property(_timed("transaction_parameters", facts.func))
    replacement.__set_name__(project_module.Project, "transaction_parameters")
    project_module.Project.transaction_parameters = replacement  # type: ignore[assignment]
    serve = workers._serve

    def worker(*args: Any, **kwargs: Any) -> None:
        TOTALS.clear()  # the parent's phases, inherited at the fork
        try:
            serve(*args, **kwargs)
        finally:
            _report("worker")

    workers._serve = worker
    answer = getattr(workers, "_answer_once", None)

    def share(*args: Any, **kwargs: Any) -> None:
        TOTALS.clear()
        try:
            answer(*args, **kwargs)
        finally:
            _report("share")

    if answer is not None:
        workers._answer_once = share


def main() -> None:
    _install()
    from dalfix.cli import entry

    sys.argv = ["dalfix", *sys.argv[1:]]
    try:
        entry()
    except SystemExit:
        pass
    finally:
        _report("parent")


if __name__ == "__main__":
    main()
