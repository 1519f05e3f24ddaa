import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import * as schema from "./schema";

export const pool = new Pool({ max: 20 });
export const createClient = () => drizzle(pool, { schema });
