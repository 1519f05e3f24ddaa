"""The persistent cache never changes a result: on every project tree of tests/projects and on examples/drizzle-app,
after an edit of one file (tests/cache_diff_harness.py: the schema, the client's driver, a transaction caller, a
barrel, a migration, package.json, tsconfig paths, a file added or removed, a line added), a warm run prints the JSON
a cold run prints. A small seeded budget here; bench/cache_diff.py runs more edits, and on real repositories."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from tests.cache_diff_harness import candidate_edits, copy_tree, differential, pick

ROOT = Path(__file__).resolve().parent.parent
TREES = sorted(p for p in (ROOT / "tests" / "projects").iterdir() if p.is_dir())
PROJECTS = [*TREES, ROOT / "examples" / "drizzle-app"]
BUDGET = 3  # edits per project (bench/cache_diff.py --projects: more)


@pytest.mark.parametrize("source", PROJECTS, ids=[p.name for p in PROJECTS])
def test_a_warm_run_after_an_edit_prints_what_a_cold_run_does(run_cli, tmp_path, monkeypatch, source) -> None:
    tree = copy_tree(source, tmp_path / "tree")
    monkeypatch.chdir(tree)
    monkeypatch.setenv("DALFIX_CACHE_DIR", str(tmp_path / "cache"))
    preview = ["--preview"] if len(source.name) % 2 else []  # half the trees with the preview rules too

    def run(root: Path, cached: bool) -> tuple[int, str, str]:
        result = run_cli("check", *preview, "--format", "json", *([] if cached else ["--no-cache"]), root)
        return result.exit_code, result.stdout, result.stderr

    edits = pick(candidate_edits(tree), BUDGET, random.Random(source.name))
    divergences = differential(tree, edits, run)
    assert not divergences, "\n\n".join(map(str, divergences))


def test_the_harness_has_edits_of_every_kind_across_the_projects() -> None:
    kinds = Counter(edit.kind for source in PROJECTS for edit in candidate_edits(source))
    expected = {
        "schema-unique",
        "schema-index",
        "schema-rename",
        "client-driver",
        "transaction-caller",
        "barrel",
        "package-dep",
        "tsconfig-paths",
        "file-add",
        "file-remove",
        "line-shift",
    }
    assert expected <= set(kinds), expected - set(kinds)
