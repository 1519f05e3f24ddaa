import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";

const globalForDb = globalThis as unknown as { conn?: ReturnType<typeof drizzle> };
let _db: ReturnType<typeof drizzle> | null = null;

export function getDb() {
  if (!_db) _db = globalForDb.conn ?? drizzle(new Database("app.db"));
  return _db;
}

export const db = new Proxy({} as ReturnType<typeof drizzle>, {
  get(_target, prop) {
    const database = getDb();
    return database[prop as keyof typeof database];
  },
});
