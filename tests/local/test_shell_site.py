"""The Python shell job's site hook (local/glue/shellsite): botocore routed to the
executor's gateway only when the job imports it, and a hook that fails stops the job
instead of letting its calls reach AWS."""

from __future__ import annotations

import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from glue_workflow.local.glue.jobproc import SITE_DIR
from glue_workflow.local.interpreters import shell_python

DEAD_GATEWAY = "http://127.0.0.1:9/token"  # discard port: nothing answers


def _run(code: str, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(SITE_DIR)]),
        "GLUE_WF_SHELL_GATEWAY": DEAD_GATEWAY,
        "PYTHONNOUSERSITE": "1",
        **extra,
    }
    python = shell_python("3.9").executable
    return subprocess.run(
        [python, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_job_that_makes_no_aws_call_does_not_import_botocore(tmp_path: Path) -> None:
    done = _run("import sys; print(sorted(m for m in sys.modules if 'boto' in m))", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


CALL = """
import boto3
client = boto3.client("glue", region_name="us-east-1", aws_access_key_id="x",
                      aws_secret_access_key="y")
try:
    client.get_workflow(Name="wf")
except Exception as exc:
    print(type(exc).__name__, exc)
"""


def test_botocore_imported_later_is_routed_to_the_gateway(tmp_path: Path) -> None:
    done = _run(CALL, tmp_path)
    assert done.returncode == 0, done.stderr
    # the dead gateway's answer, not a connection to glue.us-east-1.amazonaws.com
    assert done.stdout.startswith(
        "ClientError An error occurred (LocalTargetUnavailable) when calling the GetWorkflow "
        f"operation: the local executor's gateway at {DEAD_GATEWAY} did not answer glue:GetWorkflow"
    ), done.stdout


def test_botocore_loaded_before_the_hook_is_routed_too(tmp_path: Path) -> None:
    # a virtualenv's own sitecustomize (chained by the hook) that imports botocore first
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "sitecustomize.py").write_text("import botocore.session\n")
    env_path = os.pathsep.join([str(SITE_DIR), str(tmp_path / "other")])
    done = _run(CALL, tmp_path, PYTHONPATH=env_path)
    assert done.returncode == 0, done.stderr
    assert "(LocalTargetUnavailable)" in done.stdout, done.stdout


def test_a_failing_site_hook_stops_the_job_instead_of_calling_aws(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "sitecustomize.py").write_text("raise RuntimeError('broken venv')\n")
    env_path = os.pathsep.join([str(SITE_DIR), str(tmp_path / "other")])
    done = _run(CALL, tmp_path, PYTHONPATH=env_path)
    assert done.returncode == 70
    assert done.stdout == ""
    assert done.stderr.startswith(
        "glue-wf: the local Python shell job's site hook failed (RuntimeError('broken venv')); "
        "the job stops rather than let its AWS calls leave this machine"
    )


@pytest.mark.parametrize("gateway", ["", None])
def test_without_a_gateway_the_hook_does_nothing(tmp_path: Path, gateway: str | None) -> None:
    extra = {"GLUE_WF_SHELL_GATEWAY": gateway} if gateway is not None else {}
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SITE_DIR), **extra}
    python = shell_python("3.9").executable
    done = subprocess.run(
        [python, "-c", "import sys; print(len(sys.meta_path))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    plain = subprocess.run(
        [python, "-c", "import sys; print(len(sys.meta_path))"],
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == plain.stdout


ENDPOINT_CALL = """
import boto3
client = boto3.client("glue", region_name="us-east-1", aws_access_key_id="x",
                      aws_secret_access_key="y", endpoint_url={endpoint!r})
try:
    print("answer", sorted(client.get_workflow(Name="wf")))
except Exception as exc:
    print(type(exc).__name__, exc)
"""


class _OwnServer(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_POST(self) -> None:
        self.seen.append(self.headers.get("X-Amz-Target", ""))
        body = b'{"Workflow": {"Name": "wf"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        return


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://glue-fips.us-east-1.amazonaws.com",
        "http://93.184.216.34",
        "http://localhost.evil.example",
        "http://127.0.0.1@example.com",
    ],
)
def test_a_client_given_an_endpoint_off_the_machine_is_refused(
    tmp_path: Path, endpoint: str
) -> None:
    done = _run(ENDPOINT_CALL.format(endpoint=endpoint), tmp_path)
    assert done.returncode == 0, done.stderr
    # before: answered by the gateway as if no endpoint had been given
    assert done.stdout.strip() == (
        f"RuntimeError the local target refused to send GetWorkflow to {endpoint}: the "
        f"client was created with endpoint_url={endpoint}, not on this machine, and a "
        "request off this machine could reach a real AWS account; a local Python shell "
        "job's AWS calls are answered by its executor (drop endpoint_url), or reach a "
        "server of its own on 127.0.0.1"
    )


def test_a_client_given_a_loopback_endpoint_reaches_it_and_its_own_aws_one_is_local(
    tmp_path: Path,
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _OwnServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _OwnServer.seen = []
    try:
        own = f"http://127.0.0.1:{server.server_address[1]}"
        done = _run(ENDPOINT_CALL.format(endpoint=own), tmp_path)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "answer ['ResponseMetadata', 'Workflow']"
    assert _OwnServer.seen == ["AWSGlue.GetWorkflow"]  # a server of the job's own (moto...)
    aws = _run(ENDPOINT_CALL.format(endpoint="https://glue.us-east-1.amazonaws.com"), tmp_path)
    assert "(LocalTargetUnavailable)" in aws.stdout, aws.stdout  # the gateway's answer


GET_ROLE = """
import boto3
iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x",
                   aws_secret_access_key="y")
print(iam.get_role(RoleName="glue-wf-sagemaker")["Role"]["AssumeRolePolicyDocument"])
"""


def test_an_answer_is_customized_by_the_jobs_botocore_only(
    tmp_path: Path, local_home: Path
) -> None:
    from glue_workflow.local.glue.shellgateway import ShellGateway

    # IAM answers URL-encoded policy documents; botocore's after-call decodes them. The
    # gateway's client decoded first, and Glue's botocore 1.25.5 failed on the dict
    # ("'dict' object has no attribute 'split'").
    gateway = ShellGateway(local_home)
    try:
        done = _run(GET_ROLE, tmp_path, GLUE_WF_SHELL_GATEWAY=gateway.url)
    finally:
        gateway.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "{'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': "
        "{'Service': 'sagemaker.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]}"
    )
