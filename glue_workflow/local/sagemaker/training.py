"""Training jobs: Create / Describe / List / Stop, run by ``training_worker`` processes."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from glue_workflow.local.dispatch import LocalServiceError
from glue_workflow.local.s3paths import S3PathError, is_s3_uri, parse_s3_uri
from glue_workflow.local.sagemaker import procs
from glue_workflow.local.sagemaker.channels import list_prefix
from glue_workflow.local.sagemaker.common import (
    ACTIVE_JOB,
    DEFAULT_MAX_RUNTIME_SECONDS,
    LONG_POLL_SECONDS,
    Resources,
    arn,
    await_worker,
    check_enum,
    check_name,
    check_xgboost_image,
    listing,
    now,
    public,
    region,
    start_job,
    training_job_not_found,
    validation,
    worker_lost,
)

KIND = "training-job"
WORKER = "glue_workflow.local.sagemaker.training_worker"
STATUS_MESSAGES = {
    "Starting": "Launching requested ML instances",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Stopping": "Stopping the training job",
    "Stopped": "The training job was stopped",
    "MaxRuntimeExceeded": "Training job exceeded the MaxRuntimeInSeconds provided",
}


def _check_objects_exist(s3_root: Path, channel: dict[str, Any], role: str) -> None:
    """CreateTrainingJob refuses an S3Prefix with no object under it: SageMaker's
    ValidationException as quoted in public tracebacks (e.g. kedro-org/kedro's
    SageMaker deployment guide, tfawserr matches in hashicorp/terraform-provider-aws)."""
    uri = str(((channel.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri") or "")
    if not is_s3_uri(uri):
        return
    try:
        found = list_prefix(s3_root, uri)
    except S3PathError:
        return
    if not found:
        bucket = parse_s3_uri(uri).bucket
        raise validation(
            f'No S3 objects found under S3 URL "{uri}" given in input data source. Please '
            f"ensure that the bucket exists in the selected region ({region()}), that "
            f'objects exist under that S3 prefix, and that the role "{role}" has '
            f'"s3:ListBucket" permissions on bucket "{bucket}".'
        )


def log_path(logs_dir: Path, name: str) -> Path:
    return logs_dir / "sagemaker" / "TrainingJobs" / f"{name}.log"


def transition(record: dict[str, Any], status: str, message: str | None = None) -> None:
    """Close the open secondary status and open ``status`` (AWS's transition list)."""
    at = now()
    transitions = record.setdefault("SecondaryStatusTransitions", [])
    if transitions and "EndTime" not in transitions[-1]:
        transitions[-1]["EndTime"] = at
    transitions.append(
        {
            "Status": status,
            "StartTime": at,
            "StatusMessage": message or STATUS_MESSAGES.get(status, status),
        }
    )
    record["SecondaryStatus"] = status
    record["LastModifiedTime"] = at


class Training:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources
        self.home = resources.home

    def create(self, params: dict[str, Any]) -> dict[str, Any]:
        name = check_name(params["TrainingJobName"], "trainingJobName")
        spec = params.get("AlgorithmSpecification") or {}
        if "AlgorithmName" in spec or "TrainingImage" not in spec:
            raise validation(
                "AlgorithmSpecification.TrainingImage is required by the local target (the "
                "SageMaker XGBoost image); AlgorithmName (marketplace algorithms) is not "
                "supported locally"
            )
        check_xgboost_image(spec["TrainingImage"], "AlgorithmSpecification.TrainingImage")
        mode = check_enum(
            spec.get("TrainingInputMode", "File"), "trainingInputMode", ("File", "Pipe", "FastFile")
        )
        if mode == "Pipe":
            raise LocalServiceError(
                "NotSupportedLocally",
                "TrainingInputMode Pipe is not supported by the glue-wf local target; use File",
                501,
            )
        hyper = params.get("HyperParameters") or {}
        if len(hyper) > 100:
            raise validation("HyperParameters: at most 100 entries")
        output = params["OutputDataConfig"].get("S3OutputPath", "")
        try:
            if not is_s3_uri(output):
                raise S3PathError(f"not an S3 URI: {output!r}")
            parse_s3_uri(output)
        except S3PathError as exc:
            raise validation(f"OutputDataConfig.S3OutputPath: {exc}") from None
        channels = params.get("InputDataConfig") or []
        for unsupported in ("CheckpointConfig", "TensorBoardOutputConfig", "RemoteDebugConfig"):
            if params.get(unsupported):
                raise LocalServiceError(
                    "NotSupportedLocally",
                    f"{unsupported} is not supported by the glue-wf local target",
                    501,
                )
        for item in channels:
            if (
                item.get("InputMode", "File") == "Pipe"
                or item.get("RecordWrapperType") == "RecordIO"
            ):
                raise LocalServiceError(
                    "NotSupportedLocally",
                    f"Channel {item['ChannelName']!r}: Pipe input and RecordIO wrapping are "
                    "not supported by the glue-wf local target; use File mode",
                    501,
                )
        names = [c["ChannelName"] for c in channels]
        if len(set(names)) != len(names):
            raise validation(f"InputDataConfig: channel names must be unique, got {names}")
        for item in channels:
            _check_objects_exist(self.home.s3_root, item, str(params["RoleArn"]))
        created = now()
        record: dict[str, Any] = {
            "TrainingJobName": name,
            "TrainingJobArn": arn("training-job", name),
            "TrainingJobStatus": "InProgress",
            "SecondaryStatus": "Starting",
            "HyperParameters": dict(hyper),
            "AlgorithmSpecification": {**spec, "TrainingInputMode": mode},
            "RoleArn": params["RoleArn"],
            "InputDataConfig": channels,
            "OutputDataConfig": params["OutputDataConfig"],
            "ResourceConfig": params.get("ResourceConfig")
            or {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": params.get("StoppingCondition")
            or {"MaxRuntimeInSeconds": DEFAULT_MAX_RUNTIME_SECONDS},
            "Environment": params.get("Environment") or {},
            "EnableNetworkIsolation": bool(params.get("EnableNetworkIsolation", False)),
            "EnableInterContainerTrafficEncryption": bool(
                params.get("EnableInterContainerTrafficEncryption", False)
            ),
            "EnableManagedSpotTraining": bool(params.get("EnableManagedSpotTraining", False)),
            "CreationTime": created,
            "LastModifiedTime": created,
            "SecondaryStatusTransitions": [],
            "_token": procs.new_token(),
            "_pid": None,
            "_log": str(log_path(self.home.logs_dir, name)),
            "_tags": params.get("Tags") or [],
        }
        transition(record, "Starting")
        start_job(self.resources, KIND, name, record, worker=WORKER, warm=True)
        return {"TrainingJobArn": record["TrainingJobArn"]}

    def describe(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["TrainingJobName"]
        record = self._settle(name)
        if record is not None and record["TrainingJobStatus"] in ACTIVE_JOB:
            await_worker(record, "TrainingJobStatus", LONG_POLL_SECONDS)
            record = self._settle(name)  # as it is now: ended, or still running
        if record is None:
            raise training_job_not_found()
        return public(record)

    def _settle(self, name: str) -> dict[str, Any] | None:
        """The record, marking Failed a job whose worker died (e.g. machine restart)."""
        record = self.resources.get(KIND, name)
        if record is None or not worker_lost(record, "TrainingJobStatus"):
            return record

        def fail(current: dict[str, Any]) -> dict[str, Any] | None:
            if current["TrainingJobStatus"] not in ACTIVE_JOB:
                return None  # the worker finished meanwhile
            tail = procs.log_tail(Path(current["_log"]), 600)
            reason = (
                "AlgorithmError: the local training process exited unexpectedly (killed, "
                f"or the machine restarted); log {current['_log']}" + (f": {tail}" if tail else "")
            )
            end = now()
            current.update(
                TrainingJobStatus="Failed", FailureReason=reason[:1024], TrainingEndTime=end
            )
            transition(current, "Failed", reason[:1024])
            return current

        return self.resources.update(KIND, name, fail)

    def stop(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["TrainingJobName"]
        record = self._settle(name)
        if record is None:
            raise training_job_not_found()
        if record["TrainingJobStatus"] != "InProgress":
            raise validation(
                f"The request was rejected because the training job is in status "
                f"{record['TrainingJobStatus']}."
            )

        signal_worker = False

        def stopping(current: dict[str, Any]) -> dict[str, Any] | None:
            nonlocal signal_worker
            if current["TrainingJobStatus"] != "InProgress":
                return None
            current["TrainingJobStatus"] = "Stopping"
            transition(current, "Stopping")
            # A worker not yet _ready sees Stopping in its first status update instead.
            signal_worker = bool(current.get("_ready"))
            return current

        self.resources.update(KIND, name, stopping)
        # The worker traps SIGTERM, finishes the current round and records Stopped.
        if signal_worker and procs.alive(record["_pid"], record["_token"]):
            os.kill(record["_pid"], signal.SIGTERM)
        return {}

    def list(self, params: dict[str, Any]) -> dict[str, Any]:
        items = []
        for name in list(self.resources.names(KIND)):
            record = self._settle(name)
            if record is not None:
                items.append(record)
        return listing(
            items,
            params,
            name_key="TrainingJobName",
            default_order="Ascending",
            sort_keys={
                "Name": "TrainingJobName",
                "CreationTime": "CreationTime",
                "Status": "TrainingJobStatus",
            },
            status_key="TrainingJobStatus",
            result_key="TrainingJobSummaries",
            fields=(
                "TrainingJobName",
                "TrainingJobArn",
                "CreationTime",
                "TrainingEndTime",
                "LastModifiedTime",
                "TrainingJobStatus",
                "SecondaryStatus",
            ),
        )
