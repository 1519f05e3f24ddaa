"""The schema model: `dalfix schema` on the example app matches its schema source exactly; fixture schemas
cover each declaration form in pg, sqlite and mysql; what cannot be read is reported."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "drizzle-app"
EXPECTED = Path(__file__).parent / "expected" / "drizzle_app_schema.json"
FIXTURES = Path(__file__).parent / "fixtures" / "schema"


def schema_json(run_cli: Callable[..., Result], path: Path) -> dict[str, Any]:
    result = run_cli("schema", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _ts(table_id: str | None, by_id: dict[str, dict[str, Any]]) -> str | None:
    return by_id[table_id]["ts_name"] if table_id in by_id else None


def facts(data: dict[str, Any]) -> dict[str, Any]:
    """The keys, unique sets, indexes, foreign keys and relations of a `dalfix schema --format json` output,
    in the shape of tests/expected/*.json (tables in source order, everything else as listed)."""
    by_id = {t["id"]: t for t in data["tables"]}
    tables = []
    for t in data["tables"]:
        pk = t["primary_key"]
        tables.append(
            {
                "ts_name": t["ts_name"],
                "name": t["name"],
                "dialect": t["dialect"],
                "primary_key": pk["columns"] if pk else None,
                "uniques": [
                    {k: u[k] for k in ("columns", "kind", "name", "name_derived", "partial")} for u in t["uniques"]
                ],
                "indexes": [{"name": i["name"], "columns": i["columns"], "unique": i["unique"]} for i in t["indexes"]],
                "foreign_keys": [
                    {
                        "columns": f["columns"],
                        "target": _ts(f["target"], by_id),
                        "target_columns": f["target_columns"],
                        "on_delete": f["on_delete"],
                        "on_update": f["on_update"],
                        "name": f["name"],
                        "name_derived": f["name_derived"],
                    }
                    for f in t["foreign_keys"]
                ],
                "columns": [[c["key"], c["name"]] for c in t["columns"]],
            }
        )
    relations = [
        {
            "source": _ts(r["source"], by_id),
            "name": r["name"],
            "kind": r["kind"],
            "target": _ts(r["target"], by_id),
            "fields": r["fields"],
            "references": r["references"],
            "relation_name": r["relation_name"],
        }
        for r in data["relations"]
    ]
    return {"tables": tables, "relations": relations}


def test_example_app_schema_matches_its_source_exactly(run_cli: Callable[..., Result]) -> None:
    data = schema_json(run_cli, EXAMPLE)
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = facts(data)
    assert data["unreadable"] == []
    assert [t["ts_name"] for t in got["tables"]] == [t["ts_name"] for t in expected["tables"]]
    for mine, theirs in zip(got["tables"], expected["tables"], strict=True):
        assert mine == theirs, mine["ts_name"]
    assert got["relations"] == expected["relations"]
