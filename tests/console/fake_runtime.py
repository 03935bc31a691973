"""The SageMaker runtime stand-in: scores a CSV without a model."""

from __future__ import annotations

import io
from typing import Any

from botocore.response import StreamingBody
from console_fakes import FakeSageMaker, _aws_not_found

from glue_workflow.local.dispatch import LocalServiceError


class FakeRuntime:
    """Scores a CSV by echoing one probability per line (0.25 per field, capped at 1)."""

    def __init__(self, sagemaker: FakeSageMaker) -> None:
        self.sagemaker = sagemaker

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if operation != "InvokeEndpoint":
            raise LocalServiceError("NotSupportedLocally", f"fake runtime: {operation}", 501)
        name = params["EndpointName"]
        if name not in self.sagemaker.endpoints:
            raise _aws_not_found("invoke_endpoint", name)
        body = params["Body"]
        lines = (body if isinstance(body, bytes) else body.read()).decode().splitlines()
        if any(
            not line.replace(",", "").replace(".", "").replace("-", "").isdigit() for line in lines
        ):
            raise LocalServiceError(
                "ModelError",
                "Received client error (400) from primary: could not convert string to float",
                424,
            )
        out = "\n".join(str(min(1.0, 0.25 * len(line.split(",")))) for line in lines).encode()
        return {
            "Body": StreamingBody(io.BytesIO(out), len(out)),
            "ContentType": "text/csv",
            "InvokedProductionVariant": "AllTraffic",
        }
