"""`dalfix bot fix-pr`: apply fixes on a checkout of the default branch and keep one pull request up to date.

The fixes are committed on a branch (`dalfix/fixes`) with the real `git`, pushed with a lease on what the
remote branch held, and proposed by one pull request that is updated in place on later runs, never
duplicated, and closed once the default branch has nothing left to fix. Hooks of the repository are not
run (`core.hooksPath=/dev/null`, `--no-verify`), and the token reaches git only as an HTTP header in the
environment of the push, never in a URL or an argument.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from github.PullRequest import PullRequest
from github.Repository import Repository

from dalfix.bot.github_api import ApiError, BotError, GitHubApi, Redactor, listed
from dalfix.bot.markers import FIX_PR_MARKER
from dalfix.fixes import Applicability, Finding, NewFile
from dalfix.parsing import line_col
from dalfix.render import template_environment
from dalfix.rules import Rule
from dalfix.runner import FileResult, RunOptions, run
from dalfix.writer import WriteRefused, create_new_file, write_fixed

DEFAULT_BRANCH = "dalfix/fixes"


@dataclass(frozen=True)
class FixPrOptions:
    repository: str  # owner/name
    checkout: Path
    rules: Sequence[type[Rule]]
    threshold: Applicability
    docs_url: str
    branch: str = DEFAULT_BRANCH
    base: str | None = None  # default: the repository's default branch
    remote: str = "origin"
    paths: tuple[Path, ...] = ()  # inside the checkout; default: all of it
    exclude: tuple[str, ...] = ()
    author_name: str = "dalfix"
    author_email: str = "dalfix@users.noreply.github.com"


@dataclass
class FixPrOutcome:
    action: Literal["opened", "updated", "closed", "nothing"]
    url: str | None = None
    fixes: int = 0
    files: int = 0
    pushed: bool = False


class Git:
    """The real git in the checkout; output and errors pass through the redactor."""

    def __init__(self, checkout: Path, redact: Redactor, token: str | None = None, host: str = "github.com") -> None:
        self.checkout = checkout
        self.redact = redact
        self.token = token
        self.host = host.lower()  # the only host the token is sent to, over https

    def __call__(
        self, *args: str, check: bool = True, remote: str | None = None, env: dict[str, str] | None = None
    ) -> str:
        """Run git; `remote` names the remote a network command talks to (it gets the token, if https)."""
        settings = {"core.hooksPath": os.devnull, **(self._auth_header(remote) if remote else {})}
        full_env = {**_config_env(os.environ, settings), "GIT_TERMINAL_PROMPT": "0", **(env or {})}
        try:
            done = subprocess.run(["git", *args], cwd=self.checkout, env=full_env, capture_output=True, text=True)
        except OSError as exc:
            raise BotError(f"cannot run git: {exc}") from None
        if check and done.returncode != 0:
            detail = (done.stderr or done.stdout).strip()
            raise BotError(self.redact(f"git {args[0]} failed ({done.returncode}): {detail}"))
        return done.stdout.strip()

    def _auth_header(self, remote: str) -> dict[str, str]:
        """An Authorization header for the remote when it is https on the configured GitHub host, unless the
        checkout configures one already (actions/checkout persists its own; a second makes GitHub answer 400).

        Never for http:// (the token would travel in the clear) or another host (a PR cannot change the
        remote, but a workflow or a fork's set-up might point it anywhere). The header is scoped to
        `https://HOST/` in git's configuration and redirects are not followed, so git itself never sends it
        elsewhere either.
        """
        if not self.token:
            return {}
        urls = self("remote", "get-url", "--all", remote, check=False).splitlines()
        urls += self("remote", "get-url", "--push", "--all", remote, check=False).splitlines()
        if not urls or not all(self._is_github_https(url) for url in urls):
            return {}
        configured = self("config", "--get-regexp", r"^http\..*extraheader$", check=False)
        if configured:
            return {}
        credentials = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return {
            f"http.https://{self.host}/.extraheader": f"AUTHORIZATION: basic {credentials}",
            "http.followRedirects": "false",
        }

    def _is_github_https(self, url: str) -> bool:
        try:
            parsed = urlsplit(url.strip())
            port = parsed.port
        except ValueError:
            return False
        return parsed.scheme == "https" and (parsed.hostname or "").lower() == self.host and port in (None, 443)


def _config_env(base: os._Environ[str] | dict[str, str], settings: dict[str, str]) -> dict[str, str]:
    """`base` plus git settings passed as GIT_CONFIG_KEY_n/VALUE_n (kept out of argv and of any file)."""
    env = dict(base)
    count = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
    for key, value in settings.items():
        env[f"GIT_CONFIG_KEY_{count}"] = key
        env[f"GIT_CONFIG_VALUE_{count}"] = value
        count += 1
    env["GIT_CONFIG_COUNT"] = str(count)
    return env


def fix_pull_request(api: GitHubApi, options: FixPrOptions, log: Callable[[str], None]) -> FixPrOutcome:
    checkout = options.checkout.resolve()
    git = Git(checkout, api.redact, api.token, api.git_host)
    if git("status", "--porcelain", "--untracked-files=no"):
        raise BotError("the checkout has uncommitted changes; fix-pr needs a clean checkout of the default branch")
    repo = api.call("read the repository", lambda: api.client.get_repo(options.repository))
    base = options.base or repo.default_branch
    existing = _open_fix_pr(api, repo, options.branch)

    paths = [checkout / p for p in options.paths] or [checkout]
    result = run(paths, RunOptions(rules=options.rules, fix_threshold=options.threshold, exclude=options.exclude))
    for file in result.failed:
        log(f"{_relative(checkout, file.path)}: not fixed: {file.reason}")
    changed = [f for f in result.files if f.status == "changed"]

    if not changed:
        if existing is None:
            return FixPrOutcome("nothing")
        note = f"dalfix finds nothing left to fix on `{base}`; closing this pull request."
        api.call("comment on the fix pull request", lambda: existing.create_issue_comment(note))
        api.call("close the fix pull request", lambda: existing.edit(state="closed"))
        return FixPrOutcome("closed", listed(existing).get("html_url"))

    fixes = sum(len(f.applied) for f in changed)
    pushed = _commit_and_push(git, checkout, changed, options, log, result.new_files())
    title = f"dalfix: {fixes} {'fix' if fixes == 1 else 'fixes'} for database round trips"
    body = pull_request_body(changed, checkout, base, options)
    if existing is not None:
        api.call("update the fix pull request", lambda: existing.edit(title=title, body=body))
        return FixPrOutcome("updated", listed(existing).get("html_url"), fixes, len(changed), pushed)

    def create() -> PullRequest:
        return repo.create_pull(base=base, head=options.branch, title=title, body=body, maintainer_can_modify=True)

    try:
        created = api.call("open the fix pull request", create, landed=lambda: _open_fix_pr(api, repo, options.branch))
    except ApiError as exc:
        if exc.status != 422 or (again := _open_fix_pr(api, repo, options.branch)) is None:
            raise
        api.call("update the fix pull request", lambda: again.edit(title=title, body=body))  # opened meanwhile
        return FixPrOutcome("updated", listed(again).get("html_url"), fixes, len(changed), pushed)
    return FixPrOutcome("opened", listed(created).get("html_url"), fixes, len(changed), pushed)


def _open_fix_pr(api: GitHubApi, repo: Repository, branch: str) -> PullRequest | None:
    owner = repo.owner.login
    pulls = api.call("find the fix pull request", lambda: list(repo.get_pulls(state="open", head=f"{owner}:{branch}")))
    if not pulls:
        return None
    pull = pulls[0]
    if FIX_PR_MARKER not in (listed(pull).get("body") or ""):
        raise BotError(
            f"pull request #{pull.number} from {branch!r} was not opened by dalfix; choose another branch with --branch"
        )
    return pull


def _commit_and_push(
    git: Git,
    checkout: Path,
    changed: list[FileResult],
    options: FixPrOptions,
    log: Callable[[str], None],
    created: Sequence[NewFile] = (),
) -> bool:
    """Commit the fixed files (and the files their fixes create) on the branch and push it; False when the
    remote branch already matches."""
    start = git("symbolic-ref", "--quiet", "--short", "HEAD", check=False) or git("rev-parse", "HEAD")
    relative = [_relative(checkout, f.path) for f in changed]
    relative += [Path(os.path.abspath(new.path)).relative_to(checkout).as_posix() for new in created]
    try:
        for new in created:  # first: a fixed file importing one is only written once it exists
            create_new_file(new.path, new.data, [checkout])
        for file in changed:
            write_fixed(file.path, file.original, file.fixed, [checkout])
        git("checkout", "--quiet", "-B", options.branch)
        git("add", "--", *relative)
        author = {
            "GIT_AUTHOR_NAME": options.author_name,
            "GIT_AUTHOR_EMAIL": options.author_email,
            "GIT_COMMITTER_NAME": options.author_name,
            "GIT_COMMITTER_EMAIL": options.author_email,
        }
        git("commit", "--quiet", "--no-verify", "-m", commit_message(changed, options.threshold), env=author)
        remote_sha = _remote_branch_sha(git, options)
        if remote_sha and _same_change(git, options, remote_sha):
            log(f"{options.remote}/{options.branch} already holds these fixes; not pushing")
            return False
        lease = f"--force-with-lease=refs/heads/{options.branch}:{remote_sha}"
        git(
            "push",
            "--quiet",
            "--no-verify",
            lease,
            options.remote,
            f"HEAD:refs/heads/{options.branch}",
            remote=options.remote,
        )
        return True
    except WriteRefused as exc:
        raise BotError(str(exc)) from None
    finally:
        git("checkout", "--quiet", "--force", start, check=False)


def _remote_branch_sha(git: Git, options: FixPrOptions) -> str:
    out = git("ls-remote", "--heads", options.remote, f"refs/heads/{options.branch}", remote=options.remote)
    return out.split()[0] if out else ""


def _same_change(git: Git, options: FixPrOptions, remote_sha: str) -> bool:
    """The remote branch is one commit with the same tree on the same parent as ours."""
    git("fetch", "--quiet", "--no-tags", options.remote, f"refs/heads/{options.branch}", remote=options.remote)
    if git("rev-parse", "FETCH_HEAD") != remote_sha:
        return False
    same_tree = git("rev-parse", "FETCH_HEAD^{tree}") == git("rev-parse", "HEAD^{tree}")
    same_parent = git("rev-parse", "FETCH_HEAD^", check=False) == git("rev-parse", "HEAD^")
    return same_tree and same_parent


def _relative(checkout: Path, path: Path) -> str:
    return Path(os.path.abspath(path)).resolve().relative_to(checkout).as_posix()


def _by_rule(changed: list[FileResult]) -> dict[str, list[tuple[FileResult, Finding]]]:
    grouped: dict[str, list[tuple[FileResult, Finding]]] = defaultdict(list)
    for file in changed:
        for finding in file.applied:
            grouped[finding.rule].append((file, finding))
    return dict(sorted(grouped.items()))


def commit_message(changed: list[FileResult], threshold: Applicability) -> str:
    grouped = _by_rule(changed)
    total = sum(len(items) for items in grouped.values())
    lines = [f"dalfix: apply {total} {'fix' if total == 1 else 'fixes'} ({', '.join(grouped)})", ""]
    for code, items in grouped.items():
        files = len({id(f) for f, _ in items})
        lines.append(f"- {code} {items[0][1].name}: {len(items)} in {files} file{'s' if files != 1 else ''}")
    lines += ["", f"Applied by `dalfix bot fix-pr` ({_mode(threshold)})."]
    return "\n".join(lines) + "\n"


def pull_request_body(changed: list[FileResult], checkout: Path, base: str, options: FixPrOptions) -> str:
    rules: list[dict[str, Any]] = []
    known = {rule.code: rule for rule in options.rules}
    for code, items in _by_rule(changed).items():
        rule = known[code]
        fixes = []
        for file, finding in items:
            where = _relative(checkout, file.path)
            if finding in file.findings:  # found on the original file: its line is meaningful there
                where += f":{line_col(file.original, finding.start)[0]}"
            fixes.append(
                {
                    "where": where,
                    "message": finding.message,
                    "safety": finding.applicability.value if finding.applicability else "",
                    "saves": list(finding.notes),
                }
            )
        rules.append(
            {
                "code": code,
                "name": rule.name,
                "summary": rule.summary(),
                "docs_url": options.docs_url.format(code=code.lower()),
                "fixes": fixes,
            }
        )
    return (
        template_environment()
        .get_template("bot/fix_pr.md.j2")
        .render(
            total=sum(len(r["fixes"]) for r in rules),
            files=len(changed),
            base=base,
            mode=_mode(options.threshold),
            rules=rules,
            marker=FIX_PR_MARKER,
        )
    )


def _mode(threshold: Applicability) -> str:
    return "safe and unsafe fixes" if threshold is Applicability.UNSAFE else "safe fixes only"
