"""DAL010 proven with EXPLAIN: every index dalfix proposes for examples/drizzle-app, on PostgreSQL with data.

    pg_ctlcluster 15 main start                      # the local PostgreSQL 15
    python bench/indexes.py [--rows 100000] [--database-url URL]

Creates its own database (`dalfix_indexes_bench`, dropped and created again; with --database-url, that
database is used as given and its public schema is dropped first — never point it at data you keep), creates
the app's tables from src/db/schema.ts (the harness's DDL builder, through tsx), seeds every table with
deterministic rows (tables other tables reference get a tenth of the rows, so each parent has about ten
children), ANALYZEs, then for each proposal of `dalfix indexes`: EXPLAIN ANALYZE of the representative query
five times, CREATE INDEX, five times again, ROLLBACK (dalfix/analysis/explain.py). Writes bench/indexes.md and
bench/indexes.json: the plan before and after (Seq Scan -> Index Scan), the planner's cost and the median
execution time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from example_app import APP, copy_app, ensure_installed  # noqa: E402

from dalfix.analysis.explain import explain_proposal, psql, qualified, quote_ident, quote_literal  # noqa: E402
from dalfix.analysis.index_plan import index_plan  # noqa: E402
from dalfix.analysis.project import Project  # noqa: E402
from dalfix.analysis.query_sites import application_files  # noqa: E402
from dalfix.analysis.schema import Table  # noqa: E402

DEFAULT_DATABASE = "dalfix_indexes_bench"
SOCKET = "/var/run/postgresql"
REPEAT = 5
PRINT_DDL = """
import * as schema from './src/db/schema';
import { buildDdl, inspectSchema } from './harness/ddl';
for (const statement of buildDdl(inspectSchema(schema), '2026-01-01T00:00:00.000Z')) console.log(statement + ';');
"""


def app_ddl() -> str:
    node_modules = ensure_installed()
    with tempfile.TemporaryDirectory() as tmp:
        app = copy_app(Path(tmp) / "app", node_modules)
        (app / "print-ddl.ts").write_text(PRINT_DDL, encoding="utf-8")
        done = subprocess.run(
            [str(app / "node_modules" / ".bin" / "tsx"), "print-ddl.ts"], cwd=app, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"printing the DDL failed:\n{done.stderr}")
        return done.stdout


def topological(tables: list[Table], by_id: dict[str, Table]) -> list[Table]:
    ordered: list[Table] = []
    seen: set[str] = set()

    def visit(table: Table) -> None:
        if table.id in seen:
            return
        seen.add(table.id)
        for fk in table.foreign_keys:
            parent = by_id.get(fk.target or "")
            if parent is not None and parent is not table:
                visit(parent)
        ordered.append(table)

    for table in tables:
        visit(table)
    return ordered


def key_expression(table: Table, row: str) -> str:
    """The primary key value of row number `row` (an SQL expression) of `table`."""
    pk = table.primary_key.columns[0] if table.primary_key and table.primary_key.columns else "id"
    column = table.column(pk)
    if column is not None and column.type == "uuid":
        return f"md5({quote_literal(table.name or '')} || ({row})::text)::uuid"
    return f"({row})"


def seed_sql(tables: list[Table], rows: int) -> tuple[str, dict[str, int]]:
    by_id = {t.id: t for t in tables}
    referenced = {fk.target for t in tables for fk in t.foreign_keys if fk.target != t.id}
    counts = {t.id: max(rows // 10, 10) if t.id in referenced else rows for t in tables}
    statements = []
    for table in topological(tables, by_id):
        n = counts[table.id]
        names, values = [], []
        fks = {fk.columns[0]: fk for fk in table.foreign_keys if len(fk.columns) == 1}
        for key, column in table.columns.items():
            value = _column_value(table, key, column, fks, by_id, counts)
            if value is not None:
                names.append(quote_ident(column.name or key))
                values.append(value)
        statements.append(
            f"INSERT INTO {qualified(table)} ({', '.join(names)}) SELECT {', '.join(values)} "
            f"FROM generate_series(1, {n}) g ON CONFLICT DO NOTHING;"
        )
    statements.append("ANALYZE;")
    return "\n".join(statements), {by_id[i].name or i: c for i, c in counts.items()}


def _column_value(table, key, column, fks, by_id, counts):  # type: ignore[no-untyped-def]
    pk = table.primary_key.columns if table.primary_key else ()
    if key in pk:
        return key_expression(table, "g") if column.type != "serial" else "g"
    fk = fks.get(key)
    if fk is not None:
        parent = by_id.get(fk.target or "")
        if parent is None:
            return None
        # A pseudo-random parent (Knuth's multiplicative hash): about counts[child] / counts[parent] children each.
        row = f"1 + ((g::bigint * 2654435761) % {counts[parent.id]})"
        return key_expression(parent, row)
    unique = key in table.unique_columns()
    kind = column.type
    if column.enum_values:
        array = ", ".join(quote_literal(v) for v in column.enum_values)
        cast = f"::{quote_ident(column.enum_name)}" if column.enum_name else ""
        return f"(ARRAY[{array}])[1 + g % {len(column.enum_values)}]{cast}"
    if kind in ("text", "varchar"):
        return f"{quote_literal(key + '-')} || g"
    if kind in ("integer", "bigint", "smallint", "serial"):
        return "g" if unique or kind == "serial" else "(g % 1000)"
    if kind == "boolean":
        return "(g % 2 = 0)"
    if kind == "timestamp":
        return "timestamptz '2026-01-01' - g * interval '1 minute'"
    if kind == "numeric":
        return "1"
    if kind == "uuid":
        return f"md5({quote_literal(key)} || g::text)::uuid"
    if kind == "jsonb" and column.not_null and column.default is None:
        return "'{}'::jsonb"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows of each table no other table references")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "indexes.md")
    args = parser.parse_args()

    admin = f"postgresql:///postgres?host={SOCKET}"
    url = args.database_url
    if url is None:
        psql(admin, f"DROP DATABASE IF EXISTS {DEFAULT_DATABASE};\nCREATE DATABASE {DEFAULT_DATABASE};\n")
        url = f"postgresql:///{DEFAULT_DATABASE}?host={SOCKET}"
    else:
        psql(url, "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")

    project = Project.load(APP)
    project.prepare({p.path: p for p in application_files(project)})
    plan = index_plan(project)
    proposals = [p for p in plan.proposals if p.table.dialect == "pg"]
    started = time.perf_counter()
    psql(url, app_ddl())
    seed, counts = seed_sql([t for t in project.schema.tables if t.name], args.rows)
    psql(url, seed, timeout=3600)
    seeded = time.perf_counter() - started
    print(f"schema and {sum(counts.values()):,} rows in {seeded:.0f} s", file=sys.stderr)

    results = []
    for proposal in proposals:
        explained = explain_proposal(url, proposal, analyze=True, repeat=REPEAT)
        results.append(explained)
        state = explained.error or ("index scan" if explained.uses_index else "NOT USED")
        print(f"{proposal.name}: {state}", file=sys.stderr)
    version = psql(url, "SHOW server_version;").strip()
    write_report(args.out, results, counts, args.rows, version, len(plan.sites), plan.served)


def write_report(out: Path, results, counts, rows, version, sites, served) -> None:  # type: ignore[no-untyped-def]
    records = []
    lines = [
        "# DAL010 index proposals on examples/drizzle-app, proven with EXPLAIN",
        "",
        f"PostgreSQL {version}; `python bench/indexes.py --rows {rows}`: every table seeded with deterministic rows "
        f"({rows:,} in tables no other table references, {max(rows // 10, 10):,} in referenced ones, foreign keys "
        "spread over the parents), ANALYZEd. For each proposal of `dalfix indexes examples/drizzle-app` "
        f"({sites} query sites, {served} lookups already served by existing indexes): the representative query "
        f"(rebuilt from the heaviest query site's shape with values of a row in the middle of the table) run with "
        f"EXPLAIN ANALYZE {REPEAT} times, then CREATE INDEX, {REPEAT} times again, then ROLLBACK. Times are the "
        "median execution time PostgreSQL reports; cost is the planner's estimate for the whole query. A "
        "foreign-key proposal no query filters on is represented by the lookup PostgreSQL's foreign-key trigger "
        "runs for each deleted referenced row.",
        "",
        "| benefit | index | plan before | plan after | cost before → after | ms before → after | faster |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    used = 0
    for result in results:
        proposal = result.proposal
        record: dict[str, object] = {"index": proposal.name, "table": proposal.table.name, "query": result.sql}
        if result.error or result.before is None or result.after is None:
            lines.append(f"| {proposal.benefit} | `{proposal.name}` | error: {result.error} | | | | |")
            record["error"] = result.error
            records.append(record)
            continue
        before_ms = statistics.median(result.runs_before) if result.runs_before else float("nan")
        after_ms = statistics.median(result.runs_after) if result.runs_after else float("nan")
        used += result.uses_index
        speedup = f"{before_ms / after_ms:,.0f}x" if after_ms > 0 else "-"
        lines.append(
            f"| {proposal.benefit} | `{proposal.name}` | {result.before.scan_text} | {result.after.scan_text} | "
            f"{result.before.cost:,.0f} → {result.after.cost:,.1f} | "
            f"{before_ms:.3f} → {after_ms:.3f} | {speedup} |"
        )
        record.update(
            {
                "before": result.before.scan_text,
                "after": result.after.scan_text,
                "cost_before": result.before.cost,
                "cost_after": result.after.cost,
                "ms_before": result.runs_before,
                "ms_after": result.runs_after,
                "uses_index": result.uses_index,
            }
        )
        records.append(record)
    ok = [r for r in results if r.before is not None and r.after is not None]
    from_seq = [r for r in ok if any(s.startswith("Seq Scan") for s in r.before.scans) and r.uses_index]
    others = [r for r in ok if r not in from_seq]
    lines += [
        "",
        f"{used} of {len(results)} proposals: the planner uses the new index for the representative query; "
        f"{len(from_seq)} of them turn a Seq Scan into an index scan.",
    ]
    if others:
        lines.append(
            "The others were already index scans through an existing index that narrows the rows (dalfix rates "
            "them low benefit): "
            + "; ".join(
                f"`{r.proposal.name}` cost {r.before.cost:,.0f} → {r.after.cost:,.1f}"
                + (", no Sort after" if r.before.sorts and not r.after.sorts else "")
                for r in others
            )
            + ". With a handful of rows per key, as seeded here, what they save is small."
        )
    lines += [
        "",
        "Queries:",
        "",
    ]
    lines += [f"- `{r.proposal.name}`: `{r.sql}`" for r in results]
    lines += ["", "Rows seeded per table: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())) + "."]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps({"rows": rows, "results": records}, indent=2) + "\n")


if __name__ == "__main__":
    main()
