"""glue-wf stages / promote / approve --stage: the errors a person meets before any AWS call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("GLUE_WF_HOME", str(tmp_path / "home"))

    def invoke(toml: str, *args: str) -> Any:
        (tmp_path / "glue-wf.toml").write_text(toml)
        return CliRunner().invoke(
            cli, [*args[:1], "--target", "local", "--project", str(tmp_path), *args[1:]]
        )

    return invoke


def test_no_stages_declared(run: Any) -> None:
    listed = run("", "stages")
    assert listed.exit_code == 0, listed.output
    assert listed.output == "no stages: declare them as [stages.<name>] tables in glue-wf.toml\n"
    refused = run("", "promote", "churn-xgb/1", "--to", "prod")
    assert refused.exit_code == 1
    assert str(refused.exception).startswith("unknown stage 'prod': ")
    assert "declares no stages; add a [stages.prod] table" in str(refused.exception)


def test_unknown_stage_and_bad_sample(run: Any, tmp_path: Path) -> None:
    toml = '[stages.dev]\nendpoint = "churn-dev"\n'
    unknown = run(toml, "approve", "--stage", "prod", "churn-xgb/1")
    assert unknown.exit_code == 1
    assert str(unknown.exception) == (
        "unknown stage 'prod': "
        f"{tmp_path / 'glue-wf.toml'} declares dev; add [stages.prod] or use one of those"
    )
    none = run(toml, "approve", "--stage", "dev", "churn-xgb/1")
    assert none.exit_code == 1
    assert "ModelPackageGroup" in str(none.exception)
    assert "does not exist" in str(none.exception)
    missing = run(toml, "promote", "churn-xgb/1", "--to", "dev", "--sample", "nope.csv")
    assert str(missing.exception) == "promote: --sample 'nope.csv' is not a file"
    (tmp_path / "empty.csv").write_text("\n")
    empty = run(
        toml, "promote", "churn-xgb/1", "--to", "dev", "--sample", str(tmp_path / "empty.csv")
    )
    assert (
        str(empty.exception) == f"promote: --sample {str(tmp_path / 'empty.csv')!r} holds no rows"
    )
    bad = run('[stages.dev]\nendpoint = "churn_dev"\n', "stages")
    assert bad.exit_code == 1
    assert "[stages.dev] endpoint 'churn_dev' is not a valid SageMaker endpoint name" in str(
        bad.exception
    )


def test_a_stage_on_the_pipelines_own_endpoint_is_refused_before_any_change(
    run: Any, tmp_path: Path
) -> None:
    """validate's stage-endpoint rule holds for promote too: it would take the endpoint
    the workflow's deploy node serves, and the next run would replace the promotion."""
    definition = Path(__file__).resolve().parents[2] / "triggers" / "churn_pipeline.py"
    toml = f'[workflow]\ndefinition = "{definition}"\n[stages.qa]\nendpoint = "churn-xgb"\n'
    refused = run(toml, "promote", "churn-xgb/1", "--to", "qa")
    assert refused.exit_code == 1
    assert str(refused.exception) == (
        f"promote: {tmp_path / 'glue-wf.toml'} [stages.qa] endpoint 'churn-xgb' is the "
        "endpoint workflow 'churn-pipeline' deploys each run to (default run property "
        "endpoint_name): every run would replace what was promoted to this stage, without "
        "its smoke test or approval; give the stage an endpoint of its own, e.g. endpoint = "
        '"churn-xgb-qa"'
    )
