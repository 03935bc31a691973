"""``JobContext``: a job's arguments, its workflow run, and its run properties.

Runs on Glue Python shell 3.9 with the standard library and boto3 only.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from glue_workflow.jobkit.args import resolve_options
from glue_workflow.jobkit.contract import Contract, RunProperties
from glue_workflow.jobkit.errors import JobInputError

PRODUCERS_ARGUMENT = "glue_wf_producers"
# The producer --glue_wf_producers names for a property the workflow's defaults set
DEFAULTS_PRODUCER = "the workflow's default run properties"
PUT_ATTEMPTS = 6


class JobContext:
    """What a job knows about itself. Build it with :meth:`from_argv`."""

    def __init__(self, args: Mapping[str, str], session: Any = None) -> None:
        self.args: dict[str, str] = dict(args)
        self.workflow_name: str | None = self.args.get("WORKFLOW_NAME") or None
        self.run_id: str | None = self.args.get("WORKFLOW_RUN_ID") or None
        self.job_name: str | None = self.args.get("JOB_NAME") or None
        self._session = session
        self._clients: dict[str, Any] = {}
        try:
            producers = json.loads(self.args.get(PRODUCERS_ARGUMENT) or "{}")
        except ValueError:
            producers = {}
        self.producers: dict[str, str] = producers if isinstance(producers, dict) else {}
        job = self.job_name or ""
        prefix = f"{self.workflow_name}-"
        # The node name (jobs are named <workflow>-<node>): resource names use it.
        self.node: str = (
            job[len(prefix) :] if self.workflow_name and job.startswith(prefix) else job
        )
        self.contract = Contract.from_args(self.args, self.node)
        self.node = self.contract.node or self.node

    @classmethod
    def from_argv(
        cls,
        argv: Sequence[str] | None = None,
        required: Sequence[str] = (),
        session: Any = None,
    ) -> JobContext:
        """Parse ``argv`` (default ``sys.argv``); ``required`` names must be present."""
        return cls(resolve_options(sys.argv if argv is None else argv, required), session)

    # -- AWS clients ---------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A cached boto3 client (the local target answers it when installed)."""
        if service not in self._clients:
            if self._session is None:
                import boto3

                # boto3's default session, shared with the job's own boto3.client()
                # calls: one credential chain and one set of loaded service models.
                if boto3.DEFAULT_SESSION is None:
                    boto3.setup_default_session()
                self._session = boto3.DEFAULT_SESSION
            self._clients[service] = self._session.client(service)
        return self._clients[service]

    # -- run properties -------------------------------------------------------------
    def _run(self) -> tuple[str, str]:
        if not self.workflow_name or not self.run_id:
            raise JobInputError(
                "this job was not started by a workflow run (no --WORKFLOW_NAME / "
                "--WORKFLOW_RUN_ID arguments), so it has no run properties: start it "
                "with 'glue-wf run', or give it some: glue-wf job NODE -p NAME=VALUE, or "
                "--from-run latest for a run's"
            )
        return self.workflow_name, self.run_id

    def properties(self) -> RunProperties:
        """The current run properties of this job's workflow run that its node may read.

        Keys are the script's names (see ``contract``); reading an undeclared one fails.
        """
        name, run_id = self._run()
        response = self.client("glue").get_workflow_run_properties(Name=name, RunId=run_id)
        return RunProperties(response.get("RunProperties") or {}, self.contract)

    def require(self, *names: str) -> dict[str, str]:
        """The named run properties; a JobInputError names any missing one's producer."""
        props = self.properties()
        missing = [self.contract.name(n) for n in names if n not in props]
        if missing:
            details = "; ".join(
                "{!r} (expected from {})".format(
                    n,
                    self.producers.get(
                        n,
                        "no declared producer: add it to a writer's "
                        "writes= or to the default run properties",
                    ),
                )
                for n in missing
            )
            raise JobInputError(
                "missing run propert{} {} in run {} of workflow {}".format(
                    "y" if len(missing) == 1 else "ies", details, self.run_id, self.workflow_name
                )
            )
        return {n: props[n] for n in names}

    def put(self, **props: Any) -> None:
        """Add or overwrite run properties (PutWorkflowRunProperties), retrying conflicts."""
        if not props:
            return
        values: dict[str, str] = {}
        for key, value in props.items():
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                raise TypeError(
                    f"run property {key!r} must be a string (or a number), "
                    f"got {type(value).__name__}"
                )
            name = self.contract.name(key)
            self.contract.check_write(name)
            values[name] = str(value)
        name, run_id = self._run()
        glue = self.client("glue")
        for attempt in range(PUT_ATTEMPTS):
            try:
                glue.put_workflow_run_properties(Name=name, RunId=run_id, RunProperties=values)
                return
            except Exception as exc:  # botocore ClientError, without importing botocore
                code = getattr(exc, "response", {}).get("Error", {}).get("Code")
                if code != "ConcurrentModificationException" or attempt == PUT_ATTEMPTS - 1:
                    raise
                # Parallel writers on one run collide: back off with jitter, retry.
                time.sleep(min(5.0, 0.2 * 2**attempt) * (0.5 + random.random() / 2))  # noqa: S311
