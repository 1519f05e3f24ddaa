"""How long dalfix takes on a tree of a few hundred files: parsing, cross-file summaries, a full `check`.

Builds a synthetic monorepo from copies of examples/drizzle-app/src (each copy its own package, so
imports resolve as in a real workspace) and prints wall-clock numbers and peak memory.

    python bench/engine_speed.py [--copies 12] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_SRC = ROOT / "examples" / "drizzle-app" / "src"


def build_tree(base: Path, copies: int) -> int:
    for index in range(copies):
        package = base / "packages" / f"app{index:02d}"
        shutil.copytree(APP_SRC, package / "src")
        (package / "package.json").write_text(json.dumps({"name": f"@bench/app{index:02d}", "private": True}))
    return sum(1 for _ in base.rglob("*.ts"))


def timed(function, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from dalfix.analysis.project import Project
    from dalfix.parsing import parse_file
    from dalfix.rules import select_rules
    from dalfix.runner import RunOptions, run

    base = Path(tempfile.mkdtemp(prefix="dalfix-speed-"))
    files = build_tree(base, args.copies)
    lines = sum(p.read_bytes().count(b"\n") for p in base.rglob("*.ts"))
    print(f"tree: {files} files, {lines} lines in {args.copies} workspace packages")

    def parse_all() -> dict:  # type: ignore[type-arg]
        return {p: parse_file(p, p.read_bytes()) for p in sorted(base.rglob("*.ts"))}

    parse_time, parsed = timed(parse_all, args.repeat)
    print(f"parse only:            {parse_time * 1000:8.1f} ms ({parse_time * 1000 / files:.2f} ms/file)")

    def summaries() -> int:
        project = Project.load(base)
        project.prepare(parsed)  # type: ignore[arg-type]
        return len(project.summaries.summarized_functions())

    summary_time, count = timed(summaries, args.repeat)
    print(f"summaries:             {summary_time * 1000:8.1f} ms for {count} functions (once per run)")

    rules = select_rules()
    check_time, result = timed(lambda: run([base], RunOptions(rules=rules)), args.repeat)
    findings = len(result.findings)  # type: ignore[union-attr]
    print(f"check (in process):    {check_time * 1000:8.1f} ms, {findings} findings, {len(rules)} rules")

    fix_time, _ = timed(
        lambda: run(
            [base],
            RunOptions(rules=rules, fix_threshold=rules and __import__("dalfix.fixes").fixes.Applicability.UNSAFE),
        ),
        args.repeat,
    )
    print(f"diff --unsafe-fixes:   {fix_time * 1000:8.1f} ms (fixpoint rounds included)")

    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dalfix", "check", "--no-cache", str(base)], capture_output=True)
    print(f"`dalfix check` CLI:    {(time.perf_counter() - start) * 1000:8.1f} ms (process start included)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (this process): {peak:.0f} MiB")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
