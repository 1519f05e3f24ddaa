import { integer, pgTable, serial, text } from "drizzle-orm/pg-core";

export const users = pgTable("users", { id: serial("id").primaryKey(), name: text("name").notNull() });
export const posts = pgTable("posts", { id: serial("id").primaryKey(), userId: integer("user_id").notNull() });
