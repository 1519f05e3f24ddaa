"""DAL003/DAL010 on a find-or-create whose key must not get a full UNIQUE index: a key column compared with a
literal (one open cart per user), another insert of the table that writes the key unchecked (a session per
login), and a partial unique index that already keeps one row per key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_index_plan import plan_for, write

ROOT = Path(__file__).resolve().parent.parent

SCHEMA = """import { sql } from "drizzle-orm";
import { index, integer, pgTable, serial, text, uniqueIndex } from "drizzle-orm/pg-core";

export const carts = pgTable("carts", {
  id: serial("id").primaryKey(),
  ownerId: integer("owner_id").notNull(),
  state: text("state").notNull(),
}, (t) => [%s]);

export const visits = pgTable("visits", {
  id: serial("id").primaryKey(),
  ownerId: integer("owner_id").notNull(),
  page: text("page").notNull(),
}, (t) => [index("visits_page_idx").on(t.page)]);
"""

APP = """import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import * as schema from "./schema";
import { carts, visits } from "./schema";

const db = drizzle(process.env.DATABASE_URL!, { schema });

export async function cartOf(ownerId: number) {
  let cart = await db.query.carts.findFirst({ where: and(eq(carts.ownerId, ownerId), eq(carts.state, "active")) });
  if (!cart) {
    const [made] = await db.insert(carts).values({ ownerId, state: "active" }).returning();
    cart = made;
  }
  return cart;
}

export async function firstVisit(ownerId: number) {
  let visit = await db.query.visits.findFirst({ where: eq(visits.ownerId, ownerId) });
  if (!visit) {
    const [made] = await db.insert(visits).values({ ownerId, page: "/" }).returning();
    visit = made;
  }
  return visit;
}
"""

OTHER_INSERT = """import { db } from "./db";
import { visits } from "./schema";

export async function track(ownerId: number, page: string) {
  await db.insert(visits).values({ ownerId, page });
}
"""


def findings(root: Path) -> list[dict[str, str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "dalfix", "check", "--preview", "--no-cache", "--select", "DAL003,DAL010"]
    out = subprocess.run([*command, "--format", "json", "."], cwd=root, env=env, capture_output=True, text=True)
    return json.loads(out.stdout)["findings"]


def project(tmp_path: Path, indexes: str = "", track: bool = False) -> Path:
    files = {"src/schema.ts": SCHEMA % indexes, "src/app.ts": APP}
    if track:
        files["src/db.ts"] = 'import { drizzle } from "drizzle-orm/node-postgres";\nexport const db = drizzle("");\n'
        files["src/track.ts"] = OTHER_INSERT
    return write(tmp_path, files)


def test_a_literal_key_column_gets_no_full_unique_index(tmp_path: Path) -> None:
    _, plan = plan_for(project(tmp_path))
    assert not any(p.unique and p.table.name == "carts" for p in plan.proposals)
    dal003 = [f for f in findings(tmp_path) if f["rule"] == "DAL003" and "carts" in f["message"]]
    assert len(dal003) == 1
    message = dal003[0]["message"]
    assert "carts_owner_id_state_unique" not in message
    assert "on(t.ownerId).where(sql`state = 'active'`)" in message


def test_the_unique_index_is_display_only_when_another_insert_writes_the_key(tmp_path: Path) -> None:
    _, plan = plan_for(project(tmp_path))
    visit = next(p for p in plan.proposals if p.table.name == "visits" and p.unique)
    assert visit.unchecked_inserts == []  # only the find-or-create's own insert: the fix stays
    schema = [f for f in findings(tmp_path) if f["rule"] == "DAL010" and f["path"] == "src/schema.ts"]
    assert any("visits_owner_id_unique" in f["message"] and f["applicability"] == "unsafe" for f in schema)

    _, plan = plan_for(project(tmp_path, track=True))
    visit = next(p for p in plan.proposals if p.table.name == "visits" and p.unique)
    assert visit.unchecked_inserts == ["src/track.ts:5"]
    schema = [f for f in findings(tmp_path) if f["rule"] == "DAL010" and f["path"] == "src/schema.ts"]
    (only,) = [f for f in schema if "visits_owner_id_unique" in f["message"]]
    assert (only["applicability"], only["edits"]) == ("display-only", [])
    assert "src/track.ts:5 inserts visits without checking the key" in only["message"]
    (pointer,) = [
        f
        for f in findings(tmp_path)
        if f["rule"] == "DAL010" and f["path"] == "src/app.ts" and "visits_owner_id_unique" in f["message"]
    ]
    assert "(no fix there: another insert of the table writes the key unchecked)" in pointer["message"]


def test_dal003_names_the_unchecked_insert_dal010_knows_of_instead_of_advising_the_index(tmp_path: Path) -> None:
    def dal003_visits() -> str:
        (only,) = [
            f
            for f in findings(tmp_path)
            if f["rule"] == "DAL003" and f["path"] == "src/app.ts" and "visits" in f["message"]
        ]
        return only["message"]

    project(tmp_path)
    assert 'Add a unique index — `uniqueIndex("visits_owner_id_unique").on(t.ownerId)`' in dal003_visits()
    project(tmp_path, track=True)
    message = dal003_visits()
    assert "Add a unique index" not in message
    assert (
        'A unique index — `uniqueIndex("visits_owner_id_unique").on(t.ownerId)` on `visits` in src/schema.ts:10 — '
        "would keep one, but src/track.ts:5 inserts visits without checking the key and would then fail on a key "
        "already taken"
    ) in message
    # The same insert checking the key first: the plain advice again (DAL010's fix is back too).
    checked = OTHER_INSERT.replace(
        "  await db.insert",
        "  const seen = await db.query.visits.findFirst({ where: eq(visits.ownerId, ownerId) });\n"
        "  if (seen) return;\n  await db.insert",
    ).replace("import { db }", 'import { eq } from "drizzle-orm";\nimport { db }')
    write(tmp_path, {"src/track.ts": checked})
    assert "Add a unique index — " in dal003_visits()


def test_a_partial_unique_index_covers_the_find_or_create(tmp_path: Path) -> None:
    partial = "uniqueIndex(\"carts_one_active\").on(t.ownerId).where(sql`${t.state} = 'active'`)"
    _, plan = plan_for(project(tmp_path, partial))
    assert not any(p.table.name == "carts" for p in plan.proposals)
    dal003 = [f for f in findings(tmp_path) if "carts" in f["message"]]
    assert [f["rule"] for f in dal003] == ["DAL003"]
    assert "no unique constraint" not in dal003[0]["message"]
    assert "carts_one_active" in dal003[0]["message"]


def test_an_insert_that_checks_the_key_first_keeps_the_fix(tmp_path: Path) -> None:
    project(tmp_path, track=True)
    checked = OTHER_INSERT.replace(
        "  await db.insert",
        "  const seen = await db.query.visits.findFirst({ where: eq(visits.ownerId, ownerId) });\n"
        "  if (seen) return;\n  await db.insert",
    ).replace("import { db }", 'import { eq } from "drizzle-orm";\nimport { db }')
    write(tmp_path, {"src/track.ts": checked})
    _, plan = plan_for(tmp_path)
    visit = next(p for p in plan.proposals if p.table.name == "visits" and p.unique)
    assert visit.unchecked_inserts == []


# The same one-value key column, the value named instead of written: (declarations, the value as written).
NAMED_VALUES = {
    "top-level const": ('const activeState = "active";\n', "activeState"),
    "enum member": ('enum CartState {\n  Active = "active",\n  Closed = "closed",\n}\n', "CartState.Active"),
    "as const property": ('const CartStates = { active: "active", closed: "closed" } as const;\n', "CartStates.active"),
    "frozen property": ('const CartStates = Object.freeze({ active: "active" });\n', "CartStates.active"),
    "imported const": ('import { activeState } from "./states";\n', "activeState"),
    "imported enum": ('import { CartState } from "./states";\n', "CartState.Active"),
}


@pytest.mark.parametrize("declared, named", NAMED_VALUES.values(), ids=list(NAMED_VALUES))
def test_a_key_column_compared_with_a_named_constant_is_a_literal(tmp_path: Path, declared: str, named: str) -> None:
    project(tmp_path)
    app = APP.replace('"active"', named).replace("const db =", f"{declared}\nconst db =", 1)
    states = 'export const activeState = "active";\nexport enum CartState {\n  Active = "active",\n}\n'
    write(tmp_path, {"src/app.ts": app, "src/states.ts": states})
    _, plan = plan_for(tmp_path)
    assert not any(p.unique and p.table.name == "carts" for p in plan.proposals)
    (dal003,) = [f for f in findings(tmp_path) if f["rule"] == "DAL003" and "carts" in f["message"]]
    assert "carts_owner_id_state_unique" not in dal003["message"]
    assert "on(t.ownerId).where(sql`state = 'active'`)" in dal003["message"]


# Namespace imports are followed to the constant: (declarations, the value as written, the module).
NAMESPACE_VALUES = {
    "namespace const": ("ACTIVE_STATE", 'export const ACTIVE_STATE = "active";\n'),
    "namespace object": ("CART.ACTIVE", 'export const CART = { ACTIVE: "active" } as const;\n'),
    "namespace enum": ("CartState.Active", 'export enum CartState {\n  Active = "active",\n}\n'),
    "namespace re-export": ("ACTIVE_STATE", 'export * from "./inner";\n'),
}


@pytest.mark.parametrize("named, module", NAMESPACE_VALUES.values(), ids=list(NAMESPACE_VALUES))
def test_a_constant_read_through_a_namespace_import_is_a_literal(tmp_path: Path, named: str, module: str) -> None:
    project(tmp_path)
    app = APP.replace('"active"', f"states.{named}").replace(
        "const db =", 'import * as states from "./states";\n\nconst db =', 1
    )
    inner = 'export const ACTIVE_STATE = "active";\n'
    write(tmp_path, {"src/app.ts": app, "src/states.ts": module, "src/inner.ts": inner})
    (dal003,) = [f for f in findings(tmp_path) if f["rule"] == "DAL003" and "carts" in f["message"]]
    assert "on(t.ownerId).where(sql`state = 'active'`)" in dal003["message"]


UNREAD_VALUES = {
    "package": ('import { ACTIVE_STATE } from "@acme/constants";\n', "ACTIVE_STATE",
                '`ACTIVE_STATE` is imported from "@acme/constants", which dalfix does not read'),
    "package member": ('import { STATE } from "@acme/constants";\n', "STATE.ACTIVE",
                       '`STATE.ACTIVE` is imported from "@acme/constants", which dalfix does not read'),
    "run-time value": ("const ACTIVE_STATE = process.env.STATE!;\n", "ACTIVE_STATE",
                       "`ACTIVE_STATE` is declared at app.ts:6 with a value that is not a literal dalfix can read"),
}  # fmt: skip


@pytest.mark.parametrize("declared, named, origin", UNREAD_VALUES.values(), ids=list(UNREAD_VALUES))
def test_a_constant_dalfix_did_not_read_is_named_for_the_reviewer(
    tmp_path: Path, declared: str, named: str, origin: str
) -> None:
    project(tmp_path)
    app = APP.replace('"active"', named).replace("const db =", f"{declared}\nconst db =", 1)
    write(tmp_path, {"src/app.ts": app})
    (dal003,) = [f for f in findings(tmp_path) if f["rule"] == "DAL003" and "carts" in f["message"]]
    message = dal003["message"]
    assert f"on(t.ownerId).where(sql`state = <the value of {named}>`)" in message
    assert f"In that `where`, `<the value of {named}>` is for you to write as an SQL literal ({origin})" in message
    assert "drizzle-kit writes into the index as `$1`" in message


NOT_CONSTANT = {
    "let": ('let activeState = "active";\n', "activeState"),
    "mutable object": ('const cartStates = { active: "active" };\n', "cartStates.active"),
    "shadowed by a parameter": ('const ownerState = "active";\n', "ownerState"),
}


@pytest.mark.parametrize("declared, named", NOT_CONSTANT.values(), ids=list(NOT_CONSTANT))
def test_a_value_that_can_change_is_not_a_literal(tmp_path: Path, declared: str, named: str) -> None:
    project(tmp_path)
    app = APP.replace('"active"', named).replace("const db =", f"{declared}\nconst db =", 1)
    if named == "ownerState":
        app = app.replace("cartOf(ownerId: number)", "cartOf(ownerId: number, ownerState: string)")
    write(tmp_path, {"src/app.ts": app})
    (dal003,) = [f for f in findings(tmp_path) if f["rule"] == "DAL003" and "carts" in f["message"]]
    assert ".where(sql`" not in dal003["message"]
    assert "no unique constraint on carts(ownerId, state)" in dal003["message"]


def test_a_declared_partial_unique_index_covers_a_named_constant(tmp_path: Path) -> None:
    partial = "uniqueIndex(\"carts_one_active\").on(t.ownerId).where(sql`${t.state} = 'active'`)"
    project(tmp_path, partial)
    app = APP.replace('"active"', "CartState.Active").replace(
        "const db =", 'enum CartState {\n  Active = "active",\n}\n\nconst db =', 1
    )
    write(tmp_path, {"src/app.ts": app})
    (dal003,) = [f for f in findings(tmp_path) if "carts" in f["message"]]
    assert dal003["rule"] == "DAL003"
    assert "carts_one_active" in dal003["message"]


READ = "db.query.visits.findFirst({ where: eq(visits.ownerId, ownerId) })"
INSERT = "db.insert(visits).values({ ownerId, page })"
# Another insert of visits, and a read by its key that may not run before it: the insert stays unchecked.
READ_MAY_NOT_RUN = {
    "in an if": (
        f'  if (page !== "/") {{\n    const seen = await {READ};\n    if (seen) return;\n  }}\n  await {INSERT};\n'
    ),
    "in a closure": f"  const seen = async () => {READ};\n  await {INSERT};\n",
    "in a try that goes on": f"  try {{\n    if (await {READ}) return;\n  }} catch {{}}\n  await {INSERT};\n",
    "right of &&": f'  const seen = page !== "/" && (await {READ});\n  if (seen) return;\n  await {INSERT};\n',
    "in a loop body": f"  for (const p of [page]) {{\n    if (await {READ}) return;\n  }}\n  await {INSERT};\n",
    "insert in a hoisted function": (
        f"  const seen = await {READ};\n  if (seen) return;\n  function add() {{\n    return {INSERT};\n  }}\n"
        "  await add();\n"
    ),
}
# The read runs first on every path to the insert: the insert checks the key (the fix stays).
READ_RUNS_FIRST = {
    "same block": f"  const seen = await {READ};\n  if (seen) return;\n  await {INSERT};\n",
    "insert in a transaction callback": (
        f"  const seen = await {READ};\n  if (seen) return;\n"
        f"  await db.transaction(async (tx) => {{\n    await tx.insert(visits).values({{ ownerId, page }});\n  }});\n"
    ),
    "read in the if condition": f"  if (!(await {READ})) {{\n    await {INSERT};\n  }}\n",
    "read left of ??": f"  return (await {READ}) ?? (await {INSERT}.returning())[0];\n",
    "a flag computed from the read": (
        f"  const seen = await {READ};\n  const fresh = !seen;\n  if (fresh) await {INSERT};\n"
    ),
    # Cap's send-invites: the rows read become a Set, the values are filtered by it (review of U5's fix).
    "values filtered through a set of the rows read": (
        "  const seen = await db.query.visits.findMany({ where: eq(visits.ownerId, ownerId) });\n"
        "  const taken = new Set(seen.map((s) => s.page));\n"
        "  const pages = [page].filter((p) => !taken.has(p));\n"
        "  await db.insert(visits).values(pages.map((p) => ({ ownerId, page: p })));\n"
    ),
    "values filtered by the rows read": (
        "  const seen = await db.query.visits.findMany({ where: eq(visits.ownerId, ownerId) });\n"
        "  const pages = [page].filter((p) => !seen.some((s) => s.page === p));\n"
        "  await db.insert(visits).values(pages.map((p) => ({ ownerId, page: p })));\n"
    ),
}
# The read runs first but decides nothing about the insert (review6 U4): the insert writes the key unchecked.
READ_DECIDES_NOTHING = {
    "only logged": f"  const seen = await {READ};\n  console.log(seen);\n  await {INSERT};\n",
    "used in the row, not as a check": (
        f"  const seen = await {READ};\n  await db.insert(visits).values({{ ownerId, page: seen ? page : '/' }});\n"
    ),
    "not bound": f"  await {READ};\n  await {INSERT};\n",
    # review6 U5: the exit tests more than whether a row was found; a second page of the owner still inserts.
    "an exit on more than the row": (
        f"  const seen = await {READ};\n  if (seen && seen.page === page) return;\n  await {INSERT};\n"
    ),
    "a flag on more than the row": (
        f"  const seen = await {READ};\n  const same = seen?.page === page;\n  if (!same) await {INSERT};\n"
    ),
    "insert right of &&": f"  await ((await {READ}) && {INSERT});\n",
    "read in a condition with more": f"  if (!(await {READ}) || page === '/') {{\n    await {INSERT};\n  }}\n",
}


def _tracked(tmp_path: Path, body: str) -> list[str]:
    project(tmp_path, track=True)
    source = (
        'import { eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { visits } from "./schema";\n\n'
        f"export async function track(ownerId: number, page: string) {{\n{body}}}\n"
    )
    write(tmp_path, {"src/track.ts": source})
    _, plan = plan_for(tmp_path)
    visit = next(p for p in plan.proposals if p.table.name == "visits" and p.unique)
    return visit.unchecked_inserts


@pytest.mark.parametrize("body", READ_MAY_NOT_RUN.values(), ids=list(READ_MAY_NOT_RUN))
def test_a_read_that_may_not_run_first_does_not_check_the_insert(tmp_path: Path, body: str) -> None:
    line = 1 + body.count("\n", 0, body.index("db.insert")) + 5
    assert _tracked(tmp_path, body) == [f"src/track.ts:{line}"]


@pytest.mark.parametrize("body", READ_RUNS_FIRST.values(), ids=list(READ_RUNS_FIRST))
def test_a_read_that_always_runs_first_checks_the_insert(tmp_path: Path, body: str) -> None:
    assert _tracked(tmp_path, body) == []


@pytest.mark.parametrize("body", READ_DECIDES_NOTHING.values(), ids=list(READ_DECIDES_NOTHING))
def test_a_read_that_decides_nothing_does_not_check_the_insert(tmp_path: Path, body: str) -> None:
    line = 1 + body.count("\n", 0, body.index("db.insert")) + 5
    assert _tracked(tmp_path, body) == [f"src/track.ts:{line}"]


# A pre-check that throws, then the insert (check-then-insert), on a key whose UNIQUE index only a migration creates
# (papra's TS migrations, or a drizzle/*.sql file): the index is there, so the message must not ask to add one, and
# the onConflictDoNothing fix targets it — as the find-or-create of the same key does. Look-alikes: a plain index,
# or a unique index on another column, leave "no unique constraint" standing.
ROLES_DB = """import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { pgTable, serial, text } from "drizzle-orm/pg-core";
export const db = drizzle(new Pool());
export const roles = pgTable("roles", {
  id: serial("id").primaryKey(),
  name: text("name").notNull(),
  code: text("code"),
});
"""

ROLES_SERVICE = """import { eq } from "drizzle-orm";
import { db, roles } from "./db";

export async function createRole(name: string) {
  const [existing] = await db.select().from(roles).where(eq(roles.name, name)).limit(1);
  if (existing) {
    throw new Error("Role name taken");
  }
  const [created] = await db.insert(roles).values({ name }).returning();
  return created;
}
"""


@pytest.mark.parametrize(
    ("where", "statement", "held"),
    [
        ("src/migrations/0001-roles.migration.ts",
         'CREATE UNIQUE INDEX IF NOT EXISTS "roles_name_index" ON "roles" ("name")', True),
        ("drizzle/0001_roles.sql", 'CREATE UNIQUE INDEX "roles_name_index" ON "roles" ("name");', True),
        ("drizzle/0001_roles.sql", 'CREATE INDEX "roles_name_index" ON "roles" ("name");', False),
        ("drizzle/0001_roles.sql", 'CREATE UNIQUE INDEX "roles_code_index" ON "roles" ("code");', False),
    ],
)  # fmt: skip
def test_check_then_insert_sees_a_unique_index_a_migration_creates(
    tmp_path: Path, where: str, statement: str, held: bool
) -> None:
    migration = f'import {{ sql }} from "drizzle-orm";\nexport const up = sql`{statement}`;\n'
    body = migration if where.endswith(".ts") else statement
    write(tmp_path, {"package.json": "{}", "src/db.ts": ROLES_DB, "src/service.ts": ROLES_SERVICE, where: body})
    dal003 = [f for f in findings(tmp_path) if f["rule"] == "DAL003"]
    assert len(dal003) == 1
    message = dal003[0]["message"]
    if held:
        assert "no unique constraint" not in message and "uniqueIndex" not in message
        assert dal003[0]["applicability"] == "unsafe" and "onConflictDoNothing" in message
    else:
        assert "no unique constraint on exactly these columns" in message
        assert dal003[0]["applicability"] == "display-only"
