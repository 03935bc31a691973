"""Drift check job: compare a new CSV batch with the training baseline, pass or fail.

Arguments (set by the compiler from a ``DriftCheck`` node): ``--drift_name``,
``--drift_baseline`` and ``--drift_batch`` (each ``property:<run property>`` or an
``s3://`` URI), ``--drift_max_psi``, ``--drift_max_missing_increase``,
``--drift_features`` (JSON list, empty = every baseline feature), ``--artifacts_bucket``.
Writes the JSON report under ``s3://<bucket>/glue-wf/<workflow>/runs/<run>/drift/<name>/``
and records ``drift_<name>_decision`` (passed|drifted|error), ``_reason``, ``_max_psi``,
``_max_psi_feature``, ``_drifted``, ``_report_uri``. Ends SUCCEEDED when no feature
drifted; FAILED with "glue-wf job failed: drift check <name>: drifted: ..." otherwise,
or "glue-wf job input error: drift check <name>: ..." when an input cannot be used.
Runs on Glue Python shell 3.9 (standard library + boto3 + glue_workflow.jobkit).
"""

from __future__ import annotations

import bz2
import gzip
import json
import re
from typing import Any

from glue_workflow.jobkit import JobContext, JobFailed, JobInputError, run_job
from glue_workflow.jobkit.drift import PASSED, drift_property, evaluate, properties, read_csv
from glue_workflow.jobkit.drift_baseline import load_baseline
from glue_workflow.jobkit.drift_scan import converted

PROPERTY_PREFIX = "property:"


def _uri(ctx: JobContext, spec: str) -> str:
    if spec.startswith(PROPERTY_PREFIX):
        name = spec[len(PROPERTY_PREFIX) :]
        return ctx.require(name)[name]
    return spec


def _split(uri: str) -> tuple[str, str]:
    match = re.fullmatch(r"s3://([^/]+)/(.+)", uri)
    if match is None:
        raise JobInputError(f"{uri!r} is not an s3://bucket/key URI")
    return match.group(1), match.group(2)


def _read(ctx: JobContext, uri: str, what: str) -> bytes:
    bucket, key = _split(uri)
    s3 = ctx.client("s3")
    try:
        if key.endswith("/"):  # a prefix: its CSV objects in key order, one header kept
            listed = s3.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents") or []
            keys = sorted(o["Key"] for o in listed if o["Key"].endswith(CSV_NAMES))
            if not keys:
                raise JobInputError(f"{what} {uri} holds no .csv (.csv.gz, .csv.bz2) objects")
            parts = [_object(s3, bucket, k, what) for k in keys]
            return _join_csv(parts, uri)
        return _object(s3, bucket, key, what)
    except JobInputError:
        raise
    except Exception as exc:  # botocore ClientError (NoSuchKey, AccessDenied, ...)
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        raise JobInputError(f"cannot read {what} {uri}: {code}") from None


# CSV objects of a batch prefix; compressed ones are read as the ETL reads them (by name)
CSV_NAMES = (".csv", ".csv.gz", ".csv.bz2")


def _object(s3: Any, bucket: str, key: str, what: str) -> bytes:
    data = bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    try:
        if key.lower().endswith(".gz"):
            return gzip.decompress(data)
        if key.lower().endswith(".bz2"):
            return bz2.decompress(data)
    except (OSError, EOFError, ValueError) as exc:
        raise JobInputError(
            f"{what} s3://{bucket}/{key} cannot be decompressed ({exc}): compress it again "
            "and upload it"
        ) from None
    return data


def _join_csv(parts: list[bytes], uri: str) -> bytes:
    header = parts[0].split(b"\n", 1)[0].strip()
    out = [parts[0].rstrip(b"\r\n")]
    for part in parts[1:]:
        first, _, rest = part.partition(b"\n")
        if first.strip() != header:
            raise JobInputError(f"CSV objects under {uri} have different headers")
        if rest.strip():
            out.append(rest.rstrip(b"\r\n"))
    return b"\n".join(out) + b"\n"


def _json(ctx: JobContext, uri: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_read(ctx, uri, what).decode("utf-8"))
    except ValueError as exc:
        raise JobInputError(f"{what} {uri} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise JobInputError(f"{what} {uri} is not a JSON object")
    return value


def _manifest(ctx: JobContext, baseline_uri: str) -> dict[str, Any]:
    """feature_manifest.json beside the baseline, when there is one (column kinds, the
    input's format)."""
    uri = baseline_uri.rsplit("/", 1)[0] + "/feature_manifest.json"
    try:
        return _json(ctx, uri, "feature manifest")
    except JobInputError:
        return {}


def main() -> None:
    ctx = JobContext.from_argv(
        required=("drift_name", "drift_baseline", "drift_batch", "artifacts_bucket")
    )
    name = ctx.args["drift_name"]
    prefix = f"drift check {name}: "
    try:
        max_psi = float(ctx.args.get("drift_max_psi", "0.2"))
        max_missing = float(ctx.args.get("drift_max_missing_increase", "0.1"))
        features = json.loads(ctx.args.get("drift_features") or "[]")
        baseline_uri = _uri(ctx, ctx.args["drift_baseline"])
        batch_uri = _uri(ctx, ctx.args["drift_batch"])
        manifest = _manifest(ctx, baseline_uri)
        document = _json(ctx, baseline_uri, "baseline")
        baselines, notes = load_baseline(document, manifest)
        dataset = document.get("dataset")
        named = f"baseline {baseline_uri}" + (f" (dataset {dataset})" if dataset else "")
        fmt = manifest.get("input_format")
        fmt = fmt if isinstance(fmt, dict) else {}
        header, rows = read_csv(_read(ctx, batch_uri, "batch"), batch_uri, fmt)
        if fmt.get("category_case") == "ignore":
            categorical = [c for c, base in baselines.items() if base.kind != "numeric"]
            rows = converted(header, rows, dict.fromkeys(categorical, str.lower))
        report = evaluate(
            baselines,
            header,
            rows,
            features=features,
            max_psi=max_psi,
            max_missing_increase=max_missing,
            decimal="," if fmt.get("decimal") == "," else ".",
            baseline=named,
        )
    except (JobInputError, ValueError) as exc:
        ctx.put(
            **{
                drift_property(name, "decision"): "error",
                drift_property(name, "reason"): f"error: {exc}",
            }
        )
        raise JobInputError(prefix + f"error: {exc}") from None
    report.update(baseline_uri=baseline_uri, batch_uri=batch_uri, not_checked=notes)
    owner = ctx.workflow_name or "manual"
    report_uri = "s3://{}/glue-wf/{}/runs/{}/drift/{}/report.json".format(
        ctx.args["artifacts_bucket"], owner, ctx.run_id or "manual", name
    )
    bucket, key = _split(report_uri)
    ctx.client("s3").put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(report, indent=2, sort_keys=True).encode("utf-8"),
        ContentType="application/json",
    )
    ctx.put(**properties(name, report, report_uri))
    message = prefix + report["reason"]
    print(message, flush=True)
    print(f"drift report: {report_uri}", flush=True)
    if report["decision"] != PASSED:
        raise JobFailed(message)


if __name__ == "__main__":
    run_job(main)
