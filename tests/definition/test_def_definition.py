"""Loading the definition file: clear errors for every way it can go wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from glue_workflow.config import load_settings
from glue_workflow.definition import build_document, load_workflow
from glue_workflow.errors import DefinitionError


def settings_for(tmp_path: Path, make_project: Any, text: str, attribute: str = "workflow") -> Any:
    project = make_project(tmp_path / "p", text)
    (project / "glue-wf.toml").write_text(
        (project / "glue-wf.toml").read_text().replace('"workflow"', f'"{attribute}"', 1)
    )
    return load_settings(project)


def test_load_shipped_workflow(project: Path) -> None:
    workflow = load_workflow(load_settings(project))
    assert workflow.name == "churn-pipeline"
    assert workflow.node_names == (
        "preprocess",
        "train",
        "evaluate",
        "gate",
        "register",
        "deploy",
        "reject",
    )


def test_import_error_names_the_file_and_line(tmp_path: Path, make_project: Any) -> None:
    settings = settings_for(tmp_path, make_project, "x = 1\nraise ValueError('boom')\n")
    with pytest.raises(DefinitionError) as caught:
        load_workflow(settings)
    assert str(caught.value) == (
        f"definition: importing workflow definition {settings.definition} failed at line 2: "
        "ValueError: boom [definition]"
    )


def test_missing_attribute_suggests(tmp_path: Path, make_project: Any) -> None:
    text = (
        "from glue_workflow.model import PythonShellJob, Workflow\n"
        "workflw = Workflow(name='w', max_concurrent_runs=1, "
        "nodes=(PythonShellJob(name='a', script='jobs/train.py'),))\n"
    )
    settings = settings_for(tmp_path, make_project, text)
    with pytest.raises(
        DefinitionError,
        match=r"has no attribute 'workflow' \(did you mean "
        r"'workflw'\?\): set \[workflow\] attribute in glue-wf.toml",
    ):
        load_workflow(settings)


def test_wrong_type(tmp_path: Path, make_project: Any) -> None:
    settings = settings_for(tmp_path, make_project, "workflow = {'name': 'x'}\n")
    with pytest.raises(
        DefinitionError, match=r"'workflow' is a dict, not a glue_workflow\.model\.Workflow"
    ):
        load_workflow(settings)


def test_construction_error_passes_through(tmp_path: Path, make_project: Any) -> None:
    text = (
        "from glue_workflow.model import PythonShellJob\n"
        "job = PythonShellJob(name='a', script='jobs/a.py', max_capacity=2)\n"
    )
    settings = settings_for(tmp_path, make_project, text)
    with pytest.raises(DefinitionError, match=r"max_capacity must be 0\.0625 or 1 DPU"):
        load_workflow(settings)


def test_missing_definition_file(project: Path) -> None:
    (project / "triggers" / "churn_pipeline.py").unlink()
    with pytest.raises(DefinitionError, match=r"workflow definition file .* does not exist"):
        load_workflow(load_settings(project))


def test_build_document(project: Path) -> None:
    document = build_document(load_settings(project))
    assert document.name == "churn-pipeline"
    sources = {a.source for a in document.artifacts}
    assert "glue_workflow/scripts/gate.py" in sources
    assert "glue_workflow/jobkit" in sources
    uris = {a.uri for a in document.artifacts}
    assert document.job("churn-pipeline-train")["Command"]["ScriptLocation"] in uris
    assert build_document(load_settings(project)).to_json() == document.to_json()


def test_build_document_for_aws_needs_resources(project: Path) -> None:
    settings = load_settings(project, target="aws", env={})
    with pytest.raises(Exception, match="GLUE_WF_BUCKET"):
        build_document(settings)


def test_a_misspelt_keyword_names_the_one_meant(tmp_path: Path, make_project: Any) -> None:
    text = (
        "from glue_workflow.model import PythonShellJob\n"
        "job = PythonShellJob(name='a', script='jobs/a.py', max_capacty=1)\n"
    )
    settings = settings_for(tmp_path, make_project, text)
    with pytest.raises(DefinitionError) as caught:
        load_workflow(settings)
    assert str(caught.value) == (
        f"definition: importing workflow definition {settings.definition} failed at line 2: "
        "TypeError: PythonShellJob.__init__() got an unexpected keyword argument "
        "'max_capacty'; did you mean 'max_capacity'? [definition]"
    )
