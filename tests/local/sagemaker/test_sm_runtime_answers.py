"""InvokeEndpoint's answers to what the endpoint's server does: a 503 beyond its
connection cap, and a server replaced by a blue/green switch under the call.

The endpoint record points at small stand-in HTTP servers (no model needed); its
server process is a sleeping process carrying the record's token.
"""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from glue_workflow.local.sagemaker.common import Resources, now
from glue_workflow.local.sagemaker.runtime import RuntimeService

BUSY = b"the endpoint's server has its maximum of 1 open connections; retry after 1 s"


class _Answer(http.server.BaseHTTPRequestHandler):
    status = 200
    body = b"0.25"
    headers_out: dict[str, str] = {}

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(self.status)
        for name, value in self.headers_out.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain" if self.status != 200 else "text/csv")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        pass


def _serve(status: int, body: bytes, headers: dict[str, str]) -> http.server.HTTPServer:
    handler = type("Handler", (_Answer,), {"status": status, "body": body, "headers_out": headers})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Any]:
    """Installs a home with endpoint ``ep``; yields a function pointing it at a port."""
    from glue_workflow.local import install

    home = install(tmp_path / "home")
    token = "runtime-answers-test-server"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", token])
    resources = Resources(home)

    def point(port: int) -> None:
        record = {
            "EndpointName": "ep",
            "EndpointArn": "arn:aws:sagemaker:us-east-1:000000000000:endpoint/ep",
            "EndpointConfigName": "cfg",
            "EndpointStatus": "InService",
            "CreationTime": now(),
            "LastModifiedTime": now(),
            "ProductionVariants": [{"VariantName": "AllTraffic"}],
            "_server": {"pid": holder.pid, "token": token, "port": port, "log": "ep.log"},
        }
        if not resources.insert("endpoint", "ep", record):
            resources.update("endpoint", "ep", lambda _: record)

    try:
        yield point, home
    finally:
        holder.kill()
        holder.wait()


def test_503_beyond_the_cap_is_a_throttling_exception(endpoint: Any) -> None:
    point, _ = endpoint
    busy = _serve(503, BUSY, {"Retry-After": "1", "Connection": "close"})
    point(busy.server_address[1])
    runtime = boto3.client("sagemaker-runtime", region_name="us-east-1")
    with pytest.raises(ClientError) as throttled:
        runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Body=b"1,2")
    busy.shutdown()
    error = throttled.value.response
    assert error["Error"]["Code"] == "ThrottlingException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == (
        "Endpoint ep: the endpoint's server has its maximum of 1 open connections; "
        "retry after 1 s (Retry-After: 1)"
    )


def test_a_call_that_meets_the_replaced_server_goes_to_the_new_one(endpoint: Any) -> None:
    point, home = endpoint
    gone = socket.socket()
    gone.bind(("127.0.0.1", 0))
    old_port = gone.getsockname()[1]
    gone.close()  # the old server has stopped listening: connection refused
    new = _serve(200, b"0.25", {})
    point(new.server_address[1])  # the switch happened after the caller read the old port
    status, data, _, _ = RuntimeService(home)._post(
        "ep", old_port, b"1,2", {"Content-Type": "text/csv"}
    )
    assert (status, data) == (200, b"0.25")
    point(old_port)  # no switch: the refusal is the caller's answer
    with pytest.raises(Exception, match="the local inference server did not answer") as failed:
        RuntimeService(home)._post("ep", old_port, b"1,2", {"Content-Type": "text/csv"})
    assert getattr(failed.value, "code", None) == "ModelNotReadyException"
    new.shutdown()
