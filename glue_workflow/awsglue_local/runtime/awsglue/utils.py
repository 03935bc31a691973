"""Job argument parsing with Glue's semantics (``getResolvedOptions``).

Written from the public Glue documentation and observed behaviour. Must import and
run on Python 3.9+ with the standard library only: Python shell jobs use it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

__all__ = ["GlueArgumentError", "getResolvedOptions"]

BOOKMARK_CHOICES = ("job-bookmark-enable", "job-bookmark-pause", "job-bookmark-disable")
BOOKMARK_DEFAULT = "job-bookmark-disable"
# Legacy spelling of the bookmark option; translated, then dropped from the result.
CONTINUATION_TO_BOOKMARK = {
    "continuation-enabled": "job-bookmark-enable",
    "continuation-readonly": "job-bookmark-pause",
    "continuation-ignore": "job-bookmark-disable",
}
# Names a script may not request: Glue owns them.
RESERVED = ("job-bookmark-option", "continuation-option", "job-bookmark-from", "job-bookmark-to")
# Never required, even when requested; whichever is given is copied to the other.
TEMP_DIRS = ("TempDir", "RedshiftTempDir")


class GlueArgumentError(Exception):
    """The job's command line lacks a requested argument or cannot be parsed."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise GlueArgumentError(message)


def _parser(allow_abbrev: bool) -> _Parser:
    parser = _Parser(add_help=False, allow_abbrev=allow_abbrev)
    parser.add_argument("--job-bookmark-option", choices=BOOKMARK_CHOICES, required=False)
    parser.add_argument(
        "--continuation-option", choices=tuple(CONTINUATION_TO_BOOKMARK), required=False
    )
    parser.add_argument("--job-bookmark-from", required=False)
    parser.add_argument("--job-bookmark-to", required=False)
    parser.add_argument("--JOB_ID", required=False)
    parser.add_argument("--JOB_RUN_ID", required=False)
    parser.add_argument("--SECURITY_CONFIGURATION", required=False)
    parser.add_argument("--encryption-type", choices=("sse-s3",), required=False)
    parser.add_argument("--enable-data-lineage", required=False)
    parser.add_argument("--RedshiftTempDir", required=False)
    parser.add_argument("--TempDir", required=False)
    return parser


def getResolvedOptions(
    args: Sequence[str], options: Sequence[str], allow_abbrev: bool = True
) -> dict[str, str | None]:
    """Resolve the requested ``options`` from ``args`` (``sys.argv``) as Glue does.

    Every requested name ``X`` is a required ``--X``; unknown arguments are ignored;
    dashes in names become underscores in the result; values stay strings; the last
    occurrence of a repeated argument wins. ``allow_abbrev=False`` rejects prefix
    abbreviations (Glue 6.0 behaviour); Glue 5.x accepts them.
    """
    reserved = [name for name in options if name in RESERVED]
    if reserved:
        raise RuntimeError(
            "Using reserved arguments " + ", ".join("--" + name for name in reserved)
        )
    parser = _parser(allow_abbrev)
    for name in options:
        if name in TEMP_DIRS:
            continue
        # A name Glue always defines (JOB_ID, JOB_RUN_ID, ...) conflicts here and
        # raises argparse.ArgumentError, as on Glue.
        parser.add_argument("--" + name, required=True)

    parsed, _unknown = parser.parse_known_args(list(args[1:]))
    result: dict[str, str | None] = vars(parsed)

    continuation = result.pop("continuation_option")
    if result["job_bookmark_option"] is None:
        result["job_bookmark_option"] = (
            CONTINUATION_TO_BOOKMARK[continuation] if continuation else BOOKMARK_DEFAULT
        )
    _check_bookmark_range(result)

    if result["TempDir"] is None:
        result["TempDir"] = result["RedshiftTempDir"]
    elif result["RedshiftTempDir"] is None:
        result["RedshiftTempDir"] = result["TempDir"]
    return result


def _check_bookmark_range(result: dict[str, str | None]) -> None:
    option = result["job_bookmark_option"]
    given: list[str] = [
        "--" + name.replace("_", "-")
        for name in ("job_bookmark_from", "job_bookmark_to")
        if result[name] is not None
    ]
    if option == "job-bookmark-pause":
        if len(given) == 1:
            missing = (
                "--job-bookmark-to"
                if given[0] == "--job-bookmark-from"
                else ("--job-bookmark-from")
            )
            raise RuntimeError(
                f"Missing option or value for {missing}: job-bookmark-pause with "
                f"{given[0]} needs both --job-bookmark-from and --job-bookmark-to"
            )
    elif len(given) == 2:
        raise RuntimeError(
            f"Invalid option(s) --job-bookmark-from and --job-bookmark-to with "
            f"--job-bookmark-option {option}: a bookmark range needs job-bookmark-pause"
        )
