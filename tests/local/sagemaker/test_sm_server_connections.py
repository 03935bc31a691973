"""The endpoint server's connections: cap with 503 + Retry-After, stalled connections
closed, and the drain on SIGTERM (started requests answered, idle ones closed).

Each test starts a real server process with small limits (environment variables), so
nothing waits long; socket timeouts below only guard against a hang.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from glue_workflow.local.sagemaker.connections import Limits, LimitsError
from glue_workflow.local.sagemaker.server import WATCH_SECONDS

pytestmark = pytest.mark.server

GUARD = 30.0  # seconds: a hang guard, never a timing assertion
ROW = b"0.9,0.1,0.5"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    x = rng.random((200, 3))
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2},
        xgb.DMatrix(x, label=(x[:, 0] > 0.5).astype(int)),
        num_boost_round=3,
    )
    folder = tmp_path_factory.mktemp("model")
    booster.save_model(str(folder / "xgboost-model.ubj"))
    (folder / "xgboost-model.ubj").rename(folder / "xgboost-model")
    return folder


Start = Callable[..., tuple[subprocess.Popen[bytes], int]]


@pytest.fixture
def start(model_dir: Path, tmp_path: Path) -> Iterator[Start]:
    procs: list[subprocess.Popen[bytes]] = []

    def run(folder: Path = tmp_path, **limits: str) -> tuple[subprocess.Popen[bytes], int]:
        ready = folder / f"ready-{len(procs)}.json"
        env = {**os.environ, **{Limits.ENV[k]: v for k, v in limits.items()}}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "glue_workflow.local.sagemaker.server",
                "--model-dir",
                str(model_dir),
                "--ready-file",
                str(ready),
                "--workers",
                "1",
            ],
            env=env,
        )
        procs.append(proc)
        deadline = time.monotonic() + 120
        while not ready.is_file():
            assert proc.poll() is None, "the server exited before it was ready"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        return proc, int(json.loads(ready.read_text())["port"])

    yield run
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=GUARD)


def _invocation(body: bytes = ROW) -> bytes:
    return (
        b"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


def _answer(sock: socket.socket) -> bytes:
    """One whole HTTP answer (Content-Length body) read from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def _closed(sock: socket.socket) -> bool:
    """True when the server closed the connection (EOF or reset), read to the end."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return True


def test_limits_from_the_environment_and_their_errors() -> None:
    limits = Limits.from_env(
        {"GLUE_WF_ENDPOINT_MAX_CONNECTIONS": "7", "GLUE_WF_ENDPOINT_IDLE_TIMEOUT": "0.5"}
    )
    assert (limits.max_connections, limits.idle_timeout) == (7, 0.5)
    assert Limits.from_env({}).request_timeout == 60.0  # SageMaker's invocation timeout
    with pytest.raises(LimitsError, match=r"GLUE_WF_ENDPOINT_MAX_CONNECTIONS='many' is not a pos"):
        Limits.from_env({"GLUE_WF_ENDPOINT_MAX_CONNECTIONS": "many"})
    with pytest.raises(LimitsError, match=r"unset it for the default 60\.0"):
        Limits.from_env({"GLUE_WF_ENDPOINT_DRAIN_TIMEOUT": "-1"})


def test_connections_beyond_the_cap_get_503_with_retry_after(start: Start) -> None:
    _, port = start(max_connections="2")
    held = [_connect(port), _connect(port)]
    for sock in held:  # both admitted: each answers
        sock.sendall(_invocation())
        assert _answer(sock).startswith(b"HTTP/1.1 200 OK")
    extra = _connect(port)
    extra.sendall(_invocation())  # read and dropped: the answer is already on its way
    refused = _answer(extra)
    assert refused.startswith(b"HTTP/1.1 503 Service Unavailable")
    assert b"\r\nRetry-After: 1\r\n" in refused
    assert b"Connection: close" in refused
    assert b"maximum of 2 open connections; retry after 1 s" in refused
    assert _closed(extra)
    held.pop().close()  # a slot frees: a new connection is served again
    for _ in range(100):
        again = _connect(port)
        again.sendall(_invocation())
        answer = _answer(again)
        again.close()
        if answer.startswith(b"HTTP/1.1 200"):
            break
        time.sleep(0.05)  # the server has not yet seen the close
    assert answer.startswith(b"HTTP/1.1 200 OK")


def test_stalled_connections_are_closed(start: Start) -> None:
    _, port = start(idle_timeout="0.3", request_timeout="0.5")
    silent = _connect(port)  # connects and never sends
    slow = _connect(port)
    slow.sendall(_invocation(b"0.9,0.1,0.5")[:-4])  # a request that never completes
    kept = _connect(port)
    kept.sendall(_invocation())
    assert _answer(kept).startswith(b"HTTP/1.1 200")  # then idles on keep-alive
    assert _closed(silent)
    late = _answer(slow)
    assert late.startswith(b"HTTP/1.1 408 Request Timeout")
    assert b"did not arrive whole within 0.5 s" in late
    assert _closed(slow)
    assert _closed(kept)


def test_drain_answers_started_requests_then_exits(start: Start) -> None:
    proc, port = start(linger="1", drain_timeout="30")
    idle = _connect(port)
    idle.sendall(_invocation())
    assert _answer(idle).startswith(b"HTTP/1.1 200")
    in_flight = _connect(port)
    request = _invocation()
    in_flight.sendall(request[:-3])  # started, not yet whole when the switch comes
    proc.send_signal(signal.SIGTERM)
    assert _closed(idle)  # the drain has begun: idle connections are closed
    in_flight.sendall(request[-3:])
    answer = _answer(in_flight)
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert b"Connection: close" in answer
    assert 0 < float(answer.split(b"\r\n\r\n", 1)[1]) < 1
    assert _closed(in_flight)
    assert proc.wait(timeout=GUARD) == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=GUARD)


def test_a_server_whose_folder_is_gone_stops(start: Start, tmp_path: Path) -> None:
    """Its local home was deleted: nothing could delete its endpoint any more."""
    folder = tmp_path / "endpoint-version"
    folder.mkdir()
    proc, port = start(folder)
    (folder / "ready-0.json").unlink()  # the ready file alone may go: it still serves
    time.sleep(1.5 * WATCH_SECONDS)  # past a check
    sock = _connect(port)
    sock.sendall(_invocation())
    assert _answer(sock).startswith(b"HTTP/1.1 200")
    sock.close()
    folder.rmdir()
    assert proc.wait(timeout=GUARD) == 0
