import { getPosts, getUser } from "./profile";

type Context = { get(key: string): any };

// A handle from the request context, which dalfix does not follow: the reads stay unsafe and say why.
export async function show(c: Context, id: string) {
  const db = c.get("db");
  const user = await getUser(db)(id);
  const list = await getPosts(db)(id);
  return { user, list };
}
