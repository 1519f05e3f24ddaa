"""Colour and progress on a terminal, through rich (no hand-written escape codes).

Colour: `--color always|never` wins; with `auto` (the default) `NO_COLOR` (non-empty) turns it off,
`FORCE_COLOR` (non-empty) turns it on, else the stream must be a terminal. Output written to a file or a pipe
stays plain and byte-exact.

Progress: a transient bar on stderr, only when stderr is a terminal, not with `--quiet`, and only once the run
has lasted `PROGRESS_DELAY` seconds, so short runs and piped runs never see it.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # rich is imported when colour or a progress bar is shown, not by every run
    from rich.progress import Progress
    from rich.text import Text

PROGRESS_DELAY = 1.0

DIFF_STYLES = (("+++", "bold"), ("---", "bold"), ("diff ", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))
APPLICABILITY_STYLES = {"safe": "green", "unsafe": "yellow", "display-only": "magenta", "no fix": "dim"}


def use_color(choice: str, stream: TextIO) -> bool:
    """Whether to colour `stream`, given `--color` and the environment."""
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _render(text: Text) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", soft_wrap=True, width=10_000)
    console.print(text, end="", highlight=False, markup=False, emoji=False)
    return buffer.getvalue()


def color_diff(diff: str) -> str:
    """A unified diff with headers bold, hunk headers cyan, added lines green and removed lines red."""
    from rich.text import Text

    text = Text()
    for line in diff.splitlines(keepends=True):
        style = next((s for prefix, s in DIFF_STYLES if line.startswith(prefix)), "")
        text.append(line, style=style)
    return _render(text)


def color_check_line(where: str, code: str, message: str, applicability: str) -> str:
    """One `check` line: the location bold, the code red, the applicability coloured by how sure the fix is."""
    from rich.text import Text

    text = Text()
    text.append(where, style="bold")
    text.append(": ")
    text.append(code, style="bold red")
    text.append(f" {message} ")
    text.append(f"[{applicability}]", style=APPLICABILITY_STYLES.get(applicability, ""))
    return _render(text)


class ProgressReporter:
    """The runner's `progress` callback: starts a bar on stderr once the run is slower than `delay`."""

    def __init__(self, stream: TextIO, enabled: bool, delay: float = PROGRESS_DELAY) -> None:
        self.stream = stream
        self.enabled = enabled
        self.delay = delay
        self.started = time.monotonic()
        self.progress: Progress | None = None
        self.task: object = None
        self.phase: str = ""

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled or time.monotonic() - self.started < self.delay:
            return
        phase = "reading" if total is None else "checking"
        if self.progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            console = Console(file=self.stream, stderr=True)
            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("dalfix: {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self.progress.start()
        if phase != self.phase:
            if self.task is not None:
                self.progress.remove_task(self.task)  # type: ignore[arg-type]
            self.task = self.progress.add_task(f"{phase} files", total=total)
            self.phase = phase
        self.progress.update(self.task, completed=done, total=total)  # type: ignore[arg-type]

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    @property
    def shown(self) -> bool:
        return self.progress is not None


@contextmanager
def progress_on(stream: TextIO, enabled: bool, delay: float = PROGRESS_DELAY) -> Iterator[ProgressReporter]:
    """A progress callback for one run; the bar (if it ever appeared) is removed when the run ends."""
    stream = getattr(stream, "uncaptured", stream)  # a run being recorded (dalfix/replay.py): the bar is not output
    reporter = ProgressReporter(stream, enabled and bool(getattr(stream, "isatty", lambda: False)()), delay)
    try:
        yield reporter
    finally:
        reporter.stop()
