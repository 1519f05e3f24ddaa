"""Rendering fix templates: jinja2 with StrictUndefined, re-indented to the insertion column, in the file's style."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import jinja2
from tree_sitter import Node

from dalfix.print_width import DEFAULT_PRINT_WIDTH, print_width_for, wrap_long_line


@dataclass(frozen=True)
class SourceStyle:
    """The conventions of one file that generated code must follow."""

    newline: str  # "\n" or "\r\n"
    indent_unit: str  # "  ", "    " or "\t"
    quote: str  # "'" or '"'
    semicolons: bool
    # Generated lines longer than this are wrapped where they hold a method chain (dalfix/print_width.py).
    print_width: int = DEFAULT_PRINT_WIDTH

    @classmethod
    def detect(cls, source: bytes, root: Node | None = None, path: Path | None = None) -> SourceStyle:
        """The file's style; with `path`, the print width its project's formatter settings give."""
        text = source.decode("utf-8", "surrogateescape")
        crlf = text.count("\r\n")
        newline = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
        semicolons = _tree_semicolons(root) if root is not None else _semicolons(text)
        width = print_width_for(path) if path is not None else DEFAULT_PRINT_WIDTH
        return cls(newline, _indent_unit(text), _quote(text), semicolons, width)


_STATEMENTS = frozenset(
    {
        "lexical_declaration",
        "expression_statement",
        "return_statement",
        "import_statement",
        "variable_declaration",
        "throw_statement",
    }
)


def _tree_semicolons(root: Node) -> bool:
    """Whether most statements end with an explicit `;` (multi-line statements included)."""
    ended = total = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in _STATEMENTS and node.children:
            total += 1
            last = node.children[-1]
            ended += last.type == ";" and not last.is_missing
        stack.extend(node.named_children)
    return True if total == 0 else ended * 2 >= total


def _indent_unit(text: str) -> str:
    tabs = spaces2 = spaces4 = 0
    for line in text.splitlines():
        if line.startswith("\t"):
            tabs += 1
        else:
            width = len(line) - len(line.lstrip(" "))
            if width and line.strip():
                if width % 4 == 0:
                    spaces4 += 1
                elif width % 2 == 0:
                    spaces2 += 1
    if tabs > spaces2 + spaces4:
        return "\t"
    # A file indented only in multiples of four uses four; one line at an odd multiple of two means two.
    return "    " if spaces4 and not spaces2 else "  "


_IMPORT_QUOTE = re.compile(r"""^\s*(?:import|export)\b[^\n]*?\bfrom\s*(['"])""", re.M)


def _quote(text: str) -> str:
    quotes = [m.group(1) for m in _IMPORT_QUOTE.finditer(text)]
    if not quotes:
        return "'" if text.count("'") >= text.count('"') else '"'
    return "'" if quotes.count("'") >= quotes.count('"') else '"'


def _semicolons(text: str) -> bool:
    statements = re.findall(r"^\s*(?:const|let|var|return|import)\b.*$", text, re.M)
    if not statements:
        return True
    ended = sum(1 for s in statements if s.rstrip().endswith(";"))
    return ended * 2 >= len(statements)


@cache
def template_environment() -> jinja2.Environment:
    root = resources.files("templates")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def template_names() -> list[str]:
    return sorted(t for t in template_environment().list_templates() if t.endswith(".ts.j2"))


def render_template(name: str, style: SourceStyle, indent: str, **variables: object) -> str:
    """Render `templates/<name>` and place it at a line indented by `indent`.

    Templates write one level of indentation as `{{ i }}` (the file's unit), semicolons as `{{ semi }}`
    and quotes as `{{ q }}`. Every output line after the first gets `indent` prepended (the first lands at
    the insertion column already); lines are joined with the file's newline. A line longer than the style's
    print width that holds a method chain is broken before each call, one level deeper. Node texts passed in keep
    their relative indentation: move them with `reindent()` to the level they land at first.
    """
    template = template_environment().get_template(name)
    text = template.render(i=style.indent_unit, q=style.quote, semi=";" if style.semicolons else "", **variables)
    text = text.replace("\r\n", "\n").rstrip("\n")
    lines = text.split("\n")
    out = wrap_long_line(indent + lines[0], style.indent_unit, style.print_width)
    out[0] = out[0][len(indent) :]  # the first line lands at the insertion column already
    for line in lines[1:]:
        out.extend(wrap_long_line(indent + line, style.indent_unit, style.print_width) if line.strip() else [""])
    return style.newline.join(out)


def reindent(text: str, from_indent: str, to_indent: str) -> str:
    """Move a node's text from a line indented `from_indent` to one indented `to_indent`.

    The first line is left alone (it starts mid-line); each later line loses `from_indent` (when it
    starts with it) and gains `to_indent`. Returns "\\n" newlines; `render_template` restores the file's.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        if not line.strip():
            out.append("")
            continue
        if line.startswith(from_indent):
            line = line[len(from_indent) :]
        out.append(to_indent + line)
    return "\n".join(out)
