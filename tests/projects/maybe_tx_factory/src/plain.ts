import { count, eq } from "drizzle-orm";
import { getPlainDb } from "./context";
import { privateLocation } from "./schema";

export async function viaPlain(workspaceId: number) {
  const db = getPlainDb();
  const rows = await db.select().from(privateLocation).where(eq(privateLocation.workspaceId, workspaceId));
  const total = await db.select({ count: count() }).from(privateLocation).get();
  return { rows, total };
}
