import { count, desc, eq } from "drizzle-orm";
import { getReadDb, type ServiceContext } from "./context";
import { privateLocation } from "./schema";

export async function listPrivateLocations(ctx: ServiceContext) {
  const db = getReadDb(ctx);

  const rows = await db
    .select()
    .from(privateLocation)
    .where(eq(privateLocation.workspaceId, ctx.workspaceId))
    .orderBy(desc(privateLocation.id))
    .limit(50);

  const total = await db
    .select({ count: count() })
    .from(privateLocation)
    .where(eq(privateLocation.workspaceId, ctx.workspaceId))
    .get();

  return { rows, total: total?.count ?? 0 };
}
