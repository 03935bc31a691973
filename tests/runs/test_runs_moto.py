"""run / status / runs / stop through the CLI on the aws target, against moto in-process.

moto starts runs but never executes them (status stays RUNNING, no graph) and has no
ResumeWorkflowRun: resume and verdicts are covered with Stubber (test_control.py)
and on the local engine (test_runs_local.py).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner
from moto import mock_aws
from motofill import MotoGlue
from rich.console import Console
from rungraphs import HAPPY, WF, run_answer
from wfdocs import ROLE

from glue_workflow.cli import cli
from glue_workflow.errors import GlueWfError
from glue_workflow.runs import control, follow_view

SM_ROLE = ROLE.replace("glue-job", "sagemaker")


def invoke(project: Path, *args: str, code: int = 0) -> tuple[str, str]:
    result = CliRunner().invoke(cli, [*args, "--project", str(project)])
    output, exit_code = result.output, result.exit_code
    if isinstance(result.exception, GlueWfError):
        output += f"error: {result.exception}\n"
        exit_code = 1
    assert exit_code == code, output
    return result.stdout, output


def test_run_status_runs_stop_on_moto(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "glue-wf.toml").write_text(
        '[target]\ndefault = "aws"\n[target.aws]\nregion = "eu-west-1"\nbucket = "b"\n'
        f'glue_role_arn = "{ROLE}"\nsagemaker_role_arn = "{SM_ROLE}"\n'
    )
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    with mock_aws():
        hooks = MotoGlue(region="eu-west-1")
        monkeypatch.setattr("glue_workflow.aws.clients.session_for", lambda _s: hooks.session())
        glue = boto3.client("glue", region_name="eu-west-1")
        glue.create_workflow(Name="wf", DefaultRunProperties={"min_accuracy": "0.9"})

        stdout, output = invoke(tmp_path, "run", "--workflow", "wf", "-p", "min_accuracy=0.5",
                                "-p", "extra=1")  # fmt: skip
        run_id = stdout.strip()
        assert run_id.startswith("wr_")
        assert (
            "warning: run property 'extra' is not one of the workflow's defaults or start" in output
        )
        assert hooks.calls["glue:StartWorkflowRun"] == 1

        status = json.loads(invoke(tmp_path, "status", "--workflow", "wf", "--json")[0])
        assert (status["RunId"], status["Status"], status["Outcome"]) == (
            run_id, "RUNNING", "running")  # fmt: skip
        assert status["RunProperties"] == {"min_accuracy": "0.5", "extra": "1"}

        human = invoke(tmp_path, "status", run_id, "--workflow", "wf")[0]
        assert (
            "console: https://eu-west-1.console.aws.amazon.com/glue/home?region=eu-west-1"
            "#/v2/etl-configuration/workflows/view/wf"
        ) in human

        history = json.loads(invoke(tmp_path, "runs", "--workflow", "wf", "--json")[0])
        assert [(h["RunId"], h["Outcome"]) for h in history] == [(run_id, "running")]

        assert invoke(tmp_path, "stop", run_id, "--workflow", "wf")[0].startswith("stopping")
        assert hooks.calls["glue:StopWorkflowRun"] == 1

        _, output = invoke(tmp_path, "run", "--workflow", "wf", "-p", "db_password=x", code=1)
        assert "error: run property 'db_password' looks like a secret" in output
        _, output = invoke(tmp_path, "status", "wr_nope", "--workflow", "wf", code=1)
        assert "error: no run 'wr_nope' of workflow 'wf'" in output
        _, output = invoke(tmp_path, "stop", "wr_nope", "--workflow", "wf", code=1)
        assert output.endswith(
            "error: no run 'wr_nope' of workflow 'wf': list runs with 'glue-wf runs'\n"
        )
        _, output = invoke(tmp_path, "runs", "--workflow", "nope", code=1)
        assert output.endswith(
            "error: workflow 'nope' is not deployed on target aws: run "
            "'glue-wf deploy --target aws' first\n"
        )

        stdout, _ = invoke(tmp_path, "run", "--workflow", "wf", "--json")
        started = json.loads(stdout)
        assert set(started) == {"Workflow", "RunId", "Warnings"}
        assert (started["Workflow"], started["Warnings"]) == ("wf", [])
        assert started["RunId"].startswith("wr_")


@pytest.mark.parametrize("pair", ["noequals", "=x", " =x"])
def test_malformed_property_is_a_usage_error(tmp_path: Path, pair: str) -> None:
    _, output = invoke(tmp_path, "run", "--workflow", "wf", "-p", pair, code=2)
    assert (
        f"Invalid value for '-p' / '--property': {pair!r} is not KEY=VALUE with a non-empty "
        "KEY (e.g. -p min_accuracy=0.8)"
    ) in output


def test_live_table_on_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "glue-wf.toml").write_text('[target]\ndefault = "aws"\n')
    from glue_workflow.config import load_settings

    answers = [run_answer({"preprocess": "RUNNING"}, status="RUNNING"), run_answer(HAPPY)]

    class FakeApi:
        def run(self, name: str, run_id: str) -> dict[str, object]:
            return answers.pop(0)

    target = control.RunTarget(settings=load_settings(tmp_path), workflow=WF,
                               glue=FakeApi())  # type: ignore[arg-type]  # fmt: skip
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160)
    poll = control.PollPolicy(first=0.0, sleep=lambda _s: None)
    run = follow_view.follow_live(target, "wr_1", poll=poll, console=console)
    assert run["Status"] == "COMPLETED"
    text = out.getvalue()
    assert f"{WF}-deploy" in text
    assert "SUCCEEDED" in text
