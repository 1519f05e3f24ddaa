"""`check` reports what the fixpoint fixes: a group freed by an earlier fix counts, placed on the original."""

from __future__ import annotations

from dalfix.fixes import Applicability, Edit, Finding, Fix
from dalfix.parsing import line_col
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, later_findings, run

SOURCE = b"""import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { projects, teams, users } from "./schema";

const db = drizzle(new Pool({ connectionString: process.env.DATABASE_URL }));

export async function levels(userId: string) {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  const [team] = await db.select().from(teams).where(eq(teams.id, user.teamId));
  const [other] = await db.select().from(users).where(eq(users.id, userId));
  const [project] = await db.select().from(projects).where(eq(projects.id, user.projectId));
  return { user, team, other, project };
}

export async function single(userId: string) {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  return user;
}
"""


def _run(tmp_path, threshold):  # type: ignore[no-untyped-def]
    path = tmp_path / "levels.ts"
    path.write_bytes(SOURCE)
    return run([path], RunOptions(rules=select_rules(["DAL001"], [], False), fix_threshold=threshold))


def test_check_counts_the_groups_the_fixpoint_fixes(tmp_path) -> None:
    checked = _run(tmp_path, None)
    fixed = _run(tmp_path, Applicability.UNSAFE)
    (file,) = fixed.files
    assert len(file.applied) == 2, "the second group is found only after the first is fixed"
    assert len(checked.findings) == len(fixed.findings) == 2
    (result,) = checked.files
    assert len(result.findings) == 1 and len(result.later_findings) == 1  # round one, and the round after
    assert result.fixed == SOURCE and result.status == "unchanged"  # check writes nothing
    later = result.later_findings[0]
    assert "[team], [project]" in later.message and later.applicability is Applicability.SAFE
    assert later.fix is not None and later.fix.edits == ()  # its edits belong to an intermediate source
    start_line, _ = line_col(SOURCE, later.start)
    end_line, _ = line_col(SOURCE, later.end)
    assert 9 <= start_line <= end_line <= 12  # inside the function's reads on the original


def test_a_single_round_reports_no_later_findings(tmp_path) -> None:
    path = tmp_path / "one.ts"
    path.write_bytes(SOURCE.replace(b"  const [other]", b"  // const [other]"))
    result = run([path], RunOptions(rules=select_rules(["DAL001"], [], False)))
    assert [f.later_findings for f in result.files] == [[]]
    assert len(result.findings) == 1


def test_a_fix_found_again_every_round_is_reported_once() -> None:
    # A fix that does not converge is found on every round's source; on the original it is one finding.
    original = b"const a = 1;\nconst b = 2;\n"
    rounds = [original.replace(b"1", b"1" * n) for n in (2, 3, 4)]
    fix = Fix((Edit(0, 1, "x"),), Applicability.UNSAFE, "t")
    spans = [(source.index(b"const b"), source.index(b"const b") + 12) for source in rounds]
    again = [
        (Finding("DAL999", "loop", "same message", *span, fix), src) for span, src in zip(spans, rounds, strict=True)
    ]
    assert len(later_findings(original, [], again)) == 1
    other = (Finding("DAL999", "loop", "another message", *spans[0], fix), rounds[0])
    assert len(later_findings(original, [], [*again, other])) == 2


COUNTS = b"""import { and, eq, gte, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { integer, pgTable, serial, text, timestamp } from "drizzle-orm/pg-core";
import { Pool } from "pg";

export const invoices = pgTable("invoices", {
  id: serial("id").primaryKey(),
  teamId: integer("team_id").notNull(),
  status: text("status").notNull(),
  amount: integer("amount").notNull(),
  sentAt: timestamp("sent_at"),
});

const db = drizzle(new Pool());

export async function stats(teamId: number, from: Date) {
  const [sent] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(invoices)
    .where(and(eq(invoices.teamId, teamId), gte(invoices.sentAt, from)));
  const [paid] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(invoices)
    .where(and(eq(invoices.teamId, teamId), eq(invoices.status, "paid")));
  const [largest] = await db.select({ amount: invoices.amount }).from(invoices).where(eq(invoices.teamId, teamId));
  return { sent: sent.count, paid: paid.count, largest };
}
"""


def test_a_later_fix_of_code_an_earlier_fix_writes_is_counted_not_listed(tmp_path) -> None:
    # Held-out midday insights.ts:337: DAL006 merges the two counts into `[aggregates]`, then DAL001 groups
    # `[aggregates]` with `[largest]`. `check` listed that DAL001 on the original, naming `aggregates`, which is not
    # in the file; a finding must read right against the file as it is. `apply` still applies it.
    path = tmp_path / "stats.ts"
    path.write_bytes(COUNTS)
    rules = select_rules(["DAL001", "DAL006"], [], True)
    (checked,) = run([path], RunOptions(rules=rules)).files
    assert checked.follow_ups == 1 and not any("aggregates" in f.message for f in checked.later_findings)
    assert all("aggregates" not in f.message for f in checked.findings)
    (fixed,) = run([path], RunOptions(rules=rules, fix_threshold=Applicability.UNSAFE)).files
    assert b"const [[aggregates], [largest]] = await Promise.all([" in fixed.fixed
