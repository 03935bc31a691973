"""Every page of a list operation, through botocore's paginator when it has one.

botocore knows each operation's tokens (``NextToken``, S3's ``KeyMarker`` +
``VersionIdMarker``, ...), so no caller writes a token loop. A paginator's page
requests are retried by botocore's adaptive mode (``glue_workflow.aws.clients``);
the domain retries of ``call`` do not apply to them because a failed paginator cannot
be resumed, and list operations meet neither concurrent edits nor IAM propagation.
Operations botocore has no paginator for page by ``NextToken``, with
each request retried by the policy.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from botocore import xform_name

from glue_workflow.aws.errors import operation_name
from glue_workflow.aws.retry import DEFAULT_POLICY, NO_RETRY, RetryPolicy, call
from glue_workflow.errors import DeployError, GlueWfError

_END: dict[str, Any] = {}


def pages(
    client: Any,
    method: str,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    base: type[GlueWfError] = DeployError,
    hint: str = "",
    **params: Any,
) -> Iterator[dict[str, Any]]:
    """The pages of ``client``'s ``method`` ("list_jobs" or "ListJobs"), lazily.

    Errors become ``GlueWfError`` (``glue_workflow.aws.errors``).

    Stop iterating to stop requesting: a caller wanting N items reads only the pages
    holding them.
    """
    method = xform_name(method)
    operation = operation_name(client, method)
    if client.can_paginate(method):
        iterator = iter(client.get_paginator(method).paginate(**params))
        while True:
            fetch = functools.partial(next, iterator, _END)
            page: dict[str, Any] = call(operation, fetch, policy=NO_RETRY, base=base, hint=hint)
            if page is _END:
                return
            yield page
    request = getattr(client, method)
    token: str | None = None
    while True:
        extra = {"NextToken": token} if token else {}
        send = functools.partial(request, **params, **extra)
        page = call(operation, send, policy=policy, base=base, hint=hint)
        yield page
        token = page.get("NextToken")
        if not token:
            return


def items(
    client: Any,
    method: str,
    key: str,
    *,
    limit: int | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    base: type[GlueWfError] = DeployError,
    hint: str = "",
    **params: Any,
) -> list[Any]:
    """The ``key`` entries of every page, in order; at most ``limit`` of them."""
    found: list[Any] = []
    for page in pages(client, method, policy=policy, base=base, hint=hint, **params):
        found.extend(page.get(key) or [])
        if limit is not None and len(found) >= limit:
            return found[:limit]
    return found
