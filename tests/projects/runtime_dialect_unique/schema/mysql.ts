import { mysqlTable, text, varchar } from "drizzle-orm/mysql-core";
export const users = mysqlTable("user", {
  id: varchar("id", { length: 64 }).primaryKey(),
  name: varchar("name", { length: 64 }).notNull(),
});
export const items = mysqlTable("item", {
  id: varchar("id", { length: 64 }).primaryKey(),
  ownerId: varchar("owner_id", { length: 64 }).notNull(),
  code: varchar("code", { length: 64 }).unique(),
});
export const tags = mysqlTable("tag", {
  id: varchar("id", { length: 64 }).primaryKey(),
  itemId: varchar("item_id", { length: 64 }),
});
export const notes = mysqlTable("note", {
  id: varchar("id", { length: 64 }).primaryKey(),
  itemId: varchar("item_id", { length: 64 }).references(() => tags.id),
});
