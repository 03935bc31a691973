"""On the local target a failing Python shell job and a failing Spark job record their
reason in glue_wf_error_<node>, and status shows it, as it does on AWS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

GLUE_WF = Path(sys.executable).with_name("glue-wf")

DEFINITION = """
from glue_workflow.model import PythonShellJob, SparkJob, Workflow, failed

etl = SparkJob(name="etl", script="jobs/etl.py", jobkit=True, number_of_workers=2)
shell = PythonShellJob(name="shell", script="jobs/shell.py", after=failed(etl))
workflow = Workflow(name="fails", nodes=(etl, shell), max_concurrent_runs=1)
"""
ETL = """
from __future__ import annotations
import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from glue_workflow.jobkit import JobFailed, run_job

def main() -> None:
    getResolvedOptions(sys.argv, ["JOB_NAME"])
    GlueContext(SparkContext.getOrCreate())
    raise JobFailed("etl: input s3://b/in.csv has no rows")

if __name__ == "__main__":
    run_job(main)
"""
SHELL = """
from __future__ import annotations
from glue_workflow.jobkit import JobContext, run_job

if __name__ == "__main__":
    run_job(lambda: JobContext.from_argv().require("train_uri"))
"""


@pytest.mark.e2e
@pytest.mark.spark
def test_failing_jobs_record_their_reason(tmp_path: Path) -> None:
    project = tmp_path
    (project / "glue-wf.toml").write_text(
        '[workflow]\ndefinition = "triggers/fails.py"\nattribute = "workflow"\n'
    )
    (project / "triggers").mkdir()
    (project / "triggers" / "fails.py").write_text(DEFINITION)
    (project / "jobs").mkdir()
    (project / "jobs" / "etl.py").write_text(ETL)
    (project / "jobs" / "shell.py").write_text(SHELL)

    def glue_wf(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(GLUE_WF), *args, "--project", str(project), "--target", "local"],
            capture_output=True, text=True, timeout=400, check=False,
        )  # fmt: skip

    assert glue_wf("deploy").returncode == 0
    waited = glue_wf("run", "--wait")
    assert waited.returncode == 1
    assert "etl FAILED: glue-wf job failed: etl: input s3://b/in.csv has no rows" in waited.stdout
    status = json.loads(glue_wf("status", "--json").stdout)
    props = status["RunProperties"]
    assert props["glue_wf_error_etl"] == "glue-wf job failed: etl: input s3://b/in.csv has no rows"
    # the node declares no reads: the job library refuses the read (the run-property contract)
    assert props["glue_wf_error_shell"] == (
        "glue-wf job failed: node 'shell' reads run property 'train_uri', which it does not "
        "declare: add 'train_uri' to reads= of node 'shell' in the workflow definition "
        "(declared reads: none)"
    )
    failures = {f["Node"]: f for f in status["Failures"]}
    assert failures["shell"]["Reason"] == props["glue_wf_error_shell"]
    assert failures["etl"]["LogFile"].endswith(".log")
    nodes = {n["Name"]: n for n in status["Nodes"]}
    assert nodes["fails-etl"]["ErrorMessage"] == props["glue_wf_error_etl"]
