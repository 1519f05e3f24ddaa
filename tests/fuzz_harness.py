"""Property checks over generated DAL files and mutated fixtures (tests/test_fuzz.py, bench/fuzz.py).

For every input: no file fails, no fix is dropped as a dalfix bug, the output parses with no new errors,
a second run changes nothing, and the unified diff applied with `git apply` gives exactly what `apply` wrote.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from dalfix.diffs import unified_diff
from dalfix.fixes import Applicability
from dalfix.parsing import count_errors, grammar_for, parse_bytes, parse_file
from dalfix.rules import select_rules
from dalfix.runner import RunOptions, run

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = """import { and, count, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { Pool } from "pg";
import { invoices, orders, users } from "./schema";

export const db = drizzle(new Pool({ connectionString: process.env.DATABASE_URL }));

"""
TABLES = ("users", "orders", "invoices")
READS = (
    "const {v} = await {h}.select().from({t}).where(eq({t}.id, {p}));",
    "const [{v}] = await {h}.select().from({t}).where(eq({t}.id, {p})).limit(1);",
    "const {v} = await {h}.query.{t}.findFirst({{ where: eq({t}.id, {p}) }});",
    "const [{v}] = await {h}.select({{ n: count() }}).from({t});",
)
WRITES = (
    "await {h}.update({t}).set({{ seen: true }}).where(eq({t}.id, {p}));",
    "await {h}.insert({t}).values({{ id: {p} }});",
    "await {h}.delete({t}).where(eq({t}.id, {p}));",
)
OTHERS = (
    "if (!{q}) return null;",
    "console.log({q});",
    "const {v} = {q} ?? {p};",
    "// a comment about {q}",
    "/* block comment */ const {v} = 1;",
)
LOOPS = (
    "for (const {e} of ids) {{\n    await {h}.update({t}).set({{ seen: true }}).where(eq({t}.id, {e}));\n  }}",
    "for (const {e} of ids) {{\n    const {v} = await {h}.select().from({t}).where(eq({t}.id, {e}));\n"
    "    out.push({v});\n  }}",
    "for (const {e} of ids) {{\n    await {h}.insert({t}).values({{ id: {e} }});\n  }}",
    "await Promise.all(ids.map(async ({e}) => {{\n    await {h}.delete({t}).where(eq({t}.id, {e}));\n  }}));",
)
SUSPECT_NOTES = re.compile(r"dalfix bug|did not converge")


@st.composite
def dal_statement(draw: st.DrawFn, index: int, declared: list[str], handle: str) -> str:
    kind = draw(st.sampled_from(["read", "read", "read", "write", "other", "loop"]))
    table = draw(st.sampled_from(TABLES))
    earlier = [f"{name}.id" for name in declared if not name.startswith("n")]
    param = draw(st.sampled_from(["id", *earlier])) if earlier and draw(st.booleans()) else "id"
    names = {"v": f"v{index}", "h": handle, "t": table, "p": param, "e": f"item{index}"}
    names["q"] = draw(st.sampled_from(declared)) if declared else "id"
    templates = {"read": READS, "write": WRITES, "other": OTHERS, "loop": LOOPS}[kind]
    text = draw(st.sampled_from(templates)).format(**names)
    if "const {v}".format(**names) in text or f"const [{names['v']}]" in text:
        declared.append(names["v"])
    return text


@st.composite
def dal_function(draw: st.DrawFn, number: int) -> str:
    in_transaction = draw(st.booleans()) and draw(st.booleans())
    handle = "tx" if in_transaction else "db"
    declared: list[str] = []
    statements = [draw(dal_statement(i, declared, handle)) for i in range(draw(st.integers(1, 7)))]
    wrap = draw(st.sampled_from(["", "", "try", "if"]))
    body = "\n  ".join(["const out: unknown[] = [];", *statements, f"return {{ out, {', '.join(declared)} }};"])
    if wrap == "try":
        body = f"try {{\n  {body}\n  }} catch (error) {{\n    throw error;\n  }}"
    elif wrap == "if":
        body = f"if (id) {{\n  {body}\n  }}\n  return null;"
    if in_transaction:
        body = f"return db.transaction(async (tx) => {{\n  {body}\n  }});"
    return f"export async function load{number}(id: string, ids: string[]) {{\n  {body}\n}}\n"


@st.composite
def generated_file(draw: st.DrawFn) -> tuple[str, bytes]:
    functions = [draw(dal_function(n)) for n in range(draw(st.integers(1, 4)))]
    return "generated.ts", (HEADER + "\n".join(functions)).encode()


def fixture_inputs() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/*.input.ts*") if p.is_file())


@st.composite
def mutated_fixture(draw: st.DrawFn) -> tuple[str, bytes]:
    """A fixture input with statements deleted, swapped, or wrapped in try / if / a loop."""
    path = draw(st.sampled_from(fixture_inputs()))
    source = path.read_bytes()
    suffix = ".tsx" if path.name.endswith(".tsx") else ".ts"
    for _ in range(draw(st.integers(1, 3))):
        tree = parse_bytes(source, grammar_for(f"x{suffix}"))
        blocks = [
            n
            for n in _walk(tree.root_node)
            if n.type == "statement_block" and any(c.type != "comment" for c in n.named_children)
        ]  # a block holding only comments has no statement to mutate
        if not blocks:
            break
        block = draw(st.sampled_from(blocks))
        statements = [s for s in block.named_children if s.type != "comment"]
        first = draw(st.integers(0, len(statements) - 1))
        chosen = statements[first]
        text = source[chosen.start_byte : chosen.end_byte]
        operation = draw(st.sampled_from(["delete", "swap", "try", "if", "loop"]))
        if operation == "delete":
            replacement = b""
        elif operation == "swap" and first + 1 < len(statements):
            after = statements[first + 1]
            between = source[chosen.end_byte : after.start_byte]
            replacement = source[after.start_byte : after.end_byte] + between + text
            source = source[: chosen.start_byte] + replacement + source[after.end_byte :]
            continue
        elif operation == "try":
            replacement = b"try { " + text + b" } catch (error) { console.error(error); }"
        elif operation == "if":
            replacement = b"if (Math.random() > 0.5) { " + text + b" }"
        else:
            replacement = b"for (const attempt of [1, 2]) { " + text + b" }"
        source = source[: chosen.start_byte] + replacement + source[chosen.end_byte :]
    return "input" + suffix, source


def _walk(node):  # type: ignore[no-untyped-def]
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


@dataclass
class Outcome:
    changed: bool
    fixes: int


def check_properties(name: str, source: bytes) -> Outcome:
    """Run every stable rule with unsafe fixes on one file and assert the properties; returns what changed."""
    rules = select_rules([], [], False)
    options = RunOptions(rules=rules, fix_threshold=Applicability.UNSAFE)
    with tempfile.TemporaryDirectory(prefix="dalfix-fuzz-") as scratch:
        root = Path(scratch)
        path = root / name
        path.write_bytes(source)
        (first,) = run([path], options).files
        assert first.status != "failed", f"{first.reason}\n" + "\n".join(first.messages)
        suspect = [m for m in first.messages if SUSPECT_NOTES.search(m)]
        assert not suspect, suspect
        fixed = first.fixed
        # Counted as dalfix counts them: after masking the syntax tree-sitter lacks (dalfix/grammar_gaps.py).
        before_errors = count_errors(parse_file(path, source).root)
        assert count_errors(parse_file(path, fixed).root) <= before_errors, "new syntax errors"
        if fixed == source:
            return Outcome(False, 0)
        path.write_bytes(fixed)
        (second,) = run([path], options).files
        assert second.status != "failed", second.reason
        assert second.fixed == fixed, "a second run changed the file again:\n" + unified_diff(fixed, second.fixed, name)
        patched = root / "patched"
        patched.mkdir()
        (patched / name).write_bytes(source)
        patch = unified_diff(source, fixed, name)
        subprocess.run(["git", "init", "-q"], cwd=patched, check=True)
        applied = subprocess.run(["git", "apply", "-"], cwd=patched, input=patch.encode("utf-8", "surrogateescape"),
                                 capture_output=True)  # fmt: skip
        assert applied.returncode == 0, applied.stderr.decode()
        assert (patched / name).read_bytes() == fixed, "diff + git apply differs from apply"
        shutil.rmtree(patched)
        return Outcome(True, len(first.applied))
