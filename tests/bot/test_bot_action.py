"""The composite action: its shape, and its run script driven with a stub `dalfix` (arguments, exit codes)."""

from __future__ import annotations

import subprocess
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
    install = next(s for s in data["runs"]["steps"] if s.get("name") == "Install dalfix")
    assert '"$GITHUB_ACTION_PATH"' in install["run"]
    assert data["inputs"]["token"]["default"] == "${{ github.token }}"
    # No input is spliced into a script; they reach it through the environment.
    for step in data["runs"]["steps"]:
        assert "${{" not in step.get("run", "")


def run_step(tmp_path: Path, stub_exit: int, **env: str) -> tuple[int, list[str]]:
    calls = tmp_path / "calls"
    stub = tmp_path / "bin" / "dalfix"
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
    return done.returncode, args


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
