"""Glue's error answers, with the codes the real API uses."""

from __future__ import annotations

from glue_workflow.local.dispatch import LocalServiceError


def entity_not_found(message: str) -> LocalServiceError:
    """EntityNotFoundException, HTTP 400 ("A specified entity does not exist.": the Glue API
    reference, e.g. API_GetWorkflow.html#API_GetWorkflow_Errors). Glue publishes no exact
    message for a missing workflow, trigger, workflow run or job run: ours name the entity."""
    return LocalServiceError("EntityNotFoundException", message, 400)


def job_not_found() -> LocalServiceError:
    """GetJob of a missing job: "Job not found." (AWS CLI output of ``aws glue get-job``
    on a deleted job; docs/aws-parity.md)."""
    return entity_not_found("Job not found.")


def already_exists(message: str) -> LocalServiceError:
    return LocalServiceError("AlreadyExistsException", message, 400)


def invalid_input(message: str) -> LocalServiceError:
    return LocalServiceError("InvalidInputException", message, 400)


def illegal_state(message: str) -> LocalServiceError:
    return LocalServiceError("IllegalWorkflowStateException", message, 400)


def concurrent_runs(message: str) -> LocalServiceError:
    return LocalServiceError("ConcurrentRunsExceededException", message, 400)


def not_supported_feature(feature: str) -> LocalServiceError:
    return LocalServiceError(
        "NotSupportedLocally",
        f"{feature} is not supported by the glue-wf local target; use --target aws for it",
        501,
    )
