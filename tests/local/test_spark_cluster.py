"""Local Glue Spark jobs on a real Spark standalone cluster (a master and two workers
started from the project's own pyspark on 127.0.0.1), against the local-mode run."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.local.glue import sparkcluster
from glue_workflow.local.glue.standalone import StandaloneCluster, spark_class, standalone_cluster

PROJECT = Path(__file__).resolve().parents[2]
CHURN_CSV = PROJECT.parent / "shared" / "data" / "churn_processed.csv"
WORKER_MEMORY_MB = 1024


# -- no Spark ------------------------------------------------------------------------
def test_master_urls_are_checked() -> None:
    assert sparkcluster.configured_master({}) is None
    assert sparkcluster.configured_master({"GLUE_WF_SPARK_MASTER": "yarn"}) == "yarn"
    k8s = "k8s://https://10.0.0.1:6443"
    assert sparkcluster.configured_master({"GLUE_WF_SPARK_MASTER": k8s}) == k8s
    with pytest.raises(sparkcluster.SparkClusterError, match=r"spark_master='spark://host' is not"):
        sparkcluster.configured_master({"GLUE_WF_SPARK_MASTER": "spark://host"})
    for metadata in ("spark://169.254.169.254:7077", "spark://[fd00:ec2::254]:7077"):
        with pytest.raises(sparkcluster.SparkClusterError, match="is a link-local address"):
            sparkcluster.configured_master({"GLUE_WF_SPARK_MASTER": metadata})


def test_glue_worker_types_size_executors_and_yarn_is_not_capped(tmp_path: Path) -> None:
    job = {"WorkerType": "G.2X", "NumberOfWorkers": 5}
    assert sparkcluster.glue_sizing(job) == (5, 8, 32768, "5 x G.2X")
    assert sparkcluster.glue_sizing({"MaxCapacity": 3.0}) == (3, 4, 16384, "3 DPU")
    runtime = tmp_path / "runtime" / "awsglue"
    runtime.mkdir(parents=True)
    (runtime / "__init__.py").write_text("")
    env, note = sparkcluster.submit_environment(
        {"GLUE_WF_SPARK_MASTER": "yarn"},
        job,
        runtime_dir=tmp_path / "runtime",
        cache_dir=tmp_path / "cache",
        py_files=[],
        app_name="wf-preprocess jr_1",
        python="/usr/bin/python3",
    )
    args = env["PYSPARK_SUBMIT_ARGS"]
    assert args.startswith("--master yarn --py-files ")
    # the driver's JVM carries the network guard, its hosts file naming the master's host
    assert "--driver-java-options" in args
    assert "-Djdk.net.hosts.file=" in args
    assert "socksProxyHost=the-glue-wf-local-target-sends-nothing-off-this-machine" in args
    assert "spark.executor.instances=5" in args
    assert "spark.executor.memory=32768m" in args
    assert "'spark.app.name=wf-preprocess jr_1'" in args
    assert (
        note == "glue-wf: Spark job on cluster yarn: 5 x G.2X: 5 executor(s) x 8 cores, 32768 MB\n"
    )


@pytest.mark.parametrize(
    ("master", "loopback"),
    [
        ("spark://127.0.0.1:7077", True),
        ("spark://127.0.1.1:7077", True),
        ("spark://localhost:7077", True),
        ("spark://[::1]:7077", True),
        ("k8s://https://localhost:6443", True),
        ("spark://10.0.0.5:7077", False),
        ("spark://spark-master.internal:7077", False),
        ("yarn", False),
        ("k8s://https://10.0.0.1:6443", False),
    ],
)
def test_a_loopback_masters_driver_binds_loopback_and_a_remote_ones_is_sparks(
    master: str, loopback: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import itertools
    import shlex

    # no cluster: the master's workers and host addresses as a standalone master gives them
    workers = [{"host": "127.0.0.1", "cores": 4, "memory": 8192, "state": "ALIVE"}]
    monkeypatch.setattr(sparkcluster, "standalone_capacity", lambda _master, _env: workers)
    monkeypatch.setattr(sparkcluster, "cluster_hosts", lambda _master, _workers: {})
    runtime = tmp_path / "runtime" / "awsglue"
    runtime.mkdir(parents=True)
    (runtime / "__init__.py").write_text("")
    env, _ = sparkcluster.submit_environment(
        {"GLUE_WF_SPARK_MASTER": master, "SPARK_LOCAL_IP": "192.0.2.9"},
        {"WorkerType": "G.1X", "NumberOfWorkers": 2},
        runtime_dir=tmp_path / "runtime",
        cache_dir=tmp_path / "cache",
        py_files=[],
        app_name="wf-preprocess jr_1",
        python="/usr/bin/python3",
    )
    args = shlex.split(env["PYSPARK_SUBMIT_ARGS"])
    conf = dict(v.split("=", 1) for k, v in itertools.pairwise(args) if k == "--conf")
    driver = {k: v for k, v in conf.items() if k.startswith("spark.driver.")}
    if loopback:
        # RPC, block manager (bindAddress) and web UI (SPARK_LOCAL_IP) on loopback only
        assert driver == {
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
        }
        assert env["SPARK_LOCAL_IP"] == "127.0.0.1"
    else:  # executors elsewhere connect back to the address Spark (or the user) picks
        assert driver == {}
        assert env["SPARK_LOCAL_IP"] == "192.0.2.9"
    assert sparkcluster.loopback_master(master) is loopback


def test_spark_master_setting_and_its_environment_override(tmp_path: Path) -> None:
    from glue_workflow.config import load_settings

    (tmp_path / "glue-wf.toml").write_text(
        '[target.local]\nspark_master = "spark://10.0.0.5:7077"\n'
        '[target.aws]\nspark_master = "yarn"\n'
    )
    assert load_settings(tmp_path, env={}).spark_master == "spark://10.0.0.5:7077"
    env = {"GLUE_WF_SPARK_MASTER": "yarn"}
    assert load_settings(tmp_path, env=env).spark_master == "yarn"
    assert load_settings(tmp_path, target="aws", env={}).spark_master is None  # local only


def test_glue_wf_env_exports_the_spark_master(tmp_path: Path, monkeypatch: Any) -> None:
    from click.testing import CliRunner

    from glue_workflow.cli import cli

    monkeypatch.delenv("GLUE_WF_SPARK_MASTER", raising=False)
    (tmp_path / "glue-wf.toml").write_text('[target.local]\nspark_master = "yarn"\n')
    result = CliRunner().invoke(cli, ["env", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "export GLUE_WF_SPARK_MASTER=yarn\n" in result.output


# -- a real standalone cluster ---------------------------------------------------------
@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneCluster]:
    if spark_class() is None:
        pytest.skip("needs java and pyspark's bin/spark-class")
    work = tmp_path_factory.mktemp("spark-cluster")
    with standalone_cluster(work, workers=2, cores=1, memory_mb=WORKER_MEMORY_MB) as running:
        yield running


def _run_preprocess(home: Path, run_id: str, env_extra: dict[str, str], out: str) -> str:
    from glue_workflow.local.environment import job_environment
    from glue_workflow.local.glue.jobproc import JobLaunch, start_job_process
    from glue_workflow.local.glue.logs import job_log_path
    from glue_workflow.local.store import LocalHome

    job = {
        "Name": "churn-preprocess",
        "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/preprocess.py"},
        "WorkerType": "G.1X",
        "NumberOfWorkers": 3,
    }
    launch = JobLaunch(
        job_run_id=run_id,
        job=job,
        arguments={
            "--JOB_NAME": "churn-preprocess",
            "--JOB_ID": "j_" + run_id[3:],
            "--JOB_RUN_ID": run_id,
            "--input_uri": "s3://data/raw/churn.csv",
            "--output_uri": out,
            "--artifacts_bucket": "art",
            "--dataset_config_uri": "s3://scripts/churn.json",
            # the data-contract modules ship with the script, as deploy uploads them
            "--extra-py-files": ",".join(
                f"s3://scripts/{p.name}" for p in sorted((PROJECT / "jobs" / "etl").glob("*.py"))
            ),
        },
    )
    env = {**job_environment(home), **env_extra}
    proc = start_job_process(LocalHome(home), launch, env)
    assert proc.wait(timeout=600) == 0, job_log_path(home, run_id).read_text()[-4000:]
    return job_log_path(home, run_id).read_text()


def _rows(directory: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    for part in sorted(directory.glob("part-*")):
        with part.open() as handle:
            rows.extend(csv.reader(handle))
    return sorted(rows)


@pytest.mark.spark
@pytest.mark.slow
def test_preprocess_on_a_standalone_cluster_equals_local_mode(
    cluster: dict[str, str], tmp_path: Path
) -> None:
    if not CHURN_CSV.is_file():
        pytest.skip(f"shared dataset missing: {CHURN_CSV}")
    from glue_workflow.local import install, uninstall

    home = tmp_path / "home"
    install(home)
    uninstall()
    (home / "s3" / "scripts").mkdir(parents=True)
    shutil.copy(PROJECT / "jobs" / "preprocess.py", home / "s3" / "scripts" / "preprocess.py")
    scripts = home / "s3" / "scripts"
    shutil.copy(PROJECT / "jobs" / "datasets" / "churn.json", scripts / "churn.json")
    for module in (PROJECT / "jobs" / "etl").glob("*.py"):
        shutil.copy(module, home / "s3" / "scripts" / module.name)
    lines = CHURN_CSV.read_text().splitlines(keepends=True)[:401]
    (home / "s3" / "data" / "raw").mkdir(parents=True)
    (home / "s3" / "data" / "raw" / "churn.csv").write_text("".join(lines))
    (home / "s3" / "art").mkdir()  # the artifacts bucket the outputs go to, as on S3

    cluster_run = "jr_" + "c" * 64
    log = _run_preprocess(
        home,
        cluster_run,
        cluster.environment(),
        "s3://art/cluster/",
    )
    # 3 x G.1X asks 3 executors of 4 cores / 16 GB; two 1-core / 1 GB workers give 2.
    assert (
        f"glue-wf: Spark job on cluster {cluster.master}: 3 x G.1X: 2 executor(s) x 1 "
        f"cores, {WORKER_MEMORY_MB} MB (Glue: 3 x 4 cores, 16384 MB; capped by the cluster)"
    ) in log
    state = cluster.state()
    apps = state.get("completedapps", []) + state.get("activeapps", [])
    assert f"churn-preprocess {cluster_run}" in [a["name"] for a in apps]
    # the cluster is on 127.0.0.1: so is the driver its executors were told to call back
    (app,) = [a["id"] for a in apps if a["name"] == f"churn-preprocess {cluster_run}"]
    commands = [p.read_text() for p in cluster.work_dir.glob(f"worker*/{app}/*/stderr")]
    assert commands
    for command in commands:
        drivers = set(re.findall(r"CoarseGrainedScheduler@([\w.:-]+?):\d", command))
        assert drivers == {"127.0.0.1"}, command[:2000]
    assert "resolves to a loopback address" not in log

    _run_preprocess(home, "jr_" + "l" * 64, {}, "s3://art/local/")
    for split in ("train", "validation", "test"):
        on_cluster = _rows(home / "s3" / "art" / "cluster" / split)
        assert on_cluster, split
        assert on_cluster == _rows(home / "s3" / "art" / "local" / split)
    for name in ("feature_manifest.json", "baseline.json"):
        assert json.loads((home / "s3" / "art" / "cluster" / name).read_text()) == json.loads(
            (home / "s3" / "art" / "local" / name).read_text()
        )
