import { eq } from "drizzle-orm";
import { posts, users } from "./schema";

export const byId = async ({ ctx, input }: { ctx: any; input: { id: string } }) => {
  const id = input.id;
  const [user] = await ctx.db.select().from(users).where(eq(users.id, id));
  const list = await ctx.db.select().from(posts).where(eq(posts.userId, id));
  return { user, list };
};
