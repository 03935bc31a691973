"""The detached process that executes one workflow run (or one standalone job run).

``python -m glue_workflow.local.glue.executor <home> <run id>`` or
``... <home> --job-run <job run id>``.

Event-driven: each job process is watched through a pidfd (or a waiter thread), and
signals (SIGURG from StopWorkflowRun / BatchStopJobRun) arrive through a wakeup fd;
the loop sleeps in ``select`` until one of them, or a job's timeout, is due. A job
exit is handled at once: state recorded, retry started, or conditional triggers
evaluated and their actions started.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sqlite3
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from glue_workflow.errors import LocalTargetError
from glue_workflow.glue_defaults import DEFAULT_TIMEOUT_MINUTES
from glue_workflow.local.environment import job_environment
from glue_workflow.local.glue.jobproc import (
    JobLaunch,
    JobLaunchError,
    failure_message,
    resolve_arguments,
    shell_spare_environment,
    start_job_process,
    work_dir,
)
from glue_workflow.local.glue.jobrun_records import (
    INSERT_JOB_RUN,
    Launch,
    Running,
    Start,
    run_doc,
    seconds_per_minute,
)
from glue_workflow.local.glue.procs import kill_escaped, kill_group, process_start_time
from glue_workflow.local.glue.recovery import abandon_run, new_job_run_id
from glue_workflow.local.glue.shellspare import ShellSpares
from glue_workflow.local.glue.state import GlueState, now
from glue_workflow.local.glue.workflow_graph import ready_triggers
from glue_workflow.local.interpreters import shell_python
from glue_workflow.local.spark import scratch
from glue_workflow.local.store import LocalHome

KILL_GRACE_SECONDS = 2.0
# Safety net only: stop requests also arrive as a signal.
IDLE_CHECK_SECONDS = 1.0
# What Python shell jobs call most (run properties, artifacts, training and models).
SHELL_SERVICES = ("glue", "s3", "sagemaker")


class Executor:
    def __init__(self, home: LocalHome, *, run_id: str | None, job_run_id: str | None) -> None:
        self.home = home
        self.state = GlueState(home)
        self.run_id = run_id
        self.standalone_id = job_run_id
        self.running: dict[str, Running] = {}
        self.stopping = False
        self.snapshot: list[dict[str, Any]] = []
        self.workflow: str | None = None
        self.my_start = process_start_time(os.getpid()) or ""
        self.base_env = job_environment(home.root)
        self.gateway: Any = None  # ShellGateway, started with the first Python shell job
        self.gateway_lock = threading.Lock()
        self.shell_spares = ShellSpares(home.logs_dir / "executor" / "shell-spares.log")
        # job -> state of its latest job run in this run; triggers fired in this run
        self.states: dict[str, str] = {}
        self.fired: set[str] = set()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGURG, lambda *_: None)
        signal.signal(signal.SIGTERM, self._terminate)

    def gateway_url(self) -> str:
        """The loopback gateway that answers this executor's Python shell jobs."""
        with self.gateway_lock:
            if self.gateway is None:
                from glue_workflow.local.glue.shellgateway import ShellGateway  # botocore

                self.gateway = ShellGateway(self.home.root)
            return str(self.gateway.url)

    def prepare_gateway(self) -> None:
        """Start the gateway and its clients in the background when the run has Python
        shell jobs: botocore's import and service models load while the first jobs run,
        not when the first shell job waits for its first answer."""
        names = {
            str(action["JobName"])
            for trigger in self.snapshot
            for action in trigger.get("Actions") or []
            if action.get("JobName")
        }
        commands = [
            (self.state.get_doc("glue_jobs", name) or {}).get("Command") or {} for name in names
        ]
        versions = {
            str(c.get("PythonVersion") or "3.9") for c in commands if c.get("Name") == "pythonshell"
        }
        if not versions:
            return

        def prepare() -> None:
            with contextlib.suppress(Exception):  # the first shell job retries it in earnest
                url = self.gateway_url()
                env = shell_spare_environment(self.base_env, url)
                for version in sorted(versions):  # interpreters before the clients: jobs wait
                    with contextlib.suppress(LocalTargetError):
                        self.shell_spares.start(shell_python(version).executable, env)
                self.gateway.prepare(SHELL_SERVICES)

        threading.Thread(target=prepare, daemon=True, name="gateway-prepare").start()

    def _terminate(self, *_: Any) -> None:
        self.stopping = True

    # -- entry points --------------------------------------------------------
    def run_workflow(self) -> None:
        assert self.run_id is not None
        with self.state.write() as conn:
            conn.execute(
                "UPDATE glue_runs SET executor_pid = ?, executor_start = ? WHERE run_id = ?",
                (os.getpid(), self.my_start, self.run_id),
            )
        run = self.state.run(self.run_id)
        if run is None:
            raise SystemExit(f"unknown workflow run {self.run_id}")
        self.workflow = run.workflow
        self.snapshot = run.snapshot
        for job_run in self.state.job_runs_of_run(self.run_id):  # copies of a resumed run
            self.states[job_run.job] = job_run.state
        self.fired = self.state.fired(self.run_id)
        plan = run.plan
        self.check_requests()  # a stop may have come before this process could be signalled
        if self.stopping:
            pass
        elif plan.get("mode") == "resume":
            self.start_jobs(
                [
                    Start(job=job, trigger=origin.get("trigger"), action=origin.get("action") or {})
                    for job, origin in plan["jobs"].items()
                ]
            )
        else:
            trigger = next(t for t in self.snapshot if t["Name"] == plan["trigger"])
            self.fire(trigger)
        # After the first launches: the clients' creation holds the GIL for ~0.5 s, which
        # a wide first trigger's process starts would wait behind.
        if not self.stopping:
            self.prepare_gateway()
        self.loop()
        self.finish_run()
        self.release_held_events()

    def release_held_events(self) -> None:
        """Start the batch of EventBridge events that waited for this run to end (the
        workflow was at MaxConcurrentRuns when the batch was ready): it would otherwise
        wait for the next EventBridge call or scheduler tick (``eventstart``)."""
        try:
            held = self.state.conn.execute(
                "SELECT 1 FROM glue_event_queue WHERE workflow = ? LIMIT 1", (self.workflow,)
            ).fetchone()
        except sqlite3.OperationalError:  # no event was ever queued in this home
            return
        if held and self.workflow:
            from glue_workflow.local.glue.service import GlueService

            GlueService(self.state.home).events.flush(self.workflow)

    def run_standalone(self) -> None:
        assert self.standalone_id is not None
        row = self.state.job_run(self.standalone_id)
        if row is None:
            raise SystemExit(f"unknown job run {self.standalone_id}")
        with self.state.write() as conn:
            conn.execute(
                "UPDATE glue_job_runs SET executor_pid = ?, executor_start = ? WHERE id = ?",
                (os.getpid(), self.my_start, row.id),
            )
        job = self.state.get_doc("glue_jobs", row.job)
        if job is None:
            self.finish(row.id, row.job, "ERROR", f"Job {row.job} not found")
        else:
            start = Start(
                job=row.job,
                trigger=row.trigger,
                action={"Arguments": row.arguments, "Timeout": row.timeout},
                job_run_id=row.id,
                started=row.started,
            )
            self.launch([(start, job, row.arguments, row.timeout)])
        self.loop()

    # -- starting jobs -------------------------------------------------------
    def fire(self, trigger: dict[str, Any]) -> None:
        """Record that ``trigger`` fired in this run (once) and start its actions."""
        assert self.run_id is not None
        if trigger["Name"] in self.fired:
            return
        with self.state.write() as conn:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO glue_run_triggers VALUES (?, ?, ?)",
                (self.run_id, trigger["Name"], now()),
            ).rowcount
        self.fired.add(trigger["Name"])
        if inserted:
            self.start_jobs(
                [
                    Start(job=str(a["JobName"]), trigger=str(trigger["Name"]), action=dict(a))
                    for a in trigger.get("Actions") or []
                    if a.get("JobName")
                ]
            )

    def start_jobs(self, starts: list[Start]) -> None:
        """Record the job runs in one transaction, then start their processes.

        Job definitions are read now (not snapshotted): edits apply to this run.
        """
        ts = now()
        launches: list[Launch] = []
        ended = False
        with self.state.write() as conn:
            for start in starts:
                if not start.job_run_id:
                    start.job_run_id = (
                        f"{start.first_id}_attempt_{start.attempt}"
                        if start.first_id
                        else new_job_run_id()
                    )
                start.started = ts
                job = self.state.get_doc("glue_jobs", start.job)
                state, error, launch = self._admit(conn, start, job)
                args = launch[2] if launch else dict(start.action.get("Arguments") or {})
                timeout = launch[3] if launch else 0
                conn.execute(
                    INSERT_JOB_RUN,
                    (
                        start.job_run_id,
                        start.job,
                        self.run_id,
                        start.trigger,
                        start.attempt,
                        start.previous,
                        state,
                        ts,
                        ts,
                        None if launch else ts,
                        error,
                        json.dumps(args),
                        timeout,
                        os.getpid() if self.standalone_id else None,
                        self.my_start if self.standalone_id else None,
                        json.dumps(
                            run_doc(start, job or {}, workflow=self.workflow, run_id=self.run_id)
                        ),
                    ),
                )
                self.states[start.job] = state
                if launch:
                    launches.append(launch)
                else:
                    ended = True
        self.launch(launches)
        if ended:
            self.after_final()

    def _admit(
        self, conn: Any, start: Start, job: dict[str, Any] | None
    ) -> tuple[str, str | None, Launch | None]:
        """RUNNING with its launch, or the final state a job run starts in (ERROR/FAILED)."""
        if job is None:
            return (
                "ERROR",
                (
                    f"Job {start.job} not found: it was deleted after this run started (a "
                    "deploy that renamed or removed the node, or glue-wf destroy); start a "
                    "new run once it is deployed, which takes the new graph"
                ),
                None,
            )
        limit = int((job.get("ExecutionProperty") or {}).get("MaxConcurrentRuns") or 1)
        if self.state.running_count(conn, start.job) >= limit:
            return (
                "FAILED",
                (
                    f"Job {start.job} exceeded maximum allowed concurrent runs "
                    f"(ExecutionProperty.MaxConcurrentRuns = {limit})"
                ),
                None,
            )
        timeout = int(start.action.get("Timeout") or job.get("Timeout") or DEFAULT_TIMEOUT_MINUTES)
        args = resolve_arguments(
            job,
            start.action.get("Arguments"),
            workflow=self.workflow,
            run_id=self.run_id,
            job_run_id=start.job_run_id,
        )
        return "RUNNING", None, (start, job, args, timeout)

    def launch(self, launches: list[Launch]) -> None:
        pids: list[tuple[int, str]] = []
        failed = False
        for start, job, args, timeout in launches:
            try:
                proc = start_job_process(
                    self.home,
                    JobLaunch(job_run_id=start.job_run_id, job=job, arguments=args),
                    self.base_env,
                    gateway=self.gateway_url,
                    spares=self.shell_spares,
                )
            except (JobLaunchError, OSError) as exc:
                self.finish(start.job_run_id, start.job, "FAILED", str(exc))
                failed = True
                continue
            pids.append((proc.pid, start.job_run_id))
            entry = Running(
                start=start,
                proc=proc,
                timeout=timeout,
                deadline=start.started + timeout * seconds_per_minute(),
            )
            self.watch(entry)
            self.running[start.job_run_id] = entry
        if pids:
            with self.state.write() as conn:
                conn.executemany(
                    "UPDATE glue_job_runs SET pid = ?, state = CASE state WHEN 'STARTING' "
                    "THEN 'RUNNING' ELSE state END WHERE id = ?",
                    pids,
                )
        if failed:
            self.after_final()

    def watch(self, entry: Running) -> None:
        try:
            entry.fd = os.pidfd_open(entry.proc.pid)
        except (AttributeError, OSError):

            def wait() -> None:
                entry.proc.wait()
                os.write(self.wake_w, b"x")

            threading.Thread(target=wait, daemon=True).start()

    # -- finishing jobs ------------------------------------------------------
    def finish(self, job_run_id: str, job: str, state: str, error: str | None) -> None:
        ts = now()
        with self.state.write() as conn:
            conn.execute(
                "UPDATE glue_job_runs SET state = ?, error = ?, completed = ?, modified = ? "
                "WHERE id = ?",
                (state, error, ts, ts, job_run_id),
            )
        self.states[job] = state

    def on_exit(self, entry: Running) -> None:
        start = entry.start
        del self.running[start.job_run_id]
        if entry.fd is not None:
            os.close(entry.fd)
        code = entry.proc.returncode
        kill_group(entry.proc.pid)  # leftovers of the job's process tree
        scratch.remove(scratch.job_dir(work_dir(self.home, start.job_run_id)))
        if entry.kill_reason == "TIMEOUT":
            state = "TIMEOUT"
            error: str | None = f"Job run timed out after {entry.timeout} minute(s) (Timeout)"
        elif entry.kill_reason == "STOPPED":
            state, error = "STOPPED", "Job run stopped on request"
        elif code == 0:
            state, error = "SUCCEEDED", None
        else:
            state, error = "FAILED", failure_message(self.home, start.job_run_id, code)
        self.finish(start.job_run_id, start.job, state, error)
        try:
            self.next_after(start, state)
        finally:
            # what escaped the job's process group dies with the job run, as on Glue;
            # after the next jobs started: the scan of /proc is off their critical path
            kill_escaped(start.job_run_id)

    def next_after(self, start: Start, state: str) -> None:
        """A retry of a failed attempt, or the triggers its final state fires. Glue
        restarts failed attempts only: "Jobs that reach the timeout limit are not
        restarted" (Glue Developer Guide, job properties, "Number of retries")."""
        if state == "FAILED" and not self.stopping:
            job = self.state.get_doc("glue_jobs", start.job) or {}
            if start.attempt < int(job.get("MaxRetries") or 0):
                self.start_jobs(
                    [
                        Start(
                            job=start.job,
                            trigger=start.trigger,
                            action=start.action,
                            attempt=start.attempt + 1,
                            previous=start.job_run_id,
                            first_id=start.first_id or start.job_run_id,
                        )
                    ]
                )
                return
        self.after_final()

    def after_final(self) -> None:
        """A job run reached its final state: fire every conditional trigger that now holds
        (unless the run is stopping: read from the run's row, not only from the signal,
        which may come after the job's exit is handled: nothing may start after a stop)."""
        if self.run_id is None:
            return
        self.check_requests()
        if self.stopping:
            return
        for trigger in ready_triggers(self.snapshot, self.fired, self.states):
            self.fire(dict(trigger))

    # -- the loop ------------------------------------------------------------
    def loop(self) -> None:
        self.check_requests()
        while self.running:
            timeout = IDLE_CHECK_SECONDS
            for entry in self.running.values():
                due = entry.kill_at if entry.kill_at is not None else entry.deadline
                timeout = min(timeout, max(0.0, due - now()))
            poller = select.poll()  # not select(): no limit on the number of job processes
            poller.register(self.wake_r, select.POLLIN)
            for entry in self.running.values():
                if entry.fd is not None:
                    poller.register(entry.fd, select.POLLIN)
            ready: list[int] = []
            with contextlib.suppress(InterruptedError):
                ready = [fd for fd, _ in poller.poll(timeout * 1000)]
            # the wake pipe carries signals (stop requests); a timeout is the safety net
            if self.wake_r in ready or not ready:
                self.drain()
                self.check_requests()
            self.check_deadlines()
            ready_fds = set(ready)
            for entry in list(self.running.values()):
                # only processes whose pidfd fired (or that have no pidfd) can have exited
                if entry.fd is not None and entry.fd not in ready_fds and entry.kill_at is None:
                    continue
                if entry.proc.poll() is not None:
                    self.on_exit(entry)

    def drain(self) -> None:
        try:
            while os.read(self.wake_r, 4096):
                pass
        except BlockingIOError:
            pass

    def check_requests(self) -> None:
        """Stop requests: the run is STOPPING (StopWorkflowRun) or a job run (BatchStopJobRun)."""
        if self.run_id is not None and not self.stopping:
            row = self.state.conn.execute(
                "SELECT status FROM glue_runs WHERE run_id = ?", (self.run_id,)
            ).fetchone()
            self.stopping = row is not None and row["status"] == "STOPPING"
        if self.stopping:
            for entry in self.running.values():
                self.kill(entry, "STOPPED")
            return
        if self.running:
            ids = list(self.running)
            marks = ",".join("?" * len(ids))
            for row in self.state.conn.execute(
                f"SELECT id FROM glue_job_runs WHERE state = 'STOPPING' AND id IN ({marks})",  # noqa: S608
                ids,
            ):
                self.kill(self.running[row["id"]], "STOPPED")

    def check_deadlines(self) -> None:
        ts = now()
        for entry in self.running.values():
            if entry.kill_at is not None and ts >= entry.kill_at:
                kill_group(entry.proc.pid, signal.SIGKILL)
                entry.kill_at = ts + KILL_GRACE_SECONDS
            elif entry.kill_reason is None and ts >= entry.deadline:
                self.kill(entry, "TIMEOUT")

    def kill(self, entry: Running, reason: str) -> None:
        if entry.kill_reason is not None:
            return
        entry.kill_reason = reason
        kill_group(entry.proc.pid, signal.SIGTERM)
        entry.kill_at = now() + KILL_GRACE_SECONDS

    def finish_run(self) -> None:
        assert self.run_id is not None
        with self.state.write() as conn:
            row = conn.execute(
                "SELECT status FROM glue_runs WHERE run_id = ?", (self.run_id,)
            ).fetchone()
            status = "STOPPED" if self.stopping or row["status"] == "STOPPING" else "COMPLETED"
            conn.execute(
                "UPDATE glue_runs SET status = ?, completed = ? WHERE run_id = ? "
                "AND status IN ('RUNNING', 'STOPPING')",
                (status, now(), self.run_id),
            )


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--job-run":
        home, run_id, job_run_id = Path(argv[0]), None, argv[2]
    elif len(argv) == 2:
        home, run_id, job_run_id = Path(argv[0]), argv[1], None
    else:
        print(
            "usage: python -m glue_workflow.local.glue.executor <home> (<run id> | "
            "--job-run <job run id>)",
            file=sys.stderr,
        )
        return 2
    executor = Executor(LocalHome(home), run_id=run_id, job_run_id=job_run_id)
    try:
        if run_id is not None:
            executor.run_workflow()
        else:
            executor.run_standalone()
    except BaseException as exc:
        traceback.print_exc()
        for entry in executor.running.values():
            kill_group(entry.proc.pid)
        if run_id is not None:
            abandon_run(
                executor.state,
                run_id,
                f"the local executor of run {run_id} failed: {exc!r}; resume the run "
                "to retry the unfinished nodes",
            )
        return 1
    finally:
        executor.shell_spares.stop()
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # Every state change is committed by now: skip the interpreter's teardown (about
    # 0.2 s of finalising objects), which `glue-wf run --wait`, waiting on this exit,
    # would otherwise wait out.
    os._exit(code)
