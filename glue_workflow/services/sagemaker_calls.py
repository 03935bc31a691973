"""SageMaker calls of the registry and endpoint services: errors and pagination.

An AWS error becomes a ``NotFoundError`` when it says the resource does not exist
(SageMaker answers most of those with a ValidationException, see
``jobkit.aws_errors``), else a ``GlueWfError``; the message is AWS's code and text,
and the ``ClientError`` stays the cause so the console can answer with its status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glue_workflow.errors import GlueWfError, NotFoundError

MAX_RESULTS = 100  # the List* operations' largest page


def call(func: Callable[..., Any], *, hint: str = "", **kwargs: Any) -> Any:
    """``func(**kwargs)``; ``hint`` (where to find the right name) ends not-found errors."""
    from botocore.exceptions import BotoCoreError, ClientError

    from glue_workflow.jobkit.aws_errors import is_not_found

    try:
        return func(**kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        message = f"{error.get('Code')}: {error.get('Message')}"
        if is_not_found(exc):
            raise NotFoundError(f"{message.rstrip('.')}; {hint}" if hint else message) from exc
        raise GlueWfError(message) from exc
    except BotoCoreError as exc:  # no credentials, endpoint unreachable, ...
        raise GlueWfError(str(exc)) from exc


def paged(client: Any, method: str, key: str, *, hint: str = "", **kwargs: Any) -> list[Any]:
    """Every item under ``key`` of every page, through the one pagination helper."""
    from glue_workflow.aws.paginate import items

    found: list[Any] = items(client, method, key, base=GlueWfError, hint=hint, **kwargs)
    return found
