"""Distributed training: ``InstanceCount > 1`` as that many host processes.

What the SageMaker XGBoost container does on a cluster (aws/sagemaker-xgboost-container,
``distributed.py`` rabit_run and ``algorithm_mode/train.py`` sagemaker_train): every
host ``algo-1 .. algo-n`` reads its own copy of each channel, a host that got no
training data leaves the cluster ("Host algo-3 not being used for distributed
training."), the others train together through XGBoost's collective (a tracker on
the first host, one worker per host) and the first host saves the model. Locally the
hosts are processes of this machine and the tracker listens on 127.0.0.1.

Channel data per host follows ``S3DataDistributionType``: ``FullyReplicated`` gives
every host every object; ``ShardedByS3Key`` gives each host about 1/n of the objects
(SageMaker API Reference, S3DataSource), here dealt by key order: object i of the
sorted keys goes to host i mod n. More hosts than objects leaves hosts without data,
which SageMaker allows ("Don't choose more ML compute instances for training than
available S3 objects. If you do, some nodes won't get any data", same page).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glue_workflow.local.sagemaker import channels, hyperparameters, xgb_input
from glue_workflow.local.sagemaker.channels import Channel

TRACKER_HOST = "127.0.0.1"
HOST_MODULE = "glue_workflow.local.sagemaker.training_hosts"
MODEL_FILE = "xgboost-model"
RESULT_FILE = "result.json"


class ClusterError(Exception):
    """A host failed; the message is its FailureReason (``ClientError: ...`` etc.)."""


def host_names(count: int) -> list[str]:
    """SageMaker's host names in resourceconfig.json: algo-1 .. algo-n."""
    return [f"algo-{i}" for i in range(1, count + 1)]


def distribution(config: dict[str, Any]) -> str:
    source = (config.get("DataSource") or {}).get("S3DataSource") or {}
    return str(source.get("S3DataDistributionType") or "FullyReplicated")


def shard(channel: Channel, distribution_type: str, index: int, count: int) -> Channel:
    """Host ``index`` (0-based)'s view of ``channel``."""
    if distribution_type != "ShardedByS3Key" or count == 1:
        return channel
    # channels.list_prefix sorts by key: the deal is by S3 key.
    return dataclasses.replace(channel, objects=channel.objects[index::count])


@dataclasses.dataclass(frozen=True, kw_only=True)
class Host:
    name: str
    train: Channel
    valid: Channel | None

    @property
    def has_data(self) -> bool:
        """The container leaves out a host whose train channel holds no bytes."""
        return any(path.stat().st_size > 0 for _, path in self.train.objects)


def plan(
    count: int,
    train: Channel,
    valid: Channel | None,
    configs: dict[str, dict[str, Any]],
) -> list[Host]:
    names = host_names(count)
    return [
        Host(
            name=name,
            train=shard(train, distribution(configs["train"]), i, count),
            valid=(
                shard(valid, distribution(configs["validation"]), i, count)
                if valid is not None
                else None
            ),
        )
        for i, name in enumerate(names)
    ]


def _channel_json(channel: Channel | None) -> dict[str, Any] | None:
    if channel is None:
        return None
    return {
        "name": channel.name,
        "uri": channel.uri,
        "content_type": channel.content_type,
        "objects": [[relative, str(path)] for relative, path in channel.objects],
    }


def _channel_from(data: dict[str, Any] | None) -> Channel | None:
    if data is None:
        return None
    return Channel(
        name=data["name"],
        uri=data["uri"],
        content_type=data["content_type"],
        objects=tuple((relative, Path(path)) for relative, path in data["objects"]),
    )


def train_cluster(
    hosts: list[Host],
    hyper: dict[str, str],
    work_dir: Path,
    *,
    should_stop: Callable[[], bool],
) -> tuple[Path, dict[str, Any]] | None:
    """Train on the hosts that have data; (model file, evals_result) of the first host,
    or None when ``should_stop`` turned true (the hosts are then ended)."""
    import xgboost as xgb

    for host in hosts:
        if not host.has_data:
            print(f"Host {host.name} not being used for distributed training.", flush=True)
    training = [h for h in hosts if h.has_data]
    if not training:
        raise ClusterError("AlgorithmError: No hosts received training data.")
    tracker = None
    tracker_args: dict[str, Any] = {}
    if len(training) > 1:
        # sortby="task": ranks follow the host order, so algo-1 (or the first host
        # with data) is rank 0 and saves the model, as the container's master does.
        tracker = xgb.tracker.RabitTracker(
            n_workers=len(training), host_ip=TRACKER_HOST, sortby="task"
        )
        tracker.start()
        tracker_args = dict(tracker.worker_args())
    else:
        print(
            f"Only 1 host with training data, starting single node training job from: "
            f"{training[0].name}",
            flush=True,
        )
    procs: list[tuple[Host, Path, subprocess.Popen[bytes]]] = []
    try:
        for rank, host in enumerate(training):
            host_dir = work_dir / host.name
            host_dir.mkdir(parents=True)
            spec = {
                "host": host.name,
                "rank": rank,
                "hosts": len(training),
                "hyperparameters": hyper,
                "train": _channel_json(host.train),
                "validation": _channel_json(host.valid),
                "tracker": {**tracker_args, "dmlc_task_id": f"{rank:05d}"} if tracker else None,
            }
            (host_dir / "spec.json").write_text(json.dumps(spec))
            procs.append(
                (
                    host,
                    host_dir,
                    subprocess.Popen(  # output: the job's log (inherited stdout)
                        [sys.executable, "-m", HOST_MODULE, str(host_dir)],
                        stdin=subprocess.DEVNULL,
                    ),
                )
            )
        while any(p.poll() is None for _, _, p in procs):
            failed = [(h, d) for h, d, p in procs if p.poll() not in (None, 0)]
            if failed or should_stop():
                _end(procs)
                if failed:
                    raise ClusterError(_reason(*failed[0]))
                return None
            time.sleep(0.2)
        failed = [(h, d) for h, d, p in procs if p.returncode != 0]
        if failed:
            raise ClusterError(_reason(*failed[0]))
        first = procs[0][1]
        result = json.loads((first / RESULT_FILE).read_text())
        return first / MODEL_FILE, result["evals_result"]
    finally:
        _end(procs)
        if tracker is not None:
            # A tracker whose workers were ended reports the lost connections: the
            # host's own reason, raised above, is the one that counts.
            with contextlib.suppress(xgb.core.XGBoostError):
                tracker.free()


def _reason(host: Host, host_dir: Path) -> str:
    try:
        return str(json.loads((host_dir / RESULT_FILE).read_text())["error"])
    except (OSError, ValueError, KeyError):
        return f"AlgorithmError: host {host.name} exited unexpectedly (see the job's log)"


def _end(procs: list[tuple[Host, Path, subprocess.Popen[bytes]]]) -> None:
    for _, _, proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for _, _, proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- training, shared with the single-instance worker ---------------------------------
def evaluation_sets(dtrain: Any, dvalid: Any) -> list[tuple[Any, str]]:
    return [(dtrain, "train")] + ([(dvalid, "validation")] if dvalid is not None else [])


def round_line(epoch: int, evals_log: Any) -> str:
    """One round's metrics as the algorithm logs them: ``[3]\ttrain-auc:0.91...``."""
    parts = [
        f"{data}-{metric}:{values[-1]:.5f}"
        for data, metric_log in evals_log.items()
        for metric, values in metric_log.items()
    ]
    return f"[{epoch}]\t" + "\t".join(parts)


def boost(
    params: hyperparameters.TrainingParams,
    booster_params: dict[str, Any],
    dtrain: Any,
    *,
    evals: list[tuple[Any, str]],
    callback: Any,
    result: dict[str, Any],
) -> Any:
    import xgboost as xgb

    return xgb.train(
        booster_params,
        dtrain,
        num_boost_round=params.num_round,
        evals=evals,
        evals_result=result,
        callbacks=[callback, *early_stopping(params, evals)],
        verbose_eval=False,
    )


# The container's metrics that early stopping maximizes (xgb_constants.py
# XGB_MAXIMIZE_METRICS, aws/sagemaker-xgboost-container); every other one is minimized.
MAXIMIZE_METRICS = frozenset(
    {
        "accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary", "f1_macro",
        "map", "ndcg", "precision", "r2", "recall", "precision_macro", "precision_micro",
        "recall_macro", "recall_micro",
    }
)  # fmt: skip


def early_stopping(
    params: hyperparameters.TrainingParams, evals: list[tuple[Any, str]]
) -> list[Any]:
    """The container's early stopping (callback.py get_callbacks, algorithm_mode/train.py
    train_job): only with ``early_stopping_rounds``, a validation set and an
    ``eval_metric``, watching the last metric named on the validation set, and keeping
    the best rounds only (``save_best``: the saved and served model ends at the best
    iteration). Without a validation set or a metric the job trains every round."""
    import xgboost as xgb

    rounds = params.early_stopping_rounds
    if not rounds or not params.eval_metrics or not any(n == "validation" for _, n in evals):
        return []
    metric = params.eval_metrics[-1]
    return [
        xgb.callback.EarlyStopping(
            rounds=rounds,
            data_name="validation",
            metric_name=metric,
            maximize=metric in MAXIMIZE_METRICS,
            save_best=True,
        )
    ]


def train_failure(exc: Exception) -> str:
    """The container's AlgorithmError text (algorithm_mode/train.py train_job)."""
    detail = str(exc).split("\nStack trace:", 1)[0]
    return f"XGB train call failed with exception:\n {detail}"


# -- one host ---------------------------------------------------------------------
def _run_host(host_dir: Path) -> None:
    import xgboost as xgb

    spec = json.loads((host_dir / "spec.json").read_text())
    name = spec["host"]
    params = hyperparameters.parse(spec["hyperparameters"])
    train = _channel_from(spec["train"])
    assert train is not None
    valid = _channel_from(spec["validation"])
    print(
        f"[{name}] reading {len(train.objects)} train object(s)"
        + (f", {len(valid.objects)} validation object(s)" if valid is not None else ""),
        flush=True,
    )
    with tempfile.TemporaryDirectory(dir=host_dir) as scratch:
        dtrain, dvalid = xgb_input.read(train, valid, Path(scratch), csv_weights=params.csv_weights)
    print(f"[{name}] train matrix has {dtrain.num_row()} rows", flush=True)
    evals = evaluation_sets(dtrain, dvalid)
    first = spec["rank"] == 0
    booster_params = dict(params.params)
    if "nthread" not in booster_params:
        # Hosts share this machine's cores (on SageMaker each has its own instance).
        booster_params["nthread"] = max(1, (os.cpu_count() or 1) // spec["hosts"])

    class Progress(xgb.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:  # noqa: ARG002
            if first:  # metrics are the cluster's (allreduced): one host logs them
                print(round_line(epoch, evals_log), flush=True)
            return False

    result: dict[str, Any] = {}
    try:
        with (
            xgb.collective.CommunicatorContext(**spec["tracker"])
            if spec["tracker"]
            else contextlib.nullcontext()
        ):
            booster = boost(
                params, booster_params, dtrain, evals=evals, callback=Progress(), result=result
            )
    except xgb.core.XGBoostError as exc:
        raise _HostFailure(f"AlgorithmError: {train_failure(exc)}") from None
    if first:
        booster.save_model(str(host_dir / MODEL_FILE))
        (host_dir / RESULT_FILE).write_text(json.dumps({"evals_result": result}))


class _HostFailure(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="training_hosts")
    parser.add_argument("host_dir")
    host_dir = Path(parser.parse_args(argv).host_dir)
    try:
        _run_host(host_dir)
        return 0
    except (hyperparameters.HyperparameterError, channels.ChannelError) as exc:
        reason = f"ClientError: {exc}"
    except _HostFailure as exc:
        reason = str(exc)
    except Exception as exc:
        reason = f"AlgorithmError: {type(exc).__name__}: {exc}"
    print(reason, file=sys.stderr, flush=True)
    (host_dir / RESULT_FILE).write_text(json.dumps({"error": reason}))
    return 1


if __name__ == "__main__":
    sys.exit(main())
