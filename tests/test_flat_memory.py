"""A run over several projects holds the bytes of one project's files at a time (issue 17, "flat memory"): the
listing keeps a digest of each file (the first project's bytes aside), a project's files are read again when its
turn comes, and once it is done the bytes of files no report needs (no finding, no change) go. A file that changed
on disk meanwhile is skipped with a note, never reported on other bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

import dalfix.runner as runner
from dalfix.analysis.project import Project
from dalfix.config import forget_probes, memoized_probes, probe, probed
from dalfix.diffs import unified_diff
from dalfix.fixes import Applicability
from dalfix.report import json_report
from dalfix.rules import select_rules
from dalfix.runner import FileResult, RunOptions, SourceChanged, run
from tests.conftest import documented_example

DAL001 = documented_example("DAL001")
# Holds the rules' needles (an await, a query) but no finding: a file whose rules run and find nothing.
PLAIN = "export async function one(db: any) {\n  return await db.query.users.findFirst();\n}\n"


def _projects(tmp_path: Path, names: tuple[str, ...] = ("api", "web")) -> Path:
    for name in names:
        (tmp_path / name / "src").mkdir(parents=True)
        (tmp_path / name / "package.json").write_text(f'{{"name": "{name}"}}\n', encoding="utf-8")
        (tmp_path / name / "src" / "files.ts").write_text(DAL001.before, encoding="utf-8")  # a finding
        (tmp_path / name / "src" / "plain.ts").write_text(PLAIN, encoding="utf-8")
        (tmp_path / name / "src" / "other.ts").write_text("export const x = 1;\n", encoding="utf-8")  # no needle
    return tmp_path


def _options(**kwargs: object) -> RunOptions:
    return RunOptions(rules=select_rules(), release_projects=True, **kwargs)  # type: ignore[arg-type]


def _held(result: FileResult) -> bool:
    return result._original is not None


def test_a_project_s_files_are_read_at_its_turn_and_let_go_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _projects(tmp_path)
    events: list[tuple[str, str]] = []
    read_source = runner.read_source

    def reading(path: Path) -> bytes:
        events.append(("read", str(path.relative_to(root))))
        return read_source(path)

    prepare = Project.prepare
    held_at_prepare: dict[str, set[str]] = {}

    def preparing(self: Project, files, deferred=None, order=None) -> None:  # type: ignore[no-untyped-def]
        if files or deferred:
            name = self.root.name
            events.append(("analyse", name))
            frame_results = [r for r in all_results if _held(r)]
            held_at_prepare[name] = {str(r.path.relative_to(root)) for r in frame_results}
        prepare(self, files, deferred, order)

    all_results: list[FileResult] = []
    init = FileResult.__init__

    def created(self: FileResult, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        init(self, *args, **kwargs)
        all_results.append(self)

    monkeypatch.setattr(runner, "read_source", reading)
    monkeypatch.setattr(Project, "prepare", preparing)
    monkeypatch.setattr(FileResult, "__init__", created)
    result = run([root], _options())

    # The listing read every file once; web's files were read again after api was analysed, before web was.
    api_at, web_at = events.index(("analyse", "api")), events.index(("analyse", "web"))
    web_reads = [i for i, event in enumerate(events) if event[0] == "read" and event[1].startswith("web/")]
    assert len(web_reads) == 5 and all(i < api_at for i in web_reads[:3]) and api_at < web_reads[3] < web_at
    assert {events[i][1] for i in web_reads[3:]} == {"web/src/files.ts", "web/src/plain.ts"}
    assert all(not (e[0] == "read" and e[1].startswith("api/")) for e in events[api_at:]), "api's bytes were kept"
    # When api was analysed, only api's files held bytes; when web was, api's finding-free file had let go.
    assert held_at_prepare["api"] == {"api/src/files.ts", "api/src/plain.ts"}
    assert held_at_prepare["web"] == {"api/src/files.ts", "web/src/files.ts", "web/src/plain.ts"}
    # At the end only the files with findings hold bytes; the others read them again (the same bytes) if asked.
    by_name = {str(f.path.relative_to(root)): f for f in result.files}
    assert {name for name, f in by_name.items() if _held(f)} == {"api/src/files.ts", "web/src/files.ts"}
    assert by_name["web/src/plain.ts"].original == PLAIN.encode()
    assert [(str(f.path.relative_to(root)), x.rule, x.start) for f, x in result.findings] == [
        (str(f.path.relative_to(root)), x.rule, x.start)
        for f, x in run([root], RunOptions(rules=select_rules())).findings
    ]


def test_reports_and_diffs_are_those_of_a_run_that_keeps_every_file(tmp_path: Path) -> None:
    root = _projects(tmp_path, ("api", "web", "worker"))
    kept = run([root], RunOptions(rules=select_rules(), fix_threshold=Applicability.UNSAFE))
    released = run([root], _options(fix_threshold=Applicability.UNSAFE))
    assert json_report(released) == json_report(kept)
    diffs = [unified_diff(f.original, f.fixed, f.path.name) for f in released.files if f.status == "changed"]
    assert diffs == [unified_diff(f.original, f.fixed, f.path.name) for f in kept.files if f.status == "changed"]
    assert len(diffs) == 3 and all(d for d in diffs)


def test_a_file_changed_before_its_project_s_turn_is_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _projects(tmp_path)
    changed = root / "web" / "src" / "files.ts"
    prepare = Project.prepare

    def preparing(self: Project, files, deferred=None, order=None) -> None:  # type: ignore[no-untyped-def]
        if self.root.name == "api" and files:
            changed.write_text(DAL001.before.replace("const", "let", 1), encoding="utf-8")
        prepare(self, files, deferred, order)

    monkeypatch.setattr(Project, "prepare", preparing)
    result = run([root], _options(use_cache=True, cache_dir=tmp_path / "cache"))
    by_name = {str(f.path.relative_to(root)): f for f in result.files}
    skipped = by_name["web/src/files.ts"]
    assert skipped.status == "skipped" and not skipped.findings
    assert skipped.reason is not None and "changed on disk while dalfix ran" in skipped.reason
    assert [str(f.path.relative_to(root)) for f, _ in result.findings] == ["api/src/files.ts"]
    # Not cached on the bytes the listing read: the next run checks the file as it is now.
    monkeypatch.setattr(Project, "prepare", prepare)
    again = run([root], _options(use_cache=True, cache_dir=tmp_path / "cache"))
    assert {str(f.path.relative_to(root)) for f, _ in again.findings} == {"api/src/files.ts", "web/src/files.ts"}


def test_bytes_asked_for_after_the_file_changed_are_refused(tmp_path: Path) -> None:
    root = _projects(tmp_path)
    result = run([root], _options())
    by_name = {str(f.path.relative_to(root)): f for f in result.files}
    plain, with_finding = by_name["api/src/plain.ts"], by_name["api/src/files.ts"]
    assert not _held(plain) and _held(with_finding)
    (root / "api" / "src" / "plain.ts").write_text(PLAIN.replace("one", "two"), encoding="utf-8")
    (root / "api" / "src" / "files.ts").write_text("// rewritten meanwhile\n", encoding="utf-8")
    with pytest.raises(SourceChanged, match="changed on disk while dalfix ran"):
        _ = plain.original
    assert with_finding.original == DAL001.before.encode(), "the report places findings on the bytes checked"
    assert json_report(result).count('"rule": "DAL001"') == 2


def test_a_warm_run_holds_only_the_bytes_its_reports_need(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _projects(tmp_path)
    cache = tmp_path / "cache"
    cold = run([root], _options(use_cache=True, cache_dir=cache))
    prepared: list[str] = []
    prepare = Project.prepare

    def preparing(self: Project, files, deferred=None, order=None) -> None:  # type: ignore[no-untyped-def]
        prepared.append(self.root.name)
        prepare(self, files, deferred, order)

    monkeypatch.setattr(Project, "prepare", preparing)
    warm = run([root], _options(use_cache=True, cache_dir=cache))
    assert prepared == [], "every result came from the cache"
    assert json_report(warm) == json_report(cold)
    held = {str(f.path.relative_to(root)) for f in warm.files if _held(f)}
    assert held == {"api/src/files.ts", "web/src/files.ts"}


def test_a_warm_run_skips_a_file_with_findings_that_changed_since_the_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _projects(tmp_path)
    cache = tmp_path / "cache"
    run([root], _options(use_cache=True, cache_dir=cache))
    changed = root / "web" / "src" / "files.ts"
    hold = runner._hold_restored

    def holding(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        changed.write_text(DAL001.before + "\n// edited\n", encoding="utf-8")  # after the listing, before the hold
        hold(*args, **kwargs)

    monkeypatch.setattr(runner, "_hold_restored", holding)
    warm = run([root], _options(use_cache=True, cache_dir=cache))
    by_name = {str(f.path.relative_to(root)): f for f in warm.files}
    assert by_name["web/src/files.ts"].status == "skipped" and not by_name["web/src/files.ts"].findings
    assert [str(f.path.relative_to(root)) for f, _ in warm.findings] == ["api/src/files.ts"]


def test_a_finished_project_s_memos_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _projects(tmp_path, ("api", "web", "worker"))
    result = run([root], _options())
    first, last = result.projects[0], result.projects[-1]
    assert "setup_code" not in first.__dict__ and "setup_code" in last.__dict__
    assert not [k for k in first.workspace.__dict__ if k.startswith("_query_")]


def test_forget_probes_forgets_one_kind_under_a_directory(tmp_path: Path) -> None:
    inside, below, outside = tmp_path / "a", tmp_path / "a" / "b", tmp_path / "ab"
    with memoized_probes():
        for directory in (inside, below, outside):
            probe("discover", directory, lambda d=directory: str(d))  # type: ignore[misc]
            probe("config", directory, lambda: None)
        probe("discover", tmp_path / "a" / "kept", lambda: "kept")
        forget_probes("discover", inside, keep=[tmp_path / "a" / "kept"])
        assert [d for d, _ in probed("discover")] == [outside, tmp_path / "a" / "kept"]
        assert len(probed("config")) == 3


def test_prepare_lets_go_of_the_table_sources_that_hold_the_old_summaries(tmp_path: Path) -> None:
    project = Project.load(_projects(tmp_path, ("api",)) / "api")
    project.prepare({})
    assert project.table_sources is not None and "table_sources" in project.__dict__
    project.prepare({})  # a released project: the summaries (every parse) went, and nothing may keep them
    assert "table_sources" not in project.__dict__
