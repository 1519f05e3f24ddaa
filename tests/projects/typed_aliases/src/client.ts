import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import * as schema from "./schema";

export const createClient = () => drizzle(new Pool({ max: 20 }), { schema });
