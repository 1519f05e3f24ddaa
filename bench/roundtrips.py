"""Round-trip benchmark: the example app before and after `dalfix apply`, on PostgreSQL 15 through a Pool(10).

For each seed scenario and each simulated network round trip (0, 1, 5 ms, added by `delay_proxy.py`):
statements before/after and median latency before/after over enough runs to be stable. Writes
`bench/results.md` and `bench/roundtrips.png` and compares with the seeds' own (never verified) claims.

    python bench/roundtrips.py [--iterations 30] [--rtt 0 1 5] [--case NAME ...]

Uses DATABASE_URL when set (it must point at 127.0.0.1/localhost: the proxy forwards to loopback only);
otherwise starts the local cluster (`pg_ctlcluster 15 main start`) and creates a role and database.
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
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

from delay_proxy import DelayProxy  # noqa: E402
from example_app import copy_app, ensure_installed, run_dalfix  # noqa: E402

# Scenario -> what the seed audits claimed for it (statements and time, before -> after).
SCENARIOS = {
    "ProfileStatsService.getUserStats": "seed 001: 4-5 sequential -> 4 parallel queries, 800 ms -> 250 ms (70% faster)",
    "RenderChainService.deleteChain": "seed 001: 52 -> 2 statements for 50 renders, 2500 ms -> 150 ms (94% faster)",
    "RendersDAL.getWithContext": "seed 001: 4 sequential -> 1 + 3 parallel, 250 ms -> 100 ms (60% faster)",
    "BillingDAL.getUserCreditsWithReset": "seed 001: 2 -> 1 query (JOIN), 120 ms -> 60 ms (50% faster)",
    "BillingDAL.getMonthlyCredits": "seed 002: 2 -> 1 query (conditional aggregation)",
    "BillingDAL.getUserCreditsWithResetAndMonthly": "seed 002: 3 sequential calls -> 2 parallel + 1",
    "CanvasFilesDAL.getFileWithGraph": "seed 002: 2 -> 1 query (LEFT JOIN) or 2 parallel",
    "CanvasDAL.getByFileId": "seed 002: 2 -> 1 query (JOIN) or 2 parallel",
    "RendersDAL.markAsFailed": "seed 001: updateStatusBatch, N updates -> 1 (inArray)",
    "UsersDAL.getPublicProfiles": "seed 002: getByIds, N selects -> 1 (inArray)",
    "RenderChainsDAL.getProjectChainsWithStats": "seed 001: SQL aggregation instead of a count per chain",
    "eventsStorage.getDashboardStats": "seed 003: dashboard 200+ queries, 2-5 s -> 50-100 ms",
    "ShotsDAL.getShotForUser": "seed 004: 3 queries -> 1 JOIN, 30-60 ms -> 8-15 ms",
}


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        host = urlparse(url).hostname
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(
                "DATABASE_URL must point at a loopback address (the delay proxy forwards to loopback only)"
            )
        return url
    subprocess.run(["pg_ctlcluster", "15", "main", "start"], capture_output=True)
    for _ in range(30):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
            break
        time.sleep(0.5)
    # SQL goes on stdin: through `su -c` a shell would expand `$$`.
    role = (
        "DO $$BEGIN CREATE ROLE dalfix LOGIN SUPERUSER PASSWORD 'dalfix'; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END$$;"
    )
    subprocess.run(["su", "postgres", "-c", "psql -q"], input=role, text=True, capture_output=True)
    subprocess.run(["su", "postgres", "-c", "createdb -O dalfix dalfix_bench"], capture_output=True)
    return "postgresql://dalfix:dalfix@127.0.0.1:5432/dalfix_bench"


def with_port(url: str, port: int) -> str:
    parts = urlparse(url)
    credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunparse(parts._replace(netloc=f"{credentials}127.0.0.1:{port}"))


def time_case(app: Path, case: str, url: str, iterations: int) -> dict:  # type: ignore[type-arg]
    out = app / f"bench-{abs(hash((case, url)))}.json"
    subprocess.run(
        [
            str(app / "node_modules/.bin/tsx"),
            "harness/bench.ts",
            "--case",
            case,
            "--iterations",
            str(iterations),
            "--warmup",
            "3",
            "--out",
            str(out),
        ],
        cwd=app,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--rtt", type=float, nargs="+", default=[0, 1, 5])
    parser.add_argument("--case", nargs="+", default=list(SCENARIOS))
    parser.add_argument("--report-only", action="store_true", help="re-render results.md/png from results.json")
    args = parser.parse_args()
    if args.report_only:
        rows = json.loads((HERE / "results.json").read_text())
        write_markdown(rows, len(rows[0]["before"].get("latenciesMs", [])) if rows else 0)
        write_chart(rows)
        return

    url = database_url()
    port = urlparse(url).port or 5432
    node_modules = ensure_installed()
    work = Path(tempfile.mkdtemp(prefix="dalfix-bench-"))
    before, after = copy_app(work / "before", node_modules), copy_app(work / "after", node_modules)
    run_dalfix(after, "apply", "--unsafe-fixes")
    rows = []
    for rtt in args.rtt:
        with DelayProxy("127.0.0.1", port, rtt) as proxy:
            proxied = with_port(url, proxy.listen_port)
            for case in args.case:
                old = time_case(before, case, proxied, args.iterations)
                new = time_case(after, case, proxied, args.iterations)
                rows.append({"case": case, "rtt": rtt, "before": old, "after": new})
                print(
                    f"rtt {rtt:g} ms  {case:48} {_median(old):8.2f} -> {_median(new):8.2f} ms  "
                    f"statements {old['statements']} -> {new['statements']}",
                    flush=True,
                )
    shutil.rmtree(work, ignore_errors=True)
    (HERE / "results.json").write_text(json.dumps(rows, indent=1) + "\n")
    write_markdown(rows, args.iterations)
    write_chart(rows)


def _median(result: dict) -> float:  # type: ignore[type-arg]
    latencies = result.get("latenciesMs") or result.get("latencies") or []
    return statistics.median(latencies) if latencies else float(result["summary"]["median"])


def write_markdown(rows: list[dict], iterations: int) -> None:  # type: ignore[type-arg]
    lines = [
        "# Round trips: the example app before and after `dalfix apply --unsafe-fixes`",
        "",
        f"PostgreSQL 15 on loopback through node-postgres `Pool(10)`, a delay proxy adding the round-trip time "
        f"shown to every request/response; median of {iterations} runs after 3 warm-up runs, each from freshly "
        "seeded data. Produced by `python bench/roundtrips.py`.",
        "",
        "| scenario | RTT | statements before → after | median before | median after | speed-up | the seed claimed |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for row in rows:
        old, new = _median(row["before"]), _median(row["after"])
        ratio = old / new if new else float("nan")
        lines.append(
            f"| {row['case']} | {row['rtt']:g} ms | {row['before']['statements']} → {row['after']['statements']} | "
            f"{old:.2f} ms | {new:.2f} ms | {ratio:.2f}× | {SCENARIOS.get(row['case'], '')} |"
        )
    lines += [
        "",
        "How to read it: at 0 ms (loopback) every query costs well under a millisecond and differences are noise;",
        "a round trip of 1-5 ms, as between an app and a managed database, is where the rewrites pay:",
        "`Promise.all` (DAL001) takes the sum of the reads down to about the slowest one, on a pool only;",
        "an `inArray` batch (DAL002) replaces N round trips with one. Statement counts are exact (drizzle's",
        "logger); the seeds' own numbers were never measured and mix in other changes (JOINs, indexes, caching).",
        "Scenarios with the same statements and no speed-up (`getUserCreditsWithReset`, `getShotForUser`) are",
        "fetch-then-fetch chains: the JOIN rule planned next is what would change them.",
    ]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")


def write_chart(rows: list[dict]) -> None:  # type: ignore[type-arg]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rtts = sorted({row["rtt"] for row in rows})
    cases = list(dict.fromkeys(row["case"] for row in rows))
    figure, axes = plt.subplots(1, len(rtts), figsize=(6 * len(rtts), 0.5 * len(cases) + 2), sharey=True)
    axes = axes if len(rtts) > 1 else [axes]
    for axis, rtt in zip(axes, rtts, strict=True):
        subset = {row["case"]: row for row in rows if row["rtt"] == rtt}
        positions = range(len(cases))
        before = [_median(subset[c]["before"]) for c in cases]
        after = [_median(subset[c]["after"]) for c in cases]
        axis.barh([p + 0.2 for p in positions], before, height=0.4, label="before", color="#c44e52")
        axis.barh([p - 0.2 for p in positions], after, height=0.4, label="after dalfix", color="#4c72b0")
        axis.set_yticks(list(positions), cases, fontsize=8)
        axis.set_title(f"round trip {rtt:g} ms")
        axis.set_xlabel("median latency (ms)")
        axis.invert_yaxis()
    axes[0].legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(HERE / "roundtrips.png", dpi=110)


if __name__ == "__main__":
    main()
