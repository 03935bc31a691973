"""The console's HTTP server: the JSON API, the pages and their static assets.

Stdlib ``ThreadingHTTPServer``, bound to 127.0.0.1 unless told otherwise. Every request
is handled inside one try/except: a bad request gets a 4xx with the reason, a bug a
500 JSON with its message, and the server keeps serving. Writes (POST) need a JSON
body, the per-server token and, when the browser sends one, a same-origin ``Origin``;
the ``Host`` header must name this server (DNS-rebinding protection).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import threading
import traceback
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from glue_workflow.console.api import ConsoleApi
from glue_workflow.console.errors import ApiError, from_product_error
from glue_workflow.console.pages import error_page, page_for
from glue_workflow.errors import GlueWfError
from glue_workflow.local.netguard import header_host

STATIC_DIR = Path(__file__).parent / "static"
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
MAX_BODY_BYTES = 1024 * 1024
TOKEN_HEADER = "X-Glue-Wf-Token"  # noqa: S105 - a header name, not a secret
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
WILDCARD = ("0.0.0.0", "::", "")  # noqa: S104 - names the wildcard binds, binds nothing
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def machine_host(header: str) -> bool:
    """Whether a ``Host`` header names this machine: an IP address literal, ``localhost``
    or the machine's own host name (with any port)."""
    import ipaddress

    host = header_host(header)
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    names = {"localhost", socket.gethostname().lower(), socket.getfqdn().lower()}
    return host in names


class ConsoleServer(ThreadingHTTPServer):
    """One console: the API, the CSRF token, the host names it answers to."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, api: ConsoleApi, host: str, port: int, *, quiet: bool = True) -> None:
        self.api = api
        self.token = secrets.token_urlsafe(32)
        self.quiet = quiet
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, port), ConsoleHandler)
        self.port = int(self.server_address[1])
        self.bind_host = host
        names = {*LOOPBACK, host if ":" not in host else f"[{host}]"}
        self.allowed_hosts = {f"{name}:{self.port}" for name in names}

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.bind_host in WILDCARD else self.bind_host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}/"

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ARG002
        # A connection that broke mid-request must not print pages of traceback per hit.
        exc = sys.exc_info()[1]
        if not self.quiet:
            print(f"console: request from {client_address[0]} failed: {exc!r}", file=sys.stderr)


TOKEN = ("GET", "HEAD")  # the methods of /api/token


class ConsoleHandler(BaseHTTPRequestHandler):
    server: ConsoleServer
    server_version = "glue-wf-console"
    timeout = 30  # a client that stalls mid-request cannot hold a thread forever
    protocol_version = "HTTP/1.0"

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    # --- request handling --------------------------------------------------------------

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        is_api = path == "/api" or path.startswith("/api/")
        try:
            self._check_host()
            if is_api:
                self._api(method, path, dict(parse_qsl(split.query)))
            elif method in ("GET", "HEAD"):
                self._page(path, head=method == "HEAD")
            else:
                raise ApiError(405, f"{method} is not allowed on page {path}; pages are GET only")
        except ApiError as exc:
            self._error(exc, is_api, method)
        except GlueWfError as exc:  # from a service shared with the CLI (pages call them)
            self._error(from_product_error(exc), is_api, method)
        except Exception as exc:  # the server answers, whatever the bug
            traceback.print_exc(file=sys.stderr)
            self._error(
                ApiError(500, f"internal error: {type(exc).__name__}: {exc}", code="InternalError"),
                True,
                method,
            )

    def _check_host(self) -> None:
        if not same_user(self.client_address, self.server.server_address):
            # its token (GET /api/token) would let another user start, stop or approve
            raise ApiError(403, "this console serves the user who started it only")
        host = self.headers.get("Host", "")
        if self.server.bind_host in WILDCARD:
            # bound to every interface on purpose (printed warning): reached by any of this
            # machine's addresses or names, never by another name (DNS rebinding: a page's
            # own domain that resolves here)
            if not machine_host(host):
                raise ApiError(
                    403,
                    f"Host {host!r} is not an address or name of this machine (DNS-rebinding "
                    "protection); open the console by this machine's address or host name",
                )
            return
        if host not in self.server.allowed_hosts:
            raise ApiError(403, f"Host {host!r} is not this console; open {self.server.url}")

    def _api(self, method: str, path: str, query: Mapping[str, str]) -> None:
        body: dict[str, Any] = {}
        if path == "/api/token":
            if method not in TOKEN:
                raise ApiError(405, f"{method} is not allowed on {path}; use GET", allow=TOKEN)
            # Same-origin only: browsers let no other site read this answer (no CORS).
            self._json(200, {"token": self.server.token, "header": TOKEN_HEADER})
            return
        if method not in ("GET", "HEAD", "POST"):
            allowed = self.server.api.methods(path)
            if not allowed:
                raise ApiError(404, f"no API route {method} {path} (see docs/console.md)")
            raise ApiError(
                405, f"{method} is not allowed on {path}; use {', '.join(allowed)}", allow=allowed
            )
        if method == "POST":
            body = self._json_body()
        status, payload = self.server.api.dispatch(
            "GET" if method == "HEAD" else method, path, query, body
        )
        self._json(status, payload, head=method == "HEAD")

    def _json_body(self) -> dict[str, Any]:
        origin = self.headers.get("Origin")
        own = f"http://{self.headers.get('Host', '')}"
        if origin is not None and origin != own:
            raise ApiError(403, f"cross-origin request from {origin!r} refused")
        if self.headers.get("Sec-Fetch-Site") not in (None, "same-origin", "none"):
            raise ApiError(403, "cross-site request refused")
        if not secrets.compare_digest(self.headers.get(TOKEN_HEADER, ""), self.server.token):
            raise ApiError(
                403,
                f"missing or wrong {TOKEN_HEADER} header: read the token "
                "from GET /api/token (same origin only)",
            )
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ApiError(415, f"POST bodies must be application/json, got {content_type!r}")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise ApiError(400, "Content-Length must be an integer") from None
        if length < 0:
            raise ApiError(400, "Content-Length must not be negative")
        if length > MAX_BODY_BYTES:
            raise ApiError(413, f"body is {length} bytes; at most {MAX_BODY_BYTES}")
        try:
            raw = self.rfile.read(length) if length else b"{}"
        except TimeoutError:  # the handler's timeout: a client that stalled mid-body
            raise ApiError(
                408,
                f"the request body did not arrive within {self.timeout} s (Content-Length "
                f"{length})",
            ) from None
        if len(raw) < length:
            raise ApiError(400, f"the body ended after {len(raw)} of {length} bytes")
        try:
            body = json.loads(raw.decode("utf-8") or "{}")
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, f"body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise ApiError(400, f"body must be a JSON object, got {type(body).__name__}")
        return body

    def _page(self, path: str, *, head: bool) -> None:
        if path.startswith("/static/"):
            self._static(unquote(path[len("/static/") :]), head=head)
            return
        if path == "/":
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", "/workflows")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        html = page_for(self.server.api, path, token=self.server.token)
        self._send(200, html.encode("utf-8"), "text/html; charset=utf-8", head=head)

    def _static(self, name: str, *, head: bool) -> None:
        allowed = {p.name: p for p in STATIC_DIR.iterdir() if p.suffix in STATIC_TYPES}
        found = allowed.get(name)
        if found is None:
            raise ApiError(404, f"no static file {name!r}")
        self._send(
            200,
            found.read_bytes(),
            f"{STATIC_TYPES[found.suffix]}; charset=utf-8",
            head=head,
            cache=True,
        )

    # --- responses ---------------------------------------------------------------------

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (a malformed request line, headers too large, an
        unknown method such as OPTIONS): JSON on API paths like every other error."""
        path = urlsplit(getattr(self, "path", "") or "").path
        if path == "/api" or path.startswith("/api/"):
            self.close_connection = True
            text = message or HTTPStatus(code).phrase
            self._json(code, ApiError(code, text).as_json(), head=self.command == "HEAD")
            return
        super().send_error(code, message, explain)

    def _error(self, exc: ApiError, as_json: bool, method: str) -> None:
        if as_json:
            self._json(exc.status, exc.as_json(), head=method == "HEAD", allow=exc.allow)
        else:
            body = error_page(exc.status, exc.message).encode("utf-8")
            self._send(exc.status, body, "text/html; charset=utf-8", head=method == "HEAD")

    def _json(
        self,
        status: int,
        payload: Mapping[str, Any],
        *,
        head: bool = False,
        allow: tuple[str, ...] = (),
    ) -> None:
        body = json.dumps(payload, default=str, sort_keys=True).encode("utf-8")
        self._send(status, body, "application/json", head=head, allow=allow)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        *,
        head: bool = False,
        cache: bool = False,
        allow: tuple[str, ...] = (),
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if allow:
                self.send_header("Allow", ", ".join(allow))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "max-age=60" if cache else "no-store")
            for key, value in SECURITY_HEADERS.items():
                self.send_header(key, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away; nothing to answer


def same_user(client: Any, server: Any) -> bool:
    """Whether the local peer of a loopback TCP connection runs as this user: the
    kernel's socket table (``/proc/net/tcp*``) names the uid owning the client's end.
    True where there is no such table (not Linux) or the peer is not listed there (a
    remote peer of a console bound to every interface on purpose)."""
    import ipaddress

    try:
        client_ip, client_port = ipaddress.ip_address(client[0]), int(client[1])
        server_port = int(server[1])
    except (ValueError, TypeError, IndexError):
        return True
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                lines = handle.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, uid = fields[1], fields[2], fields[7]
            if int(local.rsplit(":", 1)[1], 16) != client_port:
                continue
            if int(remote.rsplit(":", 1)[1], 16) != server_port:
                continue
            if _proc_address(local.rsplit(":", 1)[0]) not in (client_ip, _mapped(client_ip)):
                continue
            return int(uid) == os.getuid()
    return True


def _proc_address(text: str) -> Any:
    """An address as /proc/net/tcp* writes it: 32-bit words in host (little-endian) order."""
    import ipaddress

    raw = bytes.fromhex(text)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return ipaddress.ip_address(words)


def _mapped(address: Any) -> Any:
    import ipaddress

    if address.version == 4:
        return ipaddress.ip_address(f"::ffff:{address}")
    return address.ipv4_mapped or address


def start_background(api: ConsoleApi, host: str = "127.0.0.1", port: int = 0) -> ConsoleServer:
    """Serve in a daemon thread (tests, embedding); ``server.shutdown()`` stops it."""
    server = ConsoleServer(api, host, port)
    threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="glue-wf-console",
        daemon=True,
    ).start()
    return server
