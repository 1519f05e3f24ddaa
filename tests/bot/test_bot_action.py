"""The composite action: its shape, and its run script driven with a stub `dalfix` (arguments, exit codes)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ACTION = Path(__file__).resolve().parents[2] / "action.yml"


def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def bot_step() -> dict:
    return next(s for s in action()["runs"]["steps"] if "dalfix bot" in s.get("run", ""))


def test_the_action_is_composite_and_installs_dalfix() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    install = install_step()
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    assert data["inputs"]["token"]["default"] == "${{ github.token }}"
    # No input is spliced into a script; they reach it through the environment.
    for step in data["runs"]["steps"]:
        assert "${{" not in step.get("run", "")


def run_step(tmp_path: Path, stub_exit: int, **env: str) -> tuple[int, list[str]]:
    """The bot step with a stub `python` that records its arguments; returns (exit code, dalfix's arguments)."""
    calls = tmp_path / "calls"
    stub = tmp_path / "bin" / "python"
    stub.parent.mkdir(exist_ok=True)
    stub.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {calls}\nexit {stub_exit}\n')
    stub.chmod(0o755)
    defaults = {
        "DALFIX_COMMAND": "review",
        "DALFIX_PR": "7",
        "DALFIX_UNSAFE": "false",
        "DALFIX_SELECT": "",
        "DALFIX_BRANCH": "dalfix/fixes",
        "DALFIX_FAIL_ON_FINDINGS": "false",
        "DALFIX_ARGS": "",
    }
    full_env = {"PATH": f"{stub.parent}:/usr/bin:/bin", **defaults, **env}
    done = subprocess.run(
        ["bash", "-e", "-c", bot_step()["run"]], env=full_env, cwd=tmp_path, capture_output=True, text=True
    )
    args = calls.read_text().splitlines() if calls.exists() else []
    if args:
        assert args[:3] == ["-I", "-m", "dalfix"], "dalfix runs as `python -I -m dalfix` (isolated mode)"
    return done.returncode, args[3:]


def test_review_findings_do_not_fail_the_step_unless_asked(tmp_path: Path) -> None:
    code, args = run_step(tmp_path, 1)
    assert code == 0 and args == ["bot", "review", "--pr", "7", "--checkout", "."]
    assert run_step(tmp_path, 1, DALFIX_FAIL_ON_FINDINGS="true")[0] == 1
    assert run_step(tmp_path, 2)[0] == 2


def test_review_outside_pull_requests_does_nothing(tmp_path: Path) -> None:
    code, args = run_step(tmp_path, 0, DALFIX_PR="")
    assert code == 0 and args == []


def test_options_and_extra_arguments(tmp_path: Path) -> None:
    _, args = run_step(
        tmp_path, 0, DALFIX_UNSAFE="true", DALFIX_SELECT="DAL001,DAL002", DALFIX_ARGS="--bot-login github-actions[bot]"
    )
    assert args[-5:] == ["--unsafe-fixes", "--select", "DAL001,DAL002", "--bot-login", "github-actions[bot]"]


def test_fix_pr(tmp_path: Path) -> None:
    code, args = run_step(tmp_path, 0, DALFIX_COMMAND="fix-pr", DALFIX_BRANCH="bot/fixes")
    assert code == 0 and args == ["bot", "fix-pr", "--checkout", ".", "--branch", "bot/fixes"]
    assert run_step(tmp_path, 2, DALFIX_COMMAND="fix-pr")[0] == 2
    assert run_step(tmp_path, 0, DALFIX_COMMAND="nonsense")[0] == 2


# ---- a pull request's files never run in the action ----------------------------------------------------------


def install_step() -> dict:
    return next(s for s in action()["runs"]["steps"] if s.get("name") == "Install dalfix")


def test_every_python_runs_isolated() -> None:
    for step in action()["runs"]["steps"]:
        for call in re.findall(r"\bpython3?\b[^\n]*", step.get("run", "")):
            assert call.startswith(("python -I ", "python3 -I ")), f"not isolated: {call}"
    assert install_step()["working-directory"] == "${{ github.action_path }}"


@pytest.fixture
def hostile_workspace(tmp_path: Path) -> Path:
    """A pull request's checkout that adds pip/__main__.py and dalfix/__main__.py, each leaving a witness."""
    workspace = tmp_path / "workspace"
    for package in ("pip", "dalfix"):
        (workspace / package).mkdir(parents=True)
        (workspace / package / "__init__.py").write_text("")
        (workspace / package / "__main__.py").write_text(f"open({str(tmp_path / package)!r} + '.ran', 'w')\n")
    return workspace


def real_python_env(**env: str) -> dict[str, str]:
    return {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), **env}


def test_the_install_step_does_not_run_a_pip_module_from_the_workspace(hostile_workspace: Path) -> None:
    # Run where the workspace's files are most dangerous, its root; pip itself fails fast (no index).
    env = real_python_env(DALFIX_VERSION="==0.0.0.dev0", GITHUB_ACTION_PATH=str(ACTION.parent), PIP_NO_INDEX="1")
    done = subprocess.run(["bash", "-e", "-c", install_step()["run"]], env=env, cwd=hostile_workspace,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert not (hostile_workspace.parent / "pip.ran").exists(), "the workspace's pip/__main__.py ran"
    assert "No matching distribution found for dalfix==0.0.0.dev0" in done.stderr  # the real pip ran


def test_the_bot_step_does_not_run_a_dalfix_module_from_the_workspace(hostile_workspace: Path) -> None:
    pytest.importorskip("dalfix")
    env = real_python_env(
        DALFIX_COMMAND="review", DALFIX_PR="7", DALFIX_UNSAFE="false", DALFIX_SELECT="", DALFIX_BRANCH="b",
        DALFIX_FAIL_ON_FINDINGS="false", DALFIX_ARGS="", GITHUB_TOKEN="", GITHUB_REPOSITORY="acme/shop",
        PYTHONPATH=str(hostile_workspace),
    )  # fmt: skip
    done = subprocess.run(["bash", "-e", "-c", bot_step()["run"]], env=env, cwd=hostile_workspace,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert not (hostile_workspace.parent / "dalfix.ran").exists(), "the workspace's dalfix/__main__.py ran"
    assert done.returncode == 2 and "GITHUB_TOKEN is not set" in done.stdout + done.stderr  # the real dalfix ran
