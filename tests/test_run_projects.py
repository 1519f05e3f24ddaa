"""A run over several projects checks them one at a time and lets each one's trees go before the next
(RunOptions.release_projects, the CLI's default): the findings are those of a run that keeps them all."""

from __future__ import annotations

from pathlib import Path

from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run
from tests.conftest import documented_example

DAL001 = documented_example("DAL001")


def test_projects_checked_one_at_a_time_find_what_a_run_keeping_them_finds(tmp_path: Path) -> None:
    for name in ("api", "worker", "web"):
        (tmp_path / name / "src").mkdir(parents=True)
        (tmp_path / name / "package.json").write_text(f'{{"name": "{name}"}}\n', encoding="utf-8")
        (tmp_path / name / "src" / "files.ts").write_text(DAL001.before, encoding="utf-8")
    (tmp_path / "web" / "src" / "plain.ts").write_text("export const x = 1;\n", encoding="utf-8")

    def findings(release: bool) -> tuple[list[tuple[str, str, int]], list[int]]:
        result = run([tmp_path], RunOptions(rules=select_rules(), release_projects=release))
        found = [(str(f.path.relative_to(tmp_path)), x.rule, x.start) for f, x in result.findings]
        return found, [len(p.files) for p in result.projects]

    kept, kept_files = findings(release=False)
    released, released_files = findings(release=True)
    assert released == kept and len(kept) == 3
    assert kept_files == [1, 1, 1]
    assert released_files == [0, 0, 1], "the projects checked before the last one let their trees go"
