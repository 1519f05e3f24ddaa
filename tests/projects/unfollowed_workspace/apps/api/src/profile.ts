import { eq } from "drizzle-orm";
import { type Database, posts, users } from "@acme/db";

// Run inside the package's transaction helper by ./routes.ts: one connection, no safe `Promise.all`.
export async function loadProfile(conn: Database, id: number) {
  const user = await conn.select().from(users).where(eq(users.id, id));
  const list = await conn.select().from(posts).where(eq(posts.userId, id));
  return { user, list };
}

// Only ever handed the pool: keeps its safe fix.
export async function loadSummary(conn: Database, id: number) {
  const user = await conn.select().from(users).where(eq(users.id, id));
  const list = await conn.select().from(posts).where(eq(posts.userId, id));
  return { user, list };
}
