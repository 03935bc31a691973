"""Validate + compile time for generated workflows (chains and fan-out/fan-in).

    .venv/bin/python bench/bench_compile.py

Each node reads the property its predecessor writes, so the run-property contract
check does real work. Goal: 100 nodes <= 100 ms, 1,000 nodes <= 1 s, ~linear.
Times are the best of several runs; "check" is the service-model walk of every
request; the ratio column compares the per-node cost with the 10-node run.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from glue_workflow import naming
from glue_workflow.compiler import (
    CompileContext,
    artifact_filename,
    artifact_sources,
    compile_workflow,
)
from glue_workflow.document import Artifact
from glue_workflow.model import PythonShellJob, Workflow, succeeded
from glue_workflow.servicemodel import check_document
from glue_workflow.validation import validate

WIDTH = 10  # fan-out width


def node(index: int, after: list[int]) -> PythonShellJob:
    return PythonShellJob(
        name=f"n{index}",
        script=f"jobs/n{index % 20}.py",
        after=succeeded(*[f"n{a}" for a in after]) if after else None,
        reads=tuple(f"p{a}" for a in after),
        writes=(f"p{index}",),
    )


def chain(size: int) -> Workflow:
    nodes = [node(i, [i - 1] if i else []) for i in range(size)]
    return Workflow(name="bench", nodes=tuple(nodes), max_concurrent_runs=1)


def fan(size: int) -> Workflow:
    """root -> WIDTH parallel -> join -> WIDTH parallel -> join ..."""
    nodes = [node(0, [])]
    join = 0
    while len(nodes) < size:
        layer = list(range(len(nodes), min(size, len(nodes) + WIDTH)))
        nodes += [node(i, [join]) for i in layer]
        if len(nodes) < size:
            join = len(nodes)
            nodes.append(node(join, layer))
    return Workflow(name="bench", nodes=tuple(nodes), max_concurrent_runs=1)


def context(workflow: Workflow) -> CompileContext:
    artifacts = []
    for source in artifact_sources(workflow):
        digest = hashlib.sha256(source.encode()).hexdigest()
        uri = naming.artifact_uri("bench-bucket", workflow.name, digest, artifact_filename(source))
        artifacts.append(Artifact(source=source, uri=uri, sha256=digest, content=b""))
    return CompileContext(
        bucket="bench-bucket",
        glue_role_arn="arn:aws:iam::123456789012:role/glue",
        sagemaker_role_arn="arn:aws:iam::123456789012:role/sagemaker",
        region="us-east-1",
        xgboost_image_uri="683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5",
        artifacts=tuple(artifacts),
    )


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    check_document(compile_workflow(chain(3), context(chain(3))))  # load the service model
    header = (
        f"{'shape':<6} {'nodes':>6} {'triggers':>8} {'validate':>9} {'compile':>8} "
        f"{'check':>8} {'total ms':>9} {'us/node':>8} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for shape, build in (("chain", chain), ("fan", fan)):
        reference = None
        for size in (10, 100, 1000):
            workflow = build(size)
            ctx = context(workflow)
            repeat = 9 if size <= 100 else 7  # best-of-N: the machine is shared
            problems = [p for p in validate(workflow) if p.severity == "error"]
            assert not problems, problems
            document = compile_workflow(workflow, ctx)
            v = best(lambda w=workflow: validate(w), repeat)
            c = best(lambda w=workflow, x=ctx: compile_workflow(w, x), repeat)
            k = best(lambda d=document: check_document(d), repeat)
            total = v + c + k
            per_node = total * 1000 / size
            reference = reference or per_node
            print(
                f"{shape:<6} {size:>6} {len(document.triggers):>8} {v:>9.1f} {c:>8.1f} "
                f"{k:>8.1f} {total:>9.1f} {per_node:>8.0f} {per_node / reference:>6.2f}"
            )


if __name__ == "__main__":
    main()
