"""glue-wf validate (and deploy) parse every shipped dataset config with the ETL's own
load_contract, naming the project file instead of the uploaded S3 artifact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import etl_contract
import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli
from glue_workflow.config import load_settings
from glue_workflow.definition import build_document, validate_definition
from glue_workflow.errors import DefinitionError, Problem
from glue_workflow.model import SparkJob, Workflow
from glue_workflow.validation.dataset_configs import check_dataset_configs

CONFIG = "jobs/datasets/loans.json"
VALID = {"target": "Default", "positive_label": "yes", "negative_label": ["no", "N"]}
KNOWN = ", ".join(sorted(etl_contract.KNOWN))


def preprocess(
    files: dict[str, str], extra: tuple[str, ...] = ("jobs/etl/etl_contract.py",)
) -> Workflow:
    return Workflow(
        name="wf",
        max_concurrent_runs=1,
        nodes=(
            SparkJob(
                name="preprocess",
                script="jobs/preprocess.py",
                files=files,
                extra_py_files=extra,
            ),
        ),
    )


def problems(root: Path, text: str | bytes, key: str = "--dataset_config_uri") -> list[Problem]:
    path = root / CONFIG
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return check_dataset_configs(preprocess({key: CONFIG}), root)


def test_an_unknown_key_is_named_with_the_local_path(tmp_path: Path) -> None:
    found = problems(tmp_path, json.dumps({**VALID, "catagorical": ["State"]}))
    assert found == [
        Problem(
            where=f"node 'preprocess' ({CONFIG})",
            rule="dataset-config",
            # load_contract's own message
            message=f"dataset config {CONFIG}: unknown key(s) catagorical (did you mean "
            f"'categorical'?); known: {KNOWN}",
        )
    ]
    assert str(found[0]) == (
        f"node 'preprocess' ({CONFIG}): dataset config {CONFIG}: unknown key(s) catagorical "
        f"(did you mean 'categorical'?); known: {KNOWN} [dataset-config]"
    )


def test_invalid_json_is_a_problem(tmp_path: Path) -> None:
    found = problems(tmp_path, '{"target": "Default"')
    assert [(p.where, p.rule, p.message) for p in found] == [
        (
            f"node 'preprocess' ({CONFIG})",
            "dataset-config",
            f"dataset config {CONFIG} is not valid JSON: Expecting ',' delimiter: line 1 "
            "column 21 (char 20)",
        )
    ]


def test_a_config_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, '{"target": "D\xe9faut"}'.encode("latin-1"))
    assert found.message.startswith(f"dataset config {CONFIG} is not UTF-8 text (")
    assert found.message.endswith("): save it as UTF-8")


def test_a_valid_config_has_no_problem(tmp_path: Path) -> None:
    assert problems(tmp_path, json.dumps(VALID)) == []


def test_only_the_etls_contract_argument_is_parsed(tmp_path: Path) -> None:
    # another argument's file is not parsed; the missing --dataset_config_uri is named
    assert problems(tmp_path, "not json", key="--other_config_uri") == [
        Problem(
            where="node 'preprocess'",
            rule="dataset-config",
            message="ships the ETL's contract module but gives no --dataset_config_uri: the "
            "job would fail at its start; add files={'--dataset_config_uri': "
            "'jobs/datasets/<name>.json'}",
        )
    ]
    assert [p.message[:71] for p in problems(tmp_path, "{}", key="--dataset_config")] == [
        "ships the ETL's contract module but gives no --dataset_config_uri ('--d"
    ]
    # a missing file is artifacts.missing_files' problem ("file-missing"), not this one
    assert check_dataset_configs(preprocess({"--dataset_config_uri": "nope.json"}), tmp_path) == []


def test_validate_and_deploy_refuse_a_broken_config(tmp_path: Path, make_project: Any) -> None:
    project = make_project(tmp_path / "p")
    config = project / "jobs" / "datasets" / "churn.json"
    config.write_text(json.dumps({"target": "Churn", "positive_label": "True"}))
    message = (
        "dataset config jobs/datasets/churn.json: 'negative_label' is required (a label or "
        "a list): values that are neither positive nor negative labels are counted as "
        "unknown_label"
    )
    _, found = validate_definition(load_settings(project))
    assert [str(p) for p in found] == [
        f"node 'preprocess' (jobs/datasets/churn.json): {message} [dataset-config]"
    ]

    result = CliRunner().invoke(cli, ["validate", "--json", "--project", str(project)])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["Problems"] == [
        {
            "Severity": "error",
            "Where": "node 'preprocess' (jobs/datasets/churn.json)",
            "Rule": "dataset-config",
            "Message": message,
        }
    ]

    # deploy, plan and compile build the document: refused before any AWS call or upload
    with pytest.raises(DefinitionError) as caught:
        build_document(load_settings(project, env={"GLUE_WF_HOME": str(tmp_path / "home")}))
    assert str(caught.value) == (
        f"node 'preprocess' (jobs/datasets/churn.json): {message} [dataset-config]"
    )
    assert not (tmp_path / "home").exists()


def test_a_job_without_the_etl_s_contract_module_keeps_its_own_format(tmp_path: Path) -> None:
    path = tmp_path / CONFIG
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"my_own": "format"}))
    workflow = preprocess({"--dataset_config_uri": CONFIG}, extra=())
    assert check_dataset_configs(workflow, tmp_path) == []
