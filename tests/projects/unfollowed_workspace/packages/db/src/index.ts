export { db, type Database } from "./client";
export { runInTransaction } from "./run-in-transaction";
export { posts, users } from "./schema";
