import { eq, type Database } from "@acme/db";
import { posts, users } from "@acme/db/schema";

export async function profileWith(conn: Database, id: string) {
  const [user] = await conn.select().from(users).where(eq(users.id, id));
  const list = await conn.select().from(posts).where(eq(posts.userId, id));
  return { user, list };
}
