import { sqliteTable, text } from "drizzle-orm/sqlite-core";
export const users = sqliteTable("user", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
});
export const items = sqliteTable("item", {
  id: text("id").primaryKey(),
  ownerId: text("owner_id").notNull(),
  code: text("code"),
});
export const tags = sqliteTable("tag", {
  id: text("id").primaryKey(),
  itemId: text("item_id"),
});
export const notes = sqliteTable("note", {
  id: text("id").primaryKey(),
  itemId: text("item_id"),
});
