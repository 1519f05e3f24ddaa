"""`dalfix bot review`: run dalfix on a pull request's changed files and post what it finds as one review.

The bot only reads and parses the files of the checkout (it never runs code from the pull request), refuses
paths from the API that lead outside the checkout, and posts with the commit id of the head it analysed so
every line number refers to the code it read. A re-run posts only what is new and deletes its own comments
whose finding is gone, unless someone answered them.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from github.Commit import Commit
from github.PullRequest import PullRequest, ReviewComment
from github.PullRequestComment import PullRequestComment
from github.PullRequestReview import PullRequestReview

from dalfix.bot.github_api import ApiError, BotError, GitHubApi, listed
from dalfix.bot.hunks import DiffMap
from dalfix.bot.markers import comment_fingerprint, comment_fingerprints, review_run_id, review_summary_fingerprint
from dalfix.bot.review_plan import (
    FileFinding,
    Placement,
    PlannedComment,
    ReviewPlan,
    SummaryContext,
    plan_review,
    review_body,
    summary_fingerprint,
)
from dalfix.discovery import is_source_file
from dalfix.rules import Rule
from dalfix.runner import RunOptions, run

# Comments GitHub may refuse one by one before the rest of them go into the review body instead.
MAX_REFUSED = 5


@dataclass(frozen=True)
class ReviewOptions:
    repository: str  # owner/name
    number: int
    checkout: Path
    rules: Sequence[type[Rule]]
    placement: Placement
    exclude: tuple[str, ...] = ()
    bot_login: str | None = None  # when set, only this account's marked comments count as the bot's
    dry_run: bool = False


@dataclass
class ReviewOutcome:
    plan: ReviewPlan
    review_url: str | None = None
    refused: list[tuple[PlannedComment, str]] = field(default_factory=list)
    deleted: int = 0
    failed_files: list[str] = field(default_factory=list)
    unsafe_paths: list[str] = field(default_factory=list)
    posted_body: str | None = None

    @property
    def findings(self) -> int:
        return self.plan.findings


def review_pull_request(api: GitHubApi, options: ReviewOptions, log: Callable[[str], None]) -> ReviewOutcome:
    repo = api.call("read the repository", lambda: api.client.get_repo(options.repository))
    pr = api.call(f"read pull request #{options.number}", lambda: repo.get_pull(options.number))
    head_sha = pr.head.sha
    require_checkout_at(options.checkout, head_sha)
    files = api.call("list the changed files", lambda: [listed(f) for f in pr.get_files()])
    comments = api.call("list the review comments", lambda: list(pr.get_review_comments()))
    reviews = api.call("list the reviews", lambda: [listed(r) for r in pr.get_reviews()])

    local_paths, unsafe = _local_paths(options.checkout, files)
    for path in unsafe:
        log(f"skipped {path!r}: the path leads outside the checkout")
    findings, failed = _analyse(local_paths, options)
    diff = DiffMap.from_patches((f["filename"], f.get("patch")) for f in files)

    ours = [c for c in comments if _is_ours(c, options.bot_login)]
    existing = {comment_fingerprint(listed(c).get("body")) or "" for c in ours}
    for review in reviews:
        if review_run_id(review.get("body")):
            existing |= comment_fingerprints(review.get("body"))
    plan = plan_review(findings, diff, existing, options.placement)
    outcome = ReviewOutcome(plan, failed_files=failed, unsafe_paths=unsafe)

    posted_summaries = {review_summary_fingerprint(r.get("body")) for r in reviews}
    has_summary = bool(plan.outside_diff or plan.over_limit or failed)
    include_summary = has_summary and summary_fingerprint(plan, tuple(failed)) not in posted_summaries
    stale = _stale(ours, comments, plan)
    if options.dry_run:
        outcome.deleted = len(stale)
        outcome.posted_body = _dry_body(plan, repo.html_url, head_sha, failed, include_summary)
        return outcome
    if plan.to_post or include_summary:
        context = SummaryContext(f"{repo.html_url}/blob/{head_sha}", uuid.uuid4().hex, tuple(failed))
        posted, outcome.refused, outcome.posted_body = _submit(
            api, pr, _commit(api, options.repository, head_sha), plan, context, include_summary, log
        )
        outcome.review_url = listed(posted).get("html_url")
    for comment in stale:
        _delete(api, comment)
        outcome.deleted += 1
    return outcome


def _commit(api: GitHubApi, repository: str, sha: str) -> Commit:
    """The head commit as create_review takes it, without fetching it (only its sha is sent)."""
    return api.client.withLazy(True).get_repo(repository).get_commit(sha)


def require_checkout_at(checkout: Path, sha: str) -> None:
    """The line numbers of the review are those of the files read: the checkout must be the PR head."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BotError(f"{checkout} is not a git checkout: {getattr(exc, 'stderr', '') or exc}".strip()) from None
    if head != sha:
        raise BotError(
            f"the checkout is at {head[:12]} but the pull request's head is {sha[:12]}; check out the head "
            "(actions/checkout with `ref: ${{ github.event.pull_request.head.sha }}`)"
        )


def safe_local_path(checkout: Path, api_path: str) -> Path | None:
    """`api_path` inside the checkout, or None when it is absolute, climbs out, or resolves outside it."""
    pure = PurePosixPath(api_path)
    if not api_path or pure.is_absolute() or ".." in pure.parts or "\x00" in api_path:
        return None
    candidate = checkout / pure
    try:
        candidate.resolve().relative_to(checkout.resolve())
    except (ValueError, OSError):
        return None
    return candidate


def _local_paths(checkout: Path, files: list[dict[str, Any]]) -> tuple[dict[Path, str], list[str]]:
    local: dict[Path, str] = {}
    unsafe: list[str] = []
    for entry in files:
        name = str(entry.get("filename") or "")
        if entry.get("status") == "removed" or not is_source_file(Path(name)):
            continue
        path = safe_local_path(checkout, name)
        if path is None:
            unsafe.append(name)
        elif path.is_file():
            local[Path(_absolute(path))] = name
    return local, unsafe


def _absolute(path: Path) -> str:
    return os.path.abspath(path)


def _analyse(local_paths: dict[Path, str], options: ReviewOptions) -> tuple[list[FileFinding], list[str]]:
    if not local_paths:
        return [], []
    result = run(list(local_paths), RunOptions(rules=options.rules, fix_threshold=None, exclude=options.exclude))
    findings: list[FileFinding] = []
    failed: list[str] = []
    for file in result.files:
        name = local_paths.get(Path(_absolute(file.path)))
        if name is None:
            continue
        if file.status == "failed":
            failed.append(name)
        findings.extend(FileFinding(name, file.path, file.original, finding) for finding in file.findings)
    return findings, failed


def _is_ours(comment: PullRequestComment, bot_login: str | None) -> bool:
    data = listed(comment)
    if comment_fingerprint(data.get("body")) is None:
        return False
    return bot_login is None or (data.get("user") or {}).get("login") == bot_login


def _stale(ours: list[PullRequestComment], comments: list[PullRequestComment], plan: ReviewPlan) -> list[Any]:
    """The bot's comments whose finding is gone and that nobody answered."""
    answered = {listed(c).get("in_reply_to_id") for c in comments}
    return [
        c
        for c in ours
        if comment_fingerprint(listed(c).get("body")) not in plan.fingerprints and listed(c).get("id") not in answered
    ]


def _submit(
    api: GitHubApi,
    pr: PullRequest,
    commit: Commit,
    plan: ReviewPlan,
    context: SummaryContext,
    include_summary: bool,
    log: Callable[[str], None],
) -> tuple[PullRequestReview, list[tuple[PlannedComment, str]], str]:
    """Post one review. On 422, find the comment GitHub refuses, move it to the body and post again."""
    comments = list(plan.to_post)
    refused: list[tuple[PlannedComment, str]] = []
    while True:
        context = SummaryContext(context.blob_url, context.run_id, context.failed_files, tuple(refused))
        body = review_body(plan, context, include_summary)
        payload = [c.payload() for c in comments]

        def create(body: str = body, payload: list[ReviewComment] = payload) -> PullRequestReview:
            return pr.create_review(commit=commit, body=body, event="COMMENT", comments=payload)

        def landed(run_id: str = context.run_id) -> PullRequestReview | None:
            return next((r for r in pr.get_reviews() if review_run_id(r.body) == run_id), None)

        try:
            return api.call("post the review", create, landed=landed), refused, body
        except ApiError as exc:
            if exc.status != 422 or not comments:
                raise
            reason = "; ".join(exc.errors) or str(exc)
            found = _refused_comment(api, pr, commit, comments) if len(refused) < MAX_REFUSED else None
            if found is None:
                log(f"GitHub refused the review ({reason}); posting its comments in the review body instead")
                refused.extend((c, reason) for c in comments)
                comments = []
            else:
                index, why = found
                log(f"GitHub refused the comment on {comments[index].where()} ({why}); posting the rest")
                refused.append((comments.pop(index), why))


def _refused_comment(
    api: GitHubApi, pr: PullRequest, commit: Commit, comments: list[PlannedComment]
) -> tuple[int, str] | None:
    """The index of a comment GitHub refuses, found by bisection with pending (unpublished) reviews.

    GitHub's 422 does not say which comment it refuses. A review created without an event stays pending,
    visible to nobody else, and is deleted right after; about log2(n) such probes isolate the comment.
    """
    accepted, reason = _probe(api, pr, commit, comments)
    if accepted:
        return None
    low, high = 0, len(comments)
    while high - low > 1:
        middle = (low + high) // 2
        accepted, why = _probe(api, pr, commit, comments[low:middle])
        if accepted:
            low = middle
        else:
            high, reason = middle, why
    return low, reason


def _probe(api: GitHubApi, pr: PullRequest, commit: Commit, comments: list[PlannedComment]) -> tuple[bool, str]:
    payload = [c.payload() for c in comments]
    try:
        pending = api.call("check comments", lambda: pr.create_review(commit=commit, comments=payload))
    except ApiError as exc:
        if exc.status == 422:
            return False, "; ".join(exc.errors) or str(exc)
        raise
    api.call("delete the pending check review", pending.delete)
    return True, ""


def _delete(api: GitHubApi, comment: PullRequestComment) -> None:
    try:
        api.call("delete a stale dalfix comment", comment.delete)
    except ApiError as exc:
        if exc.status != 404:  # already gone
            raise


def _dry_body(plan: ReviewPlan, html_url: str, sha: str, failed: list[str], include_summary: bool) -> str:
    return review_body(plan, SummaryContext(f"{html_url}/blob/{sha}", "0", tuple(failed)), include_summary)
