"""Wall, CPU and memory of a command and every process it starts (`--jobs` workers included).

    python bench/tree_memory.py python -m dalfix check --no-cache --format json --jobs 2 /work/eco/homarr

Samples every 20 ms each process of the tree (`/proc/<pid>/smaps_rollup`): the largest process's RSS, the sum of
Pss (shared pages counted once, split between their sharers: the memory the tree really holds) and the sum of
RSS (shared pages counted in every process). CPU is `getrusage` of the waited-for children, which includes the
workers a process waited for.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time


def _tree(pid: int) -> list[int]:
    found = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            for child in children.read().split():
                found += _tree(int(child))
    except OSError:
        pass
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(Pss, Rss) in KiB."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def main() -> None:
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    largest = pss_sum = rss_sum = processes = 0
    while process.poll() is None:
        pids = _tree(process.pid)
        sizes = [_memory(pid) for pid in pids]
        processes = max(processes, len(pids))
        pss_sum = max(pss_sum, sum(p for p, _ in sizes))
        rss_sum = max(rss_sum, sum(r for _, r in sizes))
        largest = max([largest, *(r for _, r in sizes)])
        time.sleep(0.02)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(
        f"wall {wall:.2f} s, cpu {cpu:.2f} s, largest process {largest / 1024:.0f} MiB, sum of Pss "
        f"{pss_sum / 1024:.0f} MiB, sum of Rss {rss_sum / 1024:.0f} MiB, {processes} process(es), "
        f"load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
