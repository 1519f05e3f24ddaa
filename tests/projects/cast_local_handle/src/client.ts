import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePgLite } from "drizzle-orm/pglite";
import { Pool } from "pg";
import * as schema from "./schema";

export type dbClient = NodePgDatabase<typeof schema> & { $client: Pool };

export const createDrizzleClient = (): dbClient => {
  const connectionString = process.env.POSTGRES_URL;
  if (!connectionString) {
    const db = drizzlePgLite(new PGlite({ dataDir: "./pgdata" }), { schema });
    return db as unknown as dbClient;
  }
  return drizzlePg(new Pool({ connectionString }), { schema }) as dbClient;
};
