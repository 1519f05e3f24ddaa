"""DAL002, a DAL helper called once per element (display-only): the message says what a batched variant would
do by the helper's statements — insert rows, write by every compared argument together, load and match back —
and nothing when the element only reaches raw SQL text (a table name)."""

from __future__ import annotations

from pathlib import Path

from fixture_harness import run_fix

from dalfix.rules import rule_by_code

SCHEMA = (
    'import { integer, pgTable, serial, text } from "drizzle-orm/pg-core";\n'
    'export const items = pgTable("items", { id: serial("id").primaryKey(), boardId: integer("board_id"), '
    'kind: text("kind") });\n'
    'export const mappings = pgTable("mappings", { id: serial("id").primaryKey(), tenantId: text("tenant_id"), '
    'userId: text("user_id") });\n'
)
DB = (
    'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n'
    "export const db = drizzle(new Pool());\n"
)
HEAD = (
    'import { and, eq, sql } from "drizzle-orm";\nimport { db } from "./db";\n'
    'import { items, mappings } from "./schema";\n'
)


def messages(tmp_path: Path, body: str) -> list[str]:
    for name, text in {"schema.ts": SCHEMA, "db.ts": DB, "f.ts": HEAD + body}.items():
        (tmp_path / name).write_text(text)
    result = run_fix([tmp_path], rule_by_code("DAL002"))
    return [f.message for r in result.files for f in r.findings]


def test_insert_only_helper_says_multi_row_insert(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function placeItem(boardId: number, kind: string) {\n"
        "  await db.insert(items).values({ boardId, kind });\n"
        "  await db.insert(items).values({ boardId, kind: `${kind}-shadow` });\n}\n"
        "export async function placeAll(boardId: number, kinds: string[]) {\n"
        "  for (const kind of kinds) {\n    await placeItem(boardId, kind);\n  }\n}\n"
    ))  # fmt: skip
    assert "insert every element's rows at once, one multi-row `.values([…])` per insert" in message
    assert "load" not in message and "match rows back" not in message


def test_write_keyed_by_several_arguments_names_them_all(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function deleteMapping(tenantId: string, userId: string) {\n"
        "  const deleted = await db.delete(mappings)\n"
        "    .where(and(eq(mappings.userId, userId), sql`${mappings.tenantId} = ${tenantId}`)).returning();\n"
        "  return deleted.length > 0;\n}\n"
        "export async function deleteAll(list: { tenantId: string; userId: string }[]) {\n"
        "  let n = 0;\n  for (const m of list) {\n    if (await deleteMapping(m.tenantId, m.userId)) n++;\n  }\n"
        "  return n;\n}\n"
    ))  # fmt: skip
    assert "a batched variant would delete by every element's combination at once" in message
    assert "`mappings.tenantId` = `m.tenantId`" in message and "`mappings.userId` = `m.userId`" in message
    assert "never by one of them alone" in message and "load" not in message


def test_read_keyed_by_one_column_loads_and_matches_back(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function getItem(id: number) {\n"
        "  const [row] = await db.select().from(items).where(eq(items.id, id));\n  return row;\n}\n"
        "export async function getAll(list: { id: number }[]) {\n"
        "  const out = [];\n  for (const x of list) {\n    out.push(await getItem(x.id));\n  }\n  return out;\n}\n"
    ))  # fmt: skip
    assert "would load `.where(inArray(items.id, list.map((x) => x.id)))` and match rows back by key" in message


def test_update_by_one_column_is_not_a_load(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function rename(id: number, kind: string) {\n"
        "  await db.update(items).set({ kind }).where(eq(items.id, id));\n}\n"
        "export async function renameAll(list: { id: number }[]) {\n"
        '  for (const x of list) {\n    await rename(x.id, "k");\n  }\n}\n'
    ))  # fmt: skip
    assert "would update `.where(inArray(items.id, list.map((x) => x.id)))`" in message
    assert "load" not in message and "match rows back" not in message


def test_element_only_in_raw_sql_text_is_not_reported(tmp_path: Path) -> None:
    assert messages(tmp_path, (
        "async function countRows(table: string) {\n"
        "  const result = await db.execute(sql.raw(`SELECT count(*) FROM conflicts_${table}`));\n"
        "  return result.rows[0];\n}\n"
        "export async function countAll(tables: { table: string }[]) {\n"
        "  const out = [];\n  for (const t of tables) {\n    out.push(await countRows(t.table));\n  }\n"
        "  return out;\n}\n"
    )) == []  # fmt: skip


def test_element_as_a_bound_value_in_execute_is_still_reported(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function countKind(kind: string) {\n"
        "  const result = await db.execute(sql`SELECT count(*) FROM items WHERE kind = ${kind}`);\n"
        "  return result.rows[0];\n}\n"
        "export async function countAll(kinds: string[]) {\n"
        "  const out = [];\n  for (const kind of kinds) {\n    out.push(await countKind(kind));\n  }\n"
        "  return out;\n}\n"
    ))  # fmt: skip
    assert "`countKind` (1 query) runs once per element" in message


def test_state_threaded_through_each_call_is_named(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function step(id: number, progress: number) {\n"
        "  await db.update(items).set({ boardId: progress }).where(eq(items.id, id));\n  return progress + 1;\n}\n"
        "export async function run(ids: number[]) {\n"
        "  let progress = 0;\n  for (const id of ids) {\n    progress = await step(id, progress);\n  }\n"
        "  return progress;\n}\n"
    ))  # fmt: skip
    assert "each call taking the `progress` the previous one returned" in message
    assert "a batched variant" not in message


def test_an_argument_compared_through_a_call_stays_in_the_combination(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "function tenantWhere(tenantId: string) {\n  return eq(mappings.tenantId, tenantId);\n}\n"
        "async function unlink(tenantId: string, userId: string) {\n"
        "  await db.delete(mappings).where(and(tenantWhere(tenantId), eq(mappings.userId, userId)));\n}\n"
        "export async function unlinkAll(list: { tenantId: string; userId: string }[]) {\n"
        "  for (const m of list) {\n    await unlink(m.tenantId, m.userId);\n  }\n}\n"
    ))  # fmt: skip
    assert "delete by every element's combination at once (`m.tenantId`, `mappings.userId` = `m.userId`)" in message


def test_a_helper_validating_the_object_first_still_reads_its_fields(tmp_path: Path) -> None:
    """`const valid = Schema.parse(params)` (zod) returns the object's fields: the helper's query reading
    `valid.kind`, or a name destructured from it, reads the element's field (buster's `upsertDataset`)."""
    found = messages(tmp_path, (
        "const ItemSchema = { parse: (value: { boardId: number; kind: string }) => value };\n"
        "async function upsertItem(params: { boardId: number; kind: string }) {\n"
        "  const valid = ItemSchema.parse(params);\n  const { kind } = valid;\n"
        "  const [found] = await db.select({ id: items.id }).from(items).where(eq(items.kind, kind)).limit(1);\n"
        "  if (!found) await db.insert(items).values({ boardId: valid.boardId, kind });\n}\n"
        "export async function upsertAll(boardId: number, tables: { name: string }[]) {\n"
        "  for (const table of tables) {\n    await upsertItem({ boardId, kind: table.name });\n  }\n}\n"
    ))  # fmt: skip
    assert len(found) == 1 and "`upsertItem`" in found[0], found


def test_a_helper_whose_query_reads_another_parse_is_not_reported(tmp_path: Path) -> None:
    """A `parse` of something else (here the defaults) names no field of the element: the element's `kind` does not
    reach the query."""
    found = messages(tmp_path, (
        "const ItemSchema = { parse: (value: { kind: string }) => value };\nconst defaults = { kind: 'plain' };\n"
        "async function countPlain(params: { kind: string }) {\n"
        "  const valid = ItemSchema.parse(defaults);\n"
        "  const n = await db.$count(items, eq(items.kind, valid.kind));\n  return { label: params.kind, n };\n}\n"
        "export async function countAll(tables: { name: string }[]) {\n"
        "  for (const table of tables) {\n    await countPlain({ kind: table.name });\n  }\n}\n"
    ))  # fmt: skip
    assert not any("with `kind` from each element" in m for m in found), found
