"""One job run on this machine for ``glue-wf job``: a script, or a defined job with
its default arguments, as a subprocess in the local target's environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glue_workflow.awsglue_local.runner import job_argv, new_job_run_id, run_subprocess
from glue_workflow.config import Settings
from glue_workflow.errors import NotFoundError, NotSupportedError
from glue_workflow.glue_defaults import DEFAULT_TIMEOUT_MINUTES

if TYPE_CHECKING:
    from glue_workflow.local.store import LocalHome

CAPACITY_KEYS = ("WorkerType", "NumberOfWorkers", "MaxCapacity")  # size a cluster application


@dataclass(frozen=True, kw_only=True)
class LocalJob:
    """What to run: the script file, Glue's job name and kind, default arguments."""

    script: Path
    name: str
    spark: bool
    default_arguments: dict[str, str]
    timeout_minutes: int
    workflow_name: str | None = None
    capacity: dict[str, Any] = field(default_factory=dict)  # WorkerType, NumberOfWorkers, ...
    python_version: str = "3.9"  # a Python shell job's Command.PythonVersion


def resolve_job(
    settings: Settings,
    script_or_job: str,
    *,
    job_name: str | None = None,
    pythonshell: bool = False,
) -> LocalJob:
    """A script path, or the name of a job of the defined workflow."""
    path = Path(script_or_job)
    if path.suffix == ".py" or path.is_file():
        if not path.is_file():
            raise NotFoundError(f"job script {script_or_job} not found")
        defined, library = _as_defined(settings, path)
        spark = not pythonshell and defined is not False
        return LocalJob(
            script=path.resolve(),
            name=job_name or path.stem,
            spark=spark,
            # the job library its nodes get (a shell script's `import glue_workflow.jobkit`)
            default_arguments={"--extra-py-files": library} if library and not spark else {},
            timeout_minutes=DEFAULT_TIMEOUT_MINUTES,
        )
    from glue_workflow.definition import build_document

    document = build_document(settings)
    names = [str(j["Name"]) for j in document.jobs]
    wanted = script_or_job if script_or_job in names else f"{document.name}-{script_or_job}"
    if wanted not in names:
        import difflib

        prefix = f"{document.name}-"
        nodes = [name.removeprefix(prefix) for name in names]  # what users type
        close = difflib.get_close_matches(script_or_job.removeprefix(prefix), nodes, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        root = settings.project_root
        scripts = sorted(settings.jobs_dir.glob("*.py")) if settings.jobs_dir.is_dir() else []
        example = f"such as {scripts[0].relative_to(root)}" if scripts else "(a .py file)"
        raise NotFoundError(
            f"no job {script_or_job!r} in workflow {document.name} (jobs: {', '.join(names)})"
            f"{hint}; or pass a script path {example}"
        )
    request = document.job(wanted)
    location = str(request["Command"]["ScriptLocation"])
    staged = _stage_artifacts(settings, document)
    script = staged.get(location)
    if script is None:
        from glue_workflow.local.s3paths import uri_to_path
        from glue_workflow.local.store import LocalHome

        script = uri_to_path(LocalHome(settings.home).ensure().s3_root, location)
    return LocalJob(
        script=script,
        name=wanted,
        spark=request["Command"]["Name"] == "glueetl",
        default_arguments={
            str(k): str(v) for k, v in (request.get("DefaultArguments") or {}).items()
        },
        timeout_minutes=int(request.get("Timeout") or DEFAULT_TIMEOUT_MINUTES),
        workflow_name=document.name,
        capacity={k: request[k] for k in CAPACITY_KEYS if k in request},
        python_version=str(request["Command"].get("PythonVersion") or "3.9"),
    )


def _stage_artifacts(settings: Settings, document: Any) -> dict[str, Path]:
    """Every artifact (scripts, the job library, extra files) put into the local S3, as
    deploy does, so the default arguments that point at them resolve. Returns each
    artifact's URI -> the file to run (the project's own when it has it)."""
    from glue_workflow.local.s3paths import uri_to_path
    from glue_workflow.local.store import LocalHome

    s3_root = LocalHome(settings.home).ensure().s3_root
    files: dict[str, Path] = {}
    for artifact in document.artifacts:
        target = uri_to_path(s3_root, artifact.uri)
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(artifact.content)
        source = settings.project_root / artifact.source
        files[artifact.uri] = source if source.is_file() else target
    return files


def _as_defined(settings: Settings, path: Path) -> tuple[bool | None, str | None]:
    """How the defined workflow runs the script ``path``: as a Spark job (True), a Python
    shell job (False) or not at all (None, also when the definition does not build); and
    the ``--extra-py-files`` its jobs give it (None if they differ or give none), staged.
    A script its nodes run as Python shell jobs runs as one here too: no Spark, no
    JOB_RUN_ID, and the job library its ``import glue_workflow.jobkit`` needs."""
    from glue_workflow.definition import build_document
    from glue_workflow.errors import GlueWfError

    if not settings.definition.is_file():
        return None, None
    try:
        document = build_document(settings)
    except GlueWfError:  # a definition being edited: the script runs as a Spark job
        return None, None
    wanted = path.resolve()
    uris = {
        a.uri for a in document.artifacts if (settings.project_root / a.source).resolve() == wanted
    }
    jobs = [job for job in document.jobs if job["Command"]["ScriptLocation"] in uris]
    kinds = {job["Command"]["Name"] == "glueetl" for job in jobs}
    libraries = {(job.get("DefaultArguments") or {}).get("--extra-py-files") for job in jobs}
    library = libraries.pop() if len(libraries) == 1 else None
    if library:
        _stage_artifacts(settings, document)
    return (kinds.pop() if len(kinds) == 1 else None), library


def run_local_job(
    settings: Settings,
    script_or_job: str,
    arguments: Mapping[str, str],
    *,
    workflow_run_id: str | None = None,
    workflow_name: str | None = None,
    job_name: str | None = None,
    pythonshell: bool = False,
) -> int:
    """Run the job as a subprocess (output on this terminal); its exit code."""
    if not settings.is_local:
        raise NotSupportedError(
            "glue-wf job runs a job on this machine against the local target; use "
            "--target local (on AWS, start a run with glue-wf run)"
        )
    from glue_workflow.local.environment import job_environment
    from glue_workflow.local.store import LocalHome

    job = resolve_job(settings, script_or_job, job_name=job_name, pythonshell=pythonshell)
    home = LocalHome(settings.home).ensure()
    workflow = workflow_name or job.workflow_name
    if workflow_run_id and not workflow:
        raise NotSupportedError("--workflow-run-id needs --workflow-name for a script")
    job_run_id = new_job_run_id()
    argv = job_argv(
        job.script,
        {**job.default_arguments, **arguments},
        job_name=job.name,
        job_run_id=job_run_id,
        workflow_name=workflow if workflow_run_id else None,
        workflow_run_id=workflow_run_id,
        spark=job.spark,
        temp_dir=f"s3://{settings.bucket}/glue-wf/tmp/" if settings.bucket else None,
    )
    env: dict[str, Any] = job_environment(home.root)
    merged = {**job.default_arguments, **arguments}
    cwd = _working_directory(settings, home, job, merged, job_run_id)
    python, gateway = None, None
    if job.spark:
        env = _spark_environment(settings, home, job, job_run_id, env)
    else:
        env, python, gateway = _shell_environment(home, job, merged, env)
    try:
        outcome = run_subprocess(
            argv,
            env=env,
            cwd=cwd,
            timeout=job.timeout_minutes * 60.0,
            python=python,
        )
    finally:
        if gateway is not None:
            gateway.close()
    if outcome.error:
        import click

        click.echo(f"job {job.name}: {outcome.error}", err=True)
    return outcome.exit_code


def _working_directory(
    settings: Settings,
    home: LocalHome,
    job: LocalJob,
    arguments: Mapping[str, str],
    job_run_id: str,
) -> Path:
    """The project, or with ``--extra-files`` the job run's own directory holding them, as
    Glue and a workflow run give the script (it opens them by name)."""
    import click

    from glue_workflow.errors import LocalTargetError
    from glue_workflow.local.glue.jobproc import JobLaunchError, extra_files, stage_work_dir

    try:
        files = extra_files(home, arguments)
    except JobLaunchError as exc:
        raise LocalTargetError(f"job {job.name}: {exc}") from exc
    if not files:
        return settings.project_root
    work = stage_work_dir(home, job_run_id, files)
    click.echo(
        f"glue-wf: working directory {work} (its --extra-files copied in, as Glue does)",
        err=True,
    )
    return work


def _shell_environment(
    home: LocalHome, job: LocalJob, arguments: Mapping[str, str], env: dict[str, Any]
) -> tuple[dict[str, Any], str, Any]:
    """As the engine's Python shell jobs (local/glue/jobproc.py): Glue's Python for the
    job's PythonVersion, its ``--extra-py-files`` and the shell's site hook, its AWS calls
    answered by a gateway in this process. A job tried with ``glue-wf job`` then meets
    the interpreter a run gives it (a 3.10 construct fails here, not only in the run)."""
    import click

    from glue_workflow.errors import LocalTargetError
    from glue_workflow.local.glue.jobproc import JobLaunchError, extra_py_files, shell_environment
    from glue_workflow.local.glue.shellgateway import ShellGateway
    from glue_workflow.local.interpreters import project_env, shell_python

    try:
        shell = shell_python(job.python_version)
        extra = extra_py_files(home, arguments)
    except (LocalTargetError, JobLaunchError) as exc:
        raise LocalTargetError(f"job {job.name}: {exc}") from exc
    gateway = ShellGateway(home.root, region=env.get("AWS_REGION"))
    click.echo(f"glue-wf: Python shell job under Python {shell.version} ({shell.note})", err=True)
    return shell_environment(project_env(env), extra, gateway.url), shell.executable, gateway


def _spark_environment(
    settings: Settings, home: LocalHome, job: LocalJob, job_run_id: str, env: dict[str, Any]
) -> dict[str, Any]:
    """As the engine's Spark jobs: an application on ``spark_master`` when one is
    configured, else attached to the local home's warm Spark."""
    import sys

    from glue_workflow.awsglue_local import RUNTIME_DIR
    from glue_workflow.local.glue import sparkcluster

    if settings.spark_master:
        env[sparkcluster.MASTER_ENV] = settings.spark_master
    if sparkcluster.configured_master(env) is None:
        from glue_workflow.local.spark.control import spark_job_environment
        from glue_workflow.local.spark.settings import record

        record(home.root, settings.warm_spark)
        env.update(spark_job_environment(home.root, env))
        return env
    env, header = sparkcluster.submit_environment(
        env,
        job.capacity,
        runtime_dir=RUNTIME_DIR,
        cache_dir=home.work_dir / "spark-cluster",
        py_files=[],
        app_name=f"{job.name} {job_run_id}",
        python=sys.executable,
    )
    import click

    click.echo(header.rstrip(), err=True)
    return env
