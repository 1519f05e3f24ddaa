"""DAL001, a read moved above a guard whose `inArray(col, list)` may get an empty list: drizzle before 0.32.1 throws
"inArray requires at least one value" when the query is built, so built before the guard the group would throw
where the original exited at it. Safe only when the project's drizzle-orm is 0.32.1 or later (it then renders
`false`), or the list is an array literal holding an element."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixture_harness import run_fix

from dalfix.rules import rule_by_code

SCHEMA = (
    'import { mysqlTable, varchar } from "drizzle-orm/mysql-core";\n'
    'export const teams = mysqlTable("teams", { id: varchar("id", { length: 36 }).primaryKey(), '
    'ownerId: varchar("owner_id", { length: 36 }).notNull() });\n'
    'export const members = mysqlTable("members", { id: varchar("id", { length: 36 }).primaryKey(), '
    'teamId: varchar("team_id", { length: 36 }).notNull() });\n'
)
DB = (
    'import { drizzle } from "drizzle-orm/mysql2";\nimport mysql from "mysql2/promise";\n'
    "export const db = drizzle(mysql.createPool(process.env.DATABASE_URL!));\n"
)


def _applicability(tmp_path: Path, version: str | None, listed: str) -> str:
    body = (
        'import { eq, inArray } from "drizzle-orm";\nimport { db } from "./db";\n'
        'import { members, teams } from "./schema";\n'
        "export async function load(teamId: string, me: string, ids: string[]) {\n"
        "  const [team] = await db.select().from(teams).where(eq(teams.id, teamId)).limit(1);\n"
        "  if (!team || team.ownerId !== me) return null;\n"
        f"  const [row] = await db.select().from(members).where(inArray(members.id, {listed})).limit(1);\n"
        "  return { team, row };\n}\n"
    )
    files = {"schema.ts": SCHEMA, "db.ts": DB, "f.ts": body}
    if version is not None:
        package = {"name": "app", "dependencies": {"drizzle-orm": version, "mysql2": "^3.9.0"}}
        files["package.json"] = json.dumps(package)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run_fix([tmp_path], rule_by_code("DAL001"))
    [finding] = [x for f in result.files if f.path.name == "f.ts" for x in f.findings]
    assert finding.fix is not None
    return finding.fix.applicability.name.lower()


@pytest.mark.parametrize(
    ("version", "listed", "expected"),
    [
        ("^0.44.6", "ids", "safe"),  # renders `false` for an empty list
        ("0.32.1", "ids", "safe"),
        ("^0.31.2", "ids", "unsafe"),  # throws when built, before the guard
        (None, "ids", "unsafe"),  # a version dalfix cannot read
        ("^0.31.2", "[teamId]", "safe"),  # a literal holding an element is never empty
        ("^0.31.2", "[]", "unsafe"),
    ],
)
def test_an_in_list_past_a_guard_is_safe_only_where_an_empty_list_cannot_throw(
    tmp_path: Path, version: str | None, listed: str, expected: str
) -> None:
    assert _applicability(tmp_path, version, listed) == expected
