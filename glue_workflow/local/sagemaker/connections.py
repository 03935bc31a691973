"""HTTP/1.1 connections of the endpoint server: limits, timeouts and draining.

One ``Connections`` per server process holds every open connection, so that it can
cap them, close the stalled ones and drain them on shutdown:

* **Cap.** Beyond ``max_connections`` open connections a new one is answered at once
  with ``503 Service Unavailable`` and ``Retry-After``, then closed (the local
  SageMaker Runtime turns that into ``ThrottlingException``).
* **Timeouts.** A kept-alive connection with no request is closed after
  ``idle_timeout``; a request must arrive whole within ``request_timeout`` of its first
  byte (else ``408`` and close: a slow or stalled client cannot hold a connection); a
  client that stops reading its answers is cut off after ``request_timeout``.
* **Drain.** On SIGTERM (a blue/green switch or a delete) the server keeps serving
  for ``linger`` (callers that looked the endpoint up just before the switch), every
  answer saying ``Connection: close``; then it stops listening, closes idle
  connections, answers every request already started, and exits once none is left or
  after ``drain_timeout``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar

from glue_workflow.errors import GlueWfError
from glue_workflow.local.sagemaker.scoring import encode

MAX_BODY = 6 * 1024 * 1024  # the container's MAX_CONTENT_LENGTH
MAX_HEADER = 64 * 1024
REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class LimitsError(GlueWfError):
    """An endpoint server limit set in the environment is not a valid number."""


@dataclass(frozen=True, kw_only=True)
class Limits:
    """The server's connection limits; each one can be set by an environment variable."""

    max_connections: int = 512  # per server process
    idle_timeout: float = 5.0  # a kept-alive connection without a request
    # SageMaker's invocation timeout: a container must answer within 60 s (InvokeEndpoint
    # API reference); the XGBoost container's model server timeout defaults to 60 s too.
    request_timeout: float = 60.0
    drain_timeout: float = 60.0  # in-flight requests finish within the invocation timeout
    linger: float = 0.5  # keep accepting after SIGTERM: callers that resolved the old port
    retry_after: int = 1  # seconds, in the 503 answer beyond the cap

    ENV: ClassVar[dict[str, str]] = {
        "max_connections": "GLUE_WF_ENDPOINT_MAX_CONNECTIONS",
        "idle_timeout": "GLUE_WF_ENDPOINT_IDLE_TIMEOUT",
        "request_timeout": "GLUE_WF_ENDPOINT_REQUEST_TIMEOUT",
        "drain_timeout": "GLUE_WF_ENDPOINT_DRAIN_TIMEOUT",
        "linger": "GLUE_WF_ENDPOINT_LINGER",
    }

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field, variable in cls.ENV.items():
            raw = env.get(variable, "").strip()
            if not raw:
                continue
            kind = int if field == "max_connections" else float
            try:
                value = kind(raw)
            except ValueError:
                value = -1
            if value <= 0 or not math.isfinite(value):
                raise LimitsError(
                    f"{variable}={raw!r} is not a positive "
                    f"{'whole number' if kind is int else 'number of seconds'}: "
                    f"set it to one, or unset it for the default {getattr(cls(), field)}"
                )
            values[field] = value
        return cls(**values)

    def as_env(self) -> dict[str, str]:
        """The environment variables that give another server process these limits."""
        return {variable: str(getattr(self, field)) for field, variable in self.ENV.items()}

    @property
    def stop_grace(self) -> float:
        """How long a stopping server may take: linger + drain + a margin."""
        return self.linger + self.drain_timeout + 5.0


@dataclass(frozen=True, kw_only=True)
class Deferred:
    """Rows to predict off the event loop (large batches), and the answer's media type."""

    rows: Any
    accept: str


Answer = tuple[int, bytes, str]
Route = Callable[[str, str, dict[str, str], bytes], "Answer | Deferred"]


class Connections:
    """The open connections of one server process: cap, timeout sweep, drain."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.open: set[HttpProtocol] = set()
        self.refused: set[HttpProtocol] = set()  # answered 503, closing
        self.draining = False
        self._empty = asyncio.Event()

    def admit(self, conn: HttpProtocol) -> bool:
        if len(self.open) >= self.limits.max_connections:
            self.refused.add(conn)
            return False
        self.open.add(conn)
        return True

    def discard(self, conn: HttpProtocol) -> None:
        self.open.discard(conn)
        self.refused.discard(conn)
        if not self.open:
            self._empty.set()

    async def sweep(self) -> None:
        """Close what timed out, forever (cancelled when the server stops)."""
        tick = min(1.0, max(0.02, min(self.limits.idle_timeout, self.limits.request_timeout) / 4))
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            for conn in list(self.open):
                conn.expire(now, self.limits)
            for conn in list(self.refused):
                if now - conn.opened > self.limits.idle_timeout:
                    conn.abort()

    async def drain(self, server: asyncio.base_events.Server) -> None:
        """Serve ``linger`` more (each answer closes its connection), stop listening,
        close idle connections, wait for the started requests; then close the rest."""
        self.draining = True
        for conn in list(self.open):
            conn.closing = True
        # Still serving: a request sent just before the switch, or on a kept-alive
        # connection at this moment, gets its answer rather than a reset.
        await asyncio.sleep(self.limits.linger)
        server.close()
        for conn in list(self.open):
            conn.drain()
        if self.open:
            self._empty.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._empty.wait(), self.limits.drain_timeout)
        for conn in list(self.open) + list(self.refused):
            conn.abort()


class HttpProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1: Content-Length bodies, keep-alive, no chunked requests."""

    def __init__(
        self,
        route: Route,
        predict: Callable[[Any], Any],
        hub: Connections,
        pool: ThreadPoolExecutor,
    ) -> None:
        self.route = route
        self.predict = predict
        self.hub = hub
        self.pool = pool
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.opened = time.monotonic()
        self.busy = False  # a deferred prediction is running: answers stay in order
        self.receiving_since: float | None = None  # first byte of an incomplete request
        self.idle_since: float | None = self.opened
        self.write_blocked_since: float | None = None
        self.closing = False  # answer what was started, then close (draining)
        self.refused = False

    # ---- asyncio callbacks -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if not self.hub.admit(self):
            self.refused = True
            limits = self.hub.limits
            body = (
                f"the endpoint's server has its maximum of {limits.max_connections} open "
                f"connections; retry after {limits.retry_after} s"
            ).encode()
            self._write(503, body, "text/plain", close=True, retry_after=limits.retry_after)
            # Half-close: the client reads the answer, then EOF. Its request, if it sends
            # one, is read and dropped, so closing never resets the answer away.
            transport.write_eof()
            return
        self.closing = self.hub.draining

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002
        self.hub.discard(self)

    def eof_received(self) -> bool:
        return False  # the client is done: close our side too

    def pause_writing(self) -> None:  # the client does not read its answers
        self.write_blocked_since = time.monotonic()
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.write_blocked_since = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()
            self._process()

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        self.buffer += data
        self._process()

    # ---- timeouts and draining -------------------------------------------------------

    def expire(self, now: float, limits: Limits) -> None:
        if self.write_blocked_since is not None:
            if now - self.write_blocked_since > limits.request_timeout:
                self.abort()
        elif self.receiving_since is not None:
            if now - self.receiving_since > limits.request_timeout:
                self.buffer.clear()
                late = f"the request did not arrive whole within {limits.request_timeout:g} s"
                self._reply(408, late.encode(), "text/plain", close=True)
        elif self.idle_since is not None and now - self.idle_since > limits.idle_timeout:
            self.abort(graceful=True)

    def drain(self) -> None:
        """Close now if idle; else after the answer to the request under way."""
        self.closing = True
        if self.idle_since is not None:
            self.abort(graceful=True)

    def abort(self, *, graceful: bool = False) -> None:
        if self.transport is not None and not self.transport.is_closing():
            if graceful:
                self.transport.close()
            else:
                self.transport.abort()

    # ---- requests --------------------------------------------------------------------

    def _process(self) -> None:
        transport = self.transport
        while (
            not self.busy
            and self.write_blocked_since is None
            and transport is not None
            and not transport.is_closing()
        ):
            if not self._one():
                break
        now = time.monotonic()
        if self.busy:
            self.receiving_since = self.idle_since = None
        elif self.buffer:
            self.idle_since = None
            if self.receiving_since is None:
                self.receiving_since = now
        else:
            self.receiving_since = None
            if self.idle_since is None:
                self.idle_since = now
            if self.closing:
                self.abort(graceful=True)

    def _one(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEADER:
                self._reply(431, b"headers too large", "text/plain", close=True)
            return False
        try:
            head = bytes(self.buffer[:end]).decode("latin-1")
            request_line, *header_lines = head.split("\r\n")
            method, target, version = request_line.split(" ")
            headers = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
        except ValueError:
            self._reply(400, b"malformed HTTP request", "text/plain", close=True)
            return False
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._reply(411, b"send a Content-Length body", "text/plain", close=True)
            return False
        if length < 0 or length > MAX_BODY:
            self._reply(413, b"payload larger than 6 MB", "text/plain", close=True)
            return False
        total = end + 4 + length
        if len(self.buffer) < total:
            return False
        body = bytes(self.buffer[end + 4 : total])
        del self.buffer[:total]
        self.receiving_since = None  # the next request's clock starts at its first byte
        connection = headers.get("connection", "").lower()
        close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        answer = self.route(method, target, headers, body)
        if isinstance(answer, Deferred):
            self.busy = True
            future = asyncio.get_running_loop().run_in_executor(
                self.pool, self.predict, answer.rows
            )
            future.add_done_callback(lambda done: self._finish(done, answer.accept, close, version))
            return False
        status, payload, media = answer
        self._reply(status, payload, media, close=close, version=version)
        return True

    def _finish(self, done: asyncio.Future[Any], accept: str, close: bool, version: str) -> None:
        self.busy = False
        if self.transport is None or self.transport.is_closing():
            return
        try:
            payload, media = encode(done.result(), accept)
        except Exception as exc:
            self._reply(
                400,
                f"Unable to evaluate payload provided: {exc}".encode(),
                "text/plain",
                close=close,
                version=version,
            )
        else:
            self._reply(200, payload, media, close=close, version=version)
        self._process()  # requests that arrived meanwhile

    def _reply(
        self, status: int, body: bytes, media: str, *, close: bool, version: str = "HTTP/1.1"
    ) -> None:
        # A draining server answers what was started and says it closes (the client
        # opens its next connection elsewhere: the new server after a switch).
        close = close or self.closing
        self._write(status, body, media, close=close, version=version)
        if close and self.transport is not None:
            self.transport.close()

    def _write(
        self,
        status: int,
        body: bytes,
        media: str,
        *,
        close: bool,
        version: str = "HTTP/1.1",
        retry_after: int | None = None,
    ) -> None:
        assert self.transport is not None
        head = (
            f"{version} {status} {REASONS.get(status, 'Unknown')}\r\n"
            f"Content-Type: {media}\r\nContent-Length: {len(body)}\r\n"
            + (f"Retry-After: {retry_after}\r\n" if retry_after is not None else "")
            + f"{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n"
        )
        self.transport.write(head.encode("latin-1") + body)
