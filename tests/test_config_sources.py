"""Where settings come from: dalfix.toml, [tool.dalfix] in pyproject.toml, "dalfix" in package.json, --config;
and the README's examples load."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dalfix.config import ConfigError, config_file_in, load_config, load_config_file
from dalfix.rules import select_rules
from tests.conftest import documented_example

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DAL001 = documented_example("DAL001")


def readme_block(language: str) -> str:
    section = README.split("### Configuration", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(rf"```{language}\n(.*?)```", section, re.S)
    assert len(blocks) == 1, f"one {language} example in the README's configuration section"
    return blocks[0]


def test_the_readme_dalfix_toml_example_loads_and_names_rules_that_exist(tmp_path) -> None:
    (tmp_path / "dalfix.toml").write_text(readme_block("toml"), encoding="utf-8")
    config = load_config(tmp_path)
    assert config.path == tmp_path / "dalfix.toml"
    assert config.select and config.ignore and config.db_handles == ("ctx.db",)
    select_rules(config.select, config.ignore)  # raises UnknownRule for a code that does not exist


def test_the_readme_package_json_example_loads(tmp_path) -> None:
    (tmp_path / "package.json").write_text(readme_block("json"), encoding="utf-8")
    config = load_config(tmp_path)
    assert config.path == tmp_path / "package.json"
    select_rules(config.select, config.ignore)
    assert config.ignore == ("DAL002",)


@pytest.mark.parametrize(
    ("files", "found"),
    [
        ({"pyproject.toml": '[tool.dalfix]\nignore = ["DAL001"]\n'}, "pyproject.toml"),
        ({"package.json": json.dumps({"name": "x", "dalfix": {"ignore": ["DAL001"]}})}, "package.json"),
        (
            {"dalfix.toml": 'ignore = ["DAL001"]\n', "package.json": json.dumps({"dalfix": {"ignore": ["DAL002"]}})},
            "dalfix.toml",
        ),
        ({"pyproject.toml": "[tool.ruff]\nline-length = 100\n", "package.json": '{"name": "x"}'}, None),
        ({"package.json": '{"name": "x", "description": "mentions \\"dalfix\\" only in text"}'}, None),
        ({"pyproject.toml": "not toml ["}, None),  # not ours to judge
    ],
)
def test_which_file_holds_the_settings(files, found, tmp_path) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert config_file_in(tmp_path) == (tmp_path / found if found else None)


@pytest.mark.parametrize(
    "files",
    [
        {"pyproject.toml": '[tool.dalfix]\nignore = ["DAL001"]\n'},
        {"package.json": json.dumps({"name": "app", "dalfix": {"ignore": ["DAL001"]}})},
    ],
)
def test_settings_outside_dalfix_toml_are_applied(files, run_cli, workdir) -> None:
    for name, text in files.items():
        (workdir / name).write_text(text, encoding="utf-8")
    (workdir / "src").mkdir()
    (workdir / "src" / "files.ts").write_text(DAL001.before, encoding="utf-8")
    result = run_cli("check", "src")
    assert (result.exit_code, result.stdout) == (0, "")


def test_config_flag_replaces_the_projects_settings(run_cli, workdir) -> None:
    (workdir / "dalfix.toml").write_text('ignore = ["DAL001"]\n', encoding="utf-8")
    (workdir / "strict.toml").write_text('select = ["DAL001"]\n', encoding="utf-8")
    (workdir / "files.ts").write_text(DAL001.before, encoding="utf-8")
    assert run_cli("check", "files.ts").exit_code == 0
    assert run_cli("check", "--config", "strict.toml", "files.ts").exit_code == 1


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pyproject.toml", "[tool.ruff]\n", "no dalfix settings (a [tool.dalfix] table)"),
        ("package.json", '{"name": "x"}', 'no dalfix settings (a "dalfix" key)'),
        ("package.json", '{"dalfix": ["DAL001"]}', "must be a table / an object"),
        ("dalfix.toml", "select = [", "dalfix.toml"),
        ("dalfix.toml", 'colour = "red"\n', "unknown keys colour"),
    ],
)
def test_a_bad_config_file_is_a_clear_error(name, text, message, tmp_path) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config_file(path)


def test_a_bad_config_flag_exits_2_naming_the_file(run_cli, workdir) -> None:
    (workdir / "pyproject.toml").write_text("[tool.ruff]\n", encoding="utf-8")
    (workdir / "files.ts").write_text(DAL001.before, encoding="utf-8")
    result = run_cli("check", "--config", "pyproject.toml", "files.ts")
    assert result.exit_code == 2 and "pyproject.toml: no dalfix settings" in result.stderr
