"""Isolation of the local target: no request of a local process leaves the machine.

``arm(router)`` wraps ``botocore.session.Session.create_client`` (every session, also
those created earlier) so that each new client, before it is returned:

* gets a ``before-send`` guard refusing any request whose URL is not loopback, for
  every service (a routing fault becomes a loud error, never a call to real AWS);
* is handed to ``router``, which attaches the local handlers to the clients of
  served services (``glue_workflow.local.dispatch``).

A client built with an explicit ``endpoint_url`` is not routed: a loopback one (a
local server, moto) is reached, any other is refused; except the service's own AWS
endpoint in the client's region (``sts.us-east-1.amazonaws.com``), which SDKs pin
explicitly and which is the default endpoint under another name: it is routed.
Below the clients, botocore's
HTTP session refuses non-loopback URLs too, which covers clients created before
arming and botocore's own fetchers. Routing runs under one lock, so threads
creating their first clients at once all wait for the installation to complete.

Kept import-light: ``sitecustomize`` arms it when ``botocore.session`` is imported.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from glue_workflow.errors import LocalTargetError
from glue_workflow.local.netguard import (
    LOOPBACK_NO_PROXY,
    bypass_proxies_for_loopback,
    is_loopback,
    own_aws_endpoint,
)

# client -> whether the local target now answers it
Router = Callable[[Any], bool]

_LOCK = threading.RLock()
_router: Router | None = None
_original_create_client: Callable[..., Any] | None = None
_original_send: Callable[..., Any] | None = None
_GUARD_ID = "glue-wf-local-guard"
# EC2 instance metadata (IPv4, IPv6) and ECS container credentials endpoints
_CREDENTIAL_HOSTS = frozenset({"169.254.169.254", "fd00:ec2::254", "169.254.170.2"})
_HOW = (
    "run it against AWS with --target aws from a shell without glue-wf env, or give the "
    "client a loopback endpoint_url (http://127.0.0.1:PORT) of a server on this machine"
)


class RequestRefusedError(LocalTargetError):
    """The local target refused to send a request off the machine."""


def _botocore() -> tuple[Any, Any]:
    """botocore's ``Session`` and ``URLLib3Session`` classes.

    Through ``import_module``: when ``sitecustomize`` arms, ``botocore.session`` has
    just executed but is not yet bound as an attribute of the ``botocore`` package.
    """
    session = importlib.import_module("botocore.session")
    http = importlib.import_module("botocore.httpsession")
    return session.Session, http.URLLib3Session


def armed() -> bool:
    return _original_create_client is not None


def arm(router: Router, *, replace: bool = True) -> None:
    """Guard every botocore client of this process and route new ones (idempotent).

    ``replace=False`` keeps a router already set (the environment's default must not
    override an explicit installation).
    """
    global _router, _original_create_client, _original_send  # noqa: PLW0603 - process-wide
    session_class, http_class = _botocore()
    with _LOCK:
        if replace or _router is None:
            _router = router
        if _original_create_client is None:
            _original_create_client = session_class.create_client
            session_class.create_client = _create_client
        if _original_send is None:
            _original_send = http_class.send
            http_class.send = _send
        _refuse_credential_processes()
    bypass_proxies_for_loopback(os.environ)


def _refuse_credential_processes() -> None:
    """A profile's ``credential_process`` is a program botocore starts (aws-vault,
    granted, a script): out of this process's guard, and made to call AWS. Local
    clients need no credentials, so the local target never runs one."""
    provider = importlib.import_module("botocore.credentials").ProcessProvider
    if "_glue_wf_original" in vars(provider):
        return

    def refused(self: Any, credential_process: Any) -> Any:
        profile = getattr(self, "_profile_name", None)
        raise LocalTargetError(
            f"glue-wf: the local target does not run credential_process "
            f"{str(credential_process)[:200]!r} (profile {profile!r}): a program "
            "it cannot guard, which may call AWS; local clients need no credentials: create "
            f"them without that profile, or {_HOW.split(', or ', maxsplit=1)[0]}"
        )

    provider._glue_wf_original = provider._retrieve_credentials_using
    provider._retrieve_credentials_using = refused


def disarm() -> None:
    """Restore plain botocore (tests): later clients are neither guarded nor routed."""
    global _router, _original_create_client, _original_send  # noqa: PLW0603 - process-wide
    session_class, http_class = _botocore()
    with _LOCK:
        if _original_create_client is not None:
            session_class.create_client = _original_create_client
        if _original_send is not None:
            http_class.send = _original_send
        provider = importlib.import_module("botocore.credentials").ProcessProvider
        if "_glue_wf_original" in vars(provider):
            provider._retrieve_credentials_using = vars(provider)["_glue_wf_original"]
            del provider._glue_wf_original
        _router = None
        _original_create_client = None
        _original_send = None


def _create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
    original = _original_create_client
    if original is None:  # disarmed between lookup and call
        return _botocore()[0].create_client(self, *args, **kwargs)
    client = original(self, *args, **kwargs)
    # Session.create_client(service_name, region_name, api_version, use_ssl, verify,
    # endpoint_url, ...): endpoint_url is the sixth parameter.
    endpoint_url = kwargs.get("endpoint_url", args[5] if len(args) > 5 else None)
    protect(client, endpoint_url)
    return client


def protect(client: Any, endpoint_url: str | None = None) -> None:
    """Guard ``client`` and, unless it was given an endpoint, route it (thread-safe)."""
    service = client.meta.service_model.service_id.hyphenize()
    routed = False
    if endpoint_url is not None and own_aws_endpoint(client, endpoint_url):
        endpoint_url = None
    with _LOCK:
        if endpoint_url is None and _router is not None:
            routed = _router(client)
    if endpoint_url is not None:
        reason = f"the client was created with endpoint_url={endpoint_url}, not on this machine"
    elif routed:
        reason = f"{service} is served locally, yet this request was not answered locally"
    else:
        reason = f"{service} is not served by the local target"
    client.meta.events.register_first("before-send", _Refusal(reason), unique_id=_GUARD_ID)


class _Refusal:
    """``before-send`` handler: refuses a non-loopback URL, naming the operation."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __call__(self, request: Any, event_name: str = "", **_: Any) -> None:
        if not armed() or is_loopback(request.url):
            return
        operation = event_name.rsplit(".", 1)[-1] or "a request"
        raise refusal(operation, request.url, self.reason)


def refusal(operation: str, url: str, reason: str) -> RequestRefusedError:
    shown = url.split("?", 1)[0]
    return RequestRefusedError(
        f"the local target refused to send {operation} to {shown}: {reason}, and a request "
        f"off this machine could reach a real AWS account; {_HOW}"
    )


def _send(self: Any, request: Any) -> Any:
    original = _original_send
    if original is None:
        return _botocore()[1].send(self, request)
    if not is_loopback(request.url):
        host = urlsplit(request.url).hostname or ""
        if host in _CREDENTIAL_HOSTS:
            # botocore's credential chain reached the instance/container metadata service
            reason = (
                "botocore found no credentials and asked the instance metadata service; the "
                "local target checks none, so set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "to any value (glue-wf env does)"
            )
        else:
            reason = (
                "botocore was about to send it from a client created before the local target "
                "was installed, or from its own HTTP session"
            )
        raise refusal("a request", request.url, reason)
    proxy = self._proxy_config.proxy_url_for(request.url)
    if proxy and not is_loopback(proxy):
        raise refusal(
            "a request",
            request.url,
            f"it would go through the proxy {proxy.split('@')[-1]}, off this machine (set "
            f"NO_PROXY={LOOPBACK_NO_PROXY}, as glue-wf env does, or drop the client's proxies)",
        )
    return original(self, request)


__all__ = ["RequestRefusedError", "arm", "armed", "disarm", "is_loopback", "protect"]
