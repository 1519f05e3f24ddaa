"""The schema model: `dalfix schema` on the example app matches its schema source exactly; fixture schemas
cover each declaration form in pg, sqlite and mysql; what cannot be read is reported."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from dalfix.analysis.project import Project
from dalfix.analysis.schema import SchemaModel, Table, read_schema
from dalfix.parsing import descendants_of_type, parse_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "drizzle-app"
EXPECTED = Path(__file__).parent / "expected" / "drizzle_app_schema.json"
FIXTURES = Path(__file__).parent / "fixtures" / "schema"


def schema_json(run_cli: Callable[..., Result], path: Path) -> dict[str, Any]:
    result = run_cli("schema", path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _ts(table_id: str | None, by_id: dict[str, dict[str, Any]]) -> str | None:
    return by_id[table_id]["ts_name"] if table_id in by_id else None


def facts(data: dict[str, Any]) -> dict[str, Any]:
    """The keys, unique sets, indexes, foreign keys and relations of a `dalfix schema --format json` output,
    in the shape of tests/expected/*.json (tables in source order, everything else as listed)."""
    by_id = {t["id"]: t for t in data["tables"]}
    tables = []
    for t in data["tables"]:
        pk = t["primary_key"]
        tables.append(
            {
                "ts_name": t["ts_name"],
                "name": t["name"],
                "dialect": t["dialect"],
                "primary_key": pk["columns"] if pk else None,
                "uniques": [
                    {k: u[k] for k in ("columns", "kind", "name", "name_derived", "partial")} for u in t["uniques"]
                ],
                "indexes": [{"name": i["name"], "columns": i["columns"], "unique": i["unique"]} for i in t["indexes"]],
                "foreign_keys": [
                    {
                        "columns": f["columns"],
                        "target": _ts(f["target"], by_id),
                        "target_columns": f["target_columns"],
                        "on_delete": f["on_delete"],
                        "on_update": f["on_update"],
                        "name": f["name"],
                        "name_derived": f["name_derived"],
                    }
                    for f in t["foreign_keys"]
                ],
                "columns": [[c["key"], c["name"]] for c in t["columns"]],
            }
        )
    relations = [
        {
            "source": _ts(r["source"], by_id),
            "name": r["name"],
            "kind": r["kind"],
            "target": _ts(r["target"], by_id),
            "fields": r["fields"],
            "references": r["references"],
            "relation_name": r["relation_name"],
        }
        for r in data["relations"]
    ]
    return {"tables": tables, "relations": relations}


def test_example_app_schema_matches_its_source_exactly(run_cli: Callable[..., Result]) -> None:
    data = schema_json(run_cli, EXAMPLE)
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    got = facts(data)
    assert data["unreadable"] == []
    assert [t["ts_name"] for t in got["tables"]] == [t["ts_name"] for t in expected["tables"]]
    for mine, theirs in zip(got["tables"], expected["tables"], strict=True):
        assert mine == theirs, mine["ts_name"]
    assert got["relations"] == expected["relations"]


# ---- fixture schemas: each form, three dialects ---------------------------------------------------------------


def load(name: str) -> SchemaModel:
    root = FIXTURES / name
    return read_schema(Project.load(root), [root])


def table(model: SchemaModel, ts_name: str) -> Table:
    found = [t for t in model.tables if t.ts_name == ts_name]
    assert len(found) == 1, [t.ts_name for t in model.tables]
    return found[0]


def uniques(t: Table) -> set[tuple[Any, ...]]:
    return {
        (u.kind, u.columns, u.expressions, u.name, u.name_derived, u.partial, u.nulls_not_distinct)
        for u in t.unique_sets()
    }


def fks(model: SchemaModel, t: Table) -> set[tuple[Any, ...]]:
    out = set()
    for fk in t.foreign_keys:
        target = model.by_id(fk.target)
        out.add(
            (fk.columns, target.ts_name if target else None, fk.target_columns, fk.on_delete, fk.on_update, fk.name)
        )
    return out


def test_pg_fixture_barrels_creators_schemas_helpers_and_both_column_forms() -> None:
    model = load("pg")
    assert model.unreadable == []
    assert sorted((t.ts_name, t.name, t.schema) for t in model.tables) == [
        ("counters", "blog_counters", None),
        ("postTags", "blog_post_tags", None),
        ("posts", "blog_posts", None),
        ("sessions", "sessions", "auth"),
        ("users", "users", None),
    ]
    assert {t.dialect for t in model.tables} == {"pg"}
    assert model.config_schema == ["./src/db/schema/*.ts"]

    users = table(model, "users")
    assert list(users.columns) == [
        "id", "email", "handle", "role", "balance", "prefs", "deletedAt", "createdAt", "updatedAt"
    ]  # fmt: skip
    col = users.columns
    assert (col["id"].type, col["id"].primary_key, col["id"].not_null, col["id"].default_kind) == (
        "uuid", True, True, "defaultRandom"
    )  # fmt: skip
    assert col["email"].type == "citext" and col["email"].case_insensitive and col["email"].not_null
    assert col["email"].custom and col["email"].js_type is None and not col["handle"].custom
    assert (col["role"].type, col["role"].enum_name, col["role"].enum_values, col["role"].default) == (
        "enum", "role", ("admin", "member"), "'member'"
    )  # fmt: skip
    assert (col["balance"].type, col["balance"].mode, col["balance"].js_type, col["balance"].not_null) == (
        "bigint", "bigint", "bigint", False
    )  # fmt: skip
    assert col["prefs"].ts_type == "Prefs" and col["prefs"].js_type == "json"
    assert (col["createdAt"].name, col["createdAt"].default_kind, col["createdAt"].not_null) == (
        "created_at", "defaultNow", True
    )  # fmt: skip
    assert (col["updatedAt"].mode, col["updatedAt"].js_type, col["updatedAt"].on_update) == (
        "string", "string", "$onUpdate"
    )  # fmt: skip
    assert uniques(users) == {
        ("primary_key", ("id",), (), None, False, False, False),
        ("unique", ("handle",), (), "users_handle_key", False, False, True),
        ("unique_index", (), ("sql`lower(${t.email})`",), "users_email_live", False, True, False),
    }
    live = next(u for u in users.uniques if u.kind == "unique_index")
    assert live.predicate == "sql`${t.deletedAt} is null`"
    assert [(i.name, i.method, i.columns) for i in users.indexes if not i.unique] == [
        ("users_prefs_gin", "gin", ("prefs",))
    ]
    assert users.is_unique_key(["id"]) and users.is_unique_key(["handle", "role"])
    assert not users.is_unique_key(["email"])  # only a partial expression index

    posts = table(model, "posts")
    assert [(c.key, c.name, c.name_source, c.builder) for c in posts.columns.values()] == [
        ("id", "id", "key", "serial"),
        ("authorId", "author_id", "explicit", "uuid"),
        ("slug", "slug", "key", "text"),
        ("title", "title", "explicit", "text"),
    ]
    assert uniques(posts) == {
        ("primary_key", ("id",), (), None, False, False, False),
        ("unique", ("authorId", "slug"), (), "blog_posts_author_id_slug_unique", True, False, False),
        ("unique", ("title",), (), "posts_title_key", False, False, True),
    }
    assert posts.is_unique_key(["authorId", "slug"]) and not posts.is_unique_key(["authorId"])
    assert fks(model, posts) == {
        (("authorId",), "users", ("id",), "no action", "no action", "blog_posts_author_id_users_id_fk")
    }

    tags = table(model, "postTags")
    assert tags.primary_key is not None and tags.primary_key.columns == ("postId", "tag")
    assert (tags.primary_key.name, tags.primary_key.name_derived) == ("blog_post_tags_post_id_tag_pk", True)
    assert fks(model, tags) == {
        (("postId",), "posts", ("id",), "cascade", "no action", "post_tags_post_fk"),
        (
            ("parentPostId", "parentTag"),
            "postTags",
            ("postId", "tag"),
            "no action",
            "no action",
            "blog_post_tags_parent_post_id_parent_tag_blog_post_tags_post_id_tag_fk",
        ),
    }
    assert tags.is_unique_key(["postId", "tag"]) and not tags.is_unique_key(["postId"])

    counters = table(model, "counters")  # `label: shared.label.unique()`: a column from a shared object
    assert (counters.columns["label"].name, counters.columns["label"].not_null) == ("label", True)
    assert counters.is_unique_key(["label"])

    sessions = table(model, "sessions")
    assert fks(model, sessions) == {
        (("userId",), "users", ("id",), "cascade", "restrict", "sessions_user_id_users_id_fk")
    }
    assert model.complete and model.table_by_ts_name("users") is users and model.table_by_ts_name("x") is None
    # the expression index on lower(email) where deleted_at is null: writing email or deletedAt can collide
    assert users.unique_columns() == {"id", "handle", "email", "deletedAt"} and users.foreign_key_columns() == set()
    live_index = next(u for u in users.uniques if u.name == "users_email_live")
    assert users.unique_set_a_write_can_violate("deletedAt", null=True) is live_index  # back into the predicate
    assert users.unique_set_a_write_can_violate("handle", null=True) is not None  # nulls not distinct
    assert users.unique_set_a_write_can_violate("role") is None
    assert tags.unique_columns() == {"postId", "tag"}
    assert tags.foreign_key_columns() == {"postId", "parentPostId", "parentTag"}
    assert {(t.ts_name, fk.columns) for t, fk in model.foreign_keys_to(users)} == {
        ("posts", ("authorId",)),
        ("sessions", ("userId",)),
    }
    assert {(r.source.rsplit(":")[-1], r.name, r.kind, r.relation_name) for r in model.relations} == {
        ("users", "posts", "many", "author"),
        ("posts", "author", "one", "author"),
        ("posts", "tags", "many", None),
    }
    author = next(r for r in model.relations if r.name == "author")
    assert (author.fields, author.references, model.by_id(author.target)) == (("authorId",), ("id",), users)


def test_a_single_schema_file_pulls_in_the_tables_it_references() -> None:
    root = FIXTURES / "pg"
    model = read_schema(Project.load(root), [root / "src" / "db" / "schema" / "posts.ts"])
    # users.ts is read because posts references it, and drizzle.config's glob names every schema file
    assert {t.ts_name for t in model.tables} == {"posts", "postTags", "counters", "users", "sessions"}
    assert model.by_id(table(model, "posts").foreign_keys[0].target) is table(model, "users")


def test_star_reexports_of_a_schema_file_are_schema_too(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "root", "private": true, "workspaces": ["packages/*"]}')
    for name in ("db", "core"):
        (tmp_path / "packages" / name / "src").mkdir(parents=True)
        (tmp_path / "packages" / name / "package.json").write_text(
            json.dumps({"name": f"@x/{name}", "exports": {".": "./src/index.ts"}})
        )
    (tmp_path / "packages/core/src/index.ts").write_text(
        "import { sqliteTable, text } from 'drizzle-orm/sqlite-core';\n"
        "export const hosts = sqliteTable('host', { name: text('name').primaryKey() });\n"
    )
    (tmp_path / "packages/db/src/index.ts").write_text(
        "import { sqliteTable, text } from 'drizzle-orm/sqlite-core';\n"
        "export * from '@x/core';\n"
        "export const users = sqliteTable('user', { id: text('id').primaryKey() });\n"
    )
    project = Project.load(tmp_path)
    model = read_schema(project, [tmp_path / "packages" / "db"])
    assert sorted((t.ts_name, t.name) for t in model.tables) == [("hosts", "host"), ("users", "user")]


def test_table_for_identifier_follows_imports_barrels_and_namespaces_and_respects_shadowing() -> None:
    root = FIXTURES / "pg"
    project = Project.load(root)
    model = read_schema(project, [root])
    path = root / "src" / "queries.ts"
    parsed = parse_file(path, path.read_bytes())
    members = {parsed.text(m): m for m in descendants_of_type(parsed.root, "member_expression")}
    idents = [n for n in descendants_of_type(parsed.root, "identifier") if parsed.text(n) == "people"]

    users, posts = table(model, "users"), table(model, "posts")
    assert model.table_for_identifier(parsed, idents[1]) is users  # `from(people)`: an aliased import via a barrel
    assert model.table_for_identifier(parsed, members["schema.posts"]) is posts  # namespace import of the barrel
    assert model.column_of(parsed, members["people.email"]) == (users, users.columns["email"])
    assert model.column_of(parsed, members["posts.id"]) == (posts, posts.columns["id"])
    shadowed = [n for n in idents if n.parent is not None and n.parent.type == "member_expression"][-1]
    assert parsed.text(shadowed.parent) == "people.map"
    assert model.table_for_identifier(parsed, shadowed) is None  # the parameter, not the table
    assert model.column_of(parsed, members["u.id"]) is None


def test_sqlite_fixture_object_form_modes_and_define_relations() -> None:
    model = load("sqlite")
    assert model.unreadable == []
    assert [(t.ts_name, t.name, t.dialect) for t in model.tables] == [
        ("accounts", "accounts", "sqlite"),
        ("memberships", "memberships", "sqlite"),
        ("groups", "groups", "sqlite"),
        ("tags", "tags", "sqlite"),  # sqliteTableCreator((name) => name)
    ]
    accounts = table(model, "accounts")
    col = accounts.columns
    assert (col["id"].js_type, col["isAdmin"].js_type, col["createdAt"].js_type) == ("number", "boolean", "Date")
    assert (col["settings"].js_type, col["avatar"].js_type, col["big"].js_type) == ("json", "buffer", "bigint")
    assert uniques(accounts) == {
        ("primary_key", ("id",), (), None, False, False, False),
        ("unique", ("email",), (), "accounts_email_unique", True, False, False),
        ("unique_index", (), ("sql`json_extract(settings, '$.a')`",), "accounts_settings_a", False, False, False),
    }
    assert accounts.unique_columns() == {"id", "email", "settings"}  # the SQL name inside the expression
    assert not accounts.is_unique_key(["settings"])
    memberships = table(model, "memberships")
    assert uniques(memberships) == {
        ("primary_key", ("accountId", "groupId"), (), "memberships_account_id_group_id_pk", True, False, False),
        ("unique_index", ("groupId", "nickname"), (), "memberships_nickname_idx", False, False, False),
    }
    assert [(i.name, i.columns, i.unique) for i in memberships.indexes] == [
        ("memberships_nickname_idx", ("groupId", "nickname"), True),
        ("memberships_group_idx", ("groupId",), False),
    ]
    assert fks(model, memberships) == {
        (("accountId",), "accounts", ("id",), "restrict", "no action", "memberships_account_id_accounts_id_fk")
    }
    got = {
        (model.by_id(r.source).ts_name, r.name, r.kind, model.by_id(r.target).ts_name, r.fields, r.references,
         model.by_id(r.through).ts_name if r.through else None, r.optional, r.api)  # type: ignore[union-attr]
        for r in model.relations
    }  # fmt: skip
    assert got == {
        ("accounts", "memberships", "many", "memberships", (), (), None, None, "defineRelations"),
        ("accounts", "groups", "many", "groups", ("id",), ("id",), "memberships", None, "defineRelations"),
        ("memberships", "account", "one", "accounts", ("accountId",), ("id",), None, False, "defineRelations"),
    }


def test_mysql_fixture_creator_concatenation_schema_casing_and_unnamed_columns() -> None:
    model = load("mysql")
    assert model.unreadable == []
    assert model.casing == "snake_case"
    assert [(t.ts_name, t.name, t.schema, t.dialect) for t in model.tables] == [
        ("customers", "shop_customers", None, "mysql"),
        ("orders", "shop_orders", None, "mysql"),
        ("oldOrders", "old_orders", "archive", "mysql"),
        ("events", "events", None, "singlestore"),
    ]
    events = table(model, "events")
    assert events.columns["id"].js_type == "bigint" and events.is_unique_key(["kind", "id"])
    customers = table(model, "customers")
    assert [(c.key, c.name, c.name_source) for c in customers.columns.values()] == [
        ("id", "id", "casing"),
        ("emailAddress", "email_address", "casing"),
        ("tier", "tier", "casing"),
        ("externalId", "external_id", "explicit"),
        ("signedUpAt", "signed_up_at", "casing"),
    ]
    assert customers.columns["tier"].enum_values == ("free", "pro")
    assert customers.columns["externalId"].js_type == "string"
    assert customers.is_unique_key(["emailAddress"])
    orders = table(model, "orders")
    assert orders.columns["id"].default_kind == "autoincrement"
    assert orders.columns["customerId"].js_type == "number"
    assert fks(model, orders) == {
        (("customerId",), "customers", ("id",), "cascade", "cascade", "shop_orders_customer_id_shop_customers_id_fk")
    }
    old = table(model, "oldOrders")
    assert old.primary_key is not None
    assert (old.primary_key.columns, old.primary_key.name, old.primary_key.name_derived) == (
        ("orderId", "line"), "old_orders_pk", False
    )  # fmt: skip
    assert {(r.name, r.kind, r.fields, r.references) for r in model.relations} == {
        ("orders", "many", (), ()),
        ("customer", "one", ("customerId",), ("id",)),
    }


def test_what_cannot_be_read_is_listed_with_a_reason(run_cli: Callable[..., Result]) -> None:
    model = load("unreadable")
    reasons = {(u.line, u.reason.split(":")[0]) for u in model.unreadable}
    assert reasons == {
        (9, "built inside a function or expression"),
        (9, "the SQL name is not a string literal"),
        (18, "computed key"),
        (19, "a spread dalfix could not follow to an object literal"),
        (20, "not a drizzle column builder dalfix could follow"),
        (21, "the referenced column could not be resolved"),
        (23, "pgPolicy() is not modelled"),
        (26, "the table creator's prefix is not computable"),
    }
    things = table(model, "things")
    assert list(things.columns) == ["id", "ownerId"]  # the unreadable ones are listed, not guessed
    assert things.foreign_keys[0].target is None
    assert not model.complete
    assert table(model, "prefixed").name is None
    data = schema_json(run_cli, FIXTURES / "unreadable")
    assert len(data["unreadable"]) == 8 and all(u["file"] == "schema.ts" for u in data["unreadable"])
    text = run_cli("schema", FIXTURES / "unreadable").stdout
    assert "8 not read" in text and "pgPolicy() is not modelled" in text


def test_casing_that_is_not_a_literal_makes_unnamed_columns_unknown(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    (tmp_path / "db.ts").write_text(
        "import { drizzle } from 'drizzle-orm/node-postgres';\n"
        "export const db = drizzle(process.env.URL!, { casing: process.env.CASING as any });\n"
    )
    (tmp_path / "schema.ts").write_text(
        "import { pgTable, text } from 'drizzle-orm/pg-core';\n"
        "export const t = pgTable('t', { fullName: text(), nick: text('nick') });\n"
    )
    model = read_schema(Project.load(tmp_path), [tmp_path])
    cols = table(model, "t").columns
    assert (cols["fullName"].name, cols["fullName"].name_source) == (None, "unknown")
    assert (cols["nick"].name, cols["nick"].name_source) == ("nick", "explicit")
    assert model.casing is None and model.casing_note is not None


def test_project_schema_is_read_once(tmp_path: Path) -> None:
    project = Project.load(FIXTURES / "mysql")
    assert project.schema is project.schema
    assert [t.ts_name for t in project.schema.tables] == ["customers", "orders", "oldOrders", "events"]


def test_schema_command_on_a_missing_path_fails_clearly(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    result = run_cli("schema", tmp_path / "nope")
    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr


def _write_project(root: Path, files: dict[str, str]) -> Project:
    (root / "package.json").write_text('{"name": "x"}')
    for name, text in files.items():
        (root / name).write_text(text)
    return Project.load(root)


def test_a_syntax_error_near_a_table_is_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    project = _write_project(
        tmp_path,
        {
            "schema.ts": "import { integer, pgTable, text } from 'drizzle-orm/pg-core';\n"
            "export const a = pgTable('a', { id: integer('id').primaryKey() });\n"
            "export const b = pgTable('b', { id: integer('id').primaryKey(), x: text('x').notNull( });\n"
        },
    )
    model = read_schema(project, [tmp_path])
    assert table(model, "a").primary_key is not None
    assert {u.line for u in model.unreadable} == {3}
    assert "a syntax error in or around it: read as far as it parses" in {u.reason for u in model.unreadable}
    assert not model.complete


def test_an_internal_error_on_one_table_keeps_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dalfix.analysis.schema.reader import SchemaReader

    project = _write_project(
        tmp_path,
        {
            "schema.ts": "import { integer, pgTable } from 'drizzle-orm/pg-core';\n"
            "export const a = pgTable('a', { id: integer('id').primaryKey() });\n"
            "export const b = pgTable('b', { boom: integer('boom') });\n"
        },
    )
    original = SchemaReader._read_column

    def failing(self, ctx, key, expr):  # type: ignore[no-untyped-def]
        if key == "boom":
            raise RuntimeError("simulated")
        return original(self, ctx, key, expr)

    monkeypatch.setattr(SchemaReader, "_read_column", failing)
    model = read_schema(project, [tmp_path])
    assert table(model, "a").is_unique_key(["id"])
    assert [(u.line, u.reason) for u in model.unreadable] == [(3, "internal error: RuntimeError: simulated")]


def test_local_bindings_shadow_the_imported_table(tmp_path: Path) -> None:
    project = _write_project(
        tmp_path,
        {
            "schema.ts": "import { integer, pgTable } from 'drizzle-orm/pg-core';\n"
            "export const users = pgTable('users', { id: integer('id').primaryKey() });\n",
            "code.ts": "import { users } from './schema';\n"
            "export function a() { return users.id; }\n"
            "export function b() { const users = { id: 1 }; return users.id; }\n"
            "export function c(rows: any[]) { for (const users of rows) { use(users.id); } }\n"
            "export function d() { try { x(); } catch (users) { use(users.id); } }\n"
            "export const e = ({ users }: any) => users.id;\n"
            "export function f() { { let users = 1; } return users.id; }\n",
        },
    )
    model = read_schema(project, [tmp_path])
    path = tmp_path / "code.ts"
    parsed = parse_file(path, path.read_bytes())
    found = [
        model.column_of(parsed, m) is not None
        for m in descendants_of_type(parsed.root, "member_expression")
        if parsed.text(m) == "users.id"
    ]
    assert found == [True, False, False, False, False, True]


def test_delete_blockers_follow_cascades_and_set_null_on_not_null_columns(tmp_path: Path) -> None:
    project = _write_project(
        tmp_path,
        {
            "schema.ts": "import { integer, pgTable } from 'drizzle-orm/pg-core';\n"
            "export const parents = pgTable('parents', { id: integer('id').primaryKey() });\n"
            "export const children = pgTable('children', { id: integer('id').primaryKey(),\n"
            "  parentId: integer('parent_id').references(() => parents.id, { onDelete: 'cascade' }) });\n"
            "export const grandchildren = pgTable('grandchildren', { id: integer('id').primaryKey(),\n"
            "  childId: integer('child_id').references(() => children.id) });\n"
            "export const notes = pgTable('notes', {\n"
            "  parentId: integer('parent_id').notNull().references(() => parents.id, { onDelete: 'set null' }) });\n"
            "export const tags = pgTable('tags', {\n"
            "  parentId: integer('parent_id').references(() => parents.id, { onDelete: 'set null' }) });\n"
            "export const logs = pgTable('logs', {\n"
            "  parentId: integer('parent_id').references(() => parents.id, { onDelete: 'set default' }) });\n"
        },
    )
    model = read_schema(project, [tmp_path])
    got = {(t.ts_name, fk.columns, why) for t, fk, why in model.delete_blockers(table(model, "parents"))}
    assert got == {
        ("grandchildren", ("childId",), "no action on `children`, deleted by the cascade from `parents`"),
        ("notes", ("parentId",), "set null on a NOT NULL column"),
        ("logs", ("parentId",), "set default"),
    }
    assert model.delete_blockers(table(model, "grandchildren")) == []


def test_tables_of_test_code_are_not_schema_but_those_of_scripts_are(tmp_path: Path) -> None:
    # One classifier of test code for the rules and the schema reader (dalfix/analysis/setup_code.py): fixtures
    # and mocks build throwaway tables; a script or a seed may declare tables the application uses.
    table = (
        "import {{ pgTable, text }} from 'drizzle-orm/pg-core';\n"
        "export const {0} = pgTable('{0}', {{ id: text('id') }});\n"
    )
    files = {
        "src/schema.ts": table.format("users"),
        "src/__fixtures__/tables.ts": table.format("fixture_rows"),
        "src/orders.mock.ts": table.format("mock_orders"),
        "src/users.test.ts": table.format("test_users"),
        "scripts/legacy.ts": table.format("legacy"),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "package.json").write_text('{"name": "app"}')
    model = read_schema(Project.load(tmp_path), [tmp_path])
    assert sorted(t.name for t in model.tables) == ["legacy", "users"]
