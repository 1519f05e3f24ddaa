import { drizzle } from "drizzle-orm/node-postgres";
import { pool } from "./client";
import type { AppDatabase } from "./db";
import * as schema from "./schema";

// One checked-out connection per request, cast to the application's handle type.
export async function withRequestDb<T>(run: (db: AppDatabase) => Promise<T>): Promise<T> {
  const connection = await pool.connect();
  try {
    const requestDb = drizzle(connection, { schema }) as unknown as AppDatabase;
    return await run(requestDb);
  } finally {
    connection.release();
  }
}
