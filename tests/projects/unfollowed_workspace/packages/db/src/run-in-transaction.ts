import { db, type Database } from "./client";

// The package's helper: runs the callback inside a transaction.
export function runInTransaction<T>(work: (handle: Database) => Promise<T>): Promise<T> {
  return db.transaction((trx) => work(trx));
}
