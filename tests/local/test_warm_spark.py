"""The warm Spark: local Spark job runs attach to a kept JVM, isolated from each other."""

from __future__ import annotations

import os
import signal
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.awsglue_local import jvmguard
from glue_workflow.local.glue.logs import job_log_path
from glue_workflow.local.spark import control

pytestmark = pytest.mark.spark

# Each run prints what it can see of earlier runs, then leaves state behind: a temp
# view, a global temp view, a cached table, a UDF, a SQL conf, a Hadoop setting and a
# JVM system property. A fresh context per run must see none of them.
PROBE = """
import sys
from awsglue.context import GlueContext
from pyspark.context import SparkContext

sc = SparkContext.getOrCreate()
glue = GlueContext(sc)
spark = glue.spark_session
views = sorted(t.name for t in spark.catalog.listTables())
globals_ = sorted(t.name for t in spark.catalog.listTables("global_temp"))
udfs = [f.name for f in spark.catalog.listFunctions() if f.name == "leaky_udf"]
conf = spark.conf.get("spark.glue_wf.leak", "unset")
hadoop = sc._jsc.hadoopConfiguration().get("glue.wf.leak") or "unset"
prop = sc._jvm.java.lang.System.getProperty("glue.wf.leak") or "unset"
gateway = "attached" if sc._gateway.proc is None else "own JVM"
print(f"SEEN views={views} globals={globals_} udfs={udfs} conf={conf} hadoop={hadoop} "
      f"prop={prop} gateway={gateway} sum={spark.range(100).groupBy().sum().first()[0]}")
print(f"TMP {sc._jvm.java.lang.System.getProperty('java.io.tmpdir')}")
# Java's own requests off the machine (awsglue_local.jvmguard): refused, by name
def refused(call):
    try:
        call()
    except Exception as exc:
        return next(l for l in str(exc).splitlines() if "Exception" in l).strip(": ")
    return "not refused"
print("NET " + " | ".join([
    refused(lambda: sc._jvm.java.net.InetAddress.getByName("example.com")),
    refused(lambda: sc._jvm.java.net.URL("http://169.254.169.254/latest/").openStream()),
    refused(lambda: sc._jvm.java.net.Socket("10.1.2.3", 443)),
]))
df = spark.range(10)
df.createOrReplaceTempView("leaky_view")
df.createOrReplaceGlobalTempView("leaky_global")
spark.catalog.cacheTable("leaky_view")
spark.udf.register("leaky_udf", lambda x: x)
spark.conf.set("spark.glue_wf.leak", "yes")
sc._jsc.hadoopConfiguration().set("glue.wf.leak", "yes")
sc._jvm.java.lang.System.setProperty("glue.wf.leak", "yes")
# generated code: compiled by the first run on a JVM, reused by the next (not the jars)
from awsglue import _warm
from glue_workflow.local.spark.server import _local_executor

shared = _warm.context_started()
metric = sc._jvm.org.apache.spark.metrics.source.CodegenMetrics.METRIC_COMPILATION_TIME()
before = metric.getCount()
spark.range(1000).selectExpr("id * 3 AS x").where("x % 7 = 1").groupBy().sum().first()
loader = _local_executor(sc._jvm).defaultSessionState().urlClassLoader()
print(f"CODE shared={shared} compiled={metric.getCount() - before} jars={len(loader.getURLs())}")
if "--jar" in sys.argv:
    sc._jsc.sc().addJar(sys.argv[sys.argv.index("--jar") + 1])
    spark.range(4).repartition(2).count()
    print(f"JAR jars={len(loader.getURLs())}")
if "--sleep" in sys.argv:
    print("LONG JOB STARTED", flush=True)
    spark.range(10**12).selectExpr("sum(id * id)").collect()
if "--stuck" in sys.argv:  # a task that ignores interruption: quadratic backtracking
    print("STUCK JOB STARTED", flush=True)
    value = spark.range(1).selectExpr("concat(repeat('9', 400000 + id), 'x') AS v")
    value.selectExpr("v rlike '^[0-9]+[.]?[0-9]*$'").collect()  # in a task, not folded
"""


def _wait(glue: Any, run_id: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run = glue.get_job_run(JobName="probe", RunId=run_id)["JobRun"]
        if run["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING"):
            return dict(run)
        assert time.monotonic() < deadline, f"run still {run['JobRunState']}"
        time.sleep(0.1)


def _seen(home: Path, run_id: str) -> str:
    log = job_log_path(home, run_id).read_text()
    return next(line for line in log.splitlines() if line.startswith("SEEN"))


def _wait_for_log(home: Path, run_id: str, text: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    path = job_log_path(home, run_id)
    while not (path.is_file() and text in path.read_text()):
        assert time.monotonic() < deadline, f"{text!r} not in {path}"
        time.sleep(0.1)


def test_runs_share_the_jvm_but_no_state(warm_glue: Any, warm_home: Path) -> None:
    clean = (
        "SEEN views=[] globals=[] udfs=[] conf=unset hadoop=unset prop=unset "
        "gateway=attached sum=4950"
    )
    first = warm_glue.start_job_run(JobName="probe")["JobRunId"]
    assert _wait(warm_glue, first)["JobRunState"] == "SUCCEEDED"
    before = _ready(warm_home)
    second = warm_glue.start_job_run(JobName="probe")["JobRunId"]
    assert _wait(warm_glue, second)["JobRunState"] == "SUCCEEDED"
    assert _seen(warm_home, first) == clean
    assert _seen(warm_home, second) == clean
    after = _ready(warm_home)
    assert (after["jvm_pid"], after["runs"]) == (before["jvm_pid"], before["runs"] + 1)
    hosts = jvmguard.hosts_file()
    assert _line(warm_home, first, "NET ") == "NET " + " | ".join(
        [
            "java.net.UnknownHostException: Unable to resolve host example.com in hosts file "
            f"{hosts}",
            f"java.net.UnknownHostException: {jvmguard.REFUSED_PROXY}",
            f"java.net.SocketException: Can't connect to SOCKS proxy:{jvmguard.REFUSED_PROXY}",
        ]
    )
    # the JVM's temporary files are the home's (spark/tmp/<server pid>), not /tmp's
    tmp = Path(_line(warm_home, first, "TMP ")[4:])
    assert tmp.parent == warm_home.resolve() / "spark" / "tmp"
    assert tmp.name.isdigit()
    assert tmp.is_dir()


def _line(home: Path, run_id: str, start: str) -> str:
    log = job_log_path(home, run_id).read_text()
    return next(line for line in log.splitlines() if line.startswith(start))


def test_runs_share_generated_code_but_no_jars(
    warm_glue: Any, warm_home: Path, tmp_path: Path
) -> None:
    jar = tmp_path / "empty.jar"
    with zipfile.ZipFile(jar, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    lines = []
    for arguments in ({}, {}, {"--jar": str(jar)}, {}, {}):
        run_id = warm_glue.start_job_run(JobName="probe", Arguments=arguments)["JobRunId"]
        assert _wait(warm_glue, run_id)["JobRunState"] == "SUCCEEDED"
        lines.append(_line(warm_home, run_id, "CODE"))
        if arguments:
            # the jar reached the run's tasks' class loader...
            assert _line(warm_home, run_id, "JAR") == "JAR jars=1"
    # ...and not the next run's; the query's code compiled once is reused
    assert lines[1:] == [
        "CODE shared=shared compiled=0 jars=0",
        "CODE shared=shared compiled=0 jars=0",
        lines[3],
        "CODE shared=shared compiled=0 jars=0",
    ]
    assert lines[3].startswith("CODE shared=shared compiled=")
    assert lines[3].endswith("jars=0")
    assert lines[0].startswith("CODE shared=shared")


def test_a_killed_job_has_its_spark_work_cancelled(warm_glue: Any, warm_home: Path) -> None:
    run_id = warm_glue.start_job_run(JobName="probe", Arguments={"--sleep": "1"})["JobRunId"]
    _wait_for_log(warm_home, run_id, "LONG JOB STARTED")
    status = control.ask(warm_home, "status")
    assert status is not None
    assert status["job_run_id"] == run_id
    job_pid = _job_pid(warm_home, run_id)
    os.kill(job_pid, signal.SIGKILL)
    assert _wait(warm_glue, run_id)["JobRunState"] == "FAILED"
    _ready(warm_home)  # the endless Spark job was cancelled and the JVM reset
    after = warm_glue.start_job_run(JobName="probe")["JobRunId"]
    assert _wait(warm_glue, after)["JobRunState"] == "SUCCEEDED"
    assert "gateway=attached" in _seen(warm_home, after)


def test_a_task_that_ignores_cancellation_gets_its_jvm_replaced(
    warm_glue: Any, warm_home: Path
) -> None:
    # Cancelling the run's job group cannot end a thread that never checks for
    # interruption: the JVM the next run leases would run it on. It is replaced instead.
    run_id = warm_glue.start_job_run(JobName="probe", Arguments={"--stuck": "1"})["JobRunId"]
    _wait_for_log(warm_home, run_id, "STUCK JOB STARTED")
    time.sleep(1)  # the query's task is under way
    stuck_jvm = control.ask(warm_home, "status")["jvm_pid"]
    os.kill(_job_pid(warm_home, run_id), signal.SIGKILL)
    assert _wait(warm_glue, run_id)["JobRunState"] == "FAILED"
    assert _ready(warm_home)["jvm_pid"] != stuck_jvm
    with pytest.raises(ProcessLookupError):  # gone, not left spinning
        os.kill(stuck_jvm, 0)


def test_a_second_concurrent_run_starts_its_own_jvm(warm_glue: Any, warm_home: Path) -> None:
    holder = warm_glue.start_job_run(JobName="probe", Arguments={"--sleep": "1"})["JobRunId"]
    _wait_for_log(warm_home, holder, "LONG JOB STARTED")
    other = warm_glue.start_job_run(JobName="probe")["JobRunId"]
    assert _wait(warm_glue, other)["JobRunState"] == "SUCCEEDED"
    assert "gateway=own JVM" in _seen(warm_home, other)
    assert f"warm JVM busy with job run {holder}" in job_log_path(warm_home, other).read_text()
    warm_glue.batch_stop_job_run(JobName="probe", JobRunIds=[holder])
    assert _wait(warm_glue, holder)["JobRunState"] == "STOPPED"


def _ready(home: Path, timeout: float = 120) -> dict[str, Any]:
    """The warm Spark's status once its JVM is free (a run's reset follows its exit)."""
    deadline = time.monotonic() + timeout
    while (status := control.ask(home, "status")) is None or status["state"] != "ready":
        assert time.monotonic() < deadline, status
        time.sleep(0.1)
    return status


def _job_pid(home: Path, run_id: str) -> int:
    from glue_workflow.local.glue.state import GlueState
    from glue_workflow.local.store import LocalHome

    state = GlueState(LocalHome(home))
    row = state.conn.execute("SELECT pid FROM glue_job_runs WHERE id = ?", (run_id,)).fetchone()
    return int(row["pid"])


NO_SPARK = """
import sys
from awsglue.utils import getResolvedOptions

getResolvedOptions(sys.argv, ["JOB_NAME"])
print(f"PYSPARK imported={'pyspark' in sys.modules}")
"""


def test_a_run_that_never_imports_pyspark_never_leases_the_jvm(
    warm_glue: Any, warm_home: Path, tmp_path: Path
) -> None:
    """A Spark job the step cache serves imports awsglue but not pyspark: no lease, so
    the warm JVM stays free and no reset follows."""
    first = warm_glue.start_job_run(JobName="probe")["JobRunId"]  # the warm Spark is up
    assert _wait(warm_glue, first)["JobRunState"] == "SUCCEEDED"
    before = _ready(warm_home)
    script = tmp_path / "no_spark.py"
    script.write_text(NO_SPARK)
    warm_glue.update_job(
        JobName="probe",
        JobUpdate={
            "Role": "r",
            "Command": {"Name": "glueetl", "ScriptLocation": str(script)},
            "GlueVersion": "5.0",
        },
    )
    run_id = warm_glue.start_job_run(JobName="probe")["JobRunId"]
    assert _wait(warm_glue, run_id)["JobRunState"] == "SUCCEEDED"
    log = job_log_path(warm_home, run_id).read_text()
    assert "PYSPARK imported=False" in log
    assert "warm Spark" not in log
    after = control.ask(warm_home, "status")
    assert after is not None
    assert (after["state"], after["jvm_pid"], after["runs"]) == (
        "ready",
        before["jvm_pid"],
        before["runs"],
    )
