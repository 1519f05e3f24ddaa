"""The long run of tests/test_cache_differential.py: warm runs against cold runs after one-file edits, on real repos.

    python bench/cache_diff.py [--repos papra,Cap,homarr] [--edits 12] [--seed 0] [--dalfix-path TREE]
                               [--no-preview] [--projects] [--out /tmp/cache_diff.json]

Each repo (a checkout under /work/eco, and with `--projects` every tree of tests/projects and examples/drizzle-app) is
copied under a scratch directory; `python -m dalfix check --format json` runs once with a cache directory of its own
(`DALFIX_CACHE_DIR`), then `--edits` edits drawn with `--seed` from tests/cache_diff_harness.py's candidates (at least
one of each kind the repo has, the rest at random) are applied one after the other, and after each a warm run (the
cache) and a cold run (`--no-cache`) must print the same JSON. Prints each divergence (the edit and a diff of the two
outputs) and a table of the edits tried per repo and kind; exits 1 when some run diverged.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from cache_diff_harness import candidate_edits, copy_tree, differential, pick  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", default="papra,Cap,homarr")
    parser.add_argument("--eco", default="/work/eco")
    parser.add_argument("--projects", action="store_true", help="also tests/projects/* and examples/drizzle-app")
    parser.add_argument("--edits", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dalfix-path", default=str(ROOT))
    parser.add_argument("--no-preview", action="store_true")
    parser.add_argument("--jobs", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    sources = [Path(args.eco) / name for name in args.repos.split(",") if name]
    if args.projects:
        sources += sorted(p for p in (ROOT / "tests" / "projects").iterdir() if p.is_dir())
        sources.append(ROOT / "examples" / "drizzle-app")
    options = [] if args.no_preview else ["--preview"]
    if args.jobs:
        options += ["--jobs", args.jobs]
    rng = random.Random(args.seed)
    report: list[dict[str, object]] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="cache-diff-") as scratch:
        for source in sources:
            tree = copy_tree(source, Path(scratch) / source.name / "tree")
            cache = Path(scratch) / source.name / "cache"
            env = {**os.environ, "PYTHONPATH": args.dalfix_path, "DALFIX_CACHE_DIR": str(cache)}

            def run(root: Path, cached: bool, env: dict[str, str] = env) -> tuple[int, str, str]:
                command = [sys.executable, "-m", "dalfix", "check", *options, "--format", "json"]
                if not cached:
                    command.append("--no-cache")
                done = subprocess.run([*command, "."], cwd=root, env=env, capture_output=True, text=True)
                return done.returncode, done.stdout, done.stderr

            edits = pick(candidate_edits(tree), args.edits, rng)
            start = time.perf_counter()
            divergences = differential(tree, edits, run)
            seconds = time.perf_counter() - start
            kinds = Counter(edit.kind for edit in edits)
            print(
                f"{source.name}: {len(edits)} edits ({dict(sorted(kinds.items()))}), {len(divergences)} diverged, "
                f"{seconds:.0f} s",
                flush=True,
            )
            for divergence in divergences:
                failed = True
                print(divergence, flush=True)
            report.append(
                {
                    "repo": source.name,
                    "edits": [str(edit) for edit in edits],
                    "divergences": [d.edit for d in divergences],
                    "seconds": round(seconds, 1),
                }
            )
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
