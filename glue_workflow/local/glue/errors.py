"""Glue's error answers, with the codes the real API uses."""

from __future__ import annotations

from glue_workflow.local.dispatch import LocalServiceError


def entity_not_found(message: str) -> LocalServiceError:
    return LocalServiceError("EntityNotFoundException", message, 400)


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
