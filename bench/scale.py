"""Time and peak memory of `dalfix diff` on one generated DAL file of 1, 2, 4 and 8 MiB (bench/big_file.py).

    python bench/scale.py [--sizes 1 2 4 8] [--timeout 600] [--source DIR] [--label after]

`--source` runs another checkout of dalfix (e.g. an older commit unpacked with `git archive`) to compare.
Each file gets a dalfix.toml raising `max-file-size` above it, unless --no-config (older versions reject
the key). Prints one Markdown table row per size: wall time, CPU time (user + sys: what to compare on a busy
machine) and peak memory.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from big_file import generate, repeat_for  # noqa: E402


def measure(source: Path, path: Path, timeout: float) -> tuple[str, str, str]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    command = [
        "/usr/bin/time",
        "-f",
        "maxrss=%M cpu=%U+%S",
        sys.executable,
        "-m",
        "dalfix",
        "diff",
        "--no-cache",
        path.name,
    ]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=path.parent, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s (killed)", "-", "-"
    elapsed = time.perf_counter() - start
    memory = re.search(r"maxrss=(\d+)", done.stderr)
    megabytes = f"{int(memory.group(1)) / 1024:.0f} MB" if memory else "?"
    cpu = re.search(r"cpu=([\d.]+)\+([\d.]+)", done.stderr)
    cpu_seconds = f"{float(cpu.group(1)) + float(cpu.group(2)):.1f} s" if cpu else "?"
    if done.returncode not in (0, 1):
        return f"exit {done.returncode} after {elapsed:.1f} s", cpu_seconds, megabytes
    return f"{elapsed:.1f} s", cpu_seconds, megabytes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--no-config", action="store_true")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="dalfix-scale-"))
    (base / "package.json").write_text('{"name": "big", "dependencies": {"drizzle-orm": "^0.44.0", "pg": "^8"}}\n')
    if not args.no_config:
        (base / "dalfix.toml").write_text('max-file-size = "64 MB"\n')
    for size in args.sizes:
        path = base / f"big_{size:g}mb.ts"
        path.write_text(generate(repeat_for(size)), encoding="utf-8")
        elapsed, cpu, memory = measure(args.source.resolve(), path, args.timeout)
        print(f"| {args.label} | {size:g} MiB | {repeat_for(size)} | {elapsed} | {cpu} | {memory} |", flush=True)


if __name__ == "__main__":
    main()
