"""A failed job's ErrorMessage: the last line it printed, both ends kept when long."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from glue_workflow.local.glue.jobproc import _shorten

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_long_last_line_keeps_its_fix() -> None:
    line = "input is missing column(s) Churn (columns: " + "x, " * 400 + "); fix the input"
    short = _shorten(line)
    assert len(short) <= 603
    assert short.startswith("input is missing column(s) Churn")
    assert short.endswith("); fix the input")
    assert _shorten("short") == "short"


def test_a_long_line_is_cut_between_words() -> None:
    # cut mid-number, "missing_value in 'score': 30" read as 3
    words = " ".join(f"value{i}: {1000 + i}" for i in range(100))
    short = _shorten(words, 100)
    head, tail = short.split(" … ")
    assert words.startswith(head)
    assert words.endswith(tail)
    assert words[len(head)] == " "
    assert words[-len(tail) - 1] == " "
    assert len(short) <= 103


def test_preprocess_argument_error_is_one_line_without_traceback() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "jobs" / "preprocess.py"),
            "--JOB_NAME",
            "pre",
            "--input_uri",
            "file:///nonexistent.csv",
            "--output_uri",
            "file:///tmp/unused",
            "--train_fraction",
            "2",
        ],
        env={
            "PYTHONPATH": str(PROJECT_ROOT / "glue_workflow" / "awsglue_local" / "runtime"),
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "glue-wf job failed: preprocess: --train_fraction must be between 0 and 1 "
        "(exclusive), got 2"
    )


def test_a_killed_job_leads_with_the_signal_not_its_last_line(tmp_path: Path) -> None:
    from glue_workflow.local.glue.jobproc import failure_message
    from glue_workflow.local.glue.logs import job_log_path
    from glue_workflow.local.store import LocalHome

    home = LocalHome(tmp_path / "home").ensure()
    log = job_log_path(home.root, "jr_1")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("glue-wf: Spark job attached to the warm Spark (JVM pid 42)\n")
    assert failure_message(home, "jr_1", -9) == (
        "job process killed by signal 9 (SIGKILL); its last line: glue-wf: Spark job attached "
        f"to the warm Spark (JVM pid 42) (log: {log})"
    )
    # exited after printing output (sys.exit(3)): the line is output, not the reason
    assert failure_message(home, "jr_1", 3) == (
        "job process ended with exit code 3; its last line: glue-wf: Spark job attached to "
        f"the warm Spark (JVM pid 42) (log: {log})"
    )
    for reason in (
        "ValueError: boom",
        "glue-wf job failed: preprocess: no input",
        "py4j.protocol.Py4JJavaError: An error occurred while calling o1.csv.",
        "SystemExit: 2",
    ):
        log.write_text(f"some output\n{reason}\n")
        assert failure_message(home, "jr_1", 4) == f"{reason} (exit code 4; log: {log})"
    log.write_text("property model is None\n")  # sys.exit("why") exits 1
    assert failure_message(home, "jr_1", 1) == f"property model is None (exit code 1; log: {log})"


def test_an_exception_of_several_lines_is_told_by_its_first(tmp_path: Path) -> None:
    """Spark's AnalysisException message carries the query plan: the exception's line,
    not the plan's last, says why."""
    from glue_workflow.local.glue.jobproc import failure_message
    from glue_workflow.local.glue.logs import job_log_path
    from glue_workflow.local.store import LocalHome

    home = LocalHome(tmp_path / "home").ensure()
    log = job_log_path(home.root, "jr_1")
    log.parent.mkdir(parents=True, exist_ok=True)
    reason = (
        "pyspark.errors.exceptions.captured.AnalysisException: [UNRESOLVED_COLUMN.WITH_"
        "SUGGESTION] A column or function parameter with name `order_idd` cannot be resolved."
    )
    log.write_text(
        "Traceback (most recent call last):\n"
        '  File "/w/jobs/bad_sql.py", line 9, in <module>\n'
        '    spark.sql("SELECT order_idd FROM o")\n'
        f"{reason}\n"
        "'Project ['order_idd]\n"
        "+- SubqueryAlias o\n"
        "   +- Relation [amount#1960,order_id#1961] json\n"
    )
    assert failure_message(home, "jr_1", 1) == f"{reason} (exit code 1; log: {log})"
    java = "java.io.FileNotFoundException: File file:/w/in.csv does not exist"
    log.write_text(
        "Traceback (most recent call last):\n"
        '  File "/w/jobs/x.py", line 3, in <module>\n'
        "py4j.protocol.Py4JJavaError: An error occurred while calling o81.csv.\n"
        f": {java}\n"
        "\tat org.apache.hadoop.fs.RawLocalFileSystem.getFileStatus(RawLocalFileSystem.java:1)\n"
    )
    assert failure_message(home, "jr_1", 1) == (
        f"py4j.protocol.Py4JJavaError: An error occurred while calling o81.csv. {java} (exit "
        f"code 1; log: {log})"
    )
