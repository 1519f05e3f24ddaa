export * from "drizzle-orm";
export { db } from "./client";
export type { Database } from "./client";
