"""Background process of one processing job: ``python -m ... <home> <job> --token T``.

Copies the S3 inputs into the job's local ``/opt/ml/processing`` stand-in, runs the
entrypoint (``python``/``python3`` is this interpreter, which has xgboost, pandas and
scikit-learn like the XGBoost container) with container paths rewritten, then copies
the outputs to S3. Exit ≠ 0 → Failed with the log's tail as the reason.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from glue_workflow.local.s3paths import parse_s3_uri, uri_to_path
from glue_workflow.local.sagemaker import procs, spares
from glue_workflow.local.sagemaker.channels import TMP_PREFIX, list_prefix, relative_key
from glue_workflow.local.sagemaker.common import DEFAULT_MAX_RUNTIME_SECONDS, Resources, now
from glue_workflow.local.sagemaker.processing import (
    CONTAINER_ROOT,
    KIND,
    job_dir,
    local_root,
    to_local,
)
from glue_workflow.local.store import LocalHome

PYTHONS = (
    "python",
    "python3",
    "/usr/bin/python3",
    "/usr/local/bin/python3",
    "/usr/bin/python",
    "/usr/local/bin/python",
    "/miniconda3/bin/python3",
)


def container_env(home: LocalHome, extra: dict[str, str]) -> dict[str, str]:
    """The script's environment: the local target's boto3 wiring plus the job's Environment."""
    try:
        from glue_workflow.local.environment import job_environment
    except ImportError:  # pragma: no cover - the local Glue engine provides it
        env = dict(os.environ)
        env["GLUE_WF_HOME"] = str(home.root)
    else:
        env = job_environment(home.root)
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def download(home: LocalHome, inputs: list[dict[str, Any]], root: Path) -> None:
    for item in inputs:
        source = item["S3Input"]
        uri = source["S3Uri"]
        target = Path(to_local(source["LocalPath"], root))
        target.mkdir(parents=True, exist_ok=True)
        prefix = parse_s3_uri(uri).key
        found = list_prefix(home.s3_root, uri)
        if not found:
            raise FileNotFoundError(
                f"ProcessingInput {item.get('InputName')!r}: no object under {uri}"
            )
        for key, path in found:
            destination = target / relative_key(prefix, key)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
        print(f"Downloaded {len(found)} object(s) from {uri} to {source['LocalPath']}", flush=True)


def upload(home: LocalHome, outputs: list[dict[str, Any]], root: Path) -> None:
    for item in outputs:
        spec = item["S3Output"]
        source = Path(to_local(spec["LocalPath"], root))
        base = spec["S3Uri"].rstrip("/")
        count = 0
        for path in sorted(source.rglob("*")) if source.is_dir() else []:
            if path.is_file():
                target = uri_to_path(home.s3_root, f"{base}/{path.relative_to(source).as_posix()}")
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name(f"{TMP_PREFIX}{os.getpid()}-{target.name}")
                shutil.copyfile(path, partial)
                partial.replace(target)  # readers never see a half-written object
                count += 1
        print(f"Uploaded {count} file(s) from {spec['LocalPath']} to {base}/", flush=True)


class ClaimedScript:
    """The script run by a claimed spare (``spare_worker``), which is not this process's
    child: its end is seen through a pidfd (``procs.wait_ended``), its exit status in
    the spare's exit file."""

    def __init__(self, pid: int, token: str, exit_file: Path) -> None:
        self.pid = pid
        self.token = token
        self.exit_file = exit_file
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None and not procs.alive(self.pid, self.token):
            self._collect()
        return self.returncode

    def wait(self) -> int:
        procs.wait_ended(self.pid, self.token, None)
        self._collect()
        return int(self.returncode or 0)

    def _collect(self) -> None:
        try:
            self.returncode = int(json.loads(self.exit_file.read_text())["code"])
        except (OSError, ValueError, KeyError):
            self.returncode = -signal.SIGKILL  # ended without a status: killed


def start_script(
    home: LocalHome,
    command: list[str],
    *,
    log: Path,
    out: Any,
    env: dict[str, str],
    cwd: Path,
    status_file: Path,
) -> subprocess.Popen[bytes] | ClaimedScript:
    """Start the entrypoint: a ``python script.py ...`` one in a spare that has the
    container's libraries imported, when one is waiting; else a new process."""
    if command[0] == sys.executable and len(command) > 1 and command[1].endswith(".py"):
        work = {
            "kind": "script",
            "script": command[1],
            "args": command[2:],
            "cwd": str(cwd),
            "log": str(log),
            "env": env,
            "exit_file": str(status_file),
        }
        claimed = spares.claim(home, work, pool="worker")
        if claimed is not None:
            return ClaimedScript(*claimed, status_file)
    return subprocess.Popen(
        command,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
        start_new_session=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="processing_worker")
    parser.add_argument("home")
    parser.add_argument("job")
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    home = LocalHome(Path(args.home))
    resources = Resources(home)
    record = resources.get(KIND, args.job)
    if record is None:
        raise SystemExit(f"processing job {args.job!r} not found")
    state: dict[str, Any] = {"child": None, "stopped": False}

    def on_term(_signum: int, _frame: Any) -> None:
        state["stopped"] = True
        child = state["child"]
        if child is not None and child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_term)

    def finish(status: str, **fields: Any) -> None:
        def change(current: dict[str, Any]) -> dict[str, Any]:
            at = now()
            current.update(
                ProcessingJobStatus=status, ProcessingEndTime=at, LastModifiedTime=at, **fields
            )
            return current

        resources.update(KIND, args.job, change)

    start = now()
    resources.update(
        KIND, args.job, lambda r: {**r, "ProcessingStartTime": start, "LastModifiedTime": start}
    )
    log = Path(record["_log"])
    root = local_root(home, args.job)
    shutil.rmtree(job_dir(home, args.job), ignore_errors=True)
    root.mkdir(parents=True)
    app = record["AppSpecification"]
    outputs = (record.get("ProcessingOutputConfig") or {}).get("Outputs") or []
    try:
        download(home, record.get("ProcessingInputs") or [], root)
        for item in outputs:
            Path(to_local(item["S3Output"]["LocalPath"], root)).mkdir(parents=True, exist_ok=True)
    except (OSError, ValueError) as exc:
        finish("Failed", FailureReason=f"ClientError: {exc}"[:1024])
        return 1
    command = [to_local(part, root) for part in app["ContainerEntrypoint"]]
    command += [to_local(part, root) for part in app.get("ContainerArguments") or []]
    if command[0] in PYTHONS:
        command[0] = sys.executable
    print(f"Running {command} ({CONTAINER_ROOT} is {root})", flush=True)
    deadline = time.monotonic() + int(
        record["StoppingCondition"].get("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME_SECONDS)
    )
    env = container_env(home, record.get("Environment") or {})
    with open(log, "ab") as out:
        try:
            child = start_script(
                home,
                command,
                log=log,
                out=out,
                env=env,
                cwd=root,
                status_file=job_dir(home, args.job) / "exit.json",
            )
        except OSError as exc:
            finish("Failed", FailureReason=f"ClientError: cannot start {command[0]}: {exc}")
            return 1
        state["child"] = child

        def time_out() -> None:
            if not state["stopped"]:
                state["timeout"] = True
                on_term(signal.SIGTERM, None)

        timer = threading.Timer(max(0.0, deadline - time.monotonic()), time_out)
        timer.daemon = True
        timer.start()
        child.wait()  # no polling: the job ends the moment the script does
        timer.cancel()
    # warm starts for the next jobs, now the script is done
    spares.ensure(home, "worker", when_empty=True)
    code = child.returncode
    if state["stopped"]:
        message = (
            "MaxRuntimeInSeconds exceeded"
            if state.get("timeout")
            else "Processing job stopped by StopProcessingJob"
        )
        finish("Stopped", ExitMessage=message)
        return 0
    if code != 0:
        tail = procs.log_tail(log, 800)
        finish(
            "Failed",
            ExitMessage=tail[-1024:],
            FailureReason=f"AlgorithmError: script exited with code {code}: {tail}"[:1024],
        )
        return 1
    try:
        upload(home, outputs, root)
    except (OSError, ValueError) as exc:
        finish("Failed", FailureReason=f"ClientError: uploading outputs failed: {exc}"[:1024])
        return 1
    finish("Completed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
