"""Fixtures of the bot tests: a stand-in GitHub, git repositories in tmp_path, a pull request between them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

sys.path.insert(0, str(Path(__file__).parent))

from fake_github import FakeGitHub  # noqa: E402

from dalfix.bot.github_api import GitHubApi, RetryPolicy  # noqa: E402

TOKEN = "ghs_TESTsecret0123456789abcdefABCDEF"

DB_TS = 'import { drizzle } from "drizzle-orm/node-postgres";\nexport const db = drizzle(process.env.DATABASE_URL!);\n'
SCHEMA_TS = """import { pgTable, text } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: text("id").primaryKey() });
export const posts = pgTable("posts", { id: text("id").primaryKey() });
"""
HEADER = 'import { eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { users, posts } from "./schema";\n'


def sequential_reads(name: str) -> str:
    """A function with two independent reads awaited in sequence: dalfix's DAL001 offers a safe fix."""
    return (
        f"\nexport async function {name}(id: string) {{\n"
        "  const [a] = await db.select().from(users).where(eq(users.id, id));\n"
        "  const [b] = await db.select().from(posts).where(eq(posts.id, id));\n"
        "  return { a, b };\n"
        "}\n"
    )


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def init_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "config", "user.name", "Test")
    git(path, "config", "user.email", "test@example.com")
    git(path, "config", "commit.gpgsign", "false")
    return path


def commit_files(repo: Path, files: dict[str, str], message: str = "change") -> str:
    for name, text in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode())
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def pr_files(repo: Path, base: str, head: str) -> list[dict[str, object]]:
    """The PR files API's entries for base..head, `patch` as GitHub gives it (hunks, no file headers)."""
    entries = []
    for line in git(repo, "diff", "--name-status", "--no-renames", base, head).splitlines():
        status, name = line.split("\t", 1)
        patch = git(repo, "diff", "--no-color", "--no-renames", base, head, "--", name)
        patch = patch[patch.index("@@") :] if "@@" in patch else None
        kind = {"A": "added", "M": "modified", "D": "removed"}[status[0]]
        entries.append({"filename": name, "status": kind, "patch": patch})
    return entries


@dataclass
class PullRequestCase:
    """A repository with a base and a head commit, and the stand-in GitHub serving a PR between them."""

    repo: Path
    fake: FakeGitHub
    number: int = 7
    base_sha: str = ""
    head_sha: str = ""
    sleeps: list[float] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    def push(self, files: dict[str, str], message: str = "more") -> str:
        """A new head commit on the PR (the fake's files and head follow)."""
        self.head_sha = commit_files(self.repo, files, message)
        pull = self.fake.pulls[self.number]
        pull.head_sha = self.head_sha
        pull.commits.append(self.head_sha)
        pull.files = pr_files(self.repo, self.base_sha, self.head_sha)
        return self.head_sha

    def api(self, policy: RetryPolicy | None = None) -> GitHubApi:
        return GitHubApi(
            TOKEN,
            self.fake.base_url,
            policy or RetryPolicy(),
            sleep=self.sleeps.append,
            clock=lambda: 1_700_000_000.0,
            log=self.logs.append,
            seconds_between_requests=0,
            seconds_between_writes=0,
        )


@pytest.fixture
def fake(httpserver: HTTPServer) -> FakeGitHub:
    return FakeGitHub(httpserver, TOKEN)


@pytest.fixture
def make_pr(tmp_path: Path, fake: FakeGitHub) -> Callable[..., PullRequestCase]:
    """make_pr(base_files, head_files): a checkout at the head of PR #7 whose base is `base_files`."""

    def build(base: dict[str, str], head: dict[str, str]) -> PullRequestCase:
        repo = init_repo(tmp_path / "checkout")
        base_sha = commit_files(repo, {"src/db.ts": DB_TS, "src/schema.ts": SCHEMA_TS, **base}, "base")
        head_sha = commit_files(repo, head, "head")
        fake.add_pull(7, head_sha, "feature", pr_files(repo, base_sha, head_sha))
        return PullRequestCase(repo, fake, 7, base_sha, head_sha)

    return build
