"""What a workflow's Glue job role may act on, derived from the workflow.

The template's SageMaker statements are scoped to exactly the resources the workflow
creates: training/processing jobs and models named by the job library
(``<workflow>-<node>-<hash>``), the endpoint and endpoint configs of its
``endpoint_name`` and the model package group of its ``model_package_group``. These
scopes are a pure function of the workflow's name, its default run properties and what
its definition says it uses (:class:`Usage`); glue-wf turns them into the template's
parameters (``SageMaker*Arns``, ``Notify*``) and reads them back from a deployed stack
to tell, before a run starts, whether a name would be denied.

A group left empty drops its statements: the template grants a SageMaker group, the
execution role and ``iam:PassRole``, SNS Publish and EventBridge PutEvents only when
the workflow uses them (infra/README.md, "What the Glue job role is granted").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from glue_workflow.errors import ConfigError
from glue_workflow.jobkit.sagemaker_ops import (
    MAX_ATTEMPTS,
    NAME_MAX,
    SCOPED_DIGEST,
    _slug,
    scoped_name,
)
from glue_workflow.naming import arn

# The job library's naming rules (slug, length, suffixes) are imported above so the
# scopes follow them exactly.
# Template parameters holding the ARN patterns of each group of SageMaker statements.
JOBS_PARAMETER = "SageMakerJobArns"
REGISTRY_PARAMETER = "SageMakerRegistryArns"
HOSTING_PARAMETER = "SageMakerHostingArns"
SCOPE_PARAMETERS = (JOBS_PARAMETER, REGISTRY_PARAMETER, HOSTING_PARAMETER)
# Template parameters ("true"/"false") granting the verdict notifier's publishing.
SNS_PARAMETER = "NotifySns"
EVENTS_PARAMETER = "NotifyEventBridge"
# The context argument handing a job the SageMaker execution role (model/job_arguments.py).
SAGEMAKER_ROLE_ARGUMENT = "sagemaker_role_arn"
TOPIC_ARGUMENT = "notify_topic_arn"


@dataclass(frozen=True, kw_only=True)
class NamedResource:
    """A run property that names a SageMaker resource, and what the role does with it."""

    prop: str
    kind: str  # what the message calls it
    parameter: str  # the template parameter granting it
    actions: tuple[str, ...]  # the permissions the job needs on it (from the template)

    def paths(self, name: str) -> tuple[str, ...]:
        """The ARN resource parts (after ``<account>:``) a job builds from ``name``."""
        lower = name.lower()  # SageMaker ARNs carry names lower-cased
        if self.prop == "endpoint_name":
            # deploy: the endpoint itself and one endpoint config per run
            return (f"endpoint/{lower}", f"endpoint-config/{scoped_name(name, 'run').lower()}")
        return (f"model-package-group/{lower}", f"model-package/{lower}/1")


ENDPOINT = NamedResource(
    prop="endpoint_name",
    kind="SageMaker endpoint",
    parameter=HOSTING_PARAMETER,
    actions=("sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint"),
)
MODEL_PACKAGE_GROUP = NamedResource(
    prop="model_package_group",
    kind="model package group",
    parameter=REGISTRY_PARAMETER,
    actions=(
        "sagemaker:CreateModelPackageGroup",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:CreateModelPackage",
    ),
)
# Run properties whose value names a SageMaker resource the Glue job role acts on.
NAMED_RESOURCES: Mapping[str, NamedResource] = {r.prop: r for r in (ENDPOINT, MODEL_PACKAGE_GROUP)}


# Run property holding the input dataset's S3 URI, read by the Glue job role.
INPUT_PROPERTY = "input_uri"


@dataclass(frozen=True, kw_only=True)
class Usage:
    """What a workflow's jobs do beyond Glue and S3, as its definition declares it.

    The defaults (everything) are what glue-wf granted before it derived them, and
    what a stack deployed by an older template is read as.
    """

    # A job is handed the SageMaker execution role (context argument
    # sagemaker_role_arn): every CreateTrainingJob/CreateProcessingJob needs a role to
    # run as, and a script gets the stack's role only this way, so a workflow without
    # it can start no training or processing job as that role.
    sagemaker_jobs: bool = True
    # The verdict notifier publishes to SNS (a ToSns target), or a job is handed the
    # stack's topic (context argument notify_topic_arn).
    sns: bool = True
    # The verdict notifier puts events on EventBridge (a ToEventBridge target).
    events: bool = True


# Everything: what a caller that does not know the workflow's usage is held to.
ALL_USED = Usage()


def usage_of(workflow: Any) -> Usage:
    """The :class:`Usage` a ``Workflow`` declares (its jobs include the notifier)."""
    from glue_workflow.model.notify import ToEventBridge, ToSns

    handed = {name for job in workflow.jobs for name in job.context_arguments}
    return Usage(
        sagemaker_jobs=SAGEMAKER_ROLE_ARGUMENT in handed,
        sns=TOPIC_ARGUMENT in handed or any(isinstance(t, ToSns) for t in workflow.notify),
        events=any(isinstance(t, ToEventBridge) for t in workflow.notify),
    )


def job_name_prefix(workflow: str) -> str:
    """A prefix of every name ``resource_name`` gives a node's jobs and models.

    ``resource_name`` keeps ``<slug(workflow)>-<slug(node)>`` up to what its hash and
    attempt suffix leave of 63 characters; the longest suffix bounds the prefix.
    """
    slug = _slug(workflow).lower()
    if not slug:
        raise ConfigError(
            f"workflow name {workflow!r} has no letter or digit: SageMaker names derive "
            "from it, rename the workflow"
        )
    longest_suffix = len(f"-{'0' * 12}-a{MAX_ATTEMPTS}")
    head = slug[: NAME_MAX - longest_suffix].rstrip("-")
    return head + "-" if head == slug else head


@dataclass(frozen=True, kw_only=True)
class PolicyScopes:
    """What the Glue job role may touch in SageMaker, as ARN resource patterns."""

    workflow_name: str
    patterns: Mapping[str, tuple[str, ...]]  # template parameter -> resource parts
    notify_sns: bool = True  # sns:Publish on the stack's topic
    notify_events: bool = True  # events:PutEvents of glue-wf verdicts on the default bus

    @property
    def uses_sagemaker(self) -> bool:
        """Any SageMaker statement is granted (and so the SageMaker execution role)."""
        return any(self.patterns.values())

    def arns(self, *, partition: str, region: str, account: str) -> dict[str, str]:
        """The template's ``SageMaker*Arns`` parameter values (comma-delimited lists)."""
        return {
            key: ",".join(arn(partition, "sagemaker", region, account, p) for p in paths)
            for key, paths in self.patterns.items()
        }

    def notify_parameters(self) -> dict[str, str]:
        """The template's ``Notify*`` parameter values."""
        return {
            SNS_PARAMETER: _flag(self.notify_sns),
            EVENTS_PARAMETER: _flag(self.notify_events),
        }

    def allows(self, parameter: str, path: str) -> bool:
        return any(fnmatchcase(path, pattern) for pattern in self.patterns.get(parameter, ()))

    def names(self, resource: NamedResource) -> list[str]:
        """The names of ``resource``'s kind the scopes allow, for messages."""
        head = resource.paths("x")[0].rsplit("/", 1)[0] + "/"
        patterns = self.patterns.get(resource.parameter, ())
        return sorted(p[len(head) :] for p in patterns if p.startswith(head))


def derive_scopes(
    workflow_name: str,
    default_run_properties: Mapping[str, str],
    extra: Mapping[str, Iterable[str]] | None = None,
    *,
    usage: Usage = ALL_USED,
) -> PolicyScopes:
    """The scopes a workflow needs: its job prefix (when ``usage`` says it starts
    SageMaker jobs), and every name its defaults (and ``extra`` names per run property)
    give an endpoint (with the models deploy creates) or a model package group."""
    prefix = job_name_prefix(workflow_name)
    patterns: dict[str, list[str]] = {
        JOBS_PARAMETER: (
            [f"training-job/{prefix}*", f"processing-job/{prefix}*"] if usage.sagemaker_jobs else []
        ),
        REGISTRY_PARAMETER: [],
        HOSTING_PARAMETER: [],
    }
    for prop, resource in NAMED_RESOURCES.items():
        names = [default_run_properties[prop]] if default_run_properties.get(prop) else []
        names += list((extra or {}).get(prop, ()))
        for name in dict.fromkeys(names):
            lower = name.lower()
            if resource is ENDPOINT:
                # <head>-<10 hex> exactly: "<head>-*" would also match the configs of
                # other endpoints named <endpoint>-<more> (stage endpoints churn-xgb-dev).
                config = scoped_name(name, "run").lower().rsplit("-", 1)[0]
                patterns[HOSTING_PARAMETER] += [
                    f"model/{prefix}*",
                    f"endpoint-config/{config}-{'?' * SCOPED_DIGEST}",
                    f"endpoint/{lower}",
                ]
                continue
            # Endpoint ARNs are lower-cased, but IAM has been seen to evaluate a model
            # package's ARN with its group's case (an AccessDenied on "model-package/
            # modelPackageGroupTurbine/1", aws-samples/ml-edge-getting-started#18), and
            # IAM matches case-sensitively: a group name with capitals gets both forms.
            # CreateModelPackage names only the group: which of the package's ARNs IAM
            # checks is not documented, so the group's own name is allowed as well.
            for group in dict.fromkeys((lower, name)):
                patterns[REGISTRY_PARAMETER] += [
                    f"model-package-group/{group}",
                    f"model-package/{group}",
                    f"model-package/{group}/*",
                ]
    return PolicyScopes(
        workflow_name=workflow_name,
        patterns={key: tuple(dict.fromkeys(value)) for key, value in patterns.items()},
        notify_sns=usage.sns,
        notify_events=usage.events,
    )


def scopes_of_document(
    document: Any, extra: Mapping[str, Iterable[str]] | None = None
) -> PolicyScopes:
    """:func:`derive_scopes` of a compiled ``WorkflowDocument`` (its usage unknown: all)."""
    defaults = document.workflow.get("DefaultRunProperties") or {}
    return derive_scopes(document.name, defaults, extra)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def scopes_from_parameters(
    workflow_name: str, parameters: Mapping[str, str]
) -> PolicyScopes | None:
    """The scopes a deployed stack grants (None: its template has no such parameters)."""
    if not all(key in parameters for key in SCOPE_PARAMETERS):
        return None
    patterns = {}
    for key in SCOPE_PARAMETERS:
        arns = [a.strip() for a in parameters[key].split(",") if a.strip()]
        # arn:<partition>:sagemaker:<region>:<account>:<resource part>
        patterns[key] = tuple(a.split(":", 5)[5] for a in arns if a.count(":") >= 5)
    # A template before the Notify* parameters granted both unconditionally.
    return PolicyScopes(
        workflow_name=workflow_name,
        patterns=patterns,
        notify_sns=parameters.get(SNS_PARAMETER, "true") == "true",
        notify_events=parameters.get(EVENTS_PARAMETER, "true") == "true",
    )
