import Database from "better-sqlite3";
import { drizzle as drizzleSqlite } from "drizzle-orm/better-sqlite3";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { chooseDriver } from "./mapping";

const createSqliteDb = () => drizzleSqlite(new Database(process.env.DB_URL!));
const createPostgresDb = () => drizzlePg(process.env.DB_URL!);

export const createDb = () => chooseDriver({ "better-sqlite3": createSqliteDb, "node-postgres": createPostgresDb });
export const db = createDb();
