"""A Spark standalone cluster (one master, N workers) on 127.0.0.1, started from the
project's own pyspark installation: for trying ``spark_master`` on one machine, and
for the tests and benchmarks that run local Glue Spark jobs on a real cluster.

A real cluster is started with Spark's own scripts (``sbin/start-master.sh``,
``sbin/start-worker.sh``); this starts the same classes through ``bin/spark-class``
in the foreground (``SPARK_NO_DAEMONIZE``), so that stopping it needs only the
processes it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_workflow.local.glue.sparkcluster import MASTER_ENV, MASTER_UI_ENV, SparkClusterError


@dataclass(frozen=True, kw_only=True)
class StandaloneCluster:
    master: str  # spark://127.0.0.1:PORT
    ui: str  # the master's web UI, http://127.0.0.1:PORT
    work_dir: Path  # logs and the workers' directories

    def environment(self) -> dict[str, str]:
        """What points glue-wf's local Spark jobs at this cluster."""
        return {MASTER_ENV: self.master, MASTER_UI_ENV: self.ui}

    def state(self) -> dict[str, Any]:
        """The master's web UI JSON (workers, active and completed applications)."""
        with urllib.request.urlopen(f"{self.ui}/json", timeout=5) as response:  # noqa: S310
            result: dict[str, Any] = json.loads(response.read())
            return result


def spark_class() -> Path | None:
    """pyspark's ``bin/spark-class``, or None when it or ``java`` is missing."""
    import pyspark

    path = Path(pyspark.__file__).parent / "bin" / "spark-class"
    return path if path.is_file() and shutil.which("java") else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def standalone_cluster(
    work_dir: Path,
    *,
    workers: int = 2,
    cores: int = 1,
    memory_mb: int = 1024,
    timeout: float = 120.0,
) -> Iterator[StandaloneCluster]:
    """A master and ``workers`` workers of ``cores`` / ``memory_mb`` each, all on
    127.0.0.1; stopped (their process groups) on exit."""
    launcher = spark_class()
    if launcher is None:
        raise SparkClusterError(
            "a standalone Spark cluster needs java on PATH and pyspark's bin/spark-class"
        )
    work_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SPARK_HOME": str(launcher.parent.parent),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_WORKER_DIR": str(work_dir / "worker"),
        "SPARK_NO_DAEMONIZE": "1",
    }
    port, ui_port = _free_port(), _free_port()
    cluster = StandaloneCluster(
        master=f"spark://127.0.0.1:{port}", ui=f"http://127.0.0.1:{ui_port}", work_dir=work_dir
    )
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> None:
        with (work_dir / f"{name}.log").open("wb") as log:
            procs.append(
                subprocess.Popen(
                    [str(launcher), *args],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )

    try:
        start(
            "master",
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui_port)),
        )
        for i in range(1, workers + 1):
            start(
                f"worker{i}",
                "org.apache.spark.deploy.worker.Worker",
                cluster.master,
                *("--host", "127.0.0.1", "--cores", str(cores), "--memory", f"{memory_mb}m"),
                *("--webui-port", str(_free_port()), "--work-dir", str(work_dir / f"worker{i}")),
            )
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError, ValueError):
                alive = [w for w in cluster.state()["workers"] if w["state"] == "ALIVE"]
                if len(alive) == workers:
                    break
            if time.monotonic() > deadline:
                logs = "\n".join(p.read_text()[-1500:] for p in sorted(work_dir.glob("*.log")))
                raise SparkClusterError(
                    f"the standalone Spark cluster did not come up in {timeout:g} s:\n{logs}"
                )
            time.sleep(1)
        yield cluster
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
