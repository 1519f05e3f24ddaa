import { pgTable, text, integer } from "drizzle-orm/pg-core";

export const users = pgTable("users", { id: text("id").primaryKey(), name: text("name") });
export const posts = pgTable("posts", { id: text("id").primaryKey(), userId: text("user_id"), views: integer("views") });
