"""The persistent cache (.dalfix_cache, dalfix/cache.py): a warm run reads results instead of analysing,
never changes the output, and any input the analysis reads invalidates it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dalfix.runner
from tests.conftest import documented_example

DAL001 = documented_example("DAL001")
POOLED_DB = (Path(__file__).parent / "fixtures" / "sequential_awaits" / "_project" / "db.ts").read_text("utf-8")
# The documented example, with its handle imported from ./db (so that db.ts decides the driver).
USES_DB = DAL001.before.replace(
    'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n', 'import { db } from "./db";\n'
).replace("const db = drizzle(new Pool());\n\n", "")
SERIAL_DB = 'import { drizzle } from "drizzle-orm/better-sqlite3";\n\nexport const db = drizzle("local.db");\n'


@pytest.fixture
def project(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DALFIX_CACHE_DIR")  # the default place: .dalfix_cache at the workspace root
    (workdir / "package.json").write_text('{"name": "app", "dependencies": {"pg": "8"}}\n', encoding="utf-8")
    (workdir / "src").mkdir()
    (workdir / "src" / "db.ts").write_text(POOLED_DB, encoding="utf-8")
    (workdir / "src" / "files.ts").write_text(USES_DB, encoding="utf-8")
    return workdir


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files whose rules actually ran (not served from the cache)."""
    ran: list[Path] = []
    original = dalfix.runner._process

    def counting(result, parsed, project, options, new_files=None):  # type: ignore[no-untyped-def]
        ran.append(result.path)
        original(result, parsed, project, options, new_files)

    monkeypatch.setattr(dalfix.runner, "_process", counting)
    return ran


def check_json(run_cli, *extra: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    result = run_cli("check", "--format", "json", *extra, ".")
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def packs(root: Path) -> list[Path]:
    return sorted((root / ".dalfix_cache").glob("*/*.json"))


def test_a_warm_run_reads_the_cache_and_reports_what_an_uncached_run_does(run_cli, project, analysed) -> None:
    cold = check_json(run_cli)
    assert cold["findings"], "the example has a DAL001 finding"
    assert analysed == [project / "src" / "files.ts"]  # db.ts holds no query: no rule runs there
    warm = check_json(run_cli)
    assert len(analysed) == 1, "nothing was analysed again"
    assert warm == cold == check_json(run_cli, "--no-cache")
    assert (project / ".dalfix_cache" / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert not list((project / ".dalfix_cache").rglob(".tmp-*")), "no temporary file is left behind"


def test_a_warm_diff_prints_the_same_patch(run_cli, project, analysed) -> None:
    cold = run_cli("diff", ".")
    warm = run_cli("diff", ".")
    assert len(analysed) == 1
    assert warm.stdout == cold.stdout == run_cli("diff", "--no-cache", ".").stdout
    assert "Promise.all" in cold.stdout


def test_editing_the_file_invalidates_its_results(run_cli, project) -> None:
    before = check_json(run_cli)
    (project / "src" / "files.ts").write_text("export const x = 1;\n", encoding="utf-8")
    after = check_json(run_cli)
    assert after != before
    assert after == check_json(run_cli, "--no-cache")
    assert after["findings"] == []


def test_editing_an_imported_handle_definition_invalidates(run_cli, project, analysed) -> None:
    before = check_json(run_cli)
    assert [f["applicability"] for f in before["findings"]] == ["safe"]  # type: ignore[index]
    (project / "src" / "db.ts").write_text(SERIAL_DB, encoding="utf-8")
    after = check_json(run_cli)
    assert analysed[1:] == [project / "src" / "files.ts"], "analysed again"
    assert after == check_json(run_cli, "--no-cache")
    assert after != before, "a handle on a serial driver gains nothing from Promise.all"


def test_a_manifest_change_invalidates(run_cli, project) -> None:
    """package.json decides the driver when no handle says: not a scanned source, still an input."""
    (project / "src" / "db.ts").write_text('export { db } from "./client";\n', encoding="utf-8")
    (project / "package.json").write_text('{"name": "app", "dependencies": {"pg": "8"}}\n', "utf-8")
    before = check_json(run_cli)
    (project / "package.json").write_text('{"name": "app", "dependencies": {"better-sqlite3": "9"}}\n', "utf-8")
    after = check_json(run_cli)
    assert after == check_json(run_cli, "--no-cache")
    assert after != before


def test_a_config_change_invalidates(run_cli, project) -> None:
    before = check_json(run_cli)
    (project / "dalfix.toml").write_text('ignore = ["DAL001"]\n', encoding="utf-8")
    after = check_json(run_cli)
    assert before["findings"] and not after["findings"]
    assert check_json(run_cli, "--select", "DAL001") == check_json(run_cli, "--no-cache", "--select", "DAL001")


def test_a_corrupt_pack_is_ignored_and_rewritten(run_cli, project, analysed) -> None:
    cold = check_json(run_cli)
    [pack] = packs(project)
    pack.write_bytes(b'{"fingerprint": "\x00 truncated')
    assert check_json(run_cli) == cold
    assert len(analysed) == 2, "analysed again"
    assert json.loads(pack.read_bytes())["files"], "the pack was written again"
    assert check_json(run_cli) == cold and len(analysed) == 2


def test_a_corrupt_entry_is_a_miss_for_that_file_only(run_cli, project, analysed) -> None:
    cold = check_json(run_cli)
    [pack] = packs(project)
    data = json.loads(pack.read_bytes())
    entry = data["files"][str(project / "src" / "files.ts")]
    entry["findings"] = [{"rule": 1}]
    pack.write_text(json.dumps(data), encoding="utf-8")
    assert check_json(run_cli) == cold
    assert analysed[1:] == [project / "src" / "files.ts"]
    rewritten = json.loads(pack.read_bytes())["files"][str(project / "src" / "files.ts")]
    assert rewritten["findings"][0]["rule"] == "DAL001"


def test_no_cache_writes_nothing_and_clean_removes_the_cache(run_cli, project) -> None:
    check_json(run_cli, "--no-cache")
    assert not (project / ".dalfix_cache").exists()
    check_json(run_cli)
    assert packs(project)
    result = run_cli("clean", ".")
    assert result.exit_code == 0
    assert not (project / ".dalfix_cache").exists()


def test_cache_dir_from_the_environment_and_the_config(run_cli, project, monkeypatch, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("DALFIX_CACHE_DIR", str(elsewhere))
    check_json(run_cli)
    assert list(elsewhere.glob("*/*.json")) and not (project / ".dalfix_cache").exists()
    monkeypatch.delenv("DALFIX_CACHE_DIR")
    (project / "dalfix.toml").write_text('cache-dir = "build/lint-cache"\n', encoding="utf-8")
    check_json(run_cli)
    assert list((project / "build" / "lint-cache").glob("*/*.json"))


def test_an_unwritable_cache_does_not_fail_the_run(run_cli, project) -> None:
    (project / ".dalfix_cache").write_text("a file where the directory would go\n", encoding="utf-8")
    assert check_json(run_cli) == check_json(run_cli, "--no-cache")


@pytest.mark.parametrize(
    "name", ["schema.ts", "package.json", "tsconfig.base.json", "0001_indexes.sql", ".prettierrc", "biome.json"]
)
def test_every_kind_of_file_the_analysis_reads_is_in_the_fingerprint(tmp_path: Path, name: str) -> None:
    from dalfix.cache import repository_fingerprint

    (tmp_path / "packages" / "db").mkdir(parents=True)
    target = tmp_path / "packages" / "db" / name
    target.write_text("one\n", encoding="utf-8")
    before = repository_fingerprint(tmp_path)
    target.write_text("two\n", encoding="utf-8")
    after = repository_fingerprint(tmp_path)
    assert after != before
    (tmp_path / "packages" / "db" / "node_modules").mkdir()  # never read by the analysis
    (tmp_path / "packages" / "db" / "node_modules" / name).write_text("three\n", encoding="utf-8")
    assert repository_fingerprint(tmp_path) == after
