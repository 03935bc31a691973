"""Serving benchmark: the local endpoint server vs Flask + gunicorn, same Booster, same run.

    .venv/bin/python bench/bench_serving.py [--requests 2000] [--concurrency 8]

Trains one churn-like Booster (100 rounds, depth 5), then serves it twice on
127.0.0.1: with ``glue_workflow.local.sagemaker.server`` (what a local endpoint runs)
and with a reference Flask app under gunicorn (the stack the SageMaker XGBoost
container uses: Flask + gunicorn, one worker per core, CSV → DMatrix → predict).
A separate load process (asyncio, raw HTTP/1.1, keep-alive when the server allows
it) sends single-row and 100-row CSV requests: latency at concurrency 1
(p50 / p99) and throughput at ``--concurrency`` (requests/s). Request counts are
bounded; figures print as a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHURN = ROOT.parent / "shared" / "data" / "churn_processed.csv"
PY = sys.executable

REFERENCE_APP = """
import os
import flask
import numpy as np
import xgboost as xgb

booster = xgb.Booster()
booster.load_model(os.environ["BENCH_MODEL"])
booster.set_param({"nthread": 1})
app = flask.Flask(__name__)


@app.route("/ping", methods=["GET"])
def ping():
    return flask.Response(status=200)


@app.route("/invocations", methods=["POST"])
def invocations():
    text = flask.request.data.decode("utf-8").strip()
    try:
        rows = np.loadtxt(text.splitlines(), delimiter=",", dtype=np.float32, ndmin=2)
        preds = booster.predict(xgb.DMatrix(rows), validate_features=False)
    except Exception as exc:
        return flask.Response(response=str(exc), status=400)
    return flask.Response(response=",".join(map(str, preds.tolist())), status=200,
                          mimetype="text/csv")
"""


GUNICORN_CONF = """
import socket


def when_ready(server):
    # Accepted sockets inherit TCP_NODELAY on Linux: without it gunicorn's separate
    # header and body writes meet delayed ACKs (~40 ms per request), unfair to it.
    for listener in server.LISTENERS:
        listener.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
"""


# ---- load process ------------------------------------------------------------------------


class _Client(asyncio.Protocol):
    """One connection sending requests back to back (a lean asyncio protocol, so the load
    process itself is not the bottleneck); reconnects when the server closes."""

    def __init__(self, request: bytes, run: _Run) -> None:
        self.request = request
        self.run = run
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.started = 0.0
        self.need = -1  # bytes of the current answer, once its head is complete
        self.close_after = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._send()

    def _send(self) -> None:
        assert self.transport is not None
        if not self.run.take():
            self.transport.close()
            return
        self.started = time.perf_counter()
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.need < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            if not head.startswith((b"http/1.1 200", b"http/1.0 200")):
                self.run.error = head.split(b"\r\n", 1)[0].decode()
            start = head.index(b"content-length:") + 15
            stop = head.find(b"\r\n", start)
            self.need = end + 4 + int(head[start : stop if stop > 0 else None])
            self.close_after = b"connection: close" in head
        if len(self.buffer) < self.need:
            return
        self.run.latencies.append(time.perf_counter() - self.started)
        del self.buffer[: self.need]
        self.need = -1
        if self.close_after:
            assert self.transport is not None
            self.transport.close()
            self.run.reconnect(self)
        else:
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and not self.run.error:
            self.run.error = f"connection lost: {exc}"
        self.run.closed(self)


class _Run:
    def __init__(self, port: int, request: bytes, total: int, deadline: float) -> None:
        self.port = port
        self.request = request
        self.left = total
        self.deadline = deadline
        self.latencies: list[float] = []
        self.error: str | None = None
        self.open = 0
        self.pending: set[asyncio.Future[None]] = set()
        self.done = asyncio.get_running_loop().create_future()

    def take(self) -> bool:
        if self.left <= 0 or time.perf_counter() > self.deadline or self.error:
            return False
        self.left -= 1
        return True

    async def connect(self) -> None:
        self.open += 1
        loop = asyncio.get_running_loop()
        await loop.create_connection(lambda: _Client(self.request, self), "127.0.0.1", self.port)

    def reconnect(self, _client: _Client) -> None:
        if self.take():
            self.left += 1  # taken again by the new connection's first send
            self.pending.add(asyncio.ensure_future(self.connect()))

    def closed(self, _client: _Client) -> None:
        self.open -= 1
        if self.open == 0 and not self.done.done():
            self.done.set_result(None)


async def _load(
    port: int, body: bytes, total: int, concurrency: int, seconds: float
) -> dict[str, float]:
    request = (
        f"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
        f"Accept: text/csv\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    warm = _Run(port, request, 20, float("inf"))  # warm-up
    await warm.connect()
    await warm.done
    start = time.perf_counter()
    # bounded: ≤ total requests, and a slow server gets fewer in the same time
    run = _Run(port, request, total, start + seconds)
    await asyncio.gather(*(run.connect() for _ in range(concurrency)))
    await run.done
    elapsed = time.perf_counter() - start
    if run.error:
        raise RuntimeError(f"unexpected answer: {run.error}")
    latencies = sorted(run.latencies)
    return {
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
        "rps": len(latencies) / elapsed,
        "n": len(latencies),
    }


def load_main(args: argparse.Namespace) -> None:
    body = Path(args.body).read_bytes()
    result = asyncio.run(_load(args.port, body, args.requests, args.concurrency, args.seconds))
    print(json.dumps(result))


# ---- orchestration -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ping(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/ping")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not answer /ping")


def _train(work: Path) -> tuple[Path, list[list[float]]]:
    import numpy as np
    import pandas as pd
    import xgboost as xgb

    if CHURN.is_file():
        frame = pd.read_csv(CHURN)
        label = frame.pop("Churn").astype(int)
        for column in ("Int_l_Plan", "VMail_Plan"):
            frame[column] = (frame[column] == "yes").astype(int)
        features = (
            frame.select_dtypes("number").drop(columns=["customerID"]).to_numpy(dtype=np.float32)
        )
    else:  # pragma: no cover - without the shared data set
        rng = np.random.default_rng(0)
        features = rng.random((5000, 22), dtype=np.float32)
        label = (features[:, 0] > 0.5).astype(int)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 5, "eta": 0.2},
        xgb.DMatrix(features, label=label),
        num_boost_round=100,
    )
    model_dir = work / "model"
    model_dir.mkdir()
    booster.save_model(str(model_dir / "xgboost-model.ubj"))
    (model_dir / "xgboost-model.ubj").rename(model_dir / "xgboost-model")
    return model_dir / "xgboost-model", features[:100].tolist()


def _measure(
    port: int, body: Path, requests: int, concurrency: int, seconds: float
) -> dict[str, float]:
    out = subprocess.run(
        [
            PY,
            __file__,
            "--load",
            "--port",
            str(port),
            "--body",
            str(body),
            "--requests",
            str(requests),
            "--concurrency",
            str(concurrency),
            "--seconds",
            str(seconds),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0, help="time cap per phase")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds per payload; figures are medians"
    )
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--body", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_main(args)
        return
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        model, rows = _train(work)
        bodies = {}
        for label, count in (("1 row", 1), ("100 rows", 100)):
            path = work / f"body-{count}.csv"
            path.write_text("\n".join(",".join(map(str, r)) for r in rows[:count]))
            bodies[label] = path
        (work / "reference_app.py").write_text(REFERENCE_APP)
        (work / "gunicorn_conf.py").write_text(GUNICORN_CONF)
        workers = os.cpu_count() or 1
        servers = {}
        ours_port = _free_port()
        servers[f"glue-wf server ({workers} processes)"] = (
            ours_port,
            subprocess.Popen(
                [
                    PY,
                    "-m",
                    "glue_workflow.local.sagemaker.server",
                    "--model-dir",
                    str(model.parent),
                    "--port",
                    str(ours_port),
                    "--workers",
                    str(workers),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        )
        ref_port = _free_port()
        reference = f"Flask + gunicorn ({workers} workers x 4 threads)"  # as the container
        servers[reference] = (
            ref_port,
            subprocess.Popen(
                [
                    PY,
                    "-m",
                    "gunicorn",
                    "--chdir",
                    str(work),
                    "-c",
                    str(work / "gunicorn_conf.py"),
                    "-w",
                    str(workers),
                    "--threads",
                    "4",
                    "--keep-alive",
                    "60",
                    "-b",
                    f"127.0.0.1:{ref_port}",
                    "--log-level",
                    "warning",
                    "reference_app:app",
                ],
                env={**os.environ, "BENCH_MODEL": str(model)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
        )
        try:
            for port, proc in servers.values():
                _wait_ping(port, proc)
            print(
                f"requests per phase: ≤ {args.requests} (c=1: ≤ {args.requests // 2}) or "
                f"{args.seconds:g} s; median of {args.rounds} alternating rounds; load from a "
                "separate process on 127.0.0.1\n"
            )
            print(
                "| server | payload | p50 ms (c=1) | p99 ms (c=1) | req/s (c=1) "
                f"| req/s (c={args.concurrency}) |"
            )
            print("|---|---|---:|---:|---:|---:|")
            results: dict[tuple[str, str], float] = {}
            for label, body in bodies.items():
                runs: dict[str, list[tuple[dict[str, float], dict[str, float]]]] = {
                    name: [] for name in servers
                }
                for _ in range(args.rounds):  # alternate: both see the same machine load
                    for name, (port, _) in servers.items():
                        single = _measure(port, body, args.requests // 2, 1, args.seconds)
                        loaded = _measure(port, body, args.requests, args.concurrency, args.seconds)
                        runs[name].append((single, loaded))
                for name, measured in runs.items():

                    def med(index: int, key: str, of: list[Any] = measured) -> float:
                        return statistics.median(m[index][key] for m in of)

                    results[(name, label)] = med(1, "rps")
                    print(
                        f"| {name} | {label} | {med(0, 'p50_ms'):.2f} | "
                        f"{med(0, 'p99_ms'):.2f} | {med(0, 'rps'):.0f} | "
                        f"{med(1, 'rps'):.0f} |",
                        flush=True,
                    )
            ours, ref = list(servers)
            print()
            for label in bodies:
                ratio = results[(ours, label)] / results[(ref, label)]
                print(
                    f"throughput ratio {label} (c={args.concurrency}): {ratio:.1f}x the reference"
                )
        finally:
            for _, proc in servers.values():
                proc.terminate()
                proc.wait(timeout=10)


if __name__ == "__main__":
    main()
