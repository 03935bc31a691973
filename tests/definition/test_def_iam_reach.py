"""What the template's Glue job role would deny: each warning pinned, each grounded in
a statement of infra/template.yaml."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.config import load_settings
from glue_workflow.definition import validate_definition
from glue_workflow.model import (
    Action,
    DriftCheck,
    Event,
    PythonShellJob,
    SparkJob,
    ToEventBridge,
    ToSns,
    Trigger,
    Workflow,
    succeeded,
)
from glue_workflow.naming import notification_topic_name
from glue_workflow.scaffold import init_project
from glue_workflow.validation import check, iam_reach, validate
from glue_workflow.validation.iam_reach import check_iam_reach

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"
OWN = "rerun 'glue-wf infra deploy' (a glue_role_arn of your own: grant it there)"
READS = (
    "would be denied on AWS: the Glue job role of infra/template.yaml reads only "
    "s3://{bucket}/data/ and s3://{bucket}/glue-wf/wf/ (statements ReadInputData, "
    "WorkflowObjects), so"
)
MOVE = (
    "move it under s3://{bucket}/data/ or s3://{bucket}/glue-wf/wf/, or widen statement "
    f"ReadInputData in infra/template.yaml and {OWN}"
)


def job(name: str = "a", **kw: Any) -> PythonShellJob:
    return PythonShellJob(name=name, script=f"jobs/{name}.py", **kw)


def wf(*nodes: Any, **kw: Any) -> Workflow:
    kw.setdefault("max_concurrent_runs", 1)
    return Workflow(name="wf", nodes=nodes or (job(),), **kw)


def iam(workflow: Workflow, **kw: Any) -> list[str]:
    return [str(p) for p in check_iam_reach(workflow, **kw)]


def s3_pattern(bucket: str, key: Any) -> dict[str, Any]:
    return {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": key}},
    }


CASES: list[tuple[str, Callable[[], Workflow], str]] = [
    (
        "drift-baseline",
        lambda: wf(
            DriftCheck(name="drift", baseline="s3://{bucket}/models/b.json"),
            start_parameters=("input_uri",),
        ),
        f"node 'drift': baseline='s3://{{bucket}}/models/b.json' {READS} s3:GetObject on "
        f"arn:...:s3:::{{bucket}}/models/b.json is missing: {MOVE} [iam-s3-read]",
    ),
    (
        "drift-batch-other-bucket-prefix",
        lambda: wf(
            DriftCheck(name="drift", batch="s3://landing/incoming/"),
            start_parameters=("baseline_uri",),
        ),
        f"node 'drift': batch='s3://landing/incoming/' {READS} s3:ListBucket "
        "(ListWorkflowPrefixes) and s3:GetObject on arn:...:s3:::landing/incoming/* are "
        f"missing: {MOVE} [iam-s3-read]",
    ),
    (
        "default-input-uri",
        lambda: wf(
            job(reads=("input_uri",)), default_run_properties={"input_uri": "s3://{bucket}/in.csv"}
        ),
        "workflow 'wf' default_run_properties['input_uri']: run property "
        f"input_uri='s3://{{bucket}}/in.csv' (read by node 'a') {READS} s3:GetObject on "
        f"arn:...:s3:::{{bucket}}/in.csv is missing: {MOVE} [iam-s3-read]",
    ),
    (
        "default-read-by-two",
        lambda: wf(
            job("a", reads=("u",)),
            job("b", reads=("u",)),
            default_run_properties={"u": "s3://{bucket}/glue-wf/other/x"},
        ),
        "workflow 'wf' default_run_properties['u']: run property "
        f"u='s3://{{bucket}}/glue-wf/other/x' (read by nodes 'a', 'b') {READS} s3:GetObject "
        f"on arn:...:s3:::{{bucket}}/glue-wf/other/x is missing: {MOVE} [iam-s3-read]",
    ),
    (
        "job-argument",
        lambda: wf(job(arguments={"--src": "s3://{bucket}/raw/x.csv"})),
        f"node 'a': argument --src='s3://{{bucket}}/raw/x.csv' {READS} s3:GetObject and "
        "s3:PutObject on arn:...:s3:::{bucket}/raw/x.csv are missing: move it under "
        "s3://{bucket}/data/ (read) or s3://{bucket}/glue-wf/wf/runs/ (written), or widen "
        f"statement ReadInputData or WriteRunOutputs in infra/template.yaml and {OWN} "
        "[iam-s3-argument]",
    ),
    (
        "job-argument-list",
        lambda: wf(
            job(non_overridable_arguments={"--srcs": "s3://{bucket}/data/a,s3://{bucket}/b"})
        ),
        "node 'a': argument --srcs='s3://{bucket}/data/a,s3://{bucket}/b' (s3://{bucket}/b) "
        f"{READS} s3:GetObject and s3:PutObject on arn:...:s3:::{{bucket}}/b are missing: "
        "move it under s3://{bucket}/data/ (read) or s3://{bucket}/glue-wf/wf/runs/ "
        "(written), or widen statement ReadInputData or WriteRunOutputs in "
        f"infra/template.yaml and {OWN} [iam-s3-argument]",
    ),
    (
        "action-argument",
        lambda: wf(
            job("a"),
            job("b", after=succeeded("a")),
            triggers=(
                Trigger(
                    name="t",
                    when=succeeded("a"),
                    actions=(Action(node="b", arguments={"--out": "s3://{bucket}/tmp/"}),),
                ),
            ),
        ),
        "Trigger 't': action argument --out='s3://{bucket}/tmp/' of node 'b' "
        f"{READS} s3:ListBucket (ListWorkflowPrefixes) and s3:GetObject and s3:PutObject on "
        "arn:...:s3:::{bucket}/tmp/* are missing: move it under s3://{bucket}/data/ (read) "
        "or s3://{bucket}/glue-wf/wf/runs/ (written), or widen statement ReadInputData or "
        f"WriteRunOutputs in infra/template.yaml and {OWN} [iam-s3-argument]",
    ),
    (
        "python-module",
        lambda: wf(
            SparkJob(
                name="etl",
                script="jobs/etl.py",
                additional_python_modules=("s3://wheels/lib.whl", "pandas==2.2"),
            )
        ),
        "node 'etl': additional_python_modules entry 's3://wheels/lib.whl' "
        f"{READS} s3:GetObject on arn:...:s3:::wheels/lib.whl is missing: {MOVE} "
        "[iam-s3-module]",
    ),
    (
        "event-other-bucket",
        lambda: wf(
            start=Event(pattern=s3_pattern("churn-landing", [{"prefix": "input/"}])),
        ),
        "start trigger: Event pattern starts runs on objects created under "
        f"'s3://churn-landing/input/'; reading them {READS} s3:GetObject on "
        "arn:...:s3:::churn-landing/input/* is missing: have them land under "
        "s3://{bucket}/data/, or widen statement ReadInputData in infra/template.yaml and "
        f"{OWN} [iam-event-source]",
    ),
    (
        "notify-bus",
        lambda: wf(notify=[ToEventBridge(bus="my-bus")]),
        "node 'notify-verdict': ToEventBridge(bus='my-bus') would be denied on AWS: "
        "statement PutVerdictEvents of infra/template.yaml allows events:PutEvents on "
        "event-bus/default only, so events:PutEvents on arn:...:events:...:event-bus/my-bus "
        "is missing and no verdict is published: use ToEventBridge() (the default bus), or "
        f"widen statement PutVerdictEvents and {OWN} [iam-notify-bus]",
    ),
    (
        "notify-topic",
        lambda: wf(notify=[ToSns(topic_arn="arn:aws:sns:us-east-1:123456789012:alerts")]),
        "node 'notify-verdict': ToSns(topic_arn='arn:aws:sns:us-east-1:123456789012:alerts') "
        "would be denied on AWS: statement PublishVerdict of infra/template.yaml allows "
        "sns:Publish on the stack's topic <stack>-notifications only, so sns:Publish on "
        "arn:aws:sns:us-east-1:123456789012:alerts is missing and no verdict is published: "
        f"use ToSns() (the stack's topic), or widen statement PublishVerdict and {OWN} "
        "[iam-notify-topic]",
    ),
    (
        "connections",
        lambda: wf(job(connections=("vpc-db",))),
        "node 'a': connections=('vpc-db',) would be denied on AWS: no statement of policy "
        "glue-wf-glue-job in infra/template.yaml grants glue:GetConnection, "
        "ec2:CreateNetworkInterface, ec2:DeleteNetworkInterface, "
        "ec2:DescribeNetworkInterfaces, ec2:DescribeSubnets, ec2:DescribeSecurityGroups, "
        "ec2:DescribeVpcEndpoints, ec2:DescribeRouteTables (on connection/vpc-db and the "
        "connection's VPC), so the job run fails: add a statement granting them to "
        f"GlueJobRole in infra/template.yaml and {OWN} [iam-connections]",
    ),
    (
        "security-configuration",
        lambda: wf(job(security_configuration="kms-logs")),
        "node 'a': security_configuration='kms-logs' would be denied on AWS if it encrypts "
        "logs or data with KMS: the Glue job role of infra/template.yaml has "
        "logs:AssociateKmsKey, kms:Encrypt, kms:Decrypt, kms:GenerateDataKey on no key "
        "(statement GlueJobLogs grants logs:CreateLogGroup, logs:CreateLogStream, "
        "logs:PutLogEvents only; BucketKmsKey the bucket's key through S3 only): grant them "
        f"on the configuration's keys to GlueJobRole in infra/template.yaml and {OWN}, or "
        "drop security_configuration [iam-security-configuration]",
    ),
]


@pytest.mark.parametrize(("build", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_denial_is_one_warning_with_exact_message(
    build: Callable[[], Workflow], expected: str
) -> None:
    workflow = build()
    assert iam(workflow) == [expected]
    assert "\n" not in expected
    found = [p for p in validate(workflow) if p.rule.startswith("iam-")]
    assert [str(p) for p in found] == [expected]
    assert {p.severity for p in found} == {"warning"}
    assert check(workflow) == validate(workflow)  # warnings only: nothing raised


@pytest.mark.parametrize(
    "uri",
    [
        "s3://{bucket}/data/churn.csv",
        "s3://{bucket}/data/incoming/",
        "s3://{bucket}/glue-wf/{workflow}/runs/x/",
        "s3://{bucket}/glue-wf/wf/models/b.json",
        "s3://my-artifacts/data/x.csv",  # a literal bucket may be the artifacts bucket
    ],
)
def test_readable_uris_are_not_reported(uri: str) -> None:
    workflow = wf(
        DriftCheck(name="drift", baseline=uri, batch="input_uri"),
        job(reads=("input_uri",), arguments={"--u": uri}, additional_python_modules=(uri,)),
        default_run_properties={"input_uri": uri},
        start=Event(pattern=s3_pattern("my-artifacts", [{"prefix": "data/in/"}])),
    )
    assert iam(workflow) == []


def test_not_reported_what_is_not_an_s3_read() -> None:
    workflow = wf(
        job(reads=("input_uri",), arguments={"--mode_name": "s3-ish", "--n": "3"}),
        # read by no node: reported by the property-contract rule, not here
        default_run_properties={"input_uri": "s3://{bucket}/data/x", "other": "s3://x/y"},
        start=Event(pattern={"source": ["aws.s3"], "detail": {"bucket": {"name": ["b"]}}}),
        notify=[
            ToEventBridge(),
            ToSns(),
            ToSns(topic_arn="arn:aws:sns:us-east-1:123456789012:glue-wf-notifications"),
        ],
    )
    assert iam(workflow) == []


def test_default_bus_by_arn_is_allowed() -> None:
    bus = "arn:aws:events:us-east-1:123456789012:event-bus/default"
    assert iam(wf(notify=[ToEventBridge(bus=bus)])) == []


def test_known_bucket_reports_other_buckets_and_fills_the_placeholder() -> None:
    workflow = wf(job(reads=("u",)), default_run_properties={"u": "s3://other/data/x.csv"})
    assert iam(workflow) == []  # bucket unknown: 'other' may be the artifacts bucket
    assert iam(workflow, bucket="art") == [
        "workflow 'wf' default_run_properties['u']: run property u='s3://other/data/x.csv' "
        "(read by node 'a') would be denied on AWS: the Glue job role of infra/template.yaml "
        "reads only s3://art/data/ and s3://art/glue-wf/wf/ (statements ReadInputData, "
        "WorkflowObjects), so s3:GetObject on arn:...:s3:::other/data/x.csv is missing: "
        "move it under s3://art/data/ or s3://art/glue-wf/wf/, or widen statement "
        f"ReadInputData in infra/template.yaml and {OWN} [iam-s3-read]"
    ]
    ours = wf(job(reads=("u",)), default_run_properties={"u": "s3://{bucket}/data/x.csv"})
    assert iam(ours, bucket="art") == []


def test_known_stack_name_pins_the_topic() -> None:
    arn = "arn:aws:sns:us-east-1:123456789012:{}"
    ours = wf(notify=[ToSns(topic_arn=arn.format("prod-notifications"))])
    assert iam(ours, stack_name="prod") == []
    found = iam(ours, stack_name="glue-wf")
    assert len(found) == 1
    assert "sns:Publish on the stack's topic glue-wf-notifications only" in found[0]


# --- the template statements each rule quotes -------------------------------------


def _template() -> dict[str, Any]:
    from cfnlint.decode import decode_str

    template, matches = decode_str(TEMPLATE.read_text(encoding="utf-8"))
    assert not matches, matches
    return dict(template)


def _statements(policy: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in policy["PolicyDocument"]["Statement"]:
        if isinstance(item, dict) and "Fn::If" in item:
            yield from (b for b in item["Fn::If"][1:] if isinstance(b, dict) and "Ref" not in b)
        else:
            yield item


def _glue_role() -> dict[str, dict[str, Any]]:
    role = _template()["Resources"]["GlueJobRole"]["Properties"]
    (policy,) = [p for p in role["Policies"] if p["PolicyName"] == iam_reach.POLICY]
    return {s["Sid"]: s for s in _statements(policy)}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _sub(value: Any) -> str:
    return str(value["Fn::Sub"]) if isinstance(value, dict) and "Fn::Sub" in value else str(value)


def test_quoted_statements_grant_what_the_messages_say() -> None:
    role = _glue_role()
    read = role[iam_reach.READ_DATA]
    assert _list(read["Action"]) == ["s3:GetObject"]
    assert _sub(read["Resource"]) == "${ArtifactsBucket.Arn}/data/*"
    objects = role[iam_reach.READ_WORKFLOW]
    assert _list(objects["Action"]) == ["s3:GetObject"]
    assert _sub(objects["Resource"]) == "${ArtifactsBucket.Arn}/glue-wf/${WorkflowName}/*"
    listed = role[iam_reach.LIST_PREFIXES]
    assert _list(listed["Action"]) == ["s3:ListBucket"]
    prefixes = [_sub(p) for p in listed["Condition"]["StringLike"]["s3:prefix"]]
    assert prefixes == ["glue-wf/${WorkflowName}/*", "data/*"]
    writes = [_sub(r) for r in _list(role[iam_reach.WRITE_OUTPUTS]["Resource"])]
    assert all(w.startswith("${ArtifactsBucket.Arn}/glue-wf/${WorkflowName}/") for w in writes)
    events = role[iam_reach.PUT_EVENTS]
    assert _list(events["Action"]) == ["events:PutEvents"]
    assert _sub(events["Resource"]).endswith(":event-bus/default")
    publish = role[iam_reach.PUBLISH]
    assert _list(publish["Action"]) == ["sns:Publish"]
    assert publish["Resource"] == {"Ref": "NotificationsTopic"}
    logs = role[iam_reach.LOGS]
    assert _list(logs["Action"]) == [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ]
    key = role[iam_reach.BUCKET_KEY]
    assert "kms:ViaService" in key["Condition"]["StringEquals"]


def test_the_stack_topic_is_the_one_topic_publish_allows() -> None:
    topic = _template()["Resources"]["NotificationsTopic"]["Properties"]["TopicName"]
    assert _sub(topic) == notification_topic_name("${AWS::StackName}")


def test_template_grants_no_connection_or_security_configuration_action() -> None:
    granted = {a for s in _glue_role().values() for a in _list(s["Action"])}
    missing = set(iam_reach.CONNECTION_ACTIONS) | set(iam_reach.SECURITY_ACTIONS)
    # kms:Decrypt/GenerateDataKey exist, but on the bucket's key through S3 only
    assert granted & missing == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert not any(a.endswith("*") for a in granted)


@pytest.mark.parametrize("template", ["ml", "minimal"])
def test_shipped_templates_raise_no_iam_warning(tmp_path: Path, template: str) -> None:
    init_project(tmp_path / "p", template)
    settings = load_settings(tmp_path / "p", env={})
    workflow, problems = validate_definition(settings)
    assert workflow is not None
    assert [p for p in problems if p.rule.startswith("iam")] == []
