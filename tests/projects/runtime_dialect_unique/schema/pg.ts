import { pgTable, text, varchar } from "drizzle-orm/pg-core";
export const users = pgTable("user", {
  id: varchar("id", { length: 64 }).primaryKey(),
  name: text("name").notNull(),
});
export const items = pgTable("item", {
  id: varchar("id", { length: 64 }).primaryKey(),
  ownerId: varchar("owner_id", { length: 64 }).notNull(),
  code: varchar("code", { length: 64 }),
});
export const tags = pgTable("tag", {
  id: varchar("id", { length: 64 }).primaryKey(),
  itemId: varchar("item_id", { length: 64 }).references(() => items.id),
});
export const notes = pgTable("note", {
  id: varchar("id", { length: 64 }).primaryKey(),
  itemId: varchar("item_id", { length: 64 }),
});
