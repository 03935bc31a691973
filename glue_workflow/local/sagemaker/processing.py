"""Processing jobs: Create / Describe / List / Stop, run by ``processing_worker``.

A job's container paths under ``/opt/ml/processing`` stand for a local directory
``<home>/work/sagemaker/processing/<job>/opt/ml/processing``: inputs are copied
there, the entrypoint and arguments see the rewritten paths, outputs are copied
back to S3 when the script exits 0.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path
from typing import Any

from glue_workflow.local.dispatch import LocalServiceError
from glue_workflow.local.s3paths import S3PathError, is_s3_uri, parse_s3_uri
from glue_workflow.local.sagemaker import procs
from glue_workflow.local.sagemaker.common import (
    ACTIVE_JOB,
    DEFAULT_MAX_RUNTIME_SECONDS,
    LONG_POLL_SECONDS,
    Resources,
    arn,
    await_worker,
    check_name,
    check_xgboost_image,
    listing,
    now,
    processing_job_not_found,
    public,
    start_job,
    validation,
    worker_lost,
)
from glue_workflow.local.store import LocalHome

KIND = "processing-job"
WORKER = "glue_workflow.local.sagemaker.processing_worker"
CONTAINER_ROOT = "/opt/ml/processing"
_CONTAINER_PATH = re.compile(r"(?<![\w/.-])/opt/ml/processing(?=/|$|[^\w/.-])")


def job_dir(home: LocalHome, name: str) -> Path:
    return home.work_dir / "sagemaker" / "processing" / name


def local_root(home: LocalHome, name: str) -> Path:
    """The directory standing for ``/opt/ml/processing`` in job ``name``."""
    return job_dir(home, name) / "opt" / "ml" / "processing"


def to_local(text: str, root: Path) -> str:
    """Rewrite container paths (``/opt/ml/processing/...``) inside ``text``."""
    return _CONTAINER_PATH.sub(lambda _m: str(root), text)


def log_path(logs_dir: Path, name: str) -> Path:
    return logs_dir / "sagemaker" / "ProcessingJobs" / f"{name}.log"


def _check_local_path(path: Any, where: str) -> str:
    if (
        not isinstance(path, str)
        or not (path == CONTAINER_ROOT or path.startswith(CONTAINER_ROOT + "/"))
        or ".." in path.split("/")
    ):
        raise validation(
            f"{where}: LocalPath {path!r} must be under {CONTAINER_ROOT}/ (e.g. "
            f"{CONTAINER_ROOT}/input/data)"
        )
    return path


def _check_s3(uri: Any, where: str) -> None:
    try:
        if not isinstance(uri, str) or not is_s3_uri(uri):
            raise S3PathError(f"not an S3 URI: {uri!r}")
        parse_s3_uri(uri)
    except S3PathError as exc:
        raise validation(f"{where}: {exc}") from None


class Processing:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.home = resources.home

    def create(self, params: dict[str, Any]) -> dict[str, Any]:
        name = check_name(params["ProcessingJobName"], "processingJobName")
        app = params["AppSpecification"]
        check_xgboost_image(app["ImageUri"], "AppSpecification.ImageUri")
        if not app.get("ContainerEntrypoint"):
            raise validation(
                "AppSpecification.ContainerEntrypoint is required by the local target (e.g. "
                f"['python3', '{CONTAINER_ROOT}/input/code/script.py']): the XGBoost image "
                "has no processing entrypoint of its own"
            )
        cluster = params["ProcessingResources"]["ClusterConfig"]
        if cluster.get("InstanceCount", 1) != 1:
            raise LocalServiceError(
                "NotSupportedLocally",
                "ProcessingResources.ClusterConfig.InstanceCount > 1 is not supported by the "
                "glue-wf local target (one machine); use 1",
                501,
            )
        inputs = params.get("ProcessingInputs") or []
        outputs = (params.get("ProcessingOutputConfig") or {}).get("Outputs") or []
        if len(inputs) > 10 or len(outputs) > 10:
            raise validation("ProcessingInputs and ProcessingOutputConfig.Outputs: at most 10 each")
        for i, item in enumerate(inputs):
            where = f"ProcessingInputs[{i}] ({item.get('InputName')})"
            if "S3Input" not in item:
                raise LocalServiceError(
                    "NotSupportedLocally",
                    f"{where}: only S3Input is supported by the glue-wf local target "
                    "(DatasetDefinition is not)",
                    501,
                )
            _check_s3(item["S3Input"].get("S3Uri"), where)
            _check_local_path(item["S3Input"].get("LocalPath"), where)
        for i, item in enumerate(outputs):
            where = f"ProcessingOutputConfig.Outputs[{i}] ({item.get('OutputName')})"
            if "S3Output" not in item:
                raise LocalServiceError(
                    "NotSupportedLocally", f"{where}: only S3Output is supported locally", 501
                )
            _check_s3(item["S3Output"].get("S3Uri"), where)
            _check_local_path(item["S3Output"].get("LocalPath"), where)
        created = now()
        record: dict[str, Any] = {
            "ProcessingJobName": name,
            "ProcessingJobArn": arn("processing-job", name),
            "ProcessingJobStatus": "InProgress",
            "ProcessingInputs": inputs,
            "ProcessingResources": params["ProcessingResources"],
            "StoppingCondition": params.get("StoppingCondition")
            or {"MaxRuntimeInSeconds": DEFAULT_MAX_RUNTIME_SECONDS},
            "AppSpecification": app,
            "Environment": params.get("Environment") or {},
            "RoleArn": params["RoleArn"],
            "CreationTime": created,
            "LastModifiedTime": created,
            "_token": procs.new_token(),
            "_pid": None,
            "_log": str(log_path(self.home.logs_dir, name)),
        }
        if "ProcessingOutputConfig" in params:
            record["ProcessingOutputConfig"] = params["ProcessingOutputConfig"]
        start_job(self.resources, KIND, name, record, worker=WORKER)
        return {"ProcessingJobArn": record["ProcessingJobArn"]}

    def _settle(self, name: str) -> dict[str, Any] | None:
        record = self.resources.get(KIND, name)
        if record is None or not worker_lost(record, "ProcessingJobStatus"):
            return record

        def fail(current: dict[str, Any]) -> dict[str, Any] | None:
            if current["ProcessingJobStatus"] not in ACTIVE_JOB:
                return None
            reason = (
                "AlgorithmError: the local processing process exited unexpectedly (killed, "
                f"or the machine restarted); log {current['_log']}"
            )
            at = now()
            current.update(
                ProcessingJobStatus="Failed",
                FailureReason=reason,
                ProcessingEndTime=at,
                LastModifiedTime=at,
            )
            return current

        return self.resources.update(KIND, name, fail)

    def describe(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ProcessingJobName"]
        record = self._settle(name)
        if record is not None and record["ProcessingJobStatus"] in ACTIVE_JOB:
            await_worker(record, "ProcessingJobStatus", LONG_POLL_SECONDS)
            record = self._settle(name)  # as it is now: ended, or still running
        if record is None:
            raise processing_job_not_found(name)
        return public(record)

    def stop(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ProcessingJobName"]
        record = self._settle(name)
        if record is None:
            raise processing_job_not_found(name)
        if record["ProcessingJobStatus"] != "InProgress":
            raise validation(
                f"The request was rejected because the processing job is in status "
                f"{record['ProcessingJobStatus']}."
            )

        def stopping(current: dict[str, Any]) -> dict[str, Any] | None:
            if current["ProcessingJobStatus"] != "InProgress":
                return None
            current.update(ProcessingJobStatus="Stopping", LastModifiedTime=now())
            return current

        self.resources.update(KIND, name, stopping)
        if procs.alive(record["_pid"], record["_token"]):
            os.kill(record["_pid"], signal.SIGTERM)
        return {}

    def list(self, params: dict[str, Any]) -> dict[str, Any]:
        items = [r for n in list(self.resources.names(KIND)) if (r := self._settle(n))]
        return listing(
            items,
            params,
            name_key="ProcessingJobName",
            default_order="Ascending",
            sort_keys={
                "Name": "ProcessingJobName",
                "CreationTime": "CreationTime",
                "Status": "ProcessingJobStatus",
            },
            status_key="ProcessingJobStatus",
            result_key="ProcessingJobSummaries",
            fields=(
                "ProcessingJobName",
                "ProcessingJobArn",
                "CreationTime",
                "ProcessingEndTime",
                "LastModifiedTime",
                "ProcessingJobStatus",
                "FailureReason",
                "ExitMessage",
            ),
        )
