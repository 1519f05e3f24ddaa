"""Peak memory and CPU of `dalfix check` on one big generated file with many findings (issue 17's reliability goal).

Generates files of the given sizes with bench/big_file.py (DAL001 and DAL002 findings in every block, so the
fixpoint rewrites the whole file), runs `python -m dalfix check --no-cache --format json` on each in a scratch
project whose dalfix.toml lifts `max-file-size`, and prints the peak RSS, the CPU seconds and the memory per MiB
of source (peak minus the peak of the same command on an empty file).

    python bench/big_file_memory.py [--mb 0.25,1,4] [--dalfix-path TREE] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from big_file import generate, repeat_for  # noqa: E402


def measure(directory: Path, name: str, dalfix_path: Path, timeout: int) -> dict[str, float] | None:
    command = [sys.executable, "-m", "dalfix", "check", "--no-cache", "--format", "json", name]
    done = subprocess.run(
        ["/usr/bin/time", "-f", "TIME %e %U %S %M", *command],
        cwd=directory,
        env={**os.environ, "PYTHONPATH": str(dalfix_path)},
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    lines = done.stderr.decode("utf-8", "replace").splitlines()
    line = next((x for x in reversed(lines) if x.startswith("TIME ")), None)
    if line is None or done.returncode not in (0, 1):
        print(f"{name}: failed ({done.returncode}): {lines[-3:]}", flush=True)
        return None
    wall, user, system, peak_kb = line.split()[1:]
    return {"wall": float(wall), "cpu": float(user) + float(system), "mib": int(peak_kb) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", default="0.25,1,4")
    parser.add_argument("--dalfix-path", type=Path, default=ROOT)
    parser.add_argument("--timeout", type=int, default=1800)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dalfix-big-") as scratch:
        directory = Path(scratch)
        (directory / "dalfix.toml").write_text('max-file-size = "64 MB"\n', encoding="utf-8")
        (directory / "empty.ts").write_text("export {};\n", encoding="utf-8")
        base = measure(directory, "empty.ts", args.dalfix_path, args.timeout)
        assert base is not None
        print(f"empty file: {base['mib']:.0f} MiB peak, {base['cpu']:.2f} s CPU", flush=True)
        for megabytes in (float(m) for m in args.mb.split(",")):
            name = f"big_{megabytes:g}mb.ts"
            source = generate(repeat_for(megabytes))
            (directory / name).write_text(source, encoding="utf-8")
            size = len(source.encode("utf-8")) / 2**20
            row = measure(directory, name, args.dalfix_path, args.timeout)
            if row is not None:
                per = (row["mib"] - base["mib"]) / size
                print(
                    f"{size:5.2f} MiB source: peak {row['mib']:6.0f} MiB ({per:5.0f} MiB per MiB of source), "
                    f"{row['cpu']:7.1f} s CPU, {row['wall']:7.1f} s wall",
                    flush=True,
                )
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
