"""`dalfix check --add-ignore`: suppression comments above existing findings (dalfix/add_ignore.py)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dalfix.add_ignore import DEFAULT_REASON, add_ignores
from dalfix.cli import main
from dalfix.fixes import Finding

PROJECTS = Path(__file__).parent / "projects"

TWO_READS = (
    'import { eq } from "drizzle-orm";\n'
    'import { db, users, posts } from "./db";\n'
    "export async function f(id: string) {\n"
    "  const user = await db.select().from(users).where(eq(users.id, id));\n"
    "  const rows = await db.select().from(posts).where(eq(posts.userId, id));\n"
    "  return { user, rows };\n"
    "}\n"
)
DB = (
    'import { drizzle } from "drizzle-orm/node-postgres";\n'
    'import { pgTable, text } from "drizzle-orm/pg-core";\n'
    'export const users = pgTable("users", { id: text("id").primaryKey() });\n'
    'export const posts = pgTable("posts", { id: text("id").primaryKey(), userId: text("user_id") });\n'
    "export const db = drizzle(process.env.DATABASE_URL!);\n"
)


def _project(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"name": "app", "dependencies": {"drizzle-orm": "0.45.1", "pg": "8"}}\n')
    (tmp_path / "db.ts").write_text(DB)
    (tmp_path / "f.ts").write_text(TWO_READS)
    return tmp_path


def _check(*args: str) -> tuple[int, str, str]:
    outcome = CliRunner().invoke(main, ["check", "--no-cache", *args])
    return outcome.exit_code, outcome.stdout, outcome.stderr


def test_add_ignore_suppresses_the_findings_and_is_idempotent(tmp_path: Path) -> None:
    root = _project(tmp_path)
    code, out, _ = _check("--format", "json", str(root))
    assert code == 1 and [f["rule"] for f in json.loads(out)["findings"]] == ["DAL001"]

    code, out, err = _check("--add-ignore", str(root))
    assert code == 0 and out == ""
    assert "added 1 suppression comment in 1 file" in err
    lines = (root / "f.ts").read_text().splitlines()
    # Above the line the finding starts on, indented as it; nothing else changed.
    assert lines[3] == f"  // dalfix-ignore[DAL001]: {DEFAULT_REASON}"
    assert [line for i, line in enumerate(lines) if i != 3] == TWO_READS.splitlines()

    code, out, _ = _check("--format", "json", str(root))
    report = json.loads(out)
    assert code == 0 and report["findings"] == [] and report["summary"]["suppressed"] == 1

    before = (root / "f.ts").read_bytes()
    code, _, err = _check("--add-ignore", str(root))
    assert code == 0 and "added 0 suppression comments in 0 files" in err
    assert (root / "f.ts").read_bytes() == before


def test_add_ignore_reason_and_usage_errors(tmp_path: Path) -> None:
    root = _project(tmp_path)
    code, _, _ = _check("--add-ignore", "--add-ignore-reason", "TICKET-12 */ later", str(root))
    assert code == 0
    assert "  // dalfix-ignore[DAL001]: TICKET-12 * / later\n" in (root / "f.ts").read_text()
    code, _, err = _check("--add-ignore-reason", "x", str(root))
    assert code == 2 and "--add-ignore-reason needs --add-ignore" in err
    code, _, err = _check("--add-ignore", "-")
    assert code == 2 and "cannot read standard input" in err


def _finding_at(source: bytes, marker: bytes) -> Finding:
    start = source.index(marker)
    return Finding("DAL001", "sequential-awaits", "m", start, start + len(marker))


def test_no_comment_among_jsx_children_or_in_a_template(tmp_path: Path) -> None:
    """A `//` line among JSX children is text, inside a template literal it is part of the string: reported and
    left alone; inside `{…}` or `${…}` it is a comment."""
    source = (
        b"export const a = (\n  <div>\n    {items}\n  </div>\n);\n"
        b"export const b = `\n  text ${x}\n`;\n"
        b"export const c = (\n  <div>\n    {\n      items\n    }\n  </div>\n);\n"
    )
    findings = [_finding_at(source, b"{items}"), _finding_at(source, b"text"), _finding_at(source, b"items\n    }")]
    added = add_ignores(tmp_path / "a.tsx", source, findings)
    assert added.comments == 1 and len(added.problems) == 2
    assert "line 3" in added.problems[0] and "line 7" in added.problems[1]
    comment = b"      // dalfix-ignore[DAL001]: " + DEFAULT_REASON.encode() + b"\n"
    assert added.source == source.replace(b"      items\n", comment + b"      items\n")


def test_add_ignore_keeps_crlf_and_merges_codes_of_one_line(tmp_path: Path) -> None:
    source = b"async function f() {\r\n\tconst a = await db.select().from(t);\r\n}\r\n"
    start = source.index(b"const")
    findings = [Finding("DAL002", "n", "m", start, start + 5), Finding("DAL001", "n", "m", start + 6, start + 7)]
    added = add_ignores(tmp_path / "a.ts", source, findings, "why")
    assert added.comments == 1
    assert added.source == source.replace(b"\tconst", b"\t// dalfix-ignore[DAL001, DAL002]: why\r\n\tconst")


def test_add_ignore_goes_above_another_tools_next_line_directive(tmp_path: Path) -> None:
    """`eslint-disable-next-line` / `biome-ignore` cover the very next line: the dalfix comment goes above them
    (review6 A1), and still covers the finding's line (own-line directives skip comment lines)."""
    source = (
        b"async function f() {\n"
        b"  // eslint-disable-next-line no-await-in-loop\n"
        b"  // biome-ignore lint/complexity/useLiteralKeys: legacy\n"
        b"  const a = await db.select().from(t);\n"
        b"}\n"
    )
    added = add_ignores(tmp_path / "a.ts", source, [_finding_at(source, b"const a")], "why")
    assert added.comments == 1 and added.problems == []
    assert added.source == source.replace(
        b"  // eslint-disable", b"  // dalfix-ignore[DAL001]: why\n  // eslint-disable"
    )


def test_no_comment_inside_the_tail_of_a_block_comment_opened_after_code(tmp_path: Path) -> None:
    """`const a = 1; /* start` … `end */` over the finding's line: the comment-only tail is no place for a line (it
    would be inside the block comment); the comment goes below where the block comment ends."""
    source = (
        b"async function f() {\n"
        b"  const a = 1; /* a note that\n"
        b"     goes on */\n"
        b"  // biome-ignore lint/complexity/useLiteralKeys: legacy\n"
        b"  const b = await db.select().from(t);\n"
        b"  return [a, b];\n"
        b"}\n"
    )
    added = add_ignores(tmp_path / "a.ts", source, [_finding_at(source, b"const b")], "why")
    assert added.problems == [] and added.comments == 1
    assert added.source == source.replace(b"     goes on */\n", b"     goes on */\n  // dalfix-ignore[DAL001]: why\n")
    # An own-line block comment above stays under the new comment, as other comment lines do.
    own_line = source.replace(b"  const a = 1; /* a note that\n", b"  const a = 1;\n  /* a note that\n")
    added = add_ignores(tmp_path / "a.ts", own_line, [_finding_at(own_line, b"const b")], "why")
    assert added.problems == [] and added.source == own_line.replace(
        b"  /* a note", b"  // dalfix-ignore[DAL001]: why\n  /* a note"
    )


def test_a_line_starting_inside_a_block_comment_is_named_not_broken(tmp_path: Path) -> None:
    source = b"async function f() {\n  const a = 1; /* a note\n   goes on */ const b = await db.select().from(t);\n}\n"
    added = add_ignores(tmp_path / "a.ts", source, [_finding_at(source, b"const b")], "why")
    assert added.comments == 0 and added.source == source
    (problem,) = added.problems
    assert problem.startswith(
        "line 3: no comment added for DAL001: the line starts inside a block comment opened on line 2"
    )


def test_no_comment_above_a_line_continuing_an_expression(tmp_path: Path) -> None:
    """Prettier and Biome move an own-line comment above `? await db…` behind the `?` (review6 A2), where it would
    cover the line before: such a line is named, not touched."""
    source = (
        b"async function f(ids: string[]) {\n  const rows =\n    ids.length > 0\n"
        b"      ? await db.select().from(t)\n      : [];\n}\n"
    )
    added = add_ignores(tmp_path / "a.ts", source, [_finding_at(source, b"await db")], "why")
    assert added.comments == 0 and added.source == source
    (problem,) = added.problems
    assert problem.startswith("line 4: no comment added for DAL001: the line continues an expression (`?`)")


def test_add_ignore_on_the_example_app_suppresses_everything_and_explains_later_findings(tmp_path: Path) -> None:
    """The example app: every first-round finding gets a comment; findings that only appear in code another fix
    writes (`later_findings`) need none and are named in the summary; then nothing is reported."""
    import shutil

    app = Path(__file__).resolve().parent.parent / "examples" / "drizzle-app"
    root = tmp_path / "app"
    shutil.copytree(app, root, ignore=shutil.ignore_patterns("node_modules", ".dalfix_cache", "harness"))
    code, out, _ = _check("--format", "json", str(root))
    before = json.loads(out)["summary"]["findings"]
    code, _, err = _check("--add-ignore", str(root))
    assert code == 0, err
    code, out, _ = _check("--format", "json", str(root))
    report = json.loads(out)
    assert code == 0 and report["findings"] == []
    # Later-round findings about code a fix writes are not listed (`follow_up_fixes`); those on original code are,
    # need no comment, and are named in the summary.
    later = int(err.split("dalfix: ")[-1].split(" finding")[0]) if "appeared only in code" in err else 0
    assert report["summary"]["suppressed"] + later == before


def test_add_ignore_formatter_runs_on_the_files_written_only(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "clean.ts").write_text("export const a = 1;\n")
    stamp = "import sys; p = sys.argv[-1]; open(p, 'a').write('// formatted\\n')"
    command = shlex.join([sys.executable, "-c", stamp]) + " {path}"
    code, _, err = _check("--add-ignore", "--formatter", command, str(root))
    assert code == 0 and "added 1 suppression comment in 1 file" in err
    assert (root / "f.ts").read_text().endswith("// formatted\n")
    assert (root / "clean.ts").read_text() == "export const a = 1;\n"
    assert (root / "db.ts").read_text() == DB
    code, _, err = _check("--formatter", command, str(root))
    assert code == 2 and "check --formatter needs --add-ignore" in err


@pytest.mark.node
def test_biome_rewraps_a_commented_call_chain_and_the_comment_still_covers_it(tmp_path: Path) -> None:
    """Cap's VideosRepo.ts: Biome (not Prettier) breaks a call chain that an own-line comment leads, so a comment
    above `tx.delete(posts).where(…),` in `Promise.all([…])` fails `biome ci` until formatted (the comment's
    indentation is the line's: not the cause). `--formatter` formats; the comment still covers the chain's first
    line, so nothing is reported again."""
    from tests.test_formatter_layout import _executable

    biome = _executable("biome")
    if biome is None:
        pytest.skip("Biome is not installed (DALFIX_BIOME, or npm for .formatters/)")
    root = _project(tmp_path)
    (root / "biome.json").write_text('{\n\t"formatter": { "enabled": true, "indentStyle": "tab" }\n}\n')
    (root / "f.ts").write_text(
        'import { eq } from "drizzle-orm";\nimport { db, posts, users } from "./db";\n\n'
        "export async function remove(id: string) {\n\tawait db.transaction(async (tx) => {\n"
        "\t\tawait Promise.all([\n\t\t\ttx.delete(posts).where(eq(posts.userId, id)),\n"
        "\t\t\ttx.delete(users).where(eq(users.id, id)),\n\t\t]);\n\t});\n}\n"
    )
    formatted = subprocess.run([biome, "format", "--write", "f.ts"], cwd=root, capture_output=True, check=False)
    assert formatted.returncode == 0, formatted.stderr
    before = (root / "f.ts").read_text()
    code, _, err = _check("--preview", "--select", "DAL010", "--add-ignore", str(root / "f.ts"))
    assert code == 0 and "added 1 suppression comment in 1 file" in err
    unformatted = subprocess.run([biome, "format", "f.ts"], cwd=root, capture_output=True, check=False)
    assert unformatted.returncode != 0  # Biome wants `tx` / `.delete(posts)` / `.where(…)` on three lines
    (root / "f.ts").write_text(before)
    code, _, err = _check(
        "--preview", "--select", "DAL010", "--add-ignore", "--formatter", f"{biome} format --write {{path}}",
        str(root / "f.ts"),
    )  # fmt: skip
    assert code == 0, err
    assert subprocess.run([biome, "format", "f.ts"], cwd=root, capture_output=True, check=False).returncode == 0
    assert "\t\t\t// dalfix-ignore[DAL010]" in (root / "f.ts").read_text()
    code, out, _ = _check("--preview", "--select", "DAL010", "--format", "json", str(root / "f.ts"))
    assert code == 0 and json.loads(out)["summary"]["suppressed"] == 1
