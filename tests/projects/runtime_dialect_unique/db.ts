import Database from "better-sqlite3";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzleMysql } from "drizzle-orm/mysql2";

export const db =
  process.env.DB_DRIVER === "pg"
    ? drizzlePg(process.env.DB_URL!)
    : process.env.DB_DRIVER === "mysql"
      ? drizzleMysql(process.env.DB_URL!)
      : drizzleSqlite(new Database("app.db"));
