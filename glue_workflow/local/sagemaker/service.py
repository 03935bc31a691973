"""``SageMakerService``: the local target's answer to ``boto3.client("sagemaker")`` calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glue_workflow.local.dispatch import not_supported
from glue_workflow.local.sagemaker.common import Resources
from glue_workflow.local.sagemaker.endpoints import Endpoints
from glue_workflow.local.sagemaker.models import Models
from glue_workflow.local.sagemaker.processing import Processing
from glue_workflow.local.sagemaker.registry import Registry
from glue_workflow.local.sagemaker.tags import Tags
from glue_workflow.local.sagemaker.training import Training
from glue_workflow.local.store import LocalHome

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class SageMakerService:
    """Training, processing, Model Registry, models, endpoint configs, endpoints, tags."""

    def __init__(self, home: LocalHome) -> None:
        self.home = home
        resources = Resources(home)
        training = Training(resources)
        processing = Processing(resources)
        registry = Registry(resources)
        models = Models(resources, registry)
        endpoints = Endpoints(resources, models)
        tags = Tags(resources, registry)
        self._handlers: dict[str, Handler] = {
            "CreateTrainingJob": training.create,
            "DescribeTrainingJob": training.describe,
            "ListTrainingJobs": training.list,
            "StopTrainingJob": training.stop,
            "CreateProcessingJob": processing.create,
            "DescribeProcessingJob": processing.describe,
            "ListProcessingJobs": processing.list,
            "StopProcessingJob": processing.stop,
            "CreateModelPackageGroup": registry.create_group,
            "DescribeModelPackageGroup": registry.describe_group,
            "ListModelPackageGroups": registry.list_groups,
            "DeleteModelPackageGroup": registry.delete_group,
            "CreateModelPackage": registry.create_package,
            "DescribeModelPackage": registry.describe_package,
            "ListModelPackages": registry.list_packages,
            "UpdateModelPackage": registry.update_package,
            "DeleteModelPackage": registry.delete_package,
            "CreateModel": models.create_model,
            "DescribeModel": models.describe_model,
            "ListModels": models.list_models,
            "DeleteModel": models.delete_model,
            "CreateEndpointConfig": models.create_config,
            "DescribeEndpointConfig": models.describe_config,
            "ListEndpointConfigs": models.list_configs,
            "DeleteEndpointConfig": models.delete_config,
            "CreateEndpoint": endpoints.create_endpoint,
            "DescribeEndpoint": endpoints.describe_endpoint,
            "ListEndpoints": endpoints.list_endpoints,
            "UpdateEndpoint": endpoints.update_endpoint,
            "DeleteEndpoint": endpoints.delete_endpoint,
            "AddTags": tags.add_tags,
            "ListTags": tags.list_tags,
            "DeleteTags": tags.delete_tags,
        }

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = self._handlers.get(operation)
        if handler is None:
            raise not_supported("sagemaker", operation)
        return handler(params)
