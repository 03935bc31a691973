"""SageMaker endpoints for ``glue-wf endpoints | invoke | delete-endpoint`` and the console."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from glue_workflow.config import Settings
from glue_workflow.errors import GlueWfError, NotFoundError, RunError
from glue_workflow.services.sagemaker_calls import MAX_RESULTS, call, paged

HINT = "list the endpoints with 'glue-wf endpoints'"
DELETE_TIMEOUT = 900.0  # AWS deletes an endpoint asynchronously (Deleting, then gone)


@dataclass(frozen=True, kw_only=True)
class Variant:
    name: str | None
    weight: float | None
    instances: int | None


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    name: str
    arn: str | None
    status: str | None
    config: str | None
    failure_reason: str | None
    created: dt.datetime | None
    last_modified: dt.datetime | None
    variants: tuple[Variant, ...]
    url: str | None  # the local target's HTTP server


@dataclass(frozen=True, kw_only=True)
class Invocation:
    body: bytes
    content_type: str | None


@dataclass(frozen=True, kw_only=True)
class DeletePlan:
    """What ``delete`` removes: the endpoint, then (unless shared) its config and models."""

    endpoint: str
    config: str | None = None  # the endpoint's config (None: none, or kept on request)
    delete_config: bool = False  # False: kept on request, shared, or already gone
    config_gone: bool = False
    config_users: tuple[str, ...] = ()  # other endpoints serving the same config
    models: tuple[str, ...] = ()  # deleted after the config
    kept_models: tuple[str, ...] = ()  # also served by another endpoint's config

    def describe(self) -> str:
        """What a confirmation prompt names."""
        what = f", endpoint config {self.config}" if self.delete_config else ""
        return f"endpoint {self.endpoint}{what}" + "".join(f", model {m}" for m in self.models)


def local_urls(settings: Settings) -> Callable[[str], str | None] | None:
    """Endpoint name → its local HTTP URL (local target only)."""
    if not settings.is_local:
        return None
    home = settings.home

    def url(name: str) -> str | None:
        from glue_workflow.local.sagemaker.endpoints import endpoint_url

        found: str | None = endpoint_url(home, name)
        return found

    return url


class Endpoints:
    """Endpoints over one SageMaker and one SageMaker Runtime client."""

    def __init__(
        self,
        sagemaker: Any,
        runtime: Any,
        *,
        url_of: Callable[[str], str | None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        poll_seconds: float = 5.0,
    ) -> None:
        self.sagemaker = sagemaker
        self.runtime = runtime
        self._url_of = url_of
        self._sleep = sleep
        self._poll = poll_seconds

    def names(self) -> list[str]:
        summaries = paged(
            self.sagemaker,
            "list_endpoints",
            "Endpoints",
            hint=HINT,
            SortBy="Name",
            SortOrder="Ascending",
            MaxResults=MAX_RESULTS,
        )
        return [str(s["EndpointName"]) for s in summaries]

    def describe_all(self) -> list[Endpoint]:
        """Every endpoint, by name (one deleted meanwhile is left out)."""
        found = []
        for name in self.names():
            try:
                found.append(self.describe(name))
            except NotFoundError:
                continue
        return found

    def describe(self, name: str, *, hint: str = HINT) -> Endpoint:
        answer = call(self.sagemaker.describe_endpoint, hint=hint, EndpointName=name)
        return Endpoint(
            name=str(answer.get("EndpointName", name)),
            arn=answer.get("EndpointArn"),
            status=answer.get("EndpointStatus"),
            config=answer.get("EndpointConfigName"),
            failure_reason=answer.get("FailureReason"),
            created=answer.get("CreationTime"),
            last_modified=answer.get("LastModifiedTime"),
            variants=tuple(
                Variant(
                    name=v.get("VariantName"),
                    weight=v.get("CurrentWeight"),
                    instances=v.get("CurrentInstanceCount"),
                )
                for v in answer.get("ProductionVariants") or []
            ),
            url=self._url_of(name) if self._url_of else None,
        )

    def invoke(
        self,
        name: str,
        body: bytes,
        *,
        content_type: str = "text/csv",
        accept: str | None = None,
        max_bytes: int | None = None,
    ) -> Invocation:
        params: dict[str, Any] = {"EndpointName": name, "ContentType": content_type, "Body": body}
        if accept:
            params["Accept"] = accept
        try:
            answer = call(self.runtime.invoke_endpoint, hint=HINT, **params)
        except NotFoundError:
            raise
        except GlueWfError as exc:  # e.g. ModelError: the model refused the input
            raise GlueWfError(f"invoking endpoint {name!r}: {exc}") from exc.__cause__
        data = answer["Body"].read() if max_bytes is None else answer["Body"].read(max_bytes)
        return Invocation(body=bytes(data), content_type=answer.get("ContentType"))

    # --- delete ------------------------------------------------------------------------

    def plan_delete(self, name: str, *, keep_config: bool = False) -> DeletePlan:
        try:
            endpoint = self.describe(name, hint="")
        except NotFoundError as exc:
            raise NotFoundError(
                f"delete-endpoint: no endpoint named {name!r} ({exc}); list them with "
                "'glue-wf endpoints'"
            ) from exc
        if keep_config or not endpoint.config:
            return DeletePlan(endpoint=endpoint.name)
        plan = DeletePlan(endpoint=endpoint.name, config=endpoint.config)
        config = self._config(endpoint.config)
        if config is None:
            return replace(plan, config_gone=True)
        others = self._other_endpoints(endpoint.name)
        users = tuple(other for other, used in others.items() if used == endpoint.config)
        if users:
            return replace(plan, config_users=users)
        busy = {
            variant["ModelName"]
            for used in {c for c in others.values() if c and c != endpoint.config}
            for variant in (self._config(used) or {}).get("ProductionVariants", [])
        }
        variants = [v["ModelName"] for v in config.get("ProductionVariants", [])]
        return replace(
            plan,
            delete_config=True,
            models=tuple(m for m in variants if m not in busy),
            kept_models=tuple(m for m in variants if m in busy),
        )

    def delete(self, plan: DeletePlan, *, timeout: float = DELETE_TIMEOUT) -> list[str]:
        """Carry out ``plan``; returns what was done, one line each."""
        call(self.sagemaker.delete_endpoint, hint=HINT, EndpointName=plan.endpoint)
        deadline = time.monotonic() + timeout
        while True:
            try:
                call(self.sagemaker.describe_endpoint, EndpointName=plan.endpoint)
            except NotFoundError:
                break
            if time.monotonic() > deadline:
                raise RunError(
                    f"delete-endpoint: {plan.endpoint} still exists after {timeout / 60:g} min; "
                    "check it with 'glue-wf endpoints'"
                )
            self._sleep(self._poll)
        done = [f"deleted endpoint {plan.endpoint}"]
        if plan.config_gone:
            done.append(f"endpoint config {plan.config} was already gone")
        if plan.config_users:
            done.append(
                f"kept endpoint config {plan.config} and its models: in use by endpoint(s) "
                + ", ".join(plan.config_users)
            )
        if not plan.delete_config:
            return done
        call(self.sagemaker.delete_endpoint_config, EndpointConfigName=plan.config)
        done.append(f"deleted endpoint config {plan.config}")
        for model in plan.models:
            try:
                call(self.sagemaker.delete_model, ModelName=model)
            except NotFoundError:
                done.append(f"model {model} was already gone")
            else:
                done.append(f"deleted model {model}")
        done += [f"kept model {m}: another endpoint's config serves it" for m in plan.kept_models]
        return done

    def _config(self, name: str) -> dict[str, Any] | None:
        try:
            config: dict[str, Any] = call(
                self.sagemaker.describe_endpoint_config, EndpointConfigName=name
            )
        except NotFoundError:
            return None
        return config

    def _other_endpoints(self, endpoint: str) -> Mapping[str, str | None]:
        """Every other endpoint and the config it serves."""
        return {e.name: e.config for e in self.describe_all() if e.name != endpoint}
