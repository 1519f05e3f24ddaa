"""DAL001: a helper read moved above a guard says it now runs on the guard's path (review13's note 3: midday's
`deleteMember`, where a malformed `userId` the owner check rejected with 403 reached a uuid column, a 500)."""

from __future__ import annotations

from pathlib import Path

from fixture_harness import run_fix

from dalfix.rules import rule_by_code

DB = 'import { drizzle } from "drizzle-orm/node-postgres";\nexport const db = drizzle(process.env.URL!);\n'
SCHEMA = (
    'import { pgTable, text, uuid } from "drizzle-orm/pg-core";\n'
    'export const members = pgTable("members", { teamId: uuid("team_id").notNull(), '
    'userId: uuid("user_id").notNull(), role: text("role").notNull() });\n'
)
HELPER = (
    'import { and, eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { members } from "./schema";\n'
    "export async function roleOf(teamId: string, userId: string) {\n"
    "  const [row] = await db.select({ role: members.role }).from(members)"
    ".where(and(eq(members.teamId, teamId), eq(members.userId, userId))).limit(1);\n"
    "  return row?.role;\n}\n"
)


def message(tmp_path: Path, body: str) -> str:
    files = {"db.ts": DB, "schema.ts": SCHEMA, "roles.ts": HELPER, "f.ts": (
        'import { roleOf } from "./roles";\n'
        f"export async function remove(teamId: string, me: string, target: string) {{\n{body}}}\n")}  # fmt: skip
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run_fix([tmp_path], rule_by_code("DAL001"))
    [finding] = [x for f in result.files if f.path.name == "f.ts" for x in f.findings]
    return finding.message


def test_a_helper_read_moved_above_a_guard_says_it_runs_on_the_guards_path(tmp_path: Path) -> None:
    text = message(tmp_path, (
        "  const callerRole = await roleOf(teamId, me);\n"
        '  if (callerRole !== "owner") throw new Error("forbidden");\n'
        "  const targetRole = await roleOf(teamId, target);\n"
        "  return targetRole;\n"
    ))  # fmt: skip
    assert "a grouped call is a read only by its function's summary" in text, text
    assert "a call moved above a guard now runs on the guard's path too" in text, text


def test_helper_reads_with_no_guard_between_do_not_say_so(tmp_path: Path) -> None:
    text = message(tmp_path, (
        "  const callerRole = await roleOf(teamId, me);\n"
        "  const targetRole = await roleOf(teamId, target);\n"
        '  if (callerRole !== "owner") throw new Error("forbidden");\n'
        "  return targetRole;\n"
    ))  # fmt: skip
    assert "a grouped call is a read only by its function's summary" in text, text
    assert "guard's path" not in text, text
