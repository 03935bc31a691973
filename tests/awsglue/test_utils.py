"""getResolvedOptions: Glue's argument semantics, without Spark."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import pytest
from awsglue.utils import GlueArgumentError, getResolvedOptions

from glue_workflow.awsglue_local import RUNTIME_DIR

# Behaviour of this runtime beyond what Glue documents (skipped in the Glue image).
local_only = pytest.mark.skipif(
    os.environ.get("GLUE_WF_REAL_AWSGLUE") == "1", reason="glue-wf local runtime behaviour"
)

ALWAYS = {
    "job_bookmark_option": "job-bookmark-disable",
    "job_bookmark_from": None,
    "job_bookmark_to": None,
    "JOB_ID": None,
    "JOB_RUN_ID": None,
    "SECURITY_CONFIGURATION": None,
    "encryption_type": None,
    "enable_data_lineage": None,
    "RedshiftTempDir": None,
    "TempDir": None,
}


def resolve(*argv: str, options: tuple[str, ...] = ("JOB_NAME",), **kw: bool) -> dict:
    return getResolvedOptions(["script.py", *argv], list(options), **kw)


def test_result_has_always_present_keys_and_requested_ones():
    assert resolve("--JOB_NAME", "j") == {**ALWAYS, "JOB_NAME": "j"}


def test_script_path_is_skipped_and_unknown_arguments_ignored():
    got = resolve(
        "--JOB_NAME", "j", "--enable-metrics", "true", "--extra-py-files", "s3://b/x", "stray"
    )
    assert got["JOB_NAME"] == "j"
    assert "enable_metrics" not in got
    assert "extra_py_files" not in got


def test_missing_required_arguments_are_named_together():
    with pytest.raises(GlueArgumentError, match="the following arguments are required: --A, --B"):
        resolve(options=("A", "B"))


def test_dashes_become_underscores():
    got = resolve("--my-arg", "v", options=("my-arg",))
    assert got["my_arg"] == "v"


def test_equals_form_last_occurrence_wins_and_values_stay_strings():
    got = resolve("--n=1", "--n", "2", "--flag", "", "--sp", "a b", options=("n", "flag", "sp"))
    assert got["n"] == "2"
    assert got["flag"] == ""
    assert got["sp"] == "a b"


def test_value_starting_with_dash_needs_equals_form():
    with pytest.raises(GlueArgumentError, match="expected one argument"):
        resolve("--k", "-abc", options=("k",))
    assert resolve("--k=-abc", options=("k",))["k"] == "-abc"


@local_only
def test_prefix_abbreviations_follow_glue_5_and_can_be_disabled():
    assert resolve("--inp", "x", options=("input_path",))["input_path"] == "x"
    with pytest.raises(GlueArgumentError, match="required: --input_path"):
        resolve("--inp", "x", options=("input_path",), allow_abbrev=False)
    with pytest.raises(GlueArgumentError, match="ambiguous option"):
        resolve("--in", "x", options=("input_a", "input_b"))


def test_bookmark_option_choices_and_continuation_translation():
    assert (
        resolve("--JOB_NAME", "j", "--job-bookmark-option", "job-bookmark-enable")[
            "job_bookmark_option"
        ]
        == "job-bookmark-enable"
    )
    got = resolve("--JOB_NAME", "j", "--continuation-option", "continuation-readonly")
    assert got["job_bookmark_option"] == "job-bookmark-pause"
    assert "continuation_option" not in got
    with pytest.raises(GlueArgumentError, match="invalid choice"):
        resolve("--JOB_NAME", "j", "--job-bookmark-option", "on")


@pytest.mark.parametrize(
    "name", ["job-bookmark-option", "continuation-option", "job-bookmark-from", "job-bookmark-to"]
)
def test_reserved_names_raise_runtime_error(name):
    with pytest.raises(RuntimeError, match=f"Using reserved arguments --{name}"):
        resolve(options=(name,))


@pytest.mark.parametrize(
    "name",
    ["JOB_ID", "JOB_RUN_ID", "SECURITY_CONFIGURATION", "encryption-type", "enable-data-lineage"],
)
def test_glue_defined_names_conflict(name):
    with pytest.raises(argparse.ArgumentError, match="conflicting option string"):
        resolve(options=(name,))


def test_job_run_id_is_available_without_requesting_it():
    assert resolve("--JOB_NAME", "j", "--JOB_RUN_ID", "jr_1")["JOB_RUN_ID"] == "jr_1"


def test_temp_dirs_are_never_required_and_copied_to_each_other():
    got = resolve(options=("TempDir", "RedshiftTempDir"))
    assert got["TempDir"] is None
    assert got["RedshiftTempDir"] is None
    assert resolve("--TempDir", "s3://b/t", options=())["RedshiftTempDir"] == "s3://b/t"
    assert resolve("--RedshiftTempDir", "s3://b/r", options=())["TempDir"] == "s3://b/r"


def test_bookmark_range_rules():
    with pytest.raises(RuntimeError, match="Missing option or value for --job-bookmark-to"):
        resolve(
            "--job-bookmark-option", "job-bookmark-pause", "--job-bookmark-from", "1", options=()
        )
    with pytest.raises(RuntimeError, match="Invalid option"):
        resolve("--job-bookmark-from", "1", "--job-bookmark-to", "2", options=())
    got = resolve(
        "--job-bookmark-option",
        "job-bookmark-pause",
        "--job-bookmark-from",
        "1",
        "--job-bookmark-to",
        "2",
        options=(),
    )
    assert (got["job_bookmark_from"], got["job_bookmark_to"]) == ("1", "2")


def test_encryption_type_choice():
    assert resolve("--encryption-type", "sse-s3", options=())["encryption_type"] == "sse-s3"
    with pytest.raises(GlueArgumentError, match="invalid choice"):
        resolve("--encryption-type", "kms", options=())


@local_only
def test_help_flag_does_not_exit():
    assert resolve("-h", "--JOB_NAME", "j")["JOB_NAME"] == "j"


@local_only
def test_awsglue_and_utils_import_without_pyspark():
    code = (
        "import sys, awsglue; from awsglue.utils import getResolvedOptions; "
        "assert 'pyspark' not in sys.modules, 'pyspark imported'; print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(RUNTIME_DIR)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def _python39() -> str | None:
    """A real Python 3.9 interpreter (pyenv's shims need their environment: skip them)."""
    import glob

    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))
    for candidate in [*found, "/usr/bin/python3.9", "/usr/local/bin/python3.9"]:
        if os.path.isfile(candidate):
            return candidate
    return None


@local_only
@pytest.mark.skipif(_python39() is None, reason="no Python 3.9 interpreter")
def test_utils_runs_on_python_39_like_python_shell_jobs():
    code = (
        "from awsglue.utils import getResolvedOptions; "
        "print(getResolvedOptions(['s', '--JOB_NAME', 'j', '--x=1'], ['JOB_NAME', 'x'])['x'])"
    )
    out = subprocess.run(
        [str(_python39()), "-c", code],
        env={"PYTHONPATH": str(RUNTIME_DIR)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
