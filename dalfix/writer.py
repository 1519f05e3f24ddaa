"""Writing fixed files in place, safely: atomically, only if unchanged since read, never outside the given roots.

How a file is written (`write_fixed`):

1. The target is opened, must be a regular file inside the given roots, and is locked with an advisory
   lock (`fcntl.flock`, where the platform has it) for the whole write: two dalfix runs, or any tool that
   takes the same lock, never interleave on one file.
2. Its content must still be exactly what dalfix read. A read-only file (no write permission bit) is
   refused unless `force`; so is a file with more than one hard link, which a rename would split in two
   (with `force` it is written in place, which keeps the links but is not atomic).
3. The new content goes to a temporary file beside the target, `.<name>.<8 random chars>.dalfix`, with
   the target's mode, owner and group (refused if the owner or group cannot be kept), and is fsync'ed.
4. Immediately before the rename the target is checked again: same device and inode, size, mtime_ns and
   SHA-256 of its content. An editor save that landed meanwhile (in place, or by its own rename) makes
   the write refused and the save is kept.
5. `os.replace` renames the temporary file over the target.

What remains: an editor that saves in the microseconds between step 4's check and step 5's rename, without
taking the lock, still loses that save; no portable API closes that window (no compare-and-swap rename).

A run that is killed between steps 3 and 5 leaves its temporary file behind. The next `apply` removes such
files in the directories it scans (`remove_stale_temp_files`), unless another process still holds them.

Every failure is a `WriteRefused` naming the real file (never the temporary one); the file is left as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; the re-check before the rename remains
    fcntl = None  # type: ignore[assignment]

TEMP_SUFFIX = ".dalfix"
# mkstemp's names: the prefix we give, eight characters of [a-z0-9_], the suffix we give.
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}\.dalfix$")
# Without advisory locks a temporary file is taken as abandoned only once it is this old (seconds).
_STALE_WITHOUT_LOCKS = 3600


class WriteRefused(Exception):
    """The file was not written (on purpose, or because the system refused); it is left unchanged."""


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
    return [Path(os.path.abspath(given)).resolve() for given in paths]


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _read_all(descriptor: int) -> bytes:
    chunks = []
    while chunk := os.read(descriptor, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


@contextlib.contextmanager
def _locked(descriptor: int, shown: Path) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise WriteRefused(f"{shown} is locked by another process; not written") from None
    try:
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)


def _shown(path: Path) -> Path:
    """A file as the run's other errors name it: relative to the working directory (`../x` outside it)."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd())
    except ValueError:
        return Path(os.path.relpath(absolute))


def write_fixed(path: Path, original: bytes, fixed: bytes, roots: list[Path], *, force: bool = False) -> None:
    """Replace `path`'s content with `fixed` if it still holds `original`; raises WriteRefused.

    `force` also writes read-only files (keeping their mode) and files with several hard links (in place).
    """
    target, shown = path.resolve(), _shown(path)
    if not _within(target, roots):
        raise WriteRefused(f"{shown} resolves to {target}, outside the paths given; not written")
    try:
        descriptor = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise WriteRefused(f"{shown}: cannot re-read before writing: {exc.strerror or exc}") from exc
    try:
        with _locked(descriptor, shown):
            before = os.fstat(descriptor)
            if not stat.S_ISREG(before.st_mode):
                raise WriteRefused(f"{shown} is not a regular file; not written")
            if _read_all(descriptor) != original:
                raise WriteRefused(f"{shown} changed on disk since dalfix read it; not written")
            if not force and (not before.st_mode & 0o222 or not os.access(target, os.W_OK)):
                raise WriteRefused(f"{shown} is read-only; not written (--force writes it and keeps its mode)")
            expected = (_identity(before), hashlib.sha256(original).digest())
            if before.st_nlink > 1:
                if not force:
                    raise WriteRefused(
                        f"{shown} has {before.st_nlink} hard links and a rename would split them; not written "
                        "(--force writes it in place)"
                    )
                _write_in_place(target, fixed, expected, shown)
            else:
                _write_by_rename(target, fixed, before, expected, shown)
    except OSError as exc:
        # The system's message, with the real file's name (an OSError would name the temporary file, or none).
        raise WriteRefused(f"{shown}: not written: {exc.strerror or exc}") from exc
    finally:
        os.close(descriptor)


def _still_as_read(target: Path, expected: tuple[tuple[int, int, int, int], bytes], shown: Path) -> None:
    """Refuse unless `target` is still the file dalfix read: same inode, size, mtime_ns and content hash."""
    try:
        now = os.stat(target, follow_symlinks=False)
        same = _identity(now) == expected[0] and hashlib.sha256(target.read_bytes()).digest() == expected[1]
    except FileNotFoundError:
        same = False
    if not same:
        raise WriteRefused(f"{shown} changed on disk while dalfix was writing it; not written (the change is kept)")


def _write_by_rename(
    target: Path, fixed: bytes, before: os.stat_result, expected: tuple[tuple[int, int, int, int], bytes], shown: Path
) -> None:
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if fcntl is not None:  # held while the file exists: the next run's cleanup leaves it alone
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            handle.write(fixed)
            handle.flush()
            mine = os.fstat(handle.fileno())
            if (mine.st_uid, mine.st_gid) != (before.st_uid, before.st_gid):
                try:
                    os.fchown(handle.fileno(), before.st_uid, before.st_gid)
                except PermissionError:
                    raise WriteRefused(
                        f"{shown}: its owner or group ({before.st_uid}:{before.st_gid}) could not be kept; not written"
                    ) from None
            os.fchmod(handle.fileno(), stat.S_IMODE(before.st_mode))  # after fchown, which clears set-id bits
            os.fsync(handle.fileno())
            _still_as_read(target, expected, shown)
            os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def _write_in_place(target: Path, fixed: bytes, expected: tuple[tuple[int, int, int, int], bytes], shown: Path) -> None:
    descriptor = os.open(target, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        _still_as_read(target, expected, shown)
        view = memoryview(fixed)
        while view:
            view = view[os.write(descriptor, view) :]
        os.ftruncate(descriptor, len(fixed))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def create_new_file(path: Path, data: bytes, roots: list[Path]) -> bool:
    """Create `path` holding `data`, atomically and never over an existing file; True when it was created,
    False when it already held exactly `data` (nothing to do). Raises WriteRefused when it exists with other
    content, or would be outside `roots` (missing directories on the way are created).

    The content goes to a temporary file beside the target first, then `os.link` puts it in place: the link
    fails when the target exists (no clobbering, even by a file that appears meanwhile), and a reader never
    sees half the content. Where hard links are not supported, `O_CREAT | O_EXCL` writes it in place."""
    target, shown = Path(os.path.normpath(os.path.abspath(path))), _shown(path)
    if not _within(Path(os.path.realpath(target)), roots):
        raise WriteRefused(f"{shown} would be outside the paths given; not created")

    def existing() -> bool:
        try:
            same = target.is_file() and not target.is_symlink() and target.read_bytes() == data
        except OSError as exc:
            raise WriteRefused(f"{shown}: exists and cannot be read: {exc.strerror or exc}") from exc
        if not same:
            raise WriteRefused(f"{shown} exists with other content; not overwritten")
        return False

    if os.path.lexists(target):
        return existing()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not _within(Path(os.path.realpath(target.parent)), roots):
            raise WriteRefused(f"{shown} would be outside the paths given; not created")
        mode = 0o666 & ~_umask()
        descriptor, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
                handle.write(data)
                handle.flush()
                os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
                try:
                    os.link(temp_name, target, follow_symlinks=False)
                except FileExistsError:
                    return existing()
                except OSError:  # no hard links here (some network and FAT file systems)
                    _create_exclusive(target, data, mode)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
    except FileExistsError:
        return existing()
    except OSError as exc:
        raise WriteRefused(f"{shown}: not created: {exc.strerror or exc}") from exc
    return True


def _create_exclusive(target: Path, data: bytes, mode: int) -> None:
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _abandoned(path: str) -> bool:
    """True when no process holds the temporary file (its writer was killed)."""
    if fcntl is None:
        return time.time() - os.stat(path, follow_symlinks=False).st_mtime > _STALE_WITHOUT_LOCKS
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)


def remove_stale_temp_files(directories: Iterable[Path]) -> list[Path]:
    """Remove `.<name>.<random>.dalfix` files an interrupted run left in `directories`; returns them."""
    removed = []
    for directory in sorted(set(directories)):
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            if not _TEMP_NAME.match(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                if _abandoned(entry.path):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed
