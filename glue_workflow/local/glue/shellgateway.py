"""The executor's loopback gateway that answers its Python shell jobs' AWS calls.

A Python shell job runs under Glue's Python (3.9, with the boto3 Glue provides) and
sees only its script, its ``--extra-py-files`` and the standard library, so the local
target cannot be served inside it. Its botocore validates each request, then posts the
operation here (``shellsite/glue_wf_shell_bridge.py``); the gateway answers it with a
client of this process, where the local target is installed. Training workers and
endpoint servers such calls start therefore run under the project's interpreter.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError

from glue_workflow.local.dispatch import SERVICES, install, not_supported, prepare
from glue_workflow.local.environment import DEFAULT_REGION
from glue_workflow.local.glue.shellsite.glue_wf_shell_bridge import decode, encode


class ShellGateway:
    """One gateway per executor process, started with its first Python shell job."""

    def __init__(self, home: Path, region: str | None = None) -> None:
        install(home)
        import boto3

        # The jobs' region (their environment's); credentials of its own, as the local
        # target checks none: a process without AWS credentials (the CLI's `glue-wf job`)
        # would otherwise ask the instance metadata service, which is refused.
        self._session = boto3.session.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 - the local target checks none
            region_name=region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or DEFAULT_REGION,
        )
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._token = secrets.token_hex(16)
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if self.path != f"/{gateway._token}":
                    self.send_error(403, "unknown gateway token")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length))
                status, parsed = gateway.answer(
                    str(request["service"]), str(request["operation"]), request["params"]
                )
                body = json.dumps({"status": status, "parsed": encode(parsed)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return  # the executor log is for runs, not for every call

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="shell-gateway"
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{self._token}"

    def _client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                client = self._session.client(service)  # type: ignore[call-overload]
                _without_after_call_customizations(client)
                self._clients[service] = client
            return self._clients[service]

    def prepare(self, services: tuple[str, ...]) -> None:
        """Create the clients and local services of ``services`` before any call."""
        for service in services:
            self._client(service)
        prepare(*services)

    def _service_id(self, service: str) -> str:
        """The bridge sends botocore's service name (``events``, ``logs``); the local
        target serves by service id (``eventbridge``, ``cloudwatch-logs``)."""
        try:
            model = self._session._session.get_service_model(service)
        except Exception:  # an unknown service: refused below
            return service
        return str(model.service_id.hyphenize())

    def answer(
        self, service: str, operation: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """``(HTTP status, parsed response or {"Error": ...})`` for one call."""
        if service not in SERVICES and self._service_id(service) not in SERVICES:
            error = not_supported(service, operation)
            return error.status, {"Error": {"Code": error.code, "Message": error.message}}
        client = self._client(service)
        try:
            parsed = getattr(client, xform_name(operation))(**decode(params))
        except ClientError as exc:
            meta = exc.response.get("ResponseMetadata", {})
            return int(meta.get("HTTPStatusCode", 400)), {
                "Error": dict(exc.response.get("Error", {})),
                "ResponseMetadata": {"RequestId": meta.get("RequestId", "")},
            }
        except Exception as exc:  # the job gets it as an AWS-style error
            return 500, {"Error": {"Code": "InternalFailure", "Message": f"{exc}"}}
        return int(parsed.get("ResponseMetadata", {}).get("HTTPStatusCode", 200)), parsed

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _without_after_call_customizations(client: Any) -> None:
    """The job's own botocore runs its after-call customizations on the answer (IAM's
    URL-encoded policy documents decoded to dicts, ...): run here as well, the job's
    botocore would get a dict where it expects the wire's text and fail."""
    from botocore.handlers import BUILTIN_HANDLERS

    for event, handler, *_ in BUILTIN_HANDLERS:
        if event.startswith("after-call."):
            client.meta.events.unregister(event, handler)


__all__ = ["ShellGateway"]
