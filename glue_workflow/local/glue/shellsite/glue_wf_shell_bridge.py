"""A Python shell job's boto3 calls, answered by its local executor over loopback.

The job's own botocore (on Python 3.9, the version Glue's Python shell provides)
builds and validates every request from its service model, then a ``before-call``
handler sends the operation and its parameters to the executor's gateway, which
answers it from the local target, and returns the answer as botocore's parsed
response: the same mechanism botocore's Stubber uses. A ``before-send`` handler
refuses anything that would still reach the network. Python 3.9 compatible; the
wire format (``encode``/``decode``) is shared with the gateway.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import sys
from typing import Any

_PARAMS_KEY = "glue_wf_shell_params"
TIMEOUT_SECONDS = 900.0


def encode(value: Any) -> Any:
    """JSON-able form of request/response values (bytes, streams, datetimes tagged)."""
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, datetime.datetime):
        return {"__datetime__": value.isoformat()}
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if hasattr(value, "read"):  # file-like request bodies and response streams
        data = value.read()
        return encode(data.encode() if isinstance(data, str) else data)
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__datetime__"}:
            return datetime.datetime.fromisoformat(value["__datetime__"])
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


_ANSWER_ID = "glue-wf-shell-answer"
_REFUSE_ID = "glue-wf-shell-refuse"


def route(module: Any, url: str) -> None:
    """Send the calls of every Session of ``module`` (``botocore.session``) to ``url``.

    As the local target's guard does for other processes (local/guard.py): a client
    given a loopback ``endpoint_url`` (a server of the job's own) reaches it, one given
    its service's own AWS endpoint is answered locally, and one given any other
    endpoint is refused."""
    session_class = module.Session
    original = session_class.__init__
    original_create = session_class.create_client

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        events = self.get_component("event_emitter")
        events.register_last("before-parameter-build", _stash_params)
        events.register("before-call", lambda **kw: _answer(url, **kw), unique_id=_ANSWER_ID)
        events.register_last("before-send", _refuse, unique_id=_REFUSE_ID)

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original_create(self, *args, **kwargs)
        # create_client(service_name, region_name, api_version, use_ssl, verify,
        # endpoint_url, ...): endpoint_url is the sixth parameter
        endpoint = kwargs.get("endpoint_url", args[5] if len(args) > 5 else None)
        # the rules of every local process (netguard, loaded by the site hook first)
        rules = sys.modules["glue_wf_netguard"]
        if endpoint is not None and not rules.own_aws_endpoint(client, str(endpoint)):
            events = client.meta.events
            if rules.is_loopback(str(endpoint)):  # the job's own server: sent, as elsewhere
                events.unregister("before-call", unique_id=_ANSWER_ID)
                events.unregister("before-send", unique_id=_REFUSE_ID)
            else:
                events.register_first("before-call", _Refused(str(endpoint)))
        return client

    session_class.__init__ = __init__
    session_class.create_client = create_client


class _Refused:
    """``before-call`` of a client given an endpoint off this machine: refused."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def __call__(self, model: Any, **_: Any) -> None:
        raise RuntimeError(
            f"the local target refused to send {model.name} to {self.endpoint}: the client "
            f"was created with endpoint_url={self.endpoint}, not on this machine, and a "
            "request off this machine could reach a real AWS account; a local Python shell "
            "job's AWS calls are answered by its executor (drop endpoint_url), or reach a "
            "server of its own on 127.0.0.1"
        )


def _stash_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[_PARAMS_KEY] = params


def _refuse(request: Any, **_: Any) -> None:
    raise RuntimeError(
        f"the local target refused to send {request.method} {request.url}: a local Python "
        "shell job's AWS calls are answered by its executor, never sent"
    )


def _answer(url: str, model: Any, context: dict[str, Any], **_: Any) -> Any:
    import urllib.error  # here, not at start-up: urllib.request imports http and ssl
    import urllib.request

    from botocore.awsrequest import AWSResponse, HTTPHeaders
    from botocore.response import StreamingBody

    service = model.service_model.service_name
    body = json.dumps(
        {
            "service": service,
            "operation": model.name,
            "params": encode(context.get(_PARAMS_KEY) or {}),
        }
    ).encode()
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - http loopback
    request.add_header("Content-Type", "application/json")
    # the gateway is on loopback: never through a proxy the environment names
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as reply:
            answer = json.loads(reply.read())
    except (urllib.error.URLError, OSError) as exc:
        answer = {
            "status": 503,
            "parsed": {
                "Error": {
                    "Code": "LocalTargetUnavailable",
                    "Message": f"the local executor's gateway at {url} did not answer "
                    f"{service}:{model.name} ({exc}); the job outlived its executor",
                }
            },
        }
    status = int(answer["status"])
    parsed = decode(answer["parsed"])
    if status < 300 and model.has_streaming_output:
        member = model.output_shape.serialization.get("payload")
        data = parsed.get(member) or b""
        parsed[member] = StreamingBody(io.BytesIO(data), len(data))
    headers = HTTPHeaders()
    request_id = str(parsed.get("ResponseMetadata", {}).get("RequestId", ""))
    headers["x-amzn-requestid"] = request_id
    if "Error" in parsed:
        headers["x-amzn-errortype"] = parsed["Error"].get("Code", "")
        parsed.setdefault("Message", parsed["Error"].get("Message", ""))
    parsed["ResponseMetadata"] = {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": dict(headers),
        "RetryAttempts": 0,
    }
    return AWSResponse(f"https://{service}.local.glue-wf/", status, headers, None), parsed
