"""``glue-wf --help`` groups the commands; every command is listed exactly once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from glue_workflow.cli import SECTIONS, cli

ROOT = str(Path(__file__).resolve().parents[2])


def test_help_lists_commands_by_section() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    titles = [line for line in result.output.splitlines() if line.endswith(":")]
    assert titles[-len(SECTIONS) :] == [f"{t}:" for t in SECTIONS]
    listed = [
        line.split()[0]
        for line in result.output.split(f"{next(iter(SECTIONS))}:", 1)[1].splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    ]
    assert sorted(listed) == sorted(cli.commands)
    assert "Other:" not in result.output  # every command has its section


def test_region_option_wins_over_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    result = CliRunner().invoke(cli, ["compile", "--region", "eu-west-1", "--project", ROOT])
    assert result.exit_code == 0, result.output
    assert "dkr.ecr.eu-west-1.amazonaws.com" in result.output
    assert "dkr.ecr.us-east-1" not in result.output


def test_profile_and_endpoint_url_are_refused_on_the_local_target() -> None:
    result = CliRunner().invoke(cli, ["status", "--target", "local", "--profile", "dev"])
    assert result.exit_code == 2
    assert "--profile applies to --target aws only: the local target never reaches AWS" in (
        result.output
    )


def test_target_options_reach_the_aws_settings(monkeypatch: Any) -> None:
    from glue_workflow.cli import common

    seen = {}

    @common.with_settings
    def probe(settings: Any) -> None:
        seen["settings"] = settings

    import click

    command = click.command("probe")(probe)
    result = CliRunner().invoke(
        command,
        ["--target", "aws", "--project", ROOT, "--region", "eu-central-1", "--profile", "dev",
         "--endpoint-url", "http://127.0.0.1:5000"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    settings = seen["settings"]
    assert (settings.region, settings.profile, settings.endpoint_url) == (
        "eu-central-1",
        "dev",
        "http://127.0.0.1:5000",
    )


@pytest.mark.parametrize(
    ("args", "status", "stream", "text"),
    [
        (["--help"], 0, "stdout", "Usage: glue-wf"),
        (["no-such-command"], 2, "stderr", "No such command 'no-such-command'"),
        (["status", "--target", "nowhere"], 2, "stderr", "'nowhere' is not one of"),
    ],
)
def test_the_console_script_exits_with_mains_status_and_output(
    args: list[str], status: int, stream: str, text: str
) -> None:
    """``run`` skips the interpreter's teardown: the status and output must be main's."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv[0] = 'glue-wf'; from glue_workflow.cli import run; run()",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == status, result.stderr
    assert text in getattr(result, stream)
