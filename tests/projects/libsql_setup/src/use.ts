import { eq } from "drizzle-orm";
import { setupDatabase } from "./database";
import { posts, users } from "./schema";

export async function profile(url: string, id: string) {
  const { db } = setupDatabase({ url });
  const [user] = await db.select().from(users).where(eq(users.id, id));
  const list = await db.select().from(posts).where(eq(posts.userId, id));
  return { user, list };
}
