import { eq } from "drizzle-orm";
import { db } from "./db";
import { posts, users } from "./schema";

export async function profile(id: string) {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  const list = await db.select().from(posts).where(eq(posts.userId, id));
  return { user, list };
}
