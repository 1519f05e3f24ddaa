"""`apply --formatter "CMD {path}"`: run the project's formatter on the files dalfix changed, and only those.

The command is split like a shell would (no shell runs it); `{path}` becomes the file's path (the command gets
the path appended when it has no `{path}`). A formatter that fails or is missing is reported per file; the
file keeps dalfix's fix either way.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

TIMEOUT_SECONDS = 120


class FormatterError(ValueError):
    pass


def formatter_argv(command: str, path: Path) -> list[str]:
    try:
        parts = shlex.split(command)
    except ValueError as exc:
        raise FormatterError(f"--formatter {command!r}: {exc}") from exc
    if not parts:
        raise FormatterError("--formatter: empty command")
    if not any("{path}" in part for part in parts):
        parts.append("{path}")
    return [part.replace("{path}", str(path)) for part in parts]


def run_formatter(command: str, path: Path) -> str | None:
    """Format one file; None when it went well, else a one-line reason."""
    argv = formatter_argv(command, path)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    except FileNotFoundError:
        return f"formatter not found: {argv[0]}"
    except subprocess.TimeoutExpired:
        return f"formatter timed out after {TIMEOUT_SECONDS} s"
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        return f"formatter exited {done.returncode}: {last[0]}"
    return None
