"""A non-editable install works on its own: rules, templates and docs ship with it, nothing comes from the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dalfix.rules import all_rules

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PACKAGED = ("pyproject.toml", "README.md", "LICENSE", "dalfix", "transforms", "templates")


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def sh(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=clean_env(), capture_output=True, text=True, encoding="utf-8", timeout=600
    )


def can_build_without_isolation(python: Path, cwd: Path) -> bool:
    """setuptools>=68 (as pyproject requires) with a bdist_wheel command, importable by `python`."""
    probe = (
        "import importlib.util, setuptools\n"
        "major, minor = (int(p) for p in setuptools.__version__.split('.')[:2])\n"
        "wheel = (major, minor) >= (70, 1) or importlib.util.find_spec('wheel') is not None\n"
        "raise SystemExit(0 if major >= 68 and wheel else 1)\n"
    )
    return sh(python, "-c", probe, cwd=cwd).returncode == 0


def outer_site_packages() -> list[str]:
    """The site-packages directories this interpreter imports from: a venv's own, the global interpreter's, the
    user site. (`venv --system-site-packages` would give the *base* interpreter's instead, which inside a venv
    lacks dalfix's dependencies.)"""
    return [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()]


def share_site_packages(python: Path, cwd: Path) -> None:
    """Let the nested venv import this environment's packages (dalfix's dependencies, setuptools) after its own.

    A .pth file lists the directories; their own .pth files are not processed, so an editable install of dalfix
    in this environment stays invisible and the nested venv imports only the copy installed into it."""
    where = sh(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=cwd)
    assert where.returncode == 0, where.stderr
    (Path(where.stdout.strip()) / "_outer_site_packages.pth").write_text(
        "".join(p + "\n" for p in outer_site_packages()), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (importing this environment's packages for the runtime dependencies) with dalfix installed
    from a copy of the repository's package files, not editable."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    source.mkdir()
    for name in PACKAGED:
        item = REPO / name
        if item.is_dir():
            shutil.copytree(item, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif item.exists():
            shutil.copy2(item, source / name)
    venv = base / "venv"
    created = sh(sys.executable, "-m", "venv", venv, cwd=base)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    share_site_packages(python, base)
    # Offline-friendly: build with this environment's setuptools when it can; else pip fetches the build backend.
    isolation = ["--no-build-isolation"] if can_build_without_isolation(python, base) else []
    result = sh(python, "-m", "pip", "install", "--no-deps", *isolation, source, cwd=base)
    if result.returncode != 0 and not isolation and "No matching distribution found for setuptools" in result.stdout:
        pytest.skip("no local setuptools>=68 with bdist_wheel, and no index to fetch one from")
    assert result.returncode == 0, result.stdout + result.stderr
    return venv


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A working directory that is not the checkout nor inside it."""
    assert not tmp_path.resolve().is_relative_to(REPO)
    return tmp_path


def test_the_install_does_not_use_the_checkout(installed, outside) -> None:
    code = (
        "import json, dalfix, transforms, templates, dalfix.cli\n"
        "print(json.dumps([m.__file__ for m in (dalfix, transforms, templates, dalfix.cli)]))\n"
    )
    result = sh(installed / "bin" / "python", "-c", code, cwd=outside)
    assert result.returncode == 0, result.stderr
    site = (installed / "lib").resolve()
    for module_file in json.loads(result.stdout):
        assert Path(module_file).resolve().is_relative_to(site), module_file


def test_templates_ship_with_the_package(installed, outside) -> None:
    code = (
        "import json\nfrom importlib import resources\n"
        "root = resources.files('templates')\n"
        "def walk(node, prefix=''):\n"
        "    for child in node.iterdir():\n"
        "        if child.is_dir():\n"
        "            yield from walk(child, prefix + child.name + '/')\n"
        "        elif child.name.endswith('.j2'):\n"
        "            yield prefix + child.name\n"
        "print(json.dumps(sorted(walk(root))))\n"
    )
    result = sh(installed / "bin" / "python", "-c", code, cwd=outside)
    assert result.returncode == 0, result.stderr
    in_repo = sorted(p.relative_to(REPO / "templates").as_posix() for p in (REPO / "templates").rglob("*.j2"))
    assert in_repo, "the checkout has templates"
    assert json.loads(result.stdout) == in_repo


def test_installed_dalfix_lists_every_rule(installed, outside) -> None:
    result = sh(installed / "bin" / "dalfix", "rules", cwd=outside)
    assert result.returncode == 0, result.stderr
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == [rule.code for rule in all_rules()]
    assert "DAL001" in listed


def test_installed_dalfix_explains_a_rule(installed, outside, dal001) -> None:
    result = sh(installed / "bin" / "dalfix", "explain", "DAL001", cwd=outside)
    assert result.returncode == 0, result.stderr
    assert dal001.before in result.stdout and dal001.after in result.stdout


def test_installed_dalfix_fixes_the_documented_example(installed, outside, dal001) -> None:
    path = outside / "files.ts"
    path.write_text(dal001.before, encoding="utf-8")
    diff = sh(installed / "bin" / "dalfix", "diff", "files.ts", cwd=outside)
    assert diff.returncode == 1, diff.stderr
    assert diff.stdout.startswith("diff --git a/files.ts b/files.ts\n")
    added = "".join(line[1:] + "\n" for line in diff.stdout.splitlines() if line.startswith("+ "))
    assert "await Promise.all([" in added
    assert all(line in dal001.after.splitlines() for line in added.splitlines())

    apply = sh(installed / "bin" / "dalfix", "apply", "files.ts", cwd=outside)
    assert apply.returncode == 1, apply.stderr
    assert path.read_text(encoding="utf-8") == dal001.after


def test_installed_version_matches(installed, outside) -> None:
    import dalfix

    result = sh(installed / "bin" / "dalfix", "--version", cwd=outside)
    assert result.returncode == 0
    assert result.stdout.strip().endswith(dalfix.__version__)
