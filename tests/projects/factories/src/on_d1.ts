import { eq } from "drizzle-orm";
import { createDb } from "./d1";
import { posts, users } from "./schema";

export async function handler(env: { DB: D1Database }, id: string) {
  const db = createDb(env.DB);
  const [user] = await db.select().from(users).where(eq(users.id, id));
  const list = await db.select().from(posts).where(eq(posts.userId, id));
  return { user, list };
}
