"""What an ML pipeline run produced: metrics, gate decision, model version, endpoint.

Reads the run's properties (the jobs' contract, see docs/pipeline.md) through the
target's Glue client, and optionally invokes the deployed endpoint with rows of the
run's test split, so the demo and users see the outcome in one place on either target.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glue_workflow.config import Settings
from glue_workflow.errors import GlueWfError, NotFoundError, RunError
from glue_workflow.naming import GATE_PREFIX, gate_property

if TYPE_CHECKING:
    from glue_workflow.runs.verdict import Verdict

METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
DECISION_SUFFIX = "_decision"  # of naming.gate_property(gate, "decision")
INVOKE_ROWS = 3
# What a score is when the run's feature manifest does not say (no target, unreadable).
POSITIVE_CLASS = "positive-class probability"


@dataclass(frozen=True, kw_only=True)
class Invocation:
    endpoint: str
    rows: tuple[str, ...]
    labels: tuple[str, ...]
    scores: tuple[float, ...]
    # what the scores are: "probability that Churn is True" (score_meaning)
    meaning: str = POSITIVE_CLASS


@dataclass(frozen=True, kw_only=True)
class PipelineReport:
    workflow: str
    run_id: str
    status: str
    properties: dict[str, str]
    invocation: Invocation | None = None
    notes: tuple[str, ...] = field(default=())
    # The package's approval now (it changes after the run: glue-wf approve).
    approval_now: str | None = None
    # glue-wf's verdict on the run: a COMPLETED run may have failed nodes
    verdict: Verdict | None = None

    @property
    def approval(self) -> str | None:
        return self.approval_now or self.properties.get("model_approval_status")

    @property
    def metrics(self) -> dict[str, str]:
        return {m: self.properties[m] for m in METRICS if m in self.properties}

    @property
    def gates(self) -> list[tuple[str, str, str]]:
        """``(gate decision name, decision, reason)`` of every gate that recorded one."""
        found = []
        for key in sorted(self.properties):
            if key.startswith(GATE_PREFIX) and key.endswith(DECISION_SUFFIX):
                name = key[len(GATE_PREFIX) : -len(DECISION_SUFFIX)]
                reason = self.properties.get(gate_property(name, "reason"), "")
                found.append((name, self.properties[key], reason))
        return found

    def to_dict(self) -> dict[str, Any]:
        """``pipeline-report --json``: PascalCase keys, as every --json output (docs/json.md)."""
        props = self.properties
        return {
            "Workflow": self.workflow,
            "RunId": self.run_id,
            "Status": self.status,
            "Verdict": self.verdict.label if self.verdict else "",
            "VerdictSummary": self.verdict.short_summary if self.verdict else "",
            "Metrics": self.metrics,
            "EvaluationUri": props.get("evaluation_uri"),
            "DataQuality": {
                "Summary": props.get("data_quality"),
                "Report": props.get("data_quality_uri"),
            },
            "Gates": [
                {"Name": name, "Decision": decision, "Reason": reason}
                for name, decision, reason in self.gates
            ],
            "ModelPackage": {
                "Arn": props.get("model_package_arn"),
                "Version": props.get("model_package_version"),
                "ApprovalStatus": self.approval,
            },
            "Deploy": {
                "Status": props.get("deploy_status"),
                "Endpoint": props.get("deployed_endpoint"),
                "EndpointConfig": props.get("endpoint_config_name"),
            },
            "RejectionReason": props.get("rejection_reason"),
            "Invocation": None
            if self.invocation is None
            else {
                "Endpoint": self.invocation.endpoint,
                "Labels": list(self.invocation.labels),
                "Scores": list(self.invocation.scores),
                "ScoreMeaning": self.invocation.meaning,
            },
            "Notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        props = self.properties
        out = [f"run {self.run_id} of {self.workflow}: {self.status}"]
        if self.verdict is not None:
            out.append(f"verdict:  {self.verdict.short_summary}")
        if props.get("data_quality"):
            out.append(f"data:     {props['data_quality']}")
            if props.get("data_quality_uri"):
                out.append(f"          report {props['data_quality_uri']}")
        if self.metrics:
            out.append("metrics:  " + "  ".join(f"{k}={v}" for k, v in self.metrics.items()))
        if props.get("evaluation_uri"):
            out.append(f"report:   {props['evaluation_uri']}")
        for name, decision, reason in self.gates:
            out.append(f"gate:     {name}: {decision} ({reason})")
        if props.get("model_package_arn"):
            out.append(
                f"model:    {props.get('model_package_group', '')} version "
                f"{props.get('model_package_version', '?')} "
                f"({self.approval or '?'}) {props['model_package_arn']}"
            )
        if props.get("deploy_status"):
            where = props.get("deployed_endpoint") or "-"
            out.append(
                f"deploy:   {props['deploy_status']} endpoint={where} "
                f"config={props.get('endpoint_config_name') or '-'}"
            )
        if props.get("rejection_reason"):
            out.append(f"rejected: {props['rejection_reason']}")
        if self.invocation is not None:
            inv = self.invocation
            out.append(f"invoke:   {inv.endpoint} with {len(inv.rows)} test rows")
            for label, score in zip(inv.labels, inv.scores, strict=True):
                out.append(f"          {inv.meaning}: {score:.4f} (actual label {label})")
        out.extend(f"note:     {n}" for n in self.notes)
        return out


def data_quality_line(props: dict[str, str]) -> str | None:
    """The preprocess data-quality summary of a run, for ``status``."""
    summary = props.get("data_quality")
    if not summary:
        return None
    where = props.get("data_quality_uri")
    return f"data quality: {summary}" + (f" (report {where})" if where else "")


def score_meaning(manifest: Mapping[str, Any] | None) -> str:
    """What the endpoint's scores are, from the run's ``feature_manifest.json`` (its
    ``target`` and ``positive_label``): "probability that Default is yes"; the neutral
    ``POSITIVE_CLASS`` when the manifest does not say."""
    manifest = manifest or {}
    target, labels = manifest.get("target"), manifest.get("positive_label")
    labels = [labels] if isinstance(labels, str) else labels
    if not (isinstance(target, str) and target.strip() and isinstance(labels, list) and labels):
        return POSITIVE_CLASS
    if not all(isinstance(label, str) and label.strip() for label in labels):
        return POSITIVE_CLASS
    return f"probability that {target} is {' or '.join(labels)}"


def _manifest(s3: Any, props: Mapping[str, str]) -> dict[str, Any] | None:
    """The run's feature manifest (preprocess's ``feature_manifest_uri``), if readable."""
    from glue_workflow.jobkit import sagemaker_ops as ops

    uri = props.get("feature_manifest_uri", "")
    if not uri.startswith("s3://"):
        return None
    try:
        found = json.loads(ops.read_s3_bytes(s3, uri))
    except Exception:  # the scores are then named neutrally; the report shows the rest
        return None
    return found if isinstance(found, dict) else None


def pick_rows(lines: list[str], count: int) -> list[str]:
    """Up to ``count`` label-first rows, alternating labels so both classes show."""
    by_label: dict[str, list[str]] = {}
    for line in lines[:1000]:
        by_label.setdefault(line.split(",", 1)[0], []).append(line)
    queues = [by_label[label] for label in sorted(by_label, reverse=True)]
    picked: list[str] = []
    while len(picked) < count and any(queues):
        for queue in queues:
            if queue and len(picked) < count:
                picked.append(queue.pop(0))
    return picked


def _invoke(settings: Settings, props: dict[str, str], rows: int) -> Invocation:
    from glue_workflow.aws.clients import client
    from glue_workflow.jobkit import sagemaker_ops as ops

    endpoint = props["deployed_endpoint"]
    s3 = client(settings, "s3")
    data = ops.read_s3_bytes(s3, ops.first_object_under(s3, props["test_uri"]))
    lines = pick_rows([line for line in data.decode("utf-8").splitlines() if line.strip()], rows)
    labels = tuple(line.split(",", 1)[0] for line in lines)
    features = tuple(line.split(",", 1)[1] for line in lines)
    response = client(settings, "sagemaker-runtime").invoke_endpoint(
        EndpointName=endpoint, ContentType="text/csv", Accept="text/csv", Body="\n".join(features)
    )
    text = response["Body"].read().decode("utf-8")
    scores = tuple(float(v) for v in text.replace("\n", ",").split(",") if v.strip())
    return Invocation(
        endpoint=endpoint,
        rows=features,
        labels=labels,
        scores=scores,
        meaning=score_meaning(_manifest(s3, props)),
    )


def build_report(
    settings: Settings, workflow: str, run_id: str | None = None, *, invoke: bool = True
) -> PipelineReport:
    """The report of ``run_id`` (a ``RUN_ID``: an id, a unique prefix of one, ``latest``;
    default: the latest run), invoking the endpoint if deployed."""
    from glue_workflow.aws.clients import client
    from glue_workflow.aws.errors import ResourceNotFound
    from glue_workflow.aws.retry import request
    from glue_workflow.runs.control import RunTarget
    from glue_workflow.runs.glue_run_calls import GlueRunsApi
    from glue_workflow.runs.run_ids import resolve_run_id
    from glue_workflow.runs.verdict import judge

    glue = client(settings, "glue")
    try:
        request(glue, "get_workflow", base=RunError, Name=workflow, IncludeGraph=False)
    except ResourceNotFound as exc:
        raise NotFoundError(
            f"workflow {workflow!r} is not deployed on the {settings.target} target: "
            "run 'glue-wf deploy' first"
        ) from exc
    runs = RunTarget(settings=settings, workflow=workflow, glue=GlueRunsApi(client=glue))
    run_id = resolve_run_id(runs, run_id)
    try:
        run = request(  # the graph: the verdict reads each node's outcome
            glue, "get_workflow_run", base=RunError, Name=workflow, RunId=run_id, IncludeGraph=True
        )["Run"]
        props = request(
            glue, "get_workflow_run_properties", base=RunError, Name=workflow, RunId=run_id
        )["RunProperties"]
    except ResourceNotFound as exc:
        raise NotFoundError(
            f"run {run_id!r} of workflow {workflow!r} not found: list runs with 'glue-wf runs'"
        ) from exc
    invocation = None
    notes: list[str] = []
    approval_now = None
    if props.get("model_package_arn"):
        sm = client(settings, "sagemaker")
        with contextlib.suppress(GlueWfError):  # the report still shows everything else
            package = request(
                sm, "describe_model_package", ModelPackageName=props["model_package_arn"]
            )
            approval_now = package.get("ModelApprovalStatus")
    if invoke and props.get("deploy_status") == "deployed" and props.get("deployed_endpoint"):
        try:
            invocation = _invoke(settings, dict(props), INVOKE_ROWS)
        except Exception as exc:  # the report still shows everything else
            notes.append(f"endpoint invocation failed: {exc}")
    elif props.get("deploy_status") == "awaiting_approval":
        resume = f"glue-wf resume {run_id} --node deploy --wait"
        if approval_now == "Approved":
            notes.append(f"the package was approved after this run: deploy it with '{resume}'")
        else:
            notes.append(
                "the model package awaits manual approval: approve it with 'glue-wf approve "
                f"{props.get('model_package_group', 'GROUP')}/"
                f"{props.get('model_package_version', 'VERSION')}', then '{resume}'"
            )
    return PipelineReport(
        workflow=workflow,
        run_id=run_id,
        status=str(run.get("Status")),
        properties=dict(props),
        invocation=invocation,
        approval_now=approval_now,
        notes=tuple(notes),
        verdict=judge(run),
    )
