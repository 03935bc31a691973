"""glue-wf init: the project templates, offline (the runs are in test_product_e2e.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli
from glue_workflow.errors import ConfigError
from glue_workflow.scaffold import init_project, workflow_name

ROOT = Path(__file__).resolve().parents[2]


def test_ml_template_writes_a_complete_project(tmp_path: Path) -> None:
    made = init_project(tmp_path / "My Churn", "ml")
    assert made.workflow == "my-churn"
    for rel in (
        "glue-wf.toml",
        ".gitignore",
        "triggers/pipeline.py",
        "jobs/preprocess.py",
        "jobs/train.py",
        "jobs/evaluate.py",
        "jobs/register.py",
        "jobs/deploy.py",
        "jobs/reject.py",
        "jobs/evaluation/evaluate_model.py",
        "jobs/datasets/churn.json",
        "infra/template.yaml",
        "tests/test_pipeline.py",
        "data/churn.csv",
    ):
        assert rel in made.files, rel
        assert (made.root / rel).is_file(), rel
    # The job scripts are glue-wf's own, verbatim; the gate is not copied (it ships inside).
    assert (made.root / "jobs/train.py").read_bytes() == (ROOT / "jobs/train.py").read_bytes()
    assert not (made.root / "jobs/gate.py").exists()
    definition = (made.root / "triggers/pipeline.py").read_text()
    assert 'name="my-churn"' in definition
    assert "{{" not in definition
    for rel in made.files:
        if rel.endswith(".py"):
            ast.parse((made.root / rel).read_text(), filename=rel)
    header = (made.root / "data/churn.csv").read_text().splitlines()[0]
    assert "Churn" in header.split(",")


def test_minimal_template_has_two_jobs_and_a_failure_branch(tmp_path: Path) -> None:
    made = init_project(tmp_path / "hello", "minimal")
    assert sorted(f for f in made.files if f.startswith("jobs/")) == [
        "jobs/count.py",
        "jobs/on_failure.py",
        "jobs/report.py",
    ]
    assert made.sample_data is None


@pytest.mark.parametrize("template", ["ml", "minimal"])
def test_generated_project_validates(tmp_path: Path, template: str) -> None:
    project = tmp_path / "proj"
    init_project(project, template)
    result = CliRunner().invoke(cli, ["validate", "--project", str(project)])
    assert result.exit_code == 0, result.output


def test_init_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError) as caught:
        init_project(tmp_path / "taken", "ml")
    assert str(caught.value) == (
        f"{tmp_path / 'taken'} exists and is not an empty directory: glue-wf init writes a "
        "new project; choose a new directory name"
    )
    assert sorted(p.name for p in (tmp_path / "taken").iterdir()) == ["notes.txt"]


def test_init_rejects_an_unknown_template(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "p"), "--template", "big"])
    assert result.exit_code == 2
    assert "'big' is not one of 'ml', 'minimal'" in result.output


def test_workflow_name_from_the_directory() -> None:
    assert workflow_name(Path("/x/Fraud Model v2")) == "fraud-model-v2"
    assert workflow_name(Path("/x/___")) == "pipeline"


def test_plain_pytest_in_a_new_project_imports_its_definition(tmp_path: Path) -> None:
    """docs/testing.md's scenario tests import the definition by module path: a new
    project's pytest.ini makes its root importable, as `glue-wf test` does."""
    import os
    import subprocess
    import sys

    project = init_project(tmp_path / "shop", "ml").root
    (project / "tests" / "test_scenarios.py").write_text(
        "from glue_workflow.testing import rejects, run_scenario\n"
        "from triggers.pipeline import workflow\n\n\n"
        "def test_rejected_model_is_not_deployed():\n"
        '    result = run_scenario(workflow, {"gate": rejects("min_accuracy", "low")})\n'
        '    result.assert_not_ran("register", "deploy")\n'
    )
    done = subprocess.run(
        # the pytest command, not python -m pytest (which puts the working directory first)
        [
            Path(sys.executable).with_name("pytest"),
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_scenarios.py",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
