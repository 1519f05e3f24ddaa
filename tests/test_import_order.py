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


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # the fix replaced eq by inArray: eq goes, inArray (added by the fix) stays
        ('import { eq, inArray } from "drizzle-orm";\nx(eq(a, b));\n',
         'import { eq, inArray } from "drizzle-orm";\nx(inArray(a, [b]));\n',
         'import { inArray } from "drizzle-orm";\nx(inArray(a, [b]));\n'),
        # the last names of a broken import, and a whole statement left empty
        ('import {\n  sql,\n  and,\n  eq,\n} from "drizzle-orm";\nimport { ne } from "drizzle-orm";\n'
         'sql``; and(eq(a, b), ne(c, d));\n',
         'import {\n  sql,\n  and,\n  eq,\n} from "drizzle-orm";\nimport { ne } from "drizzle-orm";\nsql``;\n',
         'import {\n  sql,\n} from "drizzle-orm";\nsql``;\n'),
        # a name the file never used, and another module's import: left alone
        ('import { eq, or } from "drizzle-orm";\nimport { helper } from "./helper";\neq(a, b); helper();\n',
         'import { eq, or } from "drizzle-orm";\nimport { helper } from "./helper";\nz();\n',
         'import { or } from "drizzle-orm";\nimport { helper } from "./helper";\nz();\n'),
        # still used as a type or a shorthand property: kept
        ('import { eq, type SQL } from "drizzle-orm";\nconst w: SQL = eq(a, b);\n',
         'import { eq, type SQL } from "drizzle-orm";\nconst o = { eq }; let w: SQL;\n',
         'import { eq, type SQL } from "drizzle-orm";\nconst o = { eq }; let w: SQL;\n'),
    ],
)  # fmt: skip
def test_imports_a_fix_leaves_unused_are_removed(before: str, after: str, expected: str) -> None:
    from dalfix.imports import unused_import_edits

    old, new = parse_file(Path("a.ts"), before.encode()), parse_file(Path("a.ts"), after.encode())
    assert apply_edits(after.encode(), unused_import_edits(old, new)).decode() == expected
