"""One job run as a subprocess: arguments as Glue passes them, script and extra files
from the local S3, the local-target environment, a work directory and a log file."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_workflow.awsglue_local import RUNTIME_DIR
from glue_workflow.errors import LocalTargetError
from glue_workflow.jobkit.failure import shorten as _shorten
from glue_workflow.local.environment import (
    PACKAGE_ROOT,
    SITECUSTOMIZE_DIR,
    job_environment,
)
from glue_workflow.local.glue import sparkcluster
from glue_workflow.local.glue.logs import job_log_path
from glue_workflow.local.glue.procs import JOB_RUN_MARK
from glue_workflow.local.glue.shellspare import ShellSpares
from glue_workflow.local.interpreters import project_env, project_python, shell_python
from glue_workflow.local.s3paths import S3PathError, is_s3_uri, uri_to_path
from glue_workflow.local.spark import scratch
from glue_workflow.local.spark.control import spark_job_environment
from glue_workflow.local.store import LocalHome

# The Python shell job's site hook (see shellsite/__init__.py).
SITE_DIR = Path(__file__).resolve().parent / "shellsite"

SUPPORTED_COMMANDS = ("glueetl", "pythonshell")


class JobLaunchError(Exception):
    """The job cannot start (script missing, unsupported command); the run FAILS with this."""


@dataclass(frozen=True, kw_only=True)
class JobLaunch:
    """Everything needed to start one job run."""

    job_run_id: str
    job: dict[str, Any]  # the live job definition
    arguments: dict[str, str]  # resolved, with Glue's own --JOB_NAME etc.


def resolve_arguments(
    job: Mapping[str, Any],
    action_arguments: Mapping[str, str] | None,
    *,
    workflow: str | None,
    run_id: str | None,
    job_run_id: str,
) -> dict[str, str]:
    """DefaultArguments < run/action Arguments < NonOverridableArguments, plus Glue's own."""
    args: dict[str, str] = dict(job.get("DefaultArguments") or {})
    args.update(action_arguments or {})
    args.update(job.get("NonOverridableArguments") or {})
    args["--JOB_NAME"] = str(job["Name"])
    if workflow and run_id:
        args["--WORKFLOW_NAME"] = workflow
        args["--WORKFLOW_RUN_ID"] = run_id
    if (job.get("Command") or {}).get("Name") == "glueetl":
        # Spark jobs get their run id; Python shell jobs do not (boto/boto3#3506)
        args["--JOB_ID"] = f"j_{job_run_id.removeprefix('jr_')[:64]}"
        args["--JOB_RUN_ID"] = job_run_id
    return args


def local_file(home: LocalHome, location: str, what: str) -> Path:
    """An s3:// (local S3), file:// or plain path, which must exist."""
    try:
        if is_s3_uri(location):
            path = uri_to_path(home.s3_root, location)
        else:
            path = Path(location.removeprefix("file://"))
    except S3PathError as exc:
        raise JobLaunchError(f"{what} {location!r}: {exc}") from exc
    if not path.is_file():
        # a deploy that finds nothing changed does not look at artifacts deployed jobs use
        hint = (
            " (glue-wf deploy --verify-artifacts uploads it again)" if is_s3_uri(location) else ""
        )
        raise JobLaunchError(f"{what} {location} not found in the local target at {path}{hint}")
    return path


def start_job_process(
    home: LocalHome,
    launch: JobLaunch,
    base_env: Mapping[str, str] | None = None,
    *,
    gateway: Callable[[], str] | None = None,
    spares: ShellSpares | None = None,
) -> subprocess.Popen[bytes]:
    """Start the job in its own session (so a timeout or stop can kill its whole tree).

    A Spark job runs under the project's interpreter with the local awsglue runtime.
    A Python shell job runs as Glue's Python shell does: under the interpreter of its
    PythonVersion, with only its script, its ``--extra-py-files`` and that interpreter's
    libraries; its AWS calls go to ``gateway()`` (the executor's loopback gateway),
    in a ready spare interpreter of ``spares`` when there is one.
    """
    command = launch.job.get("Command") or {}
    kind = command.get("Name")
    if kind not in SUPPORTED_COMMANDS:
        raise JobLaunchError(
            f"Command.Name {kind!r} is not supported by the glue-wf local target "
            f"(supported: {', '.join(SUPPORTED_COMMANDS)})"
        )
    script = local_file(home, str(command.get("ScriptLocation", "")), "ScriptLocation")
    extra = extra_py_files(home, launch.arguments)
    files = extra_files(home, launch.arguments)
    env = dict(base_env) if base_env is not None else job_environment(home.root)
    env = project_env(env)
    header = ""
    try:
        if kind == "pythonshell":
            if gateway is None:
                raise JobLaunchError("a Python shell job needs its executor's gateway")
            shell = shell_python(str(command.get("PythonVersion") or "3.9"))
            executable = shell.executable
            header = f"glue-wf: Python shell job under Python {shell.version} ({shell.note})\n"
            env = shell_environment(env, extra, gateway())
        else:
            executable = project_python()
            # [target.local] warm_spark; the warm Spark gets no job's own entries
            warm = spark_job_environment(home.root, env)
            if extra:
                # after glue-wf's own entries: the local runtime stays first, as the contract says
                parts = env["PYTHONPATH"].split(os.pathsep)
                env["PYTHONPATH"] = os.pathsep.join([*parts[:3], *extra, *parts[3:]])
            if sparkcluster.configured_master(env) is None:
                env.update(warm)  # a cluster's application bypasses the warm Spark
            # spark_master: the job drives an application on that cluster (no-op unset)
            env, header = sparkcluster.submit_environment(
                env,
                launch.job,
                runtime_dir=RUNTIME_DIR,
                cache_dir=home.work_dir / "spark-cluster",
                py_files=extra,
                app_name=f"{launch.job.get('Name')} {launch.job_run_id}",
                python=executable,
            )
    except LocalTargetError as exc:
        raise JobLaunchError(str(exc)) from exc
    modules = launch.arguments.get("--additional-python-modules")
    if modules:  # said where the job's ModuleNotFoundError will be read
        header += (
            f"glue-wf: --additional-python-modules {modules} are not installed by the local "
            "target (Glue installs them with pip as the job starts): install them where the "
            "job's Python finds them to run it here\n"
        )
    env["PYTHONUNBUFFERED"] = "1"
    # inherited by whatever the job starts, even in a session of its own: what outlives
    # the job is found by it and killed as the job run ends (procs.kill_escaped)
    env[JOB_RUN_MARK] = launch.job_run_id
    work = stage_work_dir(home, launch.job_run_id, files)
    if kind != "pythonshell":  # its own JVM's temporary files, deleted as the run ends
        env.update(scratch.environment(scratch.job_dir(work), env))
    log_path = job_log_path(home.root, launch.job_run_id)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    argv = [executable, str(script)]
    for key, value in launch.arguments.items():
        argv += [key, value]
    with log_path.open("ab") as log:
        log.write(header.encode())
        log.flush()
        if kind == "pythonshell" and spares is not None:
            spare = spares.take(executable, argv[1:], cwd=work, env=env, log=log_path)
            if spare is not None:
                return spare
        return subprocess.Popen(
            argv,
            cwd=work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def work_dir(home: LocalHome, job_run_id: str) -> Path:
    """A job run's working directory."""
    return home.work_dir / "jobs" / job_run_id


def stage_work_dir(home: LocalHome, job_run_id: str, files: list[Path]) -> Path:
    """The job run's working directory, its ``--extra-files`` copied in (as Glue does:
    the script opens them by name)."""
    work = work_dir(home, job_run_id)
    work.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, work / path.name)
    return work


def extra_py_files(home: LocalHome, arguments: Mapping[str, str]) -> list[str]:
    """Local paths of ``--extra-py-files``: a .py file's directory, a .whl/.zip itself."""
    extra: list[str] = []
    for item in (arguments.get("--extra-py-files") or "").split(","):
        if item.strip():
            path = local_file(home, item.strip(), "--extra-py-files entry")
            extra.append(str(path.parent if path.suffix == ".py" else path))
    return extra


def extra_files(home: LocalHome, arguments: Mapping[str, str]) -> list[Path]:
    """Local paths of ``--extra-files``, which Glue copies into the script's working
    directory before it runs (AWS Glue job parameters, ``--extra-files``)."""
    return [
        local_file(home, item.strip(), "--extra-files entry")
        for item in (arguments.get("--extra-files") or "").split(",")
        if item.strip()
    ]


def shell_environment(env: Mapping[str, str], extra: list[str], gateway: str) -> dict[str, str]:
    """What a Python shell job sees: the shell's site hook, ``awsglue.utils`` and its
    ``--extra-py-files``.

    No glue-wf source tree, no caller's PYTHONPATH: the job
    library comes from the uploaded wheel, as Glue installs it, so a packaging fault
    fails here as it would there.
    """
    result = {k: v for k, v in env.items() if k not in ("GLUE_WF_HOME", "PYTHONPATH")}
    # awsglue.utils (getResolvedOptions) is part of Glue's Python shell environment
    result["PYTHONPATH"] = os.pathsep.join([str(SITE_DIR), str(RUNTIME_DIR), *extra])
    result["GLUE_WF_SHELL_GATEWAY"] = gateway
    # A source checkout is hidden whole; an installed glue-wf shares its site-packages with
    # boto3, so only the wheel's place first on PYTHONPATH keeps the job to its own copy.
    installed = PACKAGE_ROOT.name in ("site-packages", "dist-packages")
    hidden = [str(SITECUSTOMIZE_DIR)] if installed else [str(PACKAGE_ROOT), str(SITECUSTOMIZE_DIR)]
    result["GLUE_WF_SHELL_HIDE"] = os.pathsep.join(hidden)
    result["PYTHONNOUSERSITE"] = "1"
    return result


def shell_spare_environment(base_env: Mapping[str, str], gateway: str) -> dict[str, str]:
    """A spare shell interpreter's environment: a job's, without its ``--extra-py-files``."""
    return {**shell_environment(project_env(base_env), [], gateway), "PYTHONUNBUFFERED": "1"}


def failure_message(home: LocalHome, job_run_id: str, returncode: int) -> str:
    """The last line the job printed (usually the exception), else its exit status."""
    path = job_log_path(home.root, job_run_id)
    tail = b""
    try:
        with path.open("rb") as log:
            log.seek(max(0, path.stat().st_size - 4096))
            tail = log.read()
    except OSError:
        pass
    lines = [ln.strip() for ln in tail.decode(errors="replace").splitlines() if ln.strip()]
    if returncode < 0:
        # Killed: its last line is whatever it was doing, not why it ended.
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        last = f"; its last line: {_shorten(lines[-1])}" if lines else ""
        return f"job process killed by signal {-returncode} ({name}){last} (log: {path})"
    status = f"exit code {returncode}"
    reason = exception_line(lines)
    if reason:
        return f"{_shorten(reason)} ({status}; log: {path})"
    # exit code 1: an uncaught exception or sys.exit("why"), whose line is the reason
    if lines and (returncode == 1 or ERROR_LINE.match(lines[-1])):
        return f"{_shorten(lines[-1])} ({status}; log: {path})"
    if lines:  # sys.exit(3) after printing a result: the line is output, not the reason
        return (
            f"job process ended with {status}; its last line: {_shorten(lines[-1])} (log: {path})"
        )
    return f"job process ended with {status} (log: {path})"


def exception_line(lines: list[str]) -> str | None:
    """The exception line of the log's last traceback when lines follow it: a message of
    several lines (Spark's AnalysisException carries its query plan, whose last line says
    nothing). None when the last line is that line, or there is no traceback."""
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts or ERROR_LINE.match(lines[-1]):
        return None
    tail = lines[starts[-1] + 1 :]
    found = [i for i, line in enumerate(tail) if ERROR_LINE.match(line)]
    if not found:
        return None
    line = tail[found[-1]]
    # py4j: "Py4JJavaError: An error occurred while calling o1.csv.", then ": <the Java
    # exception>" and its stack: the Java line says why
    java = next((ln for ln in tail[found[-1] + 1 :] if ln.startswith(": ")), None)
    if "An error occurred while calling" in line and java:
        return f"{line} {java[2:]}"
    return line


# A line that says why a job ended: an exception's last line (Python's or Java's through
# py4j), or the job library's one-line failure.
ERROR_LINE = re.compile(
    r"(glue-wf job [a-z ]+: |[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b)"
)
