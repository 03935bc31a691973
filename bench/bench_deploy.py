"""API calls of deploy by kind: first deploy, no-op redeploy, one-script change, destroy.

Runs against moto in-process (with the before-call hooks of tests/deploy/motofill.py
that fill UpdateJob/UpdateTrigger and count every call), on the shipped workflow and
on generated chains of 50 and 100 jobs (100 and 200 nodes with their triggers).

    .venv/bin/python bench/bench_deploy.py
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "deploy")]  # motofill, wfdocs

os.environ.update(
    AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1",
)  # fmt: skip
for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "GLUE_WF_HOME"):
    os.environ.pop(name, None)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from motofill import ACCOUNT, MotoGlue, is_read  # noqa: E402
from wfdocs import make_document  # noqa: E402

from glue_workflow.aws.retry import RetryPolicy  # noqa: E402
from glue_workflow.config import load_settings  # noqa: E402
from glue_workflow.deploy import deployer  # noqa: E402
from glue_workflow.document import Artifact, WorkflowDocument  # noqa: E402

BUCKET = "bench-artifacts"
GLUE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-wf-glue-job"
SM_ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-wf-sagemaker"


def settings() -> Any:
    env = {"GLUE_WF_TARGET": "aws", "GLUE_WF_BUCKET": BUCKET, "GLUE_WF_GLUE_ROLE_ARN": GLUE_ROLE,
           "GLUE_WF_SAGEMAKER_ROLE_ARN": SM_ROLE, "AWS_REGION": "us-east-1"}  # fmt: skip
    return load_settings(ROOT, target="aws", env=env)


def shipped() -> WorkflowDocument:
    from glue_workflow.definition import build_document

    return build_document(settings())


def change_one_script(document: WorkflowDocument) -> WorkflowDocument:
    """The same document with one job's script edited (new content-addressed URI)."""
    job = document.jobs[-1]
    old_uri = job["Command"]["ScriptLocation"]
    old = next(a for a in document.artifacts if a.uri == old_uri)
    content = old.content + b"\n# edited\n"
    digest = hashlib.sha256(content).hexdigest()
    prefix, _, filename = old_uri.rpartition("/")
    uri = f"{prefix.rpartition('/')[0]}/{digest[:16]}/{filename}"
    new = Artifact(source=old.source, uri=uri, sha256=digest, content=content)
    jobs = (*document.jobs[:-1], {**job, "Command": {**job["Command"], "ScriptLocation": uri}})
    artifacts = tuple(new if a.uri == old_uri else a for a in document.artifacts)
    return replace(document, jobs=jobs, artifacts=artifacts)


def measure(hooks: MotoGlue, action: Any) -> tuple[Counter[str], float]:
    hooks.reset_counts()
    started = time.perf_counter()
    action()
    elapsed = time.perf_counter() - started
    return Counter(hooks.calls), elapsed


def summarize(calls: Counter[str]) -> tuple[int, int, str]:
    reads = sum(n for k, n in calls.items() if is_read(k.split(":")[1]))
    writes = sum(calls.values()) - reads
    kinds = ", ".join(f"{k.split(':')[1]} {n}" for k, n in sorted(calls.items()))
    return reads, writes, kinds


def bench(label: str, document: WorkflowDocument) -> list[str]:
    rows = []
    nodes = len(document.jobs) + len(document.triggers)
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        iam = boto3.client("iam")
        for arn in (GLUE_ROLE, SM_ROLE):
            iam.create_role(RoleName=arn.rsplit("/", 1)[1], AssumeRolePolicyDocument="{}")
        hooks = MotoGlue()
        target = deployer.open_target(settings(), session=hooks.session(),
                                      policy=RetryPolicy())  # fmt: skip
        changed = change_one_script(document)
        steps = [
            ("first deploy", lambda: deployer.deploy(target, document)),
            ("no-op redeploy", lambda: deployer.deploy(target, document)),
            ("one-script change", lambda: deployer.deploy(target, changed)),
            ("destroy", lambda: deployer.destroy(target, changed)),
        ]
        for step, action in steps:
            calls, elapsed = measure(hooks, action)
            reads, writes, kinds = summarize(calls)
            rows.append(f"| {label} | {nodes} | {step} | {reads} | {writes} | "
                        f"{elapsed * 1000:.0f} | {kinds} |")  # fmt: skip
    return rows


def main() -> None:
    header = [
        "| workflow | nodes | step | reads | writes | ms (moto) | calls by kind |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    rows = bench("shipped churn-pipeline", shipped())
    for jobs in (50, 100):
        nodes = tuple(f"n{i:03d}" for i in range(jobs))
        rows += bench(f"generated chain {jobs} jobs", make_document("gen", nodes, bucket=BUCKET))
    print("\n".join(header + rows))


if __name__ == "__main__":
    main()
