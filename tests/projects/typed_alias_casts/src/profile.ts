import { eq } from "drizzle-orm";
import type { AppDatabase } from "./db";
import { posts, users } from "./schema";

// `db` may be the request's one connection: Promise.all would gain nothing.
export async function profile(db: AppDatabase, id: string) {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  const list = await db.select().from(posts).where(eq(posts.userId, id));
  return { user, list };
}

export const getUser = (db: AppDatabase) => async (id: string) => {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  return user;
};

export const getPosts = (db: AppDatabase) => async (id: string) =>
  db.select().from(posts).where(eq(posts.userId, id));
