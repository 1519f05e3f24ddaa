import { drizzle } from "drizzle-orm/mysql2";

function createDrizzle() {
  return drizzle(process.env.DATABASE_URL!);
}

let cached: ReturnType<typeof createDrizzle> | undefined;

export const db = () => {
  if (!cached) cached = createDrizzle();
  return cached;
};
