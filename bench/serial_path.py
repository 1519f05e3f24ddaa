"""The parent's path before the relevance filter, and each `--jobs` worker's balance.

    cd /tmp && PYTHONPATH=<tree> python <tree>/bench/serial_path.py counts /work/eco/homarr
    cd /tmp && PYTHONPATH=<tree> python <tree>/bench/serial_path.py split /work/eco/homarr
    cd /tmp && PYTHONPATH=<tree> python <tree>/bench/serial_path.py workers /work/eco/homarr
    cd /tmp && PYTHONPATH=<tree> python <tree>/bench/serial_path.py floor /work/eco/homarr [rounds]

`counts`: deterministic counts of the parent's work from the start of the CLI up to the relevance filter (cProfile
call counts: `stat`, `lstat`, opens, Paths built, Python function calls), the same on any load. `split`: the CPU
(`time.process_time`) of the listing's pieces up to the relevance filter, inclusive, and of the imports (noisy under
load: alternate trees). `workers`: per worker, when it answered its first and last task (wall since this script
started), its tasks, its CPU, and its five costliest tasks (task 0 is DAL010's index plan and the files it concerns,
`runner._deferred_facts`): whether the workers finish together. `floor`: wall and CPU (user+sys, children
included) of whole processes, stage by stage, the stages alternated round by round (median of `rounds`, 5 by
default): the interpreter alone (`python -c pass`), the interpreter and `import dalfix.cli`, the CLI up to the
relevance filter's decisions (listing, reading, needles, the filter; `stage relevance`), the same and then a
tree-sitter parse of every file the filter keeps (`stage parse`: no analysis, no rule), and the full `check --preview
--no-cache --format json` (default `--jobs`). What the later stages add to the earlier ones is what doing that step
costs; the first stages are a floor below which no cut of the analysis can take the run.
"""

from __future__ import annotations

import contextlib
import cProfile
import functools
import os
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

STARTED = time.perf_counter()
CPU_STARTED = time.process_time()


class _Stop(BaseException):  # not an error the CLI reports: the run stops here
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


def stage(name: str, repo: str) -> None:
    """The CLI run up to the relevance filter's decisions (`relevance`), then (`parse`) a tree-sitter parse of every
    file the filter keeps; the process then stops. Prints the kept files' count on stderr."""
    import dalfix.runner as runner
    from dalfix.parsing import grammar_for, parse_bytes

    relevant = runner._relevant_files

    def stop_after(sources: Any, relevance: Any, ahead: Any) -> Any:
        files = relevant(sources, relevance, None)
        if name == "parse":
            for path, source in files.items():
                parse_bytes(source, grammar_for(path))
        print(f"{name}: {len(sources)} files read for the filter, {len(files)} kept", file=sys.stderr)
        raise _Stop

    runner._relevant_files = stop_after  # type: ignore[assignment]
    _run(repo)


def floor(repo: str, rounds: str = "5") -> None:
    here = os.path.abspath(__file__)
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import dalfix.cli": [sys.executable, "-c", "import dalfix.cli"],
        "listing + relevance filter": [sys.executable, here, "stage", "relevance", repo],
        "+ parse the kept files": [sys.executable, here, "stage", "parse", repo],
        "full check (--no-cache)": [
            sys.executable,
            "-m",
            "dalfix",
            "check",
            "--preview",
            "--no-cache",
            "--format",
            "json",
            repo,
        ],
    }
    measured: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for _ in range(int(rounds)):
        for label, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            measured[label].append((wall, cpu))
    print(f"load average {os.getloadavg()[0]:.2f} at the end; medians of {rounds} alternated rounds", file=sys.stderr)
    for label, runs in measured.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"  {label:28s} wall {wall:.3f} s  cpu {cpu:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    if sys.argv[1] == "stage":
        stage(sys.argv[2], sys.argv[3])
    else:
        {"counts": counts, "split": split, "workers": workers, "floor": floor}[sys.argv[1]](*sys.argv[2:])
