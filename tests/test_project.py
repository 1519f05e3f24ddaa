"""Project facts: driver detection, handles across files and packages, function summaries, dalfix.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fixture_harness import run_fix

from dalfix.analysis.handles import Handle
from dalfix.analysis.project import Project
from dalfix.parsing import parse_file, walk
from dalfix.rules import rule_by_code


def make_project(tmp_path: Path, files: dict[str, str]) -> Project:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    parsed = {p: parse_file(p, p.read_bytes()) for p in tmp_path.rglob("*.ts") if "node_modules" not in p.parts}
    project = Project.load(tmp_path)
    project.prepare(parsed)
    return project


@pytest.mark.parametrize(
    ("module", "client", "driver", "concurrent"),
    [
        ("node-postgres", "new Pool({ max: 10 })", "node-postgres", True),
        ("node-postgres", "new Client()", "node-postgres-client", False),
        ("node-postgres", "await pool.connect()", "node-postgres-client", False),
        ("node-postgres", "process.env.DATABASE_URL!", "node-postgres", True),
        ("postgres-js", "postgres(url)", "postgres-js", True),
        ("postgres-js", "postgres(url, { max: 1 })", "postgres-js-single", False),
        ("neon-http", "neon(url)", "neon-http", True),
        ("neon-serverless", "new Pool({ connectionString: url })", "neon-serverless", True),
        ("pglite", "new PGlite()", "pglite", False),
        ("better-sqlite3", "new Database('a.db')", "better-sqlite3", False),
        ("bun-sqlite", "new Database('a.db')", "bun-sqlite", False),
        ("libsql", "createClient({ url })", "libsql", None),  # file: or a server: only known at runtime
        ("libsql", 'createClient({ url: "file:local.db" })', "libsql", False),
        ("libsql", 'createClient({ url: "libsql://x.turso.io" })', "libsql", True),
        ("libsql/http", "createClient({ url })", "libsql", True),
        ("sql-js", "new SQL.Database()", "sql-js", False),
        ("bun-sql", "new SQL(url)", "bun-sql", True),
        ("sqlite-proxy", "async () => ({ rows: [] })", "sqlite-proxy", None),
        ("singlestore", "mysql.createPool(url)", "singlestore", True),
        ("d1", "env.DB", "d1", False),
        ("mysql2", "mysql.createPool(url)", "mysql2", True),
        ("mysql2", "await mysql.createConnection(url)", "mysql2-connection", False),
    ],
)
def test_driver_detection(tmp_path: Path, module: str, client: str, driver: str, concurrent: bool | None) -> None:
    project = make_project(
        tmp_path,
        {
            "db.ts": f'import {{ drizzle }} from "drizzle-orm/{module}";\nconst client = {client};\n'
            "export const db = drizzle(client);\n",
            "use.ts": 'import { db } from "./db";\nexport const q = () => db.select().from(t);\n',
        },
    )
    use = project.files[tmp_path / "use.ts"]
    (info,) = project.drivers_for(use)
    assert info.driver == driver
    assert info.concurrent is concurrent
    assert project.parallel_reads_help_for(use) is (concurrent is not False)


def test_handles_through_reexports_workspace_packages_and_aliases(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "packages/db/package.json": json.dumps({"name": "@acme/db", "main": "./dist/index.js"}),
            "packages/db/src/client.ts": 'import { drizzle } from "drizzle-orm/node-postgres";\n'
            "export const database = drizzle(process.env.DATABASE_URL!);\n",
            "packages/db/src/index.ts": 'export { database as db } from "./client";\n',
            "apps/web/lib/db.ts": 'export * from "@acme/db";\n',
            "tsconfig.json": '{ "compilerOptions": { "paths": { "@/*": ["./apps/web/*"] } } }',
            "apps/web/service.ts": 'import { db as conn } from "@/lib/db";\nexport const q = () => conn.select();\n',
        },
    )
    service = project.files[tmp_path / "apps/web/service.ts"]
    handles = project.summaries.file_handles(service)
    assert set(handles) == {"conn"}
    assert handles["conn"].driver == "node-postgres"
    assert project.vocabulary_for(service).db_names >= {"conn"}


def test_summaries_are_transitive_and_unknown_stays_unknown(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "db.ts": 'import { drizzle } from "drizzle-orm/node-postgres";\n'
            "export const db = drizzle(process.env.U!);\n",
            "dal.ts": 'import { db } from "./db";\n'
            "export class UsersDAL {\n"
            "  static async byId(id: string) { return db.select().from(users); }\n"
            "  static async profile(id: string) { const u = await this.byId(id); return { u }; }\n"
            "  static async rename(id: string) { await db.update(users).set({ n: 1 }); }\n"
            "  static async logged(id: string) { console.log(id); return db.select().from(users); }\n"
            "  static async loop(id: string): Promise<unknown> { return UsersDAL.loop(id); }\n"
            "}\n"
            "export const helper = async (id: string) => UsersDAL.profile(id);\n",
        },
    )
    summaries = project.summaries.summarized_functions()
    by_name = {name: effect for (_, name), effect in summaries.items()}
    assert by_name["UsersDAL.byId"] == "read"
    assert by_name["UsersDAL.profile"] == "read"  # through this.byId
    assert by_name["helper"] == "read"  # through UsersDAL.profile
    assert by_name["UsersDAL.rename"] == "write"
    assert by_name["UsersDAL.logged"] == "unknown"
    assert by_name["UsersDAL.loop"] == "unknown"  # recursion is not guessed


def test_dalfix_toml_driver_override_disables_parallel_reads(tmp_path: Path) -> None:
    example = (
        'import { eq } from "drizzle-orm";\nimport { db } from "./db";\n'
        "export async function f(id: string) {\n"
        "  const [a] = await db.select().from(t).where(eq(t.id, id));\n"
        "  const [b] = await db.select().from(u).where(eq(u.id, id));\n"
        "  return { a, b };\n}\n"
    )
    (tmp_path / "f.ts").write_text(example)
    rule = rule_by_code("DAL001")
    assert run_fix([tmp_path], rule).files[0].findings, "a pool (or unknown driver) gets a fix"
    (tmp_path / "dalfix.toml").write_text('driver = "pglite"\n')
    assert not run_fix([tmp_path], rule).files[0].findings


def test_package_json_fallback_for_serial_drivers(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(
        json.dumps({"dependencies": {"better-sqlite3": "^11", "drizzle-orm": "0.45.4"}})
    )
    project = make_project(tmp_path, {"a.ts": "export const x = 1;\n"})
    assert project.project_driver_concurrency is False
    assert project.drizzle_version == (0, 45, 4)


def test_dalfix_toml_ignore_select_and_exclude_apply(tmp_path: Path) -> None:
    from dalfix.rules import select_rules
    from dalfix.runner import RunOptions, run

    example = (
        'import { eq } from "drizzle-orm";\nimport { db } from "./db";\n'
        "export async function f(id: string) {\n"
        "  const [a] = await db.select().from(t).where(eq(t.id, id));\n"
        "  const [b] = await db.select().from(u).where(eq(u.id, id));\n"
        "  return { a, b };\n}\n"
    )
    (tmp_path / "jobs").mkdir()
    (tmp_path / "f.ts").write_text(example)
    (tmp_path / "jobs" / "g.ts").write_text(example)

    def found() -> dict[str, list[str]]:
        result = run([tmp_path], RunOptions(rules=select_rules()))
        return {
            f.path.relative_to(tmp_path).as_posix(): [x.rule for x in f.findings] or [str(f.reason)]
            for f in result.files
        }

    assert found() == {"f.ts": ["DAL001"], "jobs/g.ts": ["DAL001"]}
    (tmp_path / "dalfix.toml").write_text('exclude = ["jobs/"]\n')
    assert found() == {"f.ts": ["DAL001"], "jobs/g.ts": ["excluded by dalfix.toml"]}
    (tmp_path / "dalfix.toml").write_text('ignore = ["sequential-awaits"]\n')
    assert found() == {"f.ts": ["None"], "jobs/g.ts": ["None"]}
    # `--select` on the command line replaces the file's selection (ruff's model) ...
    result = run([tmp_path], RunOptions(rules=select_rules(["DAL001"]), cli_select=("DAL001",)))
    assert [len(f.findings) for f in result.files] == [0, 0]  # ... and the file's `ignore` still applies
    (tmp_path / "dalfix.toml").write_text('select = ["DAL9"]\n')
    import pytest as _pytest

    from dalfix.config import ConfigError

    with _pytest.raises(ConfigError):
        run([tmp_path], RunOptions(rules=select_rules()))


HELPER_PROJECT = {
    "package.json": '{"name": "p", "dependencies": {"drizzle-orm": "0.44.0", "pg": "8.0.0"}}\n',
    "src/client.ts": (
        'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n\n'
        "export const database = drizzle(new Pool());\n"
    ),
    # No rule's needles: a run over the directory does not parse it for its own findings either.
    "src/helpers.ts": (
        'import { sql } from "drizzle-orm";\nimport { database } from "./client";\n\n'
        "export function tableSize(table: string) {\n"
        "  return database.execute(sql`select pg_total_relation_size(${table})`);\n}\n"
    ),
    "src/report.ts": (
        'import { tableSize } from "./helpers";\n\n'
        "export async function report(tables: string[]) {\n  const sizes = [];\n"
        "  for (const table of tables) {\n    sizes.push(await tableSize(table));\n  }\n  return sizes;\n}\n"
    ),
}


def test_findings_through_a_helper_do_not_depend_on_the_paths_passed(tmp_path: Path) -> None:
    """A helper module outside the given paths is summarised with its handles followed, as when it is scanned
    (the PR bot checks only the changed files)."""
    from dalfix.rules import select_rules
    from dalfix.runner import RunOptions, run

    for name, text in HELPER_PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")

    def found(*paths: Path) -> list[tuple[str, str, int]]:
        result = run(list(paths), RunOptions(rules=select_rules()))
        return [(f.path.name, x.rule, x.start) for f, x in result.findings]

    whole = found(tmp_path)
    assert [(name, rule) for name, rule, _ in whole] == [("report.ts", "DAL002")]
    assert found(tmp_path / "src" / "report.ts") == whole


CLIENT_ELSEWHERE = {
    "package.json": (
        '{"name": "app", "dependencies": {"drizzle-orm": "0.45.0", "pg": "8", "@electric-sql/pglite": "0.2"}}'
    ),
    "src/db/schema.ts": (
        'import { pgTable, text } from "drizzle-orm/pg-core";\n'
        'export const users = pgTable("users", { id: text("id").primaryKey() });\n'
        'export const posts = pgTable("posts", { id: text("id").primaryKey(), userId: text("user_id") });\n'
    ),
    "src/db/client.ts": (
        'import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";\n'
        'import type { PgliteDatabase } from "drizzle-orm/pglite";\n'
        'import { Pool } from "pg";\n'
        "export type DbClient = NodePgDatabase | PgliteDatabase;\n"
        "export const db: DbClient = drizzle(new Pool({ max: 10 }));\n"
    ),
    "src/db/test-client.ts": (
        'import { PGlite } from "@electric-sql/pglite";\n'
        'import { drizzle } from "drizzle-orm/pglite";\n'
        "export const testDb = drizzle(new PGlite());\n"
    ),
    "src/data/users.ts": (
        'import { eq } from "drizzle-orm";\n'
        'import type { DbClient } from "../db/client";\n'
        'import { posts, users } from "../db/schema";\n'
        "export async function loadUser(db: DbClient, id: string) {\n"
        "  const user = await db.select().from(users).where(eq(users.id, id));\n"
        "  const written = await db.select().from(posts).where(eq(posts.userId, id));\n"
        "  return { user, written };\n"
        "}\n"
    ),
}


def test_the_drivers_the_application_creates_do_not_depend_on_the_paths_passed(tmp_path: Path) -> None:
    """A handle typed `NodePgDatabase | PgliteDatabase` runs on the pool the application creates; that is known
    from the client modules, which a run on the changed files only (the PR bot, pre-commit) is not given."""
    from dalfix.rules import select_rules
    from dalfix.runner import RunOptions, run

    for name, text in CLIENT_ELSEWHERE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")

    def found(*paths: Path) -> list[tuple[str, str, str | None]]:
        result = run(list(paths), RunOptions(rules=select_rules()))
        return [(f.path.name, x.rule, x.fix and x.fix.applicability) for f, x in result.findings]

    whole = found(tmp_path)
    assert whole == [("users.ts", "DAL001", "safe")]
    assert found(tmp_path / "src" / "data" / "users.ts") == whole
    assert found(tmp_path / "src" / "data") == whole


def test_an_unknown_driver_does_not_hide_why_a_move_is_unsafe(tmp_path: Path) -> None:
    """The driver note and the move's own reason are both given: declaring the driver would not make the fix
    safe when a read that may return many rows now runs before a guard (libSQL with a URL dalfix cannot read)."""
    (tmp_path / "db.ts").write_text(
        'import { createClient } from "@libsql/client";\nimport { drizzle } from "drizzle-orm/libsql";\n'
        'import { sqliteTable, text } from "drizzle-orm/sqlite-core";\n'
        'export const parents = sqliteTable("parents", { id: text("id").primaryKey(), org: text("org") });\n'
        'export const children = sqliteTable("children", { id: text("id").primaryKey(), parentId: text("p") });\n'
        "export function setupDatabase(config: { url: string }) {\n"
        "  return { db: drizzle(createClient({ url: config.url })) };\n}\n"
        'export type Database = ReturnType<typeof setupDatabase>["db"];\n'
    )
    (tmp_path / "f.ts").write_text(
        'import { and, eq } from "drizzle-orm";\nimport { type Database, children, parents } from "./db";\n'
        "export async function f({ id, org, db }: { id: string; org: string; db: Database }) {\n"
        "  const [parent] = await db.select().from(parents).where(and(eq(parents.id, id), eq(parents.org, org)));\n"
        "  if (!parent) return null;\n"
        "  const rows = await db.select().from(children).where(eq(children.parentId, id));\n"
        "  return { parent, rows };\n}\n"
    )
    (message,) = [f.message for r in run_fix([tmp_path], rule_by_code("DAL001")).files for f in r.findings]
    # The driver is known (libsql); what is not is the URL, which decides whether two queries run at once.
    assert "could not tell which driver" not in message
    assert "the application's handles run on libsql" in message and "could not read the URL" in message
    assert 'driver = "libsql-remote"' in message
    assert "may return many rows" in message


def _two_reads(tmp_path: Path, client: str) -> str:
    (tmp_path / "db.ts").write_text(client)
    (tmp_path / "f.ts").write_text(
        'import { eq } from "drizzle-orm";\nimport { db, users, posts } from "./db";\n'
        "export async function f(id: string) {\n"
        "  const user = await db.select().from(users).where(eq(users.id, id));\n"
        "  const rows = await db.select().from(posts).where(eq(posts.userId, id));\n"
        "  return { user, rows };\n}\n"
    )
    (message,) = [f.message for r in run_fix([tmp_path], rule_by_code("DAL001")).files for f in r.findings]
    return message


TABLES = (
    'import { pgTable, text } from "drizzle-orm/pg-core";\n'
    'export const users = pgTable("users", { id: text("id").primaryKey() });\n'
    'export const posts = pgTable("posts", { id: text("id").primaryKey(), userId: text("user_id") });\n'
)


def test_the_unknown_driver_note_names_a_proxy_driver(tmp_path: Path) -> None:
    """A handle on a proxy driver: the driver is named, its concurrency (the callback's) is what is unknown."""
    message = _two_reads(
        tmp_path,
        'import { drizzle } from "drizzle-orm/pg-proxy";\n'
        + TABLES
        + "export const db = drizzle(async () => ({ rows: [] }));\n",
    )
    assert "the handle runs on pg-proxy" in message and "could not tell which driver" not in message


def test_the_unknown_driver_note_without_any_drizzle_call(tmp_path: Path) -> None:
    """No drizzle() call anywhere: the note still says the driver is unknown and how to declare it."""
    message = _two_reads(tmp_path, TABLES + "export declare const db: any;\n")
    assert "could not tell which driver the handle runs on" in message


def test_a_project_class_is_pure_to_construct_only_when_it_only_sets_fields(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "errors/base.ts": "export abstract class AppError extends Error {\n"
            "  readonly status: number = 500;\n"
            "  static registry = register();\n"  # runs when the class is defined, not on `new`
            "  constructor(message: string, readonly kind = 'internal', options?: { cause?: unknown }) {\n"
            "    super(message, { cause: options?.cause });\n"
            "    this.name = new.target.name;\n"
            "    Object.setPrototypeOf(this, new.target.prototype);\n"
            "    if (Error.captureStackTrace) { Error.captureStackTrace(this, AppError); }\n"
            "  }\n"
            "  get label() { return report(this.kind); }\n"
            "  describe() { return audit(this); }\n"
            "}\n",
            "errors/index.ts": 'export * from "./base";\nexport { NotFound as Missing } from "./not-found";\n',
            "errors/not-found.ts": 'import { AppError } from "./base";\n'
            "export class NotFound extends AppError {\n"
            "  code = 'NOT_FOUND' as const;\n"
            "  constructor(what: string) { super(`${what} not found`, 'not_found'); this.cause ??= what; }\n"
            "}\n",
            "errors/other.ts": 'import { AppError } from "./base";\n'
            "import { Data } from 'effect';\n"
            "export class Logged extends AppError { constructor(m: string) { super(m); console.error(m); } }\n"
            "export class FromLogged extends Logged {}\n"
            "export class Fielded extends Error { at = track(); }\n"
            "export class WithSetter extends Error { set name(v: string) { audit(v); } }\n"
            "export class Tagged extends Data.TaggedError('Tagged')<{}> {}\n"
            "export class Decorated extends Error { @observe() kind = 1; }\n"
            "export class Plain { constructor(public id: string, public at = 0) {} }\n"
            "export class Clocked { constructor(public id: string, public at = Date.now()) {} }\n"
            "export class Counted { constructor(public id: string) { this.seq = made++; } }\n"
            "export class Defaulted { constructor(public id = nextId()) {} }\n"
            "export class Recorded extends Error { constructor(m: string) { super(m); errors.push(this); } }\n"
            "export class Elsewhere extends Error { constructor(m: string) { super(m); other.name = m; } }\n"
            "export class Several extends AggregateError { constructor(e: Error[]) { super(e); } }\n"
            "export const NotAClass = () => new Error('x');\n",
            "use.ts": 'import { AppError, Missing } from "./errors";\n'
            'import * as errors from "./errors/other";\n'
            "import { Logged, FromLogged, Fielded, WithSetter, Tagged, Decorated } from './errors/other';\n"
            "import { Plain, Clocked, Counted, Defaulted } from './errors/other';\n"
            "import { Recorded, Elsewhere, NotAClass, Several } from './errors/other';\n"
            "class Local extends Missing {}\n"
            "export function build() {\n"
            "  return [new Missing('x'), new Local('y'), new AppError('z'), new Logged('a'), new FromLogged('b'),\n"
            "    new Fielded(), new WithSetter(), new Tagged(), new Decorated(), new Plain('p'), new Clocked('c'),\n"
            "    new Counted('n'), new Defaulted(),\n"
            "    new Recorded('r'), new Elsewhere('e'), new NotAClass(), new Several([]),\n"
            "    new errors.Logged('m'), new External()];\n"
            "}\n",
        },
    )
    use = project.files[tmp_path / "use.ts"]
    news = [n for n in walk(use.root) if n.type == "new_expression"]
    effects = {
        use.text(n.child_by_field_name("constructor")): project.summaries.construction_effect(use, n) for n in news
    }
    assert effects == {
        "Missing": "none",  # re-exported under another name, through a base class in another file
        "Local": "none",
        "AppError": "none",
        "Plain": "none",
        "Clocked": "unknown",  # a default reading the clock: a read moved past it would change what it measures
        "Counted": "unknown",  # a module-level counter: state the caller cannot see
        "Logged": "unknown",  # a call in the constructor
        "FromLogged": "unknown",  # a base class that does more
        "Fielded": "unknown",  # a field initialized by a call
        "WithSetter": "unknown",  # a setter: an assignment up the constructor chain could run it (not followed)
        "Tagged": "unknown",  # a base class computed by a call
        "Decorated": "unknown",
        "Defaulted": "unknown",  # a parameter default that calls
        "Recorded": "unknown",  # `this` escapes
        "Elsewhere": "unknown",  # sets a field of another object
        "Several": "unknown",  # AggregateError iterates its argument
        "NotAClass": None,
        "errors.Logged": None,  # not an identifier: not asked
        "External": None,  # not a project class
    }


REEXPORTED_DRIZZLE = {
    "package.json": json.dumps({"name": "acme", "workspaces": ["apps/*", "packages/*"]}),
    "packages/db/package.json": json.dumps({"name": "@acme/db", "main": "./src/index.ts"}),
    # unkey's @unkey/db: the star re-export of drizzle-orm comes first and has no `drizzle`; the named one does.
    "packages/db/src/index.ts": 'export * from "drizzle-orm";\nexport { drizzle } from "drizzle-orm/{module}";\n'
    'export * as schema from "./schema";\n',
    "packages/db/src/schema.ts": 'import { mysqlTable, varchar } from "drizzle-orm/mysql-core";\n'
    'export const users = mysqlTable("users", { id: varchar("id", { length: 64 }).primaryKey() });\n'
    'export const posts = mysqlTable("posts", { id: varchar("id", { length: 64 }).primaryKey(), '
    'userId: varchar("user_id", { length: 64 }) });\n',
    "apps/web/package.json": json.dumps({"name": "web", "dependencies": {"@acme/db": "workspace:*"}}),
    "apps/web/lib/db.ts": 'import mysql from "mysql2/promise";\nimport { drizzle, schema } from "@acme/db";\n'
    'export const db = drizzle({client}, { schema, mode: "default" });\n',
    "apps/web/users.ts": 'import { eq, schema } from "@acme/db";\nimport { db } from "./lib/db";\n'
    "export async function f(id: string) {\n"
    "  const user = await db.select().from(schema.users).where(eq(schema.users.id, id));\n"
    "  const rows = await db.select().from(schema.posts).where(eq(schema.posts.userId, id));\n"
    "  return { user, rows };\n}\n",
}


@pytest.mark.parametrize(
    ("module", "client", "applicability"),
    [
        ("mysql2", "mysql.createPool({ connectionLimit: 10 })", "safe"),  # a pool: two reads at once gain
        ("mysql2", "await mysql.createConnection(url)", None),  # one connection: nothing to gain, no finding
    ],
)
def test_drizzle_reexported_by_a_workspace_package_is_followed(
    tmp_path: Path, module: str, client: str, applicability: str | None
) -> None:
    """`drizzle` imported from a workspace package that re-exports drizzle-orm/<driver>'s (unkey's dashboard) makes
    a handle on that driver: before, no drizzle() call was found and DAL001's fix was unsafe for want of one."""
    from dalfix.analysis.doctor import load_projects, project_facts
    from dalfix.rules import select_rules
    from dalfix.runner import RunOptions, run

    for name, text in REEXPORTED_DRIZZLE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text.replace("{module}", module).replace("{client}", client), encoding="utf-8")
    result = run([tmp_path], RunOptions(rules=select_rules()))
    found = [(f.path.name, x.rule, x.fix and x.fix.applicability, x.message) for f, x in result.findings]
    if applicability is None:
        assert found == []
    else:
        ((name, rule, got, message),) = found
        assert (name, rule, got) == ("users.ts", "DAL001", applicability)
        assert "could not tell which driver" not in message
    (project,) = load_projects([tmp_path])
    facts = project_facts(project)
    driver = "mysql2" if applicability else "mysql2-connection"
    calls = [(c["at"], c["driver"]) for c in facts["drizzle_calls"]]  # type: ignore[attr-defined]
    assert calls == [("apps/web/lib/db.ts:3", driver)]


@pytest.mark.parametrize(
    ("module", "found"),
    [
        ("drizzle-orm/pg-core", {"node-postgres", "node-postgres-client"}),  # every driver it may run on
        ("./replicas", None),  # a project function of the same name (midday's): not followed by name
    ],
)
def test_with_replicas_runs_on_the_primary_and_replica_drivers(tmp_path: Path, module: str, found: object) -> None:
    project = make_project(
        tmp_path,
        {
            "db.ts": 'import { drizzle } from "drizzle-orm/node-postgres";\n'
            f'import {{ withReplicas }} from "{module}";\nimport {{ Client, Pool }} from "pg";\n'
            "const primary = drizzle(new Pool({ max: 10 }));\nconst replica = drizzle(new Client());\n"
            "export const db = withReplicas(primary, [replica]);\n",
            "replicas.ts": "export const withReplicas = (p: any, r: any[]) => ({ ...p, replicas: r });\n",
            "use.ts": 'import { db } from "./db";\nexport const q = () => db.select().from(t);\n',
        },
    )
    value = project.summaries.handles.binding(tmp_path / "db.ts", "db")
    drivers = {d.driver for d in value.drivers} if isinstance(value, Handle) else None
    assert drivers == found


def test_a_local_reassigned_from_itself_is_followed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`route = route.withX(…)` many times in one function (buster's assetParamsToRoute): each occurrence of the
    local is not followed through every assignment again (exponential up to MAX_DEPTH); the handle assigned first
    is still found, and one assigned later through the local is too."""
    from dalfix.analysis.handles import Factory, HandleIndex

    steps = "\n".join(f"  if (p.a{n}) route = route.with{n}(p.a{n});" for n in range(25))
    project = make_project(
        tmp_path,
        {
            "db.ts": 'import { drizzle } from "drizzle-orm/node-postgres";\nexport const db = drizzle("url");\n',
            "route.ts": 'import { db } from "./db";\n'
            f"export const toRoute = (p: any) => {{\n  let route = builder(db);\n{steps}\n  return route;\n}};\n"
            "export const pick = (p: any) => {\n  let h = p.x;\n  h = h ?? db;\n  h = h.y ?? h;\n  return h;\n};\n",
        },
    )
    calls = [0]
    expression = HandleIndex.expression

    def counting(self: HandleIndex, parsed: object, node: object) -> object:
        calls[0] += 1
        return expression(self, parsed, node)  # type: ignore[arg-type]

    monkeypatch.setattr(HandleIndex, "expression", counting)
    assert project.summaries.handles.binding(tmp_path / "route.ts", "toRoute") is None
    assert calls[0] < 1000
    value = project.summaries.handles.binding(tmp_path / "route.ts", "pick")  # a function returning the handle
    assert isinstance(value, Factory) and isinstance(value.result, Handle)
    assert {d.driver for d in value.result.drivers} == {"node-postgres"}
