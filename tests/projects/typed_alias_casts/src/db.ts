import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import * as schema from "./schema";

// Production (node-postgres) and test (PGlite) clients.
export type AppDatabase = NodePgDatabase<typeof schema> | PgliteDatabase<typeof schema>;
