"""job_environment + sitecustomize: a plain subprocess's boto3 uses the local target."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from glue_workflow.awsglue_local import SUBMIT_ARGS_ENV, s3_scheme_conf, spark_submit_args
from glue_workflow.local.environment import SITECUSTOMIZE_DIR, job_environment

RunChild = Callable[[str, dict[str, str], Path], str]  # the run_child fixture


def test_plain_boto3_in_a_subprocess_uses_the_local_target(
    tmp_path: Path, run_child: RunChild
) -> None:
    home = tmp_path / "home"
    env = job_environment(
        home,
        base={
            "PATH": "/usr/bin:/bin",
            "AWS_PROFILE": "prod",
            "AWS_ENDPOINT_URL": "http://elsewhere",
        },
    )
    assert "AWS_PROFILE" not in env
    assert "AWS_ENDPOINT_URL" not in env
    assert env["GLUE_WF_HOME"] == str(home.resolve())
    assert env["PYTHONPATH"].split(":")[0] == str(SITECUSTOMIZE_DIR)
    out = run_child(
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "s3.create_bucket(Bucket='made-by-child')\n"
        "s3.put_object(Bucket='made-by-child', Key='k', Body=b'hi')\n"
        "print(boto3.client('glue').list_workflows()['Workflows'])\n",
        env,
        tmp_path,
    )
    assert out.strip() == "[]"
    assert (home / "s3" / "made-by-child" / "k").read_bytes() == b"hi"


def test_no_source_of_real_credentials_reaches_a_child_or_the_env_shell(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """A child (or a glue-wf env shell) keeps none of the credential chain's sources."""
    from glue_workflow.local.environment import unsets

    real = {
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjE...",
        "AWS_SHARED_CREDENTIALS_FILE": "/home/me/.aws/credentials",
        "AWS_CONFIG_FILE": "/home/me/.aws/config",
        "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token",
        "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/r",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/var/run/auth",
    }
    env = job_environment(tmp_path / "home", base={"PATH": "/usr/bin:/bin", **real})
    assert not set(real) & set(env)
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("local", "local")
    for name, value in real.items():
        monkeypatch.setenv(name, value)
    assert set(real) <= set(unsets())


def test_sitecustomize_is_cheap_and_chains(tmp_path: Path, run_child: RunChild) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "sitecustomize.py").write_text("import os\nos.environ['CHAINED'] = 'yes'\n")
    env = job_environment(
        tmp_path / "home", base={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(other)}
    )
    out = run_child(
        "import os, sys\n"
        "print('botocore' in sys.modules, 'glue_workflow' in sys.modules, os.environ['CHAINED'])\n"
        "import awsglue.utils\n",
        env,
        tmp_path,
    )
    assert out.split() == ["False", "False", "yes"]


def test_child_that_imports_glue_wf_itself_still_works(tmp_path: Path, run_child: RunChild) -> None:
    home = tmp_path / "home"
    env = job_environment(home, base={"PATH": "/usr/bin:/bin"})
    # imports glue-wf's dispatch (which imports botocore) before any client exists
    run_child(
        "import glue_workflow.local.dispatch\n"
        "import boto3\n"
        "boto3.client('s3').create_bucket(Bucket='implicit')\n",
        env,
        tmp_path,
    )
    # installs the local target explicitly, as local services' own processes do
    run_child(
        "from glue_workflow.local import install\n"
        f"install({str(home)!r})\n"
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "s3.create_bucket(Bucket='explicit')\n"
        "s3.create_bucket(Bucket='explicit-2')\n",
        env,
        tmp_path,
    )
    assert sorted(p.name for p in (home / "s3").iterdir()) == ["explicit", "explicit-2", "implicit"]


def test_a_job_starting_its_own_spark_gets_the_local_settings(
    tmp_path: Path, run_child: RunChild
) -> None:
    """The runtime imports nothing of glue-wf: the settings come in the environment."""
    code = (
        "import os, sys\n"
        "import awsglue.context\n"
        "print(os.environ.get('PYSPARK_SUBMIT_ARGS'))\n"
        "print(os.environ.get('SPARK_LOCAL_IP'))\n"
        "print('glue_workflow' in sys.modules)\n"
    )
    (tmp_path / "home" / "s3" / "lake").mkdir(parents=True)
    env = job_environment(tmp_path / "home", base={"PATH": "/usr/bin:/bin"})
    # its own spark.read of s3://lake/... reaches the local S3 too
    wanted = spark_submit_args(conf=s3_scheme_conf((tmp_path / "home" / "s3").resolve()))
    assert "spark.hadoop.fs.viewfs.mounttable.lake.linkFallback=glue-wf-local://" in wanted
    assert env[SUBMIT_ARGS_ENV] == wanted
    lines = run_child(code, env, tmp_path).splitlines()
    assert lines == [wanted, "127.0.0.1", "False"]
    # explicit settings (a Spark cluster's) win
    env = job_environment(
        tmp_path / "home", base={"PATH": "/usr/bin:/bin", "PYSPARK_SUBMIT_ARGS": "mine"}
    )
    assert run_child(code, env, tmp_path).splitlines()[0] == "mine"
