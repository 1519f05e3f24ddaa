import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';

import { queryLogger } from './query-log';
import * as schema from './schema';

export const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

export const db = drizzle(pool, { schema, logger: queryLogger });

export type Database = typeof db;
export { queryLogger };
