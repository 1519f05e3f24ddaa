import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const privateLocation = sqliteTable("private_location", {
  id: integer("id").primaryKey(),
  workspaceId: integer("workspace_id").notNull(),
  name: text("name").notNull(),
});
