"""Spare processes per local home: started ahead, claimed by the next deploy or job.

Most of a new endpoint's start is a new interpreter importing numpy and xgboost; so is
most of a training or processing job's. After each endpoint launch the local target
starts one spare server process (pool ``endpoint``) that does that much and waits; the
next CreateEndpoint or UpdateEndpoint in the same home claims it and hands it the model,
so only the model load remains before ``/ping`` answers (as Glue's warm pools keep Spark
started). Training and processing jobs claim from pool ``worker`` (``spare_worker``:
xgboost, pandas and scikit-learn imported, as in the XGBoost container), which keeps
``WORKER_SPARES`` waiting: a pipeline's training job and the evaluation after it both
start warm. ``GLUE_WF_ENDPOINT_SPARE=0`` turns both pools off.

Hand-over, without polling: the spare lists itself as ``<token>.json`` in its pool's
folder and holds a FIFO open; a claimer renames the listing away (only one rename
wins), writes the assignment into the FIFO, and the spare does it. An unclaimed spare
exits after ``SPARE_IDLE`` seconds, or soon after its home's state directory is gone.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_workflow.local.sagemaker import procs
from glue_workflow.local.store import LocalHome

SERVER = "glue_workflow.local.sagemaker.server"
WORKER = "glue_workflow.local.sagemaker.spare_worker"
SPARE_IDLE = 600.0  # seconds an unclaimed spare waits before it exits
SWITCH = "GLUE_WF_ENDPOINT_SPARE"
WORKER_SPARES = 2
# pool -> (module, folder under the home's sagemaker work dir, how many to keep)
POOLS = {"endpoint": (SERVER, "spares", 1), "worker": (WORKER, "worker-spares", WORKER_SPARES)}


def spares_dir(home: LocalHome, pool: str = "endpoint") -> Path:
    return home.work_dir / "sagemaker" / POOLS[pool][1]


def enabled() -> bool:
    return os.environ.get(SWITCH, "1").strip() != "0"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return info


def prepare(home: LocalHome, env: Mapping[str, str]) -> None:
    """Fill every pool of ``home`` ahead of its first job (a local deploy of a workflow
    that uses the XGBoost container), with spares started from ``env``."""
    for pool in POOLS:
        ensure(home, pool, env=env)


def ensure(
    home: LocalHome,
    pool: str = "endpoint",
    *,
    when_empty: bool = False,
    env: Mapping[str, str] | None = None,
) -> None:
    """Start spares until ``pool`` has its count starting or waiting in ``home`` (or
    spares are off). ``when_empty``: only if none is left, so that a job ending with
    spares still waiting does not start an import that competes with the next job.
    ``env``: the environment they start from (default: this process's)."""
    if not enabled():
        return
    module, _, count = POOLS[pool]
    folder = spares_dir(home, pool)
    folder.mkdir(parents=True, exist_ok=True)
    logs = home.logs_dir / "sagemaker" / ("Endpoints" if pool == "endpoint" else "Jobs")
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two jobs ending together start `count`, not 2x
        present = set()
        for entry in [*folder.glob("*.json"), *folder.glob("*.starting")]:
            info = _read(entry)
            if info and procs.alive(info.get("pid"), info.get("token")):
                present.add(entry.stem)
            else:
                entry.unlink(missing_ok=True)
        if when_empty and present:
            return
        for _ in range(count - len(present)):
            token = procs.new_token()
            pid = procs.spawn(
                module,
                ["--spare", str(folder)],
                token=token,
                log_path=logs / "_spares" / f"{token}.log",
                env=env,
            )
            write_json(folder / f"{token}.starting", {"pid": pid, "token": token})


def write_json(path: Path, info: dict[str, Any]) -> None:
    """Write ``info`` to ``path`` whole or not at all (readers never see half of it)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(info))
    partial.replace(path)


def announce(folder: Path, token: str) -> None:
    """In the spare, first thing: say it is starting (``ensure`` starts no second one)."""
    write_json(folder / f"{token}.starting", {"pid": os.getpid(), "token": token})


def claim(
    home: LocalHome, assignment: dict[str, Any], pool: str = "endpoint"
) -> tuple[int, str] | None:
    """Hand ``assignment`` to a waiting spare: its ``(pid, token)``, or None if none."""
    if not enabled():
        return None
    folder = spares_dir(home, pool)
    for entry in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        taken = entry.with_suffix(".taken")
        try:
            entry.rename(taken)  # atomic: one claimer wins
        except FileNotFoundError:
            continue
        info = _read(taken)
        taken.unlink(missing_ok=True)
        if not info or not procs.alive(info.get("pid"), info.get("token")):
            continue
        try:
            fd = os.open(info["fifo"], os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # the spare is gone (no reader)
            continue
        try:
            os.write(fd, json.dumps(assignment).encode() + b"\n")
        finally:
            os.close(fd)
        return int(info["pid"]), str(info["token"])
    return None


def _listings(home: LocalHome) -> list[tuple[str, Path]]:
    """Unclaimed spares of every pool: waiting (``.json``) or still importing (``.starting``)."""
    found = []
    for pool in POOLS:
        folder = spares_dir(home, pool)
        if folder.is_dir():
            found += [
                (pool, p) for p in sorted([*folder.glob("*.json"), *folder.glob("*.starting")])
            ]
    return found


@dataclass(frozen=True, kw_only=True)
class Spare:
    pid: int
    state: str  # "waiting" to be claimed, or "starting"
    pool: str = "endpoint"  # "endpoint" (servers) or "worker" (training/processing jobs)


def running(home: LocalHome) -> list[Spare]:
    """The unclaimed spares of ``home`` that are alive (a claimed one is an endpoint's or
    a job's)."""
    found = []
    for pool, entry in _listings(home):
        info = _read(entry) or {}
        if procs.alive(info.get("pid"), info.get("token")):
            state = "waiting" if entry.suffix == ".json" else "starting"
            found.append(Spare(pid=int(info["pid"]), state=state, pool=pool))
    return found


def stop_all(home: LocalHome) -> int:
    """Stop every unclaimed spare of ``home``; how many were alive."""
    stopped = 0
    for _, entry in _listings(home):
        info = _read(entry) or {}
        entry.unlink(missing_ok=True)
        if procs.alive(info.get("pid"), info.get("token")):
            stopped += 1
        procs.terminate(info.get("pid"), info.get("token"), grace=2)
    return stopped


def wait_for_work(folder: Path, token: str) -> dict[str, Any] | None:
    """In the spare: list itself, then block until claimed; None when retired unclaimed."""
    fifo = folder / f"{token}.fifo"
    listed = folder / f"{token}.json"
    with contextlib.suppress(FileNotFoundError):
        fifo.unlink()
    os.mkfifo(fifo, 0o600)
    fd = os.open(fifo, os.O_RDWR)  # a writer of its own: no EOF while nobody writes
    write_json(listed, {"pid": os.getpid(), "token": token, "fifo": str(fifo)})
    (folder / f"{token}.starting").unlink(missing_ok=True)
    deadline = time.monotonic() + SPARE_IDLE
    data = b""
    try:
        while b"\n" not in data:
            readable, _, _ = select.select([fd], [], [], 5.0)
            if readable:
                data += os.read(fd, 65536)
                continue
            if not folder.is_dir():  # the home is gone
                return None
            if time.monotonic() > deadline:
                try:
                    listed.rename(listed.with_suffix(".retired"))
                except FileNotFoundError:  # claimed meanwhile: the assignment is coming
                    if time.monotonic() < deadline + 60:
                        continue
                else:
                    listed.with_suffix(".retired").unlink(missing_ok=True)
                return None
    finally:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            fifo.unlink()
    work: dict[str, Any] = json.loads(data.split(b"\n", 1)[0])
    return work
