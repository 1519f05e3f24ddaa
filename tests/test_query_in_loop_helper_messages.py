"""DAL002, a DAL helper called once per element (display-only): the message says what a batched variant would
do by the helper's statements — insert rows, write by every compared argument together, load and match back —
and nothing when the element only reaches raw SQL text (a table name)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixture_harness import run_fix

from dalfix.rules import rule_by_code

SCHEMA = (
    'import { integer, pgTable, primaryKey, serial, text } from "drizzle-orm/pg-core";\n'
    'export const items = pgTable("items", { id: serial("id").primaryKey(), boardId: integer("board_id"), '
    'kind: text("kind") });\n'
    'export const mappings = pgTable("mappings", { id: serial("id").primaryKey(), tenantId: text("tenant_id"), '
    'userId: text("user_id") });\n'
    'export const scoped = pgTable("scoped", { tenantId: text("tenant_id").notNull(), id: text("id").notNull(), '
    'rank: integer("rank") }, (t) => [primaryKey({ columns: [t.tenantId, t.id] })]);\n'
)
DB = (
    'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n'
    "export const db = drizzle(new Pool());\n"
)
HEAD = (
    'import { and, eq, sql } from "drizzle-orm";\nimport { db } from "./db";\n'
    'import { items, mappings, scoped } from "./schema";\n'
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


# A helper handed an object built from the element follows its statements too (it said "take … at once" for all).


def test_helper_given_fields_that_only_inserts_says_multi_row_insert(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function addItem(params: { boardId: number; kind: string }) {\n"
        "  await db.insert(items).values({ boardId: params.boardId, kind: params.kind });\n}\n"
        "export async function addAll(boardId: number, kinds: string[]) {\n"
        "  for (const kind of kinds) {\n    await addItem({ boardId, kind });\n  }\n}\n"
    ))  # fmt: skip
    assert "with `kind` from each element; a batched variant would insert every element's rows at once" in message
    assert "load" not in message and "match rows back" not in message


def test_helper_given_fields_that_reads_loads_and_matches_back(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function getItem(params: { id: number }) {\n"
        "  return db.select().from(items).where(eq(items.id, params.id));\n}\n"
        "export async function getAll(ids: number[]) {\n"
        "  const out = [];\n  for (const id of ids) {\n    out.push(await getItem({ id }));\n  }\n  return out;\n}\n"
    ))  # fmt: skip
    assert "would load `.where(inArray(items.id, …))` over every element's `id` and match rows back by key" in message


def test_helper_given_two_fields_that_deletes_names_them_together(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function unlink(params: { tenantId: string; userId: string }) {\n"
        "  await db.delete(mappings).where(and(eq(mappings.tenantId, params.tenantId), "
        "eq(mappings.userId, params.userId)));\n}\n"
        "export async function unlinkAll(list: { tenantId: string; userId: string }[]) {\n"
        "  for (const m of list) {\n    await unlink({ tenantId: m.tenantId, userId: m.userId });\n  }\n}\n"
    ))  # fmt: skip
    assert "would delete by every element's `tenantId`, `userId` together, never by one of them alone" in message
    assert "load" not in message and "match rows back" not in message


# Raw SQL through `execute` is classified by its statement's first word (it counted as a read: "load … match back").


def test_raw_insert_helper_is_an_insert_not_a_load(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function addKind(kind: string) {\n"
        "  await db.execute(sql`INSERT INTO items (kind) VALUES (${kind})`);\n}\n"
        "export async function addAll(kinds: string[]) {\n"
        "  for (const kind of kinds) {\n    await addKind(kind);\n  }\n}\n"
    ))  # fmt: skip
    assert "a batched variant would insert every element's rows at once" in message
    assert "load" not in message and "match rows back" not in message


def test_raw_statement_dalfix_cannot_classify_names_no_load(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function archive(kind: string) {\n"
        "  await db.execute(sql`CALL archive_kind(${kind})`);\n}\n"
        "export async function archiveAll(kinds: string[]) {\n"
        "  for (const kind of kinds) {\n    await archive(kind);\n  }\n}\n"
    ))  # fmt: skip
    assert "a batched variant would run one statement for all of `kinds`" in message
    assert "load" not in message and "match rows back" not in message


def test_helper_writing_through_another_helper_says_so(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function touchBoard(boardId: number) {\n"
        "  await db.update(items).set({ kind: 'x' }).where(eq(items.boardId, boardId));\n}\n"
        "async function getAndTouch(id: number) {\n"
        "  const [row] = await db.select().from(items).where(eq(items.id, id));\n"
        "  await touchBoard(row.boardId ?? 0);\n  return row;\n}\n"
        "export async function all(ids: number[]) {\n"
        "  const out = [];\n  for (const id of ids) {\n    out.push(await getAndTouch(id));\n  }\n  return out;\n}\n"
    ))  # fmt: skip
    assert "and match rows back by key; it also writes through `touchBoard`, which a batch must cover too" in message


# A read limited per call (review7 P4): `inArray` alone is exact when the key selects one row or any row will do.


def _limited(tmp_path: Path, query: str, params: str = "id: string", call: str = "get(id)") -> str:
    [message] = messages(tmp_path, (
        f"async function get({params}) {{\n  return db.select().from(scoped).where({query});\n}}\n"
        "export async function getAll(ids: string[]) {\n"
        f"  const out = [];\n  for (const id of ids) {{\n    out.push(await {call});\n  }}\n  return out;\n}}\n"
    ))  # fmt: skip
    return message


def test_limit_on_a_key_fixed_by_equalities_is_exact_with_in_array(tmp_path: Path) -> None:
    message = _limited(tmp_path, 'and(eq(scoped.tenantId, "t"), eq(scoped.id, id))).orderBy(scoped.rank).limit(1')
    assert ("load `.where(inArray(scoped.id, …))` for all of `ids` and match rows back by key ((tenantId, id) is "
            "the primary key and the query fixes `tenantId` by equality: one row per key, so `inArray` alone is "
            "exact") in message  # fmt: skip
    assert "with a limit per key" not in message


def test_limit_one_without_order_keeps_the_first_row_per_key(tmp_path: Path) -> None:
    message = _limited(tmp_path, "eq(scoped.id, id)).limit(1")
    assert "keeping the first row per key (the helper's `limit(1)` has no `orderBy`" in message
    assert "with a limit per key" not in message


def test_ordered_limit_on_a_key_that_is_not_unique_needs_a_limit_per_key(tmp_path: Path) -> None:
    message = _limited(tmp_path, "eq(scoped.id, id)).orderBy(scoped.rank).limit(1")
    assert "with a limit per key (the helper's query has one: a window function or a lateral join" in message
    assert "unless" not in message


def test_ordered_limit_behind_a_condition_builder_names_the_key_it_may_fix(tmp_path: Path) -> None:
    message = _limited(
        tmp_path, "and(tenantWhere(scoped, scopes), eq(scoped.id, id))).orderBy(scoped.rank).limit(1",
        "id: string, scopes: { tenantId: string }", 'get(id, { tenantId: "t" })',
    )  # fmt: skip
    assert ("with a limit per key (the helper's query has one: a window function or a lateral join, not `inArray` "
            "alone; unless `tenantWhere(scoped, scopes)` fixes `tenantId`: with them (tenantId, id) selects one row "
            "and `inArray(scoped.id, …)` alone is exact)") in message  # fmt: skip


def test_a_limit_in_a_helper_of_several_queries_is_not_the_batch_s_column(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "async function check(id: string) {\n"
        "  const [one] = await db.select().from(scoped).where(eq(scoped.id, id)).limit(1);\n"
        "  const rows = await db.select().from(items).where(eq(items.kind, id));\n  return [one, rows];\n}\n"
        "export async function checkAll(ids: string[]) {\n"
        "  const out = [];\n  for (const id of ids) {\n    out.push(await check(id));\n  }\n  return out;\n}\n"
    ))  # fmt: skip
    # review nit: it named the first query's `inArray(scoped.id, …)` as the batch; the helper also reads items.kind.
    assert message.startswith(
        "`check` (2 queries) runs once per element; a batched variant would load each query's rows for all of `ids` "
        "at once (`id` is compared with `scoped.id`, `items.kind`) and match rows back by key"
    ), message
    assert "limit" not in message and "inArray" not in message


def test_a_helper_of_several_queries_comparing_the_argument_once_names_that_column(tmp_path: Path) -> None:
    # buster's hasDatasetAccess (9 queries, the dataset id compared once): "would load `.where(inArray(datasets.id,
    # datasetIds))`" read as if one statement were the batch.
    [message] = messages(tmp_path, (
        "async function describe(id: number) {\n"
        "  const [item] = await db.select().from(items).where(eq(items.id, id));\n"
        "  const owners = await db.select().from(mappings).where(eq(mappings.userId, String(item.boardId)));\n"
        "  const n = await db.$count(scoped, eq(scoped.rank, item.boardId ?? 0));\n"
        "  return { item, owners, n };\n}\n"
        "export async function describeAll(ids: number[]) {\n"
        "  const out = [];\n  for (const id of ids) {\n    out.push(await describe(id));\n  }\n  return out;\n}\n"
    ))  # fmt: skip
    assert "`describe` (3 queries) runs once per element; a batched variant would load each query's rows for all of " \
        "`ids` at once (`id` is compared with `items.id`) and match rows back by key" in message, message


def test_a_select_whose_rows_lack_its_key_says_to_select_it(tmp_path: Path) -> None:
    """`select({ id })` keyed by `kind` per element (buster's data sources by name): the rows cannot be matched back;
    the message names the key to add to the projection (a select with a `count()` keeps the general message)."""
    found = messages(tmp_path, (
        "export async function idsByKind(kinds: string[]) {\n  const ids = new Map<string, number>();\n"
        "  for (const kind of kinds) {\n"
        "    const [item] = await db.select({ id: items.id }).from(items).where(eq(items.kind, kind)).limit(1);\n"
        "    if (!item) throw new Error(kind);\n    ids.set(kind, item.id);\n  }\n  return ids;\n}\n"
    ))  # fmt: skip
    assert len(found) == 1 and "whose rows do not carry its key `items.kind`" in found[0], found


TABLE_KINDS = (
    "async function listOf(kind: { table: typeof items | typeof mappings; name: string }, owner: number) {\n"
    "  const table = kind.table as typeof items;\n"
    "  return db.select({ id: table.id }).from(table).where(eq(table.id, owner));\n}\n"
    "%s"
    "export async function listAll(owner: number) {\n"
    "  return Promise.all(KINDS.map((kind) => listOf(kind, owner)));\n}\n"
)


def test_a_fixed_list_of_tables_is_not_reported(tmp_path: Path) -> None:
    """dokploy's overview: one helper call per service kind, each element naming the table the helper reads
    (`SERVICE_TYPE_CONFIGS`): no one statement serves every element, so no batched variant to point to."""
    tables = 'const KINDS = [\n  { table: items, name: "items" },\n  { table: mappings, name: "mappings" },\n];\n'
    assert messages(tmp_path, TABLE_KINDS % tables) == []
    assert messages(tmp_path, TABLE_KINDS % "const KINDS = [items, mappings];\n") == []


def test_a_fixed_list_of_keys_is_still_reported(tmp_path: Path) -> None:
    """Look-alike: a constant list whose elements are keys (no table among their values) is still one call per
    element that one `inArray` statement could serve."""
    keys = 'const KINDS = [\n  { table: "items", name: "items" },\n  { table: "mappings", name: "mappings" },\n];\n'
    [message] = messages(tmp_path, TABLE_KINDS % keys)
    assert "`listOf` (1 query) runs once per element" in message


def test_code_quoted_from_a_chain_over_several_lines_is_one_line(tmp_path: Path) -> None:
    # kan (held-out): `Promise.all(subs\n      .filter(…)\n      .map(…))` — the message quoted the iterable with its
    # line breaks and indentation, so a text report broke mid-sentence.
    [message] = messages(tmp_path, (
        "async function clearBoard(id: number) {\n"
        "  await db.update(items).set({ boardId: null }).where(eq(items.id, id));\n}\n"
        "export async function clearAll(list: { id: number; kind: string | null }[]) {\n"
        "  await Promise.all(\n    list\n      .filter((i) => !!i.kind)\n"
        "      .map((i) =>\n        clearBoard(i.id),\n      ),\n  );\n}\n"
    ))  # fmt: skip
    assert "\n" not in message
    assert "(loop over `list.filter((i) => !!i.kind)`)" in message, message
    assert "inArray(items.id, list.filter((i) => !!i.kind).map((i) => i.id))" in message, message


@pytest.mark.parametrize(
    "methods",
    [{"select"}, {"update"}, {"delete"}, {"select", "insert"}, {"select", "insert", "update"}, {"update", "delete"},
     {"findFirst", "delete"}],
)  # fmt: skip
def test_the_batched_variant_phrase_reads_right_for_every_verb(methods: set[str]) -> None:
    # review 8 N1: "would load for all of `rows` at once", "delete for every element's `id`".
    from transforms.query_in_loop import _batch_phrase_for

    for keys in ("all of `rows`", "every element's `id`"):
        phrase = _batch_phrase_for(frozenset(methods), (), None, keys, None, None)
        assert re.match(r"(load|insert|update|delete)( and| /| \w+)* the rows for " + re.escape(keys), phrase), phrase
        assert not re.search(r"(load|insert|update|delete) for ", phrase), phrase


# dokploy's project duplication: `const { portId, ...rest } = port; await createPort({ ...rest, applicationId })`.


def test_helper_given_a_spread_of_the_element_is_reported(tmp_path: Path) -> None:
    """Every field of the object comes from the element through the spread: the same display-only finding as for
    named fields, naming what is spread."""
    found = messages(tmp_path, (
        "async function addItem(params: { boardId: number; kind: string }) {\n"
        "  await db.insert(items).values({ ...params });\n}\n"
        "export async function copyAll(boardId: number, list: { id: number; boardId: number; kind: string }[]) {\n"
        "  for (const item of list) {\n    const { id, ...rest } = item;\n"
        "    await addItem({ ...rest, boardId });\n  }\n}\n"
        "export async function copyWhole(boardId: number, list: { boardId: number; kind: string }[]) {\n"
        "  for (const item of list) {\n    await addItem({ ...item, boardId });\n  }\n}\n"
    ))  # fmt: skip
    assert len(found) == 2, found
    assert (
        "`addItem` (1 query) runs once per element, with the fields of `rest` from each element; a batched "
        "variant would insert every element's rows at once" in found[0]
    ), found
    assert "with the fields of `item` from each element" in found[1], found


def test_a_spread_of_something_else_is_not_the_element(tmp_path: Path) -> None:
    """`{ ...defaults, boardId }`: the spread object does not come from the element, and no field does."""
    found = messages(tmp_path, (
        "const defaults = { kind: 'plain' };\n"
        "async function addItem(params: { boardId: number; kind: string }) {\n"
        "  await db.insert(items).values({ ...params });\n}\n"
        "export async function addMany(boardId: number, list: { kind: string }[]) {\n"
        "  for (const item of list) {\n    await addItem({ ...defaults, boardId });\n  }\n}\n"
    ))  # fmt: skip
    assert not any("from each element" in m for m in found), found


def test_an_upsert_helper_says_the_keys_must_be_distinct(tmp_path: Path) -> None:
    """midday's `upsertNotificationSetting` per element: a multi-row `onConflictDoUpdate` touching one key twice
    fails (PostgreSQL 21000), so the batched variant is an upsert of distinct keys, not a plain multi-row insert."""
    [message] = messages(tmp_path, (
        "async function setKind(params: { boardId: number; kind: string }) {\n"
        "  await db.insert(items).values({ boardId: params.boardId, kind: params.kind })\n"
        "    .onConflictDoUpdate({ target: items.id, set: { kind: params.kind } });\n}\n"
        "export async function setAll(boardId: number, kinds: string[]) {\n"
        "  for (const kind of kinds) {\n    await setKind({ boardId, kind });\n  }\n}\n"
    ))  # fmt: skip
    assert "a batched variant would upsert every element's rows at once" in message, message
    assert "keys made distinct first: one statement cannot update a row twice" in message, message


# review15: dokploy's `deleteMount` removes a file mount's files (`deleteFileMount`, a remote `rm -rf`) before it deletes
# the row; the message named only the delete, so a batch written from it would leave the files behind.
def test_helper_calling_what_dalfix_cannot_classify_says_so(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        'import { rm } from "node:fs/promises";\n'
        "async function removeFiles(id: number) {\n  await rm(`/srv/items/${id}`, { recursive: true });\n}\n"
        "async function deleteItem(id: number) {\n"
        "  await removeFiles(id);\n"
        "  await db.delete(items).where(eq(items.id, id));\n}\n"
        "export async function deleteAll(ids: number[]) {\n"
        "  for (const id of ids) {\n    await deleteItem(id);\n  }\n}\n"
    ))  # fmt: skip
    assert "a batched variant would delete `.where(inArray(items.id, ids))`" in message
    assert "it also calls `removeFiles`, which dalfix cannot classify" in message


def test_reads_through_the_helpers_it_calls_are_named_beside_its_own_count(tmp_path: Path) -> None:
    # review15: "(1 query)" for a helper that also reads through another helper undercounted its round trips.
    [message] = messages(tmp_path, (
        "async function kindsOf(boardId: number) {\n"
        "  return db.select({ kind: items.kind }).from(items).where(eq(items.boardId, boardId));\n}\n"
        "async function getItem(id: number) {\n"
        "  const [row] = await db.select().from(items).where(eq(items.id, id));\n"
        "  const kinds = row ? await kindsOf(row.boardId!) : [];\n  return { row, kinds };\n}\n"
        "export async function getAll(list: { id: number }[]) {\n"
        "  const out = [];\n  for (const x of list) {\n    out.push(await getItem(x.id));\n  }\n  return out;\n}\n"
    ))  # fmt: skip
    assert "`getItem` (1 query, plus what `kindsOf` reads)" in message, message
