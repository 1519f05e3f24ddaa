"""`dalfix bot fix-pr` end to end: the real git pushing to a bare repository, the stand-in GitHub for the PR."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import DB_TS, HEADER, SCHEMA_TS, TOKEN, commit_files, git, init_repo, sequential_reads
from fake_github import FakeGitHub

from dalfix.bot.fix_pr import FixPrOptions, FixPrOutcome, fix_pull_request
from dalfix.bot.github_api import BotError, GitHubApi
from dalfix.bot.markers import FIX_PR_MARKER
from dalfix.fixes import Applicability
from transforms.sequential_awaits import SequentialAwaits

UNSAFE_SERVICE = (
    'import { getUser } from "./repo";\n\n'
    "export async function load(id: string) {\n"
    "  const a = await getUser(id);\n"
    "  const b = await getUser(id + 'x');\n"
    "  return { a, b };\n}\n"
)
REPO_TS = HEADER + (
    "\nexport async function getUser(id: string) {\n"
    "  const [u] = await db.select().from(users).where(eq(users.id, id));\n"
    "  return u;\n}\n"
)


@dataclass
class DefaultBranch:
    checkout: Path
    origin: Path
    fake: FakeGitHub
    logs: list[str] = field(default_factory=list)

    def commit(self, files: dict[str, str], message: str = "work") -> str:
        sha = commit_files(self.checkout, files, message)
        git(self.checkout, "push", "--quiet", "origin", "main")
        return sha

    def run(self, unsafe: bool = False, **kw: object) -> FixPrOutcome:
        api = GitHubApi(
            TOKEN, self.fake.base_url, log=self.logs.append, seconds_between_requests=0, seconds_between_writes=0
        )
        options = FixPrOptions(
            repository=self.fake.full_name,
            checkout=self.checkout,
            rules=[SequentialAwaits],
            threshold=Applicability.UNSAFE if unsafe else Applicability.SAFE,
            docs_url="https://docs.example/rules.md#{code}",
            **kw,  # type: ignore[arg-type]
        )
        return fix_pull_request(api, options, self.logs.append)

    def remote_file(self, ref: str, path: str) -> str:
        return git(self.origin, "show", f"{ref}:{path}")


@pytest.fixture
def default_branch(tmp_path: Path, fake: FakeGitHub) -> DefaultBranch:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    checkout = init_repo(tmp_path / "checkout")
    git(checkout, "remote", "add", "origin", str(origin))
    state = DefaultBranch(checkout, origin, fake)
    state.commit({"src/db.ts": DB_TS, "src/schema.ts": SCHEMA_TS, "src/users.ts": HEADER + sequential_reads("load")})
    return state


def test_fixes_are_committed_pushed_and_proposed(default_branch: DefaultBranch, fake: FakeGitHub) -> None:
    main_sha = git(default_branch.checkout, "rev-parse", "HEAD")

    outcome = default_branch.run()

    assert (outcome.action, outcome.fixes, outcome.files, outcome.pushed) == ("opened", 1, 1, True)
    [pull] = fake.pulls.values()
    assert (pull.head_ref, pull.base_ref, pull.state) == ("dalfix/fixes", "main", "open")
    assert pull.title == "dalfix: 1 fix for database round trips"
    assert "### [`DAL001` sequential-awaits](https://docs.example/rules.md#dal001): 1" in pull.body
    assert "- `src/users.ts:6` (safe): 2 independent reads awaited in sequence" in pull.body
    assert pull.body.rstrip().endswith(FIX_PR_MARKER)
    # The branch on the remote: one commit on top of main, the fix in it, a message listing the rules.
    assert git(default_branch.origin, "rev-parse", "dalfix/fixes^") == main_sha
    assert "await Promise.all([" in default_branch.remote_file("dalfix/fixes", "src/users.ts")
    message = git(default_branch.origin, "log", "-1", "--format=%B%n%an <%ae>", "dalfix/fixes")
    assert message.startswith("dalfix: apply 1 fix (DAL001)\n\n- DAL001 sequential-awaits: 1 in 1 file")
    assert message.endswith("dalfix <dalfix@users.noreply.github.com>")
    # The checkout is left as it was: on main, clean, unfixed.
    assert git(default_branch.checkout, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(default_branch.checkout, "status", "--porcelain") == ""
    assert "Promise.all" not in (default_branch.checkout / "src/users.ts").read_text()


def test_a_rerun_updates_the_pull_request_instead_of_opening_another(
    default_branch: DefaultBranch, fake: FakeGitHub
) -> None:
    default_branch.run()
    branch_sha = git(default_branch.origin, "rev-parse", "dalfix/fixes")

    again = default_branch.run()

    assert again.action == "updated" and not again.pushed  # same change on the same base: no push
    assert len(fake.pulls) == 1
    assert git(default_branch.origin, "rev-parse", "dalfix/fixes") == branch_sha
    assert len(fake.requests("POST", r"/pulls")) == 1 and fake.requests("PATCH", r"/pulls/1")


def test_new_findings_on_main_are_added_to_the_same_pull_request(
    default_branch: DefaultBranch, fake: FakeGitHub
) -> None:
    default_branch.run()
    new_main = default_branch.commit({"src/more.ts": HEADER + sequential_reads("more")})

    outcome = default_branch.run()

    assert (outcome.action, outcome.fixes, outcome.files, outcome.pushed) == ("updated", 2, 2, True)
    assert git(default_branch.origin, "rev-parse", "dalfix/fixes^") == new_main  # forced, with a lease
    [pull] = fake.pulls.values()
    assert pull.title == "dalfix: 2 fixes for database round trips" and "`src/more.ts:6`" in pull.body


def test_a_pull_request_with_nothing_left_to_fix_is_closed(default_branch: DefaultBranch, fake: FakeGitHub) -> None:
    default_branch.run()
    fixed = default_branch.remote_file("dalfix/fixes", "src/users.ts")
    default_branch.commit({"src/users.ts": fixed}, "merge the fixes by hand")

    outcome = default_branch.run()

    assert outcome.action == "closed"
    [pull] = fake.pulls.values()
    assert pull.state == "closed"
    [note] = fake.issue_comments
    assert "nothing left to fix on `main`" in note["body"]


def test_no_fix_no_pull_request(default_branch: DefaultBranch, fake: FakeGitHub) -> None:
    default_branch.commit({"src/users.ts": HEADER + "\nexport const x = 1;\n"})

    assert default_branch.run().action == "nothing"
    assert fake.pulls == {} and not fake.requests("POST", r".*")
    assert "dalfix/fixes" not in git(default_branch.origin, "branch", "--list")


def test_unsafe_fixes_only_when_asked(default_branch: DefaultBranch, fake: FakeGitHub) -> None:
    default_branch.commit({"src/users.ts": HEADER, "src/repo.ts": REPO_TS, "src/service.ts": UNSAFE_SERVICE})

    assert default_branch.run().action == "nothing"
    outcome = default_branch.run(unsafe=True)

    assert outcome.action == "opened"
    [pull] = fake.pulls.values()
    assert "(safe and unsafe fixes)" in pull.body and "(unsafe):" in pull.body


def test_a_branch_dalfix_did_not_open_is_left_alone(default_branch: DefaultBranch, fake: FakeGitHub) -> None:
    fake.add_pull(3, "c" * 40, "dalfix/fixes", [], body="my own work")
    with pytest.raises(BotError, match=r"#3 from 'dalfix/fixes' was not opened by dalfix"):
        default_branch.run()
    assert "dalfix/fixes" not in git(default_branch.origin, "branch", "--list")


def test_a_dirty_checkout_is_refused(default_branch: DefaultBranch) -> None:
    (default_branch.checkout / "src/db.ts").write_text("// local edit\n")
    with pytest.raises(BotError, match="uncommitted changes"):
        default_branch.run()


def test_repository_hooks_are_not_run(default_branch: DefaultBranch, tmp_path: Path) -> None:
    witness = tmp_path / "hook-ran"
    for hook in ("pre-commit", "commit-msg", "pre-push", "post-checkout"):
        script = default_branch.checkout / ".git" / "hooks" / hook
        script.write_text(f"#!/bin/sh\ntouch {witness}\n")
        script.chmod(0o755)

    default_branch.run()

    assert not witness.exists()


def test_the_token_reaches_an_https_push_only_as_a_redacted_header(default_branch: DefaultBranch) -> None:
    # A remote URL that carries the token (as some CI set-ups do) and cannot be reached.
    git(
        default_branch.checkout,
        "remote",
        "set-url",
        "origin",
        f"https://x-access-token:{TOKEN}@127.0.0.1:9/acme/shop.git",
    )
    with pytest.raises(BotError) as raised:
        default_branch.run()
    assert "git ls-remote failed" in str(raised.value)
    assert TOKEN not in str(raised.value) and TOKEN not in "\n".join(default_branch.logs)
    assert git(default_branch.checkout, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(default_branch.checkout, "status", "--porcelain") == ""


def test_a_fix_that_creates_a_module_commits_it(default_branch: DefaultBranch, fake: FakeGitHub) -> None:
    from transforms.check_then_insert import CheckThenInsert

    case = Path(__file__).parent.parent / "fixtures/check_then_insert/catch_module_relative"
    sources = case.with_name(case.name + ".input")
    files = {"app/" + p.relative_to(sources).as_posix(): p.read_text() for p in sources.rglob("*") if p.is_file()}
    default_branch.commit(files)  # a project of its own (its package.json), beside the default branch's files
    api = GitHubApi(TOKEN, fake.base_url, log=default_branch.logs.append, seconds_between_requests=0,
                    seconds_between_writes=0)  # fmt: skip
    options = FixPrOptions(
        repository=fake.full_name,
        checkout=default_branch.checkout,
        rules=[CheckThenInsert],
        threshold=Applicability.UNSAFE,
        docs_url="https://docs.example/rules.md#{code}",
    )
    outcome = fix_pull_request(api, options, default_branch.logs.append)
    assert (outcome.action, outcome.fixes, outcome.files) == ("opened", 3, 2)
    expected = case.with_name(case.name + ".output")
    for path in (p for p in expected.rglob("*") if p.is_file()):
        name = path.relative_to(expected).as_posix()
        assert default_branch.remote_file("dalfix/fixes", "app/" + name) + "\n" == path.read_text(), name
    assert not (default_branch.checkout / "app/src/db/is-unique-violation.ts").exists()  # back on main, clean
