"""Check request parameters against botocore's service models, fully.

botocore validates required members and types when a call is made, but not
enums, lengths, ranges or patterns. ``check_request`` walks the operation's input
shape and enforces all of them, so a bad request fails offline with a path such as
``CreateTrigger[churn-pipeline-train].Predicate.Conditions[0].State``.
Works for any service (``check_request("sagemaker", "CreateTrainingJob", params)``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

from glue_workflow.document import WorkflowDocument
from glue_workflow.errors import Problem, RequestValidationError
from glue_workflow.model._base import did_you_mean

# Service models write supplementary characters as a Java surrogate-pair range.
_JAVA_SUPPLEMENTARY = "\\uD800\\uDC00-\\uDBFF\\uDFFF"
_PY_SUPPLEMENTARY = "\\U00010000-\\U0010FFFF"
_MAX_REPORTED = 50


@lru_cache(maxsize=16)
def service_model(service: str) -> ServiceModel:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


@lru_cache(maxsize=256)
def operation_model(service: str, operation: str) -> OperationModel:
    model = service_model(service)
    if operation not in model.operation_names:
        raise RequestValidationError(
            f"{service} has no operation {operation!r}"
            f"{did_you_mean(operation, model.operation_names)}"
        )
    return model.operation_model(operation)


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Any:
    """The service-model pattern (Java regex syntax) as a compiled regex, None when it
    cannot be expressed. ``re`` lacks Unicode classes (``\\p{L}``: SageMaker's names,
    tags and metadata), which the ``regex`` module has."""
    translated = pattern.replace(_JAVA_SUPPLEMENTARY, _PY_SUPPLEMENTARY)
    try:
        return re.compile(translated)
    except re.error:
        pass
    import regex

    try:
        return regex.compile(translated)
    except regex.error:
        return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class _Walker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        # (path, value, AWS's wording of the constraint): for aws_validation_message
        self.constraints: list[tuple[str, Any, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(where=path, rule="service-model", message=message))

    def violate(self, path: str, value: Any, aws: str, message: str) -> None:
        """A modelled constraint broken: enum, length, size, range or pattern."""
        self.fail(path, message)
        self.constraints.append((path, value, aws))

    def check(self, shape: Shape, value: Any, path: str) -> None:
        kind = shape.type_name
        if kind == "structure":
            self._structure(shape, value, path)
        elif kind == "list":
            self._list(shape, value, path)
        elif kind == "map":
            self._map(shape, value, path)
        elif kind == "string":
            self._string(shape, value, path)
        elif kind in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(path, f"expected an integer, got {_short(value)}")
            else:
                self._range(shape, value, path)
        elif kind in ("double", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(path, f"expected a number, got {_short(value)}")
            else:
                self._range(shape, value, path)
        elif kind == "boolean":
            if not isinstance(value, bool):
                self.fail(path, f"expected true or false, got {_short(value)}")
        elif kind == "timestamp":
            if not isinstance(value, (datetime.datetime, str, int, float)):
                self.fail(path, f"expected a timestamp, got {_short(value)}")
        elif (
            kind == "blob"
            and not isinstance(value, (bytes, bytearray, str))
            and not hasattr(value, "read")
        ):
            self.fail(path, f"expected bytes, got {type(value).__name__}")

    def _structure(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            self.fail(path, f"expected a structure (dict), got {_short(value)}")
            return
        for name in shape.required_members:
            if name not in value:
                self.fail(f"{path}.{name}", "required parameter is missing")
        members = shape.members
        for name, item in value.items():
            member = members.get(name)
            if member is None:
                self.fail(
                    f"{path}.{name}",
                    f"unknown parameter{did_you_mean(str(name), members)}; valid: "
                    + ", ".join(sorted(members)),
                )
            else:
                self.check(member, item, f"{path}.{name}")

    def _size(self, shape: Shape, size: int, path: str, what: str) -> None:
        meta = shape.metadata
        low, high = meta.get("min"), meta.get("max")
        if low is not None and size < low:
            self.violate(
                path,
                size,
                f"Member must have length greater than or equal to {low}",
                f"{what} {size} is below the minimum {low}",
            )
        if high is not None and size > high:
            self.violate(
                path,
                size,
                f"Member must have length less than or equal to {high}",
                f"{what} {size} is above the maximum {high}",
            )

    def _list(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, (list, tuple)):
            self.fail(path, f"expected a list, got {_short(value)}")
            return
        self._size(shape, len(value), path, "list length")
        for index, item in enumerate(value):
            self.check(shape.member, item, f"{path}[{index}]")

    def _map(self, shape: Any, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            self.fail(path, f"expected a map (dict), got {_short(value)}")
            return
        self._size(shape, len(value), path, "map size")
        for key, item in value.items():
            self.check(shape.key, key, f"{path}[key {key!r}]")
            self.check(shape.value, item, f'{path}["{key}"]')

    def _string(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {_short(value)}")
            return
        meta = shape.metadata
        enum = meta.get("enum")
        if enum and value not in enum:
            self.violate(
                path,
                value,
                f"Member must satisfy enum value set: [{', '.join(enum)}]",
                f"{_short(value)} is not one of {', '.join(enum)}{did_you_mean(value, enum)}",
            )
        low, high = meta.get("min"), meta.get("max")
        if low is not None and len(value) < low:
            self.violate(
                path,
                value,
                f"Member must have length greater than or equal to {low}",
                f"{_short(value)} is shorter than the minimum length {low}",
            )
        if high is not None and len(value) > high:
            self.violate(
                path,
                value,
                f"Member must have length less than or equal to {high}",
                f"value is {len(value)} characters long; the maximum is {high}",
            )
        pattern = meta.get("pattern")
        if pattern:
            regex = compile_pattern(pattern)
            if regex is not None and regex.fullmatch(value) is None:
                self.violate(
                    path,
                    value,
                    f"Member must satisfy regular expression pattern: {pattern}",
                    f"{_short(value)} does not match the pattern {pattern}",
                )

    def _range(self, shape: Shape, value: float, path: str) -> None:
        meta = shape.metadata
        low, high = meta.get("min"), meta.get("max")
        if low is not None and value < low:
            self.violate(
                path,
                value,
                f"Member must have value greater than or equal to {low}",
                f"{value} is below the minimum {low}",
            )
        if high is not None and value > high:
            self.violate(
                path,
                value,
                f"Member must have value less than or equal to {high}",
                f"{value} is above the maximum {high}",
            )


def request_problems(
    service: str, operation: str, params: Mapping[str, Any], label: str | None = None
) -> list[Problem]:
    """Every way ``params`` breaks the ``service``/``operation`` input shape."""
    op = operation_model(service, operation)
    if label is None and isinstance(params.get("Name"), str):
        label = params["Name"]
    walker = _Walker()
    if op.input_shape is not None:
        walker.check(op.input_shape, params, f"{operation}[{label}]" if label else operation)
    elif params:
        walker.fail(operation, "takes no parameters")
    return walker.problems


# One step of a walker path: ".Member", "[3]" (a list index), "[key 'k']" / '["k"]' (a map
# entry's key / value).
_STEP = re.compile(r"""\.([A-Za-z0-9_]+)|\[(\d+)\]|\[key '.*?'\]|\[".*?"\]""")


def _aws_path(path: str) -> str:
    """A walker path as AWS's validation messages write it: members in lower camel case,
    list items as ``.N.member`` (1-based), a map entry as its map."""
    steps = []
    for match in _STEP.finditer(path):
        member, index = match.group(1), match.group(2)
        if member:
            steps.append(member[:1].lower() + member[1:])
        elif index:
            steps.append(f"{int(index) + 1}.member")
    return ".".join(steps)


def aws_validation_message(service: str, operation: str, params: Mapping[str, Any]) -> str | None:
    """The message AWS's request validation answers (``ValidationException``) for the
    modelled constraints ``params`` break, None if none: "2 validation errors detected:
    Value 'x' at 'modelName' failed to satisfy constraint: Member must have length less
    than or equal to 63; ..." (the wording of SageMaker's, Glue's and other JSON
    services' answers in public tracebacks). Values longer than 256 characters are cut."""
    op = operation_model(service, operation)
    if op.input_shape is None:
        return None
    walker = _Walker()
    walker.check(op.input_shape, params, "")
    if not walker.constraints:
        return None
    items = []
    for path, value, constraint in walker.constraints:
        text = str(value) if len(str(value)) <= 256 else str(value)[:256] + "..."
        items.append(
            f"Value '{text}' at '{_aws_path(path)}' failed to satisfy constraint: {constraint}"
        )
    count = len(items)
    return f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(items)


def _raise(problems: list[Problem]) -> None:
    if problems:
        if len(problems) > _MAX_REPORTED:
            extra = len(problems) - _MAX_REPORTED
            problems = [
                *problems[:_MAX_REPORTED],
                Problem(where="...", rule="service-model", message=f"{extra} more"),
            ]
        raise RequestValidationError(problems)


def check_request(
    service: str, operation: str, params: Mapping[str, Any], label: str | None = None
) -> None:
    """Raise RequestValidationError listing every violation (path, value, rule)."""
    _raise(request_problems(service, operation, params, label))


def check_document(document: WorkflowDocument) -> None:
    """Check every request of a compiled workflow against the Glue service model."""
    problems = request_problems("glue", "CreateWorkflow", document.workflow)
    for job in document.jobs:
        problems += request_problems("glue", "CreateJob", job)
    for trigger in document.triggers:
        problems += request_problems("glue", "CreateTrigger", trigger)
    for rule in document.event_rules:  # and the EventBridge rule against EventBridge's
        problems += request_problems("events", "PutRule", rule["Rule"])
        put_targets = {"Rule": rule["Rule"]["Name"], "Targets": rule["Targets"]}
        problems += request_problems("events", "PutTargets", put_targets)
    _raise(problems)
