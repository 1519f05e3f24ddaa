"""Driving examples/drizzle-app from Python: npm install (cached), copies, dalfix, tsc, the TS harness."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "examples" / "drizzle-app"
STAMP = ".dalfix-lockfile-sha256"


class AppError(AssertionError):
    pass


def _run(command: list[str], cwd: Path, timeout: int = 600, env: dict[str, str | None] | None = None) -> str:
    """Runs `command`; `env` entries override the environment, a None value removes the variable."""
    merged = {**os.environ, **(env or {})}
    completed = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={key: value for key, value in merged.items() if value is not None},
    )
    if completed.returncode != 0:
        raise AppError(
            f"`{' '.join(command)}` in {cwd} exited {completed.returncode}\n"
            f"--- stdout ---\n{completed.stdout[-4000:]}\n--- stderr ---\n{completed.stderr[-4000:]}"
        )
    return completed.stdout


def ensure_installed(app: Path = APP) -> Path:
    """`npm ci` once per lockfile: node_modules is reused while package-lock.json is unchanged."""
    lock = (app / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()
    stamp = app / "node_modules" / STAMP
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return app / "node_modules"
    _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], app, timeout=900)
    stamp.write_text(digest + "\n")
    return app / "node_modules"


def copy_app(destination: Path, node_modules: Path) -> Path:
    shutil.copytree(APP, destination, ignore=shutil.ignore_patterns("node_modules", "*.json.out", "results*.json"))
    (destination / "node_modules").symlink_to(node_modules, target_is_directory=True)
    return destination


def run_dalfix(app: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [sys.executable, "-m", "dalfix", *arguments, str(app / "src")], capture_output=True, text=True, timeout=600
    )
    if completed.returncode not in (0, 1):
        raise AppError(f"dalfix exited {completed.returncode}\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    return completed


def typecheck(app: Path) -> None:
    _run([str(app / "node_modules" / ".bin" / "tsc"), "--noEmit", "-p", str(app)], app)


def run_harness(
    app: Path, out: Path, *arguments: str, database_url: str | None = None, script: str = "harness/run.ts"
) -> dict:  # type: ignore[type-arg]
    """The TS harness (or another `script` of it that writes `--out`) on PGlite (`database_url` None, whatever
    the environment says) or on that PostgreSQL."""
    _run(
        [str(app / "node_modules" / ".bin" / "tsx"), script, "--out", str(out), *arguments],
        app,
        timeout=900,
        env={"DATABASE_URL": database_url},
    )
    return json.loads(out.read_text(encoding="utf-8"))
