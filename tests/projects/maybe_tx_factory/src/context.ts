import { db as defaultDb } from "./db";

// openstatus's spelling: the transaction type is the callback parameter of `transaction`, and `DB` may be either.
export type DrizzleClient = typeof defaultDb;
export type DrizzleTx = Parameters<Parameters<DrizzleClient["transaction"]>[0]>[0];
export type DB = DrizzleClient | DrizzleTx;
export type ReadTx = Parameters<Parameters<typeof defaultDb.transaction>[0]>[0];

export type ServiceContext = { workspaceId: number; db?: DB; tx?: ReadTx };

export function getReadDb(ctx: ServiceContext): DB {
  return ctx.db ?? defaultDb;
}

export async function getReadDbAsync(ctx: ServiceContext): Promise<DB> {
  return ctx.db ?? defaultDb;
}

export const getEither = (ctx: ServiceContext): typeof defaultDb | ReadTx => ctx.tx ?? defaultDb;

// Look-alike: declared to return the database only, so the two reads still get a safe `Promise.all`.
export function getPlainDb(): DrizzleClient {
  return defaultDb;
}
