"""Run one Glue job script locally with the argv Glue would pass.

Two modes: a subprocess (isolation; exit code = result), or in-process against the
active SparkSession (tests: no 2-4 s JVM start per job). In-process runs patch
``SparkContext`` so a script's ``SparkContext()`` returns the active context and its
``stop()`` calls do nothing, for the duration of that script only.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import secrets
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_workflow.awsglue_local import (
    JIT_OPTIONS,
    RUNTIME_DIR,
    jvmguard,
    s3_scheme_conf,
    use_local_runtime,
)


@dataclass(frozen=True, kw_only=True)
class JobOutcome:
    """How one run ended: exit code 0 = SUCCEEDED, anything else = FAILED."""

    exit_code: int
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0


def new_job_run_id() -> str:
    return "jr_" + secrets.token_hex(32)


def job_argv(
    script: Path | str,
    arguments: Mapping[str, str],
    *,
    job_name: str,
    job_run_id: str | None = None,
    workflow_name: str | None = None,
    workflow_run_id: str | None = None,
    spark: bool = True,
    temp_dir: str | None = None,
) -> list[str]:
    """``[script, --k, v, ...]``: Glue's own arguments, then the job's in order given.

    Keys in ``arguments`` carry their leading ``--`` as in Glue's argument maps.
    """
    args: dict[str, str] = {"--job-bookmark-option": "job-bookmark-disable"}
    if temp_dir:
        args["--TempDir"] = temp_dir
    args.update(arguments)
    args["--JOB_NAME"] = job_name
    if spark:
        run_id = job_run_id or new_job_run_id()
        args["--JOB_ID"] = "j_" + secrets.token_hex(32)
        args["--JOB_RUN_ID"] = run_id
    if workflow_name and workflow_run_id:
        args["--WORKFLOW_NAME"] = workflow_name
        args["--WORKFLOW_RUN_ID"] = workflow_run_id
    argv = [str(script)]
    for key, value in args.items():
        argv.extend([key if key.startswith("--") else f"--{key}", value])
    return argv


def runtime_pythonpath(existing: str | None = None) -> str:
    """PYTHONPATH with the local awsglue runtime first."""
    parts = [p for p in (existing or "").split(os.pathsep) if p and p != str(RUNTIME_DIR)]
    return os.pathsep.join([str(RUNTIME_DIR), *parts])


def run_subprocess(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path | None = None,
    log_path: Path | None = None,
    timeout: float | None = None,
    python: str | None = None,
) -> JobOutcome:
    """Run ``python argv...`` with ``env`` (``python``: this one's by default); output
    to ``log_path`` or inherited."""
    command = [python or sys.executable, *argv]
    try:
        if log_path is None:
            result = subprocess.run(command, env=dict(env), cwd=cwd, timeout=timeout, check=False)
        else:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with log_path.open("ab") as log:
                result = subprocess.run(
                    command,
                    env=dict(env),
                    cwd=cwd,
                    timeout=timeout,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=False,
                )
    except subprocess.TimeoutExpired:
        return JobOutcome(exit_code=124, error=f"job timed out after {timeout:g} s")
    error = None if result.returncode == 0 else f"job exited with code {result.returncode}"
    return JobOutcome(exit_code=result.returncode, error=error)


@contextlib.contextmanager
def _patched_spark() -> Iterator[None]:
    """Make ``SparkContext()`` return the active context and ``stop()`` a no-op."""
    import pyspark
    import pyspark.context
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    class ActiveSparkContext(SparkContext):
        """Constructing it yields the already running context (not an instance)."""

        def __new__(cls, *_args: Any, **_kwargs: Any) -> Any:
            return SparkContext.getOrCreate()

    saved = (
        pyspark.SparkContext,
        pyspark.context.SparkContext,
        SparkContext.stop,
        SparkSession.stop,
    )
    for module in (pyspark, pyspark.context):
        setattr(module, "SparkContext", ActiveSparkContext)  # noqa: B010
    for cls in (SparkContext, SparkSession):
        setattr(cls, "stop", _no_stop)  # noqa: B010
    try:
        yield
    finally:
        for module in (pyspark, pyspark.context):
            setattr(module, "SparkContext", saved[0])  # noqa: B010
        setattr(SparkContext, "stop", saved[2])  # noqa: B010
        setattr(SparkSession, "stop", saved[3])  # noqa: B010


@contextlib.contextmanager
def _sql_settings_kept() -> Iterator[None]:
    """Give the shared session back with the SQL settings it had: a job's
    ``spark.conf.set`` (say ``spark.sql.caseSensitive``) must not reach later runs,
    as on Glue, where every job run has a session of its own."""
    from pyspark.sql import SparkSession

    def settings() -> tuple[Any, dict[str, str]]:
        session = SparkSession.getActiveSession() or SparkSession._instantiatedSession
        if session is None:
            return None, {}
        return session, {str(r[0]): str(r[1]) for r in session.sql("SET").collect()}

    before, saved = settings()
    try:
        yield
    finally:
        session, now = settings()
        if before is not None and session is before:
            for key, value in now.items():
                if key not in saved:
                    session.conf.unset(key)
                elif saved[key] != value:
                    session.conf.set(key, saved[key])


def _no_stop(_self: Any) -> None:
    """In-process runs share one session: a script's stop() must not end it."""


def run_in_process(
    argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> JobOutcome:
    """Run the script ``argv[0]`` as ``__main__`` in this process (tests).

    ``sys.argv``, ``sys.path``, the environment and the working directory are
    restored afterwards; ``SystemExit`` maps to the exit code as on Glue.
    """
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    if use_local_runtime() and str(RUNTIME_DIR) not in sys.path:
        sys.path.insert(0, str(RUNTIME_DIR))
    os.environ.update(env or {})
    sys.argv = list(argv)
    try:
        if cwd is not None:
            os.chdir(cwd)
        with _patched_spark(), _sql_settings_kept():
            runpy.run_path(str(argv[0]), run_name="__main__")
        return JobOutcome(exit_code=0)
    except SystemExit as exc:
        code = exc.code
        if code is None or code == 0:
            return JobOutcome(exit_code=0)
        exit_code = code if isinstance(code, int) else 1
        # run_job's JobExit carries the one-line reason it printed; SystemExit("text")
        # is a reason too (Python prints it and exits 1).
        reason = getattr(exc, "reason", None) if isinstance(code, int) else str(code)
        return JobOutcome(exit_code=exit_code, error=reason)
    except Exception as exc:
        traceback.print_exc()
        first_line = (str(exc).strip().splitlines() or [""])[0]
        return JobOutcome(exit_code=1, error=f"{type(exc).__name__}: {first_line}")
    finally:
        sys.argv, sys.path[:] = saved_argv, saved_path
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)


def local_spark_session(
    *, master: str = "local[2]", warehouse_dir: Path | None = None, shuffle_partitions: int = 2
) -> Any:
    """A small local SparkSession configured like the test session of the docs."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    if use_local_runtime():  # Spark's Python workers import the runtime too
        os.environ["PYTHONPATH"] = runtime_pythonpath(os.environ.get("PYTHONPATH"))
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName("glue-wf-local")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.default.parallelism", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dderby.system.durability=test {JIT_OPTIONS} {jvmguard.java_options()}",
        )
    )
    if warehouse_dir is not None:
        builder = builder.config("spark.sql.warehouse.dir", str(warehouse_dir))
    home = os.environ.get("GLUE_WF_HOME")
    if home:  # a job's own spark.read of s3:// reaches the home's S3 directory
        for key, value in s3_scheme_conf(Path(home).resolve() / "s3").items():
            builder = builder.config(key, value)
    return builder.getOrCreate()
