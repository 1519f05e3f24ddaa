import { createDrizzleClient } from "./client";
import { getPreservableMemberId } from "./member.repo";

const db = createDrizzleClient();
export const handler = (workspaceId: number) => getPreservableMemberId(db, workspaceId);
