"""The row layout a model scores, and the guard against replacing a served one.

An endpoint's callers send CSV rows in the layout of the model it serves (the
preprocess job's ``feature_manifest.json``: features in order, and the code of each
category of an index-encoded column). A model trained on another layout (a column added
or dropped, a new category, a new dataset config, a new category sorting before others
and so shifting their index codes) would score those rows on the wrong columns or
categories, silently when the count matches. So
the ``deploy`` job and ``glue-wf promote`` compare the two manifests before they
replace what an endpoint serves, and refuse a change unless it is asked for.

A package names its manifest in its metadata (``feature-manifest-uri``: the
register node records it when it reads ``feature_manifest_uri``). When either
side's layout cannot be known (no such metadata, a model not made from a package,
a manifest or description this role may not read) the check says why and passes:
it guards against a mistake, it is not an access control.

Runs on Glue's Python shell (Python 3.9, stdlib + boto3).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from botocore.exceptions import ClientError

from glue_workflow.jobkit import sagemaker_ops as ops
from glue_workflow.jobkit.errors import JobFailed

MANIFEST_METADATA_KEY = "feature-manifest-uri"  # jobs/register.py: feature_manifest_uri
SHOWN = 5  # differing features named in a message

Log = Callable[[str], None]


def package_manifest_uri(package: dict[str, Any]) -> str:
    return str((package.get("CustomerMetadataProperties") or {}).get(MANIFEST_METADATA_KEY, ""))


Codes = dict[str, dict[str, int]]  # feature -> category -> the number a row carries


def features_at(s3: Any, uri: str) -> tuple[list[str], Codes]:
    """The feature names, in row order, of the manifest at ``uri``, and the category
    codes of its index- and binary-encoded features."""
    try:
        manifest = json.loads(ops.read_s3_bytes(s3, uri))
        names = [str(entry["name"]) for entry in manifest["features"]]
        encodings = manifest.get("encodings") or {}
        codes: Codes = {}
        for entry in manifest["features"]:
            mapping = (encodings.get(entry.get("source")) or {}).get("mapping")
            if entry.get("kind") in ("index", "binary") and isinstance(mapping, dict):
                codes[str(entry["name"])] = {str(k): int(v) for k, v in mapping.items()}
        return names, codes
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ops.failure(f"feature manifest {uri} is not a feature_manifest.json: {exc}") from None


def serving_package(sm: Any, config: str) -> tuple[dict[str, Any] | None, str]:
    """The model package an endpoint config serves, or None and why it is unknown."""
    try:
        variants = sm.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"]
        name = (variants or [{}])[0].get("ModelName")
        if not name:  # e.g. an endpoint of inference components: no model per variant
            return None, f"its config {config} names no model"
        model = sm.describe_model(ModelName=name)
        containers = model.get("Containers") or [model.get("PrimaryContainer") or {}]
        arn = containers[0].get("ModelPackageName") if containers else None
        if not arn:
            return None, f"its model {name} is not made from a model package"
        return sm.describe_model_package(ModelPackageName=arn), ""
    except ClientError as exc:
        return None, f"{ops.error_code(exc)} describing what it serves"


def change(sm: Any, s3: Any, config: str, new_uri: str, package_arn: str) -> tuple[str, str]:
    """(the layout change, "") of the package whose manifest is at ``new_uri`` against
    what ``config`` serves; ("", "") when they match; ("", why) when not compared."""
    served, why = serving_package(sm, config)
    if served is None:
        return "", why
    if served.get("ModelPackageArn") == package_arn:
        return "", ""
    old_uri = package_manifest_uri(served)
    if not old_uri:
        return "", f"the package it serves, {served.get('ModelPackageArn')}, records no layout"
    try:
        (old, old_codes), (new, new_codes) = features_at(s3, old_uri), features_at(s3, new_uri)
    except JobFailed as exc:
        return "", str(exc)
    return describe(old, new) or recoded(old_codes, new_codes), ""


def describe(old: list[str], new: list[str]) -> str:
    """What differs between two feature layouts, or "" when none does."""
    if old == new:
        return ""
    old_names, new_names = set(old), set(new)
    added = [name for name in new if name not in old_names]
    removed = [name for name in old if name not in new_names]
    parts = [f"{len(old)} features served, {len(new)} in the new model"]
    if added:
        parts.append(f"new: {', '.join(map(shown, added[:SHOWN]))}{more(added)}")
    if removed:
        parts.append(f"gone: {', '.join(map(shown, removed[:SHOWN]))}{more(removed)}")
    if not added and not removed:
        at = next(i for i, (a, b) in enumerate(zip(old, new)) if a != b)
        parts.append(f"the same features in another order, from column {at + 1} ({new[at]!r})")
    return "; ".join(parts)


def recoded(old: Codes, new: Codes) -> str:
    """The features whose codes now stand for other categories (a served category's code
    changed, or a new category took a served code), or "" when none does. A new category
    under a new code is compatible: callers never send it."""
    parts = []
    for name, served in old.items():
        codes = new.get(name)
        if codes is None:
            continue
        moved = [f"{v!r} {c} -> {codes[v]}" for v, c in served.items() if codes.get(v, c) != c]
        taken = set(served.values())
        reused = [f"{c} now {v!r}" for v, c in codes.items() if v not in served and c in taken]
        changes = moved + reused
        if changes:
            parts.append(
                f"{shown(name)} codes its categories differently: "
                f"{', '.join(changes[:SHOWN])}{more(changes)}"
            )
    return "; ".join(parts)


def shown(name: str) -> str:
    """A feature name as written, quoted where it holds what would not show (a line
    break inside a quoted category, an edge space)."""
    return name if name.isprintable() and name == name.strip() else repr(name)


def more(names: list[str]) -> str:
    return f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""


def guard(
    sm: Any,
    s3: Any,
    endpoint: str,
    package: dict[str, Any],
    *,
    allow: bool,
    how_to_allow: str,
    log: Log = print,
) -> None:
    """Fail before anything is created when ``package`` would change the row layout
    ``endpoint`` serves, unless ``allow``; log when the layout cannot be compared."""
    arn = str(package.get("ModelPackageArn"))
    new_uri = package_manifest_uri(package)
    if not new_uri:
        log(
            f"feature layout not compared: model package {arn} records no "
            f"{MANIFEST_METADATA_KEY} (let the register node read feature_manifest_uri)"
        )
        return
    current = ops.describe_or_none(sm.describe_endpoint, EndpointName=endpoint)
    config = str((current or {}).get("EndpointConfigName") or "")
    if not config:
        return  # a new endpoint: no callers yet
    difference, unknown = change(sm, s3, config, new_uri, arn)
    if unknown:
        log(f"feature layout not compared with what endpoint {endpoint} serves: {unknown}")
    if not difference:
        return
    if allow:
        log(f"endpoint {endpoint}: the feature layout changes ({difference}), as allowed")
        return
    raise ops.failure(
        f"model package {arn} scores another row layout than endpoint {endpoint} serves "
        f"({difference}): its callers' rows would be scored on the wrong columns. Serve it "
        f"on a new endpoint and move the callers, or {how_to_allow} to replace the layout"
    )
