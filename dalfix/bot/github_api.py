"""A thin layer over PyGithub: one client per run, bounded retries, rate-limit waits, and no token in output.

PyGithub's own retry (urllib3) is turned off so that every wait goes through one place whose `sleep` and
clock tests can replace: 5xx and dropped connections are retried with exponential backoff (a create call
first checks whether its object landed anyway, so a retry never posts twice); 403/429 rate limits wait for
`Retry-After` or `x-ratelimit-reset` (a minute when GitHub gives neither), up to `max_wait`; any other
error becomes an `ApiError` carrying GitHub's status and messages, with the token redacted.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from github import Auth, Github, GithubException
from github.GithubObject import GithubObject

DEFAULT_API_URL = "https://api.github.com"
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})  # where plain http is allowed (a local stand-in)
SECONDARY_LIMIT_WAIT = 60.0  # GitHub: "wait for at least one minute" when it names no time

T = TypeVar("T")


class BotError(Exception):
    """A failure the bot reports in one line and exits 2 on. Messages are redacted before they are built."""


class ApiError(BotError):
    def __init__(self, message: str, status: int | None = None, errors: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors


class Redactor:
    """Replaces a secret, and the encodings git and HTTP headers carry it in, with `***`."""

    def __init__(self, *secrets: str) -> None:
        variants: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            variants.add(secret)
            for raw in (secret, f"x-access-token:{secret}"):
                variants.add(base64.b64encode(raw.encode()).decode())
        self._variants = sorted(variants, key=len, reverse=True)

    def __call__(self, text: object) -> str:
        out = str(text)
        for variant in self._variants:
            out = out.replace(variant, "***")
        return out


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries of one call that fails with 5xx or a dropped connection
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    max_backoff: float = 30.0
    rate_limit_waits: int = 3  # rate-limit waits one call may sit through
    max_wait: float = 900.0  # the longest single rate-limit wait honoured; longer fails the run


@dataclass
class GitHubApi:
    token: str
    base_url: str = DEFAULT_API_URL
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] | None = None  # time.sleep unless a test passes its own
    clock: Callable[[], float] | None = None  # time.time
    log: Callable[[str], None] = lambda message: None
    # PyGithub's pacing, which GitHub asks of integrations (a second between writes); tests set 0.
    seconds_between_requests: float = 0.25
    seconds_between_writes: float = 1.0

    def __post_init__(self) -> None:
        self._sleep = self.sleep or time.sleep
        self._clock = self.clock or time.time
        if not self.token:
            raise BotError("no token: set GITHUB_TOKEN")
        parsed = urlsplit(self.base_url)
        if parsed.scheme != "https" and not (parsed.scheme == "http" and parsed.hostname in LOOPBACK_HOSTS):
            raise BotError(f"the API URL must be https:// (got {self.base_url!r}); the token is not sent in the clear")
        self.redact = Redactor(self.token)
        self.client = Github(
            auth=Auth.Token(self.token),
            base_url=self.base_url.rstrip("/"),
            retry=None,
            timeout=30,
            per_page=100,
            user_agent="dalfix-bot",
            seconds_between_requests=self.seconds_between_requests,
            seconds_between_writes=self.seconds_between_writes,
        )

    @property
    def git_host(self) -> str:
        """The host whose https remotes may receive the token: github.com for api.github.com, else the
        Enterprise Server's host (its API lives at https://HOST/api/v3)."""
        host = (urlsplit(self.base_url).hostname or "").lower()
        return "github.com" if host == "api.github.com" else host

    def call(self, what: str, action: Callable[[], T], landed: Callable[[], T | None] | None = None) -> T:
        """Run `action` (PyGithub calls, lists materialized inside) with the retry policy.

        `landed`, given for calls that create something, looks for the object a failed attempt may have
        created after all; when it finds one, that is returned instead of trying again.
        """
        failures = waits = 0
        while True:
            try:
                return action()
            except GithubException as exc:
                status = exc.status
                wait = self._rate_limit_wait(exc) if status in (403, 429) else None
                if wait is not None:
                    waits += 1
                    if waits > self.policy.rate_limit_waits or wait > self.policy.max_wait:
                        raise ApiError(
                            f"{what}: rate limited by GitHub (HTTP {status}); it asks to wait {wait:.0f}s",
                            status,
                        ) from None
                    self.log(f"{what}: rate limited (HTTP {status}); waiting {wait:.0f}s")
                    self._sleep(wait)
                    continue
                if status < 500:
                    raise self._error(what, exc) from None
                failure: Exception = exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = exc
            failures += 1
            if failures >= self.policy.attempts:
                raise BotError(self.redact(f"{what}: failed {failures} times; last error: {_describe(failure)}"))
            delay = min(self.policy.backoff * 2 ** (failures - 1), self.policy.max_backoff)
            self.log(self.redact(f"{what}: {_describe(failure)}; retrying in {delay:.0f}s"))
            self._sleep(delay)
            if landed is not None:
                found = self.call(f"{what} (checking whether it landed)", landed)
                if found is not None:
                    return found

    def _rate_limit_wait(self, exc: GithubException) -> float | None:
        headers = {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}
        if "retry-after" in headers:
            try:
                return max(float(headers["retry-after"]), 0.0)
            except ValueError:
                return SECONDARY_LIMIT_WAIT
        if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            try:
                return max(float(headers["x-ratelimit-reset"]) - self._clock(), 0.0) + 1.0
            except ValueError:
                return SECONDARY_LIMIT_WAIT
        message = _message(exc).lower()
        if exc.status == 429 or "rate limit" in message:
            return SECONDARY_LIMIT_WAIT
        return None  # a plain 403: missing permission, not a limit

    def _error(self, what: str, exc: GithubException) -> ApiError:
        errors = tuple(self.redact(text) for text in _error_texts(exc.data))
        detail = "; ".join(errors) or _message(exc) or "no message"
        return ApiError(self.redact(f"{what}: GitHub answered HTTP {exc.status}: {detail}"), exc.status, errors)


def listed(obj: GithubObject) -> dict[str, Any]:
    """The attributes an object came with in a list response.

    Reading a field GitHub leaves out (`in_reply_to_id` of a comment that is not a reply) through
    PyGithub's property would fetch the object again, one request per comment; the base class's
    `raw_data` returns what the list gave without completing the object.
    """
    data: dict[str, Any] = GithubObject.raw_data.fget(obj)  # type: ignore[attr-defined]
    return data


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return exc.message or ""


def _error_texts(data: object) -> list[str]:
    if not isinstance(data, dict):
        return []
    out = []
    for error in data.get("errors") or []:
        if isinstance(error, str):
            out.append(error)
        elif isinstance(error, dict):
            out.append(str(error.get("message") or error.get("code") or error))
    return out


def _describe(failure: Exception) -> str:
    if isinstance(failure, GithubException):
        return f"HTTP {failure.status} {_message(failure)}".rstrip()
    return type(failure).__name__
