"""DAL005's message counts the writes one call can run: writes in the two branches of an `if` never run together
(Cap add-videos.ts said "4 writes" where two run), and a table written in both branches is not "written twice"."""

from __future__ import annotations

from pathlib import Path

from fixture_harness import run_fix

from dalfix.rules import rule_by_code

SCHEMA = (
    'import { integer, pgTable, serial, text } from "drizzle-orm/pg-core";\n'
    'export const shared = pgTable("shared", { id: serial("id").primaryKey(), folderId: integer("folder_id") });\n'
    'export const spaced = pgTable("spaced", { id: serial("id").primaryKey(), folderId: integer("folder_id") });\n'
    'export const log = pgTable("log", { id: serial("id").primaryKey(), note: text("note") });\n'
)
DB = (
    'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n'
    "export const db = drizzle(new Pool());\n"
)
HEAD = (
    'import { eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { log, shared, spaced } from "./schema";\n'
)


def messages(tmp_path: Path, body: str) -> list[str]:
    for name, text in {"schema.ts": SCHEMA, "db.ts": DB, "f.ts": HEAD + body}.items():
        (tmp_path / name).write_text(text)
    result = run_fix([tmp_path], rule_by_code("DAL005"))
    return [f.message for r in result.files for f in r.findings]


def test_writes_in_exclusive_branches_count_once_per_path(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "export async function move(all: boolean, folderId: number) {\n"
        "  if (all) {\n    await db.insert(shared).values({ folderId });\n"
        "  } else {\n    await db.insert(spaced).values({ folderId });\n  }\n"
        "  if (all) {\n    await db.update(shared).set({ folderId }).where(eq(shared.id, 1));\n"
        "  } else {\n    await db.update(spaced).set({ folderId }).where(eq(spaced.id, 1));\n  }\n}\n"
    ))  # fmt: skip
    assert message.startswith("up to 2 writes (of 4 in its branches) on `db` run without a transaction")
    # both `shared` writes can run in one call (the two `if`s are separate): still written twice
    assert "(`shared` is written twice)" in message


def test_a_table_written_in_both_branches_of_one_if_is_not_written_twice(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "export async function save(found: boolean, folderId: number) {\n"
        "  if (found) {\n    await db.update(shared).set({ folderId }).where(eq(shared.id, 1));\n"
        "  } else {\n    await db.insert(shared).values({ folderId });\n  }\n"
        '  await db.insert(log).values({ note: "saved" });\n}\n'
    ))  # fmt: skip
    assert message.startswith("up to 2 writes (of 3 in its branches) on `db` run without a transaction")
    assert "written twice" not in message


def test_straight_line_writes_are_counted_as_before(tmp_path: Path) -> None:
    [message] = messages(tmp_path, (
        "export async function save(folderId: number) {\n"
        "  await db.insert(shared).values({ folderId });\n  await db.insert(shared).values({ folderId });\n}\n"
    ))  # fmt: skip
    assert message.startswith("2 writes on `db` run without a transaction (`shared` is written twice)")


def test_a_table_written_three_times_is_not_written_twice(tmp_path: Path) -> None:
    # review 8 N2 (homarr auth/events.ts: three updates of `users`, "`users` is written twice").
    [message] = messages(tmp_path, (
        "export async function save(folderId: number, moved: boolean) {\n"
        "  await db.update(shared).set({ folderId }).where(eq(shared.id, 1));\n"
        "  await db.update(shared).set({ folderId }).where(eq(shared.id, 2));\n"
        "  if (moved) {\n    await db.update(shared).set({ folderId }).where(eq(shared.id, 3));\n"
        "  } else {\n    await db.insert(shared).values({ folderId });\n  }\n"
        "  await db.insert(log).values({ note: \"saved\" });\n}\n"
    ))  # fmt: skip
    # four writes of `shared`, of which one call runs three (one per branch of the `if`)
    assert "(`shared` is written three times)" in message
