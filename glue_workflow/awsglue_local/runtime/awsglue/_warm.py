"""Attach a local Spark job process to the local engine's warm Spark.

When the engine started the job with ``GLUE_WF_WARM_SPARK_ADDRESS`` and the job imports
``awsglue``, its first import of ``pyspark`` asks that address for a JVM and sets
PySpark's gateway variables (``PYSPARK_GATEWAY_PORT``/``PYSPARK_GATEWAY_SECRET``), so
the script's ``SparkContext()`` is a fresh context in the warm JVM instead of a JVM of
its own. The connection stays open for the life of this process: when it closes (exit,
stop, timeout, kill -9) the warm Spark cancels this run's Spark jobs, stops its context
and resets the JVM for the next run. No JVM free (another Spark job holds it) or no
answer: the job starts its own JVM, as without a warm Spark. Standard library only:
``awsglue`` is imported by Python shell jobs too (under Python 3.9), where this never
runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import struct
import sys
import time
from typing import Any

ADDRESS_ENV = "GLUE_WF_WARM_SPARK_ADDRESS"
CONNECT_SECONDS = 30.0  # the warm Spark process may still be starting (a loaded machine)
LEASE_SECONDS = 180.0  # its JVM may still be starting, or resetting after the last run

_lease: socket.socket | None = None
_job_group: str | None = None
_offers: dict[str, bool] = {}  # what the lease's warm Spark does: "code_cache"
# The warm Spark's log (its JVM's stdout and stderr), where it stood when this run
# attached, and the JVM's heap cap: what says the JVM ran out of memory during this run.
_log: dict[str, Any] = {}


def _job_run_id(argv: list[str]) -> str:
    for index, value in enumerate(argv[:-1]):
        if value == "--JOB_RUN_ID":
            return str(argv[index + 1])
    return f"glue-wf-job-{os.getpid()}"


def _connect(address: str) -> socket.socket:
    deadline = time.monotonic() + CONNECT_SECONDS
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # "@name": Linux's abstract socket namespace
            sock.connect("\0" + address[1:] if address.startswith("@") else address)
            return sock
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def attach() -> None:
    """Lease a warm JVM for this process (once); on any failure, leave Spark cold."""
    global _lease, _job_group
    address = os.environ.pop(ADDRESS_ENV, None)
    if not address or _lease is not None or "PYSPARK_GATEWAY_PORT" in os.environ:
        return
    run_id = _job_run_id(sys.argv)
    request = {
        "op": "lease",
        "job_run_id": run_id,
        "pid": os.getpid(),
        # what Spark's Python workers of this run need (its --extra-py-files, its home)
        "env": {k: os.environ[k] for k in ("PYTHONPATH", "GLUE_WF_HOME") if k in os.environ},
        "cwd": os.getcwd(),
    }
    sock = None
    try:
        sock = _connect(address)
        squatter = _foreign_peer(sock)
        if squatter is not None:  # send it nothing: not the run id, not the environment
            raise OSError(f"its address is held by another user's process (uid {squatter})")
        sock.settimeout(LEASE_SECONDS)
        sock.sendall(json.dumps(request).encode() + b"\n")
        answer: Any = json.loads(sock.makefile("rb").readline() or b"{}")
    except (OSError, ValueError) as exc:
        if sock is not None:
            sock.close()
        _say(f"warm Spark unavailable ({exc}); starting a JVM of its own")
        return
    if "port" not in answer:
        sock.close()
        _say(f"{answer.get('error', 'no warm JVM free')}; starting a JVM of its own")
        return
    sock.settimeout(None)
    os.environ["PYSPARK_GATEWAY_PORT"] = str(answer["port"])
    os.environ["PYSPARK_GATEWAY_SECRET"] = str(answer["secret"])
    # for the job's failure message (glue_workflow.jobkit.failure.WARM_SPARK_LEASE_ENV)
    os.environ["GLUE_WF_WARM_SPARK_LEASED"] = str(answer.get("pid") or "1")
    _lease, _job_group = sock, run_id
    _offers["code_cache"] = bool(answer.get("code_cache"))
    _log.clear()
    if answer.get("log"):
        with contextlib.suppress(OSError):  # only what is written from now on counts
            _log.update(path=str(answer["log"]), offset=os.path.getsize(str(answer["log"])))
    _log["memory"] = str(answer.get("memory") or "")
    _say(f"Spark job attached to the warm Spark (JVM pid {answer.get('pid')})")


def _foreign_peer(sock: socket.socket) -> int | None:
    """The uid at the other end when it is another user's (-1: unreadable); None when it
    is ours. The abstract address has no permissions: another user may bind it first
    (the server checks its clients the same way: glue_workflow.local.spark.peer; this
    runtime imports nothing of the package)."""
    if not hasattr(socket, "SO_PEERCRED"):
        return None
    try:
        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    except OSError:
        return -1
    uid = int(struct.unpack("3i", creds)[1])
    return None if uid == os.getuid() else uid


class _AttachOnImport:
    """A meta-path finder that only attaches, as ``pyspark`` is first imported."""

    def find_spec(self, name: str, *_: object) -> None:  # (name, path, target)
        if name == "pyspark":
            with contextlib.suppress(ValueError):
                sys.meta_path.remove(self)
            attach()


def attach_before_pyspark() -> None:
    """Attach now if pyspark is already imported, else as it is first imported."""
    if "pyspark" in sys.modules:
        attach()
    else:
        sys.meta_path.insert(0, _AttachOnImport())


ANSWER_SECONDS = 10.0


def context_started() -> str:
    """Tell the warm Spark this run's SparkContext is up, before its first task: the
    tasks then use the class loader of earlier runs' tasks, and with it the code Spark
    generated and compiled for them. The answer: "shared", "own" (not attached, or
    nothing to share)."""
    if _lease is None or not _offers.get("code_cache"):
        return "own"
    answer = b""
    try:
        _lease.settimeout(ANSWER_SECONDS)
        _lease.sendall(b"context\n")
        while not answer.endswith(b"\n"):
            chunk = _lease.recv(64)
            if not chunk:
                break
            answer += chunk
    except OSError:
        return "own"
    finally:
        with contextlib.suppress(OSError):
            _lease.settimeout(None)
    return "shared" if answer.strip() == b"shared" else "own"


def job_group() -> str | None:
    """The Spark job group of this run when attached (cancelled when the run ends)."""
    return _job_group


def _say(message: str) -> None:
    sys.stderr.write(f"glue-wf: {message}\n")
    sys.stderr.flush()


# HotSpot's words for a JVM out of memory, in a task's stack trace (Spark's uncaught
# exception handler then exits the JVM: code 52), -XX:+ExitOnOutOfMemoryError's
# "Terminating due to ..." or -XX:OnOutOfMemoryError's report.
_OOM = re.compile(r"[\w.$]*OutOfMemoryError\b[^\r\n]*")
LOG_TAIL_BYTES = 8 << 20  # read at most this much of what the log got during the run


def out_of_memory() -> str | None:
    """The last ``OutOfMemoryError`` line the warm Spark's log got since this run
    attached (``java.lang.OutOfMemoryError: Java heap space``); None if none, or not
    attached. Lines older than the attach are never read: an earlier run's error is
    not this one's."""
    path, offset = _log.get("path"), int(_log.get("offset", 0))
    if not path:
        return None
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            start = 0 if size < offset else max(offset, size - LOG_TAIL_BYTES)
            handle.seek(start)
            text = handle.read(size - start).decode("utf-8", "replace")
    except OSError:
        return None
    found = _OOM.findall(text)
    if not found:
        return None
    return str(found[-1]).strip()[:160]


def heap_cap() -> str:
    """The leased JVM's heap cap (``warm_spark_memory``: "1g"); "" if not known."""
    return str(_log.get("memory") or "")


_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def larger_heap(memory: str) -> str:
    """Twice ``memory`` in the JVM's notation ("512m" -> "1g", "768m" -> "1536m"); "2g"
    when ``memory`` is not a heap size."""
    match = re.fullmatch(r"([1-9][0-9]*)([kKmMgGtT]?)", memory.strip())
    if not match:
        return "2g"
    size = int(match.group(1)) * _UNITS.get(match.group(2).lower(), 1) * 2
    for unit in ("t", "g", "m", "k"):
        if size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size)


def raise_heap() -> str:
    """What to raise: ``warm_spark_memory``, its value and a larger one to try."""
    memory = heap_cap()
    if not memory:
        return 'raise [target.local] warm_spark_memory in glue-wf.toml (default "1g"), e.g. to "2g"'
    return (
        f'raise [target.local] warm_spark_memory in glue-wf.toml from "{memory}" to '
        f'"{larger_heap(memory)}" or more'
    )


def out_of_memory_reason(failure: str = "") -> str | None:
    """Why an attached run lost its JVM (``failure``: the error the job got) when the
    warm Spark's log shows the JVM ran out of memory during this run: the driver's
    heap, where the error is logged, and the setting to raise with its value and a
    larger one to try; None otherwise."""
    error = out_of_memory()
    if error is None:
        return None
    lost = f" and the job lost its JVM ({failure})" if failure else ""
    return (
        f"the Spark driver ran out of memory ({error}, in {_log['path']}){lost}: {raise_heap()}"
        ", then run the node again: glue-wf resume <run> --wait"
    )
