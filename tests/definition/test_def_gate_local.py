"""The gate on the local target: real workflow runs for a rejection and an
evaluation error, each showing its own message in the run graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from local_cli import glue_wf, node_line

DEFINITION = """
from glue_workflow.model import Gate, PythonShellJob, Workflow, failed, succeeded

metrics = PythonShellJob(name="metrics", script="jobs/metrics.py", reads=["fake_accuracy"],
                         writes=["accuracy"])
gate = Gate(name="gate", decision="q", conditions=["accuracy >= min_accuracy"],
            after=succeeded(metrics))
ship = PythonShellJob(name="ship", script="jobs/report.py", after=succeeded(gate),
                      reads=["gate_q_reason"])
reject = PythonShellJob(name="reject", script="jobs/report.py", after=failed(gate),
                        reads=["gate_q_reason"])
workflow = Workflow(name="gated", nodes=(metrics, gate, ship, reject), max_concurrent_runs=1,
                    default_run_properties={"min_accuracy": "0.9", "fake_accuracy": "0.95"})
"""
METRICS = """
from __future__ import annotations
from glue_workflow.jobkit import JobContext, run_job

def main() -> None:
    ctx = JobContext.from_argv()
    ctx.put(accuracy=ctx.require("fake_accuracy")["fake_accuracy"])

if __name__ == "__main__":
    run_job(main)
"""
REPORT = """
from __future__ import annotations
from glue_workflow.jobkit import JobContext, run_job

if __name__ == "__main__":
    run_job(lambda: print(JobContext.from_argv().require("gate_q_reason")))
"""


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("gated")
    (project / "glue-wf.toml").write_text(
        '[workflow]\ndefinition = "triggers/gated.py"\nattribute = "workflow"\n'
    )
    (project / "triggers").mkdir()
    (project / "triggers" / "gated.py").write_text(DEFINITION)
    (project / "jobs").mkdir()
    (project / "jobs" / "metrics.py").write_text(METRICS)
    (project / "jobs" / "report.py").write_text(REPORT)
    return project


@pytest.mark.e2e
def test_gate_outcomes_on_the_local_target(gated: Path) -> None:
    deployed = glue_wf(gated, "deploy")
    assert deployed.returncode == 0, deployed.stderr

    # (passing is covered in test_def_gate.py; here: the two failure outcomes)
    rejected = glue_wf(gated, "run", "--wait", "--property", "fake_accuracy=0.5")
    gate = node_line(rejected.stdout, "gated-gate")
    assert "FAILED" in gate
    assert "glue-wf job failed: gate q: rejected: accuracy = 0.5 fails" in gate
    assert "SUCCEEDED" in node_line(rejected.stdout, "gated-reject")

    broken = glue_wf(gated, "run", "--wait", "--property", "fake_accuracy=oops")
    gate = node_line(broken.stdout, "gated-gate")
    assert "FAILED" in gate
    assert "glue-wf job input error: gate q: evaluation error: metric 'accuracy'" in gate
