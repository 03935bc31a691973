"""The runtime's one adapter to the local target: ``s3://`` URIs -> files under
``$GLUE_WF_HOME/s3`` (no pyspark, no glue_workflow import)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("GLUE_WF_REAL_AWSGLUE") == "1", reason="the local runtime's own module"
)


def test_s3_schemes_map_under_the_home(glue_home: Path) -> None:
    from awsglue._paths import local_path

    expected = str(glue_home.resolve() / "s3" / "bkt" / "data" / "x.csv")
    assert local_path("s3://bkt/data/x.csv") == expected
    assert local_path("s3a://bkt/data/x.csv") == expected
    assert local_path("s3n://bkt/data/x.csv") == expected
    assert local_path("s3://bkt") == str(glue_home.resolve() / "s3" / "bkt")


def test_file_uris_and_paths_pass_through(glue_home: Path) -> None:
    from awsglue._paths import local_path

    assert local_path("file:///tmp/x.csv") == "/tmp/x.csv"
    assert local_path("relative/x.csv") == "relative/x.csv"


def test_keys_that_leave_their_bucket_are_refused(glue_home: Path) -> None:
    from awsglue._errors import GlueRuntimeError
    from awsglue._paths import local_path

    for uri in ("s3://bkt/../other/x", "s3://bkt//etc/passwd", "s3://bkt/a/../../x"):
        with pytest.raises(GlueRuntimeError, match="escapes its bucket"):
            local_path(uri)
    assert local_path("s3://bkt/a/../b").endswith("/s3/bkt/b")  # stays inside: allowed


def test_invalid_bucket_names_are_refused(glue_home: Path) -> None:
    from awsglue._errors import GlueRuntimeError
    from awsglue._paths import local_path

    for uri in ("s3://Upper/x", "s3://a/x", "s3:///x", "s3://b..c/x", "s3://../x"):
        with pytest.raises(GlueRuntimeError, match="invalid bucket name"):
            local_path(uri)


def test_a_missing_bucket_is_refused_as_s3_does(glue_home: Path) -> None:
    """S3 answers NoSuchBucket; writing would otherwise create the bucket's folder."""
    from awsglue._errors import GlueRuntimeError
    from awsglue._paths import local_path

    with pytest.raises(GlueRuntimeError) as raised:
        local_path("s3://typo-bkt/out/")
    assert str(raised.value) == (
        "NoSuchBucket: the specified bucket does not exist: 'typo-bkt' in 's3://typo-bkt/out/'; "
        "fix the bucket name, or create the bucket (`glue-wf deploy` creates the artifacts "
        'bucket; another with `aws s3 mb` after `eval "$(glue-wf env)"`, as on AWS)'
    )
    assert not (glue_home / "s3" / "typo-bkt").exists()


def test_runtime_errors_are_its_own() -> None:
    from awsglue._errors import ErrorThresholdExceeded, GlueRuntimeError, UnsupportedFeatureError

    assert issubclass(ErrorThresholdExceeded, GlueRuntimeError)
    assert issubclass(UnsupportedFeatureError, NotImplementedError)
    for cls in (GlueRuntimeError, UnsupportedFeatureError):
        assert all(base.__module__ in ("builtins", "awsglue._errors") for base in cls.__mro__)
    error = UnsupportedFeatureError("JDBC connections", "use S3")
    assert str(error) == (
        "JDBC connections is not supported by the local awsglue runtime (glue-wf local "
        "target): use S3"
    )
