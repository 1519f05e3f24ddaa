"""Fixture cases: `tests/fixtures/<rule module>/<case>.input.ts` with an optional `<case>.output.ts`.

A case without an output must come out unchanged. A case may also be a directory `<case>.input/` (several
files, e.g. a DAL module and the service using it) with `<case>.output/` holding the files that change.
Files a fix creates (`Fix.creates`) are expected in `<case>.output/` among the changed ones (a path with no
input), or for a one-file case in `<case>.created/` (paths relative to the project the case runs in); a run
that creates anything else fails.
An input may declare what the rule must report with header lines `// expect: DAL001 safe` (one per
finding, in order) or `// expect: none`.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from dalfix.fixes import Applicability
from dalfix.parsing import count_errors, parse_file
from dalfix.rules import all_rules
from dalfix.runner import RunOptions, run

FIXTURES = Path(__file__).parent / "fixtures"
EXPECT = re.compile(r"^//\s*expect:\s*(.+?)\s*$", re.M)


@dataclass(frozen=True)
class Case:
    rule_dir: str
    name: str
    input: Path
    output: Path | None

    @property
    def id(self) -> str:
        return f"{self.rule_dir}/{self.name}"


def discover_cases() -> list[Case]:
    cases = []
    for rule_dir in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for item in sorted(rule_dir.iterdir()):
            match = re.match(r"^(?P<name>.+)\.input(?P<suffix>\.tsx?|\.mts|\.cts)?$", item.name)
            if not match:
                continue
            suffix = match.group("suffix") or ""
            output = rule_dir / f"{match.group('name')}.output{suffix}"
            cases.append(Case(rule_dir.name, match.group("name"), item, output if output.exists() else None))
    return cases


def rule_for(rule_dir: str):  # type: ignore[no-untyped-def]
    for rule in all_rules():
        if rule.__module__ == f"transforms.{rule_dir}":
            return rule
    raise LookupError(f"no rule module transforms/{rule_dir}.py for fixtures/{rule_dir}")


def materialize(case: Case, workdir: Path) -> dict[str, Path]:
    """Copy the case's input into `workdir`; return relative name -> path of each file."""
    if case.input.is_dir():
        shutil.copytree(case.input, workdir, dirs_exist_ok=True)
        files = {p.relative_to(workdir).as_posix(): p for p in sorted(workdir.rglob("*")) if p.is_file()}
    else:
        name = "input" + (case.input.suffix if case.input.suffix != ".ts" else ".ts")
        shared = case.input.parent / "_project"
        # A rule's `_project/` holds files its single-file cases import (e.g. a pooled `db.ts`); an input that
        # imports from "../" sits one directory down so that both "./db" and "../db" find them.
        nested = shared.is_dir() and b'from "../' in case.input.read_bytes()
        target = workdir / "dal" / name if nested else workdir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(case.input, target)
        if shared.is_dir():
            shutil.copytree(shared, workdir, dirs_exist_ok=True)
        files = {target.relative_to(workdir).as_posix(): target}
    return files


def expected_outputs(case: Case, files: dict[str, Path]) -> dict[str, bytes]:
    """What each file must hold after fixing: the output file(s), else the input unchanged."""
    expected = {
        name: (case.input / name).read_bytes() if case.input.is_dir() else case.input.read_bytes() for name in files
    }
    if case.output is None:
        return expected
    if case.output.is_dir():
        for path in case.output.rglob("*"):
            if path.is_file():
                expected[path.relative_to(case.output).as_posix()] = path.read_bytes()
    else:
        (only,) = files
        expected[only] = case.output.read_bytes()
    return expected


def expected_created(case: Case, files: dict[str, Path]) -> dict[str, bytes]:
    """The files the fixes must create: relative name -> content."""
    if case.output is not None and case.output.is_dir():
        folder = case.output
    else:
        folder = case.input.parent / f"{case.name}.created"
    if not folder.is_dir():
        return {}
    created = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return {name: data for name, data in created.items() if name not in files}


def run_fix(paths: list[Path], rule, threshold=Applicability.UNSAFE):  # type: ignore[no-untyped-def]
    return run(paths, RunOptions(rules=[rule], fix_threshold=threshold))


def expectations(source: bytes) -> list[str] | None:
    found = EXPECT.findall(source.decode("utf-8", "replace"))
    if not found:
        return None
    return [] if found == ["none"] else found


def new_syntax_errors(before: bytes, after: bytes, path: Path) -> int:
    """Counted as the applier counts them: after masking valid syntax tree-sitter lacks (dalfix/grammar_gaps.py)."""
    return count_errors(parse_file(path, after).root) - count_errors(parse_file(path, before).root)
