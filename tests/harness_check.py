"""What the equivalence test concludes from two harness runs: which methods dalfix rewrote, which faults to
inject into them, which differences are declared, and the pinned statement counts (expected.json).

Shared by tests/test_equivalence.py and bench/mutation_check.py.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from example_app import run_harness

from dalfix.parsing import parse_bytes
from dalfix.rules import doc_sections, rule_by_code

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "examples" / "drizzle-app"
EXPECTED = APP / "harness" / "expected.json"
DECLARED = APP / "harness" / "declared-differences.json"
README = ROOT / "README.md"
UPDATE_ENV = "DALFIX_UPDATE_EXPECTED"
REGENERATE = f"{UPDATE_ENV}=1 python -m pytest tests/test_equivalence.py"
LONG_LIST = "#longList"

TRANSACTION_CONTROL = re.compile(r"^\s*(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release)\b", re.I)
MAIN_TABLE = re.compile(r'\b(?:from|update|into)\s+"([^"]+)"', re.I)
# Codes harness/faults.ts raises (injectedError), so a declared "another injected error" stays one.
INJECTED_CODES = frozenset({"23505", "23514", "23503", "42501", "40001"})


# ------------------------------------------------------------------ which methods dalfix rewrote


def _function_texts(source: bytes) -> dict[str, bytes]:
    """`Class.method` / `function` -> its source text, for the top-level classes and functions of a file."""
    out: dict[str, bytes] = {}
    root = parse_bytes(source).root_node
    for top in root.named_children:
        node = top.child_by_field_name("declaration") if top.type == "export_statement" else top
        if node is None:
            continue
        name = node.child_by_field_name("name")
        if name is None:
            continue
        name_text = source[name.start_byte : name.end_byte].decode()
        if node.type == "class_declaration":
            body = node.child_by_field_name("body")
            for member in body.named_children if body else []:
                member_name = member.child_by_field_name("name")
                if member.type == "method_definition" and member_name is not None:
                    method = source[member_name.start_byte : member_name.end_byte].decode()
                    out[f"{name_text}.{method}"] = source[member.start_byte : member.end_byte]
        elif node.type == "function_declaration":
            out[name_text] = source[node.start_byte : node.end_byte]
    return out


def namespace_targets(cases_ts: Path) -> dict[str, str]:
    """Source file stem -> the namespace cases.ts imports it as (`import * as eventsStorage from …`)."""
    text = cases_ts.read_text(encoding="utf-8")
    return {Path(m[2]).stem: m[1] for m in re.finditer(r"import \* as (\w+) from '\.\./src/([^']+)'", text)}


def changed_methods(before: Path, after: Path) -> list[str]:
    """Case targets (`Class.method`, `namespace.fn`) whose source differs between two copies of the app."""
    namespaces = namespace_targets(before / "harness" / "cases.ts")
    changed: set[str] = set()
    for new in (after / "src").rglob("*.ts"):
        old = before / new.relative_to(after)
        if not old.is_file() or old.read_bytes() == new.read_bytes():
            continue
        old_functions, new_functions = _function_texts(old.read_bytes()), _function_texts(new.read_bytes())
        for name in old_functions.keys() | new_functions.keys():
            if old_functions.get(name) != new_functions.get(name):
                changed.add(name if "." in name else f"{namespaces.get(new.stem, new.stem)}.{name}")
    return sorted(changed)


def cases_of(methods: Iterable[str], names: Iterable[str]) -> list[str]:
    wanted = set(methods)
    return [name for name in names if name.split("#", 1)[0] in wanted]


# ------------------------------------------------------------------ fault plan


def _js_text(value: object) -> str | None:
    """A bind parameter as JS `String(value)` gives it, for the values a fault may name (strings, integers)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return canonical_key(str(value))


def canonical_key(text: str) -> str:
    """As harness/faults.ts compares parameters: a uuid by its lower-case hex digits, anything else as is."""
    digits = re.sub(r"[{}-]", "", text).lower()
    return digits if re.fullmatch(r"[0-9a-f]{32}", digits) else text


def _verb(sql: str) -> str | None:
    """The data statement's kind: its first word, when it is one a fault can stand for."""
    words = sql.split(None, 1)
    verb = words[0].lower() if words else ""
    return verb if verb in ("select", "insert", "update", "delete", "with") else None


def _mentions(sql: str, table: str) -> bool:
    return f'"{table}"' in sql


def fault_for_statement(sql: list[str], params: list[list[object]], index: int) -> dict[str, object]:
    """A predicate that selects statement `index` (0-based) of this log, and that means the same statement
    after a rewrite: the table it works on, its rarest bind parameter (the key a batch still carries), and
    which occurrence of that pair it is. Positions alone would not survive a rewrite: a batch turns the
    3rd of five per-key statements into part of the 1st and only one; "the statement on `renders` whose
    parameters include r7" is that batch."""
    text = sql[index]
    control = TRANSACTION_CONTROL.match(text)
    if control:
        word = control.group(1).lower()
        nth = sum(1 for s in sql[: index + 1] if s.strip().lower().startswith(word))
        return {"startsWith": word, "nth": nth}
    main = MAIN_TABLE.search(text)
    # The statement's kind is part of what it is: a read of canvas_files by slug 'x' is not the insert of
    # slug 'x' that a rewrite sends in its place (DAL003 folds the read into the insert), and the error a
    # fault raises depends on the kind anyway (harness/faults.ts injectedError).
    verb = _verb(text)
    spec: dict[str, object] = {"startsWith": verb} if verb else {}
    if main:
        spec["table"] = main.group(1)
    same_table = [
        i for i, s in enumerate(sql) if (not main or _mentions(s, main.group(1))) and (not verb or _verb(s) == verb)
    ]
    texts = [{_js_text(v) for v in params[i]} - {None} for i in range(len(sql))]
    candidates = [v for v in params[index] if _js_text(v) is not None]
    key = None
    if candidates:
        raw = min(candidates, key=lambda v: sum(1 for i in same_table if _js_text(v) in texts[i]))
        spec["param"], key = raw, _js_text(raw)
    nth = sum(1 for i in same_table if i <= index and (key is None or key in texts[i]))
    spec["nth"] = nth
    return spec


def fault_plan(before_run: dict, case_names: Iterable[str]) -> list[dict[str, object]]:  # type: ignore[type-arg]
    """For each case: its first, second and last statement failing, and (with two or more) all of them.

    A statement identical to an earlier one (same text, same parameters, uuids compared by their hex
    digits: a repeated key) is not a target:
    only a transient error could fail the repetition and not the first, and once a rewrite sends both as
    one statement that error has no counterpart. "Second" and "last" count the other statements."""
    by_name = {case["name"]: case for case in before_run["cases"]}
    plan: list[dict[str, object]] = []
    for name in case_names:
        case = by_name[name]
        sql, params = case["sql"], case["params"]
        n = len(sql)
        seen: set[str] = set()
        distinct = []
        for i in range(n):
            key = json.dumps([sql[i], [_js_text(v) or v for v in params[i]]])  # uuids by their hex digits
            if key not in seen:
                seen.add(key)
                distinct.append(i + 1)
        for position in sorted({distinct[0], distinct[min(1, len(distinct) - 1)], distinct[-1]} if distinct else ()):
            spec = fault_for_statement(sql, params, position - 1)
            plan.append({"case": name, "label": f"fail-{position}of{n}", "fault": spec, "position": position})
        if n >= 2:
            plan.append({"case": name, "label": "fail-all", "fault": {"all": True}, "position": 1})
    return plan


def check_plan_fired(plan: list[dict[str, object]], before_faults: dict) -> list[str]:  # type: ignore[type-arg]
    """The plan is derived from the original's log: on the original, each fault must fire where meant."""
    fired = {case["name"]: case["fault"]["fired"] for case in before_faults["cases"]}
    problems = []
    for entry in plan:
        name = f"{entry['case']}@{entry['label']}"
        got = fired.get(name)
        if not got or got[0] != entry["position"]:
            problems.append(f"{name}: fault {entry['fault']} fired at {got}, meant statement {entry['position']}")
    return problems


def run_original(
    before_app: Path, work: Path, methods: Iterable[str], database_url: str | None, cases: Iterable[str] = ()
) -> dict[str, object]:
    """Two harness runs of the original: its cases with their statement log (`cases` limits them), then the
    fault variants planned from that log for the cases of `methods`."""
    tag = "postgres" if database_url else "pglite"
    selection = [arg for name in cases for arg in ("--case", name)]
    before = run_harness(before_app, work / f"before-{tag}.json", "--sql", *selection, database_url=database_url)
    names = [case["name"] for case in before["cases"]]
    plan = fault_plan(before, cases_of(methods, names))
    plan_file = work / f"faults-{tag}.json"
    plan_file.write_text(json.dumps({"faults": plan}, indent=1), encoding="utf-8")
    before_faults = run_harness(
        before_app,
        work / f"before-faults-{tag}.json",
        "--faults",
        str(plan_file),
        "--faults-only",
        database_url=database_url,
    )
    return {
        "recorded_engine": before["engine"],
        "before": {c["name"]: c for c in before["cases"] + before_faults["cases"]},
        "plan": plan,
        "plan_file": plan_file,
        "before_faults": before_faults,
        "limited": bool(selection),
    }


def run_rewrite(after_app: Path, original: dict, out: Path, database_url: str | None) -> dict[str, dict]:  # type: ignore[type-arg]
    """The rewrite on the original's cases and the same fault variants (one harness run)."""
    selection = list(original["before"]) if original.get("limited") else []
    args = [arg for name in selection for arg in ("--case", name)]
    after = run_harness(after_app, out, "--faults", str(original["plan_file"]), *args, database_url=database_url)
    return {c["name"]: c for c in after["cases"]}


def run_both(
    before_app: Path,
    after_app: Path,
    work: Path,
    methods: Iterable[str],
    database_url: str | None,
) -> dict[str, object]:
    """Four harness runs in two rounds of two at once (each run is one Node process; on two cores that
    halves the wall time): the original with its statement log and the rewrite; then both with the fault
    variants planned from the original's log."""
    tag = "postgres" if database_url else "pglite"
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(run_harness, before_app, work / f"before-{tag}.json", "--sql", database_url=database_url)
        second = pool.submit(run_harness, after_app, work / f"after-{tag}.json", database_url=database_url)
        before, after = first.result(), second.result()
        plan = fault_plan(before, cases_of(methods, [case["name"] for case in before["cases"]]))
        plan_file = work / f"faults-{tag}.json"
        plan_file.write_text(json.dumps({"faults": plan}, indent=1), encoding="utf-8")
        faults = ("--faults", str(plan_file), "--faults-only")
        first = pool.submit(
            run_harness, before_app, work / f"before-faults-{tag}.json", *faults, database_url=database_url
        )
        second = pool.submit(
            run_harness, after_app, work / f"after-faults-{tag}.json", *faults, database_url=database_url
        )
        before_faults, after_faults = first.result(), second.result()
    return {
        "recorded_engine": before["engine"],
        "before": {c["name"]: c for c in before["cases"] + before_faults["cases"]},
        "after": {c["name"]: c for c in after["cases"] + after_faults["cases"]},
        "plan": plan,
        "before_faults": before_faults,
    }


# ------------------------------------------------------------------ declared differences


@dataclass(frozen=True)
class Declaration:
    pattern: str
    rule: str
    allow: str
    because: str


ALLOWED = {
    # Several statements failed at once: the call still fails with one of the injected errors, maybe another.
    "another-injected-error",
    # A statement failed part-way: the original left the writes before it, the rewrite leaves none.
    "all-or-nothing",
    # A statement failed part-way in a batch sent in chunks: the chunks before the failing one stay, so each
    # row is either as it was at the start or as the original left it (all-or-nothing is the one-chunk case).
    "chunked-all-or-nothing",
    # The return value may differ (rows must not); only for an unsafe fix whose Fix safety names the case.
    "result",
    # More statements, same result and rows: a read moved up past a guard runs when the guard exits
    # (DAL001). Checked by the statement-count test, not by `compare`.
    "extra-read",
    # The fault was aimed at a statement the rewrite no longer sends (a pre-check read folded into the write,
    # a parent fetch folded into a join): after dalfix it cannot fire, and the call must then behave exactly as
    # the same case without a fault (same result, same rows) -- checked against that case's run after dalfix.
    "removed-statement",
}


def _normalise(text: str) -> str:
    return " ".join(text.replace("`", "").split())


def load_declarations(path: Path = DECLARED) -> list[Declaration]:
    """The committed declarations, each checked against the wording of its rule's Fix safety section."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for pattern, entry in raw["declared"].items():
        declaration = Declaration(pattern, entry["rule"], entry["allow"], entry["because"])
        if declaration.allow not in ALLOWED:
            raise AssertionError(f"{path.name}: {pattern}: allow must be one of {sorted(ALLOWED)}")
        section = doc_sections(rule_by_code(declaration.rule).documentation()).get("Fix safety", "")
        if _normalise(declaration.because) not in _normalise(section):
            raise AssertionError(
                f"{path.name}: {pattern}: `because` is not the wording of {declaration.rule}'s Fix safety section"
                f" (quote it exactly): {declaration.because!r}"
            )
        out.append(declaration)
    return out


def _is_error(result: object) -> bool:
    return isinstance(result, dict) and "error" in result and "class" in result


def _check_declared(kind: str, old: dict, new: dict) -> str | None:  # type: ignore[type-arg]
    """None when the difference is of the declared kind, else why not."""
    if kind == "another-injected-error":
        if old.get("rows") != new.get("rows"):
            return "rows differ too"
        both = [old["result"], new["result"]]
        if not all(_is_error(r) and r.get("code") in INJECTED_CODES for r in both):
            return "not both injected database errors"
        return None
    if kind == "all-or-nothing":
        if not (_is_error(old["result"]) and _is_error(new["result"])):
            return "not both failed"
        if new.get("rows") != new.get("rowsAtStart"):
            return "the rewrite left some of its writes (not all-or-nothing)"
        return None
    if kind == "chunked-all-or-nothing":
        if not (_is_error(old["result"]) and _is_error(new["result"])):
            return "not both failed"
        start, original, rewrite = new.get("rowsAtStart") or {}, old.get("rows") or {}, new.get("rows") or {}
        for table, rows in rewrite.items():
            allowed = {json.dumps(r, sort_keys=True) for r in start.get(table, []) + original.get(table, [])}
            if any(json.dumps(r, sort_keys=True) not in allowed for r in rows):
                return f"a row of {table} is neither as at the start nor as the original left it"
            if len(rows) != len(start.get(table, [])) and len(rows) != len(original.get(table, [])):
                return f"{table} has a row count neither at the start nor after the original"
        return None
    if kind == "result":
        return "rows differ too" if old.get("rows") != new.get("rows") else None
    if kind == "extra-read":
        return "an extra read changes no result or row"
    return f"unknown kind {kind}"


def compare(
    before: dict[str, dict],  # type: ignore[type-arg]
    after: dict[str, dict],  # type: ignore[type-arg]
    declarations: list[Declaration],
) -> tuple[list[str], list[str], set[str]]:
    """(undeclared differences, accepted declared differences, declaration patterns used)."""
    problems: list[str] = []
    accepted: list[str] = []
    used: set[str] = set()
    for name, old in before.items():
        new = after.get(name)
        if new is None:
            problems.append(f"{name}: missing after dalfix")
            continue
        differing = [key for key in ("result", "rows") if old.get(key) != new.get(key)]
        not_fired = "fault" in old and not new["fault"]["fired"]
        if not_fired:
            differing.append("fault (it never fired after dalfix)")
        if not differing:
            continue
        match = next((d for d in declarations if fnmatch.fnmatchcase(name, d.pattern)), None)
        why = None
        if match and match.allow == "removed-statement":
            why = _check_removed_statement(name, not_fired, new, after)
        elif match:
            why = "the fault never fired after dalfix" if not_fired else _check_declared(match.allow, old, new)
        if match and why is None:
            used.add(match.pattern)
            accepted.append(f"{name}: {', '.join(differing)} differ, declared ({match.rule}: {match.allow})")
            continue
        detail = f" (declared {match.allow} by {match.pattern!r}, but {why})" if match else ""
        problems.append(f"{name}: {', '.join(differing)} differ after dalfix{detail}\n{_diff(old, new, differing)}")
    return problems, accepted, used


def _check_removed_statement(name: str, not_fired: bool, new: dict, after: dict[str, dict]) -> str | None:  # type: ignore[type-arg]
    """None when the fault could not fire after dalfix and the call then ran as its unfaulted case did."""
    if not not_fired:
        return "the fault fired after dalfix (the statement it aims at is still sent)"
    base = after.get(name.split("@", 1)[0])
    if base is None:
        return "no unfaulted case to compare with"
    for key in ("result", "rows"):
        if new.get(key) != base.get(key):
            return f"{key} differ from the same case without a fault after dalfix"
    return None


def _diff(old: dict, new: dict, keys: list[str]) -> str:  # type: ignore[type-arg]
    import difflib

    out = []
    for key in keys:
        if key not in ("result", "rows"):
            continue
        a = json.dumps(old.get(key), indent=1, sort_keys=True).splitlines()
        b = json.dumps(new.get(key), indent=1, sort_keys=True).splitlines()
        out.append("\n".join(difflib.unified_diff(a, b, f"{key} before", f"{key} after", lineterm="", n=2))[:3000])
    return "\n".join(out)


# ------------------------------------------------------------------ pinned numbers


def data_statements(case: dict) -> int:  # type: ignore[type-arg]
    return int(case["statements"]) - int(case.get("transactionControl", 0))


def expected_from(before: dict[str, dict], after: dict[str, dict], fault_variants: int) -> dict:  # type: ignore[type-arg]
    plain = [name for name in before if "@" not in name]
    # The headline counts the app's ordinary calls; the synthetic #longList inputs (LONG_LIST_LENGTH keys each)
    # are counted apart, or they would be most of it.
    ordinary = [name for name in plain if not name.endswith(LONG_LIST)]
    long_lists = [name for name in plain if name.endswith(LONG_LIST)]
    return {
        "regenerate": REGENERATE,
        "cases": len(plain),
        "faultVariants": fault_variants,
        "statementsBefore": sum(data_statements(before[n]) for n in ordinary),
        "statementsAfter": sum(data_statements(after[n]) for n in ordinary),
        "longListCases": len(long_lists),
        "longListBefore": sum(data_statements(before[n]) for n in long_lists),
        "longListAfter": sum(data_statements(after[n]) for n in long_lists),
        # per case: [data statements before, after] (BEGIN/COMMIT/... apart, in transactionControl)
        "statements": {n: [data_statements(before[n]), data_statements(after[n])] for n in plain},
        "transactionControl": {
            n: [before[n].get("transactionControl", 0), after[n].get("transactionControl", 0)]
            for n in plain
            if before[n].get("transactionControl", 0) or after[n].get("transactionControl", 0)
        },
    }


def dump_expected(expected: dict) -> str:  # type: ignore[type-arg]
    """One line per case, so a review diff shows exactly which counts moved."""
    lines = ["{"]
    scalars = [k for k, v in expected.items() if not isinstance(v, dict)]
    for key in scalars:
        lines.append(f"  {json.dumps(key)}: {json.dumps(expected[key])},")
    tables = [k for k, v in expected.items() if isinstance(v, dict)]
    for t, key in enumerate(tables):
        lines.append(f"  {json.dumps(key)}: {{")
        items = list(expected[key].items())
        for i, (name, value) in enumerate(items):
            lines.append(f"    {json.dumps(name)}: {json.dumps(value)}{',' if i < len(items) - 1 else ''}")
        lines.append("  }" + ("," if t < len(tables) - 1 else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def expected_mismatches(expected: dict, got: dict) -> list[str]:  # type: ignore[type-arg]
    out = []
    for key in [k for k, v in got.items() if isinstance(v, int)]:
        if expected.get(key) != got[key]:
            out.append(f"{key}: expected {expected.get(key)}, got {got[key]}")
    for table in ("statements", "transactionControl"):
        old, new = expected.get(table, {}), got[table]
        for name in sorted(old.keys() | new.keys()):
            if old.get(name) != new.get(name):
                out.append(f"{table}[{name}]: expected {old.get(name)} (before, after), got {new.get(name)}")
    return out


# README figures: "(266 cases," / "**628 → 610 statements** across the 262 cases" / "153 fault variants" /
# "4 `#longList` cases … 4004 → 4"
README_CASES = re.compile(r"\((\d+) cases, deterministic data")
README_TOTALS = re.compile(r"\*\*(\d+) → (\d+) statements\*\* across the (\d+) cases")
README_FAULTS = re.compile(r"(\d+) fault variants")
README_LONG = re.compile(r"(\d+) `#longList` cases \(([^)]*?): (\d+) → (\d+)\)")


def readme_figures(text: str) -> dict[str, int | None]:
    def number(pattern: re.Pattern[str], group: int) -> int | None:
        match = pattern.search(text)
        return int(match[group]) if match else None

    return {
        "cases": number(README_CASES, 1),
        "statementsBefore": number(README_TOTALS, 1),
        "statementsAfter": number(README_TOTALS, 2),
        "ordinaryCases": number(README_TOTALS, 3),
        "faultVariants": number(README_FAULTS, 1),
        "longListCases": number(README_LONG, 1),
        "longListBefore": number(README_LONG, 3),
        "longListAfter": number(README_LONG, 4),
    }


def figures_from(expected: dict) -> dict[str, int | None]:  # type: ignore[type-arg]
    """What readme_figures() must find, from expected.json."""
    return {
        "cases": expected["cases"],
        "statementsBefore": expected["statementsBefore"],
        "statementsAfter": expected["statementsAfter"],
        "ordinaryCases": expected["cases"] - expected["longListCases"],
        "faultVariants": expected["faultVariants"],
        "longListCases": expected["longListCases"],
        "longListBefore": expected["longListBefore"],
        "longListAfter": expected["longListAfter"],
    }


def render_readme(text: str, expected: dict) -> str:  # type: ignore[type-arg]
    f = figures_from(expected)
    text = README_CASES.sub(f"({f['cases']} cases, deterministic data", text)
    text = README_TOTALS.sub(
        f"**{f['statementsBefore']} → {f['statementsAfter']} statements** across the {f['ordinaryCases']} cases", text
    )
    text = README_FAULTS.sub(f"{f['faultVariants']} fault variants", text)
    return README_LONG.sub(
        lambda m: f"{f['longListCases']} `#longList` cases ({m[2]}: {f['longListBefore']} → {f['longListAfter']})",
        text,
    )
