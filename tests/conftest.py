"""Shared test helpers: a rule's documented example, and running the CLI in a scratch directory."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dalfix.cli import main
from dalfix.rules import code_block, doc_sections, rule_by_code

# Every fix round that re-checks only the statements it edited (dalfix/rounds.py) also runs the full round and
# fails on any difference: every fixture, CLI test and the example app's harness check that restriction.
os.environ.setdefault("DALFIX_VERIFY_ROUNDS", "1")


@dataclass(frozen=True)
class DocumentedExample:
    """A rule's "Example" (before) and "Use instead" (after) code blocks."""

    before: str
    after: str


def documented_example(code: str) -> DocumentedExample:
    sections = doc_sections(rule_by_code(code).documentation())
    return DocumentedExample(code_block(sections["Example"]), code_block(sections["Use instead"]))


@pytest.fixture
def dal001() -> DocumentedExample:
    example = documented_example("DAL001")
    assert example.before and example.after and example.before != example.after
    return example


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's CLI runs share a cache of their own, outside the trees they list (tests/test_cache.py
    covers the default place, .dalfix_cache at the workspace root)."""
    directory = tmp_path_factory.mktemp("dalfix-cache")
    monkeypatch.setenv("DALFIX_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`tmp_path`, made the current directory (dalfix shows paths relative to it)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """Invoke `dalfix ARGS…` in-process; stdout and stderr stay separate (`.stdout`, `.stderr`)."""

    def invoke(*args: str | Path) -> Result:
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def dalfix_exe() -> Path:
    """The installed `dalfix` console script of the interpreter running the tests."""
    beside = Path(sys.executable).parent / "dalfix"
    found = beside if beside.exists() else shutil.which("dalfix")
    if not found:
        pytest.skip("the dalfix console script is not installed")
    return Path(found)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `node` need Node.js and npm: without them they skip with the way out, instead of erroring."""
    if shutil.which("node") and shutil.which("npm"):
        return
    skip = pytest.mark.skip(reason='needs Node 20 + npm (not found on PATH); `-m "not node"` deselects these tests')
    for item in items:
        if "node" in item.keywords:
            item.add_marker(skip)
