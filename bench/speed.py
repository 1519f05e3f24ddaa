"""dalfix against ast-grep on the same tree, in one run: wall time, CPU, peak memory and the ratio.

Runs `ast-grep scan` with one await-in-loop rule (bench/await_in_loop.yml) and `python -m dalfix check`
(all rules, `--preview` with `--preview`) on a checkout and on 2x/4x/8x copies of it under /tmp (each copy
a sibling directory of one tree, so dalfix sees several projects), alternating the tools, median of
`--repeat` runs. The 1x tree also gets a "warm" row: dalfix re-run with its cache filled by a first run
(`DALFIX_CACHE_DIR` in a scratch directory, so that the checkout is not written), and a "one edit" row: in a copy of
the 1x tree under /tmp, its cache filled, a one-line comment added to `--edit-file` before each run (per-file
invalidation, dalfix/incremental.py), and a "first run" row: the cache on (the default) in an empty cache directory,
what a user's first `dalfix check` costs (it also writes the pack); the other rows are cold (`--no-cache`).
With `--eslint DIR` (an npm prefix holding eslint 9 and typescript-eslint 8: `npm i --prefix /tmp/eslint eslint@9
typescript-eslint@8 typescript@5`), ESLint's `no-await-in-loop` with the typescript-eslint parser (no type
information) runs on the trees of `--eslint-copies` too, as the issue's third column.

    python bench/speed.py [--repo /work/eco/homarr] [--copies 1,2,4] [--repeat 3] [--preview]
                          [--ast-grep PATH] [--eslint DIR] [--eslint-copies 1] [--dalfix-path TREE]
                          [--jobs N] [--edit-file packages/api/src/router/user.ts] [--out bench/speed.json]

dalfix runs with its default `--jobs` (the usable cores) unless `--jobs` is given; its CPU column is the sum over
its worker processes (/usr/bin/time counts the children a process waited for), its peak the largest process.
dalfix's bytecode is written first (`byte_compiled`), as an installed package has it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE = ROOT / "bench" / "await_in_loop.yml"
IGNORED = shutil.ignore_patterns("node_modules", ".git", ".turbo", ".next", "dist", ".dalfix_cache")


def byte_compiled(tree: Path) -> None:
    """Write the bytecode of dalfix's sources under `tree`, as `pip install` does for an installed package. An
    editable checkout run with PYTHONDONTWRITEBYTECODE set (this machine's environment) would otherwise compile
    every module on every run: ~0.4 s of CPU per run on top of the analysis (homarr 4.7 s -> 3.7 s wall)."""
    for package in ("dalfix", "transforms"):
        if (tree / package).is_dir():
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / package)], check=True)


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one command, from /usr/bin/time."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %U %S %M", *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        check=False,
    )
    line = next(x for x in reversed(done.stderr.decode("utf-8", "replace").splitlines()) if x.startswith("TIME "))
    wall, user, system, peak_kb = line.split()[1:]
    return {"wall": float(wall), "cpu": float(user) + float(system), "mib": int(peak_kb) / 1024}


def tree(repo: Path, copies: int, scratch: Path) -> Path:
    """The repo itself for 1 copy, else a directory with `copies` copies of it side by side."""
    if copies == 1:
        return repo
    base = scratch / f"x{copies}"
    if not base.exists():
        for index in range(copies):
            shutil.copytree(repo, base / f"copy{index}", ignore=IGNORED, symlinks=True)
    return base


def eslint_command(prefix: Path, scratch: Path) -> list[str]:
    """ESLint 9 with one rule, `no-await-in-loop`, on .ts/.tsx through typescript-eslint's parser (no type
    information: the cheapest configuration that parses TypeScript), from a config file in `scratch`
    (`--config` makes its `files` patterns relative to the working directory, the tree)."""
    parser = prefix / "node_modules" / "typescript-eslint" / "dist" / "index.js"
    binary = prefix / "node_modules" / ".bin" / "eslint"
    if not parser.is_file() or not binary.is_file():
        raise SystemExit(f"--eslint {prefix}: no eslint/typescript-eslint there (see this script's docstring)")
    config = scratch / "eslint.config.mjs"
    config.write_text(
        f"import tseslint from {json.dumps(str(parser))};\n"
        'export default [{ files: ["**/*.ts", "**/*.tsx"], languageOptions: { parser: tseslint.parser },\n'
        '  rules: { "no-await-in-loop": "error" } }];\n'
    )
    return [str(binary), "--config", str(config), "--format", "json", "--no-warn-ignored"]


def median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in runs), 2) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path("/work/eco/homarr"))
    parser.add_argument("--copies", default="1,2,4")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--preview", action="store_true")
    parser.add_argument("--ast-grep", default=shutil.which("ast-grep") or "/tmp/astgrep/node_modules/.bin/ast-grep")
    parser.add_argument("--eslint", type=Path, help="npm prefix with eslint@9 and typescript-eslint@8")
    parser.add_argument("--eslint-copies", default="1", help="the trees ESLint also runs on (it is slow)")
    parser.add_argument("--dalfix-path", type=Path, default=ROOT)
    parser.add_argument("--jobs", type=int, help="dalfix's --jobs (default: dalfix's own, the usable cores)")
    parser.add_argument(
        "--edit-file", default="packages/api/src/router/user.ts", help="the one-edit row's file, in the 1x tree"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    env = {**os.environ, "PYTHONPATH": str(args.dalfix_path)}
    byte_compiled(args.dalfix_path)
    dalfix = [sys.executable, "-m", "dalfix", "check", "--format", "json", *(["--preview"] if args.preview else [])]
    dalfix += ["--jobs", str(args.jobs)] if args.jobs is not None else []
    sg = [args.ast_grep, "scan", "-r", str(RULE), "--json=compact"]
    rows = []
    eslint_copies = {int(c) for c in args.eslint_copies.split(",") if c}
    with tempfile.TemporaryDirectory(prefix="dalfix-speed-") as scratch:
        eslint = eslint_command(args.eslint, Path(scratch)) if args.eslint else None
        for copies in [int(c) for c in args.copies.split(",")]:
            base = tree(args.repo.resolve(), copies, Path(scratch))
            ours, theirs, warm, linted, edited, first = [], [], [], [], [], []
            warm_env = {**env, "DALFIX_CACHE_DIR": str(Path(scratch) / f"cache{copies}")}
            edit_env = {**env, "DALFIX_CACHE_DIR": str(Path(scratch) / "cache-edit")}
            copy = Path(scratch) / "edited"
            edit_file = copy / args.edit_file
            if copies == 1:
                timed([*dalfix, "."], base, warm_env)  # fills the cache the warm runs read
                shutil.copytree(base, copy, ignore=IGNORED, symlinks=True)
                timed([*dalfix, "."], copy, edit_env)  # and the one the edited copy's runs read
            for _ in range(args.repeat):  # alternating, so that load changes hit both tools alike
                theirs.append(timed([*sg, "."], base))
                ours.append(timed([*dalfix, "--no-cache", "."], base, env))
                if copies == 1:
                    # The first run of a user's `dalfix check`: the cache on (the default), nothing in it yet.
                    first_env = {**env, "DALFIX_CACHE_DIR": str(Path(scratch) / f"first{len(first)}")}
                    first.append(timed([*dalfix, "."], base, first_env))
                    warm.append(timed([*dalfix, "."], base, warm_env))
                    with open(edit_file, "a", encoding="utf-8") as handle:
                        handle.write(f"// one edit {len(edited)}\n")
                    edited.append(timed([*dalfix, "."], copy, edit_env))
                if eslint is not None and copies in eslint_copies:
                    linted.append(timed([*eslint, "."], base))
            rows.append({"copies": copies, "dalfix": median(ours), "ast_grep": median(theirs)})
            if linted:
                rows[-1]["eslint"] = median(linted)
            if warm:
                against = rows[-1]["ast_grep"]
                rows.append({"copies": copies, "warm": True, "dalfix": median(warm), "ast_grep": against})
                one_edit = {"copies": copies, "one_edit": args.edit_file, "dalfix": median(edited), "ast_grep": against}
                rows.append(one_edit)
                rows.append({"copies": copies, "first_run": True, "dalfix": median(first), "ast_grep": against})
            for row in rows[-4:] if warm else rows[-1:]:
                row["ratio"] = round(row["dalfix"]["wall"] / max(row["ast_grep"]["wall"], 0.01), 2)
                row["cpu_ratio"] = round(row["dalfix"]["cpu"] / max(row["ast_grep"]["cpu"], 0.01), 2)
                kind = " warm" if row.get("warm") else " one edit" if row.get("one_edit") else ""
                kind = " first run (empty cache)" if row.get("first_run") else kind
                print(
                    f"{copies}x{kind}  dalfix {row['dalfix']['wall']:6.2f}s wall "
                    f"{row['dalfix']['cpu']:6.2f}s cpu "
                    f"{row['dalfix']['mib']:5.0f} MiB | ast-grep {row['ast_grep']['wall']:5.2f}s wall "
                    f"{row['ast_grep']['cpu']:5.2f}s cpu {row['ast_grep']['mib']:4.0f} MiB | "
                    f"ratio {row['ratio']}x wall, {row['cpu_ratio']}x cpu"
                    + (
                        f" | eslint {row['eslint']['wall']:5.2f}s wall {row['eslint']['cpu']:5.2f}s cpu "
                        f"{row['eslint']['mib']:4.0f} MiB"
                        if "eslint" in row
                        else ""
                    ),
                    flush=True,
                )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    if args.out:
        args.out.write_text(json.dumps({"repo": str(args.repo), "load": load, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
