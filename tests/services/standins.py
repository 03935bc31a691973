"""Local stand-ins the comparison test plugs into the local dispatch.

``RecordedGlue`` answers the run-control calls from recorded GetWorkflowRun answers
(scenario runs of the shipped workflow); ``EndpointStandIn`` serves endpoints in
front of the local target's real SageMaker (registry calls pass through), so no
model server is started. Errors are AWS's codes (glue-semantics.md §8: only a
RUNNING run can be stopped, only a COMPLETED one resumed).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import itertools
from typing import Any

from botocore.response import StreamingBody

from glue_workflow.config import LOCAL_ACCOUNT_ID
from glue_workflow.local.dispatch import LocalServiceError

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _missing(what: str) -> LocalServiceError:
    # Glue publishes no exact message for a missing workflow or run: its code, our words.
    return LocalServiceError("EntityNotFoundException", f"{what} not found")


class RecordedGlue:
    def __init__(self, workflow: str, defaults: dict[str, str]) -> None:
        self.workflow = workflow
        self.defaults = defaults
        self.runs: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(1)

    def add(self, run: dict[str, Any], status: str, *, run_id: str | None = None) -> str:
        """Record ``run`` (a GetWorkflowRun answer) with ``status``; returns its id."""
        run_id = run_id or f"wr_{next(self._ids):04d}"
        recorded = copy.deepcopy(run)
        started = T0 + dt.timedelta(minutes=len(self.runs))
        recorded.update(WorkflowRunId=run_id, Status=status, StartedOn=started)
        if status not in ("RUNNING", "STOPPING"):
            recorded["CompletedOn"] = started + dt.timedelta(seconds=30)
        self.runs[run_id] = recorded
        return run_id

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("Name")
        if operation == "BatchGetJobs":  # the recorded runs' jobs are all still deployed
            return {"Jobs": [{"Name": n} for n in params["JobNames"]], "JobsNotFound": []}
        if operation == "ListWorkflows":
            return {"Workflows": [self.workflow]}
        if name != self.workflow:
            raise _missing(f"Workflow {name}")
        if operation == "GetWorkflow":
            workflow: dict[str, Any] = {"Name": name, "DefaultRunProperties": self.defaults}
            if self.runs:
                last = max(self.runs.values(), key=lambda r: r["StartedOn"])
                workflow["LastRun"] = {k: v for k, v in last.items() if k != "Graph"}
            return {"Workflow": workflow}
        if operation == "GetWorkflowRuns":
            runs = sorted(self.runs.values(), key=lambda r: r["StartedOn"], reverse=True)
            keep = params.get("IncludeGraph", True)
            return {"Runs": [r if keep else _without_graph(r) for r in runs]}
        run = self.runs.get(str(params.get("RunId")))
        if run is None:
            raise _missing(f"Workflow run {params.get('RunId')}")
        if operation == "GetWorkflowRun":
            return {"Run": run if params.get("IncludeGraph") else _without_graph(run)}
        if operation == "GetWorkflowRunProperties":
            return {"RunProperties": dict(run["WorkflowRunProperties"])}
        if operation == "StopWorkflowRun":
            if run["Status"] != "RUNNING":
                raise LocalServiceError(
                    "IllegalWorkflowStateException", f"Workflow run is {run['Status']}"
                )
            run["Status"] = "STOPPING"
            return {}
        if operation == "ResumeWorkflowRun":
            if run["Status"] != "COMPLETED":
                raise LocalServiceError(
                    "IllegalWorkflowStateException", "Only a COMPLETED run can be resumed"
                )
            resumed = self.add(run, "RUNNING")
            self.runs[resumed]["PreviousRunId"] = run["WorkflowRunId"]
            return {"RunId": resumed, "NodeIds": list(params["NodeIds"])}
        raise LocalServiceError("NotSupportedLocally", f"recorded glue: {operation}", 501)


def _without_graph(run: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run.items() if k != "Graph"}


class EndpointStandIn:
    """Endpoints (with their configs) held in memory; every other call goes to ``real``."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.configs: dict[str, str] = {}  # endpoint config -> the model it serves

    def add(self, name: str, status: str = "InService") -> None:
        self.endpoints[name] = {
            "EndpointName": name,
            "EndpointArn": f"arn:aws:sagemaker:us-east-1:{LOCAL_ACCOUNT_ID}:endpoint/{name}",
            "EndpointConfigName": f"{name}-config",
            "EndpointStatus": status,
            "CreationTime": T0,
            "LastModifiedTime": T0,
        }
        self.configs[f"{name}-config"] = f"{name}-model"

    def _not_found(self, kind: str, name: str) -> LocalServiceError:
        # SageMaker's answer for a missing endpoint (config): a ValidationException.
        arn = f"arn:aws:sagemaker:us-east-1:{LOCAL_ACCOUNT_ID}:{kind}/{name}"
        label = "endpoint configuration" if kind == "endpoint-config" else "endpoint"
        return LocalServiceError("ValidationException", f'Could not find {label} "{arn}".')

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "ListEndpoints":
            return {"Endpoints": [self.endpoints[n] for n in sorted(self.endpoints)]}
        if operation in ("DescribeEndpoint", "DeleteEndpoint"):
            name = params["EndpointName"]
            if name not in self.endpoints:
                raise self._not_found("endpoint", name)
            if operation == "DeleteEndpoint":
                del self.endpoints[name]
                return {}
            return dict(self.endpoints[name])
        if operation in ("DescribeEndpointConfig", "DeleteEndpointConfig"):
            name = params["EndpointConfigName"]
            if name not in self.configs:
                raise self._not_found("endpoint-config", name)
            if operation == "DeleteEndpointConfig":
                del self.configs[name]
                return {}
            variant = {"VariantName": "AllTraffic", "ModelName": self.configs[name]}
            return {"EndpointConfigName": name, "ProductionVariants": [variant]}
        if operation == "DeleteModel":
            return {}
        return dict(self.real.handle(operation, params))


class RuntimeStandIn:
    """Scores each CSV line with its number of fields / 10; refuses non-numbers."""

    def __init__(self, endpoints: EndpointStandIn) -> None:
        self.endpoints = endpoints

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        name = params["EndpointName"]
        if operation != "InvokeEndpoint" or name not in self.endpoints.endpoints:
            raise self.endpoints._not_found("endpoint", name)
        body = params["Body"]
        lines = (body if isinstance(body, bytes) else body.read()).decode().splitlines()
        if any(
            not field.strip().replace(".", "").isdigit() for ln in lines for field in ln.split(",")
        ):
            # SageMaker's answer when the model's container rejects the input (HTTP 424).
            raise LocalServiceError(
                "ModelError",
                'Received client error (400) from primary with message "could not convert '
                'string to float"',
                424,
            )
        out = "\n".join(str(len(line.split(",")) / 10) for line in lines).encode()
        return {"Body": StreamingBody(io.BytesIO(out), len(out)), "ContentType": "text/csv"}
