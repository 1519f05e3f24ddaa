"""Names a fix imports go where the import's own order puts them: sorted in when the specifiers are sorted,
appended when they are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from dalfix.fixes import apply_edits
from dalfix.imports import ensure_imports
from dalfix.parsing import parse_file


def with_imports(source: str, *names: str) -> str:
    parsed = parse_file(Path("a.ts"), source.encode())
    return apply_edits(parsed.source, ensure_imports(parsed, {("drizzle-orm", n) for n in names})).decode()


@pytest.mark.parametrize(
    ("before", "names", "after"),
    [
        ('import { eq, sql } from "drizzle-orm";\n', ["inArray"], 'import { eq, inArray, sql } from "drizzle-orm";\n'),
        ('import { eq } from "drizzle-orm";\n', ["inArray"], 'import { eq, inArray } from "drizzle-orm";\n'),
        ('import { sql } from "drizzle-orm";\n', ["and", "eq"], 'import { and, eq, sql } from "drizzle-orm";\n'),
        (
            'import { and, eq, max } from "drizzle-orm";\n',
            ["count", "inArray"],
            'import { and, count, eq, inArray, max } from "drizzle-orm";\n',
        ),
        # not sorted: appended, as before
        ('import { sql, eq } from "drizzle-orm";\n', ["inArray"], 'import { sql, eq, inArray } from "drizzle-orm";\n'),
        # aliases sort by the imported name
        (
            'import { eq as equals, sql } from "drizzle-orm";\n',
            ["inArray"],
            'import { eq as equals, inArray, sql } from "drizzle-orm";\n',
        ),
        ('import {} from "drizzle-orm";\n', ["inArray", "and"], 'import { and, inArray } from "drizzle-orm";\n'),
        (
            'import {\n  and,\n  eq,\n  sql,\n} from "drizzle-orm";\n',
            ["inArray"],
            'import {\n  and,\n  eq,\n  inArray,\n  sql,\n} from "drizzle-orm";\n',
        ),
        (
            'import {\r\n  eq,\r\n  sql\r\n} from "drizzle-orm";\r\n',
            ["and"],
            'import {\r\n  and,\r\n  eq,\r\n  sql\r\n} from "drizzle-orm";\r\n',
        ),
        (
            'import {\n  sql,\n  eq\n} from "drizzle-orm";\n',
            ["inArray"],
            'import {\n  sql,\n  eq,\n  inArray\n} from "drizzle-orm";\n',
        ),
    ],
)
def test_imported_names_follow_the_imports_order(before, names, after) -> None:
    assert with_imports(before, *names) == after
    assert parse_file(Path("a.ts"), after.encode()).root.has_error is False
