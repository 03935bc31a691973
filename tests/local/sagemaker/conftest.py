"""Fixtures of the local SageMaker tests: one state directory per session, churn data
in its S3 stand-in, one trained model shared by the endpoint tests, and a teardown
that stops every endpoint server the tests started (no leaked processes)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from sm_helpers import BUCKET, channel, churn_frame, put, training_request, wait_training


@pytest.fixture(autouse=True)
def _spares_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spare endpoint servers on: one home for the session, stopped at its end."""
    monkeypatch.setenv("GLUE_WF_ENDPOINT_SPARE", "1")


@pytest.fixture(scope="session")
def sm_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from glue_workflow.local import install, uninstall

    home = tmp_path_factory.mktemp("sm") / "home"
    install(home)
    frame = churn_frame()
    cut = int(len(frame) * 0.8)
    put(
        home,
        "data/train/part-00000.csv",
        frame.iloc[:cut].to_csv(header=False, index=False).encode(),
    )
    put(
        home,
        "data/validation/part-00000.csv",
        frame.iloc[cut:].to_csv(header=False, index=False).encode(),
    )
    try:
        yield home
    finally:
        _stop_all_servers(home)
        uninstall()


def _stop_all_servers(home: Path) -> None:
    from glue_workflow.local.sagemaker import procs, spares
    from glue_workflow.local.sagemaker.common import Resources
    from glue_workflow.local.store import LocalHome

    spares.stop_all(LocalHome(home))
    resources = Resources(LocalHome(home))
    for kind in ("endpoint", "training-job", "processing-job"):
        for record in resources.all(kind):
            server = record.get("_server") or {}
            procs.terminate(server.get("pid"), server.get("token"), grace=2)
            procs.terminate(record.get("_pid"), record.get("_token"), grace=2)
    # Servers replaced by blue/green updates are stopped by the update itself; any
    # server directory left means a process the records no longer name: stop by pid.
    for ready in (home / "work" / "sagemaker" / "endpoints").glob("*/*/ready.json"):
        import json
        import os
        import signal

        pid = json.loads(ready.read_text())["pid"]
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if str(ready).encode() in cmdline:
            os.kill(pid, signal.SIGTERM)


@pytest.fixture
def sm(sm_home: Path) -> Any:
    from glue_workflow.local import install

    install(sm_home)  # idempotent; re-asserts it if another test switched homes
    return boto3.client("sagemaker", region_name="us-east-1")


@pytest.fixture
def runtime(sm_home: Path) -> Any:
    from glue_workflow.local import install

    install(sm_home)
    return boto3.client("sagemaker-runtime", region_name="us-east-1")


@pytest.fixture(scope="session")
def trained(sm_home: Path) -> dict[str, Any]:
    """One completed training job on the churn slice (shared; ~3 s)."""
    from glue_workflow.local import install

    install(sm_home)  # first requested by any test, after whatever that test installed
    sm = boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    request = training_request(
        "churn-train-shared",
        [
            channel("train", f"s3://{BUCKET}/data/train/"),
            channel("validation", f"s3://{BUCKET}/data/validation/"),
        ],
    )
    sm.create_training_job(**request)
    started = time.monotonic()
    job = wait_training(sm, "churn-train-shared")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    job["_elapsed"] = time.monotonic() - started
    return job
