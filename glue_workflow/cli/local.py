"""``glue-wf env | schedule``: use the local target from any shell; fire schedules locally."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from glue_workflow.cli.common import with_settings


@click.command("env")
@with_settings
def env_command(settings: Any) -> None:
    """Print shell exports that make any Python process use the local target.

    Usage: eval "$(glue-wf env)"; then plain boto3 code (glue, s3, sagemaker,
    sagemaker-runtime) is answered from the local state directory. The shell's proxy
    variables, AWS profile and endpoint URLs are unset.
    """
    import shlex

    from glue_workflow.errors import ConfigError
    from glue_workflow.local.environment import exports, unsets

    if not settings.is_local:
        raise ConfigError("glue-wf env describes the local target; drop --target aws")
    values = exports(settings.home)
    if settings.spark_master:  # runs started by any process use the configured cluster
        values["GLUE_WF_SPARK_MASTER"] = settings.spark_master
    for key, value in sorted(values.items()):
        click.echo(f"export {key}={shlex.quote(value)}")
    # a proxy (even on loopback: it forwards off the machine), a profile, an endpoint
    for key in unsets():
        click.echo(f"unset {key}")


def _utc(value: str | None) -> datetime | None:
    if value is None:
        return None
    from datetime import UTC

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time (e.g. 2026-01-31T12:00:00Z)"
        ) from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@click.command("schedule")
@with_settings
@click.option(
    "--workflow",
    "workflows",
    multiple=True,
    help="Only this workflow (repeatable; default: every workflow).",
)
@click.option(
    "--until",
    "until",
    default=None,
    metavar="TIME",
    help="Exit at this UTC time (ISO 8601), e.g. 2026-01-31T12:00:00Z.",
)
@click.option("--once", is_flag=True, help="Exit after the first start.")
def schedule_command(
    settings: Any, workflows: tuple[str, ...], until: str | None, once: bool
) -> None:
    """Start workflows when their SCHEDULED trigger's cron fires (UTC), in the foreground.

    Only ACTIVATED triggers fire, as on AWS. Ctrl-C stops the scheduler; runs it
    started keep going.
    """
    from glue_workflow.aws.clients import client
    from glue_workflow.errors import ConfigError
    from glue_workflow.local.scheduler import Scheduler

    if not settings.is_local:
        raise ConfigError(
            "glue-wf schedule fires schedules of the local target; on AWS, Glue fires "
            "SCHEDULED triggers itself (activate them with glue-wf deploy)"
        )
    deadline = _utc(until)
    from glue_workflow.local.dispatch import install
    from glue_workflow.local.glue.service import GlueService

    glue_service = GlueService(install(settings.home))
    lock = _scheduler_lock(Path(settings.home))
    scheduler = Scheduler(
        client(settings, "glue"),
        workflows=workflows,
        log=click.echo,
        close_windows=glue_service.events.flush_due,
    )
    click.echo(f"scheduler started for {settings.home} (UTC); Ctrl-C to stop")
    try:
        starts = scheduler.run(until=deadline, once=once)
    except KeyboardInterrupt:
        click.echo("scheduler stopped")
        return
    finally:
        lock.close()
    click.echo(f"scheduler exiting: {len(starts)} start(s)")


def _scheduler_lock(home: Path) -> Any:
    """Hold the home's scheduler lock for this process's life: a second scheduler would
    fire every schedule twice (with max_concurrent_runs above 1, two runs per tick)."""
    import fcntl

    from glue_workflow.errors import ConfigError

    path = home / "scheduler.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise ConfigError(
            f"a scheduler already runs for the local home {home} ({holder}): it fires every "
            "workflow's schedules; stop it first (Ctrl-C) to start another"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


@click.group("local")
def local_group() -> None:
    """The local target's long-lived helper processes: the warm Spark of local Spark jobs
    and the spare processes (started ahead for the next endpoint deploy or SageMaker job)."""


@local_group.command("status")
@with_settings
def local_status(settings: Any) -> None:
    """Show whether the warm Spark runs (its JVM, the job run holding it) and the spare
    endpoint servers waiting for a deploy."""
    from glue_workflow.local.sagemaker import spares
    from glue_workflow.local.spark.control import ask

    _require_local(settings, "status")
    status = ask(settings.home, "status")
    if status is None:
        click.echo(f"warm Spark: not running for {settings.home}")
    else:
        holder = status.get("job_run_id") or "-"
        click.echo(
            f"warm Spark: pid {status['pid']}, JVM pid {status.get('jvm_pid') or '-'} "
            f"({status['state']}; job run {holder}; {status['runs']} run(s); heap cap "
            f"{status['memory']}; stops after {status['idle_seconds']} s idle)"
        )
    found = spares.running(_home(settings))
    for pool, what in (("endpoint", "spare endpoint servers"), ("worker", "spare job workers")):
        shown = ", ".join(f"pid {s.pid} ({s.state})" for s in found if s.pool == pool)
        click.echo(f"{what}: {shown or 'none'}")


@local_group.command("stop")
@with_settings
def local_stop(settings: Any) -> None:
    """Stop the warm Spark (a Spark job run holding it fails, as a lost executor would)
    and the spare processes (endpoint servers, job workers); endpoints in service keep
    serving: it names them (glue-wf delete-endpoint NAME stops one)."""
    from glue_workflow.local.sagemaker import spares
    from glue_workflow.local.sagemaker.endpoints import serving
    from glue_workflow.local.spark.control import stop

    _require_local(settings, "stop")
    status = stop(settings.home)
    if status is None:
        click.echo("warm Spark: not running")
    elif status.get("job_run_id"):
        click.echo(f"warm Spark stopped; job run {status['job_run_id']} lost its Spark")
    else:
        click.echo("warm Spark stopped")
    stopped = spares.stop_all(_home(settings))
    click.echo(f"spares: {stopped} stopped" if stopped else "spares: none running")
    for endpoint in serving(_home(settings)):
        click.echo(
            f"endpoint {endpoint.name}: still serving at {endpoint.url} (pid {endpoint.pid}); "
            f"stop it with 'glue-wf delete-endpoint {endpoint.name}'"
        )


def _home(settings: Any) -> Any:
    from glue_workflow.local.store import LocalHome

    return LocalHome(settings.home.resolve())


def _require_local(settings: Any, command: str) -> None:
    from glue_workflow.errors import ConfigError

    if not settings.is_local:
        raise ConfigError(f"glue-wf local {command} manages the local target; drop --target aws")


COMMANDS = [env_command, schedule_command, local_group]
