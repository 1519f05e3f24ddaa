import { and, eq } from "drizzle-orm";
import type { dbClient } from "./client";
import { workspaceMembers } from "./schema";

export const getPreservableMemberId = async (db: dbClient, workspaceId: number) => {
  const admin = await db.query.workspaceMembers.findFirst({
    columns: { userId: true },
    where: and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.role, "admin")),
    orderBy: (m, { asc }) => [asc(m.createdAt)],
  });
  // (kan returns `admin.userId` here when found: a fallback read, which DAL001 never groups; both run here.)
  const anyMember = await db.query.workspaceMembers.findFirst({
    columns: { userId: true },
    where: eq(workspaceMembers.workspaceId, workspaceId),
    orderBy: (m, { asc }) => [asc(m.createdAt)],
  });
  return admin?.userId ?? anyMember?.userId ?? null;
};
