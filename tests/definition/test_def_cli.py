"""glue-wf validate / compile / graph through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli
from glue_workflow.errors import GlueWfError

BROKEN = """
from glue_workflow.model import PythonShellJob, Workflow, succeeded

workflow = Workflow(
    name="wf",
    max_concurrent_runs=1,
    nodes=(
        PythonShellJob(name="train", script="jobs/train.py"),
        PythonShellJob(name="evaluate", script="jobs/evaluate.py", after=succeeded("trian")),
        PythonShellJob(name="report", script="jobs/report.py", reads=["accuracy"]),
    ),
)
"""


# A construction-time problem (secret-looking default), a graph problem (typo in
# after=) and a schedule problem (every minute): all three must be reported.
THREE_KINDS = """
from glue_workflow.model import PythonShellJob, Scheduled, Workflow, succeeded

workflow = Workflow(
    name="wf",
    max_concurrent_runs=1,
    start=Scheduled(cron="cron(* * * * ? *)"),
    default_run_properties={"db_password": "x"},
    nodes=(
        PythonShellJob(name="train", script="jobs/train.py"),
        PythonShellJob(name="evaluate", script="jobs/evaluate.py", after=succeeded("trian")),
        PythonShellJob(name="report", script="jobs/report.py", max_capacity=2, timeout=0),
    ),
)
"""


def run(project: Path, *args: str) -> tuple[int, str, str]:
    """Exit code, stdout, stderr as the console script shows them (``error: ...``)."""
    result = CliRunner().invoke(cli, [*args, "--project", str(project)])
    err = result.stderr
    if isinstance(result.exception, GlueWfError):
        err += f"error: {result.exception}\n"  # what glue_workflow.cli.main prints
    elif result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, err


def test_validate_ok(project: Path) -> None:
    code, out, _ = run(project, "validate")
    assert code == 0
    assert out == "churn-pipeline: valid (7 jobs, 7 triggers: 14 nodes, 0 warnings)\n"


def test_validate_counts_the_notifier_job_notify_adds(project: Path) -> None:
    definition = project / "triggers" / "churn_pipeline.py"
    text = definition.read_text()
    start = "workflow = Workflow("
    text = text.replace(start, f"{start}\n    notify=[ToEventBridge()],", 1)
    future = "from __future__ import annotations\n"
    text = text.replace(future, future + "from glue_workflow.model import ToEventBridge\n", 1)
    definition.write_text(text)
    code, out, _ = run(project, "validate")
    assert code == 0, out
    # the notifier starts with the run: one more job, no trigger of its own
    assert out == "churn-pipeline: valid (8 jobs, 7 triggers: 15 nodes, 0 warnings)\n"
    compiled = json.loads(run(project, "compile")[1])
    assert (len(compiled["Jobs"]), len(compiled["Triggers"])) == (8, 7)


def test_validate_json(project: Path) -> None:
    code, out, _ = run(project, "validate", "--json")
    assert code == 0
    assert json.loads(out) == {"Problems": [], "Valid": True, "Workflow": "churn-pipeline"}


def test_validate_lists_every_problem(tmp_path: Path, make_project: object) -> None:
    project = make_project(tmp_path / "p", BROKEN)  # type: ignore[operator]
    code, _, err = run(project, "validate")
    assert code == 1
    assert (
        "after= of 'evaluate': refers to node 'trian', which is not in workflow 'wf' (did "
        "you mean 'train'?)" in err
    )
    assert "file 'jobs/report.py' does not exist" in err
    code, out, _ = run(project, "validate", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["Valid"] is False
    assert {p["Rule"] for p in report["Problems"]} == {"unknown-node", "file-missing"}


def test_compile_to_stdout_and_file(project: Path, tmp_path: Path) -> None:
    code, out, _ = run(project, "compile")
    assert code == 0
    document = json.loads(out)
    assert sorted(document) == ["Jobs", "Triggers", "Workflow"]
    assert len(document["Jobs"]) == 7
    target = tmp_path / "doc.json"
    code, _, err = run(project, "compile", "--out", str(target))
    assert code == 0
    assert err == f"wrote {target} (7 jobs, 7 triggers, 16 artifacts)\n"
    assert target.read_text() == out


def test_graph_formats(project: Path) -> None:
    code, out, _ = run(project, "graph", "--format", "mermaid")
    assert code == 0
    assert out.startswith("flowchart TD\n")
    assert " -. FAILED .-> " in out
    code, out, _ = run(project, "graph", "--format", "dot")
    assert code == 0
    assert out.startswith('digraph "churn-pipeline" {')
    assert (
        '"job:churn-pipeline-gate" -> "trigger:churn-pipeline-on-gate-failed" '
        '[label="FAILED", color=firebrick, style=dashed];'
    ) in out


def test_graph_usage_error(project: Path) -> None:
    code, _, err = run(project, "graph", "--format", "png")
    assert code == 2
    assert "Invalid value for '--format'" in err


def test_compile_for_aws_fills_resources_from_the_stack(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    from glue_workflow.infra import outputs

    def fake_fill(settings: Any, session: Any) -> Any:
        return dataclasses.replace(
            settings,
            bucket="stack-bucket",
            glue_role_arn="arn:aws:iam::123456789012:role/glue",
            sagemaker_role_arn="arn:aws:iam::123456789012:role/sm",
        )

    monkeypatch.setattr(outputs, "fill_from_stack", fake_fill)
    code, out, _ = run(project, "compile", "--target", "aws")
    assert code == 0
    document = json.loads(out)
    assert document["Workflow"]["DefaultRunProperties"]["input_uri"] == (
        "s3://stack-bucket/data/churn.csv"
    )


def test_graph_of_document_matches_graph_of_definition(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "doc.json"
    assert run(project, "compile", "--out", str(target))[0] == 0
    for fmt in ("mermaid", "dot"):
        from_model = run(project, "graph", "--format", fmt)[1]
        from_doc = run(project, "graph", "--format", fmt, "--document", str(target))[1]
        assert from_doc == from_model


def test_graph_of_a_broken_document(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "doc.json"
    target.write_text('{"Jobs": []}')
    code, _, err = run(project, "graph", "--document", str(target))
    assert code == 1
    assert err == (
        f'error: definition: {target} is not a compiled workflow document ({{"Workflow", "Jobs", '
        "\"Triggers\"}): KeyError: 'Workflow' [definition]\n"
    )


def test_validate_reports_construction_graph_and_schedule_problems(
    tmp_path: Path, make_project: object
) -> None:
    project = make_project(tmp_path / "p", THREE_KINDS)  # type: ignore[operator]
    code, out, err = run(project, "validate")
    assert code == 1
    assert out == ""
    for expected in (
        "Workflow 'wf': default run property 'db_password' looks like a secret",
        "after= of 'evaluate': refers to node 'trian', which is not in workflow 'wf' (did "
        "you mean 'train'?)",
        "start trigger: schedule 'cron(* * * * ? *)': fires every 1 minute(s)",
        "PythonShellJob 'report': timeout must be between 1 and 10080, got 0 [timeout-range]",
        "PythonShellJob 'report': max_capacity must be 0.0625 or 1 DPU for a Python shell "
        "job, got 2 [python-shell-capacity]",
    ):
        assert expected in err, (expected, err)


def test_validate_json_when_the_definition_does_not_load(
    tmp_path: Path, make_project: object
) -> None:
    project = make_project(tmp_path / "p", "import nosuchmodule\n")  # type: ignore[operator]
    code, out, _ = run(project, "validate", "--json")
    assert code == 1
    document = json.loads(out)
    assert document["Valid"] is False
    assert document["Workflow"] is None
    [problem] = document["Problems"]
    assert problem["Severity"] == "error"
    assert "importing workflow definition" in problem["Message"]
    assert "ModuleNotFoundError: No module named 'nosuchmodule'" in problem["Message"]


def test_validate_json_lists_construction_problems(tmp_path: Path, make_project: object) -> None:
    project = make_project(tmp_path / "p", THREE_KINDS)  # type: ignore[operator]
    code, out, _ = run(project, "validate", "--json")
    assert code == 1
    document = json.loads(out)
    assert document["Valid"] is False
    assert document["Workflow"] == "wf"
    rules = {p["Rule"] for p in document["Problems"]}
    assert {"no-secrets", "cron", "timeout-range", "python-shell-capacity"} <= rules
