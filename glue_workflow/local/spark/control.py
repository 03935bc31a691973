"""Start, ask and stop a local home's warm Spark (from the engine and the CLI)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glue_workflow.errors import LocalTargetError
from glue_workflow.local.glue.procs import JOB_RUN_MARK
from glue_workflow.local.spark.peer import foreign_peer
from glue_workflow.local.spark.settings import (
    ENV_ADDRESS,
    address,
    load,
    socket_address,
    spark_dir,
)

ASK_SECONDS = 10.0


def ask(home: Path, op: str) -> dict[str, Any] | None:
    """Send ``op`` (status | stop) to the warm Spark of ``home``; None if none runs."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(ASK_SECONDS)
    try:
        sock.connect(socket_address(address(home)))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    squatter = foreign_peer(sock)
    if squatter is not None:
        sock.close()
        raise LocalTargetError(
            f"the warm Spark address of {home} is held by another user's process (uid "
            f"{squatter}), not a warm Spark of yours: nothing was sent to it; stop that "
            "process, or set [target.local] warm_spark = false"
        )
    with sock:
        try:
            sock.sendall(json.dumps({"op": op}).encode() + b"\n")
            line = sock.makefile("rb").readline()
        except OSError:  # it closed while stopping
            return None
        if not line:
            return None
        reply: dict[str, Any] = json.loads(line)
        return reply


def running(home: Path) -> bool:
    return ask(home, "status") is not None


def stop(home: Path, *, wait_seconds: float = 30.0) -> dict[str, Any] | None:
    """Stop the warm Spark of ``home`` and wait until it is gone; its last status."""
    status = ask(home, "stop")
    deadline = time.monotonic() + wait_seconds
    while status is not None and running(home) and time.monotonic() < deadline:
        time.sleep(0.1)
    return status


def spark_job_environment(home: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The variables that attach a Spark job process to the warm Spark (started now if
    none runs); empty when ``warm_spark`` is off."""
    if not load(home, env).enabled:
        return {}
    if not running(home):
        start(home, env)
    return {ENV_ADDRESS: address(home)}


def prepare(home: Path, env: Mapping[str, str]) -> bool:
    """Start the warm Spark ahead of its first job (warmed up), unless ``warm_spark`` is
    off or one runs; True if one was started."""
    if not load(home, env).enabled or running(home):
        return False
    start(home, env, warm_up=True)
    return True


def start(home: Path, env: Mapping[str, str], *, warm_up: bool = False) -> None:
    """Spawn the warm Spark detached (its own session: a job's kill does not reach it).

    It binds its address first thing; a second one started concurrently finds the
    address taken and exits. ``warm_up``: started ahead of its jobs, it runs a small
    Spark workload before its first lease (see ``server.warm_up``).
    """
    directory = spark_dir(home)
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "warm.log").open("ab") as log:
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "glue_workflow.local.spark.server",
                str(Path(home).resolve()),
                *(["--warm-up"] if warm_up else []),
            ],
            # the local target's service, not the job run whose start started it
            env={k: v for k, v in env.items() if k != JOB_RUN_MARK},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
