import { count, eq } from "drizzle-orm";
import { getEither, getReadDbAsync, type ServiceContext } from "./context";
import { privateLocation } from "./schema";

export async function viaAsync(ctx: ServiceContext) {
  const db = await getReadDbAsync(ctx);
  const rows = await db.select().from(privateLocation).where(eq(privateLocation.workspaceId, ctx.workspaceId));
  const total = await db.select({ count: count() }).from(privateLocation).get();
  return { rows, total };
}

export async function viaArrow(ctx: ServiceContext) {
  const db = getEither(ctx);
  const rows = await db.select().from(privateLocation).where(eq(privateLocation.workspaceId, ctx.workspaceId));
  const total = await db.select({ count: count() }).from(privateLocation).get();
  return { rows, total };
}
