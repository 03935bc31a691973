"""Job arguments: Glue passes ``--key value`` pairs on the command line.

``awsglue.utils.getResolvedOptions`` is used for the required names when it can be
imported (Glue, the local runtime); every other ``--key value`` pair is parsed here
too, so a job can read optional arguments without declaring them.
"""

from __future__ import annotations

from collections.abc import Sequence

from glue_workflow.jobkit.errors import JobInputError


def parse_arguments(argv: Sequence[str]) -> dict[str, str]:
    """All ``--key value`` / ``--key=value`` pairs; ``-`` in keys becomes ``_``."""
    result: dict[str, str] = {}
    items: list[str] = list(argv[1:])
    index = 0
    while index < len(items):
        token = items[index]
        index += 1
        if not token.startswith("--") or len(token) == 2:
            continue  # positional values Glue may add are not job arguments
        key = token[2:]
        if "=" in key:
            key, value = key.split("=", 1)
        elif index < len(items) and not items[index].startswith("--"):
            value = items[index]
            index += 1
        else:
            value = ""
        result[key.replace("-", "_")] = value
    return result


def resolve_options(argv: Sequence[str], required: Sequence[str]) -> dict[str, str]:
    """Parsed arguments, with every name in ``required`` present (else JobInputError)."""
    args = parse_arguments(argv)
    missing = [name for name in required if name not in args]
    if missing:
        raise JobInputError(
            "missing job argument(s) "
            + ", ".join("--" + name for name in missing)
            + ": set them in the job's DefaultArguments (the workflow definition) or "
            "the trigger action's Arguments"
        )
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        return args
    # Glue's own parser, when present, is authoritative for the names it resolves.
    resolved = getResolvedOptions(list(argv), list(required))
    args.update({key: str(value) for key, value in resolved.items()})
    return args
