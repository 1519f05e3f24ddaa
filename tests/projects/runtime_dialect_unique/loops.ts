import { eq } from "drizzle-orm";
import { db } from "./db";
import { users, items, tags, notes } from "./schema";

export async function usersByName(names: string[]) {
  const out = [];
  for (const name of names) {
    const [user] = await db.select().from(users).where(eq(users.name, name));
    out.push(user);
  }
  return out;
}

export async function deleteItems(ids: string[]) {
  for (const id of ids) {
    await db.delete(items).where(eq(items.id, id));
  }
}

export async function clearCodes(ids: string[]) {
  for (const id of ids) {
    await db.update(items).set({ code: "none" }).where(eq(items.id, id));
  }
}

export async function dropTagsAndNotes(ids: string[]) {
  for (const id of ids) {
    await db.delete(notes).where(eq(notes.itemId, id));
    await db.delete(tags).where(eq(tags.itemId, id));
  }
}
