import { and, eq } from "drizzle-orm";
import type { dbClient } from "./client";
import { workspaceMembers } from "./schema";

export const getPreservableMemberId = async (db: dbClient, workspaceId: number) => {
  const admin = await db.query.workspaceMembers.findFirst({
    columns: { userId: true },
    where: and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.role, "admin")),
    orderBy: (m, { asc }) => [asc(m.createdAt)],
  });
  if (admin?.userId) return admin.userId;

  const anyMember = await db.query.workspaceMembers.findFirst({
    columns: { userId: true },
    where: eq(workspaceMembers.workspaceId, workspaceId),
    orderBy: (m, { asc }) => [asc(m.createdAt)],
  });
  return anyMember?.userId ?? null;
};
