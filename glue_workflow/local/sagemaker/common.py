"""Shared pieces of the local SageMaker: state table, names, ARNs, errors, images.

Every SageMaker resource is one row of ``sm_resources`` (kind, name) holding the
Describe response as JSON; timestamps are stored tagged so they read back as
timezone-aware ``datetime`` objects, the types botocore would have parsed.
"""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from glue_workflow.config import LOCAL_ACCOUNT_ID
from glue_workflow.images import XGBOOST_VERSION
from glue_workflow.jobkit.sagemaker_ops import (
    DEFAULT_MAX_RUNTIME_SECONDS as DEFAULT_MAX_RUNTIME_SECONDS,  # noqa: PLC0414
)
from glue_workflow.local.dispatch import LocalServiceError
from glue_workflow.local.sagemaker import procs, spares
from glue_workflow.local.store import LocalHome, ThreadLocalConnections, transaction

ACCOUNT_ID = LOCAL_ACCOUNT_ID  # one account id for every local ARN
NAME_RE = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
# Tags under which the 3.0-5 image is published: the plain version and its
# framework-qualified alias (same image digest in SageMaker's ECR repositories).
XGBOOST_TAGS = (XGBOOST_VERSION, f"{XGBOOST_VERSION}-cpu-py3")
_IMAGE_RE = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?P<cn>\.cn)?"
    r"/(?P<repo>[a-z0-9._/-]+):(?P<tag>[A-Za-z0-9._-]+)"
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sm_resources (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created REAL NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, name)
);
"""


def now() -> datetime:
    return datetime.now(UTC)


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def arn(resource: str, name: str) -> str:
    """SageMaker ARNs carry the resource name in lower case."""
    return sagemaker_arn(f"{resource}/{name.lower()}")


def sagemaker_arn(resource: str) -> str:
    """A SageMaker ARN in the local region's partition (aws-cn in cn-north-1, ...)."""
    from glue_workflow.naming import arn as build_arn
    from glue_workflow.naming import local_partition

    return build_arn(local_partition(region()), "sagemaker", region(), ACCOUNT_ID, resource)


def validation(message: str) -> LocalServiceError:
    return LocalServiceError("ValidationException", message, 400)


# ---- "not found" answers ---------------------------------------------------------------
# SageMaker answers a missing resource with ValidationException (HTTP 400) and these
# messages; glue_workflow.jobkit.aws_errors recognises each. Sources: docs/aws-parity.md.


def training_job_not_found() -> LocalServiceError:
    """DescribeTrainingJob / StopTrainingJob: the message names nothing (aws/aws-sdk#165,
    aws/amazon-sagemaker-examples#2360; ACK sagemaker-controller generator.yaml)."""
    return validation("Requested resource not found.")


def processing_job_not_found(name: str) -> LocalServiceError:
    """DescribeProcessingJob / StopProcessingJob (prefix "Could not find requested job":
    ACK sagemaker-controller generator.yaml; "... with name <name>": its TransformJob entry)."""
    return validation(f"Could not find requested job with name {name}")


def model_not_found(name: str) -> LocalServiceError:
    """DescribeModel / DeleteModel / CreateEndpointConfig naming a missing model
    (aws/amazon-sagemaker-examples traceback: 'Could not find model "arn:...".')."""
    return validation(f'Could not find model "{arn("model", name)}".')


def endpoint_config_not_found(name: str) -> LocalServiceError:
    """DescribeEndpointConfig / DeleteEndpointConfig / CreateEndpoint naming a missing config
    (ACK sagemaker-controller generator.yaml; aws/sagemaker-python-sdk#6063)."""
    return validation(f'Could not find endpoint configuration "{arn("endpoint-config", name)}".')


def endpoint_not_found(name: str) -> LocalServiceError:
    """DescribeEndpoint / DeleteEndpoint / UpdateEndpoint (aws/amazon-sagemaker-examples#2402:
    'Could not find endpoint "arn:aws:sagemaker:us-west-2:...:endpoint/<name>".')."""
    return validation(f'Could not find endpoint "{arn("endpoint", name)}".')


def model_package_group_not_found(name: str) -> LocalServiceError:
    """DescribeModelPackageGroup and the calls naming a missing group (ACK code-generator
    sagemaker test: "ModelPackageGroup arn:aws:sagemaker:... does not exist.")."""
    return validation(f"ModelPackageGroup {arn('model-package-group', name)} does not exist.")


def model_package_not_found(package_arn: str) -> LocalServiceError:
    """DescribeModelPackage / UpdateModelPackage / DeleteModelPackage (ACK
    sagemaker-controller generator.yaml: ValidationException ending "does not exist.")."""
    return validation(f"ModelPackage {package_arn} does not exist.")


def check_name(value: Any, field: str) -> str:
    """SageMaker resource names: ≤ 63 letters, digits, hyphens; alphanumeric ends."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise validation(
            f"1 validation error detected: Value {value!r} at '{field}' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62} (letters, digits and hyphens, at most 63, "
            "no underscores or dots)"
        )
    return value


def check_enum(value: Any, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise validation(
            f"1 validation error detected: Value {value!r} at '{field}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    return str(value)


@cache
def _xgboost_registries() -> dict[str, str]:
    """region -> ECR account of the SageMaker XGBoost image (sagemaker-core's table)."""
    # Located, not imported: importing sagemaker (the parent of sagemaker.core) takes
    # more than a second, which every CreateTrainingJob would wait for. A caller's Python
    # (the AWS CLI, an SDK-only virtualenv) may lack sagemaker: then no region check.
    spec = find_spec("sagemaker")
    tables = [
        Path(folder) / "core" / "image_uri_config" / "xgboost.json"
        for folder in ((spec.submodule_search_locations or []) if spec else [])
    ]
    table = next((t for t in tables if t.is_file()), None)
    if table is None:
        return {}
    config = json.loads(table.read_text())
    registries: dict[str, str] = config["training"]["versions"][XGBOOST_VERSION]["registries"]
    return registries


def check_xgboost_image(image: Any, field: str) -> str:
    """Accept only the SageMaker XGBoost 3.0-5 image (any region): what runs locally."""
    expected = (
        "the SageMaker XGBoost image, e.g. "
        f"sagemaker.core.image_uris.retrieve('xgboost', region, '{XGBOOST_VERSION}')"
    )
    match = _IMAGE_RE.fullmatch(image) if isinstance(image, str) else None
    if match is None or match["repo"] != "sagemaker-xgboost":
        raise validation(
            f"{field} {image!r} is not supported by the glue-wf local target: it runs only "
            f"{expected}; use --target aws for other images"
        )
    if match["tag"] not in XGBOOST_TAGS:
        raise validation(
            f"{field} {image!r}: the local target runs XGBoost {XGBOOST_VERSION} only "
            f"(tags {', '.join(XGBOOST_TAGS)}); got tag {match['tag']!r}"
        )
    registries = _xgboost_registries()
    account = registries.get(match["region"])
    cn_ok = bool(match["cn"]) == match["region"].startswith("cn-")
    if (registries and account != match["account"]) or not cn_ok:
        raise validation(
            f"{field} {image!r} does not name {expected}: the region "
            f"{match['region']!r} publishes it as "
            f"{account or '<no such region>'}.dkr.ecr.{match['region']}.amazonaws.com"
            f"{'.cn' if match['region'].startswith('cn-') else ''}/sagemaker-xgboost:"
            f"{XGBOOST_VERSION}"
        )
    return str(image)


# ---- JSON with datetimes -------------------------------------------------------------

_DT = "__datetime__"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_DT: value.timestamp()}
    raise TypeError(f"cannot store {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and _DT in obj:
        return datetime.fromtimestamp(obj[_DT], UTC)
    return obj


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, default=_encode, sort_keys=True)


def loads(text: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(text, object_hook=_decode)
    return result


# ---- the resource table ----------------------------------------------------------------


class Resources:
    """CRUD on ``sm_resources``; safe across threads and processes (SQLite WAL)."""

    def __init__(self, home: LocalHome) -> None:
        self.home = home
        self._conns = ThreadLocalConnections(home.db_path, SCHEMA)

    @property
    def conn(self) -> sqlite3.Connection:
        return self._conns.get()

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT data FROM sm_resources WHERE kind = ? AND name = ?", (kind, name)
        ).fetchone()
        return loads(row["data"]) if row else None

    def insert(self, kind: str, name: str, data: dict[str, Any]) -> bool:
        """Insert; False when (kind, name) already exists (nothing written)."""
        with transaction(self.conn) as conn:
            if conn.execute(
                "SELECT 1 FROM sm_resources WHERE kind = ? AND name = ?", (kind, name)
            ).fetchone():
                return False
            conn.execute(
                "INSERT INTO sm_resources (kind, name, created, data) VALUES (?, ?, ?, ?)",
                (kind, name, now().timestamp(), dumps(data)),
            )
        return True

    def update(
        self, kind: str, name: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        """Read-modify-write in one transaction; ``change`` returns the new data or None."""
        with transaction(self.conn) as conn:
            row = conn.execute(
                "SELECT data FROM sm_resources WHERE kind = ? AND name = ?", (kind, name)
            ).fetchone()
            if row is None:
                return None
            data = loads(row["data"])
            new = change(data)
            if new is None:
                return data
            conn.execute(
                "UPDATE sm_resources SET data = ? WHERE kind = ? AND name = ?",
                (dumps(new), kind, name),
            )
            return new

    def delete(self, kind: str, name: str) -> bool:
        with transaction(self.conn) as conn:
            cursor = conn.execute(
                "DELETE FROM sm_resources WHERE kind = ? AND name = ?", (kind, name)
            )
            return cursor.rowcount > 0

    def all(self, kind: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT data FROM sm_resources WHERE kind = ? ORDER BY created, name", (kind,)
        ).fetchall()
        return [loads(row["data"]) for row in rows]

    def names(self, kind: str, prefix: str = "") -> Iterator[str]:
        rows = self.conn.execute(
            "SELECT name FROM sm_resources WHERE kind = ? AND name LIKE ? ESCAPE '\\'",
            (kind, prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
        ).fetchall()
        for row in rows:
            yield row["name"]

    @contextmanager
    def locked(self) -> Iterator[sqlite3.Connection]:
        with transaction(self.conn) as conn:
            yield conn


# ---- listing ---------------------------------------------------------------------------


def paginate(
    items: list[dict[str, Any]], params: dict[str, Any], *, default_max: int = 10
) -> tuple[list[dict[str, Any]], str | None]:
    """AWS-style MaxResults / NextToken over an already sorted list."""
    max_results = params.get("MaxResults", default_max)
    if not isinstance(max_results, int) or not 1 <= max_results <= 100:
        raise validation(
            f"1 validation error detected: Value {max_results!r} at 'maxResults' failed to "
            "satisfy constraint: Member must have value between 1 and 100"
        )
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except ValueError:
            raise validation(f"Invalid pagination token {token!r}") from None
    page = items[start : start + max_results]
    end = start + max_results
    next_token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return page, next_token


def filter_and_sort(
    items: list[dict[str, Any]],
    params: dict[str, Any],
    *,
    name_key: str,
    sort_keys: dict[str, str],
    default_sort: str = "CreationTime",
    default_order: str = "Descending",
    status_key: str | None = None,
) -> list[dict[str, Any]]:
    """NameContains, CreationTimeAfter/Before, StatusEquals, SortBy, SortOrder."""
    contains = params.get("NameContains")
    if contains:
        items = [i for i in items if contains.lower() in i[name_key].lower()]
    if params.get("CreationTimeAfter"):
        items = [i for i in items if i["CreationTime"] > params["CreationTimeAfter"]]
    if params.get("CreationTimeBefore"):
        items = [i for i in items if i["CreationTime"] < params["CreationTimeBefore"]]
    if status_key and params.get("StatusEquals"):
        items = [i for i in items if i.get(status_key) == params["StatusEquals"]]
    sort_by = check_enum(params.get("SortBy", default_sort), "sortBy", tuple(sort_keys))
    order = check_enum(
        params.get("SortOrder", default_order), "sortOrder", ("Ascending", "Descending")
    )
    key = sort_keys[sort_by]
    return sorted(items, key=lambda i: (i.get(key), i[name_key]), reverse=order == "Descending")


# Training and processing jobs: states with a worker process behind them, and how long
# a new worker gets to record its pid before its job counts as lost.
ACTIVE_JOB = ("InProgress", "Stopping")
SPAWN_GRACE = timedelta(seconds=30)


def worker_lost(record: dict[str, Any], status_key: str) -> bool:
    """An active job whose worker process is gone (killed, or the machine restarted)."""
    if record[status_key] not in ACTIVE_JOB:
        return False
    if record["_pid"] is None and now() - record["CreationTime"] < SPAWN_GRACE:
        return False
    return not procs.alive(record["_pid"], record["_token"])


# A describe of an active job waits this long for its worker to end before it answers:
# the local waits of jobkit see a job end the moment it does, without short sleeps
# (GLUE_WF_POLL_SECONDS is 0.02 locally). SageMaker's own answers take tens of ms; a
# slower one is still the same answer. Short, so that status pages stay quick.
LONG_POLL_SECONDS = 0.25


def await_worker(record: dict[str, Any], status_key: str, seconds: float) -> bool:
    """Block until the worker of an active job ends or ``seconds`` pass; True if it ended
    (or was not running)."""
    if record[status_key] not in ACTIVE_JOB:
        return True
    return procs.wait_ended(record.get("_pid"), record.get("_token"), seconds)


def start_job(
    resources: Resources,
    kind: str,
    name: str,
    record: dict[str, Any],
    *,
    worker: str,
    warm: bool = False,
) -> None:
    """Record a new training or processing job and start its worker process
    (``python -m worker <home> <name>``; the record holds ``_token`` and ``_log``).

    A name already in use → ResourceInUse, as AWS answers for both kinds of job.
    """
    what = kind.removesuffix("-job")  # "training" / "processing"
    if not resources.insert(kind, name, record):
        existing = resources.get(kind, name) or record
        arn_key = f"{what.capitalize()}JobArn"
        raise LocalServiceError(
            "ResourceInUse",
            f"{what.capitalize()} job names must be unique within an AWS account and region, "
            f"and a {what} job with this name already exists ({existing[arn_key]})",
        )
    args = [str(resources.home.root), name]
    claimed = None
    if warm:  # a spare that has xgboost imported runs the worker (see spares)
        work = {"kind": "module", "module": worker, "args": args, "log": record["_log"]}
        claimed = spares.claim(
            resources.home, {**work, "env": procs.worker_env(os.environ)}, pool="worker"
        )
    if claimed is not None:
        pid, token = claimed
    else:
        token = record["_token"]
        pid = procs.spawn(worker, args, token=token, log_path=Path(record["_log"]))
    resources.update(kind, name, lambda r: {**r, "_pid": pid, "_token": token})


def listing(
    items: list[dict[str, Any]],
    params: dict[str, Any],
    *,
    result_key: str,
    fields: tuple[str, ...],
    name_key: str,
    sort_keys: dict[str, str],
    default_order: str = "Descending",
    status_key: str | None = None,
) -> dict[str, Any]:
    """A List* answer: ``filter_and_sort``, one ``paginate`` page of summaries (``fields``
    a record has) under ``result_key``, and NextToken when more follow."""
    items = filter_and_sort(
        items,
        params,
        name_key=name_key,
        sort_keys=sort_keys,
        default_order=default_order,
        status_key=status_key,
    )
    page, token = paginate(items, params)
    result: dict[str, Any] = {result_key: [{k: r[k] for k in fields if k in r} for r in page]}
    if token:
        result["NextToken"] = token
    return result


def public(record: dict[str, Any]) -> dict[str, Any]:
    """The record without internal keys (prefixed ``_``)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
