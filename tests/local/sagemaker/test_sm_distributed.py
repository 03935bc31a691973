"""Distributed training: InstanceCount hosts training together through XGBoost's
collective, each reading its shard of ShardedByS3Key channels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sm_helpers import BUCKET, channel, put, training_request, wait_training

from glue_workflow.local.sagemaker.channels import Channel
from glue_workflow.local.sagemaker.training_hosts import plan, shard

ROWS = 8000
FEATURES = 8
AUC_TOLERANCE = 0.01  # sketches merged across hosts: near, not equal, to one host


def _channel(n: int) -> Channel:
    return Channel(
        name="train",
        uri="s3://b/train/",
        content_type="text/csv",
        objects=tuple((f"train/part-{i}.csv", Path(f"/s3/b/train/part-{i}.csv")) for i in range(n)),
    )


def _sharded(name: str, uri: str) -> dict[str, Any]:
    config = channel(name, uri)
    config["DataSource"]["S3DataSource"]["S3DataDistributionType"] = "ShardedByS3Key"
    return config


def test_sharded_by_s3_key_deals_objects_by_key_order() -> None:
    data = _channel(5)
    parts = [shard(data, "ShardedByS3Key", i, 2).objects for i in range(2)]
    assert [r for r, _ in parts[0]] == ["train/part-0.csv", "train/part-2.csv", "train/part-4.csv"]
    assert [r for r, _ in parts[1]] == ["train/part-1.csv", "train/part-3.csv"]
    assert shard(data, "FullyReplicated", 1, 2) == data


def test_more_hosts_than_objects_leaves_hosts_without_data(tmp_path: Path) -> None:
    configs = {"train": _sharded("train", "s3://b/train/")}
    data = _channel(2)
    for _, path in data.objects:
        (tmp_path / path.name).write_text("1,2\n")
    data = Channel(
        name="train",
        uri=data.uri,
        content_type="text/csv",
        objects=tuple((r, tmp_path / p.name) for r, p in data.objects),
    )
    hosts = plan(3, data, None, configs)
    assert [h.name for h in hosts] == ["algo-1", "algo-2", "algo-3"]
    assert [h.has_data for h in hosts] == [True, True, False]
    replicated = plan(3, data, None, {"train": channel("train", "s3://b/train/")})
    assert all(len(h.train.objects) == 2 for h in replicated)


@pytest.fixture(scope="module")
def generated(sm_home: Path) -> dict[str, str]:
    """A learnable binary problem: 4 train files, one validation and one test file."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    x = rng.normal(size=(ROWS, FEATURES))
    logit = x[:, 0] * 1.5 - x[:, 1] + 0.8 * x[:, 2] * x[:, 3] + rng.normal(scale=0.5, size=ROWS)
    y = (logit > 0).astype(int)
    frame = pd.concat([pd.Series(y, name="label"), pd.DataFrame(x)], axis=1)
    train, valid, test = frame.iloc[:6000], frame.iloc[6000:7000], frame.iloc[7000:]
    for i, part in enumerate(np.array_split(train, 4)):
        put(sm_home, f"gen/train/part-{i:05d}.csv", part.to_csv(header=False, index=False).encode())
    put(sm_home, "gen/validation/part-00000.csv", valid.to_csv(header=False, index=False).encode())
    np.save(sm_home / "gen-test.npy", test.to_numpy())
    return {"train": f"s3://{BUCKET}/gen/train/", "validation": f"s3://{BUCKET}/gen/validation/"}


def _train(sm: Any, name: str, count: int, uris: dict[str, str]) -> dict[str, Any]:
    sharded = count > 1
    request = training_request(
        name,
        [
            _sharded("train", uris["train"]) if sharded else channel("train", uris["train"]),
            channel("validation", uris["validation"]),
        ],
    )
    request["ResourceConfig"]["InstanceCount"] = count
    sm.create_training_job(**request)
    return wait_training(sm, name, timeout=180)


def _test_auc(sm_home: Path, job: dict[str, Any], tmp_path: Path) -> float:
    import tarfile

    import numpy as np
    import xgboost as xgb
    from sklearn.metrics import roc_auc_score

    key = job["ModelArtifacts"]["S3ModelArtifacts"].split(f"s3://{BUCKET}/", 1)[1]
    target = tmp_path / job["TrainingJobName"]
    with tarfile.open(sm_home / "s3" / BUCKET / key) as tar:
        tar.extractall(target, filter="data")
    booster = xgb.Booster(model_file=str(target / "xgboost-model"))
    test = np.load(sm_home / "gen-test.npy")
    return float(roc_auc_score(test[:, 0], booster.predict(xgb.DMatrix(test[:, 1:]))))


def _metric(job: dict[str, Any], name: str) -> float:
    return float(next(m["Value"] for m in job["FinalMetricDataList"] if m["MetricName"] == name))


@pytest.mark.slow
def test_two_instances_train_together_on_their_shards(
    sm: Any, sm_home: Path, generated: dict[str, str], tmp_path: Path
) -> None:
    single = _train(sm, "gen-single", 1, generated)
    double = _train(sm, "gen-double", 2, generated)
    assert single["TrainingJobStatus"] == "Completed", single.get("FailureReason")
    assert double["TrainingJobStatus"] == "Completed", double.get("FailureReason")
    assert double["ResourceConfig"]["InstanceCount"] == 2
    log = Path(sm_home / "logs" / "sagemaker" / "TrainingJobs" / "gen-double.log").read_text()
    # Each host read its half of the 4 objects and trained on 3000 of the 6000 rows.
    assert "[algo-1] reading 2 train object(s), 1 validation object(s)" in log
    assert "[algo-2] reading 2 train object(s), 1 validation object(s)" in log
    assert "[algo-1] train matrix has 3000 rows" in log
    assert "[algo-2] train matrix has 3000 rows" in log
    # The cluster's metrics are reported once per round (30 rounds).
    assert log.count("\tvalidation-auc:") == 30
    auc_single, auc_double = (
        _test_auc(sm_home, single, tmp_path),
        _test_auc(sm_home, double, tmp_path),
    )
    assert auc_single > 0.9
    assert abs(auc_single - auc_double) < AUC_TOLERANCE
    assert (
        abs(_metric(single, "validation:auc") - _metric(double, "validation:auc")) < AUC_TOLERANCE
    )


@pytest.mark.slow
def test_a_host_without_objects_leaves_the_cluster(
    sm: Any, sm_home: Path, generated: dict[str, str]
) -> None:
    put(
        sm_home,
        "gen2/train/part-00000.csv",
        (sm_home / "s3" / BUCKET / "gen/train/part-00000.csv").read_bytes(),
    )
    put(
        sm_home,
        "gen2/train/part-00001.csv",
        (sm_home / "s3" / BUCKET / "gen/train/part-00001.csv").read_bytes(),
    )
    uris = {**generated, "train": f"s3://{BUCKET}/gen2/train/"}
    job = _train(sm, "gen-three-hosts", 3, uris)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    log = Path(sm_home / "logs" / "sagemaker" / "TrainingJobs" / "gen-three-hosts.log").read_text()
    assert "Host algo-3 not being used for distributed training." in log
    assert "[algo-3]" not in log


@pytest.mark.slow
def test_a_host_failure_fails_the_job_with_its_reason(sm: Any, sm_home: Path) -> None:
    # Keys in order: .hidden and part-00001 go to algo-1, part-00000 to algo-2.
    put(sm_home, "gen3/train/.hidden", b"1,0.5,0.2\n")
    put(sm_home, "gen3/train/part-00000.csv", b"1,0.5,0.2\n0,0.1,0.3\n")
    put(sm_home, "gen3/train/part-00001.csv", b"0,0.5,0.2\n1,0.1,0.3\n")
    job = _train(
        sm,
        "gen-bad-shard",
        2,
        {"train": f"s3://{BUCKET}/gen3/train/", "validation": f"s3://{BUCKET}/gen3/train/"},
    )
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"] == (
        "ClientError: Hidden file found in the data path! Remove that before training."
    )


@pytest.mark.slow
def test_stop_ends_every_host(sm: Any, sm_home: Path, generated: dict[str, str]) -> None:
    import time

    request = training_request(
        "gen-stop",
        [_sharded("train", generated["train"]), channel("validation", generated["validation"])],
        {"num_round": "100000", "objective": "binary:logistic", "eval_metric": "auc"},
    )
    request["ResourceConfig"]["InstanceCount"] = 2
    sm.create_training_job(**request)
    log = sm_home / "logs" / "sagemaker" / "TrainingJobs" / "gen-stop.log"
    deadline = time.monotonic() + 120
    while "\tvalidation-auc:" not in (log.read_text() if log.exists() else ""):
        assert time.monotonic() < deadline, "the cluster never started its rounds"
        time.sleep(0.2)
    sm.stop_training_job(TrainingJobName="gen-stop")
    job = wait_training(sm, "gen-stop", timeout=60)
    assert job["TrainingJobStatus"] == "Stopped"
    assert "ModelArtifacts" not in job or not job["ModelArtifacts"].get("S3ModelArtifacts")
    assert [c for c in _cmdlines() if b"training_hosts" in c and str(sm_home).encode() in c] == []


def _cmdlines() -> list[bytes]:
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            found.append((proc / "cmdline").read_bytes())
        except OSError:
            continue  # exited meanwhile
    return found
