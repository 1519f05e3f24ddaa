"""The long run of tests/test_fuzz.py: many more generated DAL files and mutated fixtures.

    python bench/fuzz.py [--examples 400] [--seed 0] [--output bench/fuzz_results.md]

Writes a Markdown summary: examples per strategy, how many changed, fixes applied, wall time, and the
first failure (with its falsifying input) if any.
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fuzz_harness import check_properties, generated_file, mutated_fixture  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402


def campaign(name: str, strategy, examples: int, random_seed: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    stats = {"strategy": name, "examples": 0, "changed": 0, "fixes": 0, "failure": None}

    @seed(random_seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def property_holds(case: tuple[str, bytes]) -> None:
        stats["examples"] += 1  # type: ignore[operator]
        outcome = check_properties(*case)
        stats["changed"] += outcome.changed  # type: ignore[operator]
        stats["fixes"] += outcome.fixes  # type: ignore[operator]

    start = time.perf_counter()
    try:
        property_holds()
    except Exception:  # the falsifying example and the broken property
        stats["failure"] = traceback.format_exc(limit=3)[-4000:]
    stats["seconds"] = round(time.perf_counter() - start, 1)
    return stats


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "fuzz_results.md")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    results = [
        campaign("generated DAL files", generated_file(), args.examples, args.seed),
        campaign("mutated fixtures", mutated_fixture(), args.examples, args.seed),
    ]
    lines = [
        "# Fuzz run (bench/fuzz.py)",
        "",
        f"{datetime.date.today()}, commit {commit.strip() or '?'}, seed {args.seed}, {args.examples} examples per"
        " strategy. Properties: no file fails, no fix dropped as a dalfix bug, no new syntax errors, a second"
        " run changes nothing, `diff` + `git apply` equals `apply` (tests/fuzz_harness.py).",
        "",
        "| strategy | examples | changed by fixes | fixes applied | seconds | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        verdict = "all properties held" if r["failure"] is None else "**failed** (below)"
        lines.append(
            f"| {r['strategy']} | {r['examples']} | {r['changed']} | {r['fixes']} | {r['seconds']} | {verdict} |"
        )
    for r in results:
        if r["failure"]:
            lines += ["", f"## {r['strategy']}: failure", "", "```", str(r["failure"]).rstrip(), "```"]
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    sys.exit(1 if any(r["failure"] for r in results) else 0)


if __name__ == "__main__":
    main()
