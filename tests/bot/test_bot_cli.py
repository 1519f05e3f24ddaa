"""`dalfix bot …` on the command line: exit codes, GITHUB_TOKEN, and the token never printed or posted."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import HEADER, TOKEN, PullRequestCase, sequential_reads
from fake_github import FakeGitHub

import dalfix.bot.cli
from dalfix.bot.github_api import GitHubApi
from dalfix.cli import main


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The CLI's client without PyGithub's pacing and with sleeps recorded instead of slept."""
    sleeps: list[float] = []
    fast = functools.partial(GitHubApi, sleep=sleeps.append, seconds_between_requests=0, seconds_between_writes=0)
    monkeypatch.setattr(dalfix.bot.cli, "GitHubApi", fast)
    return sleeps


def bot(*args: str | Path, token: str | None = TOKEN, actions: bool = False) -> Result:
    env = {"GITHUB_TOKEN": token or "", "GITHUB_REPOSITORY": "", "GITHUB_API_URL": ""}
    env["GITHUB_ACTIONS"] = "true" if actions else ""
    return CliRunner().invoke(main, ["bot", *map(str, args)], env=env, catch_exceptions=False)


def review_args(case: PullRequestCase, *extra: str) -> list[str | Path]:
    return [
        "review",
        "--repo",
        case.fake.full_name,
        "--pr",
        "7",
        "--api-url",
        case.fake.base_url,
        "--checkout",
        case.repo,
        "--select",
        "DAL001",
        *extra,
    ]


def test_review_exits_1_when_it_reports_findings(make_pr) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    result = bot(*review_args(case))
    assert result.exit_code == 1, result.output
    assert "dalfix bot: 1 finding, 1 new comment, 0 already posted" in result.output
    assert "https://github.example/acme/shop/pull/7#pullrequestreview-" in result.output
    # Re-run: nothing new is posted, the findings are still there.
    again = bot(*review_args(case))
    assert again.exit_code == 1 and "0 new comments, 1 already posted" in again.output
    assert len(case.fake.submitted_reviews(7)) == 1


def test_review_exits_0_without_findings(make_pr) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + "\nexport const x = 1;\n"})
    result = bot(*review_args(case))
    assert result.exit_code == 0, result.output
    assert case.fake.submitted_reviews(7) == []


def test_review_exits_2_on_errors(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    fake.fail("GET", r"/pulls/7", 404, body={"message": "Not Found"})
    result = bot(*review_args(case))
    assert result.exit_code == 2
    assert "dalfix bot: error: read pull request #7: GitHub answered HTTP 404: Not Found" in result.output


def test_a_missing_token_is_an_error(make_pr) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + "// more\n"})
    result = bot(*review_args(case), token=None)
    assert result.exit_code == 2 and "GITHUB_TOKEN is not set" in result.output


def test_dry_run_prints_the_review(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    result = bot(*review_args(case, "--dry-run"))
    assert result.exit_code == 1
    assert "--- src/users.ts:6-7\n**dalfix · safe fix**" in result.output and "```suggestion" in result.output
    assert fake.submitted_reviews(7) == []


def test_code_from_the_pull_request_cannot_issue_workflow_commands(make_pr, fake: FakeGitHub) -> None:
    # A comment inside a query: it moves with the query into the suggestion, whose lines are printed.
    sneaky = sequential_reads("load").replace(".from(posts)", "/*\n::add-mask::x\n*/.from(posts)")
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sneaky})
    result = bot(*review_args(case, "--dry-run"), actions=True)
    lines = [line.strip() for line in result.output.splitlines()]  # the runner may trim lines
    stop = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    resume = lines[stop].removeprefix("::stop-commands::")
    sneaky_line = lines.index("::add-mask::x")
    assert stop < sneaky_line < lines.index(f"::{resume}::")
    for line in lines:
        assert not line.startswith("::") or line in (lines[stop], "::add-mask::x", f"::{resume}::")


def test_the_token_is_never_printed_nor_posted(make_pr, fake: FakeGitHub) -> None:
    case = make_pr({"src/users.ts": HEADER}, {"src/users.ts": HEADER + sequential_reads("load")})
    # GitHub (or a proxy) echoing the token back in error messages.
    fake.fail("POST", r"/pulls/7/reviews", 422, body={"message": "Unprocessable Entity", "errors": [f"bad {TOKEN}"]})
    fake.fail("GET", r"/pulls/7/files", 502, body={"message": f"proxy error for token {TOKEN}"})

    result = bot(*review_args(case))

    assert TOKEN not in result.output
    assert "***" in result.output  # the retry's log line, redacted
    [posted] = fake.submitted_reviews(7)  # the refused comment went into the body, its reason redacted
    assert "bad ***" in posted["body"]
    for _, _, payload in fake.log:
        assert TOKEN not in str(payload)

    fake.fail("GET", r"/pulls/7", 500, body={"message": f"boom {TOKEN}"}, times=10)
    failed = bot(*review_args(case))
    assert failed.exit_code == 2 and TOKEN not in failed.output and "boom ***" in failed.output


def test_fix_pr_from_the_command_line(tmp_path: Path, fake: FakeGitHub) -> None:
    from conftest import DB_TS, SCHEMA_TS, commit_files, git, init_repo

    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    checkout = init_repo(tmp_path / "checkout")
    git(checkout, "remote", "add", "origin", str(origin))
    files = {"src/db.ts": DB_TS, "src/schema.ts": SCHEMA_TS, "src/users.ts": HEADER + sequential_reads("load")}
    commit_files(checkout, files)
    args = [
        "fix-pr",
        "--repo",
        fake.full_name,
        "--api-url",
        fake.base_url,
        "--checkout",
        checkout,
        "--select",
        "DAL001",
    ]

    result = bot(*args)
    assert result.exit_code == 0, result.output
    assert "dalfix bot: opened https://github.example/acme/shop/pull/1: 1 fix in 1 file (pushed)" in result.output
    assert bot(*args).exit_code == 0 and len(fake.pulls) == 1

    outside = bot(*args, "../elsewhere")
    assert outside.exit_code == 2 and "outside the checkout" in outside.output


def test_bot_is_registered_on_the_main_command() -> None:
    result = CliRunner().invoke(main, ["bot", "--help"])
    assert result.exit_code == 0
    assert "review" in result.output and "fix-pr" in result.output
