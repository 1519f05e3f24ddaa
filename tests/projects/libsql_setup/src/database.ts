import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";

export function setupDatabase({ url }: { url: string }) {
  const client = createClient({ url });
  const db = drizzle(client);
  return { db, client };
}
