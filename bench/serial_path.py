"""The parent's path before the relevance filter, and each `--jobs` worker's balance.

    cd /tmp && PYTHONPATH=<tree> python <tree>/bench/serial_path.py counts /work/eco/homarr
    cd /tmp && PYTHONPATH=<tree> python <tree>/bench/serial_path.py split /work/eco/homarr
    cd /tmp && PYTHONPATH=<tree> python <tree>/bench/serial_path.py workers /work/eco/homarr

`counts`: deterministic counts of the parent's work from the start of the CLI up to the relevance filter (cProfile
call counts: `stat`, `lstat`, opens, Paths built, Python function calls), the same on any load. `split`: the CPU
(`time.process_time`) of the listing's pieces up to the relevance filter, inclusive, and of the imports (noisy under
load: alternate trees). `workers`: per worker, when it answered its first and last task (wall since this script
started), its tasks, its CPU, and its five costliest tasks (task 0 is DAL010's index plan and the files it concerns,
`runner._deferred_facts`): whether the workers finish together.
"""

from __future__ import annotations

import contextlib
import cProfile
import functools
import os
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any

STARTED = time.perf_counter()
CPU_STARTED = time.process_time()


class _Stop(Exception):
    pass


def _stop(*args: Any, **kwargs: Any) -> Any:
    raise _Stop


def _run(repo: str) -> None:
    from dalfix.cli import entry

    sys.argv = ["dalfix", "check", "--preview", "--no-cache", "--format", "json", repo]
    with contextlib.suppress(_Stop, SystemExit):
        entry()


def counts(repo: str) -> None:
    import dalfix.runner as runner

    runner._relevant_files = _stop  # type: ignore[assignment]
    profile = cProfile.Profile()
    profile.enable()
    _run(repo)
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    found = {"stat": 0, "lstat": 0, "open": 0, "Paths built": 0, "function calls": 0}
    names = {
        "<built-in method posix.stat>": "stat",
        "<built-in method posix.lstat>": "lstat",
        "<built-in method posix.open>": "open",
        "<built-in method io.open>": "open",
    }
    for (filename, _, name), (_, calls, *_rest) in stats.items():
        found["function calls"] += calls
        if name in names:
            found[names[name]] += calls
        elif filename.endswith("pathlib.py") and name == "_parse_args":
            found["Paths built"] += calls
    print(" ".join(f"{key}={value:,}" for key, value in found.items()), file=sys.stderr)


def _timed(totals: dict[str, float], label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        cpu = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            totals[label] = totals.get(label, 0.0) + time.process_time() - cpu

    return timed


def split(repo: str) -> None:
    import dalfix.runner as runner
    from dalfix.analysis import project, workspace

    imported = time.process_time()
    totals: dict[str, float] = {}
    for name in ("discover_once", "project_root_for", "workspace_for", "read_source", "digest", "looks_generated"):
        setattr(runner, name, _timed(totals, name, getattr(runner, name)))
    for name in ("_may_match", "names_a_transaction", "may_create_handles", "_complete_client_files"):
        setattr(runner, name, _timed(totals, name, getattr(runner, name)))
    project.Project.setup_code_kind = _timed(totals, "setup_code_kind", project.Project.setup_code_kind)  # type: ignore[method-assign]
    packages = workspace.Workspace.__dict__["packages"]
    replacement = functools.cached_property(_timed(totals, "workspace.packages", packages.func))
    replacement.__set_name__(workspace.Workspace, "packages")
    workspace.Workspace.packages = replacement  # type: ignore[assignment]
    runner._relevant_files = _stop  # type: ignore[assignment]
    _run(repo)
    end = time.process_time()
    print(
        f"imports {imported - CPU_STARTED:.3f} s, listing to the relevance filter {end - imported:.3f} s",
        file=sys.stderr,
    )
    for label, cpu in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {label:28s} {cpu:.3f} s", file=sys.stderr)


def workers(repo: str) -> None:
    import dalfix.workers as workers_module

    serve = workers_module._serve

    def measured(conn: Any, task: Callable[[int], object]) -> None:
        costs: list[tuple[float, int]] = []
        first: list[float] = []
        last = [0.0]

        def each(index: int) -> object:
            first[:] = first or [time.perf_counter() - STARTED]
            cpu = time.process_time()
            try:
                return task(index)
            finally:
                costs.append((time.process_time() - cpu, index))
                last[0] = time.perf_counter() - STARTED

        try:
            serve(conn, each)
        finally:
            top = ", ".join(f"#{index} {cpu:.3f} s" for cpu, index in sorted(costs, reverse=True)[:5])
            print(
                f"worker {os.getpid()}: first {first[0] if first else 0:.2f} s, last {last[0]:.2f} s,"
                f" {len(costs)} tasks, cpu {time.process_time():.2f} s; costliest {top}",
                file=sys.stderr,
            )

    workers_module._serve = measured
    _run(repo)


if __name__ == "__main__":
    {"counts": counts, "split": split, "workers": workers}[sys.argv[1]](sys.argv[2])
