"""The inference server of a local endpoint: the SageMaker XGBoost serving contract.

``python -m glue_workflow.local.sagemaker.server --model-dir DIR --ready-file FILE``
loads ``xgboost-model`` once with ``Booster.load_model`` (never unpickled), listens
on 127.0.0.1 (an ephemeral port unless ``--port``) and writes ``{"port", "pid"}`` to
the ready file once it accepts connections.

* ``GET /ping`` → 200 while the model is loaded.
* ``POST /invocations``: ``text/csv`` (rows of features, no label, no header) or
  ``application/json`` (``{"instances": [[...], ...]}``, ``{"instances": [{"features":
  [...]}]}``, ``{"features": [...]}`` or a list of rows). ``Accept: text/csv`` (default)
  answers comma-separated predictions like the XGBoost container; ``application/json``
  answers ``{"predictions": [{"score": p}, ...]}``. A payload the model cannot score →
  400 with the reason; the server keeps serving.

It is a single-threaded asyncio HTTP/1.1 server with keep-alive: prediction of a few
rows takes well under a millisecond, so one event loop beats a thread or worker pool.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glue_workflow.errors import GlueWfError

MAX_BODY = 6 * 1024 * 1024  # the container's MAX_CONTENT_LENGTH
MAX_HEADER = 64 * 1024
DEFER_ROWS = 16
REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}


class ModelLoadError(GlueWfError):
    """The model file is not an XGBoost model this xgboost version loads."""


class PayloadError(ValueError):
    """The request body cannot be scored (becomes a 400 answer)."""


class Model:
    """One Booster, loaded once; rows → predictions."""

    def __init__(self, model_path: Path) -> None:
        import numpy as np
        import xgboost as xgb

        self.np = np
        booster = xgb.Booster()
        try:
            booster.load_model(str(model_path))
        except xgb.core.XGBoostError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ModelLoadError(
                f"cannot load {model_path.name} as an XGBoost model (JSON/UBJSON/binary model "
                f"formats are accepted; pickled models are refused): {first}"
            ) from None
        booster.set_param({"nthread": 1})
        self.booster = booster
        self.num_features = booster.num_features()
        self._dense = _DensePredict.attach(booster)
        probe = np.linspace(-1.0, 1000.0, 4 * self.num_features, dtype=np.float32)
        probe = probe.reshape(4, self.num_features)
        if self._dense is not None and not np.array_equal(
            self._dense(probe), booster.inplace_predict(probe, validate_features=False)
        ):
            self._dense = None  # an xgboost whose C API differs: use the public call
        self.predict(probe[:1])  # warm up

    def predict(self, rows: Any) -> Any:
        if self._dense is not None and rows.dtype == self.np.float32 and rows.flags.c_contiguous:
            return self._dense(rows)
        return self.booster.inplace_predict(rows, validate_features=False)

    def rows_from_csv(self, text: str) -> Any:
        np, width = self.np, self.num_features
        body = text.strip()
        lines = body.split("\n")
        if body:
            # Fast path: numpy's C CSV reader (float() → float32, like the exact path).
            # Anything it refuses or reads into another shape goes down the paths below.
            try:
                rows = np.loadtxt(lines, delimiter=",", dtype=np.float32, ndmin=2, comments=None)
            except ValueError:
                pass
            else:
                if rows.shape == (len(lines), width):
                    return rows
        if body and all(line.count(",") == width - 1 for line in lines):
            # numpy parses the whole body in C. It stops early (with a warning) at
            # anything that is not a number; the count check then sends the payload
            # down the exact path below, which names the problem.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                values = np.fromstring(body.replace("\n", ","), dtype=np.float32, sep=",")
            if values.size == len(lines) * width:
                return values.reshape(len(lines), width)
        lines = [line for line in body.splitlines() if line.strip()]
        if not lines:
            raise PayloadError("the CSV payload has no rows")
        try:
            rows = [
                [float(v) if v.strip() else math.nan for v in line.split(",")] for line in lines
            ]
        except ValueError as exc:
            raise PayloadError(
                f"Loading csv data failed: {exc}; send numeric features only, comma-separated, "
                "no header and no label column"
            ) from None
        return self._matrix(rows)

    def rows_from_json(self, text: str) -> Any:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise PayloadError(f"the JSON payload is not valid JSON: {exc}") from None
        if isinstance(data, dict):
            if "instances" in data:
                data = data["instances"]
            elif "features" in data:
                data = [data["features"]]
            else:
                raise PayloadError(
                    'JSON payload must be {"instances": [[...], ...]}, {"instances": '
                    '[{"features": [...]}]}, {"features": [...]} or a list of rows'
                )
        if isinstance(data, list) and data and all(isinstance(v, (int, float)) for v in data):
            data = [data]
        if not isinstance(data, list) or not data:
            raise PayloadError("the JSON payload has no instances")
        rows = []
        for item in data:
            row = item.get("features") if isinstance(item, dict) else item
            if not isinstance(row, list) or not all(
                (isinstance(v, (int, float)) and not isinstance(v, bool)) or v is None for v in row
            ):
                raise PayloadError(f"instance {item!r} is not a list of numbers")
            rows.append([math.nan if v is None else float(v) for v in row])
        return self._matrix(rows)

    def _matrix(self, rows: list[list[float]]) -> Any:
        widths = {len(row) for row in rows}
        if len(widths) != 1:
            raise PayloadError(f"rows have different numbers of features: {sorted(widths)}")
        width = widths.pop()
        if width != self.num_features:
            raise PayloadError(
                f"Feature size of inference data {width} is not consistent with feature size "
                f"of trained model {self.num_features}"
            )
        return self.np.asarray(rows, dtype=self.np.float32)


class _DensePredict:
    """``Booster.inplace_predict`` of a C-contiguous float32 matrix, minus its per-call
    Python (type dispatch, imports, JSON of constant arguments: ~100 µs a request).

    It makes the same C call (``XGBoosterPredictFromDense``) with the same arguments;
    ``Model`` checks it against ``inplace_predict`` at load and falls back if they differ.
    """

    def __init__(self, booster: Any, lib: Any, check: Any) -> None:
        import ctypes

        self.ctypes = ctypes
        self.booster = booster  # keeps the handle alive
        self.lib, self.check = lib, check
        self.args = json.dumps(
            {
                "type": 0,
                "training": False,
                "iteration_begin": 0,
                "iteration_end": 0,
                "missing": math.nan,
                "strict_shape": False,
                "cache_id": 0,
            }
        ).encode()

    @classmethod
    def attach(cls, booster: Any) -> _DensePredict | None:
        try:
            from xgboost.core import _LIB, _check_call
        except ImportError:
            return None
        if not hasattr(_LIB, "XGBoosterPredictFromDense"):
            return None
        return cls(booster, _LIB, _check_call)

    def __call__(self, rows: Any) -> Any:
        import numpy as np

        ctypes = self.ctypes
        rows_n, width = rows.shape
        interface = (
            f'{{"data": [{rows.ctypes.data}, true], "shape": [{rows_n}, {width}], '
            '"strides": null, "typestr": "<f4", "version": 3}'
        ).encode()
        shape = ctypes.POINTER(ctypes.c_uint64)()  # xgboost's bst_ulong
        dims = ctypes.c_uint64()
        preds = ctypes.POINTER(ctypes.c_float)()
        self.check(
            self.lib.XGBoosterPredictFromDense(
                self.booster.handle,
                interface,
                self.args,
                ctypes.c_void_p(),
                ctypes.byref(shape),
                ctypes.byref(dims),
                ctypes.byref(preds),
            )
        )
        out_shape = tuple(int(shape[i]) for i in range(dims.value))
        size = math.prod(out_shape)
        # Copied out: the buffer belongs to xgboost and is reused by the next call.
        return np.ctypeslib.as_array(preds, shape=(size,)).copy().reshape(out_shape)


def encode(predictions: Any, accept: str) -> tuple[bytes, str]:
    values = predictions.tolist()
    if accept == "application/json":
        return json.dumps({"predictions": [{"score": v} for v in values]}).encode(), accept
    if values and isinstance(values[0], list):
        text = "\n".join(",".join(map(str, row)) for row in values)
    else:
        text = ",".join(map(str, values))
    return text.encode(), "text/csv"


@dataclass(frozen=True, kw_only=True)
class Deferred:
    """Rows to predict off the event loop (large batches), and the answer's media type."""

    rows: Any
    accept: str


class Handler:
    def __init__(self, model: Model, *, defer_rows: int | None = None) -> None:
        self.model = model
        # Batches of at least this many rows are predicted on a worker thread: xgboost
        # releases the GIL, so big batches use every core while small ones stay inline.
        self.defer_rows = defer_rows

    def __call__(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes, str] | Deferred:
        path = path.split("?", 1)[0]
        if path == "/ping":
            if method != "GET":
                return 405, b"use GET /ping", "text/plain"
            return 200, b"", "text/plain"
        if path == "/execution-parameters" and method == "GET":
            params = {
                "MaxConcurrentTransforms": 1,
                "BatchStrategy": "MULTI_RECORD",
                "MaxPayloadInMB": 6,
            }
            return 200, json.dumps(params).encode(), "application/json"
        if path != "/invocations":
            return (
                404,
                f"no route {path}: use GET /ping or POST /invocations".encode(),
                "text/plain",
            )
        if method != "POST":
            return 405, b"use POST /invocations", "text/plain"
        if not body:
            return 204, b"", "text/plain"
        content_type = _media(headers.get("content-type", "text/csv"))
        accept = _media(headers.get("accept", "text/csv"))
        if accept in ("*/*", ""):
            accept = "text/csv"
        if accept not in ("text/csv", "application/json"):
            return (
                406,
                f"Accept {accept} not supported: use text/csv or application/json".encode(),
                "text/plain",
            )
        try:
            text = body.decode("utf-8")
            if content_type == "text/csv":
                rows = self.model.rows_from_csv(text)
            elif content_type == "application/json":
                rows = self.model.rows_from_json(text)
            else:
                return (
                    415,
                    (
                        f"Content-type {content_type} not supported: use text/csv or "
                        "application/json"
                    ).encode(),
                    "text/plain",
                )
            if self.defer_rows is not None and len(rows) >= self.defer_rows:
                return Deferred(rows=rows, accept=accept)
            predictions = self.model.predict(rows)
        except (PayloadError, UnicodeDecodeError) as exc:
            return 400, f"Unable to evaluate payload provided: {exc}".encode(), "text/plain"
        except Exception as exc:  # xgboost errors on odd input: still the client's payload
            return 400, f"Unable to evaluate payload provided: {exc}".encode(), "text/plain"
        data, media = encode(predictions, accept)
        return 200, data, media


def _media(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


class HttpProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1: Content-Length bodies, keep-alive, no chunked requests."""

    def __init__(self, handler: Handler, pool: ThreadPoolExecutor | None = None) -> None:
        self.handler = handler
        self.pool = pool
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.busy = False  # a deferred prediction is running: answers stay in order

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while not self.busy and self.transport is not None and not self.transport.is_closing():
            if not self._one():
                break

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
        connection = headers.get("connection", "").lower()
        close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        answer = self.handler(method, target, headers, body)
        if isinstance(answer, Deferred):
            self.busy = True
            future = asyncio.get_running_loop().run_in_executor(
                self.pool, self.handler.model.predict, answer.rows
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
        self.data_received(b"")  # requests that arrived meanwhile

    def _reply(
        self, status: int, body: bytes, media: str, *, close: bool, version: str = "HTTP/1.1"
    ) -> None:
        assert self.transport is not None
        head = (
            f"{version} {status} {REASONS.get(status, 'Unknown')}\r\n"
            f"Content-Type: {media}\r\nContent-Length: {len(body)}\r\n"
            f"{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n"
        )
        self.transport.write(head.encode("latin-1") + body)
        if close:
            self.transport.close()


async def serve(
    model_dir: Path,
    ready_file: Path | None,
    host: str,
    port: int,
    *,
    workers: int = 1,
    parent: int | None = None,
) -> None:
    """Serve until SIGTERM. ``workers`` > 1: extra copies share the port (SO_REUSEPORT)."""
    from glue_workflow.local.sagemaker.artifacts import model_file

    model = Model(model_file(model_dir))
    loop = asyncio.get_running_loop()
    threads = max(1, min(4, os.cpu_count() or 1))
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="predict")
    handler = Handler(model, defer_rows=DEFER_ROWS if threads > 1 else None)
    server = await loop.create_server(
        lambda: HttpProtocol(handler, pool),
        host,
        port,
        reuse_address=True,
        reuse_port=workers > 1 or parent is not None,
        backlog=1024,
    )
    bound = server.sockets[0].getsockname()[1]
    print(f"serving {model_dir} on http://{host}:{bound} (pid {os.getpid()})", flush=True)
    extra = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                __spec__.name if __spec__ else "glue_workflow.local.sagemaker.server",
                "--model-dir",
                str(model_dir),
                "--host",
                host,
                "--port",
                str(bound),
                "--parent",
                str(os.getpid()),
            ],
        )
        for _ in range(workers - 1)
    ]
    if ready_file is not None:
        partial = ready_file.with_name(ready_file.name + ".partial")
        partial.write_text(json.dumps({"port": bound, "pid": os.getpid()}))
        partial.replace(ready_file)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if parent is not None:  # a worker copy ends with the server that started it

        async def watch() -> None:
            while os.getppid() == parent:
                await asyncio.sleep(1.0)
            stop.set()

        watcher = asyncio.ensure_future(watch())
    async with server:
        await stop.wait()
    if parent is not None:
        watcher.cancel()
    for proc in extra:
        proc.terminate()
    for proc in extra:
        proc.wait(timeout=10)
    print("stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glue-wf-inference-server")
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--ready-file", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="server processes sharing the port (default: up to 2, one per core)",
    )
    parser.add_argument("--parent", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--token", default="")  # identifies the process (see procs)
    args = parser.parse_args(argv)
    try:
        asyncio.run(
            serve(
                args.model_dir,
                args.ready_file,
                args.host,
                args.port,
                workers=1 if args.parent else max(1, args.workers),
                parent=args.parent,
            )
        )
    except GlueWfError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
