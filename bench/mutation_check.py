"""Mutation check of the equivalence harness: plant bugs in the code dalfix rewrote and show it catches each.

For every mutation: the rewritten copy of the example app gets one planted bug (an exact text replacement
in one file), and the harness runs the cases of the mutated method on the original and on the mutant,
plain and with the fault variants tests/test_equivalence.py uses; the mutation is caught when the same
comparison (results, rows, declared differences, pinned statement counts of expected.json) fails. The
unmutated rewrite is checked first on the same cases and must pass, or the check proves nothing.

    python bench/mutation_check.py [--engine pglite|postgres] [--out bench/mutations.md]

PostgreSQL needs DATABASE_URL (`source .ci/start-postgres`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from example_app import copy_app, ensure_installed, run_dalfix  # noqa: E402
from harness_check import (  # noqa: E402
    EXPECTED,
    cases_of,
    changed_methods,
    compare,
    data_statements,
    load_declarations,
    run_original,
    run_rewrite,
)


@dataclass(frozen=True)
class Mutation:
    kind: str
    method: str
    file: str
    old: str
    new: str
    what: str


MUTATIONS = [
    Mutation(
        "swallow an error",
        "CanvasFilesDAL.getFileWithGraph",
        "src/dal/canvas-files.ts",
        "db.select().from(canvasGraphs).where(eq(canvasGraphs.fileId, fileId)).limit(1),\n    ]);",
        "db.select().from(canvasGraphs).where(eq(canvasGraphs.fileId, fileId)).limit(1).catch(() => []),\n    ]);",
        "the grouped graph read's rejection becomes `[]` (no graph)",
    ),
    Mutation(
        "reorder two writes",
        "RenderChainService.deleteChain",
        "src/services/render-chain.ts",
        "    for (let start = 0; start < chainRenders.length; start += 2) {\n      await db\n        .update(renders)\n"
        "        .set({ chainId: null, chainPosition: null, updatedAt: new Date() })\n"
        "        .where(inArray(renders.id, chainRenders.map((r) => r.id).slice(start, start + 2)));\n    }\n\n"
        "    await RenderChainsDAL.delete(chainId);",
        "    await RenderChainsDAL.delete(chainId);\n"
        "    for (let start = 0; start < chainRenders.length; start += 2) {\n      await db\n        .update(renders)\n"
        "        .set({ chainId: null, chainPosition: null, updatedAt: new Date() })\n"
        "        .where(inArray(renders.id, chainRenders.map((r) => r.id).slice(start, start + 2)));\n    }",
        "the chain is deleted before its renders are detached",
    ),
    Mutation(
        "drop an empty-list guard",
        "RendersDAL.getForComparison",
        "src/dal/renders.ts",
        "for (let start = 0; start < distinct.length; start += size) {",
        "for (let start = 0; start === 0 || start < distinct.length; start += size) {",
        "the chunk loop sends `inArray(renders.id, [])` for an empty list",
    ),
    Mutation(
        "lose an upper-case key",
        "RendersDAL.markAsFailed",
        "src/dal/renders.ts",
        ".where(inArray(renders.id, renderIds.slice(start, start + 2)));",
        ".where(inArray(renders.id, renderIds.slice(start, start + 2).filter((id) => id === id.toLowerCase())));",
        "keys not in lower case are dropped from the batch",
    ),
    Mutation(
        "change a default",
        "RenderChainsDAL.getProjectChainsWithStats",
        "src/dal/render-chains.ts",
        "{ renderCount: 0, lastPosition: null }",
        "{ renderCount: 0, lastPosition: 0 }",
        "a chain without renders gets `lastPosition` 0 instead of null",
    ),
]


def verdict(result: dict, cases: list[str], pinned: dict[str, list[int]]) -> list[str]:  # type: ignore[type-arg]
    """The test's failures for these cases: undeclared differences, statement counts that are not the pinned
    ones (`pinned`: case -> [before, after], as in expected.json)."""
    problems, _, _ = compare(result["before"], result["after"], load_declarations())
    for name in cases:
        got = [data_statements(result["before"][name]), data_statements(result["after"][name])]
        if pinned.get(name) != got:
            problems.append(f"{name}: statements {got}, expected.json says {pinned.get(name)}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--engine", choices=["pglite", "postgres"], default="pglite")
    parser.add_argument("--out", type=Path, help="write the result table (markdown) here")
    parser.add_argument("--only", action="append", default=[], help="run the mutations whose kind contains this")
    args = parser.parse_args()
    url = None
    if args.engine == "postgres":
        url = os.environ.get("DATABASE_URL")
        if not url:
            raise SystemExit("--engine postgres needs DATABASE_URL (source .ci/start-postgres)")

    node_modules = ensure_installed()
    work = Path(tempfile.mkdtemp(prefix="dalfix-mutation-"))
    try:
        before = copy_app(work / "before", node_modules)
        after = copy_app(work / "after", node_modules)
        run_dalfix(after, "apply", "--unsafe-fixes")
        methods = changed_methods(before, after)
        all_names = list(json.loads(EXPECTED.read_text(encoding="utf-8"))["statements"])
        rows = []
        for mutation in [m for m in MUTATIONS if not args.only or any(o in m.kind for o in args.only)]:
            if mutation.method not in methods:
                raise SystemExit(f"{mutation.method} is no longer rewritten by dalfix; pick another mutation")
            cases = cases_of([mutation.method], all_names)
            started = time.monotonic()
            original = run_original(before, work, [mutation.method], url, cases)
            control_run = {**original, "after": run_rewrite(after, original, work / "control.json", url)}
            # The unmutated rewrite's counts are what expected.json pins (the equivalence test checks that).
            pinned = {
                n: [data_statements(control_run["before"][n]), data_statements(control_run["after"][n])] for n in cases
            }
            control = verdict(control_run, cases, pinned)
            if control:
                raise SystemExit(f"the unmutated rewrite fails on {mutation.method}:\n" + "\n".join(control))
            mutant = work / f"mutant-{len(rows)}"
            shutil.copytree(after, mutant, symlinks=True)
            target = mutant / mutation.file
            text = target.read_text(encoding="utf-8")
            if text.count(mutation.old) != 1:
                raise SystemExit(f"{mutation.kind}: expected one `{mutation.old}` in {mutation.file}")
            target.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")
            problems = verdict(
                {**original, "after": run_rewrite(mutant, original, work / "mutant.json", url)}, cases, pinned
            )
            seconds = time.monotonic() - started
            first = problems[0].splitlines()[0] if problems else "—"
            rows.append(
                f"| {mutation.kind} | `{mutation.method}` | {mutation.what} | "
                f"{'**caught**' if problems else 'MISSED'} ({len(problems)}) | {first} |"
            )
            print(rows[-1], f"[{seconds:.0f} s]", flush=True)
        table = "\n".join(
            [
                f"Mutation check on {args.engine} (`python bench/mutation_check.py --engine {args.engine}`):",
                "",
                "| planted bug | method | what changes | harness | first failure it reports |",
                "|---|---|---|---|---|",
                *rows,
            ]
        )
        print(table)
        if args.out:
            args.out.write_text(table + "\n", encoding="utf-8")
        if any("MISSED" in row for row in rows):
            raise SystemExit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
