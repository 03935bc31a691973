"""Answer boto3 calls from local handlers, through botocore's own event system.

``install(home)`` arms the local target's guard (``glue_workflow.local.guard``): every
client created afterwards refuses to send requests off the machine, and every client of
a served service gets two handlers:

* ``before-parameter-build`` (registered last) stashes the call's parameters in the
  request context, after botocore's own handlers have adjusted them;
* ``before-call`` answers the operation from the local service and returns
  ``(AWSResponse, parsed)``: botocore skips signing and sending, exactly as with its
  Stubber. Requests are still validated against the real service model first.

Errors are returned as AWS does (``{"Error": {"Code", "Message"}}`` with an HTTP
status), so callers get the modelled ``ClientError`` subclasses. Operations a service
does not implement fail with code ``NotSupportedLocally``: never a silent success.
Answers honour the client's response parser settings (``glue_workflow.local.wire``).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Protocol

from botocore.awsrequest import AWSResponse, HTTPHeaders

from glue_workflow.errors import GlueWfError, LocalTargetError
from glue_workflow.local import guard, netguard
from glue_workflow.local.environment import SDK_ENVIRONMENT
from glue_workflow.local.store import LocalHome
from glue_workflow.local.wire import ScalarParsers, as_parsed, client_parsers

_PARAMS_KEY = "glue_wf_local_params"
# The region of the client whose call a local service answers (botocore's request
# context): what AWS knows from the regional endpoint the request reached.
CLIENT_REGION: ContextVar[str | None] = ContextVar("glue_wf_client_region", default=None)

# Services whose local answers first apply the model's constraints (lengths, enums,
# ranges, patterns) as AWS does server-side (botocore checks only types and required
# members), with the error code they answer: SageMaker's "ValidationException: N
# validation errors detected: Value '...' at 'modelName' failed to satisfy constraint:
# ..." in public tracebacks (servicemodel.aws_validation_message). The local Glue
# service checks its requests itself (InvalidInputException, as Glue answers).
VALIDATED = {"sagemaker": "ValidationException", "eventbridge": "ValidationException"}


class LocalService(Protocol):
    """A local stand-in for one AWS service."""

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """Answer ``operation`` (e.g. ``"CreateJob"``) or raise ``LocalServiceError``."""
        ...


class LocalServiceError(GlueWfError):
    """An AWS-style error answer: code as AWS names it, message, HTTP status."""

    def __init__(
        self, code: str, message: str, status: int = 400, fields: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.fields = dict(fields or {})  # the error shape's own members (ModelError's)


def not_supported(service: str, operation: str) -> LocalServiceError:
    return LocalServiceError(
        "NotSupportedLocally",
        f"{service}:{operation} is not supported by the glue-wf local target; "
        f"use --target aws for it, or open an issue",
        501,
    )


def _glue(home: LocalHome) -> LocalService:
    from glue_workflow.local.glue.service import GlueService

    return GlueService(home)


def _s3(home: LocalHome) -> LocalService:
    from glue_workflow.local.s3.service import S3Service

    return S3Service(home)


def _sagemaker(home: LocalHome) -> LocalService:
    from glue_workflow.local.sagemaker.service import SageMakerService

    return SageMakerService(home)


def _sagemaker_runtime(home: LocalHome) -> LocalService:
    from glue_workflow.local.sagemaker.runtime import RuntimeService

    return RuntimeService(home)


def _sts(home: LocalHome) -> LocalService:
    from glue_workflow.local.sts import StsService

    return StsService(home)


def _iam(home: LocalHome) -> LocalService:
    from glue_workflow.local.iam import IamService

    return IamService(home)


def _logs(home: LocalHome) -> LocalService:
    from glue_workflow.local.logs.service import LogsService

    return LogsService(home)


def _events(home: LocalHome) -> LocalService:
    from glue_workflow.local.events.service import EventsService

    return EventsService(home)


def _sns(home: LocalHome) -> LocalService:
    from glue_workflow.local.sns import SnsService

    return SnsService(home)


# service name (botocore's hyphenated service id) -> its local service's factory; each
# imports its service on first use, so a process pays only for the services it calls.
SERVICES: dict[str, Callable[[LocalHome], LocalService]] = {
    "glue": _glue,
    "s3": _s3,
    "sagemaker": _sagemaker,
    "sagemaker-runtime": _sagemaker_runtime,
    "sts": _sts,
    "iam": _iam,
    "cloudwatch-logs": _logs,
    "eventbridge": _events,
    "sns": _sns,
}


class _Installation:
    def __init__(self, home: LocalHome) -> None:
        self.home = home
        self.services: dict[str, LocalService] = {}
        self.lock = threading.Lock()

    def service(self, name: str) -> LocalService:
        with self.lock:
            found = self.services.get(name)
            if found is None:
                found = SERVICES[name](self.home)
                self.services[name] = found
            return found


_installation: _Installation | None = None


def installed_home() -> Path | None:
    """The state directory the local target serves from, or None when not installed."""
    return _installation.home.root if _installation else None


def install(home: Path | str) -> LocalHome:
    """Serve glue / s3 / sagemaker / sagemaker-runtime calls from ``home`` (idempotent).

    Affects clients created after the call, in this process; every client created from
    then on refuses to send a request off the machine. Installing again with another
    home switches every later client (and existing ones) to it.
    """
    global _installation  # noqa: PLW0603 - process-wide by design
    try:
        local_home = LocalHome(Path(home).resolve()).ensure()
    except OSError as exc:
        raise LocalTargetError(
            f"cannot use {home} as the local target's state directory ({exc.strerror or exc}): "
            "set GLUE_WF_HOME (or [target.local] home in glue-wf.toml) to a writable directory"
        ) from exc
    if _installation is None or _installation.home != local_home:
        _installation = _Installation(local_home)
    os.environ.update(SDK_ENVIRONMENT)  # SDK telemetry off for this process too
    guard.arm(route)
    netguard.install()  # below botocore: any socket of this process
    netguard.drop_proxies(os.environ)  # a loopback proxy would forward off the machine
    return local_home


def prepare(*names: str) -> None:
    """Create these local services now: a process about to serve them pays for their
    imports and set-up before the first call rather than during it."""
    installation = _installation
    if installation is not None:
        for name in names:
            installation.service(name)


def uninstall() -> None:
    """Restore plain botocore for clients created from now on (tests)."""
    global _installation  # noqa: PLW0603 - process-wide by design
    guard.disarm()
    netguard.ENABLED["on"] = False
    _installation = None


def route(client: Any) -> bool:
    """``guard``'s router: attach the local handlers if the client's service is served."""
    service = client.meta.service_model.service_id.hyphenize()
    if service not in SERVICES or _installation is None:
        return False
    attach(client, service)
    return True


def attach(client: Any, service: str) -> None:
    """Route one existing client's calls for ``service`` to the local target."""
    parsers = client_parsers(client)

    def answer(model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, Any]:
        return _answer(model, context, parsers)

    events = client.meta.events
    events.register_last(f"before-parameter-build.{service}", _stash_params)
    events.register(f"before-call.{service}", answer)


def _stash_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[_PARAMS_KEY] = params


def _answer(
    model: Any, context: dict[str, Any], parsers: Callable[[str], ScalarParsers]
) -> tuple[AWSResponse, dict[str, Any]]:
    installation = _installation
    service = model.service_model.service_id.hyphenize()
    request_id = str(uuid.uuid4())
    url = f"https://{service}.local.glue-wf/"
    if installation is None:
        error = LocalServiceError(
            "LocalTargetNotInstalled", "the glue-wf local target was uninstalled", 500
        )
        return _error_response(url, request_id, error)
    params = dict(context.get(_PARAMS_KEY) or {})
    if service in VALIDATED:
        from glue_workflow.servicemodel import aws_validation_message

        invalid = aws_validation_message(model.service_model.service_name, model.name, params)
        if invalid is not None:
            error = LocalServiceError(VALIDATED[service], invalid)
            return _error_response(url, request_id, error)
    region = CLIENT_REGION.set(context.get("client_region"))
    try:
        parsed = installation.service(service).handle(model.name, params)
    except LocalServiceError as error:
        return _error_response(url, request_id, error)
    finally:
        CLIENT_REGION.reset(region)
    status = int(parsed.pop("_status", 200))
    protocol = getattr(model.service_model, "resolved_protocol", model.service_model.protocol)
    parsed = as_parsed(parsed, model.output_shape, protocol, parsers(protocol))
    headers = HTTPHeaders()
    headers["x-amzn-requestid"] = request_id
    parsed["ResponseMetadata"] = {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": dict(headers),
        "RetryAttempts": 0,
    }
    return AWSResponse(url, status, headers, None), parsed


def _error_response(
    url: str, request_id: str, error: LocalServiceError
) -> tuple[AWSResponse, dict[str, Any]]:
    headers = HTTPHeaders()
    headers["x-amzn-requestid"] = request_id
    headers["x-amzn-errortype"] = error.code
    parsed = {
        **error.fields,
        "Error": {"Code": error.code, "Message": error.message},
        "Message": error.message,
        "ResponseMetadata": {
            "RequestId": request_id,
            "HTTPStatusCode": error.status,
            "HTTPHeaders": dict(headers),
            "RetryAttempts": 0,
        },
    }
    return AWSResponse(url, error.status, headers, None), parsed
