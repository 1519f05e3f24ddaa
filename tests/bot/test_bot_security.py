"""The bot's token goes only to https remotes on the configured GitHub host, its API URL is https, and
`--repo` is checked before any request."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TOKEN
from fake_github import FakeGitHub

from dalfix.bot.fix_pr import Git
from dalfix.bot.github_api import BotError, GitHubApi, Redactor
from dalfix.cli import main


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q")
    return tmp_path


@pytest.mark.parametrize(
    ("url", "push_url", "sent"),
    [
        ("https://github.com/acme/shop.git", None, True),
        ("https://x-access-token:old@github.com/acme/shop", None, True),
        ("https://GitHub.com:443/acme/shop.git", None, True),
        ("http://github.com/acme/shop.git", None, False),  # in the clear
        ("https://gitlab.com/acme/shop.git", None, False),  # another host
        ("https://github.com.evil.example/acme/shop.git", None, False),
        ("https://evil.example/github.com/acme/shop.git", None, False),
        ("https://github.com:8443/acme/shop.git", None, False),
        ("git@github.com:acme/shop.git", None, False),  # ssh: its own credentials
        ("https://github.com/acme/shop.git", "https://evil.example/acme/shop.git", False),  # pushurl elsewhere
    ],
)
def test_the_token_goes_only_to_https_remotes_on_the_github_host(
    url: str, push_url: str | None, sent: bool, checkout: Path
) -> None:
    git(checkout, "remote", "add", "origin", url)
    if push_url:
        git(checkout, "remote", "set-url", "--push", "origin", push_url)
    header = Git(checkout, Redactor(TOKEN), TOKEN, host="github.com")._auth_header("origin")
    if not sent:
        assert header == {}
        return
    # Scoped to the host in git's own configuration, and no redirect may carry it elsewhere.
    assert set(header) == {"http.https://github.com/.extraheader", "http.followRedirects"}
    assert header["http.followRedirects"] == "false"


def test_an_enterprise_server_host_comes_from_the_api_url() -> None:
    assert GitHubApi(TOKEN, "https://api.github.com").git_host == "github.com"
    assert GitHubApi(TOKEN, "https://ghe.example.com/api/v3").git_host == "ghe.example.com"


@pytest.mark.parametrize("url", ["http://api.github.com", "http://ghe.example.com/api/v3", "ftp://x"])
def test_an_api_url_that_is_not_https_is_refused(url: str) -> None:
    with pytest.raises(BotError, match="must be https"):
        GitHubApi(TOKEN, url)


def test_a_local_stand_in_may_use_http() -> None:
    assert GitHubApi(TOKEN, "http://localhost:8080/api/v3").git_host == "localhost"


@pytest.mark.parametrize(
    "repository",
    ["acme", "acme/shop/extra", "../../orgs/acme", "acme/..", "acme/shop?x=1", "acme/shop#a", "-acme/shop",
     "ac--me/shop", "acme/sh op", "https://github.com/acme/shop", ""],
)  # fmt: skip
def test_a_malformed_repo_is_refused_before_any_request(repository: str, fake: FakeGitHub, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["bot", "review", "--repo", repository, "--pr", "7", "--api-url", fake.base_url, "--checkout", str(tmp_path)],
        env={"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "", "GITHUB_API_URL": ""},
        catch_exceptions=False,
    )
    assert result.exit_code == 2
    assert "is not owner/name" in result.output or "Missing option" in result.output
    assert fake.log == [], "no request was made"


@pytest.mark.parametrize("repository", ["acme/shop", "octo-org/my.repo_name-2", "a/b"])
def test_well_formed_repos_pass(repository: str) -> None:
    from dalfix.bot.cli import REPOSITORY

    assert REPOSITORY.fullmatch(repository)
