"""`dalfix indexes`: the index plan as a text table or JSON, with the EXPLAIN results when a database was given."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from dalfix.analysis.index_plan import create_index_sql
from dalfix.context import relative_display

if TYPE_CHECKING:
    from dalfix.analysis.explain import Explained
    from dalfix.analysis.index_plan import IndexPlan, Proposal

SHOWN_SITES = 3


def _sites(proposal: Proposal, base: Path) -> list[str]:
    return [
        s.where(base) + (f" ({', '.join(s.weight_reasons)})" if s.weight_reasons else "")
        + ("" if s.table is proposal.table else f" (delete of {s.table.ts_name})")
        for s in proposal.sites
    ]  # fmt: skip


def plan_text(plan: IndexPlan, base: Path, explained: dict[str, Explained] | None = None) -> str:
    lines: list[str] = []
    tables = {s.table.id for s in plan.sites}
    lines.append(
        f"{len(plan.sites)} query sites on {len(tables)} tables; {plan.served} lookups served by existing indexes; "
        f"{len(plan.proposals)} indexes proposed, {len(plan.skipped)} lookups left out"
        + (f"; {plan.sql_indexes} indexes read from SQL migrations" if plan.sql_indexes else "")
    )
    if plan.proposals:
        lines.append("")
        header = ("benefit", "table", "columns", "index")
        rows = [(p.benefit, p.table.name or "?", ", ".join(p.columns), p.name) for p in plan.proposals]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
        lines.append("  ".join("-" * w for w in widths))
        for proposal, row in zip(plan.proposals, rows, strict=True):
            lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            indent = " " * (widths[0] + 2)
            lines.append(f"{indent}why: {proposal.why}")
            if proposal.replaces:
                lines.append(f"{indent}makes `{proposal.replaces}` redundant (its leading columns)")
            sites = _sites(proposal, base)
            more = f" and {len(sites) - SHOWN_SITES} more" if len(sites) > SHOWN_SITES else ""
            lines.append(f"{indent}sites: {', '.join(sites[:SHOWN_SITES])}{more}")
            lines.append(f"{indent}schema: {relative_display(proposal.table.path, base)}:{proposal.table.line}")
            if plan.sql_migration is not None:
                lines.append(f"{indent}sql: {create_index_sql(proposal)}")
            result = (explained or {}).get(proposal.name)
            if result is not None:
                if result.error:
                    lines.append(f"{indent}EXPLAIN failed: {result.error}")
                else:
                    assert result.before is not None and result.after is not None
                    lines.append(f"{indent}query: {result.sql}")
                    lines.append(f"{indent}before: {result.before.text}")
                    verdict = "uses the index" if result.uses_index else "does NOT use the index"
                    lines.append(f"{indent}after:  {result.after.text} — {verdict}")
    if plan.skipped:
        lines.append("")
        lines.append("Left out:")
        for skipped in plan.skipped:
            where = ", ".join(s.where(base) for s in skipped.sites[:SHOWN_SITES])
            lines.append(f"  {skipped.table.name}({', '.join(skipped.columns)}): {skipped.reason} [{where}]")
    if plan.proposals and plan.sql_migration is not None:
        lines.append("")
        lines.append(
            f"This project creates its indexes in SQL migrations (the last in "
            f"{relative_display(plan.sql_migration, base)}), not in its Drizzle tables: add the `sql:` statements "
            "in a new migration."
        )
    elif plan.proposals:
        lines.append("")
        lines.append(
            "Add them with `dalfix apply --preview --select DAL010 --unsafe-fixes`, then `drizzle-kit generate`; "
            "on a large table edit the migration to CREATE INDEX CONCURRENTLY."
        )
    return "\n".join(lines) + "\n"


def plan_json(plan: IndexPlan, base: Path, explained: dict[str, Explained] | None = None) -> str:
    proposals = []
    for proposal in plan.proposals:
        entry: dict[str, object] = {
            "table": proposal.table.name,
            "ts_name": proposal.table.ts_name,
            "schema_file": relative_display(proposal.table.path, base),
            "columns": list(proposal.columns),
            "index": proposal.name,
            "why": proposal.why,
            "benefit": proposal.benefit,
            "weight": proposal.weight,
            "replaces": proposal.replaces,
            "create_sql": create_index_sql(proposal),
            "sites": [
                {"at": s.where(base), "table": s.table.ts_name, "weight": s.weight, "why": list(s.weight_reasons)}
                for s in proposal.sites
            ],
        }
        result = (explained or {}).get(proposal.name)
        if result is not None:
            entry["explain"] = {
                "query": result.sql,
                "error": result.error,
                "before": result.before.text if result.before else None,
                "after": result.after.text if result.after else None,
                "cost_before": result.before.cost if result.before else None,
                "cost_after": result.after.cost if result.after else None,
                "uses_index": result.uses_index,
            }
        proposals.append(entry)
    skipped = [
        {"table": x.table.name, "columns": list(x.columns), "reason": x.reason,
         "sites": [s.where(base) for s in x.sites]}
        for x in plan.skipped
    ]  # fmt: skip
    document = {
        "version": 1,
        "sites": len(plan.sites),
        "served": plan.served,
        "sql_indexes": plan.sql_indexes,
        "sql_migration": relative_display(plan.sql_migration, base) if plan.sql_migration is not None else None,
        "proposals": proposals,
        "skipped": skipped,
    }
    return json.dumps(document, indent=2) + "\n"
