import { db, eq } from "@acme/db";
import { posts, users } from "@acme/db/schema";

export async function profile(id: string) {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  const list = await db.select().from(posts).where(eq(posts.userId, id));
  return { user, list };
}
