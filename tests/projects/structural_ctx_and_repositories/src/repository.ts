import { eq } from "drizzle-orm";
import { posts, users } from "./schema";

export function createUserRepository({ db }: { db: any }) {
  return {
    async profile(id: string) {
      const [user] = await db.select().from(users).where(eq(users.id, id));
      const list = await db.select().from(posts).where(eq(posts.userId, id));
      return { user, list };
    },
  };
}

export class UserService {
  constructor(private readonly db: any) {}

  async profile(id: string) {
    const [user] = await this.db.select().from(users).where(eq(users.id, id));
    const list = await this.db.select().from(posts).where(eq(posts.userId, id));
    return { user, list };
  }
}
