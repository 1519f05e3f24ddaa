"""Writing fixed files in place, safely: atomically, only if unchanged since read, never outside the given roots."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path


class WriteRefused(Exception):
    pass


def _within(path: Path, roots: Iterable[Path]) -> bool:
    for root in roots:
        try:
            path.relative_to(root)
            return True
        except ValueError:
            continue
    return False


def allowed_roots(paths: Iterable[Path]) -> list[Path]:
    """The real locations a run may write to: each given directory, or a given file's own path."""
    roots = []
    for given in paths:
        absolute = Path(os.path.abspath(given))
        roots.append(absolute.resolve() if absolute.is_dir() else absolute.resolve())
    return roots


def write_fixed(path: Path, original: bytes, fixed: bytes, roots: list[Path]) -> None:
    """Replace `path`'s content with `fixed` if it still holds `original`; raises WriteRefused."""
    target = path.resolve()
    if not _within(target, roots):
        raise WriteRefused(f"{path} resolves to {target}, outside the paths given; not written")
    try:
        current = target.read_bytes()
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot re-read before writing: {exc}") from exc
    if current != original:
        raise WriteRefused(f"{path} changed on disk since dalfix read it; not written")
    mode = stat.S_IMODE(target.stat().st_mode)
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".dalfix", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(fixed)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
