"""Job bookmarks of the local awsglue runtime: a committed run's files are not read again.

AWS doc "Tracking processed data using job bookmarks": state per transformation_ctx,
saved by job.commit; S3 objects modified since are read again; pause reads what is
unread without saving; no transformation_ctx, no bookmark.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.spark

ENABLE = {"job_bookmark_option": "job-bookmark-enable", "JOB_RUN_ID": "jr_1"}


def put(home: Path, key: str, text: str) -> Path:
    path = home / "s3" / "bkt" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def ids(frame: Any) -> list[int]:
    df = frame.toDF()
    return sorted(int(r["id"]) for r in df.collect()) if df.columns else []


def run(glue_context: Any, args: dict[str, str], ctx: str = "src", commit: bool = True) -> Any:
    """One job run: init, read s3://bkt/in/ under ``ctx``, commit."""
    from awsglue.job import Job

    job = Job(glue_context)
    job.init("bm-job", args)
    frame = glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": ["s3://bkt/in/"]}, "csv", {"withHeader": True}, transformation_ctx=ctx
    )
    read = ids(frame)
    if commit:
        job.commit()
    return read


def test_an_enabled_bookmark_reads_each_file_once(glue_home: Path, glue_context: Any) -> None:
    put(glue_home, "in/a.csv", "id\n1\n2\n")
    assert run(glue_context, ENABLE) == [1, 2]
    assert run(glue_context, ENABLE) == []  # nothing new: an empty frame
    put(glue_home, "in/b.csv", "id\n3\n")
    assert run(glue_context, ENABLE, commit=False) == [3]  # the run failed before commit
    assert run(glue_context, ENABLE) == [3]  # so the next run reads it again
    modified = put(glue_home, "in/a.csv", "id\n1\n2\n4\n")
    os.utime(modified, ns=(modified.stat().st_atime_ns, modified.stat().st_mtime_ns + 10**9))
    assert run(glue_context, ENABLE) == [1, 2, 4]  # modified since: read again
    saved = next((glue_home / "bookmarks").glob("*.json"))
    state = json.loads(saved.read_text())
    assert (state["JobName"], state["Run"], state["Version"]) == ("bm-job", 4, 4)
    assert sorted(Path(f).name for f in state["States"]["src"]) == ["a.csv", "b.csv"]


def test_no_context_pause_and_disable(glue_home: Path, glue_context: Any) -> None:
    put(glue_home, "in/a.csv", "id\n1\n")
    assert run(glue_context, ENABLE) == [1]
    assert run(glue_context, ENABLE, ctx="") == [1]  # no transformation_ctx: no bookmark
    assert run(glue_context, ENABLE, ctx="other") == [1]  # its own state element
    put(glue_home, "in/b.csv", "id\n2\n")
    paused = {"job_bookmark_option": "job-bookmark-pause"}
    assert run(glue_context, paused) == [2]
    assert run(glue_context, paused) == [2]  # a paused run saves nothing
    assert run(glue_context, {"job_bookmark_option": "job-bookmark-disable"}) == [1, 2]
    assert run(glue_context, ENABLE) == [2]


def test_a_partitioned_catalog_table_reads_new_partitions_with_their_keys(
    glue_home: Path, glue_context: Any
) -> None:
    from awsglue._catalog import register_table
    from awsglue.job import Job

    put(glue_home, "lake/t/dt=2024-01-01/part-0.json", '{"id": 1}\n')
    register_table("lake", "t", location="s3://bkt/lake/t/", format="json", partition_keys=["dt"])

    def read() -> list[tuple[int, str]]:
        job = Job(glue_context)
        job.init("bm-cat", ENABLE)
        frame = glue_context.create_dynamic_frame.from_catalog(
            database="lake", table_name="t", transformation_ctx="lake_t"
        )
        df = frame.toDF()
        job.commit()
        return sorted((int(r["id"]), r["dt"]) for r in df.collect()) if df.columns else []

    assert read() == [(1, "2024-01-01")]
    put(glue_home, "lake/t/dt=2024-01-02/part-0.json", '{"id": 2}\n')
    assert read() == [(2, "2024-01-02")]
    assert read() == []


def test_a_paused_range_of_runs_is_refused(glue_context: Any) -> None:
    from awsglue._errors import UnsupportedFeatureError
    from awsglue.job import Job

    args = {
        "job_bookmark_option": "job-bookmark-pause",
        "job_bookmark_from": "jr_1",
        "job_bookmark_to": "jr_2",
    }
    with pytest.raises(UnsupportedFeatureError) as info:
        Job(glue_context).init("j", args)
    assert str(info.value) == (
        "job-bookmark-pause with --job-bookmark-from/--job-bookmark-to (a range of earlier "
        "runs) is not supported by the local awsglue runtime (glue-wf local target): pause "
        "without them reads what the last committed run left unread"
    )


def test_get_and_reset_job_bookmark_answer_from_the_runs_state(
    glue_home: Path, glue_context: Any
) -> None:
    """GetJobBookmark / ResetJobBookmark (local Glue) read and clear what runs kept; a
    reset job reads every input again; deleting the job deletes its bookmark."""
    import boto3
    from botocore.exceptions import ClientError

    from glue_workflow.local import install, uninstall

    put(glue_home, "in/a.csv", "id\n1\n")
    install(glue_home)
    try:
        glue = boto3.client("glue", region_name="us-east-1")
        glue.create_job(
            Name="bm-job", Role="r", Command={"Name": "glueetl", "ScriptLocation": "s3://bkt/x.py"}
        )
        with pytest.raises(ClientError) as none_yet:
            glue.get_job_bookmark(JobName="bm-job")
        assert none_yet.value.response["Error"] == {
            "Code": "EntityNotFoundException",
            "Message": "Continuation for job bm-job not found",
        }
        assert run(glue_context, ENABLE) == [1]
        entry = glue.get_job_bookmark(JobName="bm-job")["JobBookmarkEntry"]
        assert (entry["Run"], entry["Version"], entry["RunId"]) == (1, 1, "jr_1")
        assert "a.csv" in entry["JobBookmark"]
        assert run(glue_context, ENABLE) == []
        assert glue.reset_job_bookmark(JobName="bm-job")["JobBookmarkEntry"]["Run"] == 2
        assert run(glue_context, ENABLE) == [1]  # reset: every input again
        glue.delete_job(JobName="bm-job")
        assert not list((glue_home / "bookmarks").glob("*.json"))
        with pytest.raises(ClientError) as gone:
            glue.reset_job_bookmark(JobName="bm-job")
        assert gone.value.response["Error"]["Code"] == "EntityNotFoundException"
    finally:
        uninstall()


def test_a_bookmark_follows_files_read_through_compression_type(
    glue_home: Path, glue_context: Any
) -> None:
    """compressionType reads an object without its codec's extension through a link: the
    bookmark still knows which object a row came from."""
    import gzip

    from awsglue.job import Job

    def put_gz(key: str, text: str) -> None:
        path = glue_home / "s3" / "bkt" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(text.encode()))

    def read() -> list[int]:
        job = Job(glue_context)
        job.init("bm-gz", ENABLE)
        frame = glue_context.create_dynamic_frame.from_options(
            "s3",
            {"paths": ["s3://bkt/gz/"], "compressionType": "gzip"},
            "csv",
            {"withHeader": True},
            transformation_ctx="src",
        )
        found = ids(frame)
        job.commit()
        return found

    put_gz("gz/a", "id\n1\n")
    assert read() == [1]
    put_gz("gz/b", "id\n2\n")
    assert read() == [2]
