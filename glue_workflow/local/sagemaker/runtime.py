"""``RuntimeService``: ``sagemaker-runtime`` InvokeEndpoint, routed to the local server."""

from __future__ import annotations

import http.client
import io
from typing import Any

from botocore.response import StreamingBody

from glue_workflow.local.dispatch import LocalServiceError, not_supported
from glue_workflow.local.sagemaker.common import ACCOUNT_ID, Resources
from glue_workflow.local.sagemaker.endpoints import ENDPOINT, Endpoints
from glue_workflow.local.sagemaker.models import Models
from glue_workflow.local.sagemaker.registry import Registry
from glue_workflow.local.store import LocalHome

TIMEOUT = 60.0  # SageMaker's own invocation timeout
# InvokeEndpoint's Body limit (the service model's max, 6 MB). Past it AWS answers HTTP
# 413, code "413": "HTTP content length exceeded <n> bytes." (aws/sagemaker-python-sdk#171,
# when the limit was 5 MB; the figure is the limit's).
MAX_PAYLOAD = 6 * 1024 * 1024
# Members of a request to a multi-model, multi-container, inference-component, stateful
# or Clarify endpoint: the local target serves one XGBoost model per endpoint.
UNSERVED = (
    "TargetContainerHostname",
    "InferenceComponentName",
    "EnableExplanations",
    "SessionId",
)


class RuntimeService:
    """InvokeEndpoint: one HTTP request to the endpoint's server, per call."""

    def __init__(self, home: LocalHome) -> None:
        self.home = home
        self.resources = Resources(home)
        self.endpoints = Endpoints(self.resources, Models(self.resources, Registry(self.resources)))

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation != "InvokeEndpoint":
            raise not_supported("sagemaker-runtime", operation)
        return self.invoke(params)

    def invoke(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["EndpointName"]
        if self.resources.get(ENDPOINT, name.lower()) is None:
            # AWS's answer (aws/amazon-sagemaker-examples#293, #559; docs/aws-parity.md)
            raise LocalServiceError(
                "ValidationError", f"Endpoint {name} of account {ACCOUNT_ID} not found.", 400
            )
        record = self.endpoints.describe_endpoint({"EndpointName": name})
        server = self.resources.get(ENDPOINT, name.lower()) or {}
        port = (server.get("_server") or {}).get("port")
        if record["EndpointStatus"] not in ("InService", "Updating") or not port:
            raise LocalServiceError(
                "ValidationError",
                f"Endpoint {name} of account {ACCOUNT_ID} is not in service (status "
                f"{record['EndpointStatus']}"
                + (f": {record['FailureReason']}" if record.get("FailureReason") else "")
                + ")",
                400,
            )
        if params.get("TargetVariant") not in (
            None,
            record["ProductionVariants"][0]["VariantName"],
        ):
            raise LocalServiceError(
                "ValidationError",
                f"Variant {params['TargetVariant']} not found for endpoint {name}",
                400,
            )
        if params.get("TargetModel"):  # AWS's answer (aws/amazon-sagemaker-examples#1026)
            raise LocalServiceError(
                "ValidationError",
                f"Endpoint {name} is not a multi-model endpoint and does not support target "
                "model header.",
                400,
            )
        unserved = [member for member in UNSERVED if params.get(member)]
        if unserved:
            raise LocalServiceError(
                "NotSupportedLocally",
                f"sagemaker-runtime:InvokeEndpoint with {', '.join(unserved)} is not supported "
                "by the glue-wf local target (it serves one XGBoost model per endpoint); use "
                "--target aws for it",
                501,
            )
        body = params.get("Body", b"")
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode("utf-8")
        if len(body) > MAX_PAYLOAD:
            raise LocalServiceError(
                "413", f"HTTP content length exceeded {MAX_PAYLOAD} bytes.", 413
            )
        headers = {
            # none given: the XGBoost container reads the body as text/libsvm, its default
            # ("For Inference ContentType, valid inputs are text/libsvm (default) or
            # text/csv", SageMaker XGBoost docs), which the local server answers 415
            "Content-Type": params.get("ContentType") or "text/libsvm",
            "Accept": params.get("Accept") or "text/csv",
        }
        status, data, content_type, retry_after = self._post(name, int(port), body, headers)
        variant = record["ProductionVariants"][0]["VariantName"]
        if status == 503 and retry_after is not None:
            # The server's connection cap: SageMaker answers an endpoint over its
            # concurrency with ThrottlingException, HTTP 400, and no message
            # (APIReference CommonErrors; opensearch-project/ml-commons#2429); the SDK
            # retries it. This one says why and when to retry.
            raise LocalServiceError(
                "ThrottlingException",
                f"Endpoint {name}: {data.decode('utf-8', 'replace')} (Retry-After: {retry_after})",
                400,
            )
        if status != 200:
            text = data.decode("utf-8", "replace")
            log = (server.get("_server") or {}).get("log")
            raise LocalServiceError(
                "ModelError",
                f'Received client error ({status}) from primary with message "{text}". '
                f"See the endpoint log {log} for more information.",
                424,
                # the ModelError shape's members (SageMaker Runtime API reference); the log
                # is a local file, not a CloudWatch stream
                {"OriginalStatusCode": status, "OriginalMessage": text, "LogStreamArn": str(log)},
            )
        return {
            "Body": StreamingBody(io.BytesIO(data), len(data)),
            "ContentType": content_type,
            "InvokedProductionVariant": variant,
        }

    def _post(
        self, name: str, port: int, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, str, str | None]:
        """POST /invocations; across a blue/green switch, to the server now serving.

        A request that finds the old server gone (refused, or reset before any answer)
        is sent again to the new one: after a switch the old server only finishes what
        it had started, and scoring has no side effects, so a resend cannot double work.
        """
        for attempt in range(3):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
                try:
                    conn.request("POST", "/invocations", body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    return (
                        response.status,
                        data,
                        response.getheader("Content-Type", "text/csv"),
                        response.getheader("Retry-After"),
                    )
                finally:
                    conn.close()
            except TimeoutError:
                # SageMaker's answer when the container does not answer within 60 s
                # (aws/sagemaker-python-sdk#1119).
                raise LocalServiceError(
                    "ModelError",
                    'Received server error (0) from primary with message "Your invocation '
                    "timed out while waiting for a response from container primary. Review "
                    'the latency metrics for each container, resolve the issue, and try again."',
                    424,
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                moved = self._serving_port(name)
                if moved is not None and moved != port and attempt < 2:
                    port = moved
                    continue
                raise LocalServiceError(
                    "ModelNotReadyException",
                    f"Endpoint {name}: the local inference server did not answer: {exc}",
                    429,
                ) from None
        raise AssertionError("unreachable")

    def _serving_port(self, name: str) -> int | None:
        record = self.resources.get(ENDPOINT, name.lower()) or {}
        port = (record.get("_server") or {}).get("port")
        return int(port) if port else None
