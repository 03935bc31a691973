"""Models and endpoint configs: what an endpoint serves (local target)."""

from __future__ import annotations

from typing import Any

from glue_workflow.local.dispatch import LocalServiceError
from glue_workflow.local.s3paths import S3PathError, uri_to_path
from glue_workflow.local.sagemaker.common import (
    Resources,
    arn,
    check_name,
    check_xgboost_image,
    endpoint_config_not_found,
    listing,
    model_not_found,
    now,
    public,
    validation,
)
from glue_workflow.local.sagemaker.registry import Registry

MODEL, CONFIG = "model", "endpoint-config"


def not_supported(what: str) -> LocalServiceError:
    return LocalServiceError(
        "NotSupportedLocally", f"{what} is not supported by the glue-wf local target", 501
    )


class Models:
    """CreateModel (container + ModelDataUrl, or an Approved model package) and configs."""

    def __init__(self, resources: Resources, registry: Registry) -> None:
        self.resources = resources
        self.registry = registry
        self.home = resources.home

    # ---- models ----------------------------------------------------------------------

    def create_model(self, params: dict[str, Any]) -> dict[str, Any]:
        name = check_name(params["ModelName"], "modelName")
        containers = params.get("Containers") or []
        if "PrimaryContainer" in params:
            containers = [params["PrimaryContainer"]]
        if len(containers) != 1:
            raise (
                not_supported("Inference pipelines (more than one container)")
                if containers
                else validation("CreateModel needs PrimaryContainer or Containers")
            )
        container = containers[0]
        if container.get("Mode", "SingleModel") != "SingleModel":
            raise not_supported("MultiModel containers")
        if "ModelDataSource" in container:
            raise not_supported("ModelDataSource (uncompressed model data)")
        if "ModelPackageName" in container:
            package = self.registry.package(container["ModelPackageName"])
            status = package["ModelApprovalStatus"]
            if status != "Approved":
                raise validation(
                    f"Model package {package['ModelPackageArn']} has ModelApprovalStatus "
                    f"{status}: a versioned model package must be Approved to be deployed "
                    "(approve it with UpdateModelPackage or 'glue-wf approve')"
                )
            spec = (package.get("InferenceSpecification") or {}).get("Containers") or []
            if not spec:
                raise validation(
                    f"Model package {package['ModelPackageArn']} has no InferenceSpecification"
                )
            image, data_url = spec[0].get("Image"), spec[0].get("ModelDataUrl")
        else:
            image, data_url = container.get("Image"), container.get("ModelDataUrl")
        check_xgboost_image(image, "Image")
        if not data_url:
            raise validation("ModelDataUrl is required: the S3 URI of the model.tar.gz")
        try:
            path = uri_to_path(self.home.s3_root, data_url)
        except S3PathError as exc:
            raise validation(f"ModelDataUrl: {exc}") from None
        if not path.is_file():
            raise validation(
                f"Could not access model data at {data_url}. Please ensure that the role "
                "provided has sufficient permissions and that the object exists."
            )
        record = {
            "ModelName": name,
            "ModelArn": arn("model", name),
            "PrimaryContainer": container,
            "ExecutionRoleArn": params.get("ExecutionRoleArn", ""),
            "CreationTime": now(),
            "EnableNetworkIsolation": bool(params.get("EnableNetworkIsolation", False)),
            "_image": image,
            "_model_data_url": data_url,
            "_tags": params.get("Tags") or [],
        }
        if "Containers" in params:
            record["Containers"] = params["Containers"]
            del record["PrimaryContainer"]
        if not self.resources.insert(MODEL, name.lower(), record):
            raise validation(f'Cannot create already existing model "{record["ModelArn"]}".')
        return {"ModelArn": record["ModelArn"]}

    def model(self, name: str) -> dict[str, Any]:
        record = self.resources.get(MODEL, name.lower())
        if record is None:
            raise model_not_found(name)
        return record

    def describe_model(self, params: dict[str, Any]) -> dict[str, Any]:
        return public(self.model(params["ModelName"]))

    def delete_model(self, params: dict[str, Any]) -> dict[str, Any]:
        if not self.resources.delete(MODEL, self.model(params["ModelName"])["ModelName"].lower()):
            raise model_not_found(params["ModelName"])
        return {}

    def list_models(self, params: dict[str, Any]) -> dict[str, Any]:
        return listing(
            self.resources.all(MODEL),
            params,
            name_key="ModelName",
            sort_keys={"Name": "ModelName", "CreationTime": "CreationTime"},
            result_key="Models",
            fields=("ModelName", "ModelArn", "CreationTime"),
        )

    # ---- endpoint configs ------------------------------------------------------------

    def create_config(self, params: dict[str, Any]) -> dict[str, Any]:
        name = check_name(params["EndpointConfigName"], "endpointConfigName")
        variants = params["ProductionVariants"]
        if len(variants) != 1:
            raise not_supported("Endpoint configs with more than one production variant")
        for unsupported in ("AsyncInferenceConfig", "ShadowProductionVariants", "ExplainerConfig"):
            if unsupported in params:
                raise not_supported(unsupported)
        if (params.get("DataCaptureConfig") or {}).get(
            "EnableCapture", True
        ) and "DataCaptureConfig" in params:
            raise not_supported("DataCaptureConfig (data capture)")
        variant = variants[0]
        check_name(variant.get("VariantName", ""), "productionVariants.1.member.variantName")
        self.model(variant["ModelName"])
        if "ServerlessConfig" not in variant and variant.get("InitialInstanceCount", 0) < 1:
            raise validation(
                "ProductionVariants[0]: InitialInstanceCount ≥ 1 (or ServerlessConfig)"
            )
        record = {
            "EndpointConfigName": name,
            "EndpointConfigArn": arn("endpoint-config", name),
            "ProductionVariants": variants,
            "CreationTime": now(),
            "_tags": params.get("Tags") or [],
        }
        if "KmsKeyId" in params:
            record["KmsKeyId"] = params["KmsKeyId"]
        if not self.resources.insert(CONFIG, name.lower(), record):
            raise validation(
                "Cannot create already existing endpoint configuration "
                f'"{record["EndpointConfigArn"]}".'
            )
        return {"EndpointConfigArn": record["EndpointConfigArn"]}

    def config(self, name: str) -> dict[str, Any]:
        record = self.resources.get(CONFIG, name.lower())
        if record is None:
            raise endpoint_config_not_found(name)
        return record

    def describe_config(self, params: dict[str, Any]) -> dict[str, Any]:
        return public(self.config(params["EndpointConfigName"]))

    def delete_config(self, params: dict[str, Any]) -> dict[str, Any]:
        # As on AWS, a config in use may be deleted: the live server keeps its model.
        self.resources.delete(
            CONFIG, self.config(params["EndpointConfigName"])["EndpointConfigName"].lower()
        )
        return {}

    def list_configs(self, params: dict[str, Any]) -> dict[str, Any]:
        return listing(
            self.resources.all(CONFIG),
            params,
            name_key="EndpointConfigName",
            sort_keys={"Name": "EndpointConfigName", "CreationTime": "CreationTime"},
            result_key="EndpointConfigs",
            fields=("EndpointConfigName", "EndpointConfigArn", "CreationTime"),
        )
