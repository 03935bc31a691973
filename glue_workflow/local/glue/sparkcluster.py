"""Local Glue Spark jobs on an existing Spark cluster (``spark_master``).

With ``[target.local] spark_master`` (or ``GLUE_WF_SPARK_MASTER``) set, a Spark job's
process is the driver of an application on that master (``spark://host:port`` for a
standalone cluster; ``yarn`` and ``k8s://...`` are passed through to spark-submit) in
client mode, instead of a ``local[*]`` session. The job's process gets it through
``PYSPARK_SUBMIT_ARGS``, which the local awsglue runtime leaves alone when set.

Executors receive the local awsglue runtime (a zip in ``--py-files``) and read the S3
stand-in by its local path: on one machine that is the same directory; a cluster on
other machines needs that directory (``GLUE_WF_HOME/s3``) mounted at the same path.

Sizing follows Glue: one executor per worker, with the worker type's vCPUs and memory
(AWS Glue Developer Guide, "AWS Glue worker types": G.1X = 1 DPU = 4 vCPUs / 16 GB, ...;
AWS CDK ``WorkerType``: "provides 1 executor per worker"), capped by what a standalone
cluster's workers offer (read from the master's web UI JSON), so an application never
waits for executors the cluster cannot start.

A master on loopback (a cluster on this machine) gets a driver bound to 127.0.0.1, as
in local mode, so nothing of the job listens on the machine's network interfaces; a
remote master's driver keeps the address Spark picks, which its executors connect to.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_workflow.errors import LocalTargetError
from glue_workflow.local.environment import local_paths

MASTER_ENV = "GLUE_WF_SPARK_MASTER"
MASTER_UI_ENV = "GLUE_WF_SPARK_MASTER_UI"  # standalone web UI; default http://<host>:8080
DEFAULT_UI_PORT = 8080

# (vCPUs, memory GB) per worker type: AWS Glue Developer Guide, "AWS Glue worker types".
WORKER_TYPES: dict[str, tuple[int, int]] = {
    "G.025X": (2, 4),
    "G.1X": (4, 16),
    "G.2X": (8, 32),
    "G.4X": (16, 64),
    "G.8X": (32, 128),
    "G.12X": (48, 192),
    "G.16X": (64, 256),
    "R.1X": (4, 32),
    "R.2X": (8, 64),
    "R.4X": (16, 128),
    "R.8X": (32, 256),
}
DPU = (4, 16)  # MaxCapacity jobs: one DPU = 4 vCPUs and 16 GB (same page)


class SparkClusterError(LocalTargetError):
    """The configured Spark master cannot be used; the message says how to fix it."""


Workers = list[dict[str, Any]] | None  # a standalone master's alive workers (its /json)


@dataclass(frozen=True, kw_only=True)
class Sizing:
    executors: int
    cores: int
    memory_mb: int
    note: str  # how the figures were reached, for the job's log


def configured_master(env: Mapping[str, str]) -> str | None:
    """The cluster to run Spark jobs on, or None (local mode, or a warm pool)."""
    master = (env.get(MASTER_ENV) or "").strip()
    if not master:
        return None
    host = _host(master)
    from glue_workflow.local import netguard

    aws = host.endswith((".amazonaws.com", ".amazonaws.com.cn"))
    if host and not aws and netguard._never_a_cluster(host):
        raise SparkClusterError(
            f"spark_master={master!r} is a link-local address ({host}), where AWS's instance "
            "metadata service answers: the local target never sends a request there; use the "
            "address of your own cluster's master (spark://HOST:PORT)"
        )
    if host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        # an EKS API server: the local target never sends a request to an AWS endpoint
        raise SparkClusterError(
            f"spark_master={master!r} is an AWS endpoint ({host}): the local target never "
            "sends a request to AWS; run Spark jobs on a cluster of your own (spark://HOST:"
            "PORT), or deploy the workflow with --target aws to run them on Glue"
        )
    if master == "yarn" or master.startswith(("k8s://", "local")):
        return master
    if master.startswith("spark://") and urllib.parse.urlsplit(master).port:
        return master
    raise SparkClusterError(
        f"spark_master={master!r} is not a Spark master URL: use spark://HOST:PORT (a "
        "standalone cluster), yarn or k8s://https://HOST:PORT ([target.local] spark_master "
        f"in glue-wf.toml or {MASTER_ENV})"
    )


def _host(master: str) -> str:
    return (urllib.parse.urlsplit(master.removeprefix("k8s://")).hostname or "").lower()


LOOPBACK_DRIVER = "127.0.0.1"


def loopback_master(master: str) -> bool:
    """Whether ``master`` is on this machine's loopback (127.0.0.0/8, ::1, localhost)."""
    from glue_workflow.local import netguard

    netloc = urllib.parse.urlsplit(master.removeprefix("k8s://")).netloc
    return bool(netloc) and netguard.is_loopback(f"http://{netloc}/")


def driver_binding(master: str) -> tuple[dict[str, str], dict[str, str]]:
    """(Spark settings, environment) binding the driver to 127.0.0.1 when ``master`` is on
    loopback, as a local-mode job is: its RPC, block manager and web UI ports (the UI
    binds to ``SPARK_LOCAL_IP``, else all interfaces) listen on loopback only, and Spark
    does not look up an interface's address. A remote master's driver is left as Spark
    picks it (or the user's ``SPARK_LOCAL_IP``): executors elsewhere connect back to it."""
    if not loopback_master(master):
        return {}, {}
    conf = {"spark.driver.host": LOOPBACK_DRIVER, "spark.driver.bindAddress": LOOPBACK_DRIVER}
    return conf, {"SPARK_LOCAL_IP": LOOPBACK_DRIVER}


def cluster_hosts(master: str, workers: Workers) -> dict[str, list[str]]:
    """The cluster's host names and their addresses, for the driver JVM's hosts file: the
    master's and a standalone cluster's alive ``workers``' (an address is its own)."""
    import socket

    names = [_host(master), *(str(w.get("host", "")).lower() for w in workers or [])]
    found: dict[str, list[str]] = {}
    for name in dict.fromkeys(n for n in names if n):
        try:
            found[name] = sorted({str(i[4][0]) for i in socket.getaddrinfo(name, None)})
        except OSError:  # unresolvable now: the job fails naming the host
            found[name] = []
    return found


def glue_sizing(job: Mapping[str, Any]) -> tuple[int, int, int, str]:
    """(executors, cores, memory MB, what) of a Glue job definition."""
    worker_type = job.get("WorkerType")
    if worker_type:
        cores, memory_gb = WORKER_TYPES.get(str(worker_type), DPU)
        count = int(job.get("NumberOfWorkers") or 2)
        return count, cores, memory_gb * 1024, f"{count} x {worker_type}"
    dpus = max(1, int(float(job.get("MaxCapacity") or 2)))
    return dpus, DPU[0], DPU[1] * 1024, f"{dpus} DPU"


def standalone_capacity(master: str, env: Mapping[str, str]) -> Workers:
    """The alive workers of a standalone master (its web UI's /json), None if unreachable."""
    ui = (
        env.get(MASTER_UI_ENV)
        or f"http://{urllib.parse.urlsplit(master).hostname}:{DEFAULT_UI_PORT}"
    )
    # Straight to the master, never through HTTP_PROXY: the network guard lets the
    # cluster's host through, not a proxy's.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{ui.rstrip('/')}/json", timeout=5) as response:
            state = json.loads(response.read())
    except (OSError, ValueError):
        return None
    return [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]


def sizing(job: Mapping[str, Any], master: str, workers: Workers) -> Sizing:
    """Glue's sizing of ``job``, capped by a standalone master's alive ``workers`` (None:
    not a standalone master, or its web UI was not reachable)."""
    count, cores, memory_mb, what = glue_sizing(job)
    if not master.startswith("spark://"):
        return Sizing(
            executors=count,
            cores=cores,
            memory_mb=memory_mb,
            note=f"{what}: {count} executor(s) x {cores} cores, {memory_mb} MB",
        )
    if workers is None:
        return Sizing(
            executors=count,
            cores=cores,
            memory_mb=memory_mb,
            note=(
                f"{what}: {count} executor(s) x {cores} cores, {memory_mb} MB, not capped: the "
                f"master's web UI was not reachable (set {MASTER_UI_ENV})"
            ),
        )
    if not workers:
        raise SparkClusterError(f"Spark master {master} has no alive worker")
    worker_cores = max(int(w["cores"]) for w in workers)
    worker_memory = max(int(w["memory"]) for w in workers)
    capped_cores, capped_memory = min(cores, worker_cores), min(memory_mb, worker_memory)
    # One executor per worker fits per cluster worker as often as its cores and memory allow.
    slots = sum(
        min(int(w["cores"]) // capped_cores, int(w["memory"]) // capped_memory) for w in workers
    )
    executors = max(1, min(count, slots))
    capped = (executors, capped_cores, capped_memory) != (count, cores, memory_mb)
    return Sizing(
        executors=executors,
        cores=capped_cores,
        memory_mb=capped_memory,
        note=(
            f"{what}: {executors} executor(s) x {capped_cores} cores, {capped_memory} MB"
            + (
                f" (Glue: {count} x {cores} cores, {memory_mb} MB; capped by the cluster)"
                if capped
                else ""
            )
        ),
    )


def runtime_zip(runtime_dir: Path, cache_dir: Path) -> Path:
    """A zip of the local awsglue runtime for executors, rebuilt when its files change."""
    files = sorted(p for p in runtime_dir.rglob("*.py") if "__pycache__" not in p.parts)
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(runtime_dir).as_posix().encode())
        digest.update(path.read_bytes())
    target = cache_dir / f"awsglue-runtime-{digest.hexdigest()[:16]}.zip"
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(runtime_dir).as_posix())
    partial.replace(target)
    return target


def submit_environment(
    env: Mapping[str, str],
    job: Mapping[str, Any],
    *,
    runtime_dir: Path,
    cache_dir: Path,
    py_files: list[str],
    app_name: str,
    python: str,
) -> tuple[dict[str, str], str]:
    """``env`` with PYSPARK_SUBMIT_ARGS for the configured cluster, and a log line;
    ``env`` unchanged and "" without ``spark_master``."""
    master = configured_master(env)
    if master is None:
        return dict(env), ""
    from glue_workflow.local import netguard

    # this process reads the master's web UI and looks the cluster's hosts up: under the
    # guard, it reaches no other host
    guarded = netguard.installed()
    netguard.install(env)
    try:
        workers = standalone_capacity(master, env) if master.startswith("spark://") else None
        size = sizing(job, master, workers)
        cluster = cluster_hosts(master, workers)
    finally:
        netguard.ENABLED["on"] = guarded
    shipped = [str(runtime_zip(runtime_dir, cache_dir))]
    shipped += [p for p in py_files if Path(p).is_file()]
    conf = {
        "spark.app.name": app_name,
        "spark.executor.cores": str(size.cores),
        "spark.executor.memory": f"{size.memory_mb}m",
        "spark.pyspark.python": python,  # the same path on every machine of the cluster
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "8",
    }
    if env.get("GLUE_WF_HOME"):  # executors' awsglue code finds the S3 stand-in by it
        conf["spark.executorEnv.GLUE_WF_HOME"] = env["GLUE_WF_HOME"]
    binding, binding_env = driver_binding(master)
    conf.update(binding)
    if master.startswith("spark://"):
        conf["spark.cores.max"] = str(size.executors * size.cores)
    else:
        conf["spark.executor.instances"] = str(size.executors)
    from glue_workflow.awsglue_local import JIT_OPTIONS, jvmguard

    # The driver's JVM resolves and reaches this machine and the cluster's hosts only
    # (awsglue_local.jvmguard); executors too when every worker runs on this machine
    # (on other machines the guard's hosts file is not there).
    guard = jvmguard.java_options(cluster)
    if all(netguard.local_address(h) for h in cluster):
        conf["spark.executor.extraJavaOptions"] = guard
        # their Python workers install the local target's guards as every local process does
        conf["spark.executorEnv.PYTHONPATH"] = os.pathsep.join(local_paths())
    args = ["--master", master, "--py-files", ",".join(shipped)]
    args += ["--driver-java-options", f"{JIT_OPTIONS} {guard}"]
    for key, value in conf.items():
        args += ["--conf", f"{key}={value}"]
    result = {**env, **binding_env}
    result["PYSPARK_SUBMIT_ARGS"] = shlex.join([*args, "pyspark-shell"])  # pyspark shlex-splits
    return result, f"glue-wf: Spark job on cluster {master}: {size.note}\n"
