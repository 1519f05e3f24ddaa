"""Tables destructured from an object of tables chosen at run time (dalfix/analysis/schema/sources.py): what
`Project.is_table` and the schema model's merged table say, and what they refuse to say."""

from __future__ import annotations

from pathlib import Path

from fixture_harness import run_fix

from dalfix.analysis.keys import key_column, key_comparison
from dalfix.analysis.project import Project
from dalfix.parsing import Node, ParsedFile, walk
from dalfix.rules import rule_by_code

SQLITE = """import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
export const teams = sqliteTable("team", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  rank: integer("rank").notNull(),
  note: text("note"),
  ownerId: text("owner_id").references(() => users.id),
});
export const users = sqliteTable("user", { id: text("id").primaryKey(), email: text("email").notNull() });
"""
MYSQL = """import { int, mysqlTable, text, varchar } from "drizzle-orm/mysql-core";
export const teams = mysqlTable("team", {
  id: varchar("id", { length: 64 }).primaryKey(),
  slug: varchar("slug", { length: 64 }).notNull().unique(),
  rank: int("rank").notNull(),
  note: text("note").notNull(),
  ownerId: varchar("owner_id", { length: 64 }).references(() => users.id),
});
export const users = mysqlTable("user", { id: varchar("id", { length: 64 }).primaryKey(), email: text("email") });
"""
INDEX = """import * as mysqlSchema from "./mysql";
import * as sqliteSchema from "./sqlite";
const pick = <T extends Record<string, () => unknown>>(input: T) =>
  input[process.env.DRIVER ?? "sqlite"]() as ReturnType<T["sqlite"]>;
export const schema = pick({ sqlite: () => sqliteSchema, mysql: () => mysqlSchema });
export const { teams, users } = schema;
export const plain = { teams: sqliteSchema.teams };
export const { teams: onlySqlite } = plain;
"""
USE = """import { plain, schema, teams, users, onlySqlite } from "./schema";
export const uses = [
  teams.id, teams.slug, teams.rank, teams.note, users.email, schema.teams, plain.teams, onlySqlite.id,
];
"""


def _project(tmp_path: Path) -> tuple[Project, ParsedFile]:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "sqlite.ts").write_text(SQLITE)
    (tmp_path / "schema" / "mysql.ts").write_text(MYSQL)
    (tmp_path / "schema" / "index.ts").write_text(INDEX)
    (tmp_path / "use.ts").write_text(USE)
    project = Project.load(tmp_path)
    parsed = project.files.load((tmp_path / "use.ts").resolve())
    assert parsed is not None
    return project, parsed


def _node(parsed: ParsedFile, text: str) -> Node:
    uses = parsed.root.named_children[-1]  # the `uses` array, past the import
    return next(n for n in walk(uses) if parsed.text(n) == text and n.type in ("identifier", "member_expression"))


def test_a_destructured_name_is_a_table_when_every_alternative_is_one(tmp_path: Path) -> None:
    project, parsed = _project(tmp_path)
    for text in ("teams", "users", "schema.teams", "plain.teams", "onlySqlite"):
        assert project.is_table(parsed, _node(parsed, text)), text
    assert not project.is_table(parsed, _node(parsed, "schema"))


def test_the_merged_table_knows_what_the_dialects_agree_on(tmp_path: Path) -> None:
    project, parsed = _project(tmp_path)
    table = project.schema.table_for_identifier(parsed, _node(parsed, "teams"))
    assert table is not None and table.dialect == "unknown"
    assert [t.dialect for t in table.alternatives] == ["sqlite", "mysql"]
    assert table.name == "team"
    # `note` is nullable in one dialect, NOT NULL in the other: not a column dalfix knows here.
    assert sorted(table.columns) == ["id", "ownerId", "rank", "slug"]
    assert table.columns["slug"].type is None  # text / varchar(64)
    assert table.is_unique_key(["slug"]) and table.is_unique_key(["id"])
    # Every alternative's foreign key, each naming its own dialect's `users`.
    assert {fk.target for fk in table.foreign_keys} == {t.id for t in project.schema.tables if t.ts_name == "users"}
    users = project.schema.table_for_identifier(parsed, _node(parsed, "users"))
    assert users is not None
    assert {source.dialect for source, _ in project.schema.foreign_keys_to(users)} == {"sqlite", "mysql"}
    # A destructuring of a plain object of one dialect's tables is that table, merged from one alternative.
    only = project.schema.table_for_identifier(parsed, _node(parsed, "onlySqlite"))
    assert only is not None and [t.dialect for t in only.alternatives] == ["sqlite"]


def test_a_key_compares_in_js_only_when_every_dialect_compares_it_alike(tmp_path: Path) -> None:
    project, parsed = _project(tmp_path)
    # SQLite text compares exactly; MySQL's default collation ignores case: no JS equality agrees with both.
    assert key_comparison(key_column(project, parsed, _node(parsed, "teams.slug"))) is None
    assert key_comparison(key_column(project, parsed, _node(parsed, "teams.rank"))) == "exact"


def test_dal007_helper_advice_fits_the_dialect() -> None:
    """A max() read cannot be locked with FOR UPDATE on PostgreSQL (0A000 with an aggregate; review6 M1): the
    helper finding's advice on a node-postgres project names an advisory lock instead."""
    from dalfix.rules import rule_by_code
    from dalfix.runner import RunOptions, run

    root = Path(__file__).parent / "fixtures" / "read_then_derived_write" / "helper_max.input"
    result = run([root], RunOptions(rules=[rule_by_code("DAL007")]))
    messages = [f.message for _, f in result.findings]
    assert len(messages) == 2
    for message in messages:
        assert "for('update')" not in message
        assert "pg_advisory_xact_lock" in message and "refuses `FOR UPDATE` with an aggregate" in message


def test_a_unique_set_of_one_dialect_module_makes_a_batched_update_unsafe() -> None:
    """`items.code` is unique in mysql.ts only (review6 R1): on a table chosen at run time MySQL may run the batch,
    whose unique index then rejects the whole chunk where the loop failed part-way: unsafe, as with it everywhere."""
    from dalfix.rules import rule_by_code
    from dalfix.runner import RunOptions, run

    root = Path(__file__).parent / "projects" / "runtime_dialect_unique"
    result = run([root], RunOptions(rules=[rule_by_code("DAL002")], fix_threshold=None))
    (clear,) = [f for _, f in result.findings if "`update`" in f.message]
    assert clear.applicability is not None and clear.applicability.value == "unsafe"
    assert "`items.code` is in a unique constraint" in clear.message


RLS_SCHEMA = """import { pgTable, text } from "drizzle-orm/pg-core";
export const boards = pgTable("boards", { id: text("id").primaryKey() }).enableRLS();
export const lists = pgTable.withRLS("lists", { id: text("id").primaryKey(), boardId: text("board_id") });
export const config = { enableRLS: () => 1 }.enableRLS();
"""
RLS_USE = """import { eq } from "drizzle-orm";
import { boards, lists } from "./schema";
export async function load(conn: any, id: string) {
  const board = await conn.select().from(boards).where(eq(boards.id, id));
  const rows = await conn.select().from(lists).where(eq(lists.boardId, id));
  return { board, rows };
}
"""


def test_a_table_with_row_level_security_is_a_table(tmp_path: Path) -> None:
    # kan declares every table `pgTable(…).enableRLS()`: a receiver dalfix cannot name (`conn: any`) is a handle
    # when a Drizzle chain on it reads one of them, as with a plain `pgTable(…)`.
    (tmp_path / "schema.ts").write_text(RLS_SCHEMA)
    (tmp_path / "use.ts").write_text(RLS_USE)
    project = Project.load(tmp_path)
    for name, table in (("boards", True), ("lists", True), ("config", False)):
        assert project._declares_table(((tmp_path / "schema.ts").resolve(), name)) is table, name
    result = run_fix([tmp_path], rule_by_code("DAL001"))
    assert [f.rule for r in result.files for f in r.findings] == ["DAL001"]
