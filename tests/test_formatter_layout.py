"""Fixture cases run in a project with a Biome or Prettier configuration: what dalfix writes there is what that
formatter prints (`biome format` / `prettier --check` pass on every output file whose input passed).

Needs the formatters: DALFIX_BIOME and DALFIX_PRETTIER name their executables (`npm i --prefix /tmp/biome
@biomejs/biome@2.2`, then DALFIX_BIOME=/tmp/biome/node_modules/.bin/biome; `npm i --prefix /tmp/prettier
prettier@3`, then DALFIX_PRETTIER=/tmp/prettier/node_modules/.bin/prettier); a case whose formatter is not named
is skipped.
"""

from __future__ import annotations

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
    and any((case.input / name).exists() for name in ("biome.json", ".prettierrc"))
]


def _check(formatter: str, project: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    if formatter == "biome":
        command = [os.environ["DALFIX_BIOME"], "format", *files]
    else:
        command = [os.environ["DALFIX_PRETTIER"], "--check", *files]
    return subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", FORMATTED, ids=[c.id for c in FORMATTED])
def test_fixture_outputs_are_what_the_formatter_prints(case, tmp_path) -> None:  # type: ignore[no-untyped-def]
    formatter = "biome" if (case.input / "biome.json").exists() else "prettier"
    if not os.environ.get(f"DALFIX_{formatter.upper()}"):
        pytest.skip(f"DALFIX_{formatter.upper()} is not set")
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
