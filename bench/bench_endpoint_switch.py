"""An endpoint under load across blue/green switches, and its stalled connections.

A fresh local home; the churn XGBoost model (100 rounds, depth 5) as model.tar.gz in
the local S3, behind two endpoint configs. 50 clients (5 processes x 10 threads, each
with its own boto3 ``sagemaker-runtime`` client: the route every local caller takes)
call InvokeEndpoint with one CSV row, back to back. After a steady window the endpoint
is switched with UpdateEndpoint (blue/green) ``--switches`` times, the configs
alternating. Printed: requests and failed requests; latency (p50 / p99 / max) of the
requests started in the steady window and in each switch window (UpdateEndpoint call
to its return + 1 s), as ratios to the steady window of the same run.

Then, with the clients stopped, the endpoint's connection handling:
* stalled connections: ``--stalled`` connections that never send a byte and as many
  that send half a request; how many are still open after the idle timeout and after
  the request timeout (the server's limits, see
  ``glue_workflow/local/sagemaker/connections.py``);
* the cap: ``--flood`` connections opened at once; how many are served and how many
  are answered 503 with Retry-After.

    .venv/bin/python bench/bench_endpoint_switch.py [--switches 3] [--request-timeout 60]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import select
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_endpoint_start import KW, local_model

NAME = "switch"

Record = tuple[float, float, str]  # (started, seconds, error or "")


def _clients(home: str, row: str, threads: int, ready: Any, stop: Any, out: Any) -> None:
    """One client process: ``threads`` callers, each with its own boto3 client."""
    import boto3
    from botocore.exceptions import ClientError

    from glue_workflow.local import install

    install(home)
    runtimes = [boto3.client("sagemaker-runtime", **KW) for _ in range(threads)]
    records: list[list[Record]] = [[] for _ in range(threads)]

    def call(runtime: Any, mine: list[Record]) -> None:
        while not stop.is_set():
            started = time.monotonic()
            error = ""
            try:
                runtime.invoke_endpoint(EndpointName=NAME, ContentType="text/csv", Body=row)[
                    "Body"
                ].read()
            except ClientError as exc:
                error = f"{exc.response['Error']['Code']}: {exc.response['Error']['Message']}"
            except Exception as exc:  # anything else a caller would see
                error = f"{type(exc).__name__}: {exc}"
            mine.append((started, time.monotonic() - started, error[:200]))

    workers = [
        threading.Thread(target=call, args=(runtime, mine))
        for runtime, mine in zip(runtimes, records, strict=True)
    ]
    ready.release()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put([r for mine in records for r in mine])


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _window(records: list[Record], start: float, end: float) -> list[float]:
    return [seconds for started, seconds, error in records if start <= started < end and not error]


def _open_count(socks: list[socket.socket]) -> int:
    """Connections the server has not closed yet (answers read and dropped)."""
    still = 0
    for sock in socks:
        if sock.fileno() < 0:
            continue
        closed = False
        while select.select([sock], [], [], 0)[0]:
            try:
                if not sock.recv(65536):
                    closed = True
                    break
            except OSError:
                closed = True
                break
        if closed:
            sock.close()
        else:
            still += 1
    return still


def _stalled(port: int, count: int, idle: float, request: float) -> None:
    silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    for sock in slow:
        sock.sendall(b"POST /invocations HTTP/1.1\r\nContent-Length: 100\r\n\r\n0.1,")
    opened = time.monotonic()
    print(f"stalled connections: {count} silent + {count} sending half a request")
    for label, wait in (("idle timeout", idle), ("request timeout", request)):
        time.sleep(max(0.0, opened + wait + 1.0 - time.monotonic()))
        print(
            f"  {time.monotonic() - opened:5.1f} s (> {label} {wait:g} s): still open "
            f"{_open_count(silent)} silent, {_open_count(slow)} half-request"
        )
    for sock in silent + slow:
        sock.close()


def _flood(port: int, count: int) -> None:
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    statuses: dict[str, int] = {}
    retry_after = set()
    for sock in socks:
        sock.settimeout(30)
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    for sock in socks:
        try:
            head = sock.recv(65536).split(b"\r\n\r\n", 1)[0].decode("latin-1")
        except OSError as exc:
            head = f"error {exc}"
        status = " ".join(head.split("\r\n", 1)[0].split(" ")[1:2]) or "closed"
        statuses[status] = statuses.get(status, 0) + 1
        retry_after |= {h for h in head.split("\r\n") if h.lower().startswith("retry-after")}
        sock.close()
    print(
        f"cap: {count} connections at once: "
        + ", ".join(f"{n} answered {s}" for s, n in sorted(statuses.items()))
        + (f" ({', '.join(sorted(retry_after))})" if retry_after else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--steady", type=float, default=5.0)
    parser.add_argument("--switches", type=int, default=3)
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between switches")
    parser.add_argument("--stalled", type=int, default=150)
    parser.add_argument("--flood", type=int, default=1100)
    parser.add_argument(
        "--request-timeout", type=float, help="the servers' request timeout (default: 60 s)"
    )
    args = parser.parse_args()
    import boto3

    from glue_workflow.local.sagemaker import spares
    from glue_workflow.local.sagemaker.connections import Limits
    from glue_workflow.local.sagemaker.endpoints import endpoint_url
    from glue_workflow.local.store import LocalHome

    if args.request_timeout:
        os.environ[Limits.ENV["request_timeout"]] = str(args.request_timeout)
    limits = Limits.from_env()
    with tempfile.TemporaryDirectory() as scratch:
        configs = ["blue", "green"]
        home, _, row = local_model(Path(scratch), configs)
        sm = boto3.client("sagemaker", **KW)
        sm.create_endpoint(EndpointName=NAME, EndpointConfigName="blue")
        spawn = multiprocessing.get_context("spawn")
        ready, stop, out = spawn.Semaphore(0), spawn.Event(), spawn.Queue()
        procs = [
            spawn.Process(target=_clients, args=(str(home), row, args.threads, ready, stop, out))
            for _ in range(args.procs)
        ]
        for proc in procs:
            proc.start()
        for _ in procs:
            ready.acquire()
        time.sleep(2.0)  # warm-up
        steady = (time.monotonic(), time.monotonic() + args.steady)
        time.sleep(args.steady)
        switches = []
        for i in range(args.switches):
            began = time.monotonic()
            sm.update_endpoint(EndpointName=NAME, EndpointConfigName=configs[(i + 1) % 2])
            switches.append((began, time.monotonic()))
            time.sleep(args.gap)
        stop.set()
        records = [r for _ in procs for r in out.get()]
        for proc in procs:
            proc.join()
        failed = [r for r in records if r[2]]
        clients = args.procs * args.threads
        print(
            f"{clients} clients ({args.procs} processes x {args.threads} threads), "
            f"{args.switches} switches: {len(records)} requests, {len(failed)} failed"
        )
        kinds: dict[str, int] = {}
        for _, _, error in failed:
            kinds[error] = kinds.get(error, 0) + 1
        for error, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:5]:
            print(f"  {n} x {error}")
        base = _window(records, *steady)
        p50, p99 = statistics.median(base), _pct(base, 0.99)
        rate = len(base) / (steady[1] - steady[0])
        print(
            f"steady ({args.steady:g} s): {rate:.0f} req/s, p50 {p50 * 1e3:.1f} ms, "
            f"p99 {p99 * 1e3:.1f} ms, max {max(base) * 1e3:.1f} ms"
        )
        for i, (began, done) in enumerate(switches, 1):
            window = _window(records, began, done + 1.0)
            w50, w99 = statistics.median(window), _pct(window, 0.99)
            print(
                f"switch {i}: UpdateEndpoint {done - began:.2f} s; "
                f"{len(window) / (done + 1.0 - began):.0f} req/s "
                f"({len(window) / (done + 1.0 - began) / rate:.2f}x steady), p50 "
                f"{w50 * 1e3:.1f} ms ({w50 / p50:.2f}x), p99 {w99 * 1e3:.1f} ms "
                f"({w99 / p99:.2f}x), max {max(window) * 1e3:.1f} ms"
            )
        url = endpoint_url(home, NAME)
        assert url is not None
        port = int(url.rsplit(":", 1)[1])
        print(f"server limits: {limits}")
        _stalled(port, args.stalled, limits.idle_timeout, limits.request_timeout)
        _flood(port, args.flood)
        sm.delete_endpoint(EndpointName=NAME)
        spares.stop_all(LocalHome(home))
    print(f"load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
