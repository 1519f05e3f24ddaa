import { db } from "@acme/db";

export async function userAndPosts(id: string) {
  const user = await db.query.users.findFirst({ where: (t, { eq }) => eq(t.id, id) });
  const list = await db.query.posts.findMany({ where: (t, ops) => ops.eq(t.userId, id), orderBy: (t, { desc }) => desc(t.views) });
  return { user, list };
}
