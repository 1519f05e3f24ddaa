"""What one review says: each finding as an inline comment (a suggestion when the fix applies), or a line of
the review body when GitHub would refuse it inline. Pure: no network, so every choice is unit-testable.

A finding becomes, in order of preference:
1. a ```suggestion comment on the whole lines its fix replaces, when the fix is applicable at the chosen
   threshold, converts to whole lines, and those lines lie in one diff hunk;
2. a plain comment on the finding's lines (or its first line) when they lie in one hunk, showing the fix
   as a ```diff block when it applies but cannot be a suggestion;
3. an entry of the review body ("outside the diff").
At most `max_comments` go inline (GitHub's abuse detection trips on more); the rest join the body.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from github.PullRequest import ReviewComment

from dalfix.bot.hunks import DiffMap
from dalfix.bot.markers import comment_marker, fingerprint, normalized, review_marker
from dalfix.bot.suggestions import Suggestion, fixed_by, line_span, suggestion_for
from dalfix.fixes import Applicability, Finding
from dalfix.render import template_environment

MAX_INLINE_COMMENTS = 30
# GitHub refuses bodies of 65,536 characters or more; stay clear of the limit.
MAX_BODY_CHARS = 60_000
MAX_SUMMARY_ITEMS = 200

LABELS = {
    Applicability.SAFE: "safe fix",
    Applicability.UNSAFE: "unsafe fix",
    Applicability.DISPLAY_ONLY: "no automatic fix",
}


@dataclass(frozen=True)
class FileFinding:
    """One finding with what is needed to place it: the file's path in the PR and its original bytes."""

    path: str
    local: Path
    original: bytes
    finding: Finding


@dataclass
class PlannedComment:
    path: str
    start_line: int
    line: int
    body: str
    fingerprint: str
    code: str
    label: str
    message: str
    inline: bool  # lies within one diff hunk
    suggested: bool
    reason: str = ""  # why it is in the review body instead of inline

    def payload(self) -> ReviewComment:
        """The comment as the create-review API takes it (`start_line` only when it differs from `line`)."""
        comment: ReviewComment = {"path": self.path, "body": self.body, "line": self.line, "side": "RIGHT"}
        if self.start_line < self.line:
            comment["start_line"] = self.start_line
            comment["start_side"] = "RIGHT"
        return comment

    def where(self) -> str:
        lines = f"{self.start_line}" if self.start_line == self.line else f"{self.start_line}-{self.line}"
        return f"{self.path}:{lines}"


@dataclass
class ReviewPlan:
    to_post: list[PlannedComment] = field(default_factory=list)
    already_posted: list[PlannedComment] = field(default_factory=list)
    outside_diff: list[PlannedComment] = field(default_factory=list)
    over_limit: list[PlannedComment] = field(default_factory=list)
    fingerprints: set[str] = field(default_factory=set)  # every comment this run produces

    @property
    def findings(self) -> int:
        return len(self.to_post) + len(self.already_posted) + len(self.outside_diff) + len(self.over_limit)


@dataclass(frozen=True)
class Placement:
    threshold: Applicability  # fixes up to this applicability become suggestions
    docs_url: str  # with `{code}` for the rule code in lower case
    max_comments: int = MAX_INLINE_COMMENTS


def plan_review(findings: list[FileFinding], diff: DiffMap, existing: set[str], placement: Placement) -> ReviewPlan:
    """Place every finding; comments whose fingerprint is in `existing` are not posted again."""
    plan = ReviewPlan()
    seen: Counter[str] = Counter()
    for item in sorted(findings, key=lambda f: (f.path, f.finding.start, f.finding.rule)):
        comment = _place(item, diff, placement)
        # Identical code twice in one file gives one fingerprint; number the repeats to keep both.
        seen[comment.fingerprint] += 1
        if seen[comment.fingerprint] > 1:
            comment = _with_fingerprint(comment, fingerprint(comment.fingerprint, str(seen[comment.fingerprint])))
        plan.fingerprints.add(comment.fingerprint)
        if comment.fingerprint in existing:
            plan.already_posted.append(comment)
        elif not comment.inline:
            plan.outside_diff.append(comment)
        elif len(plan.to_post) < placement.max_comments:
            plan.to_post.append(comment)
        else:
            comment.reason = f"over the {placement.max_comments} comments one review may hold"
            plan.over_limit.append(comment)
    return plan


def _place(item: FileFinding, diff: DiffMap, placement: Placement) -> PlannedComment:
    finding = item.finding
    applies = finding.fix is not None and finding.fix.applicability.allowed_by(placement.threshold)
    suggestion: Suggestion | None = None
    if applies and finding.fix is not None:
        fixed = fixed_by(item.local, item.original, finding.fix)
        suggestion = suggestion_for(item.original, fixed) if fixed is not None else None
    snippet = normalized(item.original[finding.start : finding.end].decode("utf-8", "surrogateescape"))
    render = _Renderer(item, placement)
    # A suggestion changes the commented lines only: a fix that also creates a file cannot be one.
    creates = finding.fix.creates if applies and finding.fix is not None else ()
    if suggestion is not None and not creates and diff.fits(item.path, suggestion.start_line, suggestion.line):
        fp = fingerprint(finding.rule, item.path, snippet, "\n".join(suggestion.lines))
        body = render(fp, suggestion=suggestion.lines)
        if len(body) <= MAX_BODY_CHARS:
            return render.comment(suggestion.start_line, suggestion.line, fp, body, suggested=True)

    diff_lines = None
    if suggestion is not None:
        diff_lines = [f"-{line}" for line in suggestion.original_lines] + [f"+{line}" for line in suggestion.lines]
    fp = fingerprint(finding.rule, item.path, snippet, "\n".join(diff_lines or ()))
    hint = ""
    if finding.applicability is Applicability.UNSAFE and not applies:
        hint = "This fix is unsafe (see the rule's Fix safety); run `dalfix diff --unsafe-fixes` to see it."
    elif creates:
        names = ", ".join(f"`{_created_name(item, new.path)}`" for new in creates)
        hint = (
            f"The fix also creates {names}, which a suggestion cannot do: "
            f"run `dalfix diff {item.path}` for the whole patch, or `dalfix apply` to write it."
        )
    elif applies and suggestion is None:
        hint = f"Run `dalfix diff {item.path}` to see the change."
    body = render(fp, diff=diff_lines, hint=hint)
    if len(body) > MAX_BODY_CHARS:
        body = render(fp, hint=f"The change is too long for a comment; run `dalfix diff {item.path}` to see it.")
    first, last = line_span(item.original, finding.start, finding.end)
    for start, end in ((first, last), (first, first)):
        if diff.fits(item.path, start, end):
            return render.comment(start, end, fp, body, suggested=False)
    return render.comment(first, last, fp, body, suggested=False, inline=False)


def _created_name(item: FileFinding, created: Path) -> str:
    """A created file's path as the PR names files: relative to the repository, from the commented file's path."""
    local, depth = item.local.resolve(), len(Path(item.path).parts)
    root = local.parents[depth - 1] if 0 < depth <= len(local.parents) else local.parent
    try:
        return created.resolve().relative_to(root).as_posix()
    except ValueError:
        return created.name


class _Renderer:
    def __init__(self, item: FileFinding, placement: Placement) -> None:
        self.item, self.placement = item, placement
        applicability = item.finding.applicability
        self.label = LABELS[applicability] if applicability else "no automatic fix"

    def __call__(
        self, fp: str, suggestion: list[str] | None = None, diff: list[str] | None = None, hint: str = ""
    ) -> str:
        finding = self.item.finding
        return (
            template_environment()
            .get_template("bot/comment.md.j2")
            .render(
                label=self.label,
                code=finding.rule,
                name=finding.name,
                docs_url=self.placement.docs_url.format(code=finding.rule.lower()),
                message=finding.message,
                suggestion=suggestion,
                diff=diff,
                fence=_fence([*(suggestion or ()), *(diff or ())]),
                fix_title=finding.fix.title if finding.fix and (suggestion is not None or diff is not None) else "",
                hint=hint,
                notes=list(finding.notes),
                marker=comment_marker(fp),
            )
        )

    def comment(
        self, start: int, end: int, fp: str, body: str, *, suggested: bool, inline: bool = True
    ) -> PlannedComment:
        finding = self.item.finding
        return PlannedComment(
            path=self.item.path,
            start_line=start,
            line=end,
            body=body,
            fingerprint=fp,
            code=finding.rule,
            label=self.label,
            message=finding.message,
            inline=inline,
            suggested=suggested,
            reason="" if inline else "outside the diff",
        )


def _with_fingerprint(comment: PlannedComment, fp: str) -> PlannedComment:
    body = comment.body.replace(comment_marker(comment.fingerprint), comment_marker(fp))
    return PlannedComment(**{**comment.__dict__, "fingerprint": fp, "body": body})


def _fence(lines: list[str]) -> str:
    """A code fence longer than any run of backticks inside (TS template literals may hold ```)."""
    longest = 0
    for line in lines:
        run = 0
        for char in line:
            run = run + 1 if char == "`" else 0
            longest = max(longest, run)
    return "`" * max(3, longest + 1)


@dataclass(frozen=True)
class SummaryContext:
    blob_url: str  # https://github.com/o/r/blob/<head sha>
    run_id: str
    failed_files: tuple[str, ...] = ()
    refused: tuple[tuple[PlannedComment, str], ...] = ()  # comments GitHub rejected, with its reason


def summary_fingerprint(plan: ReviewPlan, failed_files: tuple[str, ...]) -> str:
    """What the body reports beyond new comments; a re-run whose summary is already posted leaves it out.

    Comments GitHub refused are not part of it: each is listed with its own marker, and a re-run counts
    them as already posted.
    """
    parts = sorted(c.fingerprint for c in [*plan.outside_diff, *plan.over_limit]) + sorted(failed_files)
    return fingerprint("summary", *parts)


def review_body(plan: ReviewPlan, context: SummaryContext, include_summary: bool) -> str:
    inline = len(plan.to_post) - len(context.refused)
    counts = [f"{plan.findings} finding{'s' if plan.findings != 1 else ''} in the changed files"]
    if inline > 0:
        counts.append(f"{inline} posted as comments below")
    if plan.already_posted:
        counts.append(f"{len(plan.already_posted)} already commented on")
    headline = "; ".join(counts) + "."
    sections = [
        _section(
            "Refused by GitHub",
            "(moved here so that the rest of the review could be posted):",
            [c for c, _ in context.refused],
            context,
            reasons=[r for _, r in context.refused],
        )
    ]
    if include_summary:
        sections.insert(
            0,
            _section(
                "Outside the diff",
                "(GitHub takes comments only on lines the pull request shows):",
                plan.outside_diff,
                context,
            ),
        )
        sections.insert(
            1,
            _section(
                "Not posted inline",
                f"(one review holds at most {MAX_INLINE_COMMENTS} comments):",
                plan.over_limit,
                context,
            ),
        )
    elif plan.outside_diff or plan.over_limit:
        headline += " The others are listed in an earlier dalfix review."
    sections = [s for s in sections if s.entries]
    marker = review_marker(summary_fingerprint(plan, context.failed_files), context.run_id)
    failed = list(context.failed_files) if include_summary else []

    def render() -> str:
        return (
            template_environment()
            .get_template("bot/review.md.j2")
            .render(headline=headline, sections=sections, failed_files=failed, marker=marker)
        )

    body = render()
    while len(body) > MAX_BODY_CHARS and any(s.entries for s in sections):
        biggest = max(sections, key=lambda s: len(s.entries))
        keep = len(biggest.entries) // 2
        biggest.more += len(biggest.entries) - keep
        biggest.entries = biggest.entries[:keep]
        body = render()
    return body


@dataclass
class SummarySection:
    title: str
    why: str
    entries: list[dict[str, str]]
    more: int = 0  # entries left out for length


def _section(
    title: str,
    why: str,
    comments: list[PlannedComment],
    context: SummaryContext,
    reasons: list[str] | None = None,
) -> SummarySection:
    entries = [
        {
            "where": c.where(),
            "url": f"{context.blob_url}/{quote(c.path)}#L{c.start_line}"
            + (f"-L{c.line}" if c.line != c.start_line else ""),
            "code": c.code,
            "label": c.label,
            "message": c.message,
            "reason": reasons[i] if reasons else "",
            "marker": comment_marker(c.fingerprint) if reasons else "",
        }
        for i, c in enumerate(comments)
    ]
    return SummarySection(title, why, entries[:MAX_SUMMARY_ITEMS], max(0, len(entries) - MAX_SUMMARY_ITEMS))
