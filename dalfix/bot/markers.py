"""Hidden HTML-comment markers by which the bot recognizes what it posted before.

Every inline comment carries the fingerprint of what it says (`fp`): a re-run skips findings whose
fingerprint is already on the pull request and deletes its own comments whose fingerprint it no longer
produces. A review body carries the fingerprint of its summary (`summary`) and a per-run id (`run`, so a
create that timed out can be found instead of posted twice). A fix pull request's body carries `fix-pr`.
"""

from __future__ import annotations

import hashlib
import re

_COMMENT = re.compile(r"<!-- dalfix:fp=([0-9a-f]{40}) -->")
_REVIEW = re.compile(r"<!-- dalfix:review summary=([0-9a-f]{40}) run=([0-9a-f]+) -->")
FIX_PR_MARKER = "<!-- dalfix:fix-pr -->"


def fingerprint(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def normalized(code: str) -> str:
    """Code with runs of whitespace collapsed, so re-indentation or CRLF does not change a fingerprint."""
    return " ".join(code.split())


def comment_marker(fp: str) -> str:
    return f"<!-- dalfix:fp={fp} -->"


def comment_fingerprint(body: str | None) -> str | None:
    match = _COMMENT.search(body or "")
    return match.group(1) if match else None


def comment_fingerprints(body: str | None) -> set[str]:
    """Every comment fingerprint in a text (a review body lists the comments GitHub refused with theirs)."""
    return set(_COMMENT.findall(body or ""))


def review_marker(summary_fp: str, run_id: str) -> str:
    return f"<!-- dalfix:review summary={summary_fp} run={run_id} -->"


def review_summary_fingerprint(body: str | None) -> str | None:
    match = _REVIEW.search(body or "")
    return match.group(1) if match else None


def review_run_id(body: str | None) -> str | None:
    match = _REVIEW.search(body or "")
    return match.group(2) if match else None
