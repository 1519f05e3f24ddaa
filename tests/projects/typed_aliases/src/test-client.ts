import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import * as schema from "./schema";

export const createTestClient = () => drizzle(new PGlite(), { schema });
