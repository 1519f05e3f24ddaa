"""`project_import_driver` (dalfix/analysis/transactions.py): when no handle resolves, the project's only
drizzle-orm/<driver> import names the driver; for node-postgres, a file making one pg `Client` makes it unknown
(a pool or one shared connection). Only node-postgres's own `Client` counts: an SDK's `new Client(` is no
database connection (look-alikes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dalfix.analysis.project import Project
from dalfix.analysis.transactions import project_import_driver
from dalfix.parsing import parse_file

HEAD = (
    'import { drizzle } from "drizzle-orm/node-postgres";\n'
    "let cached: ReturnType<typeof drizzle> | undefined;\n"
    "export function getDb() {\n"
    "  cached ??= drizzle(process.env.DATABASE_URL!);\n"
    "  return cached;\n"
    "}\n"
)


def _driver(tmp_path: Path, extra: str) -> tuple[str, str]:
    (tmp_path / "package.json").write_text('{"name": "app", "dependencies": {"drizzle-orm": "0.45.1", "pg": "8"}}\n')
    (tmp_path / "db.ts").write_text(extra + HEAD)
    found = project_import_driver(Project.load(tmp_path))
    return found.driver, found.evidence


@pytest.mark.parametrize(
    "extra",
    [
        'import { Client } from "@elastic/elasticsearch";\nexport const search = new Client({ node: "http://es" });\n',
        'import { S3Client } from "@aws-sdk/client-s3";\nexport const s3 = new S3Client({});\n',
        'import { Pool } from "pg";\nimport { Client } from "undici";\nexport const http = new Client("http://x");\n',
        'import pg from "pg";\nimport * as sdk from "sdk";\nexport const pool = new pg.Pool();\n'
        "export const api = new sdk.Client();\n",
        'import type { Client } from "pg";\nexport function use(c: Client) { return c; }\n',
        'import { createClient } from "@libsql/client";\nexport const c = createClient({ url: "x" });\n',
    ],
    ids=["elastic-client", "s3-client", "undici-client-next-to-pg-pool", "sdk-namespace-client", "pg-type-only",
         "create-client"],
)  # fmt: skip
def test_another_packages_client_does_not_decide_the_driver(tmp_path: Path, extra: str) -> None:
    driver, evidence = _driver(tmp_path, extra)
    assert driver == "node-postgres", evidence
    assert "inferred from the project's only drizzle driver import" in evidence


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        ('import { Client } from "pg";\nexport const client = new Client();\n', 2),
        ('import { Client as PgClient } from "pg";\n\nexport const client = new PgClient();\n', 3),
        ('import pg from "pg";\nexport const client = new pg.Client();\n', 2),
        ('import * as pg from "pg";\nexport const client = new pg.Client();\n', 2),
        ('const { Client } = require("pg");\nexport const client = new Client();\n', 2),
        ('const pg = require("pg");\nexport const client = new pg.Client();\n', 2),
    ],
    ids=["named", "aliased", "default", "namespace", "require-destructured", "require-module"],
)
def test_a_pg_client_makes_the_driver_unknown_naming_where(tmp_path: Path, extra: str, line: int) -> None:
    driver, evidence = _driver(tmp_path, extra)
    assert driver == "unknown"
    assert f"db.ts:{line} makes a pg `Client` (one connection rather than a pool?)" in evidence


def test_pools_and_single_connections_from_one_driver_module_leave_it_unknown(tmp_path: Path) -> None:
    """agents' shape: every drizzle() call imports drizzle-orm/node-postgres, one on a pool and one on a
    connection checked out of it (`pool.connect()`): the one driver module does not say which kind an untraced
    handle is (the old `…Client(` match said "unknown" here only because a factory is named `createDbClient(`)."""
    (tmp_path / "package.json").write_text('{"name": "app", "dependencies": {"drizzle-orm": "0.45.1", "pg": "8"}}\n')
    (tmp_path / "client.ts").write_text(
        'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n'
        "export const pool = new Pool();\nexport function createDbClient() {\n  return drizzle(pool);\n}\n"
    )
    (tmp_path / "cleanup.ts").write_text(
        'import { drizzle } from "drizzle-orm/node-postgres";\nimport { pool } from "./client";\n'
        "export async function cleanup() {\n  const connection = await pool.connect();\n"
        "  const db = drizzle(connection);\n  return db;\n}\n"
    )
    project = Project.load(tmp_path)
    files = [tmp_path / "client.ts", tmp_path / "cleanup.ts"]
    project.prepare({path: parse_file(path, path.read_bytes()) for path in files})
    found = project_import_driver(project)
    assert found.driver == "unknown"
    assert found.evidence == "the application's drizzle() calls make pools and single connections"


CACHED_FACTORY = {
    "package.json": '{"name": "sel", "private": true, "workspaces": ["packages/*", "apps/*"]}',
    "packages/database/package.json": '{"name": "@sel/database", "main": "index.ts",'
    ' "dependencies": {"drizzle-orm": "0.44.5", "mysql2": "3.9.0"}}',
    "packages/database/index.ts": 'import { sql } from "drizzle-orm";\nimport { drizzle } from "drizzle-orm/mysql2";\n'
    "function createDrizzle() {\n  const url = process.env.DATABASE_URL;\n"
    '  if (!url) throw new Error("DATABASE_URL not found");\n  return drizzle(url);\n}\n'
    "let cached: ReturnType<typeof createDrizzle> | undefined;\n"
    "export const db = () => {\n  if (!cached) cached = createDrizzle();\n  return cached;\n};\n"
    "export const now = () => sql`now()`;\n",
    "packages/database/schema.ts": 'import { int, mysqlTable, varchar } from "drizzle-orm/mysql-core";\n'
    'export const users = mysqlTable("users", { id: varchar("id", { length: 15 }).primaryKey(),'
    ' name: varchar("name", { length: 255 }) });\n'
    'export const logs = mysqlTable("logs", { id: int("id").autoincrement().primaryKey(),'
    ' userId: varchar("user_id", { length: 15 }) });\n',
    "apps/web/package.json": '{"name": "web",'
    ' "dependencies": {"@sel/database": "workspace:*", "drizzle-orm": "0.44.5"}}',
    "apps/web/actions.ts": 'import { db } from "@sel/database";\nimport { logs, users } from "@sel/database/schema";\n'
    'import { eq } from "drizzle-orm";\n'
    "export async function rename(id: string, name: string) {\n"
    "  await db().update(users).set({ name }).where(eq(users.id, id));\n"
    "  await db().insert(logs).values({ userId: id });\n}\n",
}


def test_the_driver_of_a_factory_handle_does_not_depend_on_the_rules_selected(tmp_path: Path) -> None:
    """Cap's shape: `db()` is a cached factory in a sibling package whose file holds the drizzle() call but no query
    a rule admits. The project's one driver was read from the analysed files only, which depend on the rules
    selected: `--select DAL005` said "inferred from the project's only drizzle driver import" where a run of every
    rule (whose other rules analysed the factory's file) named the call. The application's client files count too."""
    from dalfix.rules import all_rules
    from dalfix.runner import RunOptions, run

    for name, text in CACHED_FACTORY.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    every = list(all_rules())

    def messages(rules: list) -> list[str]:  # type: ignore[type-arg]
        result = run([tmp_path], RunOptions(rules=rules, preview=True))
        return sorted(f.message for _, f in result.findings if f.rule == "DAL005")

    selected = messages([r for r in every if r.code == "DAL005"])
    assert selected == messages(every)
    assert len(selected) == 1 and "2 writes on `db()`" in selected[0]
    assert "inferred" not in selected[0]
