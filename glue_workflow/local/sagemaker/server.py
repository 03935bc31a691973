"""The inference server of a local endpoint: the SageMaker XGBoost serving contract.

``python -m glue_workflow.local.sagemaker.server --model-dir DIR --ready-file FILE``
loads ``xgboost-model`` once with ``Booster.load_model`` (never unpickled), listens
on 127.0.0.1 (an ephemeral port unless ``--port``) and writes ``{"port", "pid"}`` to
the ready file once it accepts connections.

* ``GET /ping`` → 200 while the model is loaded.
* ``POST /invocations``: ``text/csv`` (rows of features, no label, no header); any
  other request type is answered 415 as the XGBoost container answers it (JSON is not
  one it reads). ``Accept: text/csv`` (default) answers comma-separated predictions like
  the container; ``application/json`` answers ``{"predictions": [{"score": p}, ...]}``.
  A payload the model cannot score → 400 with the reason; the server keeps serving.

It is a single-threaded asyncio HTTP/1.1 server with keep-alive: prediction of a few
rows takes well under a millisecond, so one event loop beats a thread or worker pool.
Connection limits, timeouts and the drain on SIGTERM: see ``connections``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from glue_workflow.errors import GlueWfError
from glue_workflow.local.netguard import header_host
from glue_workflow.local.sagemaker import procs, spares
from glue_workflow.local.sagemaker.connections import Connections, Deferred, HttpProtocol, Limits
from glue_workflow.local.sagemaker.scoring import Model, PayloadError, encode

DEFER_ROWS = 16
WATCH_SECONDS = 1.0  # how often a server checks that its parent and its folder remain


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
        if not loopback_host(headers.get("host", "")):
            # a web page whose name was re-pointed at 127.0.0.1 (DNS rebinding) would
            # otherwise read the model's answers
            return (
                403,
                b"the Host header names another site: call the endpoint at its "
                b"http://127.0.0.1:<port> address",
                "text/plain",
            )
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
        refused = content_type_refusal(content_type)
        if refused is not None:
            return 415, refused.encode(), "text/plain"
        try:
            rows = self.model.rows_from_csv(body.decode("utf-8"))
            if self.defer_rows is not None and len(rows) >= self.defer_rows:
                return Deferred(rows=rows, accept=accept)
            predictions = self.model.predict(rows)
        except (PayloadError, UnicodeDecodeError) as exc:
            return 400, f"Unable to evaluate payload provided: {exc}".encode(), "text/plain"
        except Exception as exc:  # xgboost errors on odd input: still the client's payload
            return 400, f"Unable to evaluate payload provided: {exc}".encode(), "text/plain"
        data, media = encode(predictions, accept)
        return 200, data, media


# The XGBoost container's request content types (data_utils.py VALID_CONTENT_TYPES and
# INVALID_CONTENT_TYPE_ERROR, aws/sagemaker-xgboost-container): anything else, JSON
# included, is answered 415 with this text ("ModelError (415) - application/json is not
# an accepted ContentType" in users' reports).
CONTAINER_CONTENT_TYPES = (
    "csv", "libsvm", "parquet", "recordio-protobuf", "text/csv", "text/libsvm",
    "text/x-libsvm", "application/x-parquet", "application/x-recordio-protobuf",
)  # fmt: skip
CSV_TYPES = ("csv", "text/csv")


def content_type_refusal(content_type: str) -> str | None:
    """Why the endpoint answers 415 to a request body of ``content_type``; None for CSV."""
    if content_type in CSV_TYPES:
        return None
    if content_type in CONTAINER_CONTENT_TYPES:
        return (
            f"{content_type} is read by the XGBoost container but not by the glue-wf local "
            "endpoint server: send text/csv rows (ContentType='text/csv'; without one the "
            "container reads text/libsvm)"
        )
    return f"{content_type} is not an accepted ContentType: {', '.join(CONTAINER_CONTENT_TYPES)}."


def loopback_host(value: str) -> bool:
    """Whether a request's ``Host`` header names this machine's loopback (or is absent,
    as HTTP/1.0 allows), with any port."""
    import ipaddress

    if not value.strip():
        return True
    host = header_host(value)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _media(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _import_xgboost_core() -> None:
    """Import xgboost, keeping scikit-learn and pandas out of this process for good.

    ``xgboost.compat`` imports both (scikit-learn brings scipy.stats) whenever they are
    installed, and the first prediction imports pandas to ask whether its input is a
    DataFrame: together most of a new server's start (about 6 of 7 s under load). The
    server scores numpy arrays and uses neither, so here they read as not installed.
    """
    if "xgboost" in sys.modules:
        return
    for name in ("sklearn", "pandas"):
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # `import name` fails
    import xgboost  # noqa: F401


async def serve(
    model_dir: Path,
    ready_file: Path | None,
    host: str,
    port: int,
    *,
    workers: int = 1,
    parent: int | None = None,
    limits: Limits | None = None,
) -> None:
    """Serve until SIGTERM, then drain. ``workers`` > 1: copies share the port (SO_REUSEPORT)."""
    from glue_workflow.local.sagemaker.artifacts import model_file

    limits = limits or Limits.from_env()
    _import_xgboost_core()
    model = Model(model_file(model_dir))
    loop = asyncio.get_running_loop()
    threads = max(1, min(4, os.cpu_count() or 1))
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="predict")
    handler = Handler(model, defer_rows=DEFER_ROWS if threads > 1 else None)
    hub = Connections(limits)
    server = await loop.create_server(
        lambda: HttpProtocol(handler, model.predict, hub, pool),
        host,
        port,
        reuse_address=True,
        reuse_port=workers > 1 or parent is not None,
        backlog=1024,
    )
    bound = server.sockets[0].getsockname()[1]
    print(f"serving {model_dir} on http://{host}:{bound} (pid {os.getpid()}); {limits}", flush=True)
    if ready_file is not None:
        partial = ready_file.with_name(ready_file.name + ".partial")
        partial.write_text(json.dumps({"port": bound, "pid": os.getpid()}))
        partial.replace(ready_file)
    # Copies start after the ready file: the endpoint answers while they import.
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
            env={**os.environ, **limits.as_env()},  # a claimed spare's limits came with it
        )
        for _ in range(workers - 1)
    ]
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def watch() -> None:
        """A worker copy ends with the server that started it; a server whose ready
        file's folder is gone (its local home deleted: nothing can delete its endpoint
        any more) ends too, instead of holding its port and memory for ever."""
        while not stop.is_set() and (parent is None or os.getppid() == parent):
            if ready_file is not None and not ready_file.parent.is_dir():
                print(f"{ready_file.parent} is gone: stopping", flush=True)
                break
            await asyncio.sleep(WATCH_SECONDS)
        stop.set()

    watcher = asyncio.ensure_future(watch())
    sweeper = asyncio.ensure_future(hub.sweep())
    await stop.wait()
    # Whoever stopped this server may not wait to kill it: it bounds its own stop.
    deadline = threading.Timer(limits.stop_grace, os._exit, (1,))
    deadline.daemon = True
    deadline.start()
    print(f"draining {len(hub.open)} connections", flush=True)
    await hub.drain(server)
    sweeper.cancel()
    watcher.cancel()
    for proc in extra:
        proc.terminate()  # each copy drains its own connections
    for proc in extra:
        proc.wait(timeout=limits.stop_grace)
    print("stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glue-wf-inference-server")
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--spare", type=Path, help=argparse.SUPPRESS)  # see spares
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
    limits = None
    if args.spare is not None:
        spares.announce(args.spare, args.token)
        _import_xgboost_core()  # what makes a spare worth having
        work = spares.wait_for_work(args.spare, args.token)
        if work is None:
            return 0
        procs.log_to(Path(work["log"]))
        args.model_dir, args.ready_file = Path(work["model_dir"]), Path(work["ready_file"])
        limits = Limits(**work["limits"])
    elif args.model_dir is None:
        parser.error("--model-dir is required")
    try:
        asyncio.run(
            serve(
                args.model_dir,
                args.ready_file,
                args.host,
                args.port,
                workers=1 if args.parent else max(1, args.workers),
                parent=args.parent,
                limits=limits,
            )
        )
    except GlueWfError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
