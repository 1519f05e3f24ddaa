"""The persistent cache (`.dalfix_cache/`, ruff's model): a re-run with nothing changed reads each file's
results instead of parsing and analysing it.

One pack per project and run configuration, `<cache-dir>/<version>/<name>.json`, named by the dalfix
version, the options that decide the output (rules, fix threshold, preview, selections, exclusions,
`--config`) and the project root. The pack holds a fingerprint and, per file, its results keyed by the
file's content hash. The fingerprint is a hash of everything the project model may read, so that a cached
result is only used when a fresh analysis would give the same one:

- dalfix's own code (every module of `dalfix/` and `transforms/`, every template), not only its version;
- the project's settings and the files the run scans in it (paths and contents);
- every file under the repository root that the analysis could read (sources, manifests, tsconfig and
  other JSON/YAML/TOML settings, SQL migrations, formatter settings), outside node_modules, .git, dist,
  .next and .turbo, the `.git` boundaries below it, the settings and markers in the directories above it,
  and the drizzle-orm version installed.

Those fingerprints (dalfix/file_index.py) read only the files whose stat data changed since the last run, as
git's index does; dalfix/replay.py uses the same ones to replay a whole run.

Any change there invalidates the whole pack at once, except a change of modules' contents only (the pack's
*layout* still matches): then each entry is judged by what its file depends on (dalfix/incremental.py). A warm
re-run with nothing changed skips all parsing and analysis. Writes are atomic (a temporary file, then
`os.replace`), so runs that share a cache never see half a pack; an unreadable or corrupt pack or entry is a
miss, recomputed and written again. The cache directory holds a `.gitignore` (`*`) and a CACHEDIR.TAG.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from dalfix import __version__
from dalfix.file_index import Fingerprints, content_hash
from dalfix.fixes import Applicability, Edit, Finding, Fix, NewFile
from dalfix.suppressions import Suppression

CACHE_DIR_NAME = ".dalfix_cache"
CACHE_DIR_ENV = "DALFIX_CACHE_DIR"
FORMAT = 3  # the pack layout: bump when it changes (2: fixes may create files; 3: per-file dependencies)
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# This directory is a cache made by dalfix.\n"


def digest(data: bytes) -> str:
    return content_hash(data)


def code_fingerprint() -> str:
    """A hash of dalfix's own code and templates: a cache written by other code is never read."""
    return Fingerprints(__version__).code()


def repository_fingerprint(root: Path) -> str:
    """A hash over every file under `root` the analysis may read (see the module docstring) and the settings
    and markers in the directories above it (dalfix/file_index.py; no index: every file is read)."""
    return Fingerprints(__version__).repository(str(root))


def cache_dir_for(workspace_root: Path, configured: Path | None, explicit: Path | None = None) -> Path:
    """Where a project's packs go: `--cache-dir`, else $DALFIX_CACHE_DIR, else its dalfix.toml's
    `cache-dir`, else `.dalfix_cache` at its workspace root."""
    if explicit is not None:
        return explicit
    environment = os.environ.get(CACHE_DIR_ENV)
    if environment:
        return Path(environment)
    return configured if configured is not None else workspace_root / CACHE_DIR_NAME


def pack_path(cache_dir: Path, options_key: str, project_root: Path) -> Path:
    name = digest(f"{FORMAT}\0{options_key}\0{project_root}".encode("utf-8", "surrogateescape"))
    return cache_dir / __version__ / f"{name}.json"


def read_pack(path: Path) -> dict[str, object] | None:
    """A pack's data (its fingerprint, layout, `extra` and per-file entries: dalfix/incremental.py); None when there is
    none or it cannot be read (a corrupt pack is a miss, never an error)."""
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def store_pack(path: Path, data: dict[str, object]) -> None:
    """Write a pack atomically; a cache that cannot be written is skipped silently (the run's output stands)."""
    try:
        _prepare_dir(path.parent.parent)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(data, separators=(",", ":"))
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


def _prepare_dir(cache_dir: Path) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    for name, text in ((".gitignore", "# Made by dalfix.\n*\n"), ("CACHEDIR.TAG", _TAG)):
        marker = cache_dir / name
        if not marker.exists():
            try:
                with open(marker, "x", encoding="utf-8") as handle:
                    handle.write(text)
            except FileExistsError:  # another run made it first
                pass


def clean(cache_dirs: Iterable[Path]) -> list[Path]:
    """Remove dalfix cache directories (only those dalfix made: they hold its CACHEDIR.TAG); the removed."""
    removed = []
    for directory in dict.fromkeys(cache_dirs):
        tag = directory / "CACHEDIR.TAG"
        try:
            made_by_dalfix = "dalfix" in tag.read_text(encoding="utf-8")
        except OSError:
            made_by_dalfix = False
        if made_by_dalfix:
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    return removed


# ---- entries: one file's results, as JSON ---------------------------------------------------------------
def encode_finding(finding: Finding) -> dict[str, object]:
    fix = finding.fix
    return {
        "rule": finding.rule,
        "name": finding.name,
        "message": finding.message,
        "start": finding.start,
        "end": finding.end,
        "notes": list(finding.notes),
        "fix": None
        if fix is None
        else {
            "edits": [[e.start, e.end, e.text] for e in fix.edits],
            "applicability": fix.applicability.value,
            "title": fix.title,
            "imports": sorted([m, n] for m, n in fix.imports),
            "creates": [[str(new.path), new.text] for new in fix.creates],
            "drops_comments": list(fix.drops_comments),
        },
    }


def decode_finding(data: dict[str, object]) -> Finding:
    raw = data["fix"]
    fix = None
    if raw is not None:
        assert isinstance(raw, dict)
        fix = Fix(
            tuple(Edit(int(s), int(e), str(t)) for s, e, t in raw["edits"]),
            Applicability(raw["applicability"]),
            str(raw["title"]),
            frozenset((str(m), str(n)) for m, n in raw["imports"]),
            tuple(NewFile(Path(str(p)), str(t)) for p, t in raw.get("creates", ())),
            tuple(str(c) for c in raw.get("drops_comments", ())),
        )
    notes = data["notes"]
    assert isinstance(notes, list)
    return Finding(
        str(data["rule"]),
        str(data["name"]),
        str(data["message"]),
        int(data["start"]),  # type: ignore[call-overload]
        int(data["end"]),  # type: ignore[call-overload]
        fix,
        tuple(str(n) for n in notes),
    )


def encode_suppression(suppression: Suppression) -> list[object]:
    s = suppression
    return [list(s.codes), s.file_level, s.line, s.column, s.target_line, s.reason]


def decode_suppression(data: list[object]) -> Suppression:
    codes, file_level, line, column, target_line, reason = data
    assert isinstance(codes, list) and isinstance(line, int) and isinstance(column, int)
    assert isinstance(target_line, int)
    return Suppression(tuple(str(c) for c in codes), bool(file_level), line, column, target_line, str(reason))
