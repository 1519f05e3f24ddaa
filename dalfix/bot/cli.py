"""`dalfix bot review` and `dalfix bot fix-pr`: the GitHub pull-request bot's command line.

The token comes only from the GITHUB_TOKEN environment variable (an option would put it in the process
list and in shell history); every line printed and every error passes through a redactor first.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import click

from dalfix.bot.fix_pr import DEFAULT_BRANCH, FixPrOptions, fix_pull_request
from dalfix.bot.github_api import DEFAULT_API_URL, BotError, GitHubApi, Redactor, RetryPolicy
from dalfix.bot.review import ReviewOptions, ReviewOutcome, review_pull_request
from dalfix.bot.review_plan import MAX_INLINE_COMMENTS, Placement
from dalfix.fixes import Applicability
from dalfix.report import DOCS_URL, counted
from dalfix.rules import Rule, UnknownRule, select_rules

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def _split(values: tuple[str, ...]) -> list[str]:
    return [part for value in values for part in value.split(",") if part.strip()]


# GitHub's rules: an owner is 1-39 letters, digits or single hyphens; a name is letters, digits, `.`, `-`, `_`.
REPOSITORY = re.compile(r"(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})/(?P<name>[A-Za-z0-9._-]{1,100})")


def _valid_repository(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """`--repo` must be owner/name before any request is built from it (no `../`, `?`, `#`, spaces or hosts)."""
    match = REPOSITORY.fullmatch(value or "")
    if match is None or match.group("name") in (".", ".."):
        raise click.BadParameter(f"{value!r} is not owner/name (e.g. octo-org/shop)", ctx, param)
    return value


def _shared(function):  # type: ignore[no-untyped-def]
    options = [
        click.option(
            "--repo",
            "repository",
            envvar="GITHUB_REPOSITORY",
            required=True,
            callback=_valid_repository,
            help="owner/name of the repository (default: $GITHUB_REPOSITORY).",
        ),
        click.option(
            "--api-url",
            envvar="GITHUB_API_URL",
            default=DEFAULT_API_URL,
            show_default=True,
            help="REST API base URL; for GitHub Enterprise Server https://HOST/api/v3 (default: $GITHUB_API_URL).",
        ),
        click.option("--select", multiple=True, help="Rule codes, prefixes or names to run."),
        click.option("--ignore", multiple=True, help="Rule codes, prefixes or names to skip."),
        click.option("--preview", is_flag=True, help="Also run rules still in preview."),
        click.option("--exclude", multiple=True, help="Gitignore-style patterns of paths to skip."),
        click.option("--unsafe-fixes", is_flag=True, help="Include fixes marked unsafe (default: safe fixes only)."),
        click.option(
            "--docs-url",
            default=DOCS_URL,
            show_default=True,
            help="Link to a rule's documentation; `{code}` becomes the rule code in lower case.",
        ),
        click.option(
            "--max-wait",
            type=float,
            default=RetryPolicy.max_wait,
            show_default=True,
            help="Longest rate-limit wait (seconds) to sit through before giving up.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def bot() -> None:
    """GitHub pull-request bot: review comments with one-click suggestions, and fix pull requests.

    Reads the token from GITHUB_TOKEN. Exit codes: see `dalfix bot review --help` and `dalfix bot fix-pr --help`.
    """


@bot.command()
@click.option("--pr", "number", type=int, required=True, help="Number of the pull request to review.")
@click.option(
    "--checkout",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="A checkout of the pull request's head commit.",
)
@click.option("--bot-login", help="Only treat comments by this account as the bot's own (e.g. github-actions[bot]).")
@click.option("--dry-run", is_flag=True, help="Read the pull request and print the review instead of posting it.")
@_shared
def review(  # type: ignore[no-untyped-def]
    number,
    checkout,
    bot_login,
    dry_run,
    repository,
    api_url,
    select,
    ignore,
    preview,
    exclude,
    unsafe_fixes,
    docs_url,
    max_wait,
) -> None:
    """Post one review on a pull request: dalfix's findings in its changed files, fixes as suggestions.

    Fixes become ```suggestion comments on the lines they replace (safe fixes; unsafe ones too with
    --unsafe-fixes); other findings become plain comments; findings on lines outside the diff, and any
    beyond 30 comments, are listed in the review body. A re-run posts only what is new and deletes the
    bot's earlier comments whose finding is gone, unless someone replied.

    Exit codes: 0 no findings in the changed files; 1 findings reported (in this review or an earlier
    one); 2 error (GitHub refused or failed, the checkout is not the head, a file could not be analysed).
    """
    redact, log = _logger()
    api = _api(api_url, max_wait, log)
    redact = api.redact
    threshold = Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE
    options = ReviewOptions(
        repository=repository,
        number=number,
        checkout=checkout,
        rules=_rules(select, ignore, preview),
        placement=Placement(threshold, docs_url, MAX_INLINE_COMMENTS),
        exclude=tuple(exclude),
        bot_login=bot_login,
        dry_run=dry_run,
    )
    outcome = _guarded(redact, lambda: review_pull_request(api, options, log))
    if dry_run and outcome.posted_body is not None:
        shown = [f"--- {c.where()}\n{c.body}\n" for c in outcome.plan.to_post]
        _echo_untrusted(redact("\n".join([*shown, f"--- review body\n{outcome.posted_body}"])))
    log(redact(_review_summary(outcome, dry_run)))
    if outcome.failed_files:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FOUND if outcome.findings else EXIT_CLEAN)


@bot.command("fix-pr")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--checkout",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="A clean checkout of the default branch whose `origin` can be pushed to.",
)
@click.option("--branch", default=DEFAULT_BRANCH, show_default=True, help="Branch that holds the fixes.")
@click.option("--base", help="Branch the pull request targets (default: the repository's default branch).")
@click.option("--remote", default="origin", show_default=True, help="Git remote to push the branch to.")
@click.option("--author-name", default="dalfix", show_default=True, help="Author and committer name of the commit.")
@click.option(
    "--author-email", default="dalfix@users.noreply.github.com", show_default=True, help="Author and committer e-mail."
)
@_shared
def fix_pr(  # type: ignore[no-untyped-def]
    paths,
    checkout,
    branch,
    base,
    remote,
    author_name,
    author_email,
    repository,
    api_url,
    select,
    ignore,
    preview,
    exclude,
    unsafe_fixes,
    docs_url,
    max_wait,
) -> None:
    """Apply fixes on the default branch and open, update or close the one dalfix pull request.

    PATHS (inside the checkout) limit where fixes are applied; default: the whole checkout. With no
    fix to make, no pull request is opened and an open dalfix pull request is closed.

    Exit codes: 0 done (opened, updated, closed, or nothing to do); 2 error.
    """
    redact, log = _logger()
    api = _api(api_url, max_wait, log)
    redact = api.redact
    checkout = checkout.resolve()
    inside = []
    for path in paths:
        absolute = (checkout / path).resolve()
        if not absolute.is_relative_to(checkout):
            _fail(redact, f"{path} is outside the checkout {checkout}")
        inside.append(absolute.relative_to(checkout))
    options = FixPrOptions(
        repository=repository,
        checkout=checkout,
        rules=_rules(select, ignore, preview),
        threshold=Applicability.UNSAFE if unsafe_fixes else Applicability.SAFE,
        docs_url=docs_url,
        branch=branch,
        base=base,
        remote=remote,
        paths=tuple(inside),
        exclude=tuple(exclude),
        author_name=author_name,
        author_email=author_email,
    )
    outcome = _guarded(redact, lambda: fix_pull_request(api, options, log))
    if outcome.action == "nothing":
        log("nothing to fix; no pull request")
    elif outcome.action == "closed":
        log(redact(f"nothing left to fix; closed {outcome.url}"))
    else:
        pushed = "pushed" if outcome.pushed else "branch already up to date"
        fixes = f"{counted(outcome.fixes, 'fix', 'fixes')} in {counted(outcome.files, 'file')}"
        log(redact(f"{outcome.action} {outcome.url}: {fixes} ({pushed})"))
    sys.exit(EXIT_CLEAN)


def _logger() -> tuple[Redactor, Callable[[str], None]]:
    redact = Redactor(os.environ.get("GITHUB_TOKEN", ""))

    def log(message: str) -> None:
        # One line each, behind the prefix: text from the pull request (paths, code in messages) can then
        # never start a line with `::`, which GitHub Actions would read as a workflow command.
        line = redact(message).replace("\r", "\\r").replace("\n", "\\n")
        click.echo(f"dalfix bot: {line}", err=True)

    return redact, log


def _echo_untrusted(text: str) -> None:
    """Print text that quotes the pull request's code; under GitHub Actions, with workflow commands off."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        click.echo(text)
        return
    resume = uuid.uuid4().hex
    click.echo(f"::stop-commands::{resume}\n{text}\n::{resume}::")


def _api(api_url: str, max_wait: float, log: Callable[[str], None]) -> GitHubApi:
    token = os.environ.get("GITHUB_TOKEN", "")
    if not token:
        _fail(Redactor(), "GITHUB_TOKEN is not set")
    return GitHubApi(token, api_url, RetryPolicy(max_wait=max_wait), log=log)


def _rules(select: tuple[str, ...], ignore: tuple[str, ...], preview: bool) -> list[type[Rule]]:
    try:
        return select_rules(_split(select), _split(ignore), preview)
    except UnknownRule as exc:
        raise click.UsageError(str(exc)) from exc


def _guarded(redact: Redactor, action: Callable[[], object]):  # type: ignore[no-untyped-def]
    """Run the command; any failure becomes one redacted line and exit code 2 (never a traceback with secrets)."""
    try:
        return action()
    except BotError as exc:
        _fail(redact, str(exc))
    except Exception as exc:  # a bug or an unexpected library error: still no token in the output
        _fail(redact, f"internal error: {type(exc).__name__}: {exc}")


def _fail(redact: Redactor, message: str) -> NoReturn:
    line = redact(message).replace("\r", "\\r").replace("\n", "\\n")  # one line, as in log()
    click.echo(f"dalfix bot: error: {line}", err=True)
    sys.exit(EXIT_ERROR)


def _review_summary(outcome: ReviewOutcome, dry_run: bool) -> str:
    plan = outcome.plan
    posted = len(plan.to_post) - len(outcome.refused)
    parts = [
        counted(plan.findings, "finding"),
        counted(posted, "new comment") + (" (dry run: not posted)" if dry_run else ""),
        f"{len(plan.already_posted)} already posted",
        f"{len(plan.outside_diff)} outside the diff",
    ]
    if plan.over_limit:
        parts.append(f"{len(plan.over_limit)} over the {MAX_INLINE_COMMENTS}-comment limit")
    if outcome.refused:
        parts.append(f"{len(outcome.refused)} refused by GitHub (listed in the review body)")
    parts.append(f"{counted(outcome.deleted, 'stale comment')} {'to delete' if dry_run else 'deleted'}")
    if outcome.failed_files:
        parts.append(f"{counted(len(outcome.failed_files), 'file')} could not be analysed")
    where = f"; {outcome.review_url}" if outcome.review_url else ""
    return ", ".join(parts) + where
