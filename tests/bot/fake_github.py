"""A small stateful stand-in for the GitHub REST API, served by pytest-httpserver under `/api/v3`
(the GitHub Enterprise layout, so the configurable base URL is exercised by every test).

It serves the endpoints the bot uses with the fields real responses have (list endpoints paginate with
`Link` headers; a review comment that is not a reply has no `in_reply_to_id`), and checks a review the
way GitHub does: 422 for a comment on a path or line outside the diff, for `start_line` not before
`line`, for a multi-line comment across hunks, for a body of 65,536 characters or more; 403 (secondary
rate limit) for more than 30 comments in one review. Its hunk parsing is its own, independent of the
bot's. Faults (5xx, rate limits, a 5xx after the review was created) are queued per endpoint.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

PREFIX = "/api/v3"
BOT_LOGIN = "dalfix-bot[bot]"
MAX_BODY = 65536
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    times: int = 1
    after: bool = False  # answer with the fault after performing the request (a 502 that still created)


@dataclass
class Pull:
    number: int
    head_sha: str
    head_ref: str
    base_ref: str
    title: str = "A change"
    body: str = ""
    state: str = "open"
    files: list[dict[str, Any]] = field(default_factory=list)  # filename, status, patch (or None)
    commits: list[str] = field(default_factory=list)


class FakeGitHub:
    def __init__(self, server: HTTPServer, token: str, owner: str = "acme", name: str = "shop") -> None:
        self.server = server
        self.token = token
        self.owner, self.name = owner, name
        self.base_url = server.url_for(PREFIX)
        self.default_branch = "main"
        self.pulls: dict[int, Pull] = {}
        self.review_comments: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.issue_comments: list[dict[str, Any]] = []
        self.log: list[tuple[str, str, Any]] = []  # method, path, JSON payload
        self.faults: list[Fault] = []
        self.refused_lines: set[tuple[str, int]] = set()  # lines GitHub refuses although in a hunk
        self._next_id = 1000
        server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    # ----- test set-up -----

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def add_pull(self, number: int, head_sha: str, head_ref: str, files: list[dict[str, Any]], **kw: Any) -> Pull:
        pull = Pull(number, head_sha, head_ref, kw.pop("base_ref", self.default_branch), files=files, **kw)
        pull.commits.append(head_sha)
        self.pulls[number] = pull
        return pull

    def add_review_comment(
        self, number: int, path: str, line: int, body: str, user: str = "alice", in_reply_to: int | None = None
    ) -> dict[str, Any]:
        comment = self._comment(number, {"path": path, "line": line, "body": body}, None, user)
        if in_reply_to is not None:
            comment["in_reply_to_id"] = in_reply_to
        self.review_comments.append(comment)
        return comment

    def fail(self, method: str, path: str, status: int, **kw: Any) -> None:
        """Answer the next matching request(s) with `status` (path is a regex after /api/v3/repos/o/r)."""
        self.faults.append(Fault(method, re.compile(path + "$"), status, **kw))

    def requests(self, method: str, path_regex: str) -> list[tuple[str, str, Any]]:
        pattern = re.compile(path_regex + "$")
        return [entry for entry in self.log if entry[0] == method and pattern.search(entry[1])]

    def submitted_reviews(self, number: int) -> list[dict[str, Any]]:
        return [r for r in self.reviews if r["_pull"] == number and r["state"] != "PENDING"]

    def comments_of(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.review_comments if c["_pull"] == number and not c.get("_pending")]

    # ----- HTTP -----

    def handle(self, request: Request) -> Response:
        path = request.path
        payload = request.get_json(silent=True) if request.data else None
        self.log.append((request.method, path, payload))
        auth = request.headers.get("Authorization", "")
        if auth not in (f"token {self.token}", f"Bearer {self.token}"):
            return self._json({"message": "Bad credentials"}, 401)
        if not path.startswith(PREFIX + "/"):
            return self._not_found()
        route = path[len(PREFIX) :]
        repo_prefix = f"/repos/{self.owner}/{self.name}"
        after: Fault | None = None
        for fault in self.faults:
            if fault.method == request.method and fault.path.search(route) and fault.times > 0:
                fault.times -= 1
                if not fault.after:
                    return self._json(fault.body or {"message": "Server Error"}, fault.status, fault.headers)
                after = fault
                break
        if route == repo_prefix or route.startswith(repo_prefix + "/"):
            response = self._route(request, route[len(repo_prefix) :], payload or {})
        else:
            response = self._not_found()
        if after is not None:
            return self._json(after.body or {"message": "Bad Gateway"}, after.status, after.headers)
        return response

    def _route(self, request: Request, route: str, payload: dict[str, Any]) -> Response:
        method = request.method
        if route == "" and method == "GET":
            return self._json(self._repo())
        if route == "/pulls" and method == "GET":
            pulls = [p for p in self.pulls.values() if self._pull_matches(p, request.args)]
            return self._page(request, [self._pull(p) for p in sorted(pulls, key=lambda p: -p.number)])
        if route == "/pulls" and method == "POST":
            return self._create_pull(payload)
        if match := re.fullmatch(r"/pulls/comments/(\d+)", route):
            return self._comment_by_id(method, int(match.group(1)))
        match = re.fullmatch(r"/pulls/(\d+)(/.*)?", route)
        if match is None:
            if (issue := re.fullmatch(r"/issues/(\d+)/comments", route)) and method == "POST":
                return self._issue_comment(int(issue.group(1)), payload)
            return self._not_found()
        pull = self.pulls.get(int(match.group(1)))
        if pull is None:
            return self._not_found()
        rest = match.group(2) or ""
        if rest == "" and method == "GET":
            return self._json(self._pull(pull))
        if rest == "" and method == "PATCH":
            for key in ("title", "body", "state", "base"):
                if key in payload:
                    setattr(pull, "base_ref" if key == "base" else key, payload[key])
            return self._json(self._pull(pull))
        if rest == "/files" and method == "GET":
            return self._page(request, [self._file(f) for f in pull.files])
        if rest == "/comments" and method == "GET":
            return self._page(request, [self._public(c) for c in self.comments_of(pull.number)])
        if rest == "/reviews" and method == "GET":
            visible = [r for r in self.reviews if r["_pull"] == pull.number]
            return self._page(request, [self._public(r) for r in visible])
        if rest == "/reviews" and method == "POST":
            return self._create_review(pull, payload)
        if (review := re.fullmatch(r"/reviews/(\d+)", rest)) and method == "DELETE":
            return self._delete_review(pull, int(review.group(1)))
        return self._not_found()

    # ----- reviews -----

    def _create_review(self, pull: Pull, payload: dict[str, Any]) -> Response:
        comments = payload.get("comments") or []
        event = payload.get("event")
        body = payload.get("body") or ""
        if len(comments) > 30:
            return self._json(
                {
                    "message": "You have exceeded a secondary rate limit and have been temporarily blocked from "
                    "content creation. Please retry your request again later.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                },
                403,
            )
        errors = []
        if event not in (None, "COMMENT", "APPROVE", "REQUEST_CHANGES"):
            errors.append(f"event {event!r} is not a valid event")
        if event in ("COMMENT", "REQUEST_CHANGES") and not body and not comments:
            errors.append("Review body can't be blank")
        if len(body) >= MAX_BODY:
            errors.append(f"Body is too long (maximum is {MAX_BODY} characters)")
        if payload.get("commit_id") not in (None, *pull.commits):
            errors.append("Commit id is not part of the pull request")
        if event is None and any(r["state"] == "PENDING" and r["_pull"] == pull.number for r in self.reviews):
            errors.append("User can only have one pending review per pull request")
        for comment in comments:
            errors.extend(self._comment_errors(pull, comment))
        if errors:
            return self._json(
                {
                    "message": "Unprocessable Entity",
                    "errors": errors,
                    "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
                    "status": "422",
                },
                422,
            )
        review_id = self._id()
        state = {"COMMENT": "COMMENTED", "APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED"}.get(
            event or "", "PENDING"
        )
        review = {
            "id": review_id,
            "node_id": f"PRR_{review_id}",
            "user": self._user(BOT_LOGIN),
            "body": body,
            "state": state,
            "html_url": f"https://github.example/{self.full_name}/pull/{pull.number}#pullrequestreview-{review_id}",
            "pull_request_url": f"{self.base_url}/repos/{self.full_name}/pulls/{pull.number}",
            "commit_id": payload.get("commit_id") or pull.head_sha,
            "submitted_at": None if state == "PENDING" else "2024-05-01T12:00:00Z",
            "author_association": "NONE",
            "_pull": pull.number,
        }
        self.reviews.append(review)
        for comment in comments:
            created = self._comment(pull.number, comment, review_id, BOT_LOGIN)
            created["_pending"] = state == "PENDING"
            self.review_comments.append(created)
        return self._json(self._public(review))

    def _comment_errors(self, pull: Pull, comment: dict[str, Any]) -> list[str]:
        files = {f["filename"]: f for f in pull.files}
        path = comment.get("path")
        if path not in files:
            return ["Path could not be resolved"]
        if comment.get("position") is None and not isinstance(comment.get("line"), int):
            return ["Pull request review thread line must be part of the diff"]
        if comment.get("side", "RIGHT") != "RIGHT":
            return ["this stand-in only knows the RIGHT side"]
        line = comment["line"]
        hunks = self.hunks(files[path].get("patch"))
        errors = []
        hunk = next((h for h in hunks if line in h), None)
        if hunk is None or (path, line) in self.refused_lines:
            errors.append("Pull request review thread line must be part of the diff")
        if "start_line" in comment:
            start = comment["start_line"]
            if not isinstance(start, int) or start >= line:
                errors.append("Pull request review thread start line must precede the end line.")
            elif hunk is None or start not in hunk:
                errors.append("Pull request review thread start line must be part of the same hunk as the line.")
        if hunk is None:
            errors.append("Pull request review thread diff hunk can't be blank")
        if len(comment.get("body") or "") >= MAX_BODY:
            errors.append(f"Body is too long (maximum is {MAX_BODY} characters)")
        return errors

    @staticmethod
    def hunks(patch: str | None) -> list[range]:
        out = []
        for match in HUNK.finditer(patch or ""):
            start = int(match.group(1))
            length = int(match.group(2)) if match.group(2) is not None else 1
            out.append(range(start, start + length))
        return out

    def _delete_review(self, pull: Pull, review_id: int) -> Response:
        review = next((r for r in self.reviews if r["id"] == review_id and r["_pull"] == pull.number), None)
        if review is None:
            return self._not_found()
        if review["state"] != "PENDING":
            return self._json(
                {"message": "Unprocessable Entity", "errors": ["Can not delete a non pending pull request review"]}, 422
            )
        self.reviews.remove(review)
        self.review_comments = [c for c in self.review_comments if c.get("pull_request_review_id") != review_id]
        return self._json(self._public(review))

    def _comment(self, number: int, data: dict[str, Any], review_id: int | None, user: str) -> dict[str, Any]:
        comment_id = self._id()
        pull = self.pulls[number]
        comment = {
            "id": comment_id,
            "node_id": f"PRRC_{comment_id}",
            "url": f"{self.base_url}/repos/{self.full_name}/pulls/comments/{comment_id}",
            "pull_request_review_id": review_id,
            "diff_hunk": "@@ -1 +1 @@",
            "path": data["path"],
            "position": 1,
            "original_position": 1,
            "commit_id": data.get("commit_id") or pull.head_sha,
            "original_commit_id": pull.head_sha,
            "user": self._user(user),
            "body": data.get("body", ""),
            "created_at": "2024-05-01T12:00:00Z",
            "updated_at": "2024-05-01T12:00:00Z",
            "html_url": f"https://github.example/{self.full_name}/pull/{number}#discussion_r{comment_id}",
            "pull_request_url": f"{self.base_url}/repos/{self.full_name}/pulls/{number}",
            "author_association": "NONE",
            "start_line": data.get("start_line"),
            "original_start_line": data.get("start_line"),
            "start_side": data.get("start_side"),
            "line": data.get("line"),
            "original_line": data.get("line"),
            "side": data.get("side", "RIGHT"),
            "subject_type": "line",
            "_pull": number,
        }
        return comment

    def _comment_by_id(self, method: str, comment_id: int) -> Response:
        comment = next((c for c in self.review_comments if c["id"] == comment_id), None)
        if comment is None:
            return self._not_found()
        if method == "DELETE":
            self.review_comments.remove(comment)
            return Response(status=204)
        if method == "GET":
            return self._json(self._public(comment))
        return self._not_found()

    # ----- pulls -----

    def _pull_matches(self, pull: Pull, args: Any) -> bool:
        state = args.get("state", "open")
        if state != "all" and pull.state != state:
            return False
        head = args.get("head")
        return head is None or head == f"{self.owner}:{pull.head_ref}"

    def _create_pull(self, payload: dict[str, Any]) -> Response:
        head, base = payload.get("head"), payload.get("base")
        errors = []
        if not head or not base or not payload.get("title"):
            errors.append({"resource": "PullRequest", "code": "missing_field", "field": "head/base/title"})
        elif any(p.state == "open" and p.head_ref == head and p.base_ref == base for p in self.pulls.values()):
            errors.append(
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": f"A pull request already exists for {self.owner}:{head}.",
                }
            )
        if errors:
            return self._json({"message": "Validation Failed", "errors": errors}, 422)
        number = max([0, *self.pulls]) + 1
        pull = Pull(
            number,
            head_sha="0" * 40,
            head_ref=head,
            base_ref=base,
            title=payload["title"],
            body=payload.get("body") or "",
        )
        self.pulls[number] = pull
        return self._json(self._pull(pull), 201)

    def _issue_comment(self, number: int, payload: dict[str, Any]) -> Response:
        comment_id = self._id()
        comment = {
            "id": comment_id,
            "url": f"{self.base_url}/repos/{self.full_name}/issues/comments/{comment_id}",
            "html_url": f"https://github.example/{self.full_name}/pull/{number}#issuecomment-{comment_id}",
            "body": payload.get("body", ""),
            "user": self._user(BOT_LOGIN),
            "created_at": "2024-05-01T12:00:00Z",
            "updated_at": "2024-05-01T12:00:00Z",
            "_pull": number,
        }
        self.issue_comments.append(comment)
        return self._json(self._public(comment), 201)

    # ----- representations -----

    def _repo(self) -> dict[str, Any]:
        return {
            "id": 1,
            "node_id": "R_1",
            "name": self.name,
            "full_name": self.full_name,
            "private": False,
            "owner": self._user(self.owner, "Organization"),
            "html_url": f"https://github.example/{self.full_name}",
            "url": f"{self.base_url}/repos/{self.full_name}",
            "default_branch": self.default_branch,
            "fork": False,
        }

    def _pull(self, pull: Pull) -> dict[str, Any]:
        api = f"{self.base_url}/repos/{self.full_name}"
        return {
            "id": pull.number + 5000,
            "node_id": f"PR_{pull.number}",
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "body": pull.body,
            "user": self._user(BOT_LOGIN),
            "url": f"{api}/pulls/{pull.number}",
            "html_url": f"https://github.example/{self.full_name}/pull/{pull.number}",
            "issue_url": f"{api}/issues/{pull.number}",
            "comments_url": f"{api}/issues/{pull.number}/comments",
            "review_comments_url": f"{api}/pulls/{pull.number}/comments",
            "head": {
                "label": f"{self.owner}:{pull.head_ref}",
                "ref": pull.head_ref,
                "sha": pull.head_sha,
                "repo": self._repo(),
            },
            "base": {
                "label": f"{self.owner}:{pull.base_ref}",
                "ref": pull.base_ref,
                "sha": "b" * 40,
                "repo": self._repo(),
            },
            "draft": False,
            "merged": False,
            "created_at": "2024-05-01T12:00:00Z",
            "updated_at": "2024-05-01T12:00:00Z",
        }

    @staticmethod
    def _file(entry: dict[str, Any]) -> dict[str, Any]:
        data = {
            "sha": "f" * 40,
            "filename": entry["filename"],
            "status": entry.get("status", "modified"),
            "additions": 1,
            "deletions": 0,
            "changes": 1,
        }
        if entry.get("patch") is not None:  # GitHub leaves `patch` out for binary or very large diffs
            data["patch"] = entry["patch"]
        return data

    @staticmethod
    def _user(login: str, kind: str | None = None) -> dict[str, Any]:
        return {
            "login": login,
            "id": abs(hash(login)) % 100000,
            "type": kind or ("Bot" if login.endswith("[bot]") else "User"),
        }

    @staticmethod
    def _public(item: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in item.items() if not k.startswith("_")}

    def _page(self, request: Request, items: list[Any]) -> Response:
        per_page = min(int(request.args.get("per_page", 30)), 100)
        page = int(request.args.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        headers = {}
        if page < last:
            args = {k: v for k, v in request.args.items() if k != "page"}
            base = request.base_url
            headers["Link"] = (
                f'<{base}?{urlencode({**args, "page": page + 1})}>; rel="next", '
                f'<{base}?{urlencode({**args, "page": last})}>; rel="last"'
            )
        return self._json(chunk, 200, headers)

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(json.dumps(data), status=status, headers=headers or {}, content_type="application/json")

    def _not_found(self) -> Response:
        return self._json({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, 404)
