"""Errors the console answers with: an HTTP status and a message for the user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.errors import ConfigError, GlueWfError, NotFoundError, NotSupportedError
from glue_workflow.jobkit.aws_errors import is_not_found_answer
from glue_workflow.runs.control import SecretRunPropertyError
from glue_workflow.runs.glue_run_calls import ConcurrentRunsExceeded
from glue_workflow.runs.resume import NothingToResume, RunStateError

# AWS error code -> HTTP status the console answers with.
_STATUS_BY_CODE = {
    "EntityNotFoundException": 404,
    "ResourceNotFound": 404,
    "ResourceNotFoundException": 404,
    "IllegalWorkflowStateException": 409,
    "ConcurrentRunsExceededException": 409,
    "ConcurrentModificationException": 409,
    "ConflictException": 409,
    "InvalidInputException": 400,
    "ValidationException": 400,
    "ModelError": 502,
    "NotSupportedLocally": 501,
}


class ApiError(GlueWfError):
    """A request the console cannot serve; ``status`` is the HTTP status to answer."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, allow: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.allow = allow  # a 405's Allow header (RFC 9110 15.5.6)
        self.code = code or {
            400: "BadRequest",
            403: "Forbidden",
            404: "NotFound",
            405: "MethodNotAllowed",
            408: "RequestTimeout",
            409: "Conflict",
            413: "PayloadTooLarge",
            415: "UnsupportedMediaType",
            501: "NotSupported",
        }.get(status, "Error")

    def as_json(self) -> dict[str, Any]:
        return {"error": {"status": self.status, "code": self.code, "message": self.message}}


def from_client_error(exc: Exception, *, what: str) -> ApiError:
    """Translate a botocore ``ClientError`` about ``what`` into an ``ApiError``."""
    response = getattr(exc, "response", {}) or {}
    error = response.get("Error", {})
    code = str(error.get("Code", "Error"))
    message = str(error.get("Message", exc))
    status = _STATUS_BY_CODE.get(code, 502)
    # SageMaker reports a missing endpoint/package as a ValidationException.
    if is_not_found_answer(code, message):
        status = 404
    return ApiError(status, f"{what}: {message}", code=code)


def from_product_error(exc: GlueWfError) -> ApiError:
    """The answer to an error of a service shared with the CLI (same message)."""
    if isinstance(exc, ApiError):
        return exc
    message = str(exc)
    for kind, status, code in (
        (NothingToResume, 409, "NothingToResume"),
        (RunStateError, 409, "IllegalWorkflowState"),
        (ConcurrentRunsExceeded, 409, "ConcurrentRunsExceededException"),
        (SecretRunPropertyError, 400, "SecretRunProperty"),
        (NotFoundError, 404, None),
        (ConfigError, 400, None),
        (NotSupportedError, 501, None),
    ):
        if isinstance(exc, kind):
            return ApiError(status, message, code=code)
    cause = exc.__cause__
    if isinstance(cause, ClientError):
        translated = from_client_error(cause, what="")
        return ApiError(translated.status, message, code=translated.code)
    return ApiError(502, message, code=type(exc).__name__)


def call(client: Any, what: str, operation: str, **params: Any) -> dict[str, Any]:
    """``client.<operation>(**params)``; AWS and botocore errors become ``ApiError``."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        result: dict[str, Any] = getattr(client, operation)(**params)
    except (ClientError, BotoCoreError) as exc:
        raise _from_botocore(exc, what) from exc
    return result


def listed(
    client: Any, what: str, operation: str, key: str, *, limit: int | None = None, **params: Any
) -> list[Any]:
    """The ``key`` items of every page (``glue_workflow.aws.paginate``), up to ``limit``."""
    from glue_workflow.aws.paginate import items

    try:
        return items(client, operation, key, limit=limit, base=GlueWfError, **params)
    except GlueWfError as exc:  # translated by glue_workflow.aws: answer for its cause
        cause = exc.__cause__
        raise _from_botocore(cause if isinstance(cause, Exception) else exc, what) from exc


def _from_botocore(exc: Exception, what: str) -> ApiError:
    from botocore.exceptions import ClientError, ParamValidationError

    if isinstance(exc, ClientError):
        return from_client_error(exc, what=what)
    if isinstance(exc, ParamValidationError):
        return ApiError(400, f"{what}: {exc}", code="ParamValidation")
    # no credentials, endpoint unreachable, ...
    return ApiError(502, f"{what}: {exc}", code=type(exc).__name__)


def check_fields(body: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse a POST body's unknown fields: a misspelt one ("run_propertie") would
    otherwise be dropped and the action done on defaults."""
    unknown = sorted(set(body) - set(allowed))
    if not unknown:
        return
    import difflib

    hints = [
        f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name)
        for name in unknown
        for close in [difflib.get_close_matches(str(name), allowed, n=1)]
    ]
    takes = ", ".join(allowed) if allowed else "no fields"
    raise ApiError(
        400, f"unknown field(s) in the body: {', '.join(hints)}; this route takes {takes}"
    )
