"""DAL002 batch sizes: by dialect and driver, `batch-size` from dalfix.toml, and the file's `inChunks` helper."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_harness import run_fix

from dalfix.config import ConfigError, load_config_file
from dalfix.rules import rule_by_code

LOOP = (
    'import { eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { t } from "./schema";\n'
    "export async function f(ids: string[]) {\n"
    "  for (const id of ids) {\n    await db.delete(t).where(eq(t.id, id));\n  }\n}\n"
)
READ = (
    'import { eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { t } from "./schema";\n'
    "export async function g(ids: string[]) {\n  const out = [];\n"
    "  for (const id of ids) {\n    const [row] = await db.select().from(t).where(eq(t.id, id));\n"
    "    out.push(row);\n  }\n  return out;\n}\n"
)


def fixed(tmp_path: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run_fix([tmp_path], rule_by_code("DAL002"))
    return next(f.fixed.decode() for f in result.files if f.path.name == "f.ts" and f.fixed)


@pytest.mark.parametrize(
    ("module", "size"),
    [("node-postgres", 30000), ("mysql2", 30000), ("better-sqlite3", 15000), ("d1", 50), (None, 900)],
)
def test_chunk_size_follows_the_driver(tmp_path: Path, module: str | None, size: int) -> None:
    db = f'import {{ drizzle }} from "drizzle-orm/{module}";\nexport const db = drizzle(x);\n' if module else ""
    out = fixed(tmp_path, {"f.ts": LOOP, **({"db.ts": db} if db else {})})
    assert f"start += {size})" in out and f"ids.slice(start, start + {size})" in out


@pytest.mark.parametrize(("module", "size"), [("mysql2", 30000), ("better-sqlite3", 15000), ("d1", 50)])
def test_chunk_size_follows_the_driver_behind_a_handle_factory(tmp_path: Path, module: str, size: int) -> None:
    # Cap's `export const db = () => { … return _cached }` called as `db().delete(…)`: the factory's driver decides.
    db = (
        f'import {{ drizzle }} from "drizzle-orm/{module}";\n'
        "let _cached: ReturnType<typeof drizzle> | undefined;\n"
        "export const db = () => {\n  if (!_cached) _cached = drizzle(x);\n  return _cached;\n};\n"
    )
    out = fixed(tmp_path, {"f.ts": LOOP.replace("await db.delete", "await db().delete"), "db.ts": db})
    assert f"start += {size})" in out and f"ids.slice(start, start + {size})" in out


# A handle handed in as a parameter (agents' `(db: AgentsRunDatabaseClient) => …`): the application's handles decide
# its dialect even when their kinds differ (review13's minor note: a pool beside a per-request client, all PostgreSQL).
HANDED = LOOP.replace('import { db } from "./db";\n', 'import type { Db } from "./db";\n').replace(
    "export async function f(ids: string[]) {", "export async function f(db: Db, ids: string[]) {"
)
POOL_AND_CLIENT = (
    'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Client, Pool } from "pg";\n'
    "export const db = drizzle(new Pool());\nexport type Db = typeof db;\n"
    "export async function perRequest() {\n  const client = new Client();\n  await client.connect();\n"
    "  return drizzle(client);\n}\n"
)
POSTGRES_AND_SQLITE = (
    'import { drizzle } from "drizzle-orm/node-postgres";\n'
    'import { drizzle as lite } from "drizzle-orm/better-sqlite3";\n'
    "export const db = drizzle(process.env.URL!);\nexport type Db = typeof db;\n"
    'export const cache = lite("cache.db");\n'
)
D1_AND_POOL = (
    'import { drizzle } from "drizzle-orm/d1";\nimport { drizzle as pg } from "drizzle-orm/node-postgres";\n'
    "export const db = drizzle(env.DB);\nexport type Db = typeof db;\nexport const reports = pg(process.env.URL!);\n"
)


@pytest.mark.parametrize(
    ("db", "size"), [(POOL_AND_CLIENT, 30000), (POSTGRES_AND_SQLITE, 900), (D1_AND_POOL, 50)], ids=["pg", "mixed", "d1"]
)
def test_a_handed_handle_takes_the_applications_one_dialect_whatever_the_kinds(
    tmp_path: Path, db: str, size: int
) -> None:
    out = fixed(tmp_path, {"f.ts": HANDED, "db.ts": db})
    assert f"start += {size})" in out, out


def test_batch_size_from_dalfix_toml(tmp_path: Path) -> None:
    out = fixed(tmp_path, {"f.ts": LOOP, "dalfix.toml": "batch-size = 7\n"})
    assert "for (let start = 0; start < ids.length; start += 7) {" in out


@pytest.mark.parametrize("value", ["0", "-3", '"10"', "true", "1.5"])
def test_bad_batch_size_is_an_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "dalfix.toml").write_text(f"batch-size = {value}\n")
    with pytest.raises(ConfigError, match="batch-size"):
        load_config_file(tmp_path / "dalfix.toml")


def test_one_helper_per_file_and_a_fresh_name_when_taken(tmp_path: Path) -> None:
    two_reads = READ + READ.replace("function g(", "function h(")
    out = fixed(tmp_path, {"f.ts": two_reads})
    assert out.count("async function inChunks<K, R>(") == 1 and out.count("await inChunks(ids, 900,") == 2
    taken = READ + "\nconst inChunks = 3;\nexport { inChunks };\n"
    out = fixed(tmp_path, {"f.ts": taken})
    assert "async function inChunks2<K, R>(" in out and "await inChunks2(ids, 900," in out


def test_a_guard_broken_over_lines_is_joined_only_where_joining_keeps_its_meaning() -> None:
    from dalfix.analysis.loops import one_line

    assert one_line("!ids.includes(x.id) &&\n\t\t\t!x.pinned &&\n\t\t\tx.id !== capId") == (
        "!ids.includes(x.id) && !x.pinned && x.id !== capId"
    )
    assert one_line("x.tags\n  .includes(tag) &&\n  ok(\n    x,\n  )") == "x.tags.includes(tag) && ok(x,)"
    for kept in (
        "a &&\n  b // why",  # a comment
        "a &&\n  `x\ny` === b",  # a template literal's line break is part of its value
        "a &&\n  xs.some((x) => {\n    return x\n  })",  # a block body: `return` / `x` would join
        '"a\\\nb" === c &&\n  d',  # a string continued with a backslash
        '"a\\\r\nb" === c &&\r\n  d',
    ):
        assert one_line(kept) == kept


GRANTS = {
    "db.ts": 'import { drizzle } from "drizzle-orm/postgres-js";\nimport postgres from "postgres";\n'
    "export const db = drizzle(postgres(process.env.DATABASE_URL!));\n",
    "schema.ts": 'import { pgTable, text, timestamp } from "drizzle-orm/pg-core";\n'
    'export const grants = pgTable("grants", { id: text("id").primaryKey(), userId: text("user_id").notNull(),\n'
    '  resourceId: text("resource_id").notNull(), revokedAt: timestamp("revoked_at") });\n'
    'export const docs = pgTable("docs", { id: text("id").primaryKey(), name: text("name").notNull() });\n',
    "grants.ts": 'import { and, eq, inArray, sql } from "drizzle-orm";\nimport { db } from "./db";\n'
    'import { docs, grants } from "./schema";\n'
    "export async function revokeGrant(params: { userId: string; resourceId: string }) {\n"
    "  const { userId, resourceId } = params;\n"
    "  const [row] = await db.update(grants).set({ revokedAt: new Date() })\n"
    "    .where(and(eq(grants.userId, userId), eq(grants.resourceId, resourceId))).returning();\n"
    "  return row ?? null;\n"
    "}\n"
    "export async function bulkRevokeGrants(params: { userIds: string[]; resourceId: string }) {\n"
    "  return db.update(grants).set({ revokedAt: new Date() })\n"
    "    .where(and(inArray(grants.userId, params.userIds), eq(grants.resourceId, params.resourceId))).returning();\n"
    "}\n"
    "export async function saveDoc(doc: { id: string; name: string }) {\n"
    "  await db.insert(docs).values(doc).onConflictDoUpdate({ target: docs.id, set: { name: doc.name } });\n"
    "}\n"
    "export async function audit(entry: { at: Date }) {\n"
    '  await db.insert(docs).values({ id: String(entry.at.getTime()), name: "audit" });\n'
    "}\n"
    "export function label(entry: { name: string }) {\n  return entry.name.toUpperCase();\n}\n"
    "type Scoped = { scopes: { tenant: string; userId: string } };\n"
    "export const grantOf = (database: typeof db) => async (params: Scoped) => {\n"
    "  const [row] = await database.select().from(grants).where(eq(grants.userId, params.scopes.userId));\n"
    "  return row;\n"
    "};\n"
    "export async function latestGrant(params: { userId: string }) {\n"
    "  return db.select().from(grants).where(eq(grants.userId, params.userId)).orderBy(grants.id).limit(1);\n"
    "}\n"
    "export async function grantById(params: { id: string }) {\n"
    "  return db.select().from(grants).where(eq(grants.id, params.id)).limit(1);\n"
    "}\n"
    "export async function copyDoc({ from, to, owner }: { from: string; to: string; owner: string }) {\n"
    "  const [doc] = await db.select().from(docs).where(eq(docs.id, owner));\n"
    "  return copyFile(doc.name + from, to);\n"
    "}\n"
    "declare function copyFile(from: string, to: string): Promise<void>;\n"
    "export const branchDiff = (database: typeof db) => async (params: { table: string }) =>\n"
    "  database.execute(sql`select * from dolt_diff(${params.table})`);\n",
}


def _messages(tmp_path: Path, use: str) -> list[str]:
    for name, text in {**GRANTS, "use.ts": use}.items():
        (tmp_path / name).write_text(text)
    result = run_fix([tmp_path], rule_by_code("DAL002"))
    return [x.message for f in result.files if f.path.name == "use.ts" for x in f.findings]


def test_a_helper_handed_an_object_from_the_element_is_reported_with_its_fields_and_batched_variant(
    tmp_path: Path,
) -> None:
    (message,) = _messages(
        tmp_path,
        'import { revokeGrant } from "./grants";\n'
        "export async function revoke(emails: string[], byEmail: Map<string, { id: string }>, resource: string) {\n"
        "  for (const email of emails) {\n"
        "    const user = byEmail.get(email);\n"
        "    if (!user) continue;\n"
        "    await revokeGrant({ userId: user.id, resourceId: resource });\n"
        "  }\n"
        "}\n",
    )
    assert message.startswith("`revokeGrant` (1 query) runs once per element, with `userId` from each element")
    assert "`.where(inArray(grants.userId, …))` over every element's" in message
    assert "its module already exports `bulkRevokeGrants`" in message


def test_a_helper_handed_an_object_the_body_built_from_the_element(tmp_path: Path) -> None:
    (message,) = _messages(
        tmp_path,
        'import { saveDoc } from "./grants";\n'
        "export async function deploy(items: { key: string; title: string }[]) {\n"
        "  for (const item of items) {\n"
        "    try {\n"
        "      const doc = { id: item.key, name: item.title };\n"
        "      await saveDoc(doc);\n"
        "    } catch (error) {\n"
        "      console.error(error);\n"
        "    }\n"
        "  }\n"
        "}\n",
    )
    assert "`saveDoc` (1 query) runs once per element, with `doc` built from each element" in message
    assert "each call has its own `try`/`catch`" in message
    assert "already exports" not in message


def test_a_curried_helper_handed_a_nested_object_names_the_leaf_from_the_element(tmp_path: Path) -> None:
    (message,) = _messages(
        tmp_path,
        'import { db } from "./db";\nimport { grantOf } from "./grants";\n'
        "export async function grantsOf(tenant: string, userIds: string[]) {\n"
        "  return Promise.all(userIds.map(async (userId) => grantOf(db)({ scopes: { tenant, userId } })));\n"
        "}\n",
    )
    assert "`grantOf(db)` (1 query) runs once per element, with `scopes.userId` from each element" in message
    assert "`.where(inArray(grants.userId, …))` over every element's" in message


@pytest.mark.parametrize(
    "body",
    [
        # raw SQL per name (a table function): nothing an `inArray` batches
        "  for (const email of emails) {\n    await branchDiff(db)({ table: email });\n  }\n",
        # the fields from the element reach no query (the query reads another field)
        "  for (const email of emails) {\n    await copyDoc({ from: email, to: email, owner: 'x' });\n  }\n",
        # the object holds nothing from the element: not a per-element key
        "  for (const email of emails) {\n    await audit({ at: now });\n  }\n",
        # the loop leaves right after the call: it runs once
        "  for (const email of emails) {\n    await revokeGrant({ userId: email, resourceId: email });\n"
        "    return;\n  }\n",
        # a helper that queries nothing
        "  for (const email of emails) {\n    await label({ name: email });\n  }\n",
        # a value computed after the call does not make it per element
        "  for (const email of emails) {\n    await audit({ at: now });\n    const late = { at: email };\n  }\n",
    ],
)
def test_helpers_handed_objects_that_are_not_per_element_keys_are_left_alone(tmp_path: Path, body: str) -> None:
    use = (
        'import { db } from "./db";\nimport { audit, branchDiff, copyDoc, label, revokeGrant } from "./grants";\n'
        "export async function run(emails: string[], now: Date) {\n" + body + "}\n"
    )
    assert _messages(tmp_path, use) == []


@pytest.mark.parametrize(
    ("helper", "says"),
    [
        (
            "latestGrant({ userId: email })",
            "every element's `userId` at once and match rows back by key with a limit per key",
        ),  # fmt: skip
        (
            "grantById({ id: email })",
            "`.where(inArray(grants.id, …))` for every element's `id` and match rows back by "
            "key (`grants.id` is unique: one row per key, so `inArray` alone is exact",
        ),  # limit(1) on the key; fmt: skip
    ],
)
def test_a_helper_that_limits_rows_needs_a_limit_per_key(tmp_path: Path, helper: str, says: str) -> None:
    (message,) = _messages(
        tmp_path,
        'import { grantById, latestGrant } from "./grants";\n'
        f"export async function run(emails: string[]) {{\n  for (const email of emails) {{\n    await {helper};\n"
        "  }\n}\n",
    )
    assert says in message


def test_a_try_around_the_whole_loop_is_not_each_call_s_own(tmp_path: Path) -> None:
    (message,) = _messages(
        tmp_path,
        'import { revokeGrant } from "./grants";\n'
        "export async function run(emails: string[], resource: string) {\n"
        "  try {\n"
        "    await Promise.all(emails.map((email) => revokeGrant({ userId: email, resourceId: resource })));\n"
        "  } catch (error) {\n    console.error(error);\n  }\n"
        "}\n",
    )
    assert "`revokeGrant` (1 query) runs once per element" in message
    assert "try" not in message


WIDE_READ = (
    READ.replace("function g(", "function f(")
    .replace("where(eq(t.id, id))", "where(and(eq(t.id, id), inArray(t.tag, tags), inArray(t.kind, kinds)))")
    .replace("(ids: string[])", "(ids: string[], tags: string[], kinds: string[])")
)
WIDE_READ = WIDE_READ.replace("{ eq }", "{ and, eq, inArray }")


@pytest.mark.parametrize(("module", "size"), [("d1", 34), ("node-postgres", 30000)])
def test_a_chunk_leaves_room_for_the_statements_other_parameters(tmp_path: Path, module: str, size: int) -> None:
    """D1 binds 100 parameters per statement: two lists of unknown length (32 each, with their columns) leave
    34 keys; PostgreSQL's 65,535 leave its usual 30,000."""
    db = f'import {{ drizzle }} from "drizzle-orm/{module}";\nexport const db = drizzle(x);\n'
    out = fixed(tmp_path, {"f.ts": WIDE_READ, "db.ts": db})
    assert f"await inChunks(ids, {size}," in out


def test_other_parameters_count_values_not_tables_or_operators(tmp_path: Path) -> None:
    from dalfix import batching
    from dalfix.analysis.project import Project
    from dalfix.parsing import descendants_of_type, parse_file

    source = (
        'import { and, eq, ne, sql } from "drizzle-orm";\nimport { db } from "./db";\nimport { t } from "./schema";\n'
        'db.update(t).set({ a: 1, b: x.y, c: sql`now() + ${n}`, ...rest }).where(and(eq(t.id, id), ne(t.c, "z")));\n'
        "db.update(t).set(patch).where(eq(t.id, id));\n"
    )
    (tmp_path / "f.ts").write_text(source)
    project = Project.load(tmp_path)
    parsed = parse_file(tmp_path / "f.ts", source.encode())
    vocabulary = project.vocabulary_for(parsed)
    outer = [n for n in descendants_of_type(parsed.root, "call_expression") if n.parent.type == "expression_statement"]
    keys = [n for n in descendants_of_type(parsed.root, "call_expression") if parsed.text(n) == "eq(t.id, id)"]
    chains = [vocabulary.query_chain(n) for n in outer]
    assert all(chains) and len(keys) == 2
    counted = [batching.other_parameters(project, parsed, c, k) for c, k in zip(chains, keys, strict=True)]  # type: ignore[arg-type]
    # a, b, the sql template (1 + n), ...rest (32), ne's t.c and "z"; neither the key condition nor the table.
    # `set(patch)` of a table the model does not know: as many as a spread, and the `patch` name itself.
    assert counted == [1 + 1 + 2 + 32 + 2, 32 + 1]


# review13's note 1: an unsafe select batch says what may change at its own site, not only "use one `inArray` select".

SCHEMA = (
    'import { pgTable, text, uuid, integer } from "drizzle-orm/pg-core";\n'
    'export const t = pgTable("t", { id: uuid("id").primaryKey(), owner: uuid("owner").notNull(), '
    'name: text("name").notNull(), rank: integer("rank").notNull() });\n'
)
POOL = 'import { drizzle } from "drizzle-orm/node-postgres";\nexport const db = drizzle(process.env.URL!);\n'


def batch_message(tmp_path: Path, loop_body: str, schema: str | None = SCHEMA) -> str:
    source = (
        'import { asc, eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { t } from "./schema";\n'
        "export async function g(ids: string[]) {\n  const out = [];\n"
        f"  for (const id of ids) {{\n    {loop_body}\n    out.push(row);\n  }}\n  return out;\n}}\n"
    )
    (tmp_path / "f.ts").write_text(source)
    (tmp_path / "db.ts").write_text(POOL)
    if schema is not None:
        (tmp_path / "schema.ts").write_text(schema)
    result = run_fix([tmp_path], rule_by_code("DAL002"))
    [finding] = [x for f in result.files if f.path.name == "f.ts" for x in f.findings]
    return finding.message


def test_unsafe_select_batch_names_the_uuid_matching_and_the_dropped_limit(tmp_path: Path) -> None:
    message = batch_message(tmp_path, "const [row] = await db.select().from(t).where(eq(t.owner, id)).limit(1);")
    assert (
        "(unsafe: rows are matched back by the uuid's hex digits in lower case, as PostgreSQL compares `t.owner`; "
        "the per-key `limit(1)` goes: each key keeps the first of its rows (with no `orderBy`, not necessarily the one "
        "its own query returned); one statement per 30000 keys)" in message
    ), message


def test_unsafe_select_batch_on_a_unique_key_says_nothing_of_limit_or_order(tmp_path: Path) -> None:
    message = batch_message(tmp_path, "const [row] = await db.select().from(t).where(eq(t.id, id)).limit(1);")
    assert "as PostgreSQL compares `t.id`; one statement per 30000 keys)" in message, message
    assert "limit(1)" not in message and "order" not in message, message


def test_unsafe_select_batch_without_the_schema_says_the_column_is_unknown(tmp_path: Path) -> None:
    message = batch_message(tmp_path, "const rows = await db.select().from(t).where(eq(t.name, id)); const row = rows;",
                            schema=None)  # fmt: skip
    assert "dalfix cannot find `t.name` in the schema: a key the database reads in another form" in message, message
    assert "with no `orderBy`, a key's rows may come back in another order" in message, message


def test_unsafe_select_batch_with_an_order_names_ties(tmp_path: Path) -> None:
    body = "const rows = await db.select().from(t).where(eq(t.name, id)).orderBy(asc(t.rank)); const row = rows;"
    message = batch_message(tmp_path, body)
    assert (
        "rows are matched back with `===`, as `t.name` (text) compares in the database; a key's rows tied on the "
        "`orderBy` may come back in another order" in message
    ), message
