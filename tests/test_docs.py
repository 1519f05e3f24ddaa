"""docs/rules.md is generated from the rule modules and current; every link dalfix prints lands on it; the
README states the prerequisites and how to run without Node, and that way works."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dalfix.docs import rules_markdown
from dalfix.report import DOCS_URL
from dalfix.rules import all_rules
from tests.conftest import documented_example

ROOT = Path(__file__).resolve().parent.parent
RULES_MD = ROOT / "docs" / "rules.md"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def github_anchors(markdown: str) -> set[str]:
    """The fragment GitHub gives each heading (lower case, punctuation dropped, spaces to dashes)."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", markdown, re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return anchors


def test_rules_md_is_current() -> None:
    assert RULES_MD.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is out of date: python -m dalfix rules --format markdown > docs/rules.md"
    )


def test_rules_command_prints_the_same_markdown(run_cli) -> None:
    assert run_cli("rules", "--format", "markdown").stdout == rules_markdown()


def test_every_rule_is_documented_with_its_sections() -> None:
    text = RULES_MD.read_text(encoding="utf-8")
    for rule in all_rules():
        section = text.split(f"\n## {rule.code}\n", 1)[1].split("\n## ", 1)[0]
        for title in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety"):
            assert f"\n### {title}\n" in section, (rule.code, title)


def test_sarif_help_uris_and_bot_links_land_on_a_heading(run_cli, workdir) -> None:
    assert DOCS_URL.startswith("https://github.com/dalfix/dalfix/blob/main/docs/rules.md#")
    anchors = github_anchors(RULES_MD.read_text(encoding="utf-8"))
    (workdir / "a.ts").write_text(documented_example("DAL001").before, encoding="utf-8")
    sarif = json.loads(run_cli("check", "--format", "sarif", "a.ts").stdout)
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]:
        path, fragment = rule["helpUri"].split("/blob/main/", 1)[1].split("#")
        assert (ROOT / path).is_file() and fragment in anchors, rule["helpUri"]
    from dalfix.bot.cli import bot

    review = bot.commands["review"]
    defaults = {p.name: p.default for p in review.params}
    assert DOCS_URL in defaults.values()


def test_readme_states_prerequisites_and_the_way_without_node() -> None:
    setup = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    assert "Python ≥ 3.11" in setup and "Node 20" in setup and "npm" in setup
    assert '-m "not node"' in setup
    assert "docs/rules.md" in README


@pytest.mark.slow
def test_without_node_on_path_the_node_tests_skip_or_deselect_cleanly(tmp_path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": str(bin_dir), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_equivalence.py"]
    deselected = subprocess.run([*command, "-m", "not node"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert deselected.returncode == 5 and "deselected" in deselected.stdout, deselected.stdout  # 5: none selected
    skipped = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert skipped.returncode == 0 and "skipped" in skipped.stdout, skipped.stdout
    assert (
        "needs Node 20 + npm"
        in subprocess.run([*command, "-rs"], cwd=ROOT, env=env, capture_output=True, text=True).stdout
    )


def test_readme_names_only_files_that_exist() -> None:
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README)
    paths = re.findall(r"`((?:docs|bench|tests|dalfix|examples|transforms|templates)/[^`\s<*]*)`", README)
    missing = [p for p in [*links, *paths] if not p.startswith("http") and not (ROOT / p.rstrip("/")).exists()]
    assert not missing, missing


def _documentation() -> str:
    return README + "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))


def test_every_command_line_option_is_documented() -> None:
    """Each long option of `dalfix` and of every subcommand (bot ones included) is named in the README or docs/."""
    import click

    from dalfix.cli import main

    text = _documentation()

    def options(command: click.Command, path: str) -> list[tuple[str, str]]:
        found = [
            (path, opt)
            for param in command.params
            if isinstance(param, click.Option)
            for opt in param.opts
            if opt.startswith("--") and opt != "--help"
        ]
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                found += options(sub, f"{path} {name}")
        return found

    missing = [f"{path} {opt}" for path, opt in options(main, "dalfix") if not re.search(rf"{opt}(?![\w-])", text)]
    assert not missing, f"options no README or docs/*.md names: {missing}"


def test_every_settings_key_is_documented_in_the_readme_example() -> None:
    """The README's dalfix.toml example shows every key config.py accepts (an undocumented key cannot be found)."""
    from dalfix.config import KNOWN_KEYS

    configuration = README.split("### Configuration", 1)[1].split("\n## ", 1)[0]
    example = configuration.split("```toml\n", 1)[1].split("```", 1)[0]
    shown = set(re.findall(r"^([a-z-]+) =", example, re.M))
    assert shown == KNOWN_KEYS, f"missing: {sorted(KNOWN_KEYS - shown)}, unknown: {sorted(shown - KNOWN_KEYS)}"


def test_drivers_md_tables_are_the_driver_table() -> None:
    """docs/drivers.md's entry and variant tables say what dalfix/analysis/drivers.py decides, row for row."""
    from dalfix.analysis.drivers import DRIVER_ENTRIES, VARIANTS

    text = (ROOT / "docs" / "drivers.md").read_text(encoding="utf-8")
    label = {
        "pool": "overlap (pool / HTTP)",
        "single-connection": "queue (one connection)",
        "synchronous": "run one by one (synchronous)",
        "unknown": "unknown",
    }

    def rows(heading: str) -> list[list[str]]:
        table = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
        lines = [line for line in table.splitlines() if line.startswith("| ")][1:]  # the header row aside
        return [[cell.strip().strip("`") for cell in line.strip("|").split(" | ")] for line in lines]

    entries = {row[0]: (row[1], row[2], row[3]) for row in rows("Entries (drizzle-orm 0.45 and 1.0)")}
    assert entries == {e: (d, dialect, label[kind]) for e, (d, dialect, kind) in DRIVER_ENTRIES.items()}
    variants = {row[0]: (row[1], row[2]) for row in rows("Variants decided from the client")}
    assert variants == {v: (dialect, label[kind]) for v, (dialect, kind) in VARIANTS.items()}


def test_readme_names_the_scanned_suffixes_and_the_directories_always_skipped() -> None:
    from dalfix.discovery import ALWAYS_SKIPPED_DIRS
    from dalfix.parsing import SUPPORTED_SUFFIXES

    usage = README.split("## Usage", 1)[1].split("\n## ", 1)[0]
    found = usage.split("Files (", 1)[1].split("are skipped", 1)[0]
    missing = [s for s in SUPPORTED_SUFFIXES if f"`{s}`" not in found]
    missing += [d for d in ALWAYS_SKIPPED_DIRS - {".hg", ".svn"} if f"`{d}`" not in found]
    assert not missing, missing


def test_every_environment_variable_dalfix_reads_is_documented() -> None:
    internal = {"DALFIX_VERIFY_QUERIES", "DALFIX_ROOT_INDEX"}  # tests and benches; a tuning knob of parsing.py
    read = {
        name
        for path in [*(ROOT / "dalfix").rglob("*.py"), *(ROOT / "transforms").rglob("*.py")]
        for name in re.findall(r"\bDALFIX_[A-Z_]+\b", path.read_text(encoding="utf-8"))
    }
    text = _documentation()
    missing = sorted(name for name in read - internal if name not in text)
    assert not missing, missing


def test_readme_before_and_after_is_what_apply_writes(run_cli, workdir) -> None:
    """The README's first example: `dalfix apply` on the "before" lines (a node-postgres pool) writes the "after"."""
    section = README.split("## Before and after", 1)[1].split("\n## ", 1)[0]
    before, after = (block.split("\n", 1)[1] for block in re.findall(r"```ts\n(.*?)```", section, re.S))
    (workdir / "package.json").write_text('{"dependencies": {"drizzle-orm": "0.45.0", "pg": "*"}}\n')
    (workdir / "db.ts").write_text(
        'import { drizzle } from "drizzle-orm/node-postgres";\nimport { Pool } from "pg";\n'
        "export const db = drizzle(new Pool());\n"
    )
    (workdir / "schema.ts").write_text(
        'import { pgTable, text } from "drizzle-orm/pg-core";\n'
        'export const canvasFiles = pgTable("canvas_files", { id: text("id").primaryKey() });\n'
        'export const canvasGraphs = pgTable("canvas_graphs", { id: text("id"), fileId: text("file_id") });\n'
    )

    def load_ts(lines: str) -> str:
        body = "".join(f"  {line}\n" for line in lines.splitlines())
        return (
            'import { eq } from "drizzle-orm";\nimport { db } from "./db";\n'
            'import { canvasFiles, canvasGraphs } from "./schema";\n\n'
            f"export async function load(fileId: string) {{\n{body}  return {{ file, graph }};\n}}\n"
        )

    (workdir / "load.ts").write_text(load_ts(before))
    done = run_cli("apply", "--no-cache", ".")
    assert done.exit_code == 1, done.stderr
    assert (workdir / "load.ts").read_text() == load_ts(after)
