import { sqliteTable, text } from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", { id: text("id").primaryKey(), name: text("name") });
export const posts = sqliteTable("posts", { id: text("id").primaryKey(), userId: text("user_id") });
