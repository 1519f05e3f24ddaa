"""The rule registry: unique codes and names, complete documentation, templates in use, docs that fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixture_harness import run_fix

from dalfix.render import template_names
from dalfix.rules import DOC_SECTIONS, all_rules, code_block, doc_sections, iter_rule_templates

RULES = all_rules()


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for rule in RULES:
        assert re.fullmatch(r"DAL\d{3}", rule.code), rule.code
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name), rule.name
        assert rule.fix_availability in ("always", "sometimes", "never")


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_documentation_has_every_section(rule) -> None:  # type: ignore[no-untyped-def]
    sections = doc_sections(rule.documentation())
    assert list(sections)[: len(DOC_SECTIONS)] == list(DOC_SECTIONS), f"{rule.code}: sections {list(sections)}"
    for title in DOC_SECTIONS:
        assert sections[title].strip(), f"{rule.code}: empty section {title!r}"
    assert code_block(sections["Example"]).strip() and code_block(sections["Use instead"]).strip()


def test_every_template_is_used_by_a_rule() -> None:
    used = {name for rule in RULES for name in iter_rule_templates(rule)}
    # Templates a rule module does not name directly are used by the bot (templates/bot/…) or by shared fix
    # builders in dalfix/ (dalfix/violation_predicate.py renders DAL003's predicate for every catch form).
    shared = "".join(p.read_text() for p in (Path(__file__).parent.parent / "dalfix").glob("*.py"))
    used |= set(re.findall(r"""["']([\w/.-]+\.ts\.j2)["']""", shared))
    unused = [t for t in template_names() if t not in used and not t.startswith("bot/")]
    assert not unused, f"templates no rule uses: {unused}"
    for name in used:
        assert name in template_names(), f"a rule names a template that does not exist: {name}"


@pytest.mark.parametrize("rule", [r for r in RULES if r.fix_availability != "never"], ids=lambda r: r.code)
def test_documented_example_becomes_use_instead(rule, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sections = doc_sections(rule.documentation())
    source = tmp_path / "example.ts"
    source.write_text(code_block(sections["Example"]))
    result = run_fix([source], rule)
    (file,) = result.files
    assert file.fixed.decode() == code_block(sections["Use instead"])
