"""The server's guards: CSRF token, origin, host, body rules; it survives garbage."""

from __future__ import annotations

import socket


def _raw(console, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", console.server.port), timeout=5) as sock:
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except OSError:  # the server may close first on garbage; that is fine
            return b""
    return b"".join(chunks)


def test_writes_need_token_json_and_same_origin(console):
    path = "/api/workflows/demo/runs"
    no_token = console.request("POST", path, {}, headers={"Origin": f"http://{console.host}"})
    assert no_token.status == 403
    assert no_token.json()["error"]["message"] == (
        "missing or wrong X-Glue-Wf-Token header: read the token from GET /api/token "
        "(same origin only)"
    )
    evil = console.post(path, {}, Origin="http://evil.example")
    assert evil.status == 403
    assert (
        evil.json()["error"]["message"] == "cross-origin request from 'http://evil.example' refused"
    )
    assert console.post(path, {}, **{"Sec-Fetch-Site": "cross-site"}).status == 403
    form = console.request(
        "POST",
        path,
        raw=b"a=1",
        headers={
            "X-Glue-Wf-Token": console.token,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert form.status == 415
    assert form.json()["error"]["message"] == (
        "POST bodies must be application/json, got 'application/x-www-form-urlencoded'"
    )
    token = console.get("/api/token").json()
    assert token == {"token": console.token, "header": "X-Glue-Wf-Token"}
    assert console.glue.runs == {}  # nothing was started by the refused requests


def test_host_header_must_name_the_console(console):
    rebound = console.request("GET", "/api/workflows", headers={"Host": "attacker.example:80"})
    assert rebound.status == 403
    assert rebound.json()["error"]["message"] == (
        f"Host 'attacker.example:80' is not this console; open http://127.0.0.1:{console.server.port}/"
    )
    assert (
        console.request(
            "GET", "/api/workflows", headers={"Host": f"localhost:{console.server.port}"}
        ).status
        == 200
    )


def test_bad_bodies_and_methods(console):
    headers = {"X-Glue-Wf-Token": console.token, "Content-Type": "application/json"}
    broken = console.request("POST", "/api/workflows/demo/runs", raw=b"{nope", headers=headers)
    assert broken.status == 400
    assert broken.json()["error"]["message"].startswith("body is not valid JSON:")
    listed = console.request("POST", "/api/workflows/demo/runs", raw=b"[1]", headers=headers)
    assert listed.json()["error"]["message"] == "body must be a JSON object, got list"
    big = console.request(
        "POST",
        "/api/workflows/demo/runs",
        raw=b"{}",
        headers={**headers, "Content-Length": str(10**8)},
    )
    assert big.status == 413
    put = console.request("PUT", "/api/workflows/demo")
    assert put.status == 405
    assert put.json()["error"]["message"] == (
        "PUT is not allowed on /api/workflows/demo; use GET, HEAD"
    )
    assert put.headers["allow"] == "GET, HEAD"
    stop = console.request("DELETE", "/api/workflows/demo/runs/latest/stop")
    assert (stop.status, stop.headers["allow"]) == (405, "POST")
    token = console.request("POST", "/api/token", raw=b"{}", headers=headers)
    assert (token.status, token.headers["allow"]) == (405, "GET, HEAD")
    assert console.request("PATCH", "/api/nowhere").status == 404
    wrong = console.post("/api/workflows/demo")
    assert wrong.status == 405
    assert wrong.json()["error"]["message"] == "POST is not allowed on /api/workflows/demo; use GET"
    # a misspelt field would start the run on the defaults: refused, named
    typo = console.post("/api/workflows/demo/runs", {"run_propertie": {"min_accuracy": "0.9"}})
    assert typo.status == 400
    assert typo.json()["error"]["message"] == (
        "unknown field(s) in the body: 'run_propertie' (did you mean 'run_properties'?); "
        "this route takes run_properties"
    )
    assert console.request("GET", "/api/workflows/demo/runs?limit=abc").status == 400
    assert console.request("GET", "/api/workflows/demo/runs?limit=0").status == 400


def test_stalled_and_short_bodies_and_http_servers_own_refusals_answer_json(console, monkeypatch):
    from glue_workflow.console.server import ConsoleHandler

    head = (
        f"POST /api/workflows/demo/runs HTTP/1.1\r\nHost: 127.0.0.1:{console.server.port}\r\n"
        f"X-Glue-Wf-Token: {console.token}\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n{}"
    )
    short = _raw(console, head.encode())  # the client closes after 2 of 100 bytes
    assert short.startswith(b"HTTP/1.0 400")
    assert b'"message": "the body ended after 2 of 100 bytes"' in short
    monkeypatch.setattr(ConsoleHandler, "timeout", 1)
    with socket.create_connection(("127.0.0.1", console.server.port), timeout=5) as sock:
        sock.sendall(head.encode())  # and stalls, the connection open
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        stalled = b"".join(chunks)
    assert stalled.startswith(b"HTTP/1.0 408")
    assert b"the request body did not arrive within 1 s (Content-Length 100)" in stalled
    options = _raw(console, b"OPTIONS /api/workflows HTTP/1.1\r\nHost: x\r\n\r\n")
    assert options.startswith(b"HTTP/1.0 501")
    assert b"application/json" in options
    assert b'"code": "NotSupported"' in options


def test_a_bug_answers_500_json_and_the_server_keeps_serving(console):
    def explode(**_):
        raise RuntimeError("disk on fire")

    console.glue.op_ListWorkflows = explode
    response = console.get("/api/workflows")
    assert response.status == 500
    assert response.json()["error"] == {
        "status": 500,
        "code": "InternalError",
        "message": "internal error: RuntimeError: disk on fire",
    }
    assert console.get("/api/workflows/demo").status == 200


def test_malformed_request_storm_leaves_the_server_serving(console):
    garbage = [
        b"\x00\xff\xfe garbage\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"GET /api/workflows HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"b" * 70000 + b"\r\n\r\n",
        b"POST /api/workflows/demo/runs HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"POST /api/workflows/demo/runs HTTP/1.1\r\nContent-Length: -5\r\n\r\n{}",
        b'POST /api/workflows/demo/runs HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{"run',
        b"GET /api/workflows/%00%ff/runs/%c3%28 HTTP/1.1\r\n\r\n",
        b"GET /workflows/%ZZ HTTP/1.1\r\n\r\n",
        b"BREW /coffee HTCPCP/1.0\r\n\r\n",
        b"",
        b"GET /api/workflows HTTP/1.1\r\n" + b"H: v\r\n" * 200 + b"\r\n",
    ]
    for _ in range(3):
        for payload in garbage:
            _raw(console, payload)
    for path in ("/api/workflows/%00%ff/runs/%c3%28", "/workflows/%ZZ", "/api/workflows/%2e%2e"):
        assert console.get(path).status == 404, path
    assert console.get("/api/workflows").status == 200
    assert console.get("/workflows/demo").status == 200


def test_stalled_clients_do_not_block_others(console):
    stalled = []
    try:
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", console.server.port), timeout=5)
            sock.sendall(b"GET /api/workflows HTTP/1.1\r\nHost: x")  # never finishes
            stalled.append(sock)
        assert console.get("/api/workflows").status == 200
    finally:
        for sock in stalled:
            sock.close()


def test_ipv6_loopback(console):
    import http.client

    import pytest

    from glue_workflow.console.server import start_background

    try:
        server = start_background(console.server.api, "::1", 0)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert server.url == f"http://[::1]:{server.port}/"
        conn = http.client.HTTPConnection("::1", server.port, timeout=5)
        conn.request("GET", "/api/workflows")
        assert conn.getresponse().status == 200
    finally:
        server.shutdown()
        server.server_close()
