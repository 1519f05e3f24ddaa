"""Fixture projects (tests/projects/<name>): each handle form, what the rules find there and what `doctor` prints.

Every project holds the same two independent reads; whether DAL001 offers `Promise.all`, and how safely,
depends only on what dalfix concludes about the handle. `doctor` must show the conclusion.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dalfix.cli import main
from dalfix.rules import all_rules
from dalfix.runner import RunOptions, run

PROJECTS = Path(__file__).parent / "projects"

# project -> ({(file, rule, applicability)}, {handle name: (driver, kind, role)}, application kind)
EXPECTED: dict[str, tuple[set[tuple[str, str, str]], dict[str, tuple[str, str, str]], str]] = {
    # `@acme/db` through `exports` (dist -> src), operators re-exported by the package and handed to a
    # `where` callback, `type Database = typeof db`; the migration script's `max: 1` decides nothing.
    "workspace_scoped_db": (
        {
            ("apps/web/src/profile.ts", "DAL001", "safe"),
            ("apps/web/src/typed.ts", "DAL001", "safe"),
            ("apps/web/src/relational.ts", "DAL001", "safe"),
        },
        {"db": ("node-postgres", "pool", "application")},
        "pool",
    ),
    # `NodePgDatabase<typeof schema>` alias; a union with PGlite, which only a test client creates.
    "typed_aliases": (
        {("src/pool.ts", "DAL001", "safe"), ("src/either.ts", "DAL001", "safe")},
        {
            "createClient()": ("node-postgres", "pool", "application"),
            "createTestClient()": ("pglite", "single-connection", "test/script"),
        },
        "pool",
    ),
    # `ctx.db`, a repository's destructured `{ db }`, `this.db`: recognised by a chain over a schema table;
    # a knex look-alike (string table names) is not.
    "structural_ctx_and_repositories": (
        {
            ("src/router.ts", "DAL001", "safe"),
            ("src/repository.ts", "DAL001", "safe"),
        },
        {"db": ("postgres-js", "pool", "application")},
        "pool",
    ),
    # `db()` over mysql2 (a pool): a fix; `createDb(env.DB)` per request on D1 (one connection): none.
    "factories": (
        {("src/on_mysql.ts", "DAL001", "safe")},
        {
            "db()": ("mysql2", "pool", "application"),
            "createDb()": ("d1", "single-connection", "application"),
        },
        "unknown",  # two kinds in one project: a handle nobody can follow stays unknown
    ),
    # The same union alias, and a `drizzle(connection) as unknown as AppDatabase` over one checked-out
    # `PoolClient`: a parameter of that type may be a single connection, so profile.ts gets no `Promise.all`;
    # helpers handed a request-context handle dalfix cannot follow are unsafe and say why.
    "typed_alias_casts": (
        {("src/route.ts", "DAL001", "unsafe")},
        {"createClient()": ("node-postgres", "pool", "application")},
        "unknown",
    ),
    # A lazy getter, a `globalThis` cache and a `Proxy` around better-sqlite3: synchronous, no DAL001.
    "cache_and_proxy": (set(), {"db": ("better-sqlite3", "synchronous", "application")}, "synchronous"),
    # `tx` from one caller, the pooled db from another: DAL001 reads it as a transaction (no finding), DAL002
    # as not one (the insert per row stays unbatched, reported only).
    "maybe_transaction": (
        {("src/service.ts", "DAL002", "display-only")},
        {"db": ("node-postgres", "pool", "application")},
        "pool",
    ),
    # A factory declared to return `Db | Tx` (openstatus's `getReadDb(ctx): DB`, the transaction type spelled
    # `Parameters<Parameters<Client["transaction"]>[0]>[0]`; `Promise<DB>`; an arrow's `typeof db | Tx`): its result
    # is a maybe-transaction, no DAL001. One declared to return the database only keeps its safe fix.
    "maybe_tx_factory": (
        {("src/plain.ts", "DAL001", "safe")},
        {"db": ("libsql", "pool", "application")},
        "pool",
    ),
    # kan's `createDrizzleClient(): dbClient`: a PGlite handle held in a local and cast `db as unknown as dbClient`
    # makes a parameter typed `dbClient` the strictest kind (single-connection), as doctor says: no DAL001.
    "cast_local_handle": (
        set(),
        {"createDrizzleClient()": ("node-postgres|pglite", "single-connection", "application")},
        "unknown",
    ),
    # better-sqlite3 or node-postgres chosen at runtime: the conservative kind (synchronous) decides.
    "runtime_choice": (set(), {"db": ("better-sqlite3|node-postgres", "synchronous", "application")}, "unknown"),
    # libSQL with a URL from the caller: unknown driver, so the fix is unsafe and says how to declare it.
    "libsql_setup": (
        {("src/use.ts", "DAL001", "unsafe")},
        {"setupDatabase().db": ("libsql", "unknown", "application")},
        "unknown",
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings_per_handle_form(name: str) -> None:
    root = PROJECTS / name
    result = run([root], RunOptions(rules=list(all_rules())))
    found = {
        (file.path.relative_to(root).as_posix(), finding.rule, finding.applicability.value)
        for file, finding in result.findings
        if finding.applicability is not None and finding.rule in ("DAL001", "DAL002")
    }
    assert found == EXPECTED[name][0]
    assert not result.failed


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_doctor_names_the_handles_and_their_drivers(name: str) -> None:
    outcome = CliRunner().invoke(main, ["doctor", "--format", "json", str(PROJECTS / name)])
    assert outcome.exit_code == 0, outcome.output
    (facts,) = json.loads(outcome.output)
    handles = {h["name"]: (h["driver"], h["kind"], h["role"]) for h in facts["handles"]}
    for handle, expected in EXPECTED[name][1].items():
        assert handles[handle] == expected
    assert facts["application_kind"] == EXPECTED[name][2]
    assert facts["unresolved_imports"] == []
    assert facts["schema_files"]


def test_doctor_text_shows_workspace_version_and_the_migration_call() -> None:
    outcome = CliRunner().invoke(main, ["doctor", str(PROJECTS / "workspace_scoped_db")])
    text = outcome.output
    assert "(3 packages)" in text
    assert "drizzle-orm: ^0.45.1" in text  # `catalog:` resolved through pnpm-workspace.yaml
    assert "db at packages/db/src/client.ts:5: node-postgres (postgresql), pool, application" in text
    assert "packages/db/scripts/migrate.ts:6: postgres-js-single (single-connection), test/script" in text


def test_unknown_driver_message_says_how_to_declare_it() -> None:
    root = PROJECTS / "libsql_setup"
    result = run([root], RunOptions(rules=list(all_rules())))
    (finding,) = [f for _, f in result.findings if f.rule == "DAL001"]
    # libSQL with a URL from config: the note names the driver and the two settings that decide it.
    assert 'declare it with `driver = "libsql-remote"` or `driver = "libsql-file"` in dalfix.toml' in finding.message


@pytest.mark.parametrize(("declared", "expected"), [("libsql-remote", [("DAL001", "safe")]), ("libsql-file", [])])
def test_the_settings_the_libsql_note_names_decide_the_handle(tmp_path: Path, declared: str, expected: list) -> None:  # type: ignore[type-arg]
    """What the note advises works: a remote URL makes `Promise.all` safe, a `file:` one (queries run one by one)
    leaves nothing to group."""
    import shutil

    root = tmp_path / "libsql_setup"
    shutil.copytree(PROJECTS / "libsql_setup", root)
    (root / "dalfix.toml").write_text(f'driver = "{declared}"\n')
    result = run([root], RunOptions(rules=[r for r in all_rules() if r.code != "DAL010"]))
    assert [(f.rule, f.applicability.value) for _, f in result.findings if f.rule == "DAL001"] == expected


def test_declared_driver_makes_the_unknown_handle_known(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "libsql_setup"
    shutil.copytree(PROJECTS / "libsql_setup", root)
    (root / "dalfix.toml").write_text('driver = "node-postgres"\n')
    # DAL010 (the index advisor) does not depend on the driver: left out here.
    result = run([root], RunOptions(rules=[r for r in all_rules() if r.code != "DAL010"]))
    assert [(f.rule, f.applicability.value) for _, f in result.findings if f.applicability] == [("DAL001", "safe")]


def test_check_verbose_prints_one_line_per_package() -> None:
    outcome = CliRunner().invoke(main, ["check", "-v", str(PROJECTS / "workspace_scoped_db")])
    lines = [line for line in outcome.stderr.splitlines() if line.startswith("dalfix: ")]
    assert any(line.startswith("dalfix: workspace ") and "drizzle-orm ^0.45.1" in line for line in lines)
    assert "dalfix: package @acme/db: db node-postgres pool at packages/db/src/client.ts:5" in lines


def test_doctor_text_ends_with_a_newline_after_projects_without_drizzle(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(PROJECTS / "libsql_setup", tmp_path / "app")
    for index in range(7):  # more projects without Drizzle than the line names
        (tmp_path / f"tool{index}").mkdir()
        (tmp_path / f"tool{index}" / "package.json").write_text(f'{{"name": "tool{index}"}}\n')
        (tmp_path / f"tool{index}" / "index.ts").write_text("export const x = 1;\n")
    outcome = CliRunner().invoke(
        main, ["doctor", str(tmp_path / "app"), *(str(tmp_path / f"tool{i}") for i in range(7))]
    )
    assert outcome.exit_code == 0, outcome.output
    last = outcome.output.splitlines()[-1]
    assert last.startswith("7 other project(s) without Drizzle: ") and last.endswith(", …"), last
    assert outcome.output.endswith("\n")


def test_doctor_says_why_the_application_handles_are_unknown() -> None:
    outcome = CliRunner().invoke(main, ["doctor", str(PROJECTS / "factories"), str(PROJECTS / "libsql_setup")])
    text = outcome.output
    assert (
        "  why: the application makes pools (mysql2 at src/mysql.ts:4) and single connections (d1 at src/d1.ts:4)"
        in text
    )
    assert (
        "  why: its drizzle() calls wrap a client dalfix cannot tell a pool from a single connection (libsql at" in text
    )
    assert text.count('`driver = "<name>"` in dalfix.toml') == 2
    assert "unknown: a libSQL client runs two queries at once only on a remote URL" in text
    assert '("libsql-remote" for a server URL, "libsql-file" for a local file)' in text
    assert '("mysql2" for a pool, "mysql2-connection" for one connection)' in text
    known = CliRunner().invoke(main, ["doctor", str(PROJECTS / "workspace_scoped_db")]).output
    assert "application handles: pool\ndb handles:" in known  # a known kind needs no why
    assert "  (pool: two queries in flight use two connections; single-connection: queries queue on one;" in known


def test_doctor_says_which_drivers_decide_a_runtime_choice() -> None:
    text = CliRunner().invoke(main, ["doctor", str(PROJECTS / "runtime_choice")]).output
    assert (
        "db at src/drivers.ts:10: better-sqlite3|node-postgres (postgresql | sqlite), synchronous, application\n"
        in text
    )
    assert "    synchronous: the strictest kind among better-sqlite3 and node-postgres, one of which is chosen" in text


def test_doctor_leaves_json_imports_out_of_the_unresolved(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "app"
    shutil.copytree(PROJECTS / "libsql_setup", root)
    client = root / "src" / "database.ts"  # the imports of files that import a driver are resolved
    client.write_text('import pkg from "../package.json";\nimport { x } from "./gone";\n' + client.read_text())
    text = CliRunner().invoke(main, ["doctor", str(root)]).output
    assert "unresolved imports: 1 (1 more of JSON or other non-code files, which dalfix does not need)\n" in text
    assert "  ./gone (from src/database.ts)" in text and "package.json (from" not in text


UNKNOWN_DRIVER_PROJECT = {
    "package.json": '{ "name": "p", "dependencies": { "drizzle-orm": "^0.44.0", "pg": "^8.0.0" } }\n',
    "src/schema.ts": (
        'import { integer, pgTable, serial } from "drizzle-orm/pg-core";\n\n'
        'export const accounts = pgTable("accounts", {\n  id: serial("id").primaryKey(),\n'
        '  balance: integer("balance").notNull(),\n});\n'
    ),
    "src/pool.ts": (
        'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n\n'
        "export const db = drizzle(new Pool());\n"
    ),
    "src/client.ts": (
        'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Client } from "pg";\n\n'
        "export async function withClient<T>(run: (db: unknown) => Promise<T>): Promise<T> {\n"
        "  const client = new Client();\n  await client.connect();\n  return run(drizzle(client));\n}\n"
    ),
    "src/dal.ts": (
        'import { eq, sql } from "drizzle-orm";\nimport type { NodePgDatabase } from "drizzle-orm/node-postgres";\n'
        'import { accounts } from "./schema";\n\n'
        "export async function transfer(db: NodePgDatabase, from: number, to: number) {\n"
        "  await db.update(accounts).set({ balance: sql`${accounts.balance} - 1` }).where(eq(accounts.id, from));\n"
        "  await db.update(accounts).set({ balance: sql`${accounts.balance} + 1` }).where(eq(accounts.id, to));\n"
        "}\n\n"
        "export async function refund(conn: unknown, id: number) {\n"
        "  const db = conn as NodePgDatabase;\n"
        "  await db.update(accounts).set({ balance: sql`${accounts.balance} + 1` }).where(eq(accounts.id, id));\n"
        "  await db.update(accounts).set({ balance: sql`${accounts.balance} - 1` }).where(eq(accounts.id, 0));\n"
        "}\n"
    ),
}


def test_dal005_says_what_it_saw_when_the_driver_is_unknown(tmp_path: Path) -> None:
    for name, text in UNKNOWN_DRIVER_PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    result = run([tmp_path], RunOptions(rules=[r for r in all_rules() if r.code == "DAL005"]))
    transfer, refund = (f.message for _, f in result.findings)
    made = (
        "the application makes pools (node-postgres at src/pool.ts:4) and single connections "
        "(node-postgres-client at src/client.ts:7)"
    )
    assert "`db` is a parameter typed `NodePgDatabase`, which dalfix does not trace to one drizzle() call" in transfer
    assert "`db` is a cast (`conn as NodePgDatabase`), which dalfix does not trace to one drizzle() call" in refund
    for message in (transfer, refund):
        assert made in message
        assert "`driver` in dalfix.toml says which one runs it" in message
        assert "not detected" not in message


def test_a_handle_type_is_a_pool_only_until_a_single_connection_is_cast_to_it(tmp_path: Path) -> None:
    """Look-alike of typed_alias_casts without the per-request cast: the typed parameter is the pool's, and the
    two reads get a safe `Promise.all`; the cast alone makes the difference."""
    import shutil

    root = tmp_path / "project"
    shutil.copytree(PROJECTS / "typed_alias_casts", root)
    (root / "src" / "request-db.ts").unlink()
    result = run([root], RunOptions(rules=list(all_rules())))
    found = {
        (file.path.relative_to(root).as_posix(), finding.rule, finding.applicability.value)
        for file, finding in result.findings
        if finding.applicability is not None and finding.rule == "DAL001"
    }
    assert found == {("src/profile.ts", "DAL001", "safe"), ("src/route.ts", "DAL001", "unsafe")}
    (route,) = [f for file, f in result.findings if file.path.name == "route.ts"]
    assert "whatever the driver" not in route.message  # the handle is the pool's now: only the summary reason


def test_a_cast_local_adds_only_the_drivers_it_holds(tmp_path: Path) -> None:
    """Look-alike of cast_local_handle whose cast local holds the pool itself: the type stays a pool's, and the
    two reads keep their safe `Promise.all` (following the local adds its drivers, not a stricter kind)."""
    import shutil

    root = tmp_path / "project"
    shutil.copytree(PROJECTS / "cast_local_handle", root)
    (root / "src" / "client.ts").write_text(
        'import type { NodePgDatabase } from "drizzle-orm/node-postgres";\n'
        'import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";\n'
        'import { Pool } from "pg";\n'
        'import * as schema from "./schema";\n\n'
        "export type dbClient = NodePgDatabase<typeof schema> & { $client: Pool };\n\n"
        "export const createDrizzleClient = (): dbClient => {\n"
        "  const db = drizzlePg(new Pool({ connectionString: process.env.POSTGRES_URL }), { schema });\n"
        "  return db as unknown as dbClient;\n"
        "};\n"
    )
    result = run([root], RunOptions(rules=list(all_rules())))
    found = [(f.rule, f.applicability.value) for _, f in result.findings if f.rule == "DAL001" and f.applicability]
    assert found == [("DAL001", "safe")]


def test_a_helper_handed_an_untraced_handle_says_the_drivers_disagree() -> None:
    root = PROJECTS / "typed_alias_casts"
    result = run([root], RunOptions(rules=list(all_rules())))
    (finding,) = [f for file, f in result.findings if file.path.name == "route.ts"]
    assert "node-postgres, node-postgres-client, which do not agree" in finding.message
    assert "a grouped call is a read only by its function's summary" in finding.message
