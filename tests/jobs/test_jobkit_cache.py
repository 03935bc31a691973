"""jobkit.cache: hit / miss per key component, explanations, expiry, dangling entries,
--no-cache and --rerun-from, through run_job. S3 is moto (real ETags); run
properties are the in-memory fake the job tests use."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from jobhelpers import RUN_ID, WORKFLOW, FakeGlue
from moto import mock_aws

from glue_workflow.jobkit import JobExit, run_job
from glue_workflow.jobkit import cache as jc
from glue_workflow.local import uninstall

BUCKET = "artifacts-bucket"
STORE = f"s3://{BUCKET}/glue-wf/{WORKFLOW}/cache/train/"
CONFIG = {
    "cache": True,
    "expire_after": 3600,
    "inputs": ["input_uri"],
    "reads": ["num_round", "input_uri"],
    "writes": ["model_uri", "job_name"],
    "script": "jobs/train.py",
    "files": {
        "jobs/train.py": "a" * 64,
        "glue_workflow/jobkit": "b" * 64,
        "jobs/datasets/churn.json": "e" * 64,
    },
    "file_arguments": ["--config_uri"],
    "store": STORE,
}


class Session:
    """The session interface JobContext uses: fake Glue, moto S3."""

    def __init__(self, glue: FakeGlue, s3: Any) -> None:
        self.glue, self.s3 = glue, s3

    def client(self, service: str) -> Any:
        return self.glue if service == "glue" else self.s3


@pytest.fixture
def s3() -> Iterator[Any]:
    uninstall()  # moto, not a local home another directory's session fixture installed
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_object(Bucket=BUCKET, Key="data/churn.csv", Body=b"a,b\n1,2\n")
        yield client


def argv(config: dict[str, Any] | None = None, **extra: str) -> list[str]:
    args = [
        "train.py",
        "--JOB_NAME",
        f"{WORKFLOW}-train",
        "--WORKFLOW_NAME",
        WORKFLOW,
        "--WORKFLOW_RUN_ID",
        RUN_ID,
        "--glue_wf_cache",
        json.dumps(config or CONFIG),
        "--config_uri",
        f"s3://artifacts-bucket/glue-wf/x/artifacts/{'e' * 16}/churn.json",
    ]
    for key, value in extra.items():
        args += [f"--{key}", value]
    return args


class Job:
    """A job whose work writes its outputs (a real S3 object) and counts its runs."""

    def __init__(self, s3: Any, props: dict[str, str] | None = None) -> None:
        self.s3 = s3
        self.glue = FakeGlue({"num_round": "100", "input_uri": f"s3://{BUCKET}/data/churn.csv"})
        self.glue.props.update(props or {})
        self.runs = 0

    def run(
        self,
        monkeypatch: pytest.MonkeyPatch,
        run_id: str,
        config: dict[str, Any] | None = None,
        start: dict[str, str] | None = None,
        **extra: str,
    ) -> dict[str, Any]:
        """One job run (``run_id`` names its outputs); returns its cache record.

        ``start``: properties the run starts with (what --rerun-from copies).
        """
        monkeypatch.setattr(sys, "argv", argv(config, **extra))
        monkeypatch.setattr(
            "glue_workflow.jobkit.context.JobContext.client",
            lambda _ctx, service: Session(self.glue, self.s3).client(service),
        )
        # Each workflow run has its own properties: keep the inputs, drop the outputs.
        self.glue.props = {
            k: v for k, v in self.glue.props.items() if k not in ("model_uri", "job_name")
        }
        self.glue.props.pop(jc.cache_property("train"), None)
        self.glue.props.update(start or {})

        def main() -> None:
            self.runs += 1
            key = f"runs/{run_id}/model.tar.gz"
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=b"model")
            self.glue.props.update(model_uri=f"s3://{BUCKET}/{key}", job_name=f"train-{run_id}")

        run_job(main)
        return dict(json.loads(self.glue.props[jc.cache_property("train")]))


@pytest.fixture
def job(s3: Any) -> Job:
    return Job(s3)


def _entries(s3: Any) -> list[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"glue-wf/{WORKFLOW}/cache/train/")
    return [o["Key"] for o in listed.get("Contents") or []]


def test_first_run_misses_then_records_an_entry(job: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    record = job.run(monkeypatch, "wr_1")
    assert record["decision"] == "ran"
    assert record["why"] == "no earlier entry"
    assert job.runs == 1
    assert len(_entries(job.s3)) == 1


def test_unchanged_second_run_is_served_with_the_recorded_writes(
    job: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    job.run(monkeypatch, "wr_1")
    record = job.run(monkeypatch, "wr_2")
    assert job.runs == 1  # the work was not done again
    assert record["decision"] == "cached"
    assert record["run"] == RUN_ID
    # The original run's outputs, including the SageMaker job name, are reused.
    assert job.glue.props["job_name"] == "train-wr_1"
    assert job.glue.props["model_uri"] == f"s3://{BUCKET}/runs/wr_1/model.tar.gz"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("read", "read num_round changed 100 -> 200"),
        ("input", f"input s3://{BUCKET}/data/churn.csv changed"),
        ("script", "script jobs/train.py changed"),
        ("library", "job library glue_workflow.jobkit changed"),
        ("argument", "argument --max_depth changed (unset) -> 7"),
    ],
)
def test_each_key_component_misses_and_says_what_changed(
    job: Job, monkeypatch: pytest.MonkeyPatch, change: str, why: str
) -> None:
    job.run(monkeypatch, "wr_1")
    config = json.loads(json.dumps(CONFIG))
    extra: dict[str, str] = {}
    if change == "read":
        job.glue.props["num_round"] = "200"
    elif change == "input":
        job.s3.put_object(Bucket=BUCKET, Key="data/churn.csv", Body=b"a,b\n3,4\n")
    elif change == "script":
        config["files"]["jobs/train.py"] = "c" * 64
    elif change == "library":
        config["files"]["glue_workflow/jobkit"] = "d" * 64
    else:
        extra["max_depth"] = "7"
    record = job.run(monkeypatch, "wr_2", config, **extra)
    assert record["decision"] == "ran"
    assert record["why"] == f"{why} (against run {RUN_ID})"
    assert job.runs == 2


def test_things_outside_the_key_do_not_miss(job: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    job.run(monkeypatch, "wr_1")
    job.glue.props["unrelated"] = "x"  # not a declared read
    record = job.run(
        monkeypatch,
        "wr_2",
        # the same content-addressed file in another bucket: its content is in files
        config_uri=f"s3://other-bucket/glue-wf/x/artifacts/{'e' * 16}/churn.json",
        JOB_RUN_ID="jr_other",
    )
    assert record["decision"] == "cached"


def test_an_overridden_file_argument_is_keyed_by_its_content(
    job: Job, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # glue-wf job --arg config_uri=<another config> was served the default's entry, and
    # its own result was then served to runs with the default config
    job.run(monkeypatch, "wr_1")
    s3.put_object(Bucket=BUCKET, Key="cfg/mod.json", Body=b'{"drop": ["x"]}')
    mod = f"s3://{BUCKET}/cfg/mod.json"
    assert job.run(monkeypatch, "wr_2", config_uri=mod)["decision"] == "ran"
    assert job.run(monkeypatch, "wr_3", config_uri=mod)["decision"] == "cached"
    assert job.run(monkeypatch, "wr_4")["decision"] == "cached"  # the default's own entry
    s3.put_object(Bucket=BUCKET, Key="cfg/mod.json", Body=b'{"drop": ["y"]}')
    assert job.run(monkeypatch, "wr_5", config_uri=mod)["decision"] == "ran"


def test_a_single_object_input_is_not_its_siblings(
    job: Job, s3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # data/churn.csv.bak beside data/churn.csv missed the cache: "input ... changed"
    job.run(monkeypatch, "wr_1")
    s3.put_object(Bucket=BUCKET, Key="data/churn.csv.bak", Body=b"old")
    assert job.run(monkeypatch, "wr_2")["decision"] == "cached"


def test_the_closest_entry_explains_a_miss(job: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    job.run(monkeypatch, "wr_1")
    job.glue.props["num_round"] = "200"
    job.run(monkeypatch, "wr_2")
    job.glue.props["num_round"] = "300"
    record = job.run(monkeypatch, "wr_3")
    # Both entries differ by one read; the newest one is the closest.
    assert record["why"] == f"read num_round changed 200 -> 300 (against run {RUN_ID})"
    job.glue.props["num_round"] = "100"
    assert job.run(monkeypatch, "wr_4")["decision"] == "cached"


def test_expired_entry_is_a_miss(job: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    job.run(monkeypatch, "wr_1")
    clock = jc.time.time() + 7200
    monkeypatch.setattr(jc.time, "time", lambda: clock)
    record = job.run(monkeypatch, "wr_2")
    assert record["decision"] == "ran"
    assert record["why"] == f"the entry of run {RUN_ID} expired (2h old, expire_after 1h)"


def test_entry_whose_outputs_are_gone_is_a_miss(job: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    job.run(monkeypatch, "wr_1")
    job.s3.delete_object(Bucket=BUCKET, Key="runs/wr_1/model.tar.gz")
    record = job.run(monkeypatch, "wr_2")
    assert record["why"] == (
        f"outputs of run {RUN_ID} are gone (s3://{BUCKET}/runs/wr_1/model.tar.gz)"
    )
    assert job.runs == 2
    assert job.run(monkeypatch, "wr_3")["decision"] == "cached"  # re-recorded


def test_no_cache_forces_a_miss_and_refreshes_the_entry(
    job: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    job.run(monkeypatch, "wr_1")
    job.glue.props[jc.NO_CACHE_PROPERTY] = "true"
    record = job.run(monkeypatch, "wr_2")
    assert (record["decision"], record["why"]) == ("ran", "--no-cache")
    assert job.runs == 2


def test_rerun_from_reuses_upstream_and_forces_the_rest(
    job: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    job.run(monkeypatch, "wr_1")
    marker = {"from": "evaluate", "of": "wr_1", "reuse": ["train"], "rerun": ["evaluate"]}
    job.glue.props[jc.RERUN_PROPERTY] = json.dumps(marker)
    # What the CLI copies from the earlier run at start:
    start = {"model_uri": "s3://b/runs/wr_1/model.tar.gz", "job_name": "train-wr_1"}
    record = job.run(monkeypatch, "wr_2", start=start)
    assert record == {
        "decision": "reused",
        "run": "wr_1",
        "why": "upstream of --rerun-from evaluate",
        "files": jc.files_digest(CONFIG["files"]),  # type: ignore[arg-type]
    }
    assert job.runs == 1
    marker.update(reuse=[], rerun=["train", "evaluate"], **{"from": "train"})
    job.glue.props[jc.RERUN_PROPERTY] = json.dumps(marker)
    record = job.run(monkeypatch, "wr_3")
    assert record["why"] == "--rerun-from train (of run wr_1)"
    assert job.runs == 2


def test_reused_node_missing_an_output_fails_with_the_fix(
    job: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = {"from": "evaluate", "of": "wr_1", "reuse": ["train"], "rerun": ["evaluate"]}
    job.glue.props[jc.RERUN_PROPERTY] = json.dumps(marker)
    with pytest.raises(JobExit) as caught:
        job.run(monkeypatch, "wr_2")
    assert caught.value.reason == (
        "glue-wf job input error: --rerun-from evaluate: node train is reused from run wr_1, "
        "but that run has no model_uri, job_name: rerun from train instead"
    )
    assert job.runs == 0


def test_a_node_without_cache_runs_normally(job: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", argv({"cache": False}))
    monkeypatch.setattr(
        "glue_workflow.jobkit.context.JobContext.client",
        lambda _ctx, service: Session(job.glue, job.s3).client(service),
    )
    calls = []
    run_job(lambda: calls.append(1))
    assert calls == [1]
    assert jc.cache_property("train") not in job.glue.props
    assert _entries(job.s3) == []


def test_failed_work_records_no_entry(job: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", argv())
    monkeypatch.setattr(
        "glue_workflow.jobkit.context.JobContext.client",
        lambda _ctx, service: Session(job.glue, job.s3).client(service),
    )

    def main() -> None:
        raise ZeroDivisionError("division by zero")

    with pytest.raises(ZeroDivisionError):
        run_job(main)
    assert _entries(job.s3) == []
    assert json.loads(job.glue.props[jc.cache_property("train")])["why"] == "no earlier entry"


def test_long_values_are_shown_where_they_differ() -> None:
    from glue_workflow.jobkit.cache_key import differences

    old = "s3://bucket/glue-wf/churn-pipeline/runs/wr_" + "a" * 64 + "/train/model.tar.gz"
    new = old.replace("wr_aaaa", "wr_bbbb")
    found = differences({"reads": {"model_uri": new}}, {"reads": {"model_uri": old}})
    # From 12 characters before the first difference, 60 characters.
    assert found == [
        "read model_uri changed …ine/runs/wr_"
        + "a" * 48
        + "… -> …ine/runs/wr_bbbb"
        + "a" * 44
        + "…"
    ]


def test_an_input_that_cannot_be_listed_runs_the_job_and_records_nothing(
    job: Job, monkeypatch: pytest.MonkeyPatch
) -> None:
    job.glue.props["input_uri"] = "s3://no-such-bucket-here/data.csv"
    record = job.run(monkeypatch, "wr_1")
    assert record["decision"] == "ran"
    assert record["why"].startswith("cache key not computed (NoSuchBucket: ")
    assert job.runs == 1
    assert _entries(job.s3) == []


def test_an_input_replaced_while_the_job_runs_records_no_entry(
    job: Job, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key names the inputs listed when the job started: an upload meanwhile means
    the result is not the result of the data the key names."""
    monkeypatch.setattr(sys, "argv", argv())
    monkeypatch.setattr(
        "glue_workflow.jobkit.context.JobContext.client",
        lambda _ctx, service: Session(job.glue, job.s3).client(service),
    )

    def main() -> None:
        job.s3.put_object(Bucket=BUCKET, Key="data/churn.csv", Body=b"a,b\n3,4\n")
        job.glue.props.update(model_uri=f"s3://{BUCKET}/runs/wr_1/model.tar.gz")

    run_job(main)
    assert _entries(job.s3) == []
    assert (
        f"glue-wf cache: not recorded: input s3://{BUCKET}/data/churn.csv changed while this "
        "job ran; the next run does the work again"
    ) in capsys.readouterr().err
    # the next run (the new data, unchanged meanwhile) records its entry
    job.run(monkeypatch, "wr_2")
    assert len(_entries(job.s3)) == 1


def test_glues_own_parameters_stay_out_of_the_key() -> None:
    # glue-wf job passed them and a workflow run did not: its cached result never served
    from glue_workflow.jobkit.cache_key import key_arguments

    args = {"library_set": "analytics", "job_bookmark_option": "job-bookmark-disable"}
    assert key_arguments({**args, "num_round": "50"}, []) == {"--num_round": "50"}


def test_a_long_miss_names_whole_differences_and_counts_the_rest() -> None:
    """A difference is never cut in two (it read as another one); the rest are counted."""
    components = {"reads": {f"uri_{i}": f"s3://bucket/new/{'x' * 60}/{i}" for i in range(12)}}
    earlier = {"reads": {f"uri_{i}": f"s3://bucket/old/{'x' * 60}/{i}" for i in range(12)}}
    why = jc.explain_miss([{"components": earlier, "run_id": "wr_0"}], components, {"script": ""})
    assert len(why) < 600  # within the one-line reason, uncut
    assert why.endswith(" more differences (against run wr_0)")
    shown = why.split("; and ")[0].split("; ")
    assert all(d.startswith("read uri_") and " -> " in d for d in shown)
    more = int(why.split("; and ")[1].split()[0])
    assert len(shown) + more == 12
