"""`dalfix bot review` end to end against the stand-in GitHub: one review, suggestions inside the diff,
the rest in the body, idempotent re-runs, stale comments removed, and GitHub's errors handled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import HEADER, PullRequestCase, sequential_reads
from fake_github import FakeGitHub

from dalfix.bot.github_api import BotError, RetryPolicy
from dalfix.bot.review import ReviewOptions, ReviewOutcome, review_pull_request, safe_local_path
from dalfix.bot.review_plan import Placement
from dalfix.fixes import Applicability
from transforms.sequential_awaits import SequentialAwaits

DOCS = "https://docs.example/rules.md#{code}"


def options(case: PullRequestCase, **kw: object) -> ReviewOptions:
    threshold = Applicability.UNSAFE if kw.pop("unsafe", False) else Applicability.SAFE
    return ReviewOptions(
        repository=case.fake.full_name,
        number=case.number,
        checkout=case.repo,
        rules=[SequentialAwaits],
        placement=Placement(threshold, DOCS, int(kw.pop("max_comments", 30))),  # type: ignore[call-overload]
        **kw,  # type: ignore[arg-type]
    )


def review(case: PullRequestCase, **kw: object) -> ReviewOutcome:
    return review_pull_request(case.api(), options(case, **kw), case.logs.append)


def test_a_fix_in_the_diff_becomes_one_suggestion(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})

    outcome = review(case)

    assert outcome.findings == 1
    [posted] = fake.submitted_reviews(7)
    assert posted["state"] == "COMMENTED" and posted["commit_id"] == case.head_sha
    [comment] = fake.comments_of(7)
    assert (comment["path"], comment["start_line"], comment["line"], comment["side"]) == ("src/users.ts", 6, 7, "RIGHT")
    body = comment["body"]
    assert body.startswith("**dalfix · safe fix** · [`DAL001` sequential-awaits](https://docs.example/rules.md#dal001)")
    suggestion = re.search(r"```suggestion\n(.*?)```", body, re.S)
    assert suggestion is not None
    assert suggestion.group(1) == (
        "  const [[a], [b]] = await Promise.all([\n"
        "    db.select().from(users).where(eq(users.id, id)),\n"
        "    db.select().from(posts).where(eq(posts.id, id)),\n"
        "  ]);\n"
    )
    assert re.search(r"<!-- dalfix:fp=[0-9a-f]{40} -->$", body)
    assert "1 finding in the changed files; 1 posted as comments below." in posted["body"]
    assert "dalfix:review summary=" in posted["body"]


def test_committing_the_suggestion_gives_the_fixed_file(make_pr, fake: FakeGitHub) -> None:
    from dalfix.bot.suggestions import apply_suggestion

    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    review(case)
    [comment] = fake.comments_of(7)
    lines = re.search(r"```suggestion\n(.*?)```", comment["body"], re.S).group(1).split("\n")[:-1]  # type: ignore[union-attr]
    original = (case.repo / "src/users.ts").read_bytes()
    committed = apply_suggestion(original, comment["start_line"], comment["line"], lines)
    assert b"await Promise.all([" in committed
    assert committed.count(b"await") == 1


def test_a_single_line_comment_has_no_start_line(make_pr, fake: FakeGitHub) -> None:
    one_line = (
        "\nexport async function load(id: string) {\n"
        "  const [a] = await db.select().from(users).where(eq(users.id, id)); const [b] = await "
        "db.select().from(posts).where(eq(posts.id, id));\n"
        "  return { a, b };\n}\n"
    )
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + one_line})
    review(case)
    [payload] = [p for _, _, p in fake.requests("POST", r"/pulls/7/reviews")]
    [comment] = payload["comments"]
    assert comment["line"] == 6 and "start_line" not in comment and "start_side" not in comment


def test_a_rerun_posts_nothing_already_there(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    review(case)
    again = review(case)

    assert len(fake.submitted_reviews(7)) == 1
    assert len(fake.comments_of(7)) == 1
    assert again.findings == 1 and len(again.plan.already_posted) == 1 and again.deleted == 0
    # The stand-in leaves `in_reply_to_id` out, as GitHub does; reading it must not fetch each comment.
    assert not fake.requests("GET", r"/pulls/comments/\d+")


def test_a_new_push_adds_only_the_new_finding(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    review(case)
    case.push({"src/users.ts": HEADER + sequential_reads("load") + sequential_reads("again")})
    second = review(case)

    assert len(fake.submitted_reviews(7)) == 2
    assert len(second.plan.to_post) == 1 and len(second.plan.already_posted) == 1
    assert sorted(c["line"] for c in fake.comments_of(7)) == [7, 13]


def test_stale_comments_are_deleted_unless_answered(make_pr, fake: FakeGitHub) -> None:
    both = HEADER + sequential_reads("load") + sequential_reads("again")
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": both})
    review(case)
    first, second = sorted(fake.comments_of(7), key=lambda c: c["line"])
    fake.add_review_comment(7, "src/users.ts", second["line"], "Why is this safe?", in_reply_to=second["id"])
    # Both findings fixed: the first comment goes, the answered one stays.
    case.push({"src/users.ts": HEADER + "\nexport const nothing = 1;\n"})
    outcome = review(case)

    assert outcome.findings == 0 and outcome.deleted == 1
    remaining = {c["id"] for c in fake.comments_of(7)}
    assert first["id"] not in remaining and second["id"] in remaining
    assert len(fake.submitted_reviews(7)) == 1  # nothing new to say: no second review


def test_comments_of_others_are_never_deleted(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + "\nexport const x = 1;\n"})
    human = fake.add_review_comment(7, "src/users.ts", 5, "looks fine <!-- dalfix:fp=" + "0" * 40 + " -->")
    review(case, bot_login="dalfix-bot[bot]")
    assert human["id"] in {c["id"] for c in fake.comments_of(7)}


def test_findings_outside_the_diff_go_into_the_body(make_pr, fake: FakeGitHub) -> None:
    old = HEADER + sequential_reads("old") + "\n" * 10
    case = make_pr({"src/users.ts": old}, {"src/users.ts": old + "export const added = 1;\n"})
    outcome = review(case)

    assert outcome.findings == 1 and len(outcome.plan.outside_diff) == 1
    [posted] = fake.submitted_reviews(7)
    assert fake.comments_of(7) == []
    assert "**Outside the diff**" in posted["body"]
    url = f"https://github.example/acme/shop/blob/{case.head_sha}/src/users.ts#L6-L7"
    assert f"[`src/users.ts:6-7`]({url}) `DAL001` safe fix:" in posted["body"]
    # The same summary is not posted twice.
    review(case)
    assert len(fake.submitted_reviews(7)) == 1


def test_at_most_thirty_comments_the_rest_in_the_body(make_pr, fake: FakeGitHub) -> None:
    text = HEADER + "".join(sequential_reads(f"load{n}") for n in range(35))
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": text})
    outcome = review(case)

    assert outcome.findings == 35
    [payload] = [p for _, _, p in fake.requests("POST", r"/pulls/7/reviews")]
    assert len(payload["comments"]) == 30
    [posted] = fake.submitted_reviews(7)
    assert "**Not posted inline** (one review holds at most 30 comments):" in posted["body"]
    assert posted["body"].count("`DAL001` safe fix:") == 5
    # Pagination: the second run lists 30 comments over pages and posts the remaining five.
    review(case)
    assert len(fake.comments_of(7)) == 35


def test_the_stand_in_refuses_what_github_refuses(make_pr, fake: FakeGitHub) -> None:
    """The checks the bot's local validation is tested against."""
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + "export const x = 1;\n"})
    api = case.api(RetryPolicy(rate_limit_waits=0))
    pr = api.client.get_repo(fake.full_name).get_pull(7)
    commit = api.client.withLazy(True).get_repo(fake.full_name).get_commit(case.head_sha)

    def refused(comments: list[dict[str, object]]) -> int:
        try:
            pr.create_review(commit=commit, body="x", event="COMMENT", comments=comments)
        except Exception as exc:  # noqa: BLE001
            return exc.status  # type: ignore[attr-defined,no-any-return]
        return 0

    outside = {"path": "src/users.ts", "line": 2, "side": "RIGHT", "body": "x"}
    assert refused([outside]) == 0  # line 2 is context of the only hunk
    assert refused([{**outside, "line": 50}]) == 422
    assert refused([{**outside, "line": 4, "start_line": 4, "start_side": "RIGHT"}]) == 422
    assert refused([{**outside, "path": "src/other.ts"}]) == 422
    assert refused([outside] * 31) == 403


def test_a_comment_github_refuses_is_moved_to_the_body(make_pr, fake: FakeGitHub) -> None:
    text = HEADER + sequential_reads("load") + sequential_reads("again") + sequential_reads("third")
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": text})
    fake.refused_lines.add(("src/users.ts", 13))  # GitHub disagrees with the patch about the second one

    outcome = review(case)

    [posted] = fake.submitted_reviews(7)
    assert sorted(c["line"] for c in fake.comments_of(7)) == [7, 19]
    assert [c.line for c, _ in outcome.refused] == [13]
    assert "**Refused by GitHub**" in posted["body"]
    assert "Pull request review thread line must be part of the diff" in posted["body"]
    assert not [r for r in fake.reviews if r["state"] == "PENDING"]  # the probes are cleaned up
    # A re-run counts the refused comment as posted (it is listed with its marker) and posts nothing.
    review(case)
    assert len(fake.submitted_reviews(7)) == 1


def test_server_errors_are_retried_with_backoff(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    fake.fail("GET", r"/pulls/7/files", 502)
    fake.fail("POST", r"/pulls/7/reviews", 503, times=2)

    review(case)

    assert len(fake.submitted_reviews(7)) == 1
    assert case.sleeps == [2.0, 2.0, 4.0]


def test_a_review_created_despite_a_5xx_is_not_posted_twice(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    fake.fail("POST", r"/pulls/7/reviews", 502, after=True)  # GitHub created it, then the proxy failed

    review(case)

    assert len(fake.submitted_reviews(7)) == 1
    assert len(fake.requests("POST", r"/pulls/7/reviews")) == 1


def test_persistent_server_errors_fail_after_bounded_retries(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    fake.fail("GET", r"/pulls/7", 500, times=100)

    with pytest.raises(BotError, match=r"read pull request #7: failed 4 times; last error: HTTP 500"):
        review(case)
    assert case.sleeps == [2.0, 4.0, 8.0]


@pytest.mark.parametrize(
    ("status", "headers", "expected_wait"),
    [
        (403, {"Retry-After": "30"}, 30.0),
        (429, {"Retry-After": "7"}, 7.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(1_700_000_000 + 120)}, 121.0),
        (429, {}, 60.0),
    ],
)
def test_rate_limits_wait_as_github_asks(make_pr, fake: FakeGitHub, status, headers, expected_wait) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    fake.fail("POST", r"/pulls/7/reviews", status, headers=headers, body={"message": "API rate limit exceeded"})

    review(case)

    assert case.sleeps == [expected_wait]
    assert len(fake.submitted_reviews(7)) == 1


def test_a_plain_403_is_an_error_not_a_wait(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    fake.fail("POST", r"/pulls/7/reviews", 403, body={"message": "Resource not accessible by integration"})

    with pytest.raises(BotError, match="HTTP 403: Resource not accessible by integration"):
        review(case)
    assert case.sleeps == []


def test_a_rate_limit_reset_too_far_away_fails(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    fake.fail("GET", r"", 403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(1_700_000_000 + 3600)})

    with pytest.raises(BotError, match="rate limited by GitHub"):
        review_pull_request(case.api(RetryPolicy(max_wait=600)), options(case), case.logs.append)
    assert case.sleeps == []


def test_the_checkout_must_be_the_head(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    fake.pulls[7].head_sha = "1" * 40
    with pytest.raises(BotError, match="the checkout is at .* but the pull request's head is 111111111111"):
        review(case)
    assert fake.submitted_reviews(7) == []


def test_unsafe_fixes_are_labelled_and_suggested_only_when_asked(make_pr, fake: FakeGitHub) -> None:
    repo_ts = HEADER + (
        "\nexport async function getUser(id: string) {\n"
        "  const [u] = await db.select().from(users).where(eq(users.id, id));\n"
        "  return u;\n}\n"
    )
    service = (
        'import { getUser } from "./repo";\n\n'
        "export async function load(id: string) {\n"
        "  const a = await getUser(id);\n"
        "  const b = await getUser(id + 'x');\n"
        "  return { a, b };\n}\n"
    )
    case = make_pr({"src/repo.ts": repo_ts}, {"src/service.ts": service})
    review(case)
    [plain] = fake.comments_of(7)
    assert plain["body"].startswith("**dalfix · unsafe fix**")
    assert "```suggestion" not in plain["body"] and "--unsafe-fixes" in plain["body"]

    review(case, unsafe=True)  # a different comment: the old one is replaced
    [suggested] = fake.comments_of(7)
    assert suggested["body"].startswith("**dalfix · unsafe fix**") and "```suggestion" in suggested["body"]


def test_paths_outside_the_checkout_are_never_read(make_pr, fake: FakeGitHub, tmp_path: Path) -> None:
    secret = tmp_path / "secret.ts"
    secret.write_text(HEADER + sequential_reads("leak"))
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + "export const x = 1;\n"})
    (case.repo / "src/link.ts").symlink_to(secret)
    fake.pulls[7].files += [
        {"filename": "src/link.ts", "status": "added", "patch": "@@ -0,0 +1,12 @@\n+x"},
        {"filename": "../secret.ts", "status": "added", "patch": "@@ -0,0 +1,12 @@\n+x"},
        {"filename": "/etc/passwd.ts", "status": "added", "patch": "@@ -0,0 +1,1 @@\n+x"},
    ]
    outcome = review(case)

    assert outcome.findings == 0
    assert sorted(outcome.unsafe_paths) == ["../secret.ts", "/etc/passwd.ts", "src/link.ts"]
    assert "leak" not in str(fake.log)


def test_safe_local_path() -> None:
    root = Path("/work/checkout")
    assert safe_local_path(root, "src/a.ts") == root / "src/a.ts"
    for bad in ("../a.ts", "src/../../a.ts", "/abs.ts", "", "a\x00.ts"):
        assert safe_local_path(root, bad) is None


def test_dry_run_posts_and_deletes_nothing(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    outcome = review(case, dry_run=True)
    assert outcome.findings == 1 and len(outcome.plan.to_post) == 1
    assert not fake.requests("POST", r".*") and not fake.requests("DELETE", r".*")
