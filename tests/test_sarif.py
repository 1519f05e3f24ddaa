"""SARIF and JSON for CI: %SRCROOT%-relative URIs, stable fingerprints, columnKind, and fixes whose edits
reproduce what `dalfix apply` writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import documented_example

DAL001 = documented_example("DAL001")
DAL002 = documented_example("DAL002")


def sarif(run_cli, *args: str) -> dict:  # type: ignore[type-arg]
    result = run_cli("check", "--format", "sarif", *args)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)["runs"][0]


def offset_of(text: str, line: int, column: int) -> int:
    """Byte offset of a 1-based line and a 1-based column counted in code points."""
    lines = text.split("\n")
    before = "\n".join(lines[: line - 1]) + ("\n" if line > 1 else "")
    return len((before + lines[line - 1][: column - 1]).encode("utf-8"))


def apply_replacements(text: str, replacements: list[dict]) -> str:  # type: ignore[type-arg]
    data = text.encode("utf-8")
    spans = []
    for replacement in replacements:
        region = replacement["deletedRegion"]
        start = offset_of(text, region["startLine"], region["startColumn"])
        end = offset_of(text, region["endLine"], region["endColumn"])
        spans.append((start, end, replacement["insertedContent"]["text"].encode("utf-8")))
    for start, end, inserted in sorted(spans, reverse=True):
        data = data[:start] + inserted + data[end:]
    return data.decode("utf-8")


def test_uris_are_relative_to_the_repository_root(run_cli, workdir, monkeypatch) -> None:
    (workdir / ".git").mkdir()
    package = workdir / "packages" / "api"
    (package / "src").mkdir(parents=True)
    (package / "src" / "files.ts").write_text(DAL001.before, encoding="utf-8")
    monkeypatch.chdir(package)  # run from inside the repository, as a monorepo job does
    run = sarif(run_cli, "src")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == workdir.resolve().as_uri() + "/"
    (result,) = run["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "packages/api/src/files.ts", "uriBaseId": "%SRCROOT%"}


def test_fingerprints_are_stable_across_runs_and_edits_elsewhere(run_cli, workdir) -> None:
    path = workdir / "files.ts"
    second = DAL001.before.split("\n\n", 1)[1].replace("getFileWithGraph", "again")
    path.write_text(DAL001.before + "\n" + second, encoding="utf-8")

    def prints() -> list[str]:
        return [r["partialFingerprints"]["dalfixFindingHash/v1"] for r in sarif(run_cli, "files.ts")["results"]]

    first = prints()
    assert len(first) == 2 and len(set(first)) == 2, "identical code twice: two fingerprints"
    assert prints() == first
    path.write_text("// a comment moves every line down\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert prints() == first
    path.write_text(path.read_text(encoding="utf-8").replace("canvasGraphs.fileId", "canvasGraphs.id"), "utf-8")
    assert prints() != first


def test_columns_count_code_points_and_say_so(run_cli, workdir) -> None:
    marker = "  const [file] = await"
    source = DAL001.before.replace(marker, "  /* 😀 ü */ const [file] = await")
    (workdir / "files.ts").write_text(source, encoding="utf-8")
    run = sarif(run_cli, "files.ts")
    assert run["columnKind"] == "unicodeCodePoints"
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    line = source.splitlines()[region["startLine"] - 1]
    assert region["startColumn"] == line.index("const [file]") + 1  # 😀 is one code point (two UTF-16 units)


@pytest.mark.parametrize("example", [DAL001, DAL002], ids=["DAL001", "DAL002-with-import"])
def test_sarif_fixes_and_json_edits_reproduce_apply(example, run_cli, workdir) -> None:
    path = workdir / "files.ts"
    path.write_text(example.before, encoding="utf-8")
    (result,) = sarif(run_cli, "files.ts")["results"]
    (fix,) = result["fixes"]
    assert fix["description"]["text"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "files.ts"
    assert apply_replacements(example.before, change["replacements"]) == example.after

    (finding,) = json.loads(run_cli("check", "--format", "json", "files.ts").stdout)["findings"]
    data = example.before.encode("utf-8")
    for edit in sorted(finding["edits"], key=lambda e: e["start"], reverse=True):
        data = data[: edit["start"]] + edit["content"].encode("utf-8") + data[edit["end"] :]
    assert data.decode("utf-8") == example.after
    run_cli("apply", "files.ts")
    assert path.read_text(encoding="utf-8") == example.after


def test_files_outside_the_root_get_absolute_uris(tmp_path: Path, run_cli, monkeypatch) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (repo / "a.ts").write_text(DAL001.before, encoding="utf-8")
    (outside / "b.ts").write_text(DAL001.before, encoding="utf-8")
    monkeypatch.chdir(repo)
    run = sarif(run_cli, "a.ts", str(outside / "b.ts"))
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations[0] == {"uri": "a.ts", "uriBaseId": "%SRCROOT%"}
    assert locations[1] == {"uri": (outside / "b.ts").resolve().as_uri()}
