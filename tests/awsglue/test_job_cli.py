"""``glue-wf job``: Glue's argv for a script, exit code passed through (no Spark)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli

SCRIPT = """
import json, sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["JOB_NAME", "name"])
extra = {}
if "--WORKFLOW_NAME" in sys.argv:
    extra = getResolvedOptions(sys.argv, ["WORKFLOW_NAME", "WORKFLOW_RUN_ID"])
with open("seen.json", "w") as handle:
    json.dump({"args": args, "extra": extra, "argv": sys.argv[1:]}, handle)
sys.exit(4 if args["name"] == "fail" else 0)
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "glue-wf.toml").write_text("[workflow]\n")
    (tmp_path / "hello.py").write_text(SCRIPT)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GLUE_WF_HOME", str(tmp_path / "home"))
    return tmp_path


def test_script_gets_glue_argv_and_workflow_ids(project):
    result = CliRunner().invoke(
        cli,
        [
            "job",
            "hello.py",
            "--arg",
            "name=ann",
            "--arg",
            "--extra=1 2",
            "--workflow-run-id",
            "wr_7",
            "--workflow-name",
            "wf",
        ],
    )
    assert result.exit_code == 0, result.output
    seen = json.loads((project / "seen.json").read_text())
    assert seen["args"]["JOB_NAME"] == "hello"
    assert seen["args"]["name"] == "ann"
    assert seen["args"]["JOB_RUN_ID"].startswith("jr_")
    assert seen["args"]["job_bookmark_option"] == "job-bookmark-disable"
    assert seen["extra"]["WORKFLOW_NAME"] == "wf"
    assert seen["extra"]["WORKFLOW_RUN_ID"] == "wr_7"
    assert "--extra" in seen["argv"]
    assert seen["argv"][seen["argv"].index("--extra") + 1] == "1 2"


def test_exit_code_is_the_jobs_and_python_shell_has_no_run_id(project):
    result = CliRunner().invoke(
        cli, ["job", "hello.py", "--arg", "name=fail", "--pythonshell", "--job-name", "my-job"]
    )
    assert result.exit_code == 4
    seen = json.loads((project / "seen.json").read_text())
    assert seen["args"]["JOB_RUN_ID"] is None
    assert seen["args"]["JOB_NAME"] == "my-job"


def test_a_script_the_definition_runs_as_a_python_shell_job_runs_as_one(project):
    """A script path the workflow's Python shell nodes run: no Spark argv (nor the warm
    Spark it would start), as in a run of the node."""
    (project / "glue-wf.toml").write_text(
        '[workflow]\ndefinition = "wf.py"\nattribute = "workflow"\n'
    )
    (project / "wf.py").write_text(
        "from glue_workflow.model import PythonShellJob, Workflow\n"
        'workflow = Workflow(name="wf", max_concurrent_runs=1, nodes=(PythonShellJob(\n'
        '    name="a", script="hello.py", jobkit=False),))\n'
    )
    result = CliRunner().invoke(cli, ["job", "hello.py", "--arg", "name=ann"])
    assert result.exit_code == 0, result.output
    seen = json.loads((project / "seen.json").read_text())
    assert seen["args"]["JOB_RUN_ID"] is None
    assert "--JOB_ID" not in seen["argv"]


def test_a_shell_script_of_a_jobkit_node_gets_the_job_library(project):
    """`glue-wf job jobs/x.py` of a node's script: its `import glue_workflow.jobkit`
    works under Glue's Python 3.9 as in a run (it failed: No module named
    'glue_workflow')."""
    (project / "glue-wf.toml").write_text(
        '[workflow]\ndefinition = "wf.py"\nattribute = "workflow"\n'
    )
    (project / "wf.py").write_text(
        "from glue_workflow.model import PythonShellJob, Workflow\n"
        'workflow = Workflow(name="wf", max_concurrent_runs=1, nodes=(PythonShellJob(\n'
        '    name="a", script="kit.py"),))\n'
    )
    (project / "kit.py").write_text(
        "import json, sys\nimport glue_workflow.jobkit\n"
        "json.dump([glue_workflow.jobkit.__file__, sys.version_info[:2]], open('seen.json', 'w'))\n"
    )
    result = CliRunner().invoke(cli, ["job", "kit.py"])
    assert result.exit_code == 0, result.output
    where, version = json.loads((project / "seen.json").read_text())
    assert version == [3, 9]
    assert ".whl/glue_workflow/jobkit/__init__.py" in where  # the wheel a run puts in S3


def test_an_unknown_node_name_gets_the_closest_node(project):
    (project / "glue-wf.toml").write_text(
        '[workflow]\ndefinition = "wf.py"\nattribute = "workflow"\n'
    )
    (project / "wf.py").write_text(
        "from glue_workflow.model import PythonShellJob, Workflow\n"
        'workflow = Workflow(name="wf", max_concurrent_runs=1, nodes=(PythonShellJob(\n'
        '    name="dq_check", script="hello.py", jobkit=False),))\n'
    )
    result = CliRunner().invoke(cli, ["job", "dq-check"])
    assert result.exit_code == 1
    assert str(result.exception) == (
        "no job 'dq-check' in workflow wf (jobs: wf-dq_check); did you mean dq_check?; or "
        "pass a script path (a .py file)"
    )


def test_extra_files_are_in_the_jobs_working_directory(project):
    """As Glue and a workflow run: the script opens its --extra-files by name."""
    conf = project / "home" / "s3" / "bkt" / "conf" / "settings.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("mode=fast\n")
    out = project / "read.txt"
    (project / "reads.py").write_text(
        f"import os\nopen({str(out)!r}, 'w').write(open('settings.conf').read() + os.getcwd())\n"
    )
    result = CliRunner().invoke(
        cli, ["job", "reads.py", "--arg", "--extra-files=s3://bkt/conf/settings.conf"]
    )
    assert result.exit_code == 0, result.output
    text, cwd = out.read_text().split("\n", 1)
    assert text == "mode=fast"
    assert cwd.startswith(str(project / "home" / "work" / "jobs" / "jr_"))
    assert f"glue-wf: working directory {cwd} (its --extra-files copied in, as Glue does)" in (
        result.output
    )
    missing = CliRunner().invoke(
        cli, ["job", "reads.py", "--arg", "--extra-files=s3://bkt/conf/nope.conf"]
    )
    assert missing.exit_code == 1
    assert str(missing.exception).startswith(
        "job reads: --extra-files entry s3://bkt/conf/nope.conf not found in the local target"
    )


def test_bad_arguments_and_missing_script(project):
    result = CliRunner().invoke(cli, ["job", "hello.py", "--arg", "novalue"])
    assert result.exit_code == 2
    assert "'novalue' is not KEY=VALUE" in result.output
    result = CliRunner().invoke(cli, ["job", "missing.py"])
    assert result.exit_code == 1
    assert "job script missing.py not found" in str(result.exception)
    result = CliRunner().invoke(cli, ["job", "hello.py", "--target", "aws"])
    assert "glue-wf job runs a job on this machine against the local target" in str(
        result.exception
    )


ENV_SCRIPT = """
import json, os
names = ("PYSPARK_SUBMIT_ARGS", "GLUE_WF_SPARK_MASTER")
with open("env.json", "w") as handle:
    json.dump({k: os.environ.get(k) for k in names}, handle)
"""


def test_spark_master_runs_a_script_as_an_application_on_that_cluster(project, monkeypatch):
    monkeypatch.delenv("GLUE_WF_SPARK_MASTER", raising=False)
    (project / "glue-wf.toml").write_text('[workflow]\n[target.local]\nspark_master = "yarn"\n')
    (project / "env_job.py").write_text(ENV_SCRIPT)
    result = CliRunner().invoke(cli, ["job", "env_job.py"])
    assert result.exit_code == 0, result.output
    seen = json.loads((project / "env.json").read_text())
    assert seen["GLUE_WF_SPARK_MASTER"] == "yarn"
    args = seen["PYSPARK_SUBMIT_ARGS"]
    assert args.startswith("--master yarn --py-files ")
    assert "'spark.app.name=env_job jr_" in args
    assert "spark.executor.instances=2" in args  # a script: Glue's default 2 DPU
    assert "glue-wf: Spark job on cluster yarn: 2 DPU: 2 executor(s) x 4 cores, 16384 MB" in (
        result.output
    )


def test_a_bad_spark_master_fails_before_the_job_starts(project, monkeypatch):
    monkeypatch.setenv("GLUE_WF_SPARK_MASTER", "spark://nohost")
    (project / "env_job.py").write_text(ENV_SCRIPT)
    result = CliRunner().invoke(cli, ["job", "env_job.py"])
    assert result.exit_code == 1
    assert "spark_master='spark://nohost' is not a Spark master URL" in str(result.exception)
    assert not (project / "env.json").exists()


SHELL_SCRIPT = """
import json, sys
import boto3
s3 = boto3.client("s3")
s3.create_bucket(Bucket="from-the-shell")
names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
with open("shell.json", "w") as handle:
    json.dump({"version": list(sys.version_info[:2]), "buckets": names}, handle)
"""


@pytest.mark.py39
def test_a_python_shell_job_runs_under_the_python_a_run_gives_it(project, monkeypatch):
    from glue_workflow.local.interpreters import py39_venv_python

    if not py39_venv_python().is_file():
        pytest.skip("no .venv-py39: run make setup")
    # a user's shell: no AWS credentials anywhere (the gateway in this process needs none)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(project / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(project / "no-config"))
    (project / "shell_job.py").write_text(SHELL_SCRIPT)
    result = CliRunner().invoke(cli, ["job", "shell_job.py", "--pythonshell"])
    assert result.exit_code == 0, result.output
    seen = json.loads((project / "shell.json").read_text())
    # before: the project's Python 3.11, so a 3.10 construct passed here and failed in a run
    assert seen["version"] == [3, 9]
    assert "from-the-shell" in seen["buckets"]  # its boto3 answered by the local target
    assert "glue-wf: Python shell job under Python 3.9 (.venv-py39" in result.output


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (
            "-p",
            "password=hunter2",
            "run property 'password' looks like a secret: run properties are stored and "
            "shown in plain text by Glue; keep the secret",
        ),
        (
            "--arg",
            "--db_password=hunter2",
            "job argument '--db_password' looks like a secret; job arguments are logged and "
            "shown in the console: keep the secret",
        ),
        (
            "--arg",
            "--x=AKIAABCDEFGHIJKLMNOP",
            "job argument '--x' holds what looks like an AWS access key id: never put "
            "credentials in job arguments; jobs use their IAM role",
        ),
    ],
)
def test_secrets_on_the_command_line_are_refused_before_the_job_runs(
    project, option, value, message
):
    result = CliRunner().invoke(cli, ["job", "hello.py", option, value])
    assert result.exit_code != 0
    # a usage error is printed; a configuration error reaches glue-wf's own handler
    said = result.output if result.output else str(result.exception)
    assert message in " ".join(said.split())
    assert not (project / "seen.json").exists()
