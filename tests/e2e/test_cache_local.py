"""Step caching and --rerun-from on the shipped pipeline, locally, through the real CLI.

One deployed project, in order: a first run (every cached node runs); an unchanged
second run (every cached node served, status says "cached (from run 1)"); a
``--rerun-from evaluate`` of run 1 (preprocess and train reused, evaluate and what
follows forced to run); ``cache explain``, ``cache list`` and ``cache clear``.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHURN_CSV = PROJECT_ROOT.parent / "shared" / "data" / "churn_processed.csv"
GLUE_WF = str(Path(sys.executable).parent / "glue-wf")
WORKFLOW = "churn-pipeline"
CACHED = ("preprocess", "train", "evaluate", "register", "deploy")


def test_cache_and_rerun_from_on_the_shipped_pipeline(tmp_path: Path) -> None:
    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings

    env = {**os.environ, "GLUE_WF_HOME": str(tmp_path / "home"), "GLUE_WF_TARGET": "local"}
    settings = load_settings(PROJECT_ROOT, target="local", env=env)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [GLUE_WF, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600
        )

    def decisions(run_id: str) -> dict[str, dict[str, Any]]:
        props = glue.get_workflow_run_properties(Name=WORKFLOW, RunId=run_id)["RunProperties"]
        return {
            node: json.loads(props[f"glue_wf_cache_{node}"])
            for node in (*CACHED, "gate")
            if f"glue_wf_cache_{node}" in props
        }

    s3 = client(settings, "s3")
    glue = client(settings, "glue")
    with contextlib.suppress(Exception):
        s3.create_bucket(Bucket=settings.bucket)
    s3.upload_file(str(CHURN_CSV), settings.bucket, "data/churn.csv")
    try:
        assert cli("deploy").returncode == 0
        first = cli("run", "--wait", "-p", "num_round=20")
        assert first.returncode == 0, first.stdout + first.stderr
        run1 = first.stdout.split()[0]
        assert {n: d["decision"] for n, d in decisions(run1).items()} == dict.fromkeys(
            CACHED, "ran"
        )
        assert decisions(run1)["train"]["why"] == "no earlier entry"

        second = cli("run", "--wait", "-p", "num_round=20")
        assert second.returncode == 0, second.stdout + second.stderr
        run2 = second.stdout.split()[0]
        assert all(d["decision"] == "cached" and d["run"] == run1 for d in decisions(run2).values())
        status = cli("status", run2)
        assert f"cache train: cached (from run {run1})" in status.stdout
        assert f"cache train: cached (from run {run1})" in second.stdout  # run --wait
        props1 = glue.get_workflow_run_properties(Name=WORKFLOW, RunId=run1)["RunProperties"]
        props2 = glue.get_workflow_run_properties(Name=WORKFLOW, RunId=run2)["RunProperties"]
        # The original SageMaker training job is reused, not recreated.
        assert props2["training_job_name"] == props1["training_job_name"]

        rerun = cli("run", "--wait", "--rerun-from", "evaluate", "--of", run1)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert f"reusing preprocess, train from run {run1}" in rerun.stderr
        run3 = rerun.stdout.split()[0]
        found = decisions(run3)
        assert found["preprocess"]["decision"] == found["train"]["decision"] == "reused"
        assert "gate" not in found  # not cached, downstream: it just runs
        assert found["evaluate"]["why"] == f"--rerun-from evaluate (of run {run1})"
        explained = cli("cache", "explain", "evaluate", "--run", run3)
        assert f"evaluate in run {run3}: ran: --rerun-from evaluate (of run {run1})" in (
            explained.stdout
        )

        listed = cli("cache", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        assert {e["Node"] for e in json.loads(listed.stdout)} == set(CACHED)
        cleared = cli("cache", "clear", "train")
        assert "train: 1 entry deleted" in cleared.stdout, cleared.stdout + cleared.stderr
        nosuch = cli("cache", "clear", "trian")  # no such node: not "set cache= on it"
        assert nosuch.returncode == 1
        assert "has no node 'trian' (did you mean 'train'?)" in nosuch.stderr, nosuch.stderr

        bad = cli("run", "--rerun-from", "trian")
        assert bad.returncode == 1
        assert "has no such node (did you mean 'train'?)" in bad.stderr
    finally:
        with contextlib.suppress(Exception):
            sm = client(settings, "sagemaker")
            for endpoint in sm.list_endpoints()["Endpoints"]:
                sm.delete_endpoint(EndpointName=endpoint["EndpointName"])
