"""Background process of one training job: ``python -m ... <home> <job> --token T``.

Does what the built-in XGBoost algorithm does in its container: validates the
hyperparameters, reads the ``train`` (and optional ``validation``) channel, trains
with ``xgboost.train``, logs one line per round, saves ``xgboost-model`` with
``Booster.save_model`` and uploads ``<S3OutputPath>/<job>/output/model.tar.gz``.
Every outcome is written to the job's record; the reason of a failure is the
FailureReason (``ClientError:`` for bad input, ``AlgorithmError:`` otherwise).
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import sys
import tarfile
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

from glue_workflow.local.s3paths import uri_to_path
from glue_workflow.local.sagemaker import (
    channels,
    hyperparameters,
    spares,
    training_hosts,
    xgb_input,
)
from glue_workflow.local.sagemaker.common import DEFAULT_MAX_RUNTIME_SECONDS, Resources, now
from glue_workflow.local.sagemaker.training import KIND, transition
from glue_workflow.local.store import LocalHome

MODEL_FILE = "xgboost-model"
KNOWN_CHANNELS = ("train", "validation")


class _ClientError(Exception):
    """Bad input: becomes ``ClientError: <message>``."""


class _AlgorithmError(Exception):
    """A failure of the algorithm: becomes ``AlgorithmError: <message>``."""


class _Reason(Exception):
    """A failure whose FailureReason is already complete (a host's reason)."""


class _Stop(Exception):
    """The job was stopped (StopTrainingJob) or ran past MaxRuntimeInSeconds."""

    def __init__(self, secondary: str, artifact: str | None = None) -> None:
        super().__init__(secondary)
        self.secondary = secondary
        self.artifact = artifact


class Job:
    def __init__(self, home: LocalHome, name: str) -> None:
        self.home = home
        self.name = name
        self.resources = Resources(home)
        record = self.resources.get(KIND, name)
        if record is None:
            raise SystemExit(f"training job {name!r} not found in {home.db_path}")
        self.record = record
        self.stop_requested = False
        self.deadline = time.monotonic() + int(
            record["StoppingCondition"].get("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME_SECONDS)
        )

    def set_status(self, secondary: str, **fields: Any) -> None:
        def change(current: dict[str, Any]) -> dict[str, Any]:
            if current["TrainingJobStatus"] == "Stopping":  # stopped before SIGTERM was wired
                self.stop_requested = True
            current.update(fields)
            transition(current, secondary, fields.get("FailureReason"))
            return current

        updated = self.resources.update(KIND, self.name, change)
        if updated is not None:
            self.record = updated

    def check_stop(self) -> None:
        if self.stop_requested:
            raise _Stop("Stopped")
        if time.monotonic() > self.deadline:
            raise _Stop("MaxRuntimeExceeded")

    def run(self) -> int:
        started = now()
        try:
            # _ready: SIGTERM is handled from now on (see Training.stop).
            self.set_status("Downloading", TrainingStartTime=started, _ready=True)
            self.check_stop()
            params, train, valid = self.resolve_channels()
            if self.instance_count > 1:
                self.set_status("Training")
                booster, metrics = self.train_cluster(train, valid)
            else:
                dtrain, dvalid = self.read(params, train, valid)
                self.check_stop()
                self.set_status("Training")
                booster, metrics = self.train(params, dtrain, dvalid)
            self.set_status("Uploading")
            artifact = self.upload(booster)
            end = now()
            self.finish("Completed", "Completed", end, metrics=metrics, artifact=artifact)
            print(f"Training job {self.name} completed; model at {artifact}", flush=True)
            return 0
        except _Stop as stop:
            self.finish("Stopped", stop.secondary, now(), artifact=stop.artifact)
            print(f"Training job {self.name} stopped ({stop.secondary})", flush=True)
            return 0
        except (_ClientError, hyperparameters.HyperparameterError, channels.ChannelError) as exc:
            return self.fail(f"ClientError: {exc}")
        except _AlgorithmError as exc:
            return self.fail(f"AlgorithmError: {exc}")
        except _Reason as exc:
            return self.fail(str(exc))
        except Exception as exc:
            traceback.print_exc()
            return self.fail(f"AlgorithmError: {type(exc).__name__}: {exc}")

    def fail(self, reason: str) -> int:
        print(reason, file=sys.stderr, flush=True)
        self.finish("Failed", "Failed", now(), reason=reason[:1024])
        return 1

    def finish(
        self,
        status: str,
        secondary: str,
        end: Any,
        *,
        metrics: list[dict[str, Any]] | None = None,
        artifact: str | None = None,
        reason: str | None = None,
    ) -> None:
        fields: dict[str, Any] = {"TrainingJobStatus": status, "TrainingEndTime": end}
        start = self.record.get("TrainingStartTime") or end
        seconds = max(1, int((end - start).total_seconds()))
        fields.update(TrainingTimeInSeconds=seconds, BillableTimeInSeconds=seconds)
        if metrics is not None:
            fields["FinalMetricDataList"] = metrics
        if artifact is not None:
            fields["ModelArtifacts"] = {"S3ModelArtifacts": artifact}
        if reason is not None:
            fields["FailureReason"] = reason
        self.set_status(secondary, **fields)

    @property
    def instance_count(self) -> int:
        return int(self.record["ResourceConfig"].get("InstanceCount", 1))

    @property
    def configs(self) -> dict[str, dict[str, Any]]:
        return {c["ChannelName"]: c for c in self.record.get("InputDataConfig") or []}

    def resolve_channels(
        self,
    ) -> tuple[hyperparameters.TrainingParams, channels.Channel, channels.Channel | None]:
        params = hyperparameters.parse(self.record.get("HyperParameters") or {})
        configs = self.configs
        # The container's channel validation, its order and messages
        # (sagemaker_algorithm_toolkit/channel_validation.py Channels.validate).
        if "train" not in configs:
            raise _ClientError("Missing required channel: train")
        for name, config in configs.items():
            if name not in KNOWN_CHANNELS:
                raise _ClientError(f"Extraneous channel found: {name}")
            channels.check_config(config)
        s3_root = self.home.s3_root
        train = channels.resolve(s3_root, configs["train"])
        valid = (
            channels.resolve(s3_root, configs["validation"]) if "validation" in configs else None
        )
        for channel in (train, valid):
            if channel is not None:
                print(
                    f"Reading channel {channel.name}: {len(channel.objects)} object(s) under "
                    f"{channel.uri}",
                    flush=True,
                )
        return params, train, valid

    def read(
        self,
        params: hyperparameters.TrainingParams,
        train: channels.Channel,
        valid: channels.Channel | None,
    ) -> tuple[Any, Any]:
        with tempfile.TemporaryDirectory(dir=self.home.work_dir) as scratch:
            dtrain, dvalid = xgb_input.read(
                train, valid, Path(scratch), csv_weights=params.csv_weights
            )
        print(f"Train matrix has {dtrain.num_row()} rows", flush=True)
        if dvalid is not None:
            print(f"Validation matrix has {dvalid.num_row()} rows", flush=True)
        return dtrain, dvalid

    def train_cluster(
        self, train: channels.Channel, valid: channels.Channel | None
    ) -> tuple[Any, list[dict[str, Any]]]:
        """``InstanceCount`` hosts training together (training_hosts)."""
        import xgboost as xgb

        hosts = training_hosts.plan(self.instance_count, train, valid, self.configs)
        with tempfile.TemporaryDirectory(dir=self.home.work_dir) as scratch:
            try:
                outcome = training_hosts.train_cluster(
                    hosts,
                    dict(self.record.get("HyperParameters") or {}),
                    Path(scratch),
                    should_stop=lambda: self.stop_requested or time.monotonic() > self.deadline,
                )
            except training_hosts.ClusterError as exc:
                raise _Reason(str(exc)) from None
            if outcome is None:
                # The hosts were ended mid-training: no model to save on termination.
                self.check_stop()
                raise _Stop("Stopped")
            model_path, result = outcome
            booster = xgb.Booster(model_file=str(model_path))
        return booster, self.final_metrics(result)

    @staticmethod
    def final_metrics(result: dict[str, Any]) -> list[dict[str, Any]]:
        at = now()
        metrics = [
            {"MetricName": f"{data}:{metric}", "Value": float(values[-1]), "Timestamp": at}
            for data, metric_log in result.items()
            for metric, values in metric_log.items()
        ]
        return metrics[:40]

    def train(
        self, params: hyperparameters.TrainingParams, dtrain: Any, dvalid: Any
    ) -> tuple[Any, list[dict[str, Any]]]:
        import xgboost as xgb

        job = self

        class Progress(xgb.callback.TrainingCallback):
            """Log each round like the algorithm and honour Stop / MaxRuntimeInSeconds."""

            def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:  # noqa: ARG002
                print(training_hosts.round_line(epoch, evals_log), flush=True)
                return job.stop_requested or time.monotonic() > job.deadline

        evals = training_hosts.evaluation_sets(dtrain, dvalid)
        result: dict[str, Any] = {}
        try:
            booster = training_hosts.boost(
                params, params.params, dtrain, evals=evals, callback=Progress(), result=result
            )
        except xgb.core.XGBoostError as exc:
            raise _AlgorithmError(training_hosts.train_failure(exc)) from None
        if self.stop_requested or time.monotonic() > self.deadline:
            save = self.record.get("HyperParameters", {}).get("save_model_on_termination")
            artifact = self.upload(booster) if save == "true" else None
            try:
                self.check_stop()
            except _Stop as stop:
                raise _Stop(stop.secondary, artifact) from None
        return booster, self.final_metrics(result)

    def upload(self, booster: Any) -> str:
        output = self.record["OutputDataConfig"]["S3OutputPath"].rstrip("/")
        uri = f"{output}/{self.name}/output/model.tar.gz"
        target = uri_to_path(self.home.s3_root, uri)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.home.work_dir) as scratch:
            model_path = Path(scratch) / MODEL_FILE
            with warnings.catch_warnings():
                # No extension: UBJSON, the default format, as the algorithm's container saves.
                warnings.simplefilter("ignore", UserWarning)
                booster.save_model(str(model_path))
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
                info = archive.gettarinfo(str(model_path), arcname=MODEL_FILE)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                with open(model_path, "rb") as handle:
                    archive.addfile(info, handle)
            # The S3 stand-in's temporary-file prefix: never listed as an object.
            partial = target.with_name(f".glue-wf-tmp-{os.getpid()}-{target.name}")
            partial.write_bytes(buffer.getvalue())
            partial.replace(target)
        return uri


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="training_worker")
    parser.add_argument("home")
    parser.add_argument("job")
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    job = Job(LocalHome(Path(args.home)), args.job)

    def on_term(_signum: int, _frame: Any) -> None:
        job.stop_requested = True

    signal.signal(signal.SIGTERM, on_term)
    # Library imports are part of the container's start-up, not of TrainingStartTime.
    # Training reads DMatrix files with xgboost.train (xgb_input): no pandas, and no
    # scikit-learn, which xgboost would import (with SciPy, 0.6 s) for estimators this
    # worker never builds.
    if "xgboost" not in sys.modules:  # a spare (spare_worker) has them all imported already
        sys.modules["sklearn"] = None  # type: ignore[assignment]  # import sklearn: ImportError
        import xgboost  # noqa: F401
    try:
        return job.run()
    finally:  # warm starts for the next jobs, now this one is done
        spares.ensure(job.home, "worker", when_empty=True)


if __name__ == "__main__":
    sys.exit(main())
