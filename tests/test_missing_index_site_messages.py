"""DAL010's pointer at a query site names the columns that query looks up, not every column of the index it
shares with other queries (saas-starter: a nested `with` loading teamMembers by teamId was said to look up
teamMembers(teamId, userId), the index a delete by both columns needs)."""

from __future__ import annotations

from pathlib import Path

from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run

SCHEMA = """import { relations } from "drizzle-orm";
import { integer, pgTable, serial, text } from "drizzle-orm/pg-core";

export const teams = pgTable("teams", { id: serial("id").primaryKey(), name: text("name") });
export const users = pgTable("users", { id: serial("id").primaryKey(), email: text("email") });
export const teamMembers = pgTable("team_members", {
  id: serial("id").primaryKey(),
  teamId: integer("team_id").notNull().references(() => teams.id),
  userId: integer("user_id").notNull().references(() => users.id),
});
export const teamsRelations = relations(teams, ({ many }) => ({ teamMembers: many(teamMembers) }));
export const teamMembersRelations = relations(teamMembers, ({ one }) => ({
  team: one(teams, { fields: [teamMembers.teamId], references: [teams.id] }),
}));
"""

APP = """import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import * as schema from "./schema";
import { teamMembers, teams } from "./schema";

const db = drizzle(process.env.DATABASE_URL!, { schema });

export async function leave(teamId: number, userId: number) {
  await db.delete(teamMembers).where(and(eq(teamMembers.teamId, teamId), eq(teamMembers.userId, userId)));
}
export async function team(id: number) {
  return db.query.teams.findFirst({ where: eq(teams.id, id), with: { teamMembers: true } });
}
"""


def test_a_site_served_by_the_leading_columns_names_its_own(tmp_path: Path) -> None:
    (tmp_path / "schema.ts").write_text(SCHEMA, encoding="utf-8")
    (tmp_path / "app.ts").write_text(APP, encoding="utf-8")
    result = run([tmp_path], RunOptions(rules=select_rules(["DAL010"], preview=True)))
    source = APP.encode()
    pointers = {
        source.count(b"\n", 0, x.start) + 1: x.message
        for f, x in result.findings
        if f.path.name == "app.ts" and x.rule == "DAL010"
    }
    assert pointers[9].startswith("This query looks up teamMembers(teamId, userId) and no index serves it")
    assert "proposes `team_members_team_id_user_id_idx` on `teamMembers` in" in pointers[9]
    assert pointers[12].startswith("This query looks up teamMembers(teamId) and no index serves it")
    assert "proposes `team_members_team_id_user_id_idx` on teamMembers(teamId, userId) in" in pointers[12]


# An existing index on the proposal's leading columns serves part of the lookup (midday's invoice templates: an
# index on teamId, a query by teamId ordered by createdAt): the pointer said "no index serves it" while the schema
# finding says the proposal makes that index redundant. Look-alike: without the index, no index serves it.
PAGED_SCHEMA = """import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const templates = pgTable(
  "templates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    teamId: uuid("team_id").notNull(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at").defaultNow().notNull(),
  },
  (t) => [%s],
);
"""

PAGED_APP = """import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { templates } from "./schema";

const db = drizzle(process.env.DATABASE_URL!);

export async function firstTemplate(teamId: string) {
  const [first] = await db
    .select()
    .from(templates)
    .where(eq(templates.teamId, teamId))
    .orderBy(templates.createdAt)
    .limit(1);
  return first;
}
"""


def test_a_pointer_names_the_existing_index_that_serves_part_of_the_lookup(tmp_path: Path) -> None:
    for indexes, served in [
        ('index("templates_team_id_idx").on(t.teamId)', " and the index `templates_team_id_idx` serves only "
         "templates(teamId) of it: DAL010 proposes `templates_team_id_created_at_idx`"),
        ('index("templates_name_idx").on(t.name)', " and no index serves it: DAL010 proposes "
         "`templates_team_id_created_at_idx`"),
    ]:  # fmt: skip
        (tmp_path / "schema.ts").write_text(PAGED_SCHEMA % indexes, encoding="utf-8")
        (tmp_path / "app.ts").write_text(PAGED_APP, encoding="utf-8")
        result = run([tmp_path], RunOptions(rules=select_rules(["DAL010"], preview=True)))
        pointers = [x.message for f, x in result.findings if f.path.name == "app.ts" and x.rule == "DAL010"]
        assert pointers == [pointers[0]] and pointers[0].startswith(
            "This query looks up templates(teamId, createdAt)" + served
        ), pointers


def test_a_delete_checking_several_foreign_keys_gets_one_finding_naming_each(tmp_path: Path) -> None:
    # homarr's user delete: nine referencing tables without an index were nine findings on one line.
    schema = SCHEMA + (
        'export const notes = pgTable("notes", { id: serial("id").primaryKey(), '
        'userId: integer("user_id").notNull().references(() => users.id) });\n'
    )
    app = (
        'import { eq } from "drizzle-orm";\nimport { drizzle } from "drizzle-orm/node-postgres";\n'
        'import { users } from "./schema";\n\nconst db = drizzle(process.env.DATABASE_URL!);\n\n'
        "export async function removeUser(id: number) {\n  await db.delete(users).where(eq(users.id, id));\n}\n"
    )
    (tmp_path / "schema.ts").write_text(schema, encoding="utf-8")
    (tmp_path / "app.ts").write_text(app, encoding="utf-8")
    result = run([tmp_path], RunOptions(rules=select_rules(["DAL010"], preview=True)))
    at_delete = [x for f, x in result.findings if f.path.name == "app.ts" and x.rule == "DAL010"]
    assert len(at_delete) == 1
    message = at_delete[0].message
    assert message.startswith("Deleting rows here makes the database look up 2 tables by a foreign key to them")
    assert "`team_members_user_id_idx` on teamMembers(userId) in schema.ts:" in message
    assert "`notes_user_id_idx` on notes(userId) in schema.ts:" in message
    at_tables = [x for f, x in result.findings if f.path.name == "schema.ts" and x.rule == "DAL010"]
    assert len(at_tables) == 2  # each index keeps its own finding, with its fix, at its table
