"""DAL002 batch sizes: by dialect and driver, `batch-size` from dalfix.toml, and the file's `inChunks` helper."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_harness import run_fix

from dalfix.config import ConfigError, load_config_file
from dalfix.rules import rule_by_code

LOOP = (
    'import { eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { t } from "./schema";\n'
    "export async function f(ids: string[]) {\n"
    "  for (const id of ids) {\n    await db.delete(t).where(eq(t.id, id));\n  }\n}\n"
)
READ = (
    'import { eq } from "drizzle-orm";\nimport { db } from "./db";\nimport { t } from "./schema";\n'
    "export async function g(ids: string[]) {\n  const out = [];\n"
    "  for (const id of ids) {\n    const [row] = await db.select().from(t).where(eq(t.id, id));\n"
    "    out.push(row);\n  }\n  return out;\n}\n"
)


def fixed(tmp_path: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result = run_fix([tmp_path], rule_by_code("DAL002"))
    return next(f.fixed.decode() for f in result.files if f.path.name == "f.ts" and f.fixed)


@pytest.mark.parametrize(
    ("module", "size"),
    [("node-postgres", 30000), ("mysql2", 30000), ("better-sqlite3", 15000), ("d1", 50), (None, 900)],
)
def test_chunk_size_follows_the_driver(tmp_path: Path, module: str | None, size: int) -> None:
    db = f'import {{ drizzle }} from "drizzle-orm/{module}";\nexport const db = drizzle(x);\n' if module else ""
    out = fixed(tmp_path, {"f.ts": LOOP, **({"db.ts": db} if db else {})})
    assert f"start += {size})" in out and f"ids.slice(start, start + {size})" in out


def test_batch_size_from_dalfix_toml(tmp_path: Path) -> None:
    out = fixed(tmp_path, {"f.ts": LOOP, "dalfix.toml": "batch-size = 7\n"})
    assert "for (let start = 0; start < ids.length; start += 7) {" in out


@pytest.mark.parametrize("value", ["0", "-3", '"10"', "true", "1.5"])
def test_bad_batch_size_is_an_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "dalfix.toml").write_text(f"batch-size = {value}\n")
    with pytest.raises(ConfigError, match="batch-size"):
        load_config_file(tmp_path / "dalfix.toml")


def test_one_helper_per_file_and_a_fresh_name_when_taken(tmp_path: Path) -> None:
    two_reads = READ + READ.replace("function g(", "function h(")
    out = fixed(tmp_path, {"f.ts": two_reads})
    assert out.count("async function inChunks<K, R>(") == 1 and out.count("await inChunks(ids, 900,") == 2
    taken = READ + "\nconst inChunks = 3;\nexport { inChunks };\n"
    out = fixed(tmp_path, {"f.ts": taken})
    assert "async function inChunks2<K, R>(" in out and "await inChunks2(ids, 900," in out


def test_a_guard_broken_over_lines_is_joined_only_where_joining_keeps_its_meaning() -> None:
    from dalfix.analysis.loops import one_line

    assert one_line("!ids.includes(x.id) &&\n\t\t\t!x.pinned &&\n\t\t\tx.id !== capId") == (
        "!ids.includes(x.id) && !x.pinned && x.id !== capId"
    )
    assert one_line("x.tags\n  .includes(tag) &&\n  ok(\n    x,\n  )") == "x.tags.includes(tag) && ok(x,)"
    for kept in (
        "a &&\n  b // why",  # a comment
        "a &&\n  `x\ny` === b",  # a template literal's line break is part of its value
        "a &&\n  xs.some((x) => {\n    return x\n  })",  # a block body: `return` / `x` would join
        '"a\\\nb" === c &&\n  d',  # a string continued with a backslash
        '"a\\\r\nb" === c &&\r\n  d',
    ):
        assert one_line(kept) == kept
