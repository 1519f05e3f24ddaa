"""Generated code follows the project's print width: where the width comes from, and how chains wrap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dalfix.parsing import Node, count_errors, parse_bytes, parse_file, walk
from dalfix.print_width import (
    DEFAULT_PRINT_WIDTH,
    FormatterSettings,
    break_array_property,
    break_arrow_argument,
    break_call_arguments,
    break_for_head,
    break_object_argument,
    break_property_value,
    formatter_settings_for,
    hug_last_object,
    print_width_for,
    wrap_long_line,
)
from dalfix.render import SourceStyle, expanded_chain
from tests.conftest import documented_example

DAL001 = documented_example("DAL001")


@pytest.mark.parametrize(
    ("files", "width"),
    [
        ({}, DEFAULT_PRINT_WIDTH),
        ({".prettierrc": '{ "printWidth": 80 }'}, 80),
        ({".prettierrc.json": '{ "semi": false }'}, 80),  # Prettier's own default when unset
        ({".prettierrc": '"@acme/prettier-config"'}, DEFAULT_PRINT_WIDTH),  # a shared config: width unknown here
        ({"biome.json": '{ "formatter": { "indentStyle": "tab" } }'}, 80),  # Biome's own default when unset
        ({".prettierrc.yaml": "semi: false\nprintWidth: 120\n"}, 120),
        ({".prettierrc": "printWidth: 90\n"}, 90),  # a .prettierrc may be YAML
        ({"package.json": json.dumps({"name": "x", "prettier": {"printWidth": 110}})}, 110),
        ({"biome.json": '{ "formatter": { "lineWidth": 90 } }'}, 90),
        (
            {"biome.jsonc": '{\n  // comments allowed\n  "javascript": { "formatter": { "lineWidth": 95, }, },\n}'},
            95,
        ),
        ({".editorconfig": "root = true\n[*]\nmax_line_length = 120\n[*.md]\nmax_line_length = off\n"}, 120),
        ({".editorconfig": "[*.{ts,tsx}]\nmax_line_length = 90\n"}, 90),
        ({".editorconfig": "[*.py]\nmax_line_length = 79\n"}, DEFAULT_PRINT_WIDTH),
        ({".editorconfig": "[*]\nmax_line_length = 120\n", ".prettierrc": '{ "printWidth": 80 }'}, 80),
    ],
)
def test_print_width_sources(files, width, tmp_path) -> None:
    project = tmp_path / "w"  # a fresh directory per case: the lookup is cached per directory
    (project / "src").mkdir(parents=True)
    (project / ".git").mkdir()
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")
    assert print_width_for(project / "src" / "a.ts") == width


def test_the_nearest_setting_wins_and_editorconfig_root_stops_the_walk(tmp_path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".prettierrc").write_text('{ "printWidth": 120 }', encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "biome.json").write_text('{ "formatter": { "lineWidth": 70 } }', encoding="utf-8")
    assert print_width_for(tmp_path / "pkg" / "a.ts") == 70
    assert print_width_for(tmp_path / "b.ts") == 120
    (tmp_path / "e" / "inner").mkdir(parents=True)
    (tmp_path / "e" / ".editorconfig").write_text("root = true\n[*]\nmax_line_length = 88\n", encoding="utf-8")
    (tmp_path / ".editorconfig").write_text("[*]\nmax_line_length = 60\n", encoding="utf-8")
    assert print_width_for(tmp_path / "e" / "inner" / "c.ts") == 120  # prettier above still wins over editorconfig


def test_wrap_breaks_the_outermost_chain_before_each_call() -> None:
    line = "    await db.update(renders).set({ status: 'x.y(z)' }).where(inArray(renders.id, ids.map((r) => r.id)));"
    assert wrap_long_line(line, "  ", 60) == [
        "    await db",
        "      .update(renders)",
        "      .set({ status: 'x.y(z)' })",
        "      .where(inArray(renders.id, ids.map((r) => r.id)));",
    ]
    assert wrap_long_line(line, "  ", 200) == [line]


@pytest.mark.parametrize(
    "line",
    [
        "    const pattern = /a.b(c)/.test(name) && db.select().from(t).where(eq(t.id, id)).limit(1);",  # regex
        "    const text = `${a.b()}.c()` + 'x'.repeat(100) + 'another long string literal';",  # no chain in code
        "    const veryLongName = someFunction(argumentNumberOne, argumentNumberTwo, argumentThree);",
        "    const row = await db.query.users.findFirst({ where: eq(users.id, id) }); // one call only",
    ],
)
def test_lines_without_a_safe_chain_are_left_alone(line) -> None:
    assert wrap_long_line(line, "  ", 40) == [line]


def test_a_chain_inside_an_argument_wraps_at_its_own_depth() -> None:
    line = "  const m = new Map((await db.select().from(cards).where(inArray(cards.id, ids))).map((r) => [r.id, r]));"
    assert wrap_long_line(line, "  ", 80) == [
        "  const m = new Map((await db",
        "    .select()",
        "    .from(cards)",
        "    .where(inArray(cards.id, ids))).map((r) => [r.id, r]));",
    ]


def test_apply_wraps_generated_chains_at_the_projects_width(run_cli, workdir) -> None:
    (workdir / ".git").mkdir()
    (workdir / ".prettierrc").write_text('{ "printWidth": 60 }', encoding="utf-8")
    path = workdir / "files.ts"
    path.write_text(DAL001.before, encoding="utf-8")
    assert run_cli("apply", "files.ts").exit_code == 1
    fixed = path.read_text(encoding="utf-8")
    assert "    db\n      .select()\n      .from(canvasFiles)\n      .where(eq(canvasFiles.id, fileId)),\n" in fixed
    assert count_errors(parse_file(path, fixed.encode()).root) == 0
    assert run_cli("apply", "files.ts").exit_code == 0, "wrapping is stable: a second run changes nothing"
    assert path.read_text(encoding="utf-8") == fixed


def test_the_default_width_keeps_the_documented_example(run_cli, workdir) -> None:
    (workdir / ".git").mkdir()
    path = workdir / "files.ts"
    path.write_text(DAL001.before, encoding="utf-8")
    run_cli("apply", "files.ts")
    assert path.read_text(encoding="utf-8") == DAL001.after


def test_generated_lines_in_fixture_outputs_fit_or_cannot_wrap(tmp_path: Path) -> None:
    """Every line of a fixture output that is not in its input is within 100 columns, unless it is one call of a
    wrapped chain (arguments are not reflowed) or holds no chain that could be broken."""
    root = Path(__file__).parent / "fixtures"
    for output in sorted(root.glob("*/*.output.ts")):
        source = output.with_name(output.name.replace(".output.", ".input."))
        original = set(source.read_text(encoding="utf-8").splitlines())
        for line in output.read_text(encoding="utf-8").splitlines():
            if len(line) > DEFAULT_PRINT_WIDTH and line not in original and not line.lstrip().startswith("."):
                assert wrap_long_line(line, "  ", DEFAULT_PRINT_WIDTH) == [line], (output.name, line)


@pytest.mark.parametrize(
    ("files", "settings"),
    [
        ({}, FormatterSettings(DEFAULT_PRINT_WIDTH, 2, None)),
        ({".prettierrc": '{ "useTabs": true, "tabWidth": 4 }'}, FormatterSettings(80, 4, "prettier")),
        ({".prettierrc.yaml": "tabWidth: 8\n"}, FormatterSettings(80, 8, "prettier")),
        ({"biome.json": '{ "formatter": { "indentStyle": "tab" } }'}, FormatterSettings(80, 2, "biome")),
        ({"biome.json": '{ "javascript": { "formatter": { "indentWidth": 3, "lineWidth": 100 } } }'},
         FormatterSettings(100, 3, "biome")),
        ({".editorconfig": "[*]\nmax_line_length = 90\n"}, FormatterSettings(90, 2, None)),
        ({".prettierrc": '{ "trailingComma": "es5" }'}, FormatterSettings(80, 2, "prettier", False)),
        ({".prettierrc": "{}", "package.json": '{ "devDependencies": { "prettier": "^2.8.0" } }'},
         FormatterSettings(80, 2, "prettier", False)),  # Prettier 2's default is "es5"
        ({"biome.json": '{ "javascript": { "formatter": { "trailingCommas": "none" } } }'},
         FormatterSettings(80, 2, "biome", False, False)),  # "none": not after an object's last property either
        ({".prettierrc": '{ "trailingComma": "none" }'}, FormatterSettings(80, 2, "prettier", False, False)),
        ({".prettierrc.js": 'module.exports = {\n  printWidth: 120,\n  trailingComma: "es5",\n};\n'},
         FormatterSettings(120, 2, "prettier", False)),
        ({"prettier.config.mjs": 'import base from "@acme/prettier";\nexport default { ...base };\n'},
         FormatterSettings(DEFAULT_PRINT_WIDTH, 2, None)),  # computed elsewhere: the width is unknown here
        ({".prettierrc.js": "// keep the editor's own defaults out\nmodule.exports = {};\n"},
         FormatterSettings(80, 2, "prettier")),  # dittofeed's: an empty object is Prettier's defaults
        ({"prettier.config.mjs": "export default {\n  // none yet\n};\n"}, FormatterSettings(80, 2, "prettier")),
        ({".oxfmtrc.json": '{ "printWidth": 120 }'}, FormatterSettings(120, 2, "oxfmt")),  # homarr's
        ({".oxfmtrc.jsonc": '{\n  // the default\n  "trailingComma": "es5"\n}'},
         FormatterSettings(100, 2, "oxfmt", False)),  # Oxfmt's own default width is 100, not Prettier's 80
        ({".oxfmtrc.json": '{ "printWidth": 80 }', ".prettierrc": '{ "printWidth": 120 }', "biome.json": "{}"},
         FormatterSettings(80, 2, "oxfmt")),  # dyad keeps all three; its scripts run oxfmt
    ],
)  # fmt: skip
def test_formatter_settings(files, settings, tmp_path) -> None:
    project = tmp_path / "w"
    (project / "src").mkdir(parents=True)
    (project / ".git").mkdir()
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")
    assert formatter_settings_for(project / "src" / "a.ts") == settings


ROOT_BIOME = '{ "formatter": { "lineWidth": 100 }, "javascript": { "formatter": { "trailingCommas": "es5" } } }'


@pytest.mark.parametrize(
    ("package_config", "settings"),
    [
        ('{ "root": false, "extends": "//" }', FormatterSettings(100, 2, "biome", False)),  # Biome 2
        ('{ "extends": ["../../biome.json"] }', FormatterSettings(100, 2, "biome", False)),  # Biome 1 paths
        ('{ "extends": "//", "formatter": { "lineWidth": 120 } }', FormatterSettings(120, 2, "biome", False)),
        ('{ "extends": ["@acme/biome-config"] }', FormatterSettings(80, 2, "biome")),  # a package: not followed
        ("{}", FormatterSettings(80, 2, "biome")),  # extends nothing: Biome's defaults
    ],
)
def test_a_package_biome_config_inherits_what_it_extends(package_config, settings, tmp_path) -> None:
    # buster's packages extend "../../biome.json", inkeep/agents' extend "//": their width is the root's 100 and
    # their commas "es5", not Biome's defaults (the fresh review rejected six fixes printed for width 80).
    (tmp_path / ".git").mkdir()
    (tmp_path / "biome.json").write_text(ROOT_BIOME, encoding="utf-8")
    package = tmp_path / "packages" / "db"
    (package / "src").mkdir(parents=True)
    (package / "biome.json").write_text(package_config, encoding="utf-8")
    assert formatter_settings_for(package / "src" / "a.ts") == settings


def test_a_tab_counts_as_the_formatters_tab_width() -> None:
    # 3 tabs + 74 characters: 77 columns counted as 1 per tab, 80 with Biome's and Prettier's width of 2.
    line = "\t\t\t" + "const [a] = await db.select().from(users).where(eq(users.id, someIdentifier1));"[:74]
    assert len(line) == 77
    assert wrap_long_line(line, "\t", 79, tab_width=1) == [line]
    assert len(wrap_long_line(line, "\t", 79, tab_width=2)) > 1


def test_a_call_that_no_longer_fits_gets_its_arguments_one_per_line() -> None:
    # 80 columns at five tabs (Biome leaves it), 82 at six: Biome breaks the arguments, with a trailing comma.
    line = "\t" * 6 + "inArray(organizations.id, spaceIds as Organisation.OrganisationId[]),"
    assert break_call_arguments(line[1:], "\t", 80) == [line[1:]]
    assert break_call_arguments(line, "\t", 80) == [
        "\t" * 6 + "inArray(",
        "\t" * 7 + "organizations.id,",
        "\t" * 7 + "spaceIds as Organisation.OrganisationId[],",
        "\t" * 6 + "),",
    ]
    # An argument that still does not fit is broken the same way; without trailing commas the last has none.
    nested = "    .where(eq(someVeryLongTableName.someVeryLongColumnName, anotherVeryLongValueName))"
    assert break_call_arguments(nested, "  ", 60, trailing_comma=False) == [
        "    .where(",
        "      eq(",
        "        someVeryLongTableName.someVeryLongColumnName,",
        "        anotherVeryLongValueName",
        "      )",
        "    )",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "      inArray(t.id, [firstIdentifier, secondIdentifier, thirdIdentifier, fourth]),",  # array: hugged
        "      rows.map((row) => row.someVeryLongPropertyName.anotherVeryLongPropertyName),",  # arrow: hugged
        "      values({ firstProperty: firstValue, secondProperty: secondValueThatIsLong }),",  # object: hugged
        "      const [total] = computeTotalOf(firstVeryLongArgumentName, secondVeryLongArgument);",  # a pattern
        "      count(firstVeryLongArgumentName, secondVeryLongArgument), // a trailing comment",
        "      sql<number>(firstVeryLongArgumentName, secondVeryLongArgumentName, thirdOne),",  # type arguments
    ],
)
def test_calls_the_formatters_print_otherwise_are_left_alone(line: str) -> None:
    assert break_call_arguments(line, "  ", 60) == [line]


def test_a_declared_call_keeps_its_name_on_the_call_line() -> None:
    # `prettier` 3 and `biome format` 2.2 at width 80 (dokploy: the lookup DAL002 writes in place of the query)
    line = "      const total = computeTotalOf(firstVeryLongArgumentName, secondVeryLongArgument);"
    assert break_call_arguments(line, "  ", 80) == [
        "      const total = computeTotalOf(",
        "        firstVeryLongArgumentName,",
        "        secondVeryLongArgument,",
        "      );",
    ]
    awaited = "      let rows = await loadEverything(firstVeryLongArgumentName, secondVeryLongArgu);"
    assert break_call_arguments(awaited, "  ", 80)[0] == "      let rows = await loadEverything("
    arrow = "      const serversByOrg = serversByOrgRows.filter((row) => row.organizationId === org.id);"
    assert break_arrow_argument(arrow, "  ", 80) == [
        "      const serversByOrg = serversByOrgRows.filter(",
        "        (row) => row.organizationId === org.id,",
        "      );",
    ]


# Layouts below were taken from `biome format` 2.2 and `prettier` 3 (tabs, width 80), which agree on all of them.


def test_a_sole_arrow_argument_is_broken_as_the_formatters_do() -> None:
    # A body that is not a call: the arrow leaves the call's line, its body one level further when it must.
    line = "\t\t\t.filter((sharedOrganization) => !organizationIds.includes(sharedOrganization.organizationId))"
    assert break_arrow_argument(line, "\t", 80) == [
        "\t\t\t.filter(",
        "\t\t\t\t(sharedOrganization) =>",
        "\t\t\t\t\t!organizationIds.includes(sharedOrganization.organizationId),",
        "\t\t\t)",
    ]
    # The arrow on one line where it fits there; no comma after it with trailing commas "es5".
    line = "\t\t\t.filter((sharedOrganization) => !organizationIds.includes(sharedOrganization))"
    assert break_arrow_argument(line, "\t", 80, trailing_comma=False) == [
        "\t\t\t.filter(",
        "\t\t\t\t(sharedOrganization) => !organizationIds.includes(sharedOrganization)",
        "\t\t\t)",
    ]
    # A call for a body stays hugged.
    line = "\t\t\t.filter((sharedOrganization) => isSomethingVeryLong(sharedOrganization.organizationId, 1))"
    assert break_arrow_argument(line, "\t", 80) == [
        "\t\t\t.filter((sharedOrganization) =>",
        "\t\t\t\tisSomethingVeryLong(sharedOrganization.organizationId, 1),",
        "\t\t\t)",
    ]
    # `&&` operands one per line when the body still does not fit.
    line = "\t\t\t.filter((org) => org.status !== 'active' && org.someLongFlagName && org.anotherLongFlagName)"
    assert break_arrow_argument(line, "\t", 60) == [
        "\t\t\t.filter(",
        "\t\t\t\t(org) =>",
        "\t\t\t\t\torg.status !== 'active' &&",
        "\t\t\t\t\torg.someLongFlagName &&",
        "\t\t\t\t\torg.anotherLongFlagName,",
        "\t\t\t)",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "      .filter((org) => (org.status === 'active' ? firstVeryLongName : secondVeryLongName))",  # parenthesised
        "      .filter((org) => org.status === 'active' ? firstVeryLongName : secondVeryLongName)",  # conditional
        "      .map((org) => ({ id: org.id, name: org.someVeryLongPropertyName, other: org.x }))",  # object body
        "      .filter(async (org) => await someVeryLongFunctionName(org.someVeryLongPropertyName))",
        "      .filter((org) => org.someVeryLongPropertyName as unknown as SomeVeryLongTypeName)",
        "      .filter((org) => isKept(org), someOtherArgumentThatMakesTheLineLongEnoughToBreak)",
        "      .filter((org) => org.firstVeryLongPropertyName), // a comment makes it no business of ours",
    ],
)
def test_arrow_arguments_the_formatters_print_otherwise_are_left_alone(line: str) -> None:
    assert break_arrow_argument(line, "  ", 60) == [line]


def test_a_for_head_that_does_not_fit_has_a_clause_per_line() -> None:
    line = "\t\tfor (let start = 0; start < organizationIdsToDelete.length; start += 30000) {"
    assert break_for_head(line, "\t", 80) == [
        "\t\tfor (",
        "\t\t\tlet start = 0;",
        "\t\t\tstart < organizationIdsToDelete.length;",
        "\t\t\tstart += 30000",
        "\t\t) {",
    ]
    assert break_for_head(line[1:], "\t", 80) == [line[1:]]  # fits at one tab less
    assert break_for_head("    for (const item of someVeryLongListNameThatDoesNotFitTheWidth) {", "  ", 40) == [
        "    for (const item of someVeryLongListNameThatDoesNotFitTheWidth) {"
    ]


def test_an_object_argument_is_hugged_and_broken_a_property_per_line() -> None:
    line = "\t\t\t.values({ videoId: `${folderId}/${videoIds.length}/uploads`, progress: 0 });"
    assert break_object_argument(line, "\t", 80) == [
        "\t\t\t.values({",
        "\t\t\t\tvideoId: `${folderId}/${videoIds.length}/uploads`,",
        "\t\t\t\tprogress: 0,",
        "\t\t\t});",
    ]
    assert break_object_argument(line, "\t", 80, commas=False)[-2] == "\t\t\t\tprogress: 0"  # "none"
    not_one_object = "\t\t\t\t.set({ a: 1 } + { b: 2 } + { someVeryLongPropertyNameThatOverflows: 3 })"
    assert break_object_argument(not_one_object, "\t", 80) == [not_one_object]


def test_a_chain_whose_last_call_takes_an_object_stays_joined_when_the_object_breaks() -> None:
    # Broken before each call with the object broken, Biome and Prettier would join the chain on their next run
    # (they keep an object written broken broken): two calls, and `….values({` fits.
    line = "\t\tawait tx.insert(videoUploads).values({ videoId: `${folderId}/${count}/uploads`, progress: 0 });"
    assert hug_last_object(line, "\t", 80) == [
        "\t\tawait tx.insert(videoUploads).values({",
        "\t\t\tvideoId: `${folderId}/${count}/uploads`,",
        "\t\t\tprogress: 0,",
        "\t\t});",
    ]
    # Three calls with `db()`'s own: the formatters break the chain instead.
    assert hug_last_object(line.replace("await tx", "await db()"), "\t", 80) is None
    # A function passed before the last call: the chain stays broken.
    assert hug_last_object(line.replace("insert(videoUploads)", "insert(rows.map((r) => r))"), "\t", 80) is None


def test_a_factory_head_stays_with_its_first_call() -> None:
    line = "\tconst organizationIdsToDelete = Array.from(currentShared).filter((x) => !ids.has(x.id)).map((x) => x.id);"
    assert wrap_long_line(line, "\t", 80) == [
        "\tconst organizationIdsToDelete = Array.from(currentShared)",
        "\t\t.filter((x) => !ids.has(x.id))",
        "\t\t.map((x) => x.id);",
    ]


def test_an_assignment_whose_chain_head_does_not_fit_breaks_after_the_equals_sign() -> None:
    """`const x = head` wider than the width: Prettier's and Biome's assignment layout breaks after the `=` first and
    lays the value out one level deeper, on one line when it fits there (checked with Prettier 3.10.1 and Biome 2.2.0;
    the fresh review's F7 reduced case)."""
    long_head = "  const shortName = currentSharedRowsFromTheDatabaseWithAVeryLongNameThatGoesOnAndOnForever"
    assert wrap_long_line(long_head + ".filter((r) => r.ok).map((r) => r.id);", "  ", 80) == [
        "  const shortName =",
        "    currentSharedRowsFromTheDatabaseWithAVeryLongNameThatGoesOnAndOnForever",
        "      .filter((r) => r.ok)",
        "      .map((r) => r.id);",
    ]
    long_name = "    const organizationMembershipIdentifiersToDeleteFromTheSharedList = currentSharedRows"
    assert wrap_long_line(long_name + ".filter((r) => r.ok).map((r) => r.id);", "  ", 80) == [
        "    const organizationMembershipIdentifiersToDeleteFromTheSharedList =",
        "      currentSharedRows.filter((r) => r.ok).map((r) => r.id);",
    ]
    assert wrap_long_line(
        "\tlet ids: string[] = " + long_head.split("= ")[1] + ".map((r) => r.id).sort();", "\t", 80
    ) == [
        "\tlet ids: string[] =",
        "\t\tcurrentSharedRowsFromTheDatabaseWithAVeryLongNameThatGoesOnAndOnForever",
        "\t\t\t.map((r) => r.id)",
        "\t\t\t.sort();",
    ]
    # A head that fits stays on the declaration's line; a destructuring with defaults is left to the chain rule.
    assert wrap_long_line(
        "  const ids = rows.filter((r) => r.ok && r.visible && r.id !== current).map((r) => r.id);", "  ", 80
    ) == [
        "  const ids = rows",
        "    .filter((r) => r.ok && r.visible && r.id !== current)",
        "    .map((r) => r.id);",
    ]
    head = "  const { a = 1 } = currentSharedRowsFromTheDatabaseWithAVeryLongNameThatGoesOn"
    destructuring = head + ".filter((r) => r).map((r) => r);"
    assert wrap_long_line(destructuring, "  ", 80)[0] == head


def test_an_array_property_past_the_width_is_broken_one_name_per_line() -> None:
    line = "      target: [schema.workspaceMemberRole.workspaceId, schema.workspaceMemberRole.workspaceMemberId],"
    assert break_array_property(line, "  ", 80) == [
        "      target: [",
        "        schema.workspaceMemberRole.workspaceId,",
        "        schema.workspaceMemberRole.workspaceMemberId,",
        "      ],",
    ]
    without = break_array_property(line, "  ", 80, commas=False)
    assert without[2] == "        schema.workspaceMemberRole.workspaceMemberId"
    # it fits, or an element is not a name: left alone
    assert break_array_property("  target: [t.a, t.b],", "  ", 80) == ["  target: [t.a, t.b],"]
    calls = "      target: [sql`lower(${schema.workspaceMemberRole.workspaceId})`, schema.workspaceMemberRole.id],"
    assert break_array_property(calls, "  ", 80) == [calls]


def test_a_spread_call_past_the_width_is_broken_as_the_call_is() -> None:
    # midday user-invites.ts: a DAL001 fix moves the `where` one level deeper and this line past Biome's 80 columns
    line = "            ...emails.map((email) => sql`LOWER(${userInvites.email}) = ${email}`),"
    assert break_arrow_argument(line, "  ", 80) == [
        "            ...emails.map(",
        "              (email) => sql`LOWER(${userInvites.email}) = ${email}`,",
        "            ),",
    ]
    assert break_call_arguments(
        "  ...pick(aLongArgumentName, anotherLongArgumentName, yetAnotherArgument)", "  ", 40
    ) == [
        "  ...pick(",
        "    aLongArgumentName,",
        "    anotherLongArgumentName,",
        "    yetAnotherArgument,",
        "  )",
    ]


def test_a_property_whose_value_is_a_call_on_a_template_breaks_after_its_key() -> None:
    # karakeep admin.ts under Oxfmt (80 columns): DAL006's combined select; Prettier and Biome print it the same way
    line = (
        '              value: sql<number>`count(*) filter (where ${eq(links.crawlStatus, "pending")})`.mapWith(Number),'
    )
    assert break_property_value(line, "  ", 80) == [
        "              value:",
        '                sql<number>`count(*) filter (where ${eq(links.crawlStatus, "pending")})`.mapWith(',
        "                  Number,",
        "                ),",
    ]
    fits_after_key = (
        "      totalFavoritesCount: sql<number>`count(*) filter (where ${eq(t.ok, true)})`.mapWith(Number),"
    )
    assert break_property_value(fits_after_key, "  ", 80) == [
        "      totalFavoritesCount:",
        "        sql<number>`count(*) filter (where ${eq(t.ok, true)})`.mapWith(Number),",
    ]
    # a bare template never moves off its key's line; a line that fits is left alone
    bare = '  value: sql<number>`count(*) filter (where ${eq(links.crawlStatus, "pendingpendingpending")})`,'
    assert break_property_value(bare, "  ", 80) == [bare]
    assert break_property_value("  n: sql<number>`count(*)`.mapWith(Number),", "  ", 80) == [
        "  n: sql<number>`count(*)`.mapWith(Number),"
    ]


def _values_call(source: bytes) -> Node:
    """The `.values(…)` call of a snippet."""
    for node in walk(parse_bytes(source).root_node):
        member = node.child_by_field_name("function") if node.type == "call_expression" else None
        prop = member.child_by_field_name("property") if member is not None else None
        if prop is not None and prop.text == b"values":
            return node
    raise AssertionError("no .values( call")


@pytest.mark.parametrize(
    ("source", "tail", "expected"),
    [
        (  # the tail's `.returning({ id: t.id })` keeps its spaces; it goes on a line of its own
            b"  const [row] = await db.insert(t).values({\n    a,\n  }).returning({ id: t.id });\n",
            ".returning({ id: t.id });",
            "await db\n    .insert(t)\n    .values({\n      a,\n    })\n    .onConflictDoNothing()\n"
            "    .returning({ id: t.id });",
        ),
        (  # something other than calls follows the chain: left as it is
            b"  const [row] = await db.insert(t).values({\n    a,\n  }) as Row[];\n",
            " as Row[];",
            None,
        ),
        (  # the object is on one line: nothing breaks, the formatters print the chain as it fits
            b"  const [row] = await db.insert(t).values({ a });\n",
            ";",
            None,
        ),
    ],
)
def test_a_hugged_insert_given_more_calls_is_broken_before_each(source, tail, expected) -> None:  # type: ignore[no-untyped-def]
    values = _values_call(source)
    start = source.index(b"await")
    style = SourceStyle("\n", "  ", '"', True, 80, 2, "prettier")
    assert expanded_chain(source, start, values, ["onConflictDoNothing()"], tail, "  const [row] = ", style) == expected
    unknown = SourceStyle("\n", "  ", '"', True, 80, 2, None)
    assert expanded_chain(source, start, values, ["onConflictDoNothing()"], tail, "  const [row] = ", unknown) is None


KAN_CONFIG = """import { fileURLToPath } from "url";

/** @type { import("prettier").Config } */
const config = {
  plugins: ["@ianvs/prettier-plugin-sort-imports", "prettier-plugin-tailwindcss"],
  tailwindConfig: fileURLToPath(new URL("../../tooling/tailwind/web.ts", import.meta.url)),
  importOrder: ["<TYPES>", "^[../]", "^[./]"],
  overrides: [{ files: "*.json.hbs", options: { parser: "json" } }],
};

export default config;
"""


@pytest.mark.parametrize(
    ("config", "settings"),
    [
        (KAN_CONFIG, FormatterSettings(80, 2, "prettier")),  # plugins and import order only: Prettier's defaults
        ("module.exports = {\n  printWidth: 120,\n};\n", FormatterSettings(120, 2, "prettier")),
        ('import base from "@acme/base";\nexport default { ...base, semi: false };\n',
         FormatterSettings(DEFAULT_PRINT_WIDTH, 2, None)),  # taken from elsewhere: unknown
        ('import base from "@acme/base";\nexport default base;\n', FormatterSettings(DEFAULT_PRINT_WIDTH, 2, None)),
    ],
)  # fmt: skip
def test_a_shared_prettier_package_of_the_workspace_is_read(config, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # kan: every package's package.json says `"prettier": "@kan/prettier-config"`, a workspace package in tooling/
    (tmp_path / ".git").mkdir()
    shared = tmp_path / "tooling" / "prettier"
    shared.mkdir(parents=True)
    (shared / "package.json").write_text('{ "name": "@acme/prettier-config", "exports": { ".": "./index.js" } }')
    (shared / "index.js").write_text(config, encoding="utf-8")
    package = tmp_path / "packages" / "db"
    (package / "src").mkdir(parents=True)
    (package / "package.json").write_text('{ "name": "@acme/db", "prettier": "@acme/prettier-config" }')
    assert formatter_settings_for(package / "src" / "schema.ts") == settings


def test_a_call_of_a_name_with_one_call_on_it_breaks_the_last_call() -> None:
    # kan labels.ts: a column moved one level deeper by DAL010's third `pgTable` argument, now past 80 columns
    line = '    importId: bigint("importId", { mode: "number" }).references(() => imports.id),'
    assert break_arrow_argument(line, "  ", 80) == [
        '    importId: bigint("importId", { mode: "number" }).references(',
        "      () => imports.id,",
        "    ),",
    ]
    # a chain on a member (`this.db…`) is broken before its calls by the formatters, not here
    chain = "    const rows = await this.db.select().from(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb);"
    assert break_call_arguments(chain, "  ", 80) == [chain]
