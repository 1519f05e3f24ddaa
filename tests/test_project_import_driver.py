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
