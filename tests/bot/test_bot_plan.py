"""Placing findings without the network: suggestion, plain comment, or the review body."""

from __future__ import annotations

from pathlib import Path

from dalfix.bot.hunks import DiffMap
from dalfix.bot.markers import comment_fingerprint
from dalfix.bot.review_plan import (
    MAX_BODY_CHARS,
    FileFinding,
    Placement,
    PlannedComment,
    SummaryContext,
    plan_review,
    review_body,
)
from dalfix.fixes import Applicability, Edit, Finding, Fix

SOURCE = b"".join(f"const v{n} = {n};\n".encode() for n in range(1, 21))
PLACEMENT = Placement(Applicability.SAFE, "https://docs.example/#{code}")


def finding_on(
    line: int,
    *,
    text: str | None = None,
    applicability: Applicability | None = Applicability.SAFE,
    last_line: int | None = None,
) -> FileFinding:
    starts = [0] + [i + 1 for i, byte in enumerate(SOURCE) if byte == ord("\n")]
    start, end = starts[line - 1], starts[(last_line or line)] - 1
    fix = None
    if applicability is not None:
        fix = Fix((Edit(start, end, text if text is not None else f"const w{line} = 0;"),), applicability, "Do it")
    return FileFinding(
        "src/a.ts", Path("src/a.ts"), SOURCE, Finding("DAL001", "sequential-awaits", "msg", start, end, fix)
    )


def hunks(*ranges: tuple[int, int]) -> DiffMap:
    return DiffMap({"src/a.ts": [range(a, b + 1) for a, b in ranges]})


def test_a_safe_fix_inside_a_hunk_is_a_suggestion() -> None:
    plan = plan_review([finding_on(3)], hunks((1, 10)), set(), PLACEMENT)
    [comment] = plan.to_post
    assert comment.suggested and (comment.start_line, comment.line) == (3, 3)
    assert "```suggestion\nconst w3 = 0;\n```" in comment.body
    assert comment.payload() == {"path": "src/a.ts", "body": comment.body, "line": 3, "side": "RIGHT"}


def test_a_multi_line_payload_has_start_line_and_side() -> None:
    plan = plan_review([finding_on(3, last_line=5)], hunks((1, 10)), set(), PLACEMENT)
    payload = plan.to_post[0].payload()
    assert (payload["start_line"], payload["start_side"], payload["line"]) == (3, "RIGHT", 5)


def test_a_suggestion_across_hunks_falls_back_to_a_diff_on_its_first_line() -> None:
    plan = plan_review([finding_on(4, last_line=7)], hunks((1, 5), (7, 10)), set(), PLACEMENT)
    [comment] = plan.to_post
    assert not comment.suggested and (comment.start_line, comment.line) == (4, 4)
    assert (
        "```diff\n-const v4 = 4;\n-const v5 = 5;\n-const v6 = 6;\n-const v7 = 7;\n+const w4 = 0;\n```" in comment.body
    )
    assert "```suggestion" not in comment.body


def test_display_only_findings_are_plain_comments() -> None:
    plan = plan_review([finding_on(3, applicability=Applicability.DISPLAY_ONLY)], hunks((1, 10)), set(), PLACEMENT)
    [comment] = plan.to_post
    assert comment.body.startswith("**dalfix · no automatic fix**")
    assert "```" not in comment.body


def test_a_finding_without_a_fix_is_a_plain_comment() -> None:
    plan = plan_review([finding_on(3, applicability=None)], hunks((1, 10)), set(), PLACEMENT)
    assert plan.to_post[0].body.startswith("**dalfix · no automatic fix**")


def test_backticks_in_the_code_lengthen_the_fence() -> None:
    plan = plan_review([finding_on(3, text='const s = "```ts";')], hunks((1, 10)), set(), PLACEMENT)
    assert '````suggestion\nconst s = "```ts";\n````' in plan.to_post[0].body


def test_a_suggestion_too_long_for_a_comment_is_described_instead() -> None:
    huge = "const s = '" + "x" * 70_000 + "';"
    plan = plan_review([finding_on(3, text=huge)], hunks((1, 10)), set(), PLACEMENT)
    [comment] = plan.to_post
    assert len(comment.body) < 65_536 and "too long for a comment" in comment.body


def test_identical_findings_keep_distinct_fingerprints() -> None:
    source = b"const a = 1;\nconst a = 1;\n"
    items = [
        FileFinding("src/a.ts", Path("src/a.ts"), source, Finding("DAL001", "n", "m", start, start + 12, None))
        for start in (0, 13)
    ]
    plan = plan_review(items, hunks((1, 2)), set(), PLACEMENT)
    fingerprints = {comment_fingerprint(c.body) for c in plan.to_post}
    assert len(fingerprints) == 2 and fingerprints == plan.fingerprints


def test_existing_fingerprints_are_not_posted_again() -> None:
    first = plan_review([finding_on(3)], hunks((1, 10)), set(), PLACEMENT)
    again = plan_review([finding_on(3)], hunks((1, 10)), first.fingerprints, PLACEMENT)
    assert again.to_post == [] and len(again.already_posted) == 1


def test_the_review_body_stays_under_githubs_limit() -> None:
    long_message = "m" * 500
    outside = [
        PlannedComment("src/a.ts", n, n, "", f"{n:040x}", "DAL001", "safe fix", long_message, False, False)
        for n in range(1, 400)
    ]
    plan = plan_review([], hunks(), set(), PLACEMENT)
    plan.outside_diff = outside
    body = review_body(plan, SummaryContext("https://github.example/o/r/blob/abc", "1"), include_summary=True)
    assert len(body) <= MAX_BODY_CHARS
    assert "- … and " in body and "dalfix:review summary=" in body
