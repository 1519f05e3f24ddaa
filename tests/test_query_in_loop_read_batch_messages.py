"""DAL002, a read per element batched into one `inArray` read (always unsafe): more of what the message says may
change at its own site (review13 note 1; tests/test_query_in_loop_batches.py has the first cases): a key handed as
text on an integer column, which row a dropped `limit(1)` keeps, a uuid read in two chunks, a grouped count."""

from __future__ import annotations

from pathlib import Path

from fixture_harness import run_fix

from dalfix.rules import rule_by_code

SCHEMA = (
    'import { integer, pgTable, serial, text, timestamp, uuid } from "drizzle-orm/pg-core";\n'
    'export const items = pgTable("items", { id: serial("id").primaryKey(), boardId: integer("board_id"), '
    'name: text("name"), createdAt: timestamp("created_at") });\n'
    'export const files = pgTable("files", { id: text("id").primaryKey(), ownerId: uuid("owner_id") });\n'
)
SQLITE_SCHEMA = (
    'import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";\n'
    'export const items = sqliteTable("items", { id: integer("id").primaryKey(), boardId: integer("board_id"), '
    'name: text("name"), createdAt: integer("created_at") });\n'
)
POOL = (
    'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n'
    'import * as schema from "./schema";\nexport const db = drizzle(new Pool(), { schema });\n'
)
LIBSQL = (
    'import { drizzle } from "drizzle-orm/libsql";\nimport * as schema from "./schema";\n'
    "export const db = drizzle(process.env.URL!, { schema });\n"
)
HEAD = (
    'import { asc, count, eq } from "drizzle-orm";\nimport { db } from "./db";\n'
    'import { files, items } from "./schema";\n'
)


def message(tmp_path: Path, body: str, schema: str = SCHEMA, handle: str = POOL) -> str:
    for name, text in {"schema.ts": schema, "db.ts": handle, "f.ts": HEAD + body}.items():
        (tmp_path / name).write_text(text)
    result = run_fix([tmp_path], rule_by_code("DAL002"))
    [finding] = [f for r in result.files if r.path.name == "f.ts" for f in r.findings]
    assert finding.fix is not None and finding.fix.applicability.name == "UNSAFE", finding
    return finding.message


def loop(statement: str, keys: str = "ids: number[]") -> str:
    return (
        f"export async function f({keys}) {{\n  const out = [];\n"
        f"  for (const id of ids) {{\n    {statement}\n    out.push(row);\n  }}\n  return out;\n}}\n"
    )


def test_integer_key_says_a_text_key_finds_nothing(tmp_path: Path) -> None:
    text = message(tmp_path, loop("const [row] = await db.select().from(items).where(eq(items.id, id)).limit(1);"))
    assert 'as `items.id` (serial) compares in the database, except that a key handed as text (`"5"`)' in text
    assert "limit(1)" not in text and "order" not in text  # the key is unique: one row per key


def test_dropped_limit_without_order_says_which_row_is_kept(tmp_path: Path) -> None:
    body = loop("const [row] = await db.select().from(items).where(eq(items.boardId, id)).limit(1);")
    text = message(tmp_path, body, SQLITE_SCHEMA, LIBSQL)
    assert (
        "the per-key `limit(1)` goes: each key keeps the first of its rows (with no `orderBy`, not necessarily the "
        "one its own query returned)" in text
    ), text


def test_dropped_limit_with_order_off_postgres_says_ties(tmp_path: Path) -> None:
    body = loop(
        "const [row] = await db.select().from(items).where(eq(items.boardId, id))"
        ".orderBy(asc(items.createdAt)).limit(1);"
    )
    text = message(tmp_path, body, SQLITE_SCHEMA, LIBSQL)
    assert "each key keeps the first of its rows in the `orderBy` (rows tied on it may come back" in text, text
    assert "selectDistinctOn" not in text


def test_uuid_rows_listed_may_be_read_twice_across_chunks(tmp_path: Path) -> None:
    body = loop("const row = await db.query.files.findMany({ where: eq(files.ownerId, id) });", "ids: string[]")
    text = message(tmp_path, body)
    assert "a uuid spelled two ways whose spellings land in different chunks gets its rows twice" in text, text
    assert "limit(1)" not in text


def test_uuid_single_row_is_not_read_twice(tmp_path: Path) -> None:
    body = loop("const row = await db.query.files.findFirst({ where: eq(files.ownerId, id) });", "ids: string[]")
    text = message(tmp_path, body)
    assert "twice" not in text and "the per-key `limit(1)` goes" in text, text


def test_grouped_count_says_only_how_keys_match(tmp_path: Path) -> None:
    body = loop("const [{ n: row }] = await db.select({ n: count() }).from(items).where(eq(items.boardId, id));")
    text = message(tmp_path, body)
    assert "GROUP BY" in text and "(unsafe: rows are matched back with `===`, as `items.boardId` (integer)" in text
    assert "limit(1)" not in text and "order" not in text, text
