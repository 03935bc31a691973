"""Step caching and ``--rerun-from``, decided inside the job (Glue and local alike).

``run_job`` calls :func:`begin` before the job's ``main``. It reads the compiled
``--glue_wf_cache`` argument and this run's properties, then:

- ``--rerun-from`` (run property ``glue_wf_rerun``): a node upstream of the rerun
  node is *reused*: its outputs were copied from the earlier run into this run's
  properties at start, so the job ends SUCCEEDED at once. The rerun node and
  everything downstream are forced misses.
- ``--no-cache`` (``glue_wf_no_cache=true``): a forced miss.
- otherwise, for a cached node: the key is computed and its entry looked up under
  the node's store prefix. A hit (not expired, outputs still present) puts the
  recorded writes into the run properties and the job ends SUCCEEDED without doing
  its work. A miss says why, against the closest earlier entry.

Every decision goes into the run property ``glue_wf_cache_<node>`` (JSON), which
``status``, ``run --wait`` and the console show. After a miss succeeds,
:meth:`Step.finish` records the entry. Python 3.9, stdlib + boto3.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from glue_workflow.jobkit import cache_store as store
from glue_workflow.jobkit.cache_key import cache_key, differences, key_arguments, objects_digest
from glue_workflow.jobkit.cache_outputs import missing_output
from glue_workflow.jobkit.context import JobContext
from glue_workflow.jobkit.errors import JobInputError
from glue_workflow.jobkit.failure import node_of_job, node_property, one_line_reason

CACHE_ARGUMENT = "glue_wf_cache"
CACHE_PROPERTY_PREFIX = "glue_wf_cache_"
NO_CACHE_PROPERTY = "glue_wf_no_cache"
RERUN_PROPERTY = "glue_wf_rerun"
# An artifact's key holds this many hex digits of its sha256 (naming.DIGEST_CHARS; the
# job library ships without the rest of glue_workflow)
DIGEST_CHARS = 16
ENTRY_VERSION = 1


def cache_property(node: str) -> str:
    """``glue_wf_cache_<node>``: the node's cache decision in this run."""
    return node_property(CACHE_PROPERTY_PREFIX, node)


def files_digest(files: Mapping[str, str]) -> str:
    text = json.dumps(dict(files), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _warn(message: str) -> None:
    print(f"glue-wf cache: {message}", file=sys.stderr, flush=True)


class Step:
    """One job run's cache decision; ``served`` = the work is skipped."""

    def __init__(
        self,
        ctx: JobContext,
        config: Mapping[str, Any],
        node: str,
        *,
        served: bool,
        record: dict[str, Any],
        components: dict[str, Any] | None = None,
        key: str | None = None,
    ) -> None:
        self.ctx, self.config, self.node = ctx, config, node
        self.served, self.record = served, record
        self.components, self.key = components, key

    def finish(self) -> None:
        """After the work succeeded: record the entry (a failure to record only warns)."""
        if self.served or self.key is None or not self.config.get("cache"):
            return
        try:
            s3 = self.ctx.client("s3")
            # an input replaced while the job ran (an upload meanwhile): its result is not
            # the result of the data the key names
            for uri, digest in ((self.components or {}).get("inputs") or {}).items():
                if objects_digest(store.list_objects(s3, uri)) != digest:
                    _warn(
                        f"not recorded: input {uri} changed while this job ran; the next "
                        "run does the work again"
                    )
                    return
            props = self.ctx.properties()
            writes = {w: props[w] for w in self.config.get("writes") or [] if w in props}
            entry = {
                "version": ENTRY_VERSION,
                "node": self.node,
                "key": self.key,
                "components": self.components,
                "writes": writes,
                "outputs": sorted({v for v in writes.values() if v.startswith("s3://")}),
                "run_id": self.ctx.run_id,
                "job_run_id": self.ctx.args.get("JOB_RUN_ID"),
                "created": time.time(),
            }
            store.put_entry(s3, str(self.config["store"]), entry)
        except Exception as exc:  # the work is done: never fail the job over the cache
            _warn(f"could not record the cache entry ({type(exc).__name__}: {exc})")


def begin(argv: Sequence[str] | None = None, session: Any = None) -> Step | None:
    """The cache decision of this job run; None outside a workflow run or without config."""
    from glue_workflow.jobkit.args import parse_arguments

    args = parse_arguments(sys.argv if argv is None else argv)
    raw = args.get(CACHE_ARGUMENT)
    if not raw or not args.get("WORKFLOW_RUN_ID") or not args.get("WORKFLOW_NAME"):
        return None
    try:
        config = json.loads(raw)
    except ValueError:
        raise JobInputError(
            f"job argument --{CACHE_ARGUMENT} is not JSON: redeploy (glue-wf deploy) so the "
            "job gets the argument glue-wf compiles"
        ) from None
    ctx = JobContext(args, session=session)
    node = node_of_job(str(args["WORKFLOW_NAME"]), str(args.get("JOB_NAME") or ""))
    props = ctx.properties()
    rerun = _rerun(props)
    if rerun and node in (rerun.get("reuse") or []):
        return _reuse(ctx, config, node, rerun, props)
    if not config.get("cache"):
        return None
    # why stays set when the key cannot be computed: the job runs, nothing is recorded.
    components, why = _key_components(ctx, config, props)
    key = cache_key(components) if components is not None else None
    if not why and rerun and node in (rerun.get("rerun") or []):
        why = f"--rerun-from {rerun.get('from')} (of run {rerun.get('of')})"
    elif not why and props.get(NO_CACHE_PROPERTY, "").strip().lower() == "true":
        why = "--no-cache"
    if not why and key is not None and components is not None:
        try:
            hit, why = _lookup(ctx, config, key, components)
        except Exception as exc:  # an unreadable cache is a miss, never a failed job
            hit, why = None, f"cache lookup failed ({type(exc).__name__}: {exc})"
        if hit is not None:
            return _serve(ctx, config, node, key, hit)
    record = {"decision": "ran", "why": one_line_reason(why), "key": (key or "")[:16]}
    record["files"] = files_digest(config.get("files") or {})
    ctx.put(**{cache_property(node): json.dumps(record, sort_keys=True)})
    print(f"glue-wf cache: {node} runs: {record['why']}", flush=True)
    return Step(ctx, config, node, served=False, record=record, components=components, key=key)


def _rerun(props: Mapping[str, str]) -> dict[str, Any] | None:
    raw = props.get(RERUN_PROPERTY)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise JobInputError(
            f"run property {RERUN_PROPERTY} is not the JSON glue-wf run --rerun-from sets; "
            "start the run with glue-wf run --rerun-from NODE"
        ) from None
    return value if isinstance(value, dict) else None


def _reuse(
    ctx: JobContext,
    config: Mapping[str, Any],
    node: str,
    rerun: Mapping[str, Any],
    props: Mapping[str, str],
) -> Step:
    earlier = str(rerun.get("of"))
    missing = [w for w in config.get("writes") or [] if w not in props]
    if missing:
        raise JobInputError(
            f"--rerun-from {rerun.get('from')}: node {node} is reused from run {earlier}, "
            f"but that run has no {', '.join(missing)}: rerun from {node} instead"
        )
    record = {
        "decision": "reused",
        "run": earlier,
        "why": f"upstream of --rerun-from {rerun.get('from')}",
        "files": files_digest(config.get("files") or {}),
    }
    ctx.put(**{cache_property(node): json.dumps(record, sort_keys=True)})
    print(f"glue-wf cache: {node} reused from run {earlier} (--rerun-from)", flush=True)
    return Step(ctx, config, node, served=True, record=record)


def _serve(
    ctx: JobContext, config: Mapping[str, Any], node: str, key: str, entry: Mapping[str, Any]
) -> Step:
    record = {
        "decision": "cached",
        "run": entry.get("run_id"),
        "key": key[:16],
        "files": files_digest(config.get("files") or {}),
    }
    writes = {str(k): str(v) for k, v in (entry.get("writes") or {}).items()}
    ctx.put(**writes, **{cache_property(node): json.dumps(record, sort_keys=True)})
    print(f"glue-wf cache: {node} served from run {entry.get('run_id')} (key {key[:16]})")
    return Step(ctx, config, node, served=True, record=record, key=key)


def _key_components(
    ctx: JobContext, config: Mapping[str, Any], props: Mapping[str, str]
) -> tuple[dict[str, Any] | None, str]:
    """``(components, "")``, or ``(None, why)`` when an input cannot be read."""
    try:
        return _components(ctx, config, props), ""
    except JobInputError:
        raise
    except Exception as exc:  # e.g. an input prefix the role cannot list
        return None, f"cache key not computed ({type(exc).__name__}: {exc})"


def _components(
    ctx: JobContext, config: Mapping[str, Any], props: Mapping[str, str]
) -> dict[str, Any]:
    reads = {name: props.get(name) for name in config.get("reads") or []}
    inputs: dict[str, str] = {}
    for name in config.get("inputs") or []:
        uri = ctx.args.get(name) or props.get(name)
        if not uri:
            continue  # an unset input: its read value (None) is in the key already
        if not uri.startswith("s3://"):
            raise JobInputError(
                f"cache input {name}={uri!r} is not an s3:// URI: cache inputs name run "
                "properties or arguments whose values are S3 URIs"
            )
        inputs[uri] = objects_digest(store.list_objects(ctx.client("s3"), uri))
    files = dict(config.get("files") or {})
    # A file argument the run overrides (glue-wf job --arg dataset_config_uri=...) is not
    # the deployed artifact the files' hashes stand for (a content-addressed URI holding
    # one of them): its objects enter the key as an input's do.
    deployed = {f"/{digest[:DIGEST_CHARS]}/" for digest in files.values()}
    for name in config.get("file_arguments") or []:
        uri = ctx.args.get(name.lstrip("-").replace("-", "_"))
        if uri and uri.startswith("s3://") and not any(d in uri for d in deployed):
            inputs[uri] = objects_digest(store.list_objects(ctx.client("s3"), uri))
    return {
        "files": files,
        "arguments": key_arguments(ctx.args, list(config.get("file_arguments") or [])),
        "reads": reads,
        "inputs": inputs,
    }


def _lookup(
    ctx: JobContext, config: Mapping[str, Any], key: str, components: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    """``(entry, "")`` on a hit, else ``(None, why)``."""
    s3 = ctx.client("s3")
    location = str(config["store"])
    entry = store.get_entry(s3, location, key)
    if entry is not None:
        expire = config.get("expire_after")
        age = time.time() - float(entry.get("created") or 0)
        if expire is not None and age > float(expire):
            return None, (
                f"the entry of run {entry.get('run_id')} expired "
                f"({_age(age)} old, expire_after {_age(float(expire))})"
            )
        writes = {str(k): str(v) for k, v in (entry.get("writes") or {}).items()}
        reads = (entry.get("components") or {}).get("reads") or {}
        gone = missing_output(ctx.client, writes, entry.get("run_id"), reads)
        return (None, gone) if gone else (entry, "")
    return None, explain_miss(store.list_entries(s3, location), components, config)


# what of a miss's differences is spelled out (the rest are counted)
MISS_REASON_BUDGET = 480


def explain_miss(
    entries: Sequence[Mapping[str, Any]], components: Mapping[str, Any], config: Mapping[str, Any]
) -> str:
    """Why no entry matches: the differences from the closest earlier entry."""
    best: tuple[int, list[str], Mapping[str, Any]] | None = None
    for entry in entries:  # newest first: ties go to the most recent
        found = differences(dict(components), dict(entry.get("components") or {}), config["script"])
        if best is None or len(found) < best[0]:
            best = (len(found), found, entry)
    if best is None:
        return "no earlier entry"
    _, found, entry = best
    # whole differences only: the recorded reason is kept to one line of REASON_MAX
    # characters, and a difference cut in two reads as another one
    shown: list[str] = []
    for difference in found:
        if shown and len("; ".join([*shown, difference])) > MISS_REASON_BUDGET:
            break
        shown.append(difference)
    more = len(found) - len(shown)
    text = "; ".join(shown) or "the entry's key differs"
    if more:
        text += f"; and {more} more difference{'s' if more > 1 else ''}"
    return f"{text} (against run {entry.get('run_id')})"


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"
