"""CPU per line of each checked file: the median over a tree and the files furthest above it (issue 17: "no
file above 10x the per-line median").

Runs `dalfix check --preview --no-cache --jobs 1` in-process (one process: workers would time the files
elsewhere) on each repository and times each file's rules
(`runner._process`) with `time.process_time`. Project-wide facts a file's rules happen to ask for first (the
schema, DAL010's query sites and index plan, the vocabularies and transaction parameters of the project, driver
facts, function summaries, handles and module indexes) are timed separately and taken out of that file's time:
they are computed once per project, for whichever file asks first, not per file. So are the compilations of
tree-sitter queries (once per process for each set of node kinds searched) and of fix templates, and DAL003's
project-wide list of a key's unchecked inserts (`index_plan.unchecked_inserts_of_key`: every application file read,
memoised per project), and DAL002's list of the project's transaction helpers (`transactions.transaction_helpers`,
read from every application file naming `.transaction(`, memoised per project), and DAL005's one driver of every
handle of the project (`transactions._one_project_driver`, memoised per project). Time in the garbage collector's
collections of the older generations (`gc.callbacks`, generations 1 and 2) is counted apart too: they traverse what
earlier files' checks and the project's facts left alive, whichever file's allocation happened to trigger them (dyad's
problems_handlers.ts: 42 of its 52 ms under the profiler); the young generation's (objects the file itself
allocated) stays in the file's time.

    python bench/per_file.py /work/eco/homarr /work/eco/Cap /work/eco/dyad
    python bench/per_file.py --worst 20 --min-lines 20 /work/eco/Cap
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class _Clock:
    """Time of the outermost calls: each file's rules, and the project-wide facts asked for within them."""

    def __init__(self) -> None:
        self.files: dict[Path, tuple[float, int]] = {}  # path -> (CPU seconds, lines)
        self.project_time = 0.0
        self.project_total = 0.0
        self._in_project = 0
        self.collector_time = 0.0  # older generations' collections within the current file's rules
        self.collector_total = 0.0
        self._collecting: float | None = None

    def on_collection(self, phase: str, info: dict[str, int]) -> None:
        """`gc.callbacks` hook: the time of each collection of generation 1 or 2 (the heap-sized ones)."""
        if info.get("generation", 0) < 1:
            return
        if phase == "start":
            self._collecting = time.process_time()
        elif self._collecting is not None:
            spent = time.process_time() - self._collecting
            self._collecting = None
            self.collector_time += spent
            self.collector_total += spent

    def project_fact(self, function: Any) -> Any:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._in_project:
                return function(*args, **kwargs)
            self._in_project += 1
            start, collecting = time.process_time(), self.collector_time
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.process_time() - start - (self.collector_time - collecting)
                self.project_time += spent
                self.project_total += spent
                self._in_project -= 1

        return timed

    def file_rules(self, function: Any) -> Any:
        @functools.wraps(function)
        def timed(result: Any, parsed: Any, *args: Any, **kwargs: Any) -> Any:
            self.project_time = self.collector_time = 0.0
            start = time.process_time()
            try:
                return function(result, parsed, *args, **kwargs)
            finally:
                spent = time.process_time() - start - self.project_time - self.collector_time
                self.files[parsed.path] = (spent, parsed.source.count(b"\n") + 1)

        return timed


def _instrument(clock: _Clock) -> None:
    from dalfix import runner
    from dalfix.analysis import index_plan, project, summaries

    runner._process = clock.file_rules(runner._process)  # type: ignore[assignment]
    from transforms import find_or_create, missing_index

    timed_plan = clock.project_fact(index_plan.index_plan)
    index_plan.index_plan = missing_index.index_plan = timed_plan  # type: ignore[assignment]
    timed_inserts = clock.project_fact(index_plan.unchecked_inserts_of_key)
    index_plan.unchecked_inserts_of_key = find_or_create.unchecked_inserts_of_key = timed_inserts  # type: ignore[assignment]
    from dalfix.analysis import transactions
    from transforms import writes_without_transaction

    # DAL002's project-wide list of transaction helpers (every application file naming `.transaction(` read, memoised
    # per project): agents' data-access/manage/projects.ts, the first file to ask, paid 54 of its 70 ms.
    timed_helpers = clock.project_fact(transactions.transaction_helpers)
    transactions.transaction_helpers = writes_without_transaction.transaction_helpers = timed_helpers  # type: ignore[assignment]
    # DAL005's driver when every handle of the project names one (`_one_project_driver`: every analysed file's and
    # client file's handles, memoised per project): buster's user-organizations.ts, the first file to ask, paid ~6 ms.
    transactions._one_project_driver = clock.project_fact(transactions._one_project_driver)  # type: ignore[assignment]
    import gc

    gc.callbacks.append(clock.on_collection)
    cls = project.Project
    for name in ("schema", "transaction_parameters", "application_drivers", "project_driver_concurrency"):
        prop = cls.__dict__[name]
        wrapped = functools.cached_property(clock.project_fact(prop.func))
        wrapped.__set_name__(cls, name)
        setattr(cls, name, wrapped)
    for name in ("defined_drivers", "_plain_vocabulary", "handle_facts"):
        # A file's own vocabulary is built once whichever file asks first: project-wide work.
        setattr(cls, name, clock.project_fact(getattr(cls, name)))
    for name in ("function_effect", "file_handles", "handle_driver", "module"):
        # Function summaries, handles and module indexes: memoised per project, computed for whoever asks first.
        setattr(summaries.Summaries, name, clock.project_fact(getattr(summaries.Summaries, name)))
    from dalfix import parsing

    for name in ("_type_query", "_index_query"):
        # A tree-sitter query is compiled once per process for each set of node kinds searched (about 7 ms each), by
        # whichever file first searches for that set: a 26-line file with the first nested loop of homarr paid 5 ms.
        setattr(parsing, name, clock.project_fact(getattr(parsing, name)))
    import jinja2

    from dalfix import render

    # So are jinja2's import and each fix template's compilation (once per process, kept by the environment): share.ts
    # compiled two templates in its check, ~20 ms.
    render.template_environment = clock.project_fact(render.template_environment)  # type: ignore[assignment]
    jinja2.Environment._load_template = clock.project_fact(jinja2.Environment._load_template)  # type: ignore[method-assign]


def measure(repo: Path, clock: _Clock) -> float:
    from dalfix import replay

    argv = sys.argv
    sys.argv = ["dalfix", "check", "--no-cache", "--preview", "--jobs", "1", "--format", "json", str(repo)]
    start = time.process_time()
    try:
        quiet = contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO())
        with quiet[0], quiet[1], contextlib.suppress(SystemExit):
            replay.main()
    finally:
        sys.argv = argv
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", type=Path)
    parser.add_argument("--worst", type=int, default=10)
    parser.add_argument("--min-lines", type=int, default=1, help="leave out files shorter than this")
    parser.add_argument("--dalfix-path", type=Path, default=ROOT)
    args = parser.parse_args()
    sys.path.insert(0, str(args.dalfix_path))
    clock = _Clock()
    _instrument(clock)
    for repo in args.repos:
        clock.files.clear()
        clock.project_total = clock.collector_total = 0.0
        total = measure(repo.resolve(), clock)
        rows = [(spent / lines, spent, lines, path) for path, (spent, lines) in clock.files.items()]
        rows = [row for row in rows if row[2] >= args.min_lines]
        if not rows:
            print(f"{repo.name}: no file checked")
            continue
        median = statistics.median(row[0] for row in rows)
        rules = sum(row[1] for row in rows)
        print(
            f"{repo.name}: run {total:.2f} s CPU, rules {rules:.2f} s over {len(rows)} files, project facts "
            f"{clock.project_total:.2f} s, older collections {clock.collector_total:.2f} s; "
            f"median {median * 1e6:.1f} us/line; "
            f"{sum(row[0] > 10 * median for row in rows)} files above 10x"
        )
        for per_line, spent, lines, path in sorted(rows, reverse=True)[: args.worst]:
            shown = path.relative_to(repo.resolve()) if path.is_relative_to(repo.resolve()) else path
            ratio = per_line / median
            print(f"  {ratio:6.1f}x  {per_line * 1e6:8.1f} us/line  {spent * 1e3:8.1f} ms  {lines:6d}  {shown}")


if __name__ == "__main__":
    main()
