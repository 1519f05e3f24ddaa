"""DAL002, an update per element whose SET takes values from each element (display-only): the statement it
suggests exists in the project's dialect — `UPDATE … FROM (VALUES …)` on PostgreSQL and SQLite, only the `CASE`
form on MySQL, which has no `UPDATE … FROM`."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_harness import run_fix

from dalfix.rules import rule_by_code

SETUPS = {
    "pg": ('import { pgTable as table, text } from "drizzle-orm/pg-core";',
           'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n'
           "export const db = drizzle(new Pool());\n"),
    "mysql": ('import { mysqlTable as table, text } from "drizzle-orm/mysql-core";',
              'import { drizzle } from "drizzle-orm/mysql2";\nimport mysql from "mysql2/promise";\n'
              "export const db = drizzle(mysql.createPool(process.env.URL!));\n"),
    "sqlite": ('import { sqliteTable as table, text } from "drizzle-orm/sqlite-core";',
               'import { drizzle } from "drizzle-orm/libsql";\nimport { createClient } from "@libsql/client";\n'
               'export const db = drizzle(createClient({ url: "file:x.db" }));\n'),
}  # fmt: skip
BODY = (
    'import { eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { items } from "./schema";\n'
    "export async function restatus(rows: { id: string; status: string }[]) {\n"
    "  for (const row of rows) {\n"
    "    await db.update(items).set({ status: row.status }).where(eq(items.id, row.id));\n"
    "  }\n}\n"
)


@pytest.mark.parametrize(("dialect", "values_form"), [("pg", True), ("mysql", False), ("sqlite", True)])
def test_the_suggested_statement_exists_in_the_dialect(tmp_path: Path, dialect: str, values_form: bool) -> None:
    schema_import, db = SETUPS[dialect]
    columns = '{ id: text("id").primaryKey(), status: text("status") }'
    schema = f'{schema_import}\nexport const items = table("items", {columns});\n'
    for name, text in {"schema.ts": schema, "db.ts": db, "f.ts": BODY}.items():
        (tmp_path / name).write_text(text)
    result = run_fix([tmp_path], rule_by_code("DAL002"))
    messages = [f.message for r in result.files for f in r.findings]
    assert len(messages) == 1 and "SET takes `status` from each element" in messages[0], messages
    assert "CASE" in messages[0]
    assert ("UPDATE … FROM (VALUES …)" in messages[0]) is values_form
