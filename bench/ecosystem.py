"""dalfix on real repositories (ruff-ecosystem's idea): findings per rule, skips, crashes, time and memory.

Runs `python -m dalfix check --format json` on each checkout under a folder (default /work/eco), one
subprocess per repository, and writes a markdown table and a JSON file that a later run can be compared
with (`--compare old.json` prints what changed per repository and rule).

    python bench/ecosystem.py [--eco /work/eco] [--repos homarr,Cap] [--dalfix-path TREE] [--preview]
                              [--out bench/ecosystem] [--compare bench/ecosystem.json] [--label after]

`--dalfix-path` runs another checkout of dalfix (e.g. a worktree of an older commit) for a "before" row set.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPEN_SET = ("homarr", "Cap", "papra", "agents", "buster", "dyad", "moemail", "SpeedRunEthereum-v2")
SKIP_MESSAGE = re.compile(
    r"dalfix: (?P<path>.+?): (?P<count>\d+) function\(s\) skipped: parse error at line (?P<lines>[\d, ]+)"
)


def run_repository(checkout: Path, dalfix_path: Path, timeout: float, extra: tuple[str, ...] = ()) -> dict[str, object]:
    """One `dalfix check` on a checkout: its JSON summary, findings per rule and applicability, time, memory."""
    env = {**os.environ, "PYTHONPATH": str(dalfix_path)}
    command = [
        "/usr/bin/time",
        "-f",
        "%M",
        sys.executable,
        "-m",
        "dalfix",
        "check",
        "--format",
        "json",
        "--no-cache",
        *extra,
        ".",
    ]
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"crash": f"timed out after {timeout:.0f}s", "wall_s": timeout}
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time as well as wall time: on a shared machine the wall time measures the neighbours too.
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    stderr = done.stderr.decode("utf-8", "replace").splitlines()
    peak_kb = int(stderr[-1]) if stderr and stderr[-1].strip().isdigit() else None
    row: dict[str, object] = {
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "peak_mb": round(peak_kb / 1024) if peak_kb else None,
    }
    try:
        report = json.loads(done.stdout)
    except ValueError:
        tail = [line for line in stderr if line.strip() and not line.strip().isdigit()][-3:]
        row["crash"] = f"exit {done.returncode}: " + " | ".join(tail)
        return row
    summary = report["summary"]
    by_rule: Counter[str] = Counter()
    for finding in report["findings"]:
        by_rule[f"{finding['rule']}/{finding['applicability'] or 'none'}"] += 1
    constructs: Counter[str] = Counter()
    for line in stderr:
        match = SKIP_MESSAGE.match(line)
        if match:
            constructs[_construct(checkout / match["path"], match["lines"])] += int(match["count"])
    row.update(
        files=summary["files_scanned"],
        skipped_files=summary["files_skipped"],
        skipped_reasons=summary["skipped_reasons"],
        failed_files=summary["files_failed"],
        crashes=[line for line in stderr if line.startswith("dalfix: error:")][:5],
        findings=summary["findings"],
        by_rule=dict(sorted(by_rule.items())),
        skipped_functions=summary["functions_skipped_for_parse_errors"],
        skip_constructs=dict(constructs.most_common(5)),
        locations=sorted(f"{f['rule']} {f['path']}:{f['line']} {f['applicability']}" for f in report["findings"]),
    )
    return row


def _construct(path: Path, lines: str) -> str:
    """The source line a parse error was reported at, shortened: what tree-sitter did not understand."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
        first = int(lines.split(",")[0])
        return re.sub(r"\s+", " ", text[first - 1].strip())[:48]
    except (OSError, ValueError, IndexError):
        return "?"


def markdown(rows: dict[str, dict[str, object]], label: str) -> str:
    rules = sorted({key for row in rows.values() for key in row.get("by_rule", {})})  # type: ignore[union-attr]
    head = [
        "repo",
        "files",
        "skipped files",
        *rules,
        "findings",
        "skipped fns (construct)",
        "crashes",
        "wall s",
        "cpu s",
        "peak MB",
    ]
    lines = [f"### {label}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for repo, row in rows.items():
        if "files" not in row:
            lines.append(f"| {repo} | crash: {row.get('crash')} |" + " |" * (len(head) - 2))
            continue
        by_rule = row["by_rule"]
        assert isinstance(by_rule, dict)
        constructs = row["skip_constructs"]
        assert isinstance(constructs, dict)
        shown = "; ".join(f"{n}× `{c}`" for c, n in list(constructs.items())[:2])
        cells = [
            repo,
            row["files"],
            row["skipped_files"],
            *(by_rule.get(rule, 0) for rule in rules),
            row["findings"],
            f"{row['skipped_functions']} {shown}".strip(),
            row["failed_files"],
            row["wall_s"],
            row.get("cpu_s", ""),
            row["peak_mb"],
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def compare(old: dict[str, dict[str, object]], new: dict[str, dict[str, object]]) -> str:
    """Per repository: findings per rule/applicability before -> after, and locations that appeared or went."""
    out = []
    for repo in sorted(set(old) | set(new)):
        before, after = old.get(repo, {}), new.get(repo, {})
        rules = sorted(set(before.get("by_rule", {})) | set(after.get("by_rule", {})))  # type: ignore[arg-type]
        changes = [
            f"{rule} {before.get('by_rule', {}).get(rule, 0)} -> {after.get('by_rule', {}).get(rule, 0)}"  # type: ignore[union-attr]
            for rule in rules
            if before.get("by_rule", {}).get(rule, 0) != after.get("by_rule", {}).get(rule, 0)  # type: ignore[union-attr]
        ]
        gone = sorted(set(before.get("locations", [])) - set(after.get("locations", [])))  # type: ignore[arg-type]
        new_locations = sorted(set(after.get("locations", [])) - set(before.get("locations", [])))  # type: ignore[arg-type]
        out.append(f"{repo}: " + (", ".join(changes) or "no change in counts"))
        out.extend(f"  - {location}" for location in gone)
        out.extend(f"  + {location}" for location in new_locations)
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eco", type=Path, default=Path("/work/eco"))
    parser.add_argument("--repos", default=",".join(OPEN_SET))
    parser.add_argument("--dalfix-path", type=Path, default=ROOT)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "ecosystem")
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--label", default="dalfix check on the open set")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--preview", action="store_true", help="also run the rules still in preview")
    parser.add_argument("--jobs", type=int, help="dalfix's --jobs (default: dalfix's, the usable cores)")
    parser.add_argument(
        "--no-cache", action="store_true", help="accepted for old command lines: runs never use the cache"
    )
    args = parser.parse_args()
    extra: tuple[str, ...] = ("--preview",) if args.preview else ()  # --no-cache always: a cold run
    if args.jobs is not None:
        extra += ("--jobs", str(args.jobs))
    rows: dict[str, dict[str, object]] = {}
    from speed import byte_compiled  # bench/speed.py, beside this script

    byte_compiled(args.dalfix_path)  # the first repository's time must not include compiling dalfix
    for repo in [r for r in args.repos.split(",") if r]:
        checkout = args.eco / repo
        if not checkout.is_dir():
            print(f"{repo}: no checkout at {checkout}", file=sys.stderr)
            continue
        rows[repo] = run_repository(checkout, args.dalfix_path, args.timeout, extra)
        print(
            f"{repo}: {rows[repo].get('findings', rows[repo].get('crash'))} in {rows[repo]['wall_s']}s", file=sys.stderr
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{args.out}.json").write_text(json.dumps(rows, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    Path(f"{args.out}.md").write_text(markdown(rows, args.label), encoding="utf-8")
    if args.compare is not None:
        print(compare(json.loads(args.compare.read_text(encoding="utf-8")), rows))


if __name__ == "__main__":
    main()
