"""Spark's JVM on the local target resolves names on this machine only and connects
nowhere else (awsglue_local.jvmguard)."""

from __future__ import annotations

import shlex
import socket
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from glue_workflow.awsglue_local import jvmguard, spark_submit_args


def test_the_hosts_file_holds_this_machines_names_on_loopback_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a b"))
    path = jvmguard.hosts_file()
    assert path == tmp_path / "a b" / "glue-wf" / "glue-wf-local-target.hosts"
    lines = [line.split() for line in path.read_text().splitlines()]
    assert [line[0] for line in lines] == ["127.0.0.1", "::1"]
    assert {"localhost", socket.gethostname()} <= set(lines[0][1:])
    stamp = path.stat().st_mtime_ns
    assert jvmguard.hosts_file() == path
    assert path.stat().st_mtime_ns == stamp  # written once per content


def test_a_clusters_hosts_are_in_a_hosts_file_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """spark_master: the driver resolves and reaches the cluster's hosts, and no others."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cluster = {"master.lan": ["10.0.0.5"], "10.0.0.6": ["10.0.0.6"]}
    path = jvmguard.hosts_file(cluster)
    assert path != jvmguard.hosts_file()
    text = path.read_text()
    assert text.startswith(jvmguard.hosts_text())
    assert text.endswith("10.0.0.5 master.lan\n")  # an address maps to no name of its own
    options = shlex.split(jvmguard.java_options(cluster))
    assert f"-Djdk.net.hosts.file={path}" in options
    assert "-DsocksNonProxyHosts=localhost|127.*|[::1]|10.0.0.5|10.0.0.6|master.lan" in options


def test_a_cache_that_cannot_be_written_gets_a_private_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # a file: no directory under it
    path = jvmguard.hosts_file()
    assert path.read_text() == jvmguard.hosts_text()
    assert not path.is_relative_to(blocked)


def test_every_local_spark_jvm_starts_with_the_guard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a b"))
    args = shlex.split(spark_submit_args("1g"))
    options = shlex.split(args[args.index("--driver-java-options") + 1])
    hosts = tmp_path / "a b" / "glue-wf" / "glue-wf-local-target.hosts"
    assert f"-Djdk.net.hosts.file={hosts}" in options  # one option, space and all
    for proxy in ("socksProxy", "http.proxy", "https.proxy"):
        assert f"-D{proxy}Host={jvmguard.REFUSED_PROXY}" in options
    assert "-Dhttp.nonProxyHosts=localhost|127.*|[::1]" in options
    assert "-DsocksNonProxyHosts=localhost|127.*|[::1]" in options


PROBE = """
from awsglue.context import GlueContext
from pyspark.context import SparkContext

sc = SparkContext.getOrCreate()
print("GATEWAY", "attached" if sc._gateway.proc is None else "own JVM")
try:
    sc._jvm.java.net.URL("https://example.com/data.csv").openStream()
    print("NET not refused")
except Exception as exc:
    print("NET", next(l for l in str(exc).splitlines() if "Exception" in l).strip(": "))
print("SUM", GlueContext(sc).spark_session.range(10).groupBy().sum().first()[0])
"""


# Plain PySpark, no awsglue import: it starts its JVM with the same settings.
PLAIN_PROBE = (
    PROBE.replace("from awsglue.context import GlueContext\n", "")
    .replace("from pyspark.context import SparkContext", "from pyspark.sql import SparkSession")
    .replace(
        "sc = SparkContext.getOrCreate()", "sc = SparkSession.builder.getOrCreate().sparkContext"
    )
    .replace("GlueContext(sc).spark_session", "SparkSession.builder.getOrCreate()")
)


@pytest.mark.spark
@pytest.mark.parametrize("source", [PROBE, PLAIN_PROBE], ids=["awsglue", "plain-pyspark"])
def test_a_job_with_its_own_jvm_is_guarded(
    local_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    monkeypatch.setenv("GLUE_WF_WARM_SPARK", "0")
    script = tmp_path / "probe.py"
    script.write_text(source)
    glue = boto3.client("glue")
    glue.create_job(
        Name="probe",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script)},
        GlueVersion="5.0",
    )
    run_id = glue.start_job_run(JobName="probe")["JobRunId"]
    deadline = time.monotonic() + 240
    run: dict[str, Any] = {}
    while time.monotonic() < deadline:
        run = glue.get_job_run(JobName="probe", RunId=run_id)["JobRun"]
        if run["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING"):
            break
        time.sleep(0.1)
    log = (local_home / "logs" / "jobs" / f"{run_id}.log").read_text()
    assert run["JobRunState"] == "SUCCEEDED", log
    lines = [line for line in log.splitlines() if line.split(" ")[0] in ("GATEWAY", "NET", "SUM")]
    assert lines == [
        "GATEWAY own JVM",
        f"NET java.net.UnknownHostException: {jvmguard.REFUSED_PROXY}",
        "SUM 45",
    ]
