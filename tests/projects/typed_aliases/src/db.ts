import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import * as schema from "./schema";

export type DbClient = NodePgDatabase<typeof schema>;
export type AnyClient = NodePgDatabase<typeof schema> | PgliteDatabase<typeof schema>;
