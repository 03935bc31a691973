"""Container image URIs, resolved offline by sagemaker-core's bundled tables."""

from __future__ import annotations

from functools import lru_cache

from glue_workflow.errors import ConfigError

# SageMaker built-in XGBoost container; the local target trains with xgboost 3.0.5.
XGBOOST_VERSION = "3.0-5"


@lru_cache(maxsize=32)
def xgboost_image_uri(region: str) -> str:
    """The SageMaker XGBoost ``3.0-5`` image URI for ``region`` (no network call)."""
    from sagemaker.core import image_uris

    try:
        return str(image_uris.retrieve("xgboost", region, XGBOOST_VERSION))
    except (ValueError, KeyError) as exc:
        raise ConfigError(
            f"no SageMaker XGBoost {XGBOOST_VERSION} image for region {region!r}: {exc}; "
            "set AWS_REGION (or region in glue-wf.toml) to a SageMaker region"
        ) from exc
