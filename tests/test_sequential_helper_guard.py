"""DAL001: a helper read moved above a guard says it now runs on the guard's path (review13's note 3: midday's
`deleteMember`, where a malformed `userId` the owner check rejected with 403 reached a uuid column, a 500), and
which value it binds to which column, followed from the call's arguments through the helper's queries."""

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


def message(tmp_path: Path, body: str, helper: str = HELPER, db: str = DB, schema: str = SCHEMA,
            head: str = 'import { roleOf } from "./roles";\n') -> str:  # fmt: skip
    files = {"db.ts": db, "schema.ts": schema, "roles.ts": helper, "f.ts": (
        head +
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
    assert (
        "`roleOf` now also runs on the guard's path and binds `target` to `members.userId` (uuid), which PostgreSQL "
        "may reject (a malformed uuid): it would then raise a database error where the guard raised "
        "its own" in text
    ), text


def test_helper_reads_with_no_guard_between_do_not_say_so(tmp_path: Path) -> None:
    text = message(tmp_path, (
        "  const callerRole = await roleOf(teamId, me);\n"
        "  const targetRole = await roleOf(teamId, target);\n"
        '  if (callerRole !== "owner") throw new Error("forbidden");\n'
        "  return targetRole;\n"
    ))  # fmt: skip
    assert "a grouped call is a read only by its function's summary" in text, text
    assert "guard's path" not in text, text


def test_a_value_bound_before_the_guard_is_not_a_hazard(tmp_path: Path) -> None:
    text = message(tmp_path, (
        "  const callerRole = await roleOf(teamId, me);\n"
        '  if (callerRole !== "owner") throw new Error("forbidden");\n'
        "  const again = await roleOf(teamId, me);\n"
        "  return again;\n"
    ))  # fmt: skip
    assert "`roleOf` now also runs on the guard's path (a read before the guard already bound the values" in text
    assert "PostgreSQL" not in text, text


OBJECT_HELPER = (
    'import { and, eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { members } from "./schema";\n'
    "export async function roleOf(teamId: string, params: { userId: string; role?: string }) {\n"
    "  const { userId } = params;\n"
    "  const [row] = await db.select({ role: members.role }).from(members)"
    ".where(and(eq(members.teamId, teamId), eq(members.userId, userId), eq(members.role, params.role))).limit(1);\n"
    "  return row?.role;\n}\n"
)


def test_a_field_of_an_object_argument_is_followed(tmp_path: Path) -> None:
    text = message(tmp_path, (
        "  const callerRole = await roleOf(teamId, { userId: me });\n"
        '  if (callerRole !== "owner") throw new Error("forbidden");\n'
        "  const targetRole = await roleOf(teamId, { userId: target });\n"
        "  return targetRole;\n"
    ), OBJECT_HELPER)  # fmt: skip
    assert "binds `target` to `members.userId` (uuid)" in text, text


COMPUTED_HELPER = HELPER.replace("eq(members.userId, userId)", "eq(members.userId, userId.trim())")


def test_a_value_the_helper_computes_is_not_followed(tmp_path: Path) -> None:
    text = message(tmp_path, (
        "  const callerRole = await roleOf(teamId, me);\n"
        '  if (callerRole !== "owner") throw new Error("forbidden");\n'
        "  const targetRole = await roleOf(teamId, target);\n"
        "  return targetRole;\n"
    ), COMPUTED_HELPER)  # fmt: skip
    assert "`roleOf` now also runs on the guard's path, and dalfix cannot follow what its query binds" in text, text


MYSQL = 'import { drizzle } from "drizzle-orm/mysql2";\nexport const db = drizzle(process.env.URL!);\n'
MYSQL_SCHEMA = (
    'import { mysqlTable, text, varchar } from "drizzle-orm/mysql-core";\n'
    'export const members = mysqlTable("members", { teamId: varchar("team_id", { length: 36 }).notNull(), '
    'userId: varchar("user_id", { length: 36 }).notNull(), role: text("role").notNull() });\n'
)


def test_on_mysql_only_the_guards_path_is_said(tmp_path: Path) -> None:
    text = message(tmp_path, (
        "  const callerRole = await roleOf(teamId, me);\n"
        '  if (callerRole !== "owner") throw new Error("forbidden");\n'
        "  const targetRole = await roleOf(teamId, target);\n"
        "  return targetRole;\n"
    ), db=MYSQL, schema=MYSQL_SCHEMA)  # fmt: skip
    assert text.endswith("`roleOf` now also runs on the guard's path)"), text
    assert "PostgreSQL" not in text, text


SCOPED_HELPERS = (
    'import { and, eq, type SQL } from "drizzle-orm";\nimport { db } from "./db";\n'
    'import { members } from "./schema";\n'
    "export async function roleOf(params: { scopes: { teamId: string }; userId: string }) {\n"
    "  const conditions = [eq(members.teamId, params.scopes.teamId), eq(members.userId, params.userId)];\n"
    "  const [row] = await db.select({ role: members.role }).from(members).where(and(...conditions)).limit(1);\n"
    "  return row?.role;\n}\n"
    "export async function rolesOfTeam(teamId: string) {\n"
    "  return db.select({ role: members.role }).from(members).where(eq(members.teamId, teamId)).limit(5);\n}\n"
    "export async function rolesWhere(filter: SQL) {\n"
    "  return db.select({ role: members.role }).from(members).where(filter).limit(5);\n}\n"
)


SCOPED_HEAD = (
    'import { eq } from "drizzle-orm";\nimport { members } from "./schema";\n'
    'import { roleOf, rolesOfTeam, rolesWhere } from "./roles";\n'
)


def test_conditions_built_beside_the_query_and_nested_scopes_are_followed(tmp_path: Path) -> None:
    # agents' getScheduledTriggerById: `conditions` of `eq(t.tenantId, params.scopes.tenantId)`, then `and(...)`.
    text = message(tmp_path, (
        "  const callerRole = await roleOf({ scopes: { teamId }, userId: me });\n"
        '  if (callerRole !== "owner") throw new Error("forbidden");\n'
        "  const roles = await rolesOfTeam(teamId);\n"
        "  return roles;\n"
    ), SCOPED_HELPERS, head=SCOPED_HEAD)  # fmt: skip
    assert "`rolesOfTeam` now also runs on the guard's path (a read before the guard already bound" in text, text


def test_a_condition_the_caller_builds_is_not_followed(tmp_path: Path) -> None:
    text = message(tmp_path, (
        "  const callerRole = await roleOf({ scopes: { teamId }, userId: me });\n"
        '  if (callerRole !== "owner") throw new Error("forbidden");\n'
        "  const roles = await rolesWhere(eq(members.userId, target));\n"
        "  return roles;\n"
    ), SCOPED_HELPERS, head=SCOPED_HEAD)  # fmt: skip
    assert "`rolesWhere` now also runs on the guard's path, and dalfix cannot follow what its query binds" in text


# review15: dokploy's backups group `findEnvironmentById` and `findDestinationById`, finders that throw their own
# NOT_FOUND; in one `Promise.all` the one that settles first is thrown, not the first's.
THROWING_HELPER = (
    'import { and, eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { members } from "./schema";\n'
    "export async function roleOf(teamId: string, userId: string) {\n"
    "  const [row] = await db.select({ role: members.role }).from(members)"
    ".where(and(eq(members.teamId, teamId), eq(members.userId, userId))).limit(1);\n"
    '  if (!row) throw new Error("member not found");\n'
    "  return row.role;\n}\n"
)


def test_two_helpers_that_throw_their_own_errors_say_they_race(tmp_path: Path) -> None:
    text = message(tmp_path, (
        "  const callerRole = await roleOf(teamId, me);\n"
        "  const targetRole = await roleOf(teamId, target);\n"
        "  return [callerRole, targetRole];\n"
    ), helper=THROWING_HELPER)  # fmt: skip
    assert "`roleOf` throw errors of their own: when two do, the one that settles first is thrown" in text, text


def test_helpers_that_return_nothing_on_a_miss_do_not_say_they_race(tmp_path: Path) -> None:
    text = message(tmp_path, (
        "  const callerRole = await roleOf(teamId, me);\n"
        "  const targetRole = await roleOf(teamId, target);\n"
        "  return [callerRole, targetRole];\n"
    ))  # fmt: skip
    assert "throw errors of their own" not in text, text
