"""Fixture cases run in a project with a Biome, Prettier or Oxfmt configuration: what dalfix writes there is what
that formatter prints (`biome format` / `prettier --check` / `oxfmt --check` pass on every output file whose input
passed).

The formatters: DALFIX_BIOME, DALFIX_PRETTIER and DALFIX_OXFMT name their executables; else the versions the
layouts were taken from (Biome 2.2.0, Prettier 3.10.1, Oxfmt 0.58.0) are installed once with npm into
`.formatters/` at the repository root (like the example app's packages). Without npm (or when the install fails)
the cases are skipped, saying why.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixture_harness import discover_cases

pytestmark = pytest.mark.node

FORMATTED = [
    case
    for case in discover_cases()
    if case.input.is_dir()
    and case.output is not None
    and any((case.input / name).exists() for name in ("biome.json", ".prettierrc", ".oxfmtrc.json"))
]


ROOT = Path(__file__).resolve().parent.parent
PINNED = {
    "biome": ("@biomejs/biome@2.2.0", "biome"),
    "prettier": ("prettier@3.10.1", "prettier"),
    "oxfmt": ("oxfmt@0.58.0", "oxfmt"),
}


@functools.cache
def _executable(formatter: str) -> str | None:
    """The formatter's executable: named by DALFIX_<NAME>, else installed once into .formatters/ with npm."""
    named = os.environ.get(f"DALFIX_{formatter.upper()}")
    if named:
        return named
    package, binary = PINNED[formatter]
    prefix = ROOT / ".formatters" / formatter
    installed = prefix / "node_modules" / ".bin" / binary
    if not installed.exists() and shutil.which("npm") is not None:
        subprocess.run(
            ["npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", package],
            capture_output=True,
            timeout=300,
            check=False,
        )
    return str(installed) if installed.exists() else None


def _check(formatter: str, project: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    executable = _executable(formatter)
    assert executable is not None
    command = [executable, "format", *files] if formatter == "biome" else [executable, "--check", *files]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", FORMATTED, ids=[c.id for c in FORMATTED])
def test_fixture_outputs_are_what_the_formatter_prints(case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    markers = (("biome", "biome.json"), ("oxfmt", ".oxfmtrc.json"))
    formatter = next((name for name, marker in markers if (case.input / marker).exists()), "prettier")
    if _executable(formatter) is None:
        pytest.skip(f"no {formatter}: DALFIX_{formatter.upper()} is not set and npm could not install it")
    assert case.output is not None
    changed = sorted(p.relative_to(case.output).as_posix() for p in case.output.rglob("*.ts"))
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(case.input, before)
    shutil.copytree(case.input, after)
    for name in changed:
        shutil.copyfile(case.output / name, after / name)
    inputs = [name for name in changed if (before / name).exists()]
    clean_before = _check(formatter, before, inputs)
    assert clean_before.returncode == 0, f"the input is not formatted: {clean_before.stdout}{clean_before.stderr}"
    result = _check(formatter, after, changed)
    assert result.returncode == 0, result.stdout + result.stderr
