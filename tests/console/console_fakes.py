"""In-memory Glue and SageMaker stand-ins answering boto3 calls through the local dispatch.

They hold exactly the state a test sets up, so the console's API can be tested before
(and independently of) the local engine: same boto3 calls, same response shapes.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from awsanswers import not_found

from glue_workflow.config import LOCAL_ACCOUNT_ID
from glue_workflow.local.dispatch import LocalServiceError

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def _missing(what: str) -> LocalServiceError:
    # Glue publishes no exact message for a missing workflow, run or job run: the code is
    # AWS's (EntityNotFoundException, 400); the local target's wording is used.
    return LocalServiceError("EntityNotFoundException", f"{what} not found")


def _aws_not_found(operation: str, name: str) -> LocalServiceError:
    """AWS's own not-found answer (tests/awsanswers.py) for the local account."""
    answer = not_found(operation, name, account=LOCAL_ACCOUNT_ID)
    return LocalServiceError(answer.code, answer.message, answer.status)


def demo_triggers(workflow: str = "demo") -> list[dict[str, Any]]:
    """start → prep; prep SUCCEEDED → fit; fit FAILED → alert (a handled failure branch)."""

    def cond(job: str, state: str) -> dict[str, Any]:
        return {
            "Logical": "ANY",
            "Conditions": [
                {"LogicalOperator": "EQUALS", "JobName": f"{workflow}-{job}", "State": state}
            ],
        }

    return [
        {
            "Name": f"{workflow}-start",
            "Type": "ON_DEMAND",
            "State": "CREATED",
            "Actions": [{"JobName": f"{workflow}-prep"}],
        },
        {
            "Name": f"{workflow}-after-prep",
            "Type": "CONDITIONAL",
            "State": "ACTIVATED",
            "Predicate": cond("prep", "SUCCEEDED"),
            "Actions": [{"JobName": f"{workflow}-fit"}],
        },
        {
            "Name": f"{workflow}-on-fit-failed",
            "Type": "CONDITIONAL",
            "State": "ACTIVATED",
            "Predicate": cond("fit", "FAILED"),
            "Actions": [{"JobName": f"{workflow}-alert"}],
        },
    ]


class FakeGlue:
    def __init__(self) -> None:
        self.workflows: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, dict[str, Any]] = {}  # run id -> run (with "job_runs": {job: [..]})
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.job_arguments: dict[str, dict[str, str]] = {}  # job -> extra DefaultArguments

    # --- test set-up -------------------------------------------------------------------

    def add_workflow(
        self, name: str, triggers: list[dict[str, Any]], defaults: dict[str, str] | None = None
    ) -> None:
        for trigger in triggers:
            trigger["WorkflowName"] = name
        self.workflows[name] = {
            "Name": name,
            "Description": f"{name} workflow",
            "DefaultRunProperties": defaults or {},
            "triggers": triggers,
            "CreatedOn": T0,
            "LastModifiedOn": T0,
        }

    def add_run(
        self,
        workflow: str,
        status: str,
        job_states: dict[str, list[str]],
        *,
        started: datetime = T0,
        properties: dict[str, str] | None = None,
    ) -> str:
        run_id = f"wr_{next(_ids):04d}"
        job_runs: dict[str, list[dict[str, Any]]] = {}
        for order, (job, states) in enumerate(job_states.items()):
            job_runs[job] = []
            for attempt, state in enumerate(states):
                running = state in ("RUNNING", "STARTING")
                # jobs in the order given, each after the one before it ended (as a
                # trigger starts a branch once its condition is met)
                start = started + timedelta(seconds=10 * attempt + 6 * order)
                job_runs[job].append(
                    {
                        "Id": f"jr_{run_id}_{job}_{attempt}",
                        "Attempt": attempt,
                        "JobName": job,
                        "JobRunState": state,
                        "StartedOn": start,
                        "CompletedOn": None if running else start + timedelta(seconds=5),
                        "TriggerName": self._trigger_of(workflow, job),
                        "ErrorMessage": f"{job} broke" if state == "FAILED" else None,
                        "MaxCapacity": 0.0625,  # a Python shell job's
                        "ExecutionTime": None if running else 4,  # 1 s of start-up
                    }
                )
        self.runs[run_id] = {
            "Name": workflow,
            "WorkflowRunId": run_id,
            "Status": status,
            "StartedOn": started,
            "CompletedOn": None if status == "RUNNING" else started + timedelta(seconds=60),
            "WorkflowRunProperties": dict(properties or {}),
            "job_runs": job_runs,
            "Statistics": {"TotalActions": len(job_runs)},
        }
        return run_id

    def _trigger_of(self, workflow: str, job: str) -> str | None:
        for trigger in self.workflows[workflow]["triggers"]:
            if any(a.get("JobName") == job for a in trigger["Actions"]):
                return str(trigger["Name"])
        return None

    # --- graph ---------------------------------------------------------------------------

    def _graph(
        self, workflow: str, job_runs: dict[str, list[dict[str, Any]]] | None
    ) -> dict[str, Any]:
        triggers = self.workflows[workflow]["triggers"]
        jobs: list[str] = []
        for trigger in triggers:
            for item in [a["JobName"] for a in trigger["Actions"]] + [
                c["JobName"] for c in (trigger.get("Predicate") or {}).get("Conditions", [])
            ]:
                if item not in jobs:
                    jobs.append(item)
        nodes: list[dict[str, Any]] = []
        for trigger in triggers:
            nodes.append(
                {
                    "Type": "TRIGGER",
                    "Name": trigger["Name"],
                    "UniqueId": f"t-{trigger['Name']}",
                    "TriggerDetails": {"Trigger": dict(trigger)},
                }
            )
        for job in jobs:
            node: dict[str, Any] = {"Type": "JOB", "Name": job, "UniqueId": f"j-{job}"}
            node["JobDetails"] = (
                {"JobRuns": list((job_runs or {}).get(job, []))} if job_runs is not None else {}
            )
            nodes.append(node)
        edges = []
        for trigger in triggers:
            for action in trigger["Actions"]:
                edges.append(
                    {"SourceId": f"t-{trigger['Name']}", "DestinationId": f"j-{action['JobName']}"}
                )
            for condition in (trigger.get("Predicate") or {}).get("Conditions", []):
                edges.append(
                    {
                        "SourceId": f"j-{condition['JobName']}",
                        "DestinationId": f"t-{trigger['Name']}",
                    }
                )
        return {"Nodes": nodes, "Edges": edges}

    def _run_view(self, run: dict[str, Any], graph: bool) -> dict[str, Any]:
        view = {k: v for k, v in run.items() if k != "job_runs" and v is not None}
        if graph:
            view["Graph"] = self._graph(run["Name"], run["job_runs"])
        return view

    # --- the service ---------------------------------------------------------------------

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((operation, params))
        method = getattr(self, f"op_{operation}", None)
        if method is None:
            raise LocalServiceError("NotSupportedLocally", f"fake glue: {operation}", 501)
        result: dict[str, Any] = method(**params)
        return result

    def _workflow(self, name: str) -> dict[str, Any]:
        if name not in self.workflows:
            raise _missing(f"Workflow {name}")
        return self.workflows[name]

    def _run(self, name: str, run_id: str) -> dict[str, Any]:
        self._workflow(name)
        run = self.runs.get(run_id)
        if run is None or run["Name"] != name:
            raise _missing(f"Workflow run {run_id}")
        return run

    def op_ListWorkflows(self, **_: Any) -> dict[str, Any]:
        return {"Workflows": sorted(self.workflows)}

    def op_GetWorkflow(self, Name: str, IncludeGraph: bool = False) -> dict[str, Any]:
        wf = self._workflow(Name)
        view = {k: v for k, v in wf.items() if k != "triggers"}
        if IncludeGraph:
            view["Graph"] = self._graph(Name, None)
        runs = [r for r in self.runs.values() if r["Name"] == Name]
        if runs:
            view["LastRun"] = self._run_view(max(runs, key=lambda r: r["StartedOn"]), False)
        return {"Workflow": view}

    def op_GetWorkflowRuns(
        self,
        Name: str,
        IncludeGraph: bool = False,
        MaxResults: int = 100,
        NextToken: str | None = None,
    ) -> dict[str, Any]:
        self._workflow(Name)
        runs = [self._run_view(r, IncludeGraph) for r in self.runs.values() if r["Name"] == Name]
        return {"Runs": runs[:MaxResults]}

    def op_GetWorkflowRun(
        self, Name: str, RunId: str, IncludeGraph: bool = False
    ) -> dict[str, Any]:
        return {"Run": self._run_view(self._run(Name, RunId), IncludeGraph)}

    def op_GetWorkflowRunProperties(self, Name: str, RunId: str) -> dict[str, Any]:
        return {"RunProperties": dict(self._run(Name, RunId)["WorkflowRunProperties"])}

    def op_GetJobRun(self, JobName: str, RunId: str, **_: Any) -> dict[str, Any]:
        for run in self.runs.values():
            for job_run in run["job_runs"].get(JobName, []):
                if job_run["Id"] == RunId:
                    return {"JobRun": {k: v for k, v in job_run.items() if v is not None}}
        raise _missing(f"Job run {RunId}")

    def op_BatchGetJobs(self, JobNames: list[str]) -> dict[str, Any]:
        """The demo's jobs (as GetJob knows them); others are not found."""
        jobs = [self.op_GetJob(n)["Job"] for n in JobNames if n.startswith("demo-")]
        return {"Jobs": jobs, "JobsNotFound": [n for n in JobNames if not n.startswith("demo-")]}

    def op_GetJob(self, JobName: str) -> dict[str, Any]:
        if not JobName.startswith("demo-"):
            raise _aws_not_found("get_job", JobName)
        return {
            "Job": {
                "Name": JobName,
                "Role": "r",
                "GlueVersion": "3.0",
                "MaxCapacity": 0.0625,
                "Command": {
                    "Name": "pythonshell",
                    "PythonVersion": "3.9",
                    "ScriptLocation": f"s3://b/{JobName}.py",
                },
                "DefaultArguments": {"--mode": "x", **self.job_arguments.get(JobName, {})},
                "Timeout": 60,
                "MaxRetries": 1,
            }
        }

    def op_StartWorkflowRun(
        self, Name: str, RunProperties: dict[str, str] | None = None
    ) -> dict[str, Any]:
        wf = self._workflow(Name)
        limit = wf.get("MaxConcurrentRuns")
        active = [r for r in self.runs.values() if r["Name"] == Name and r["Status"] == "RUNNING"]
        if limit and len(active) >= limit:  # as Glue: a limit of active runs per workflow
            raise LocalServiceError(
                "ConcurrentRunsExceededException", f"Concurrent runs exceeded for workflow: {Name}"
            )
        props = {**wf["DefaultRunProperties"], **(RunProperties or {})}
        first = wf["triggers"][0]["Actions"][0]["JobName"]
        run_id = self.add_run(
            Name,
            "RUNNING",
            {first: ["RUNNING"]},
            started=T0 + timedelta(hours=len(self.runs) + 1),
            properties=props,
        )
        return {"RunId": run_id}

    def op_StopWorkflowRun(self, Name: str, RunId: str) -> dict[str, Any]:
        run = self._run(Name, RunId)
        if run["Status"] != "RUNNING":
            raise LocalServiceError("IllegalWorkflowStateException", "run is not running")
        run["Status"] = "STOPPED"
        return {}

    def op_ResumeWorkflowRun(self, Name: str, RunId: str, NodeIds: list[str]) -> dict[str, Any]:
        run = self._run(Name, RunId)
        if run["Status"] != "COMPLETED":
            raise LocalServiceError("IllegalWorkflowStateException", "run is not completed")
        new_id = self.add_run(Name, "RUNNING", {}, started=run["StartedOn"] + timedelta(minutes=5))
        self.runs[new_id]["PreviousRunId"] = RunId
        return {"RunId": new_id, "NodeIds": NodeIds}


class FakeSageMaker:
    def __init__(self) -> None:
        self.groups: dict[str, list[dict[str, Any]]] = {}
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, list[dict[str, str]]] = {}  # resource ARN -> ListTags' Tags
        self.jobs: dict[str, dict[str, Any]] = {}  # name -> DescribeTraining/ProcessingJob

    def add_version(
        self,
        group: str,
        approval: str,
        metrics_uri: str | None = None,
        *,
        explainability_uri: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> str:
        versions = self.groups.setdefault(group, [])
        version = len(versions) + 1
        arn = f"arn:aws:sagemaker:us-east-1:000000000000:model-package/{group}/{version}"
        package: dict[str, Any] = {
            "ModelPackageGroupName": group,
            "ModelPackageVersion": version,
            "ModelPackageArn": arn,
            "ModelPackageStatus": "Completed",
            "ModelApprovalStatus": approval,
            "CreationTime": T0 + timedelta(minutes=version),
            "InferenceSpecification": {
                "Containers": [
                    {
                        "Image": "xgboost:3.0-5",
                        "ModelDataUrl": f"s3://b/{group}/{version}/model.tar.gz",
                    }
                ]
            },
            "CustomerMetadataProperties": metadata or {"workflow_run_id": "wr_1"},
        }
        if metrics_uri:
            package["ModelMetrics"] = {
                "ModelQuality": {
                    "Statistics": {"S3Uri": metrics_uri, "ContentType": "application/json"}
                }
            }
        if explainability_uri:
            package.setdefault("ModelMetrics", {})["Explainability"] = {
                "Report": {"S3Uri": explainability_uri, "ContentType": "application/json"}
            }
        versions.append(package)
        return arn

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation == "ListModelPackageGroups":
            return {
                "ModelPackageGroupSummaryList": [
                    {
                        "ModelPackageGroupName": g,
                        "ModelPackageGroupArn": f"arn:{g}",
                        "CreationTime": T0,
                        "ModelPackageGroupStatus": "Completed",
                    }
                    for g in self.groups
                ]
            }
        if operation == "DescribeModelPackageGroup":
            name = params["ModelPackageGroupName"]
            if name not in self.groups:
                raise _aws_not_found("describe_model_package_group", name)
            return {
                "ModelPackageGroupName": name,
                "ModelPackageGroupArn": f"arn:{name}",
                "CreationTime": T0,
                "CreatedBy": {},
                "ModelPackageGroupStatus": "Completed",
            }
        if operation == "ListModelPackages":
            name = params["ModelPackageGroupName"]
            if name not in self.groups:
                raise _aws_not_found("describe_model_package_group", name)
            items = sorted(self.groups[name], key=lambda p: -p["ModelPackageVersion"])
            return {
                "ModelPackageSummaryList": [
                    {
                        k: p[k]
                        for k in (
                            "ModelPackageGroupName",
                            "ModelPackageVersion",
                            "ModelPackageArn",
                            "ModelPackageStatus",
                            "ModelApprovalStatus",
                            "CreationTime",
                        )
                    }
                    for p in items
                ]
            }
        if operation == "DescribeModelPackage":
            for versions in self.groups.values():
                for p in versions:
                    if p["ModelPackageArn"] == params["ModelPackageName"]:
                        return dict(p)
            raise _aws_not_found("describe_model_package", params["ModelPackageName"])
        if operation == "UpdateModelPackage":
            for versions in self.groups.values():
                for p in versions:
                    if p["ModelPackageArn"] == params["ModelPackageArn"]:
                        p["ModelApprovalStatus"] = params["ModelApprovalStatus"]
                        p["ApprovalDescription"] = params.get("ApprovalDescription")
                        return {"ModelPackageArn": p["ModelPackageArn"]}
            raise _aws_not_found("describe_model_package", params["ModelPackageArn"])
        if operation == "ListEndpoints":
            return {
                "Endpoints": [
                    {
                        "EndpointName": n,
                        "EndpointArn": f"arn:{n}",
                        "CreationTime": T0,
                        "LastModifiedTime": T0,
                        "EndpointStatus": e["EndpointStatus"],
                    }
                    for n, e in sorted(self.endpoints.items())
                ]
            }
        if operation == "DescribeEndpoint":
            name = params["EndpointName"]
            if name not in self.endpoints:
                raise _aws_not_found("describe_endpoint", name)
            return dict(self.endpoints[name])
        if operation == "DescribeEndpointConfig":
            # deploy's shape: one variant whose model runs the package.
            for name, endpoint in self.endpoints.items():
                if endpoint["EndpointConfigName"] == params["EndpointConfigName"]:
                    model = f"{name}-model"
                    return {
                        "EndpointConfigName": params["EndpointConfigName"],
                        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": model}],
                    }
            raise _aws_not_found("describe_endpoint_config", params["EndpointConfigName"])
        if operation == "DescribeModel":
            for name, endpoint in self.endpoints.items():
                if params["ModelName"] == f"{name}-model":
                    package = endpoint.get("package_arn")
                    return {
                        "ModelName": params["ModelName"],
                        "Containers": [{"ModelPackageName": package}] if package else [],
                    }
            raise _aws_not_found("describe_model", params["ModelName"])
        if operation in ("DescribeTrainingJob", "DescribeProcessingJob"):
            key = operation.removeprefix("Describe") + "Name"
            job = self.jobs.get(params[key])
            if job is None or key not in job:
                snake = "describe_training_job" if "Training" in key else "describe_processing_job"
                raise _aws_not_found(snake, params[key])
            return dict(job)
        if operation == "ListTags":
            return {"Tags": list(self.tags.get(params["ResourceArn"], []))}
        raise LocalServiceError("NotSupportedLocally", f"fake sagemaker: {operation}", 501)

    def add_endpoint(
        self, name: str, status: str = "InService", *, package_arn: str | None = None
    ) -> None:
        self.endpoints[name] = {
            "package_arn": package_arn,
            "EndpointName": name,
            "EndpointArn": f"arn:{name}",
            "EndpointConfigName": f"{name}-cfg-1",
            "EndpointStatus": status,
            "CreationTime": T0,
            "LastModifiedTime": T0,
        }
