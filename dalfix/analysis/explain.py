"""EXPLAIN each proposed index on a real PostgreSQL: the plan of a representative query before and after
creating the index inside a transaction that is rolled back.

The representative query is rebuilt from the proposal's heaviest query site (its equality, IN, range, order
and limit shape on the proposal's columns), with values taken from a row of the table, because the exact SQL
drizzle sends depends on run-time values. A foreign-key proposal no query filters on is represented by the
lookup PostgreSQL's foreign-key trigger runs when a referenced row is deleted (`SELECT 1 FROM child WHERE fk = v`).

Runs `psql` (no Python driver is needed); only against the URL it is given. Plain EXPLAIN (no ANALYZE) never
runs the query; `analyze=True` (the benchmark) runs it, still inside the rolled-back transaction. Note that
CREATE INDEX in the transaction holds a lock that blocks writes to the table until the rollback: point it at
a copy of production, not at production.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dalfix.analysis.index_plan import Proposal
    from dalfix.analysis.schema import Table

SCANS = ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Bitmap Index Scan")
PAGE = 20
MARKER = "@@dalfix-plan@@"


class ExplainError(RuntimeError):
    pass


@dataclass
class PlanSummary:
    scans: list[str]  # "Seq Scan on logs", "Index Scan using logs_event_id_idx on logs"
    cost: float  # the top node's total cost
    time_ms: float | None = None  # execution time (EXPLAIN ANALYZE only)
    sorts: bool = False  # a Sort (or Incremental Sort) node: the rows are sorted after they are found

    @property
    def scan_text(self) -> str:
        return "; ".join(self.scans) + (" + Sort" if self.sorts else "") or "no scan of the table"

    @property
    def text(self) -> str:
        scans = self.scan_text
        time = f", {self.time_ms:.2f} ms" if self.time_ms is not None else ""
        return f"{scans} (cost {self.cost:.1f}{time})"


@dataclass
class Explained:
    proposal: Proposal
    sql: str
    before: PlanSummary | None = None
    after: PlanSummary | None = None
    error: str | None = None
    uses_index: bool = False
    runs_before: list[float] = field(default_factory=list)
    runs_after: list[float] = field(default_factory=list)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def qualified(table: Table) -> str:
    name = quote_ident(table.name or "")
    return f"{quote_ident(table.schema)}.{name}" if table.schema else name


def column_name(table: Table, key: str) -> str:
    column = table.column(key)
    return quote_ident(column.name if column is not None and column.name else key)


def psql(url: str, script: str, timeout: float = 600) -> str:
    binary = shutil.which("psql")
    if binary is None:
        raise ExplainError("psql is not on PATH: install the PostgreSQL client to use --database-url")
    done = subprocess.run(
        [binary, url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"],
        input=script,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise ExplainError(done.stderr.strip() or f"psql exited with {done.returncode}")
    return done.stdout


def representative_shape(proposal: Proposal) -> tuple[list[str], list[str], list[str], list[tuple[str, str]], bool]:
    """(equality, IN, range, order, limited) columns of the proposal's representative query, within its columns."""
    site = proposal.representative
    columns = set(proposal.columns)
    if site is None:  # a foreign key only deletes look up
        return list(proposal.columns), [], [], [], False
    equality = [k for k in site.equality if k in columns]
    in_list = [k for k in site.in_list if k in columns and k not in equality]
    ranges = [k for k in site.ranges if k in columns and k not in equality]
    order = [(k, d) for k, d in site.order if k in columns][:1]
    return equality, in_list, ranges, order, site.limited and bool(order)


def sample_sql(proposal: Proposal) -> str:
    """One row's values of the proposal's columns, as JSON (a row where none is NULL, from the middle of the table)."""
    table = proposal.table
    columns = ", ".join(f"{column_name(table, k)}::text AS {quote_ident(k)}" for k in proposal.columns)
    not_null = " AND ".join(f"{column_name(table, k)} IS NOT NULL" for k in proposal.columns)
    return (
        f"SELECT row_to_json(s) FROM (SELECT {columns} FROM {qualified(table)} WHERE {not_null} "
        f"OFFSET (SELECT count(*) / 2 FROM {qualified(table)}) LIMIT 1) s;"
    )


def representative_sql(proposal: Proposal, values: dict[str, str]) -> str:
    table = proposal.table
    equality, in_list, ranges, order, limited = representative_shape(proposal)
    if proposal.representative is None:  # what the foreign-key trigger runs for each deleted referenced row
        keys = " AND ".join(f"x.{column_name(table, k)} = {quote_literal(values[k])}" for k in equality)
        return f"SELECT 1 FROM ONLY {qualified(table)} x WHERE {keys} FOR KEY SHARE OF x"
    conditions = [f"{column_name(table, k)} = {quote_literal(values[k])}" for k in equality]
    conditions += [f"{column_name(table, k)} IN ({quote_literal(values[k])})" for k in in_list]
    conditions += [f"{column_name(table, k)} >= {quote_literal(values[k])}" for k in ranges]
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    tail = ""
    if order:
        key, direction = order[0]
        tail = f" ORDER BY {column_name(table, key)} {direction.upper()}"
    if limited:
        tail += f" LIMIT {PAGE}"
    return f"SELECT * FROM {qualified(table)}{where}{tail}"


def create_index_sql(proposal: Proposal) -> str:
    columns = ", ".join(column_name(proposal.table, k) for k in proposal.columns)
    return f"CREATE INDEX {quote_ident(proposal.name)} ON {qualified(proposal.table)} ({columns})"


def summarize(plan_json: str, table: Table) -> PlanSummary:
    document: Any = json.loads(plan_json)
    top = document[0]
    root = top["Plan"]
    scans: list[str] = []
    sorts = False

    def visit(node: dict[str, Any]) -> None:
        nonlocal sorts
        kind = node.get("Node Type", "")
        sorts = sorts or kind in ("Sort", "Incremental Sort")
        if kind in SCANS and (node.get("Relation Name") == table.name or kind == "Bitmap Index Scan"):
            using = f" using {node['Index Name']}" if node.get("Index Name") else ""
            relation = f" on {node['Relation Name']}" if node.get("Relation Name") else ""
            scans.append(f"{kind}{using}{relation}")
        for child in node.get("Plans", []):
            visit(child)

    visit(root)
    return PlanSummary(scans, float(root.get("Total Cost", 0.0)), top.get("Execution Time"), sorts)


def explain_proposal(url: str, proposal: Proposal, analyze: bool = False, repeat: int = 1) -> Explained:
    """EXPLAIN the representative query, CREATE INDEX, EXPLAIN again, ROLLBACK."""
    try:
        sampled = psql(url, sample_sql(proposal)).strip()
    except ExplainError as exc:
        return Explained(proposal, "", error=str(exc))
    if not sampled:
        return Explained(proposal, "", error=f"{proposal.table.name} has no row to take values from")
    values = json.loads(sampled.splitlines()[0])
    sql = representative_sql(proposal, values)
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    explain = f"\\echo {MARKER}\nEXPLAIN ({options}) {sql};\n"
    script = "BEGIN;\n" + explain * repeat + create_index_sql(proposal) + ";\n" + explain * repeat + "ROLLBACK;\n"
    result = Explained(proposal, sql)
    try:
        output = psql(url, script)
    except ExplainError as exc:
        result.error = str(exc)
        return result
    plans = [chunk.strip() for chunk in output.split(MARKER)[1:]]
    if len(plans) != 2 * repeat:
        result.error = f"expected {2 * repeat} plans from psql, got {len(plans)}"
        return result
    summaries = [summarize(p, proposal.table) for p in plans]
    before, after = summaries[:repeat], summaries[repeat:]
    result.before, result.after = before[-1], after[-1]
    result.runs_before = [s.time_ms for s in before if s.time_ms is not None]
    result.runs_after = [s.time_ms for s in after if s.time_ms is not None]
    result.uses_index = any(proposal.name in scan for scan in result.after.scans)
    return result
