import { integer, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";

export const workspaceMembers = pgTable("workspace_members", {
  id: serial("id").primaryKey(),
  workspaceId: integer("workspace_id").notNull(),
  userId: text("user_id"),
  role: text("role").notNull(),
  createdAt: timestamp("created_at").notNull(),
});
