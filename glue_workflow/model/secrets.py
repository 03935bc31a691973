"""The one rule for names that look like they carry a secret.

It lives in the job library (``glue_workflow.jobkit.secrets``) because jobs apply it on
Glue's Python 3.9 shell too, to the failure reasons they record; this module is where
the definition, run control and the console import it from.
"""

from __future__ import annotations

from glue_workflow.jobkit.secrets import (
    SECRET_HINT,
    looks_like_access_key_id,
    looks_like_secret,
    redact,
    secret_value_kind,
)

__all__ = [
    "SECRET_HINT",
    "argument_secret",
    "looks_like_access_key_id",
    "looks_like_secret",
    "looks_like_secret_property",
    "redact",
    "secret_property_message",
    "secret_value_kind",
]


def argument_secret(key: str, value: str) -> tuple[bool, str] | None:
    """Why a job argument is refused as a secret, or None: (whether its key is what
    looks secret, the reason following the argument's name). The definition's
    arguments and ``glue-wf job --arg`` share it."""
    if looks_like_secret(key):
        return True, (
            f"looks like a secret; job arguments are logged and shown in the console: {SECRET_HINT}"
        )
    kind = secret_value_kind(value)
    if kind is not None:
        return False, (
            f"holds what looks like {kind}: never put credentials in job arguments; jobs "
            "use their IAM role, or read the secret from Secrets Manager or SSM Parameter "
            "Store at run time"
        )
    return None


def looks_like_secret_property(key: str, value: str) -> bool:
    """The run-property rule, the same for ``run -p``, the console and the definition's
    default run properties: a secret-looking name or an access-key-shaped value."""
    return looks_like_secret(key) or secret_value_kind(value) is not None


def secret_property_message(key: str, value: str) -> str:
    """Why a run property is refused (its name, or its value), and the fix."""
    # the name speaks for itself; a value shaped like a key is said to be the cause
    kind = secret_value_kind(value)
    detail = f" (its value is shaped like {kind})" if kind and not looks_like_secret(key) else ""
    return (
        f"run property {key!r} looks like a secret{detail}: run properties are stored and "
        f"shown in plain text by Glue; {SECRET_HINT}"
    )
