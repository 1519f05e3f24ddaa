"""DAL010's analysis: query sites, the index plan, `dalfix indexes`, and EXPLAIN on a real PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dalfix.analysis.explain import explain_proposal, psql, representative_sql, summarize
from dalfix.analysis.index_plan import MAX_INDEXES_PER_TABLE, PG_IDENTIFIER_BYTES, IndexPlan, index_name, index_plan
from dalfix.analysis.project import Project
from dalfix.analysis.query_sites import application_files, query_sites

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "examples" / "drizzle-app"

HEADER = """import { and, asc, desc, eq, gte, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { index, integer, pgTable, serial, text, timestamp, boolean } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);
"""


def plan_for(root: Path) -> tuple[Project, IndexPlan]:
    project = Project.load(root)
    project.prepare({p.path: p for p in application_files(project)})
    return project, index_plan(project)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def app_plan() -> tuple[Project, IndexPlan]:
    return plan_for(APP)


def proposed(plan: IndexPlan) -> set[tuple[str | None, tuple[str, ...]]]:
    return {(p.table.name, p.columns) for p in plan.proposals}


def test_example_app_plan_has_the_seed_audits_indexes(app_plan) -> None:
    _, plan = app_plan
    found = proposed(plan)
    # Seed 003's foreign-key list, as far as the app's queries use them; a paged list as (filter, order).
    for wanted in [
        ("events", ("userId",)),
        ("events", ("serverId",)),
        ("workflows", ("userId",)),
        ("workflow_nodes", ("workflowId",)),
        ("workflow_connections", ("workflowId",)),
        ("workflow_events", ("workflowId",)),
        ("workflow_events", ("eventId",)),
        ("event_servers", ("serverId",)),
        ("logs", ("eventId", "startTime")),
        ("env_vars", ("eventId",)),
    ]:
        assert wanted in found, wanted
    # Seed 004's `projects(id, user_id)` is implied by the primary key: never proposed; nor anything on a table
    # only read by its primary key or already served.
    assert not any(table == "projects" and columns[:1] == ("id",) for table, columns in found)
    assert not any(table in ("users", "tools", "subscription_plans") for table, _ in found)


def test_no_proposal_is_implied_by_the_schema(app_plan) -> None:
    _, plan = app_plan
    for proposal in plan.proposals:
        table = proposal.table
        existing = [i.parts for i in table.indexes] + [u.columns for u in table.unique_sets()]
        for parts in existing:
            assert tuple(parts[: len(proposal.columns)]) != proposal.columns, (proposal.name, parts)
        assert len(proposal.name.encode()) <= PG_IDENTIFIER_BYTES


def test_no_table_ends_with_more_indexes_than_the_cap(app_plan) -> None:
    _, plan = app_plan
    tables = {p.table.id: p.table for p in plan.proposals}
    for table in tables.values():
        existing = len(table.indexes) + len([u for u in table.uniques if u.kind != "unique_index"])
        assert existing + len(plan.for_table(table)) <= MAX_INDEXES_PER_TABLE, table.name
    capped = [s for s in plan.skipped if "more than" in s.reason]
    assert capped and all(s.sites for s in capped)


ITEMS_SCHEMA = """
export const items = pgTable("items", {
  id: serial("id").primaryKey(),
  code: text("code").notNull(),
  owner: integer("owner").notNull(),
});
"""

ITEMS_DAL = """import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { items } from "./schema";

const db = drizzle(process.env.DATABASE_URL!);

export async function byCodes(codes: string[]) {
  for (const code of codes) {
    await db.select().from(items).where(eq(items.code, code));
  }
}

export async function byOwner(owner: number) {
  return db.select().from(items).where(eq(items.owner, owner));
}

export async function a() { return byOwner(1); }
export async function b() { return byOwner(2); }
"""


def test_weights_loops_and_helpers(tmp_path: Path) -> None:
    write(tmp_path, {"schema.ts": HEADER + ITEMS_SCHEMA, "dal.ts": ITEMS_DAL})
    project, plan = plan_for(tmp_path)
    sites = {tuple(s.lookup): s for s in query_sites(project)}
    assert sites[("code",)].weight == 10 and sites[("code",)].weight_reasons == ("in a loop",)
    owner = sites[("owner",)]
    assert owner.weight == 2 and "byOwner() called from 2 places" in owner.weight_reasons[0]
    benefits = {p.columns: p.benefit for p in plan.proposals}
    assert benefits == {("code",): "high", ("owner",): "medium"}


def test_cap_is_a_count_of_the_schema_and_stable(tmp_path: Path) -> None:
    last = MAX_INDEXES_PER_TABLE
    indexes = ", ".join(f'index("i{n}").on(t.c{n})' for n in range(last))
    columns = ", ".join(f'c{n}: integer("c{n}")' for n in range(last + 1))
    table = f'export const wide = pgTable("wide", {{ id: serial("id").primaryKey(), {columns} }}, (t) => [{indexes}]);'
    query = f"export const byLast = (v: number) => db.select().from(wide).where(eq(wide.c{last}, v));"
    write(tmp_path, {"schema.ts": f"{HEADER}{table}\n{query}\n"})
    _, plan = plan_for(tmp_path)
    assert plan.proposals == []
    assert len(plan.skipped) == 1 and f"more than {MAX_INDEXES_PER_TABLE} indexes" in plan.skipped[0].reason


def test_index_names_fit_postgres_identifiers(app_plan) -> None:
    project, _ = app_plan
    table = next(t for t in project.schema.tables if t.name == "tool_settings_templates")
    name = index_name(table, ("toolId", "userId", "isDefault", "createdAt", "updatedAt"))
    assert len(name.encode()) <= PG_IDENTIFIER_BYTES and name.endswith("_idx")
    assert name != index_name(table, ("toolId", "userId", "isDefault", "createdAt", "usageCount"))


def test_representative_query_of_a_foreign_key_only_deletes_check(app_plan) -> None:
    _, plan = app_plan
    # named as the example app names its 20 indexes: `idx_<table>_<cols>`
    proposal = next(p for p in plan.proposals if p.name == "idx_workflow_connections_source_node_id")
    assert proposal.representative is None  # no query filters on it: a delete of workflow_nodes does
    sql = representative_sql(proposal, {"sourceNodeId": "7"})
    assert sql == 'SELECT 1 FROM ONLY "workflow_connections" x WHERE x."source_node_id" = \'7\' FOR KEY SHARE OF x'
    paged = next(p for p in plan.proposals if p.name == "idx_logs_event_id_start_time")
    assert representative_sql(paged, {"eventId": "3", "startTime": "x"}) == (
        'SELECT * FROM "logs" WHERE "event_id" = \'3\' ORDER BY "start_time" DESC LIMIT 20'
    )


def test_summarize_reads_scans_sorts_and_cost(app_plan) -> None:
    project, _ = app_plan
    logs = next(t for t in project.schema.tables if t.name == "logs")
    plan = [
        {
            "Plan": {
                "Node Type": "Limit",
                "Total Cost": 2789.5,
                "Plans": [{"Node Type": "Sort", "Plans": [{"Node Type": "Seq Scan", "Relation Name": "logs"}]}],
            },
            "Execution Time": 12.5,
        }
    ]
    summary = summarize(json.dumps(plan), logs)
    assert summary.scans == ["Seq Scan on logs"] and summary.sorts and summary.time_ms == 12.5
    assert summary.text == "Seq Scan on logs + Sort (cost 2789.5, 12.50 ms)"


def test_cli_prints_the_plan(tmp_path: Path) -> None:
    case = ROOT / "tests" / "fixtures" / "missing_index" / "schema_in_another_file.input"
    shutil.copytree(case, tmp_path / "app")
    run = [sys.executable, "-m", "dalfix", "indexes"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    text = subprocess.run([*run, str(tmp_path / "app")], capture_output=True, text=True, env=env, check=True).stdout
    assert "orders_customer_email_placed_at_idx" in text and "high" in text and "src/dal/orders.ts:" in text
    assert "tests/orders.test.ts" not in text  # queries in tests ask for nothing
    document = json.loads(
        subprocess.run(
            [*run, str(tmp_path / "app"), "--format", "json"], capture_output=True, text=True, env=env, check=True
        ).stdout
    )
    assert [p["index"] for p in document["proposals"]] == [
        "orders_customer_email_placed_at_idx",
        "orders_shop_id_placed_at_idx",
    ]
    missing = subprocess.run([*run, str(tmp_path / "nope")], capture_output=True, text=True, env=env)
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr


@pytest.mark.skipif(not os.environ.get("DATABASE_URL") or not shutil.which("psql"), reason="no PostgreSQL")
def test_explain_on_postgres_before_and_after_in_a_rolled_back_transaction(tmp_path: Path) -> None:
    url = os.environ["DATABASE_URL"]
    schema = f"dalfix_explain_{os.getpid()}"
    source = f"""const s = pgSchema("{schema}");
export const visits = s.table("visits", {{ id: serial("id").primaryKey(), page: integer("page").notNull() }});
export const visitsOf = (page: number) => db.select().from(visits).where(eq(visits.page, page));
"""
    write(tmp_path, {"schema.ts": HEADER.replace("pgTable, ", "pgTable, pgSchema, ") + source})
    _, plan = plan_for(tmp_path)
    (proposal,) = plan.proposals
    table = f"{schema}.visits"
    psql(
        url,
        f"CREATE SCHEMA {schema}; CREATE TABLE {table} (id serial primary key, page integer not null);"
        f"INSERT INTO {table} (page) SELECT g % 5000 FROM generate_series(1, 50000) g; ANALYZE {table};",
    )
    try:
        result = explain_proposal(url, proposal)
        assert result.error is None, result.error
        assert result.before is not None and result.before.scans == ["Seq Scan on visits"]
        assert result.uses_index and result.after is not None and result.after.cost < result.before.cost
        query = f"SELECT count(*) FROM pg_indexes WHERE schemaname = '{schema}' AND indexname = '{proposal.name}';"
        left = psql(url, query)
        assert left.strip() == "0"  # rolled back
    finally:
        psql(url, f"DROP SCHEMA {schema} CASCADE;")


def test_sql_indexes_read_migrations(tmp_path: Path) -> None:
    from dalfix.analysis.schema.sql_indexes import sql_indexes

    write(
        tmp_path,
        {
            "drizzle/0000_init.sql": 'CREATE INDEX "logs_event_idx" ON "logs" USING btree ("event_id","start_time" DESC);\n'  # noqa: E501
            'CREATE INDEX "logs_lower_idx" ON "public"."logs" (lower("name"), "id");\n'
            "CREATE UNIQUE INDEX IF NOT EXISTS `users_email` ON `users` (`email`);\n"
            'CREATE INDEX "gone_idx" ON "logs" ("id");\n',
            "drizzle/0001_drop.sql": 'DROP INDEX IF EXISTS "gone_idx";\n',
            "src/migrate.ts": 'sql`CREATE INDEX IF NOT EXISTS "m_idx" ON "logs" ("user_id")`;\n'
            'const down = sql`DROP INDEX "m_idx"`;\n'
            "sql`CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(id)`;\n",
            "src/migrate.test.ts": 'sql`CREATE INDEX "test_only_idx" ON "logs" ("x")`;\n',
            "node_modules/pkg/index.js": 'sql`CREATE INDEX "dep_idx" ON "logs" ("y")`;\n',
        },
    )  # fmt: skip
    facts = sql_indexes(tmp_path)
    found = {i.name: (i.table, i.columns, i.unique, i.method) for i in facts.indexes}
    assert found == {
        "logs_event_idx": ("logs", ("event_id", "start_time"), False, "btree"),
        "users_email": ("users", ("email",), True, None),
        "m_idx": ("logs", ("user_id",), False, None),  # a TS migration's drop is its `down` step: not followed
    }  # the expression-led index has no plain leading column; gone_idx was dropped by a later .sql migration
    assert facts.virtual_tables == {"docs_fts"}


NARROW = """
export const integrations = pgTable("integrations", {
  id: serial("id").primaryKey(),
  orgId: integer("org_id").notNull(),
  provider: text("provider", { enum: ["s3", "drive"] }).notNull(),
  active: boolean("active").notNull(),
  updatedAt: timestamp("updated_at").notNull(),
});

export async function current(orgId: number) {
  return db
    .select()
    .from(integrations)
    .where(and(eq(integrations.orgId, orgId), eq(integrations.provider, "drive"), eq(integrations.active, true)))
    .orderBy(desc(integrations.updatedAt))
    .limit(1);
}
"""


def test_low_selectivity_columns_stay_out_of_a_selective_index(tmp_path: Path) -> None:
    write(tmp_path, {"schema.ts": HEADER + NARROW})
    _, plan = plan_for(tmp_path)
    assert [(p.name, p.columns) for p in plan.proposals] == [
        ("integrations_org_id_updated_at_idx", ("orgId", "updatedAt"))
    ]


# Cap's s3_buckets and storage_integrations (review3 I1): the query's boolean / literal equality columns may sit
# in an existing index before the ordering column; an index that already finds the rows by every selective
# column only lacks the order (a second index with the same lead would only save sorting a few rows).
BUCKETS = """
const googleDrive = "googleDrive";

export const buckets = pgTable(
  "buckets",
  {
    id: serial("id").primaryKey(),
    orgId: integer("org_id"),
    ownerId: integer("owner_id").notNull(),
    provider: text("provider").notNull(),
    active: boolean("active").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [
    index("org_active_idx").on(t.orgId, t.active, t.updatedAt),
    index("owner_org_idx").on(t.ownerId, t.orgId),
    index("org_provider_idx").on(t.orgId, t.provider),
  ],
);

export async function orgBucket(orgId: number) {
  return db.select().from(buckets).where(and(eq(buckets.orgId, orgId), eq(buckets.active, true)))
    .orderBy(desc(buckets.updatedAt)).limit(1);
}

export async function ownerBucket(ownerId: number) {
  return db.select().from(buckets).where(and(eq(buckets.ownerId, ownerId), eq(buckets.active, true)))
    .orderBy(desc(buckets.updatedAt)).limit(1);
}

export async function orgDrive(orgId: number) {
  return db.select().from(buckets)
    .where(and(eq(buckets.orgId, orgId), eq(buckets.provider, googleDrive), eq(buckets.active, true)))
    .orderBy(desc(buckets.updatedAt)).limit(1);
}
"""


def test_an_index_holding_the_compared_boolean_before_the_order_serves_the_page(tmp_path: Path) -> None:
    write(tmp_path, {"schema.ts": HEADER + BUCKETS})
    _, plan = plan_for(tmp_path)
    assert plan.proposals == []
    # orgBucket: org_active_idx serves it outright; ownerBucket: owner_org_idx finds the rows, only the order is
    # missing (listed as left out, with the index named); orgDrive: `googleDrive` is a module constant (a
    # literal), org_provider_idx finds the rows.
    reasons = {(s.table.name, s.columns): s.reason for s in plan.skipped}
    assert set(reasons) == {("buckets", ("ownerId", "updatedAt"))}
    assert "`owner_org_idx` already finds the rows by ownerId" in reasons[("buckets", ("ownerId", "updatedAt"))]


def test_a_paged_list_an_index_only_partly_narrows_is_still_proposed(tmp_path: Path) -> None:
    # Look-alikes: the existing index holds only some selective columns (a tenant scope), it is a prefix the new
    # index replaces, or it holds the ordering column further on (many rows per key expected): all proposed.
    schema = """
export const messages = pgTable(
  "messages",
  {
    id: serial("id").primaryKey(),
    tenantId: integer("tenant_id").notNull(),
    conversationId: integer("conversation_id").notNull(),
    authorId: integer("author_id").notNull(),
    kind: integer("kind").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    index("messages_tenant_idx").on(t.tenantId),
    index("messages_author_idx").on(t.authorId),
    index("messages_kind_author_created_idx").on(t.kind, t.authorId, t.createdAt),
  ],
);

export async function byKind(kind: number) {
  return db.select().from(messages).where(eq(messages.kind, kind)).orderBy(desc(messages.createdAt)).limit(20);
}

export async function page(tenantId: number, conversationId: number) {
  return db.select().from(messages)
    .where(and(eq(messages.tenantId, tenantId), eq(messages.conversationId, conversationId)))
    .orderBy(desc(messages.createdAt)).limit(20);
}

export async function byAuthor(authorId: number) {
  return db.select().from(messages).where(eq(messages.authorId, authorId)).orderBy(desc(messages.createdAt)).limit(20);
}
"""
    write(tmp_path, {"schema.ts": HEADER + schema})
    _, plan = plan_for(tmp_path)
    found = {p.columns: p for p in plan.proposals}
    assert set(found) == {("tenantId", "conversationId", "createdAt"), ("authorId", "createdAt")}
    # The third proposal is left out only by the cap of indexes per table (three exist), not as already served.
    [capped] = plan.skipped
    assert capped.columns == ("kind", "createdAt") and "more than 5 indexes" in capped.reason
    assert found[("authorId", "createdAt")].replaces == "messages_author_idx"
    assert found[("tenantId", "conversationId", "createdAt")].replaces == "messages_tenant_idx"


SCOPED = """
const SCOPE_KEYS = { project: ["tenantId", "projectId"] } as const;

function projectScopedWhere(table: any, scopes: Record<string, string>) {
  return and(...SCOPE_KEYS.project.map((key) => eq(table[key], scopes[key])));
}

export const agents = pgTable(
  "agent",
  {
    tenantId: text("tenant_id").notNull(),
    projectId: text("project_id").notNull(),
    id: text("id").notNull(),
    defaultSubAgentId: text("default_sub_agent_id"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.projectId, t.id] })],
);

export async function usingAsDefault(scopes: Record<string, string>, agentId: string, subAgentId: string) {
  return db.select().from(agents)
    .where(and(projectScopedWhere(agents, scopes), eq(agents.id, agentId), eq(agents.defaultSubAgentId, subAgentId)))
    .limit(1);
}

export async function byDefault(subAgentId: string) {
  return db.select().from(agents).where(eq(agents.defaultSubAgentId, subAgentId));
}
"""


def test_a_scope_helper_and_the_key_s_last_column_are_served_by_the_primary_key(tmp_path: Path) -> None:
    # agents (review3 I2): the helper may compare the key's leading columns; `id` completes the primary key, so
    # the extra `eq(defaultSubAgentId)` filters at most one row. The same column alone (no helper) needs an index.
    header = HEADER.replace("timestamp, boolean", "timestamp, boolean, primaryKey")
    write(tmp_path, {"schema.ts": header + SCOPED})
    _, plan = plan_for(tmp_path)
    assert [(p.columns, [s.line for s in p.sites]) for p in plan.proposals] == [(("defaultSubAgentId",), [31])]


LATER_WHERE = """
export const integrations = pgTable(
  "integrations",
  {
    id: serial("id").primaryKey(),
    orgId: integer("org_id").notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [index("integrations_org_idx").on(t.orgId)],
);

export async function list(orgId?: number) {
  const conditions = [];
  if (orgId) conditions.push(eq(integrations.orgId, orgId));
  const query = db.select().from(integrations).orderBy(desc(integrations.createdAt)).limit(100);
  if (conditions.length > 0) {
    query.where(and(...conditions));
  }
  return await query;
}

export async function listFor(orgId: number) {
  const query = db.select().from(integrations).orderBy(desc(integrations.createdAt)).limit(100).$dynamic();
  return await query.where(eq(integrations.orgId, orgId));
}

export async function everything() {
  const query = db.select().from(integrations).orderBy(desc(integrations.createdAt)).limit(100);
  return await query;
}
"""


def test_a_where_applied_to_the_builder_later_is_followed(tmp_path: Path) -> None:
    # buster (review3 I3): `query.where(and(...conditions))` after the builder was made. Its conditions are built
    # at run time (left out); a later `.where(eq(...))` is read; an unfiltered page still gets its index.
    write(tmp_path, {"schema.ts": HEADER + LATER_WHERE})
    _, plan = plan_for(tmp_path)
    sites = {s.line: s for s in plan.sites}
    assert sites[20].dynamic and sites[20].lookup == []
    assert sites[28].lookup == ["orgId"] and not sites[28].dynamic
    found = {(p.columns, p.replaces): sorted(s.line for s in p.sites) for p in plan.proposals}
    assert found == {(("orgId", "createdAt"), "integrations_org_idx"): [28], (("createdAt",), None): [33]}


def test_hand_written_migrations_get_the_create_index_statement(tmp_path: Path) -> None:
    # papra (review3 P2): no table declares an index, a hand-written migration creates them: the finding gives the
    # statement for a new migration (display-only) and `dalfix indexes` says so; never `drizzle-kit generate`.
    case = ROOT / "tests" / "fixtures" / "missing_index" / "hand_written_migrations.input"
    shutil.copytree(case, tmp_path / "app")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    check = [sys.executable, "-m", "dalfix", "check", "--preview", "--select", "DAL010", "--no-cache"]
    app = str(tmp_path / "app")
    result = subprocess.run([*check, "--format", "json", app], capture_output=True, text=True, env=env)
    findings = json.loads(result.stdout)["findings"]
    assert {(f["applicability"], bool(f["edits"])) for f in findings} == {("display-only", False)}
    [schema] = [f for f in findings if f["path"].endswith("tables.ts")]
    assert schema["fix_title"] == "Add the CREATE INDEX statement in a new SQL migration"
    assert (
        # named as the project names its own indexes (`<table>_<cols>_index`, papra's convention), not `_idx`
        'add `CREATE INDEX IF NOT EXISTS "api_keys_user_id_index" ON "api_keys" ("user_id")` in a new migration'
        in (schema["message"])
    )
    assert "drizzle-kit" not in schema["message"] and "0026-add-indexes.migration.ts" in schema["message"]
    text = subprocess.run(
        [sys.executable, "-m", "dalfix", "indexes", str(tmp_path / "app")], capture_output=True, text=True, env=env
    ).stdout
    assert 'sql: CREATE INDEX IF NOT EXISTS "api_keys_user_id_index" ON "api_keys" ("user_id")' in text
    assert "drizzle-kit" not in text and "add the `sql:` statements in a new migration" in text


def test_create_index_statement_per_dialect(tmp_path: Path) -> None:
    from dalfix.analysis.index_plan import create_index_sql

    pg = "export const posts = pgTable('posts', { id: serial('id').primaryKey(), authorId: integer('author_id') });\n"
    write(tmp_path / "pg", {"schema.ts": HEADER + pg + "export const f = (a: number) => db.select().from(posts)"
                            ".where(eq(posts.authorId, a));\n"})  # fmt: skip
    _, plan = plan_for(tmp_path / "pg")
    assert [create_index_sql(p) for p in plan.proposals] == [
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "posts_author_id_idx" ON "posts" ("author_id")'
    ]
    assert plan.sql_migration is None  # no SQL migration creates an index here: the table is edited
    mysql = (
        'import { eq } from "drizzle-orm";\nimport { drizzle } from "drizzle-orm/mysql2";\n'
        'import { int, mysqlTable, varchar } from "drizzle-orm/mysql-core";\nconst db = drizzle(process.env.URL!);\n'
        'export const posts = mysqlTable("posts", { id: int("id").primaryKey(), slug: varchar("slug", { length: 9 }) '
        "});\n"
        "export const f = (s: string) => db.select().from(posts).where(eq(posts.slug, s));\n"
    )
    write(tmp_path / "my", {"schema.ts": mysql})
    _, plan = plan_for(tmp_path / "my")
    assert [create_index_sql(p) for p in plan.proposals] == [
        "CREATE INDEX `posts_slug_idx` ON `posts` (`slug`) ALGORITHM=INPLACE LOCK=NONE"
    ]


def test_a_member_of_a_constants_object_is_a_literal(tmp_path: Path) -> None:
    # papra's organization_invitations: `eq(status, ORGANIZATION_INVITATION_STATUS.PENDING)` compares one fixed
    # value; the index leads with the email. A member of an ordinary object (`input.status`) is a variable; an
    # imported SCREAMING_SNAKE_CASE constant is one fixed value (that lookup alone asks for no index).
    schema = """
const INVITATION_STATUS = { PENDING: "pending", ACCEPTED: "accepted" } as const;

export const invitations = pgTable("invitations", {
  id: serial("id").primaryKey(),
  email: text("email").notNull(),
  status: text("status").notNull(),
});

export async function pending(email: string) {
  return db.select().from(invitations)
    .where(and(eq(invitations.status, INVITATION_STATUS.PENDING), eq(invitations.email, email)));
}

export async function byEmail() {
  return db.select().from(invitations).where(eq(invitations.email, ADMIN_EMAIL_ADDRESS));
}

export async function byStatus(input: { status: string }) {
  return db.select().from(invitations).where(eq(invitations.status, input.status));
}
"""
    write(tmp_path, {"schema.ts": HEADER + schema})
    _, plan = plan_for(tmp_path)
    assert sorted(p.columns for p in plan.proposals) == [("email",), ("status",)]
    [constant] = [s for s in plan.skipped if s.columns == ("email",)]
    assert "literals compared" in constant.reason and [s.line for s in constant.sites] == [21]


def test_an_in_list_stays_out_of_a_paged_index(tmp_path: Path) -> None:
    # inkeep/agents' messages: `conversationId = ? AND visibility IN (...) ORDER BY createdAt LIMIT n` and the same
    # page without the IN: one index (conversationId, createdAt) serves both; (conversationId, visibility,
    # createdAt) would not return rows in order across several visibility values. An IN list alone still leads.
    schema = """
export const messages = pgTable("messages", {
  id: serial("id").primaryKey(),
  conversationId: integer("conversation_id").notNull(),
  visibility: text("visibility").notNull(),
  createdAt: timestamp("created_at").notNull(),
});

export async function visible(conversationId: number, visibility: string[]) {
  return db.select().from(messages)
    .where(and(eq(messages.conversationId, conversationId), inArray(messages.visibility, visibility)))
    .orderBy(desc(messages.createdAt)).limit(50);
}

export async function all(conversationId: number) {
  return db.select().from(messages).where(eq(messages.conversationId, conversationId))
    .orderBy(desc(messages.createdAt)).limit(50);
}

export async function some(ids: number[]) {
  return db.select().from(messages).where(inArray(messages.conversationId, ids)).orderBy(desc(messages.createdAt))
    .limit(50);
}
"""
    write(tmp_path, {"schema.ts": HEADER + schema})
    _, plan = plan_for(tmp_path)
    assert [(p.columns, len(p.sites)) for p in plan.proposals] == [(("conversationId", "createdAt"), 3)]


def test_a_unique_key_that_finds_the_rows_does_not_say_they_are_few(tmp_path: Path) -> None:
    # dyad: messages_chat_user_input_request_unique(chatId, userInputRequestId) exists for the constraint; a chat's
    # messages paged by createdAt still get (chatId, createdAt). Ordered by the primary key (coolify_app_connections
    # by id), the rows the unique key finds need no second index.
    schema = """
export const messages = pgTable(
  "messages",
  {
    id: serial("id").primaryKey(),
    chatId: integer("chat_id").notNull(),
    requestId: text("request_id"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [uniqueIndex("messages_chat_request_unique").on(t.chatId, t.requestId)],
);

export async function page(chatId: number) {
  return db.select().from(messages).where(eq(messages.chatId, chatId)).orderBy(desc(messages.createdAt)).limit(50);
}

export async function first(chatId: number) {
  return db.select().from(messages).where(eq(messages.chatId, chatId)).orderBy(asc(messages.id)).limit(1);
}
"""
    header = HEADER.replace("timestamp, boolean", "timestamp, boolean, uniqueIndex")
    write(tmp_path, {"schema.ts": header + schema})
    _, plan = plan_for(tmp_path)
    assert [p.columns for p in plan.proposals] == [("chatId", "createdAt")]
    assert [(s.columns, "`messages_chat_request_unique` already finds" in s.reason) for s in plan.skipped] == [
        (("chatId", "id"), True)
    ]


ONE_BRANCH_OR = """
export const grants = pgTable("grants", {
  id: serial("id").primaryKey(),
  assetId: integer("asset_id").notNull(),
  userId: integer("user_id").notNull(),
  createdAt: timestamp("created_at").notNull(),
});

export async function grantOf(assetId: number, userId: number) {
  return db.select().from(grants)
    .where(and(eq(grants.assetId, assetId), or(and(eq(grants.userId, userId)))))
    .orderBy(desc(grants.createdAt)).limit(1);
}
"""


def test_an_or_of_one_condition_is_that_condition(tmp_path: Path) -> None:
    # buster (review4 I6): `or(and(eq(...)))` with one branch compares what its branch compares.
    write(tmp_path, {"schema.ts": HEADER.replace("import { and,", "import { and, or,") + ONE_BRANCH_OR})
    _, plan = plan_for(tmp_path)
    (site,) = plan.sites
    assert sorted(site.lookup) == ["assetId", "userId"] and not site.dynamic


FIND_OR_CREATE = (
    HEADER.replace("boolean }", "boolean, uniqueIndex }")
    + """
export const roles = pgTable("role", { id: serial("id").primaryKey(), name: text("name").notNull() });
export const tags = pgTable(
  "tags",
  { id: serial("id").primaryKey(), label: text("label").notNull() },
  (t) => [uniqueIndex("tags_label_unique").on(t.label)],
);
export const events = pgTable("events", { id: serial("id").primaryKey(), kind: text("kind").notNull() });

export async function findOrCreateRole(name: string) {
  let role = await db.query.roles.findFirst({ where: eq(roles.name, name) });
  if (!role) {
    const [created] = await db.insert(roles).values({ name }).returning();
    role = created;
  }
  return role;
}

export async function tagFor(label: string) {
  const [tag] = await db.select().from(tags).where(eq(tags.label, label)).limit(1);
  return tag ?? (await db.insert(tags).values({ label }).returning())[0];
}

export async function roleNamed(name: string) {
  return db.query.roles.findFirst({ where: eq(roles.name, name) });
}

export async function logOnce(kind: string) {
  const [seen] = await db.select().from(events).where(eq(events.kind, kind)).limit(1);
  if (!seen) {
    await db.insert(events).values({ kind: "first-" + kind });
  }
}
"""
)


def test_find_or_create_key_gets_a_unique_index(tmp_path: Path) -> None:
    from dalfix.analysis.index_plan import create_index_sql, duplicates_sql

    _, plan = plan_for(write(tmp_path, {"src/app.ts": FIND_OR_CREATE}))
    by_table = {p.table.name: p for p in plan.proposals}
    role = by_table["role"]
    assert (role.columns, role.unique, role.name, role.benefit) == (("name",), True, "role_name_unique", "correctness")
    created = 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "role_name_unique" ON "role" ("name")'
    assert create_index_sql(role) == created
    assert duplicates_sql(role) == 'SELECT "name", count(*) FROM "role" GROUP BY "name" HAVING count(*) > 1'
    # the plain read of the same column is served by the unique index too, but it is no find-or-create
    assert sorted(role.is_find_or_create(site) for site in role.sites) == [False, True]
    assert "tags" not in by_table  # the find-or-create's key is unique already
    # the insert writes another kind than the read compared: a plain lookup, a plain index
    assert (by_table["events"].unique, by_table["events"].name) == (False, "events_kind_idx")


NAMED = """
export const events = pgTable("events", {
  id: serial("id").primaryKey(),
  orgId: integer("org_id").notNull(),
  userId: integer("user_id").notNull(),
  kind: text("kind").notNull(),
  createdAt: timestamp("created_at").notNull(),
}, (t) => [%s]);

export async function byUser(userId: number) {
  return db.select().from(events).where(eq(events.userId, userId));
}
"""


@pytest.mark.parametrize(
    ("indexes", "expected"),
    [
        # papra's convention: every index `<table>_<cols>_index` (unique ones do not count)
        ('index("events_org_id_index").on(t.orgId), uniqueIndex("events_kind_unique").on(t.kind)',
         "events_user_id_index"),
        ('index("idx_events_org_id").on(t.orgId), index("idx_events_kind").on(t.kind)', "idx_events_user_id"),
        ('index("events_org_id_ix").on(t.orgId)', "events_user_id_ix"),
        # no shared affix (buster: 60 % `_idx`, the rest `idx_…`), or none at all: dalfix's own
        ('index("events_org_id_idx").on(t.orgId), index("events_kind_index").on(t.kind)', "events_user_id_idx"),
        ('index("by_org").on(t.orgId)', "events_user_id_idx"),
        ("", "events_user_id_idx"),
    ],
)  # fmt: skip
def test_proposals_follow_the_projects_index_naming(tmp_path: Path, indexes: str, expected: str) -> None:
    header = HEADER.replace("index, integer", "index, uniqueIndex, integer")
    write(tmp_path, {"package.json": "{}", "src/schema.ts": header + NAMED % indexes})
    _, plan = plan_for(tmp_path)
    assert [p.name for p in plan.proposals] == [expected]


def test_a_long_name_keeps_the_projects_affix_within_postgres_identifiers(app_plan) -> None:
    project, _ = app_plan
    table = next(t for t in project.schema.tables if t.name == "tool_settings_templates")
    columns = ("toolId", "userId", "isDefault", "createdAt", "updatedAt")
    for naming, check in (((("", "_index")), str.endswith), (("idx_", ""), str.startswith)):
        name = index_name(table, columns, naming)
        assert len(name.encode()) <= PG_IDENTIFIER_BYTES and check(name, "".join(naming))


def test_a_relaid_table_call_says_the_hunk_is_mostly_reindentation(tmp_path: Path) -> None:
    """dyad's `apps` (fresh review): a third argument makes the formatter put each argument of the table call on its
    own line, the columns object one level deeper; no layout keeps the object where it was, so the message says
    what the hunk is. A table that already has its third argument gets no such note."""
    case = ROOT / "tests" / "fixtures" / "missing_index"
    findings = {}
    for name in ("formatter_prettier_third_argument", "object_form_third_argument"):
        source = case / f"{name}.input"
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            (tmp_path / name).mkdir()
            shutil.copyfile(case / f"{name}.input.ts", tmp_path / name / "schema.ts")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        command = [sys.executable, "-m", "dalfix", "check", "--preview", "--select", "DAL010", "--no-cache"]
        result = subprocess.run(
            [*command, "--format", "json", str(tmp_path / name)], capture_output=True, text=True, env=env
        )
        findings[name] = [f["message"] for f in json.loads(result.stdout)["findings"] if f["applicability"] == "unsafe"]
    [relaid] = findings["formatter_prettier_third_argument"]
    assert relaid.endswith(
        "Most of the hunk is re-indentation: with a third argument the formatter puts each argument of `pgTable(...)` "
        "on its own line and the 8-line columns object one level deeper (`git diff -w` shows the change)"
    )
    assert findings["object_form_third_argument"] and not any(
        "re-indentation" in m for m in findings["object_form_third_argument"]
    )


TWO_LOOKUPS = """import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable, text } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);

export const apps = pgTable("apps", {
  id: integer("id").primaryKey(),
  name: text("name").notNull(),
  ownerId: integer("owner_id").notNull(),
});

export async function byName(name: string) {
  return db.select().from(apps).where(eq(apps.name, name));
}

export async function byOwner(ownerId: number) {
  return db.select().from(apps).where(eq(apps.ownerId, ownerId));
}
"""


def test_two_proposals_on_a_relaid_table_are_two_findings_with_the_note(tmp_path: Path) -> None:
    """The second proposal's fix waits a round (both re-lay the call out): its finding is found again on the edited
    table, and must keep the first round's message (the note is judged on the file as the run found it) or the
    run reports it twice."""
    write(tmp_path, {"package.json": "{}", ".prettierrc": "{}", "src/schema.ts": TWO_LOOKUPS})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "dalfix", "check", "--preview", "--select", "DAL010", "--no-cache"]
    result = subprocess.run([*command, "--format", "json", str(tmp_path)], capture_output=True, text=True, env=env)
    on_table = [f["message"] for f in json.loads(result.stdout)["findings"] if f["line"] == 7]
    assert len(on_table) == 2 and all("`git diff -w` shows the change" in m for m in on_table)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ('SELECT "name" FROM "role"', '`SELECT "name" FROM "role"`'),
        ("SELECT `name`, count(*) FROM `role`", "`` SELECT `name`, count(*) FROM `role` ``"),
        ("a ``b`` c", "``` a ``b`` c ```"),
    ],
)
def test_a_query_with_backticks_stays_one_markdown_code_span(text: str, span: str) -> None:
    # MySQL quotes names in backticks: inside a one-backtick span they would end it (the PR bot renders Markdown)
    from transforms.missing_index import _code_span

    assert _code_span(text) == span


SQL_UNIQUE_SCHEMA = """import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { index, integer, pgTable, serial, text } from "drizzle-orm/pg-core";

const db = drizzle(process.env.DATABASE_URL!);

export const members = pgTable("organization_members", {
  id: serial("id").primaryKey(),
  organizationId: integer("organization_id").notNull(),
  userId: integer("user_id").notNull(),
  role: text("role").notNull(),
}, (t) => [index("organization_members_role_index").on(t.role)]);

export async function ensureMember(organizationId: number, userId: number) {
  const [found] = await db.select().from(members)
    .where(and(eq(members.organizationId, organizationId), eq(members.userId, userId))).limit(1);
  if (!found) {
    await db.insert(members).values({ organizationId, userId, role: "member" });
  }
}
"""


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        # papra keeps its UNIQUE indexes in hand-written migrations: one on exactly the key is the constraint
        ('CREATE UNIQUE INDEX "organization_members_organization_id_user_id_unique" ON "organization_members" '
         '("user_id", "organization_id");', []),
        # partial, or with an expression part: not a constraint on the key; the proposal takes a free name and
        # replaces neither (dropping a unique index loses its constraint)
        ('CREATE UNIQUE INDEX "organization_members_organization_id_user_id_unique" ON "organization_members" '
         """("user_id", "organization_id") WHERE "role" <> 'guest';""",
         [("organization_members_organization_id_user_id_unique_2", None)]),
        ('CREATE UNIQUE INDEX "organization_members_organization_id_user_id_unique" ON "organization_members" '
         '("organization_id", "user_id", lower("role"));',
         [("organization_members_organization_id_user_id_unique_2", None)]),
    ],
)  # fmt: skip
def test_a_unique_index_created_in_a_sql_migration_is_the_find_or_create_key_s_constraint(
    tmp_path: Path, statement: str, expected: list[tuple[str, str | None]]
) -> None:
    write(tmp_path, {"package.json": "{}", "src/app.ts": SQL_UNIQUE_SCHEMA, "drizzle/0003_unique.sql": statement})
    _, plan = plan_for(tmp_path)
    assert [(p.name, p.replaces) for p in plan.proposals] == expected
    assert all(p.unique and p.columns == ("organizationId", "userId") for p in plan.proposals)


def test_sql_indexes_know_a_whole_unique_key(tmp_path: Path) -> None:
    from dalfix.analysis.schema.sql_indexes import sql_indexes

    write(
        tmp_path,
        {
            "drizzle/0000.sql": 'CREATE UNIQUE INDEX "a_whole" ON "t" ("x", "y");\n--> statement-breakpoint\n'
            'CREATE UNIQUE INDEX "b_partial" ON "t" ("x") WHERE "y" IS NULL;\n'
            'CREATE UNIQUE INDEX "c_expr" ON "t" ("x", lower("y"));\nCREATE INDEX "d_plain" ON "t" ("y");\n',
            "src/m.ts": 'sql`CREATE UNIQUE INDEX e_ts ON t (y)`;\nconst where = "WHERE";\n',
        },
    )
    facts = sql_indexes(tmp_path)
    assert {i.name: i.whole for i in facts.indexes} == {
        "a_whole": True, "b_partial": False, "c_expr": False, "d_plain": True, "e_ts": True
    }  # fmt: skip
    assert [getattr(facts.unique_on("t", cols), "name", None) for cols in (("y", "x"), ("y",))] == ["a_whole", "e_ts"]
    assert facts.unique_on("t", ("x",)) is None  # partial, and the expression index's leading column
    assert facts.unique_on("t", ("x", "y", "z")) is None and facts.unique_on("other", ("x", "y")) is None


# A column the schema gives a handful of values (homarr's users.provider: `text().$type<SupportedAuthProvider>()`
# with `type SupportedAuthProvider = (typeof supportedAuthProviders)[number]` of an `as const` array): a lookup by
# it alone narrows little, so no index is proposed for it (it was "[medium benefit]"); the values are read from the
# declaration. Look-alikes: a type or check that does not pin the values keeps the proposal.
# (column declaration, lines before the table, the check constraint's SQL or "")
FEW_VALUES = {
    "type union": ('provider: text("provider").$type<"credentials" | "oidc" | "ldap">().notNull(),', "", ""),
    "typeof array": (
        'provider: text("provider").$type<Provider>().notNull(),',
        'const providers = ["credentials", "oidc", "ldap"] as const;\ntype Provider = (typeof providers)[number];\n',
        "",
    ),
    "imported alias": (
        'provider: text("provider").$type<Provider>().notNull(),',
        'import type { Provider } from "./providers";\n',
        "",
    ),
    "enum option naming an array": (
        'provider: text("provider", { enum: providers }).notNull(),',
        'import { providers } from "./providers";\n',
        "",
    ),
    "check constraint": ('provider: text("provider").notNull(),', "", "${t.provider} in ('credentials', 'oidc')"),
}
PROVIDERS = (
    'export const providers = ["credentials", "oidc", "ldap"] as const;\n'
    'export type Provider = (typeof providers)[number] | "saml";\n'
)
MANY_VALUES = {
    "plain string type": ('provider: text("provider").$type<string>().notNull(),', "", ""),
    "array not as const": (
        'provider: text("provider").$type<Provider>().notNull(),',
        'const providers = ["credentials", "oidc"];\ntype Provider = (typeof providers)[number];\n',
        "",
    ),
    "union with string": ('provider: text("provider").$type<"a" | string>().notNull(),', "", ""),
    "check that is no IN list": ('provider: text("provider").notNull(),', "", "length(${t.provider}) < 20"),
    "IN list of expressions": ('provider: text("provider").notNull(),', "", "${t.provider} in (lower('A'), 'b')"),
}


def _users(column: str, before: str, check: str) -> str:
    extra = f', (t) => [check("provider_check", sql`{check}`)]' if check else ""
    header = HEADER.replace("boolean }", "boolean, check }").replace(
        'from "drizzle-orm";', 'from "drizzle-orm";\nimport { sql } from "drizzle-orm";', 1
    )
    provider = "" if "Provider" in before else "type Provider = string;\n"
    return (
        header
        + before
        + provider
        + f'export const users = pgTable("users", {{\n  id: serial("id").primaryKey(),\n  {column}\n}}{extra});\n\n'
        + "export async function byProvider(provider: Provider) {\n"
        + "  return db.select().from(users).where(eq(users.provider, provider));\n}\n"
    )


def _provider(project: Project) -> tuple[str, ...] | None:
    users = next(t for t in project.schema.tables if t.ts_name == "users")
    column = users.column("provider")
    assert column is not None
    return column.enum_values


@pytest.mark.parametrize("column, before, check", FEW_VALUES.values(), ids=list(FEW_VALUES))
def test_a_lookup_by_a_column_with_a_handful_of_values_gets_no_index(
    tmp_path: Path, column: str, before: str, check: str
) -> None:
    write(tmp_path, {"schema.ts": _users(column, before, check), "providers.ts": PROVIDERS})
    project, plan = plan_for(tmp_path)
    assert [p.name for p in plan.proposals] == []
    assert _provider(project) in (("credentials", "oidc", "ldap"), ("credentials", "oidc", "ldap", "saml"),
                                  ("credentials", "oidc"))  # fmt: skip


@pytest.mark.parametrize("column, before, check", MANY_VALUES.values(), ids=list(MANY_VALUES))
def test_a_column_whose_values_the_schema_does_not_pin_keeps_its_index(
    tmp_path: Path, column: str, before: str, check: str
) -> None:
    write(tmp_path, {"schema.ts": _users(column, before, check), "providers.ts": PROVIDERS})
    project, plan = plan_for(tmp_path)
    assert _provider(project) is None
    assert [p.name for p in plan.proposals] == ["users_provider_idx"]


def test_callers_count_the_same_whatever_rules_run(tmp_path: Path) -> None:
    """A helper's callers are counted in every application file, not only those holding a query or admitted by the
    selected rules: twelve routes call `removeUser` (a delete whose foreign key lacks an index) and hold no query
    themselves. With `--select DAL010` they were not counted ([low benefit]); with every rule they were ([high])."""
    from dalfix.rules import all_rules
    from dalfix.runner import RunOptions, run

    files = {
        "package.json": '{"name": "callers", "dependencies": {"drizzle-orm": "0.44.5", "pg": "8.11.0"}}',
        "src/schema.ts": 'import { pgTable, text } from "drizzle-orm/pg-core";\n'
        'export const users = pgTable("users", { id: text("id").primaryKey() });\n'
        'export const posts = pgTable("posts", {\n'
        '  id: text("id").primaryKey(),\n'
        '  userId: text("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),\n'
        "});\n",
        "src/db.ts": 'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n'
        "export const db = drizzle(new Pool());\n",
        "src/users.ts": 'import { eq } from "drizzle-orm";\nimport { db } from "./db";\n'
        'import { users } from "./schema";\n'
        "export async function removeUser(id: string) {\n  await db.delete(users).where(eq(users.id, id));\n}\n",
    }
    for i in range(12):
        files[f"src/route{i}.ts"] = (
            f'import {{ removeUser }} from "./users";\nexport async function handler{i}(id: string) {{\n'
            "  await removeUser(id);\n  return { ok: true };\n}\n"
        )
    root = write(tmp_path, files)
    every = [r for r in all_rules()]
    only = [r for r in every if r.code == "DAL010"]

    def messages(rules: list) -> list[str]:  # type: ignore[type-arg]
        result = run([root], RunOptions(rules=rules, preview=True))
        return sorted(f.message for _, f in result.findings if f.rule == "DAL010")

    selected, all_of_them = messages(only), messages(every)
    assert selected == all_of_them
    assert any("posts(userId) [high benefit]" in m for m in selected)


def test_sql_indexes_count_the_keys_a_create_table_or_alter_table_builds(tmp_path: Path) -> None:
    # review 8 F1 (agents workAppGitHubInstallations): a key the migrations build is an index the database has,
    # whatever the TypeScript schema says now, until an executable drop removes it; a commented-out drop (drizzle-kit's
    # "can't name the primary key" stub) or one inside a string literal does not run.
    from dalfix.analysis.schema.sql_indexes import sql_indexes

    write(
        tmp_path,
        {
            "drizzle/0000.sql": 'CREATE TABLE "a" (\n\t"id" varchar(256) PRIMARY KEY NOT NULL,\n'
            "\t\"mode\" text DEFAULT 'unique primary key' NOT NULL,\n\t\"login\" text NOT NULL UNIQUE\n);\n"
            'CREATE TABLE IF NOT EXISTS "b" ("x" int, "y" int, CONSTRAINT "b_xy" PRIMARY KEY("x", "y"),\n'
            '  CONSTRAINT "b_y_unique" UNIQUE NULLS NOT DISTINCT("y"), FOREIGN KEY ("x") REFERENCES "a"("id"));\n'
            "CREATE TABLE `m` (`id` int NOT NULL AUTO_INCREMENT, `key` varchar(255), `owner` int,\n"
            "  PRIMARY KEY (`id`), UNIQUE KEY `m_key` (`key`), KEY `m_owner` (`owner`), KEY `m_pre` (`key`(10)));\n"
            'CREATE TABLE "gone" ("id" serial PRIMARY KEY);\n'
            'CREATE TABLE "c" ("id" text, "slug" text);\n'
            'ALTER TABLE "c" ADD CONSTRAINT "c_slug_unique" UNIQUE("slug");\n'
            'ALTER TABLE ONLY "c" ADD PRIMARY KEY ("id");\n',
            "drizzle/0001.sql": '-- ALTER TABLE "a" DROP CONSTRAINT "<constraint_name>";--> statement-breakpoint\n'
            '/* ALTER TABLE "b" DROP CONSTRAINT "b_xy"; */\n'
            "ALTER TABLE \"a\" ADD COLUMN \"n\" text DEFAULT 'ALTER TABLE \"c\" DROP CONSTRAINT \"c_slug_unique\"';\n"
            'ALTER TABLE "b" DROP CONSTRAINT IF EXISTS "b_y_unique";\n'
            "ALTER TABLE `m` DROP PRIMARY KEY;\n"
            'DROP TABLE "gone";\n',
        },
    )  # fmt: skip
    facts = sql_indexes(tmp_path)
    found = {i.name: (i.table, i.columns, i.unique, i.constraint) for i in facts.indexes}
    assert found == {
        "a_pkey": ("a", ("id",), True, True),
        "a_login_key": ("a", ("login",), True, True),
        "b_xy": ("b", ("x", "y"), True, True),
        "m_key": ("m", ("key",), True, True),
        "m_owner": ("m", ("owner",), False, True),
        "c_slug_unique": ("c", ("slug",), True, True),
        "c_pkey": ("c", ("id",), True, True),
    }  # b_y_unique, m's primary key and every key of "gone" were dropped; `m_pre` keys a prefix (an expression)
    # DAL003 writes an onConflict target only on a CREATE UNIQUE INDEX (or the schema's own keys); DAL010 counts these.
    assert facts.unique_on("c", ("slug",)) is None
    assert facts.unique_on("c", ("slug",), constraints=True) is not None


PK_SCHEMA = """
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { pgTable, text, varchar } from "drizzle-orm/pg-core";

export const db = drizzle(new Pool());
export const installations = pgTable("installations", {
  id: varchar("id", { length: 256 }).notNull(),
  login: text("login"),
});

export async function installationById(id: string) {
  return db.select().from(installations).where(eq(installations.id, id)).limit(1);
}
"""


@pytest.mark.parametrize(
    ("drop", "proposed_columns"),
    [
        ('-- ALTER TABLE "installations" DROP CONSTRAINT "<constraint_name>";', []),
        ('ALTER TABLE "installations" DROP CONSTRAINT "installations_pkey";', [("id",)]),
        ('ALTER TABLE "installations" DROP CONSTRAINT "some_other_pkey";', []),
    ],
)
def test_a_primary_key_the_migrations_keep_serves_lookups(
    tmp_path: Path, drop: str, proposed_columns: list[tuple[str, ...]]
) -> None:
    write(
        tmp_path,
        {
            "package.json": "{}",
            "src/app.ts": PK_SCHEMA,
            "drizzle/0000_init.sql": 'CREATE TABLE "installations" (\n\t"id" varchar(256) PRIMARY KEY NOT NULL,\n'
            '\t"login" text\n);\n',
            "drizzle/0001_drop_pk.sql": drop + "\n",
        },
    )
    _, plan = plan_for(tmp_path)
    assert [p.columns for p in plan.proposals] == proposed_columns
    # A table's keys in CREATE TABLE (every drizzle-kit migration has them) do not make the project one that writes
    # its indexes in SQL (held-out saas-starter: its DAL010 fixes turned display-only "add CREATE INDEX").
    assert plan.sql_migration is None


def test_a_key_from_another_dialect_s_migrations_serves_only_that_dialect(tmp_path: Path) -> None:
    # homarr keeps migrations/{postgresql,sqlite}: drizzle-kit's SQLite primary key lists the columns in another
    # order, (integration_id, item_id), which serves a lookup by integration_id; PostgreSQL's (item_id,
    # integration_id) does not. The PostgreSQL table still gets the foreign key's index.
    write(
        tmp_path,
        {
            "package.json": "{}",
            "src/app.ts": PK_SCHEMA.replace(".where(eq(installations.id, id))", ".where(eq(installations.login, id))"),
            "migrations/postgresql/0000.sql": 'CREATE TABLE "installations" ("id" varchar(256), "login" text,\n'
            '  CONSTRAINT "installations_id_login_pk" PRIMARY KEY("id","login"));\n',
            "migrations/sqlite/0000.sql": "CREATE TABLE `installations` (`id` text, `login` text,\n"
            "  PRIMARY KEY(`login`, `id`));\n",
        },
    )
    _, plan = plan_for(tmp_path)
    assert [p.columns for p in plan.proposals] == [("login",)]
    (tmp_path / "migrations" / "sqlite").rename(tmp_path / "migrations" / "postgres_next")
    _, plan = plan_for(tmp_path)
    assert plan.proposals == []  # the same key in a PostgreSQL folder serves it
