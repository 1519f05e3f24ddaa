"""A large generated DAL file: N repetitions of realistic Drizzle data-access functions.

Each repetition holds sequential independent reads (DAL001), per-element queries in loops (DAL002),
a transaction, helpers, comments and look-alikes, with names numbered so nothing clashes.

    python bench/big_file.py --mb 4 -o /tmp/big.ts      # about 4 MB
    python bench/big_file.py --repeat 100 -o /tmp/small.ts
"""

from __future__ import annotations

import argparse
from pathlib import Path

HEADER = """import { and, eq, inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { accounts, invoices, orders, projects, users } from "./schema";

const pool = new Pool({ connectionString: process.env.DATABASE_URL });
export const db = drizzle(pool);

"""

REPETITION = """// ---- block {n} ----
export async function loadDashboard{n}(userId: string, projectId: string) {{
  // two independent reads, awaited one after the other
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  const [project] = await db.select().from(projects).where(eq(projects.id, projectId)).limit(1);
  const recent = await db.select().from(orders).where(eq(orders.userId, userId)).limit(20);
  if (!user || !project) return null;
  return {{ user, project, recent, label: `${{user.name}} / ${{project.name}}` }};
}}

export async function archiveOrders{n}(orderIds: string[]) {{
  for (const id of orderIds) {{
    await db.update(orders).set({{ archived: true }}).where(eq(orders.id, id));
  }}
}}

export async function invoicesFor{n}(accountIds: string[]) {{
  const result = [];
  for (const accountId of accountIds) {{
    const rows = await db.select().from(invoices).where(eq(invoices.accountId, accountId));
    result.push(rows);
  }}
  return result;
}}

export async function transfer{n}(from: string, to: string, amount: number) {{
  return db.transaction(async (tx) => {{
    const [source] = await tx.select().from(accounts).where(eq(accounts.id, from));
    const [target] = await tx.select().from(accounts).where(eq(accounts.id, to));
    if (!source || !target || source.balance < amount) throw new Error("insufficient funds");
    await tx.update(accounts).set({{ balance: source.balance - amount }}).where(eq(accounts.id, from));
    await tx.update(accounts).set({{ balance: target.balance + amount }}).where(eq(accounts.id, to));
  }});
}}

export async function countsFor{n}(userIds: string[]) {{
  const counts: Record<string, number> = {{}};
  for (const userId of userIds) {{
    const [row] = await db.select({{ count: sql<number>`count(*)` }}).from(orders).where(eq(orders.userId, userId));
    counts[userId] = row?.count ?? 0;
  }}
  return counts;
}}

export class Repository{n} {{
  constructor(private readonly prefix: string) {{}}

  async summary(userId: string) {{
    const orderRows = await db.select().from(orders).where(and(eq(orders.userId, userId), eq(orders.archived, false)));
    const accountRows = await db.select().from(accounts).where(eq(accounts.ownerId, userId));
    return {{ prefix: this.prefix, orders: orderRows.length, accounts: accountRows.length }};
  }}

  async dependent(userId: string) {{
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    const rows = await db.select().from(orders).where(inArray(orders.userId, [user.id]));
    return rows;
  }}
}}

"""


def generate(repeat: int) -> str:
    return HEADER + "".join(REPETITION.format(n=n) for n in range(repeat))


def repeat_for(megabytes: float) -> int:
    one = len(REPETITION.format(n=1000).encode())
    return max(1, int(megabytes * 1024 * 1024 / one))


def main() -> None:
    parser = argparse.ArgumentParser()
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--mb", type=float, help="target size in MiB")
    group.add_argument("--repeat", type=int, help="number of repetitions")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    repeat = args.repeat if args.repeat is not None else repeat_for(args.mb)
    args.output.write_text(generate(repeat), encoding="utf-8")
    print(f"{args.output}: {repeat} repetitions, {args.output.stat().st_size / 1024 / 1024:.2f} MiB")


if __name__ == "__main__":
    main()
