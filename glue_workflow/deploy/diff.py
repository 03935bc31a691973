"""Field-level comparison of a desired request with what the target returns.

The target adds fields of its own (``CreatedOn``, defaults such as ``Timeout`` or
``AllocatedCapacity``), so structures compare on the desired keys only; maps whose
keys are user data (arguments, run properties) must match exactly, because a key
removed from the definition must reach the target.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Maps of user keys: compared exactly (a removed argument is a change).
EXACT_MAPS = frozenset(
    {"DefaultArguments", "NonOverridableArguments", "Arguments", "DefaultRunProperties"}
)
# Lists whose order carries no meaning.
UNORDERED_LISTS = frozenset({"Conditions", "Connections"})
# Structures an update replaces whole (UpdateTrigger's Actions and EventBatchingCondition):
# a member removed from the definition (an action's Timeout, a BatchWindow) is a change,
# unless the target holds the service's own default for it.
REPLACED_WHOLE = frozenset({"Actions", "EventBatchingCondition"})
SERVICE_DEFAULTS = {("EventBatchingCondition", "BatchWindow"): 900}  # Glue API: "default 900"
# Job fields that may be cleared by removing them from the definition.
CLEARABLE_JOB_FIELDS = (
    "Description",
    "NonOverridableArguments",
    "Connections",
    "SecurityConfiguration",
    "NotificationProperty",
    "LogUri",
    "MaintenanceWindow",
)


def same(desired: Any, remote: Any, key: str = "") -> bool:
    """True when ``remote`` realises ``desired`` (desired keys only, except exact maps)."""
    if remote is None and desired in ("", None):
        return True
    if isinstance(desired, Mapping):
        if not isinstance(remote, Mapping):
            return not desired and remote is None
        if key in EXACT_MAPS:
            return dict(desired) == dict(remote)
        if key in REPLACED_WHOLE and any(
            name not in desired and _is_set(value) and SERVICE_DEFAULTS.get((key, name)) != value
            for name, value in remote.items()
        ):
            return False
        return all(same(value, remote.get(name), name) for name, value in desired.items())
    if isinstance(desired, list):
        if not isinstance(remote, list) or len(desired) != len(remote):
            return not desired and remote is None
        if key in UNORDERED_LISTS:
            return _same_unordered(desired, remote, key)
        return all(same(d, r, key) for d, r in zip(desired, remote, strict=True))
    if isinstance(desired, bool) or isinstance(remote, bool):
        return desired is remote
    if isinstance(desired, int | float) and isinstance(remote, int | float):
        return float(desired) == float(remote)
    return bool(desired == remote)


def _same_unordered(desired: list[Any], remote: list[Any], key: str) -> bool:
    left = list(remote)
    for item in desired:
        for index, candidate in enumerate(left):
            if same(item, candidate, key):
                del left[index]
                break
        else:
            return False
    return True


def changes(
    desired: Mapping[str, Any],
    remote: Mapping[str, Any],
    fields: Iterable[str],
    *,
    clearable: Iterable[str] = (),
) -> dict[str, dict[str, Any]]:
    """``{field: {"From": remote, "To": desired}}`` for every field that differs."""
    found: dict[str, dict[str, Any]] = {}
    for name in fields:
        if name in desired and not same(desired[name], remote.get(name), name):
            found[name] = {"From": remote.get(name), "To": desired[name]}
    for name in clearable:
        if name not in desired and _is_set(remote.get(name)):
            found[name] = {"From": remote.get(name), "To": None}
    return found


def _is_set(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_is_set(v) for v in value.values())
    return value not in (None, "", [], 0)
