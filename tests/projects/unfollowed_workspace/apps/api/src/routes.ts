import { db, runInTransaction } from "@acme/db";
import { loadProfile, loadSummary } from "./profile";

export const profile = (id: number) => runInTransaction((handle) => loadProfile(handle, id));
export const summary = (id: number) => loadSummary(db, id);
