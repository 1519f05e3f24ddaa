"""The relevance filter (dalfix/analysis/relevance.py): files that cannot hold a finding are not analysed, and
every file that can is, however it reaches the handle (re-export chains, workspace packages, tsconfig aliases,
a transaction passed in from another file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dalfix.analysis.project import Project
from dalfix.analysis.relevance import EXPORT_FROM, IMPORT_FROM, Relevance, names_a_handle
from dalfix.rules import rule_by_code, select_rules
from dalfix.runner import RunOptions, RunResult, run

CLIENT = (
    'import { drizzle } from "drizzle-orm/node-postgres";\n'
    'import { pgTable, text } from "drizzle-orm/pg-core";\n'
    'export const users = pgTable("users", { id: text("id").primaryKey(), name: text("name") });\n'
    "export const database = drizzle(process.env.DATABASE_URL!);\n"
)
QUERIES = (
    'import { eq } from "drizzle-orm";\n'
    'import { database, users } from "./client";\n'
    "export async function loadUser(id: string) {\n"
    "  return database.select().from(users).where(eq(users.id, id));\n"
    "}\n"
)
# Names nothing itself: a finding here needs the summary of `loadUser`, found through its imports.
CALLER = (
    "export async function loadAll(ids: string[]) {\n"
    "  const out = [];\n"
    "  for (const id of ids) {\n"
    "    out.push(await loadUser(id));\n"
    "  }\n"
    "  return out;\n"
    "}\n"
)
UNRELATED = (
    'import { format } from "./format";\n'
    "export async function show(xs: string[]) {\n  for (const x of xs) {\n    await format(x);\n  }\n}\n"
)
FORMAT = "export async function format(x: string) {\n  return x.trim();\n}\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _check(root: Path) -> RunResult:
    rules = select_rules((), (), True)
    return run([root], RunOptions(rules=rules))


def _findings(result: RunResult, root: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for file, finding in result.findings:
        out.setdefault(file.path.relative_to(root).as_posix(), []).append(finding.rule)
    return out


def _analysed(result: RunResult, root: Path) -> set[str]:
    (project,) = result.projects
    return {p.relative_to(root).as_posix() for p in project.analysed}


def test_a_file_reached_only_through_a_reexport_chain_is_checked(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "src/store/client.ts": CLIENT,
            "src/store/queries.ts": QUERIES,
            "src/store/index.ts": 'export * from "./queries";\n',
            "src/lib/index.ts": 'export { loadUser } from "../store";\n',
            "src/report.ts": 'import { loadUser } from "./lib";\n' + CALLER,
            "src/show.ts": UNRELATED,
            "src/format.ts": FORMAT,
        },
    )
    result = _check(tmp_path)
    assert _findings(result, tmp_path).get("src/report.ts") == ["DAL002"]
    analysed = _analysed(result, tmp_path)
    assert "src/report.ts" in analysed
    assert "src/show.ts" not in analysed  # it loops over awaits too, but names and imports nothing of the database
    show = next(f for f in result.files if f.path.name == "show.ts")
    assert show.status == "unchanged" and not show.findings  # still counted as scanned
    (project,) = result.projects
    assert project.relevance_note is not None and "name no database handle" in project.relevance_note


def test_a_file_reached_through_a_workspace_package_and_a_tsconfig_alias_is_checked(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "package.json": json.dumps({"name": "root", "private": True, "workspaces": ["packages/*", "apps/*"]}),
            "packages/data/package.json": json.dumps({"name": "@acme/data", "main": "./src/index.ts"}),
            "packages/data/src/client.ts": CLIENT,
            "packages/data/src/queries.ts": QUERIES,
            "packages/data/src/index.ts": 'export { loadUser } from "./queries";\n',
            "apps/web/package.json": json.dumps({"name": "web", "dependencies": {"@acme/data": "workspace:*"}}),
            "apps/web/tsconfig.json": json.dumps({"compilerOptions": {"paths": {"@/*": ["./src/*"]}}}),
            "apps/web/src/lib/users.ts": 'export { loadUser } from "@acme/data";\n',
            "apps/web/src/page.ts": 'import { loadUser } from "@/lib/users";\n' + CALLER,
            "apps/web/src/show.ts": UNRELATED,
            "apps/web/src/format.ts": FORMAT,
        },
    )
    web = tmp_path / "apps/web"
    result = _check(web)
    assert _findings(result, web) == {"src/page.ts": ["DAL002"]}
    assert _analysed(result, web) == {"src/page.ts"}  # show.ts and format.ts name nothing


def test_a_callee_receiving_a_transaction_from_another_file_is_checked(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "src/client.ts": CLIENT,
            "src/save.ts": 'import { database } from "./client";\nimport { writeAll } from "./write";\n'
            "export async function save(rows: string[], target: any) {\n"
            "  await database.transaction(async (tx) => {\n"
            "    await writeAll(tx, target, rows);\n"
            "  });\n"
            "}\n",
            # Names nothing: its parameter `t` is a transaction only because save.ts passes one.
            "src/write.ts": "export async function writeAll(t: any, target: any, rows: string[]) {\n"
            "  for (const row of rows) {\n"
            "    await t.insert(target).values({ name: row });\n"
            "  }\n"
            "}\n",
            "src/show.ts": UNRELATED,
            "src/format.ts": FORMAT,
        },
    )
    result = _check(tmp_path)
    assert "src/write.ts" in _findings(result, tmp_path)
    assert _analysed(result, tmp_path) == {"src/client.ts", "src/save.ts", "src/write.ts"}
    (project,) = result.projects
    assert project.relevance_note is not None and "(1 for a transaction parameter only)" in project.relevance_note


def test_findings_do_not_change_with_the_filter(tmp_path: Path) -> None:
    """The same tree checked with a rule that opts out of the filter (a test rule, run on every file) and without."""
    _write(
        tmp_path,
        {
            "src/store/client.ts": CLIENT,
            "src/store/queries.ts": QUERIES,
            "src/store/index.ts": 'export * from "./queries";\n',
            "src/report.ts": 'import { loadUser } from "./store";\n' + CALLER,
            "src/show.ts": UNRELATED,
            "src/format.ts": FORMAT,
        },
    )
    rule = rule_by_code("DAL002")
    assert rule is not None and rule.needs_handle
    filtered = run([tmp_path], RunOptions(rules=[rule]))
    unfiltered_rule = type("Unfiltered", (rule,), {"needs_handle": False})
    unfiltered = run([tmp_path], RunOptions(rules=[unfiltered_rule]))
    assert [(f.path, x.start, x.message) for f, x in filtered.findings] == [
        (f.path, x.start, x.message) for f, x in unfiltered.findings
    ]
    assert "src/show.ts" not in _analysed(filtered, tmp_path)
    assert "src/show.ts" in _analysed(unfiltered, tmp_path)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b"const a = db.select();", True),
        (b"ctx.db.query.users.findMany()", True),
        (b"type T = NodePgDatabase;", True),
        (b"x.transaction(async (t) => t)", True),
        (b'export const t = pgTable("t", {});', True),
        (b"const t = table /* odd */ (`t`);", True),
        (b"run(async (tx) => 1)", True),
        (b"// dalfix-ignore[DAL002]", True),
        (b"const dbx = 1; const xdb = 2; <DataTable />", False),
        (b"const ctx = 1; formatTable; tablet", False),
    ],
)
def test_what_names_a_handle(source: bytes, expected: bool) -> None:
    assert names_a_handle(source) is expected


def test_configured_handle_names_count(tmp_path: Path) -> None:
    assert not names_a_handle(b"conn.select()")
    assert names_a_handle(b"conn.select()", ("conn",))
    assert names_a_handle(b"x.database", ("ctx.database",))


@pytest.mark.parametrize(
    "statement",
    [
        b'import { a, b as c, type d } from "x";',
        b'import D, { a } from "x";',
        b'import type { a } from "x";',
        b'import {\n  a, // the first\n  b,\n} from "x";',
    ],
)
def test_import_clauses_are_read(statement: bytes) -> None:
    assert IMPORT_FROM.search(statement) is not None


def test_every_specifier_is_followed_even_when_its_clause_is_not_read(tmp_path: Path) -> None:
    """Namespace imports, `import()`, `require()`, side-effect imports and clauses with quotes in comments make
    the importer depend on every name of the target."""
    _write(
        tmp_path,
        {
            "store.ts": CLIENT,
            "a.ts": 'import * as all from "./store";\n',
            "b.ts": 'const m = await import("./store");\n',
            "c.ts": 'const m = require("./store");\n',
            "d.ts": 'import "./store";\n',
            "e.ts": "import { /* it's */ users } from './store';\n",
            "f.ts": 'import { format } from "./format";\n',
            "format.ts": FORMAT,
        },
    )
    project = Project.load(tmp_path)
    sources = {p: p.read_bytes() for p in sorted(tmp_path.glob("*.ts"))}
    relevance = Relevance(project, sources)
    relevant = {p.name for p in sources if relevance.is_relevant(p)}
    assert relevant == {"store.ts", "a.ts", "b.ts", "c.ts", "d.ts", "e.ts"}
    assert EXPORT_FROM.search(b'export * as ns from "./store";') is not None


# The needle prefilter (runner.py `_may_match`) and a caller that holds no rule's needle: it hands the transaction to
# a helper in another file and returns the transaction's promise (no `await`, `for`, `select`…). It is read all the
# same (it names a handle), else the helper's parameter is never known to be a transaction and its reads get a SAFE
# `Promise.all` and its loop a SAFE batched update, inside the transaction (review9 U9).
_DB = (
    'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n'
    'import * as schema from "./schema";\n'
    "export const db = drizzle(new Pool(), { schema });\nexport type Db = typeof db;\n"
)
_SCHEMA = (
    'import { boolean, integer, pgTable, serial } from "drizzle-orm/pg-core";\n'
    'export const posts = pgTable("posts", { id: serial("id").primaryKey(), archived: boolean("archived") });\n'
    'export const tags = pgTable("tags", { id: serial("id").primaryKey(), postId: integer("post_id").notNull() });\n'
)
_REPO = (
    'import { eq } from "drizzle-orm";\nimport type { Db } from "./db";\nimport { posts, tags } from "./schema";\n'
    "export async function loadPost(h: Db, id: number) {\n"
    "  const post = await h.select().from(posts).where(eq(posts.id, id)).limit(1);\n"
    "  const postTags = await h.select().from(tags).where(eq(tags.postId, id)).limit(1);\n"
    "  return { post, postTags };\n"
    "}\n"
    "export async function archivePosts(h: Db, ids: number[]) {\n"
    "  for (const id of ids) {\n"
    "    await h.update(posts).set({ archived: true }).where(eq(posts.id, id));\n"
    "  }\n"
    "}\n"
)
_IMPORTS = 'import { db } from "./db";\nimport { archivePosts, loadPost } from "./repo";\n'


@pytest.mark.parametrize("select", [(), ("DAL001", "DAL002")])
@pytest.mark.parametrize(
    ("calls", "safe"),
    [
        # Only ever inside a transaction: no safe fix.
        (
            "export const loadLocked = (id: number) => db.transaction((tx) => loadPost(tx, id));\n"
            "export const archiveLocked = (ids: number[]) => db.transaction((tx) => archivePosts(tx, ids));\n",
            set(),
        ),
        # The look-alike: the callers hand the pool itself, and the fixes stay safe.
        (
            "export const load = (id: number) => loadPost(db, id);\n"
            "export const archive = (ids: number[]) => archivePosts(db, ids);\n",
            {"DAL001", "DAL002"},
        ),
    ],
    ids=["transaction", "pool"],
)
def test_a_caller_holding_no_needle_still_hands_its_transaction(
    tmp_path: Path, calls: str, safe: set[str], select: tuple[str, ...]
) -> None:
    from dalfix.fixes import Applicability

    _write(
        tmp_path,
        {
            "package.json": '{"dependencies": {"drizzle-orm": "^0.44.0", "pg": "^8"}}',
            "db.ts": _DB,
            "schema.ts": _SCHEMA,
            "repo.ts": _REPO,
            "service.ts": _IMPORTS + calls,
        },
    )
    result = run([tmp_path], RunOptions(rules=select_rules(select, (), True)))
    found = {
        finding.rule
        for file, finding in result.findings
        if file.path.name == "repo.ts" and finding.fix is not None and finding.fix.applicability == Applicability.SAFE
    }
    assert found == safe
