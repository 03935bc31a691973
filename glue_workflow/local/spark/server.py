"""The warm Spark process of one local home (``python -m glue_workflow.local.spark.server``).

It keeps one JVM (PySpark's gateway, started as a job's own would be, heap capped) and
leases it to one Spark job run at a time over a Unix socket. A lease answers the gateway
port and secret; it ends when the job's connection closes, however the job ended. Then
this run's job group is cancelled, its ``SparkContext`` stopped (cancelling the rest of
its work, dropping its temp views, cached tables, UDFs, conf and Hadoop settings), the
default/active sessions cleared, Hadoop's FileSystem cache closed and the JVM's system
properties restored, so nothing of one run reaches the next. What runs share is Spark's
cache of compiled generated code: each run's tasks get the same (empty) class loader
(``share_code_cache``), so a query an earlier run compiled is not compiled again. The
JVM is replaced after ``RUNS_PER_JVM`` runs or if it died; the process exits after
``idle_seconds`` unused, on ``stop`` or on SIGTERM, and its JVM with it (the JVM also
exits when this process dies: it watches the stdin pipe PySpark gives it).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from glue_workflow.awsglue_local import s3_scheme_conf, spark_submit_args
from glue_workflow.config import WarmSpark
from glue_workflow.local.spark import classcache, scratch
from glue_workflow.local.spark.control import running
from glue_workflow.local.spark.peer import foreign_peer
from glue_workflow.local.spark.settings import address, load, socket_address, spark_dir

RUNS_PER_JVM = 25  # bounds what a long-lived JVM accumulates (metaspace, threads)
LEASE_WAIT_SECONDS = 150.0  # a lease waits this long for a starting/resetting JVM
STOP_GRACE_SECONDS = 10.0
ARCHIVE_GRACE_SECONDS = 120.0
CONSTRUCTING_WAIT_SECONDS = 30.0  # a SparkContext a stopped job was building
# A cancelled task's thread ends at its next interruption check; code that never checks
# (a regular expression backtracking through a huge value) would keep a core busy in the
# JVM the next run gets. Past this wait the JVM is replaced instead.
TASK_EXIT_WAIT_SECONDS = 10.0
TASK_THREAD = "Executor task launch worker"
OOM_EXIT_CODE = 52  # SparkExitCode.OOM: its uncaught exception handler's, on an OOM


@dataclass
class Jvm:
    """One warm JVM: its gateway, process, state and the system properties to restore."""

    gateway: Any = None
    proc: Any = None
    state: str = "starting"  # starting | ready | leased | resetting | failed | stopped
    error: str = ""
    runs: int = 0
    properties: Any = None
    holder: dict[str, Any] = field(default_factory=dict)
    code_loader: Any = None  # the class loader the runs' tasks share (share_code_cache)
    archive_part: Path | None = None  # the class archive this JVM writes at exit
    memory: str = ""  # its heap cap (the settings' memory it was launched with)

    @property
    def pid(self) -> int | None:
        return int(self.proc.pid) if self.proc is not None else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def launch(settings: WarmSpark) -> Jvm:
    """Start a JVM with PySpark's gateway, as a job's ``SparkContext()`` would."""
    # no class archive yet on this machine: this JVM writes one as it exits
    part = classcache.dump_target(os.getpid())
    options = (
        classcache.java_option("ArchiveClassesAtExit", part) if part else classcache.java_options()
    )
    os.environ["PYSPARK_SUBMIT_ARGS"] = spark_submit_args(settings.memory, options)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.java_gateway import launch_gateway

    gateway = launch_gateway()  # type: ignore[no-untyped-call]
    jvm = Jvm(gateway=gateway, proc=gateway.proc, archive_part=part, memory=settings.memory)
    jvm.properties = gateway.jvm.java.lang.System.getProperties().clone()
    return jvm


def prepare(jvm: Jvm, request: dict[str, Any], home: Path) -> None:
    """What this run's context must see: its Python workers' PYTHONPATH and home, and
    the S3 schemes mapped onto the home's S3 directory (its buckets as they are now).

    Spark reads ``spark.*`` JVM system properties as a new ``SparkConf``'s defaults;
    they are restored from the snapshot when the lease ends. A context still active
    here was finished after the last run's reset (see ``reset``): it is stopped, or this
    run's own context would be refused ("Only one SparkContext should be running").
    """
    leftover = _context_module(jvm).getActive()
    if leftover.isDefined():
        leftover.get().stop()
        log(f"JVM pid {jvm.pid}: stopped a SparkContext left by an earlier run")
    system = jvm.gateway.jvm.java.lang.System
    for name, value in (request.get("env") or {}).items():
        system.setProperty(f"spark.executorEnv.{name}", str(value))
    for name, value in s3_scheme_conf(home / "s3").items():
        system.setProperty(name, value)


def _field(obj: Any, name: str) -> Any:
    """A private field of a JVM object (Spark keeps what is needed here private)."""
    declared = obj.getClass().getDeclaredField(name)
    declared.setAccessible(True)
    return declared.get(obj)


LOCAL_ENDPOINT = "org.apache.spark.scheduler.local.LocalEndpoint"
SHARED_LOADER = "org.apache.spark.util.MutableURLClassLoader"


def _local_executor(java: Any) -> Any:
    """The executor of the active local-mode SparkContext, or None."""
    env = java.org.apache.spark.SparkEnv.get()
    if env is None:
        return None
    endpoints = _field(_field(env.rpcEnv(), "dispatcher"), "endpointRefs")
    for endpoint in endpoints.keySet().toArray():
        if endpoint.getClass().getName() == LOCAL_ENDPOINT:
            return _field(endpoint, f"{LOCAL_ENDPOINT.replace('.', '$')}$$executor")
    return None


def share_code_cache(jvm: Jvm) -> bool:
    """Give the leased run's tasks the class loader earlier runs' tasks had.

    Spark caches the classes it compiles from generated code by (the compiling
    thread's context class loader, code). Each SparkContext's executor has a class
    loader of its own, so every run compiled its queries' code again (Janino), and the
    JIT compiled the new classes again: about a second and several CPU seconds a run
    of the shipped ETL. Tasks of each run now use one shared, empty class loader. A run
    whose tasks add jars to it (``--extra-jars``) gets it dropped at its release
    (``release_code_cache``). False when there is nothing to share (not local mode, or
    the run's loader already holds jars), or it failed: a missed cache only costs time."""
    try:
        return _share_code_cache(jvm)
    except Exception as exc:
        log(f"JVM pid {jvm.pid}: generated code not shared with this run: {exc}")
        return False


def _share_code_cache(jvm: Jvm) -> bool:
    java = jvm.gateway.jvm
    executor = _local_executor(java)
    if executor is None:
        return False
    state = executor.defaultSessionState()
    own = state.urlClassLoader()
    # a child-first loader (spark.executor.userClassPathFirst) or a REPL's: left alone
    plain = own.getClass().getName() == SHARED_LOADER
    if not plain or len(own.getURLs()) or state.replClassLoader() != own:
        return False
    if jvm.code_loader is None or jvm.code_loader.getParent() != own.getParent():
        urls = jvm.gateway.new_array(java.java.net.URL, 0)
        jvm.code_loader = java.org.apache.spark.util.MutableURLClassLoader(urls, own.getParent())
    getattr(state, "urlClassLoader_$eq")(jvm.code_loader)
    getattr(state, "replClassLoader_$eq")(jvm.code_loader)
    return True


def release_code_cache(jvm: Jvm) -> None:
    """Drop the shared loader if the run added jars to it: none reach the next run."""
    if jvm.code_loader is not None and len(jvm.code_loader.getURLs()):
        jvm.code_loader = None


def _context_module(jvm: Jvm) -> Any:
    """Scala's ``object SparkContext`` (its ``getActive`` is private[spark])."""
    module = jvm.gateway.jvm.java.lang.Class.forName("org.apache.spark.SparkContext$")
    return module.getField("MODULE$").get(None)


def _constructing(module: Any) -> bool:
    """A SparkContext is being built (``contextBeingConstructed``, private in Scala)."""
    try:
        return bool(_field(module, "contextBeingConstructed").isDefined())
    except Exception:  # another Spark's field: then there is nothing to wait for
        return False


def running_tasks(jvm: Jvm) -> int:
    """Task threads still alive in the JVM (after ``reset``: tasks that ignored the
    cancellation)."""
    threads = jvm.gateway.jvm.java.lang.Thread.getAllStackTraces().keySet().toArray()
    return sum(1 for t in threads if str(t.getName()).startswith(TASK_THREAD) and t.isAlive())


def tasks_ended(jvm: Jvm, wait: float = TASK_EXIT_WAIT_SECONDS) -> bool:
    deadline = time.monotonic() + wait
    while running_tasks(jvm):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def reset(jvm: Jvm, job_group: str) -> None:
    """End the leased run's Spark state (see the module docstring)."""
    java = jvm.gateway.jvm
    module = _context_module(jvm)
    # A job stopped while its SparkContext was being built leaves that build going on in
    # the JVM: wait for it, so the context it makes is stopped here too.
    deadline = time.monotonic() + CONSTRUCTING_WAIT_SECONDS
    while (
        not module.getActive().isDefined() and _constructing(module) and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    active = module.getActive()
    if active.isDefined():
        context = active.get()
        context.cancelJobGroup(job_group)
        context.stop()
    java.org.apache.spark.sql.SparkSession.clearDefaultSession()
    java.org.apache.spark.sql.SparkSession.clearActiveSession()
    java.org.apache.hadoop.fs.FileSystem.closeAll()
    java.java.lang.System.setProperties(jvm.properties.clone())


WARM_UP_GROUP = "glue-wf-warm-up"


def warm_up(jvm: Jvm, scratch: Path, wanted: Callable[[], bool]) -> None:
    """A first SparkContext and the kinds of query an ETL job runs (CSV write and read,
    a wide aggregate, a cached join), then the same reset as after a job run: the
    classes every job's first context loads and the planner's first JIT compilation
    are paid here, ahead of the first run. Run only when the warm Spark is started
    ahead of its jobs (``--warm-up``, by a local deploy), and not when a job already
    waits for the JVM; it stops between steps once ``wanted()`` (a job waits for the
    JVM: the job's own work warms it as well)."""
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    context = SparkContext(gateway=jvm.gateway, conf=SparkConf().setAppName("glue-wf warm-up"))
    try:
        context.setJobGroup(WARM_UP_GROUP, "glue-wf warm-up", interruptOnCancel=True)
        share_code_cache(jvm)
        spark = SparkSession(context)
        rows = spark.range(2000).selectExpr(
            "id", "CAST(id % 7 AS STRING) AS kind", "id * 0.5 AS value", "id % 2 = 0 AS flag"
        )
        path = str(scratch / "warm-up")
        aggregates = [f"{f}({c})" for f in ("sum", "avg", "min", "max") for c in ("id", "value")]
        aggregates += [
            "count_if(value > 10)",
            "collect_set(kind)",
            "percentile_approx(value, array(0.1, 0.5, 0.9), 1000)",
        ]
        steps: list[Callable[[], object]] = [
            lambda: rows.write.mode("overwrite").option("header", True).csv(path),
            lambda: spark.read.option("header", True).schema(rows.schema).csv(path).cache().count(),
            lambda: rows.groupBy("kind", "flag").agg(*[F.expr(a) for a in aggregates]).collect(),
            lambda: rows.join(rows.select("id"), "id").where("value < 100").count(),
        ]
        for step in steps:
            if wanted():
                break
            step()
    finally:
        shutil.rmtree(scratch / "warm-up", ignore_errors=True)
        reset(jvm, WARM_UP_GROUP)


def shutdown(jvm: Jvm) -> None:
    """Stop the JVM: close its stdin (it exits on EOF), kill it if it lingers."""
    jvm.state = "stopped"
    if jvm.proc is None:
        return
    with contextlib.suppress(Exception):  # the connection may be gone with the JVM
        jvm.gateway.shutdown()
    try:
        if jvm.proc.stdin is not None:
            jvm.proc.stdin.close()
        # writing the class archive takes a few seconds of the exit
        jvm.proc.wait(ARCHIVE_GRACE_SECONDS if jvm.archive_part else STOP_GRACE_SECONDS)
    except (OSError, subprocess.TimeoutExpired):
        jvm.proc.kill()
        jvm.proc.wait()
    if jvm.archive_part is not None:
        if jvm.proc.returncode == 0 and classcache.keep(jvm.archive_part):
            log(f"JVM pid {jvm.pid} wrote the class archive (classcache)")
        else:
            jvm.archive_part.unlink(missing_ok=True)


class WarmSparkServer:
    def __init__(self, home: Path, settings: WarmSpark, *, warm_up: bool = False) -> None:
        self.home = home
        self.settings = settings
        self.warm_up = warm_up  # the first JVM only: it was started ahead of its jobs
        self.wanted = threading.Event()  # a lease waits for the JVM: cut the warm-up short
        self.cond = threading.Condition()
        self.jvm = Jvm()
        self.last_used = time.monotonic()
        self.stopping = False
        self.runs = 0

    # -- the JVM's life ------------------------------------------------------
    def start_jvm(self) -> None:
        with self.cond:
            self.jvm = jvm = Jvm()
        try:
            started = launch(self.settings)
        except Exception as exc:
            with self.cond:
                jvm.state, jvm.error = "failed", f"warm JVM failed to start: {exc}"
                self.cond.notify_all()
            log(jvm.error)
            return
        warm, self.warm_up = self.warm_up, False
        if warm and self.wanted.is_set():  # a job waits: its own work warms the JVM
            log(f"JVM pid {started.pid}: a job waits, no warm-up")
        elif warm:
            begun = time.monotonic()
            try:
                warm_up(started, spark_dir(self.home) / "work", self.wanted.is_set)
            except Exception as exc:  # a JVM in an unknown state: start a fresh one
                log(f"JVM pid {started.pid} warm-up failed, replacing it: {exc}")
                shutdown(started)
                self.start_jvm()
                return
            log(f"JVM pid {started.pid} warmed up in {time.monotonic() - begun:.1f} s")
        with self.cond:
            if self.stopping:
                shutdown(started)
                return
            self.jvm = started
            started.state = "ready"
            self.cond.notify_all()
        log(f"JVM pid {started.pid} ready (heap cap {self.settings.memory})")

    def outdated(self, jvm: Jvm) -> bool:
        """Take up the settings the project recorded since this server started (a new
        ``warm_spark_memory`` in glue-wf.toml); True if ``jvm``'s heap cap is no longer
        the configured one, so it is to be replaced."""
        fresh = load(self.home)
        with self.cond:
            self.settings = replace(
                self.settings, memory=fresh.memory, idle_seconds=fresh.idle_seconds
            )
            return jvm.memory != self.settings.memory

    def lease(self, conn: socket.socket, request: dict[str, Any]) -> None:
        group = str(request.get("job_run_id") or "glue-wf")
        deadline = time.monotonic() + LEASE_WAIT_SECONDS
        self.wanted.set()
        with self.cond:
            idle = self.jvm if self.jvm.state == "ready" else None
        if idle is not None and self.outdated(idle):  # (a busy one: when it is released)
            with self.cond:
                replaced = idle.state == "ready"
                if replaced:
                    idle.state = "resetting"
            if replaced:
                log(f"JVM pid {idle.pid}: heap cap now {self.settings.memory}, replacing it")
                shutdown(idle)
                self.start_jvm()
        with self.cond:
            # "stopped" while the server runs: a JVM being replaced (after its 25th run, a
            # failed reset), whose successor starts next
            while self.jvm.state in ("starting", "resetting", "stopped") and not self.stopping:
                if not self.cond.wait(max(0.0, deadline - time.monotonic())):
                    break
            jvm = self.jvm
            if self.stopping or jvm.state != "ready":
                reason = jvm.error or f"warm JVM {jvm.state}"
                if jvm.state == "leased":
                    reason = f"warm JVM busy with job run {jvm.holder.get('job_run_id')}"
                answer(conn, {"error": "warm Spark stopping" if self.stopping else reason})
                return
            jvm.state, jvm.holder = "leased", dict(request)
        try:
            prepare(jvm, request, self.home)
            params = jvm.gateway.java_parameters
            # "code_cache": this server answers the job's "context" (a job started by an
            # older server's engine asks nothing)
            # "log" and "memory": where the JVM's own output goes and its heap cap, so the
            # job names an out-of-memory error logged during its run (awsglue._warm)
            answer(
                conn,
                {
                    "port": params.port,
                    "secret": params.auth_token,
                    "pid": jvm.pid,
                    "code_cache": 1,
                    "log": self.log_path(),
                    "memory": jvm.memory,
                },
            )
            log(f"JVM pid {jvm.pid} leased to {group} (pid {request.get('pid')})")
            conn.settimeout(None)
            # until the job's process closes it, however it ends; it says "context"
            # once its SparkContext is up, and waits for the answer
            while data := conn.recv(4096):
                if b"context" in data:
                    conn.sendall(b"shared\n" if share_code_cache(jvm) else b"own\n")
        except OSError:
            pass
        finally:
            self.release(jvm, group)

    def log_path(self) -> str | None:
        """This process's log (its stdout, which its JVMs share): ``warm.log`` when
        started by ``control.start``; None when its stdout is something else."""
        path = spark_dir(self.home) / "warm.log"
        try:
            ours, there = os.fstat(sys.stdout.fileno()), path.stat()
        except (OSError, ValueError, AttributeError):
            return None
        same = (ours.st_dev, ours.st_ino) == (there.st_dev, there.st_ino)
        return str(path) if same else None

    def release(self, jvm: Jvm, group: str) -> None:
        with self.cond:
            jvm.state = "resetting"
        code = jvm.proc.poll() if jvm.proc is not None else None
        if code is not None and not self.stopping:
            # 52: Spark's exit on an OutOfMemoryError in a task (SparkExitCode.OOM)
            why = " (Spark's exit on an OutOfMemoryError)" if code == OOM_EXIT_CODE else ""
            log(f"JVM pid {jvm.pid} exited with code {code}{why} while leased to {group}")
        healthy = jvm.alive() and not self.stopping
        if healthy:
            try:
                reset(jvm, group)
                release_code_cache(jvm)
                if not tasks_ended(jvm):
                    log(
                        f"JVM pid {jvm.pid}: {running_tasks(jvm)} task(s) of {group} still "
                        "running after its Spark work was cancelled (code that ignores "
                        "interruption), replacing it"
                    )
                    healthy = False
            except Exception as exc:
                log(f"JVM pid {jvm.pid} reset failed, replacing it: {exc}")
                healthy = False
        jvm.runs += 1
        log(f"JVM pid {jvm.pid} released by {group} ({jvm.runs} run(s))")
        if healthy and self.outdated(jvm):
            log(f"JVM pid {jvm.pid}: heap cap now {self.settings.memory}, replacing it")
            healthy = False
        if healthy and jvm.runs < RUNS_PER_JVM:
            with self.cond:
                jvm.state, jvm.holder = "ready", {}
                self.last_used = time.monotonic()
                self.cond.notify_all()
            return
        shutdown(jvm)
        with self.cond:
            self.last_used = time.monotonic()
            if self.stopping:
                self.cond.notify_all()
                return
        self.start_jvm()

    # -- requests ------------------------------------------------------------
    def handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(10)
                request = json.loads(conn.makefile("rb").readline() or b"{}")
            except (OSError, ValueError):
                return
            op = request.get("op")
            if op == "lease":
                self.lease(conn, request)
            elif op == "status":
                answer(conn, self.status())
            elif op == "stop":
                status = self.status()
                with self.cond:
                    self.stopping = True
                    self.cond.notify_all()
                answer(conn, status)
            else:
                answer(conn, {"error": f"unknown op {op!r}"})

    def status(self) -> dict[str, Any]:
        with self.cond:
            jvm = self.jvm
            return {
                "pid": os.getpid(),
                "jvm_pid": jvm.pid,
                "state": jvm.state,
                "job_run_id": jvm.holder.get("job_run_id"),
                "runs": jvm.runs,
                "memory": self.settings.memory,
                "idle_seconds": self.settings.idle_seconds,
            }

    def idle(self) -> bool:
        with self.cond:
            unused = time.monotonic() - self.last_used
            return self.jvm.state in ("ready", "failed") and unused > self.settings.idle_seconds

    def serve(self, listener: socket.socket) -> None:
        threading.Thread(target=self.start_jvm, daemon=True).start()
        listener.settimeout(0.5)
        while not self.stopping:
            if self.idle():
                log(f"idle for {self.settings.idle_seconds} s: stopping")
                break
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            if not same_user(conn):
                conn.close()
                continue
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()
        listener.close()
        with self.cond:
            self.stopping = True
            jvm = self.jvm
        shutdown(jvm)
        log("stopped")


def same_user(conn: socket.socket) -> bool:
    """Whether the peer runs as this process's user. An abstract socket has no file
    permissions and its name is listed in /proc/net/unix: without this check any local
    user could lease the JVM (its gateway's port and secret) and run code as us."""
    uid = foreign_peer(conn)
    if uid is not None:
        log(f"refused a connection from uid {uid}: the warm Spark serves its own user only")
        return False
    return True


def answer(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def log(message: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    sys.stdout.write(f"{stamp} warm-spark: {message}\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    home = Path(argv[0]).resolve()
    warm = "--warm-up" in argv[1:]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    where = address(home)
    if not where.startswith("@"):  # a socket file: stale unless a server answers on it
        Path(where).parent.mkdir(parents=True, exist_ok=True)
        if running(home):
            return 0
        Path(where).unlink(missing_ok=True)
    try:
        listener.bind(socket_address(where))
    except OSError:
        return 0  # another warm Spark serves this home already
    listener.listen(16)
    # the JVMs' temporary files (spark/tmp/<this pid>): the only server of this home
    # sweeps what killed ones left
    temporary = spark_dir(home) / "tmp"
    scratch.sweep(temporary)
    os.environ.update(scratch.environment(temporary / str(os.getpid()), os.environ))
    server = WarmSparkServer(home, load(home), warm_up=warm)
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "stopping", True))
    work = spark_dir(home) / "work"  # the JVM's working directory (spark-warehouse etc.)
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(work)
    log(f"serving {home} (pid {os.getpid()})")
    try:
        server.serve(listener)
    finally:
        scratch.remove(temporary / str(os.getpid()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
