"""docs/rules.md, generated from the rule modules (`python -m dalfix rules --format markdown`).

Each rule gets a `## DAL001` heading, so that `docs/rules.md#dal001` (SARIF `helpUri`, the PR bot's links)
lands on it; the rule's own `## …` sections become `### …`.
"""

from __future__ import annotations

import re

from dalfix.rules import all_rules

HEADER = (
    "# dalfix rules\n\n"
    "<!-- Generated from the rule modules in transforms/ by `python -m dalfix rules --format markdown`;\n"
    "     tests/test_docs.py fails when this file is out of date. Do not edit by hand. -->\n"
)


def rules_markdown() -> str:
    rules = all_rules()
    out = [HEADER, "| code | name | fix | what it flags |", "|---|---|---|---|"]
    for rule in rules:
        preview = " (preview)" if rule.preview else ""
        out.append(
            f"| [{rule.code}](#{rule.code.lower()}) | `{rule.name}` | {rule.fix_availability} | "
            f"{rule.summary()}{preview} |"
        )
    for rule in rules:
        out.append("")
        out.append(f"## {rule.code}")
        out.append("")
        preview = " Preview: runs only when selected (`--preview` or its code)." if rule.preview else ""
        out.append(f"`{rule.name}` · fix {rule.fix_availability} available.{preview}")
        out.append("")
        out.append(re.sub(r"^## ", "### ", rule.documentation().strip(), flags=re.M))
    return "\n".join(out) + "\n"
