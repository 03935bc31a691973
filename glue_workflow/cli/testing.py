"""``glue-wf test FILE``: run a file's scenario tests (``test_*`` functions), no pytest needed."""

from __future__ import annotations

import time
from pathlib import Path

import click


@click.command("test")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-k", "pattern", default=None, help="Only tests whose name contains this text.")
def test_command(path: Path, pattern: str | None) -> None:
    """Run the scenario tests in PATH (glue_workflow.testing); exit 1 if any fails, or
    if PATH selects none (tests that take pytest fixtures are skipped, not failed)."""
    from glue_workflow.errors import RunError
    from glue_workflow.testing.files import load_tests

    found, fixtures = load_tests(path)
    tests = [t for t in found if pattern is None or pattern in t.__name__]
    skipped = [name for name in fixtures if pattern is None or pattern in name]
    for name in skipped:
        click.echo(f"skip {name}: it takes arguments (pytest fixtures): run it with pytest")
    if not tests and not skipped:  # a file or -k that selects nothing is a mistake
        which = f" matching {pattern!r}" if pattern else ""
        raise RunError(f"{path} defines no test_* functions{which}")
    failed = 0
    for test in tests:
        started = time.perf_counter()
        try:
            test()
        except AssertionError as exc:
            failed += 1
            click.echo(f"FAIL {test.__name__}: {exc}")
            continue
        except Exception as exc:
            failed += 1
            click.echo(f"ERROR {test.__name__}: {type(exc).__name__}: {exc}")
            continue
        click.echo(f"ok   {test.__name__} ({(time.perf_counter() - started) * 1000:.0f} ms)")
    click.echo(
        f"{len(tests) - failed} passed, {failed} failed"
        + (f", {len(skipped)} skipped (pytest fixtures)" if skipped else "")
    )
    if failed:
        raise RunError(f"{failed} of {len(tests)} scenario test(s) failed in {path}")


COMMANDS = [test_command]
