"""A model version's lineage: the run, training job and data behind it, the endpoints serving it.

Upstream comes from the package itself: ``register`` writes the workflow, run id,
training job, input data, evaluation and data-quality report URIs into its
``CustomerMetadataProperties``. Downstream is found the way SageMaker links them:
endpoint → endpoint config → production variant's model → the model's container
``ModelPackageName``. Everything goes through the boto3 ``sagemaker`` client, so it is
the same on the local target and on AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glue_workflow.aws.errors import ResourceNotFound
from glue_workflow.aws.paginate import items
from glue_workflow.aws.retry import request
from glue_workflow.errors import GlueWfError

# CustomerMetadataProperties keys jobs/register.py writes → lineage fields.
METADATA = {
    "glue-wf-workflow": "workflow",
    "glue-wf-run-id": "run_id",
    "training-job": "training_job",
    "input-uri": "input_uri",
    "data-quality-uri": "data_quality_uri",
    "evaluation-uri": "evaluation_uri",
    "feature-manifest-uri": "feature_manifest_uri",
}
MAX_ENDPOINTS = 100


def _or_none(sm: Any, operation: str, **params: Any) -> dict[str, Any] | None:
    """The answer, or None when the resource went away between list and describe."""
    try:
        return request(sm, operation, base=GlueWfError, **params)
    except ResourceNotFound:  # SageMaker's not-found ValidationException messages too
        return None


def serving_endpoints(sm: Any) -> dict[str, list[dict[str, Any]]]:
    """Model package ARN → the endpoints (and variants) whose models run it."""
    listed = items(sm, "list_endpoints", "Endpoints", limit=MAX_ENDPOINTS, base=GlueWfError)
    names = [str(e["EndpointName"]) for e in listed]
    serving: dict[str, list[dict[str, Any]]] = {}
    models: dict[str, list[str]] = {}
    for name in sorted(names):
        endpoint = _or_none(sm, "describe_endpoint", EndpointName=name)
        if endpoint is None:
            continue
        config_name = str(endpoint.get("EndpointConfigName", ""))
        config = _or_none(sm, "describe_endpoint_config", EndpointConfigName=config_name)
        for variant in (config or {}).get("ProductionVariants") or []:
            model = str(variant.get("ModelName", ""))
            if model not in models:
                models[model] = _model_packages(sm, model)
            for arn in models[model]:
                serving.setdefault(arn, []).append(
                    {
                        "endpoint": name,
                        "status": endpoint.get("EndpointStatus"),
                        "endpoint_config": config_name,
                        "variant": variant.get("VariantName"),
                        "model": model,
                    }
                )
    return serving


def _model_packages(sm: Any, model: str) -> list[str]:
    described = _or_none(sm, "describe_model", ModelName=model) if model else None
    if described is None:
        return []
    containers = list(described.get("Containers") or [])
    if described.get("PrimaryContainer"):
        containers.append(described["PrimaryContainer"])
    return [str(c["ModelPackageName"]) for c in containers if c.get("ModelPackageName")]


def package_lineage(
    package: Mapping[str, Any], serving: Mapping[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """The lineage of one described model package (``describe_model_package``)."""
    meta = package.get("CustomerMetadataProperties") or {}
    containers = (package.get("InferenceSpecification") or {}).get("Containers") or []
    arn = str(package.get("ModelPackageArn", ""))
    view: dict[str, Any] = {
        "model_package_arn": arn,
        "group": package.get("ModelPackageGroupName"),
        "version": package.get("ModelPackageVersion"),
        "approval": package.get("ModelApprovalStatus"),
        "model_data_url": containers[0].get("ModelDataUrl") if containers else None,
    }
    for key, field in METADATA.items():
        view[field] = meta.get(key) or None
    view["endpoints"] = list(serving.get(arn, []))
    return view
