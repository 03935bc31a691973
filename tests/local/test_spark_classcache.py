"""The Spark class archive: written once per machine by the warm Spark's JVM as it
exits, then every local Spark JVM starts from it."""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import Any

import pytest
from test_warm_spark import _ready, _seen, _wait

from glue_workflow.awsglue_local import JIT_OPTIONS, jvmguard, spark_submit_args
from glue_workflow.local.environment import job_environment
from glue_workflow.local.spark import classcache, control


@pytest.fixture
def archives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "spark-cds"
    monkeypatch.setenv(classcache.ENV_DIR, str(directory))
    return directory


def test_off_means_no_archive_and_no_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(classcache.ENV_DIR, "off")
    assert classcache.dump_target(os.getpid()) is None
    assert classcache.java_options() == ""


def test_a_written_part_becomes_the_archive_and_stale_parts_go(archives: Path) -> None:
    part = classcache.dump_target(os.getpid())
    assert part is not None
    assert part.parent == archives
    assert part.name.endswith(f".{os.getpid()}.part")
    key = part.name.split(".")[0]
    stale = archives / f"{key}.999999999.part"  # a writer that died before its rename
    stale.write_bytes(b"half")
    assert classcache.dump_target(os.getpid()) == part
    assert not stale.exists()
    assert classcache.java_options() == ""  # nothing written yet
    part.write_bytes(b"classes")
    assert classcache.keep(part)
    assert classcache.java_options() == f"-XX:SharedArchiveFile={archives / (key + '.jsa')}"
    assert classcache.dump_target(os.getpid()) is None  # written once


def test_java_options_reach_the_jvm_quoted() -> None:
    option = classcache.java_option("SharedArchiveFile", Path("/a b/c.jsa"))
    args = shlex.split(spark_submit_args("1g", option))
    at = args.index("--driver-java-options")
    # one string for the shell, and Spark's launcher keeps the quoted path one option
    guard = jvmguard.java_options()
    assert args[at + 1] == f"{JIT_OPTIONS} {guard} -XX:SharedArchiveFile='/a b/c.jsa'"
    assert args[-1] == "pyspark-shell"


def _jvm_command(home: Path) -> str:
    status = _ready(home, 240)
    return Path(f"/proc/{status['jvm_pid']}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.spark
def test_the_warm_spark_writes_the_archive_and_the_next_jvm_starts_from_it(
    warm_home: Path, archives: Path, warm_glue: Any
) -> None:
    glue = warm_glue
    clean = "gateway=attached sum=4950"

    first = glue.start_job_run(JobName="probe")["JobRunId"]
    assert _wait(glue, first)["JobRunState"] == "SUCCEEDED"
    assert clean in _seen(warm_home, first)
    command = _jvm_command(warm_home)
    assert f"-XX:ArchiveClassesAtExit={archives}/" in command
    assert f" {JIT_OPTIONS} " in command  # wide generated code is JIT-compiled
    control.stop(warm_home)
    deadline = time.monotonic() + 240
    while not list(archives.glob("*.jsa")):  # written as the JVM exits
        assert time.monotonic() < deadline, list(archives.iterdir())
        time.sleep(0.2)
    (archive,) = archives.glob("*.jsa")
    assert not list(archives.glob("*.part"))

    # a new warm Spark (and any local Spark JVM) starts from it
    env = job_environment(warm_home, dict(os.environ))
    assert f"-XX:SharedArchiveFile={archive}" in env["GLUE_WF_SPARK_SUBMIT_ARGS"]
    second = glue.start_job_run(JobName="probe")["JobRunId"]
    assert _wait(glue, second)["JobRunState"] == "SUCCEEDED"
    assert clean in _seen(warm_home, second)
    assert f"-XX:SharedArchiveFile={archive}" in _jvm_command(warm_home)
