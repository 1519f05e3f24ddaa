import { eq } from "drizzle-orm";
import { db } from "./db";
import { posts, users } from "./schema";

export async function saveAll(conn: typeof db, rows: { id: string; userId: string }[], id: string) {
  const [user] = await conn.select().from(users).where(eq(users.id, id));
  const list = await conn.select().from(posts).where(eq(posts.userId, id));
  for (const row of rows) {
    await conn.insert(posts).values({ id: row.id, userId: row.userId });
  }
  return { user, list };
}

export async function inTransaction(rows: { id: string; userId: string }[]) {
  await db.transaction(async (tx) => {
    await saveAll(tx, rows, "a");
  });
}

export async function outside(rows: { id: string; userId: string }[]) {
  await saveAll(db, rows, "b");
}
