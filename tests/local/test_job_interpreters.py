"""Local jobs run as Glue runs them, whoever started them.

* A Python shell job imports the job library only from the wheel deploy uploaded
  (``--extra-py-files``), never from the source tree: a module the wheel does not ship
  fails to import locally as it would on Glue.
* Jobs, the engine and SageMaker workers run under the project's interpreter even
  when the call comes from a bare Python that has only boto3 (as the AWS CLI or a
  script in another virtualenv under ``glue-wf env``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path
from typing import Any

import boto3
import pytest

from glue_workflow.artifacts import build_jobkit_wheel
from glue_workflow.local.environment import PACKAGE_ROOT, job_environment
from glue_workflow.local.glue.jobproc import JobLaunch, shell_spare_environment, start_job_process
from glue_workflow.local.glue.logs import job_log_path
from glue_workflow.local.glue.shellspare import ShellSpares
from glue_workflow.local.interpreters import shell_python
from glue_workflow.local.store import LocalHome

BUCKET = "glue-wf-local"
SITE = Path(boto3.__file__).resolve().parents[1]  # the project venv's site-packages
BOTO_ONLY = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")


def _put(home: Path, key: str, data: bytes) -> str:
    path = home / "s3" / BUCKET / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"s3://{BUCKET}/{key}"


def _run_shell_job(
    home: Path,
    script: str,
    job_run_id: str,
    *,
    warm: bool = False,
    arguments: dict[str, str] | None = None,
) -> tuple[int, str]:
    """Run ``script`` as a Python shell job; ``warm``: in a ready spare interpreter."""
    name, wheel = build_jobkit_wheel()
    job = {
        "Name": "wf-job",
        "Command": {
            "Name": "pythonshell",
            "PythonVersion": "3.9",
            "ScriptLocation": _put(home, "scripts/job.py", script.encode()),
        },
    }
    args = {"--JOB_NAME": "wf-job", "--extra-py-files": _put(home, f"lib/{name}", wheel)}
    args.update(arguments or {})
    gateway = "http://127.0.0.1:9/unused"
    spares = ShellSpares(home / "spares.log")
    if warm:
        shell = shell_python("3.9").executable
        spares.start(shell, shell_spare_environment(job_environment(home), gateway))
        assert spares.wait_ready(shell, 120)
    proc = start_job_process(
        LocalHome(home),
        JobLaunch(job_run_id=job_run_id, job=job, arguments=args),
        job_environment(home),
        gateway=lambda: gateway,
        spares=spares,
    )
    code = proc.wait(timeout=120)
    spares.stop()
    return code, job_log_path(home, job_run_id).read_text()


@pytest.mark.parametrize(("shell", "warm"), [("auto", False), ("project", False), ("auto", True)])
def test_python_shell_job_imports_the_job_library_only_from_the_uploaded_wheel(
    local_home: Path, monkeypatch: pytest.MonkeyPatch, shell: str, warm: bool
) -> None:
    monkeypatch.setenv("GLUE_WF_PYTHON_SHELL", shell)
    script = textwrap.dedent(
        """
        import glue_workflow.jobkit, json, os, sys
        print("jobkit from", glue_workflow.jobkit.__file__)
        print("argv", sys.argv[1:], "cwd", os.getcwd(), "main", __name__)
        print("spare" if b"glue_wf_shell_spare" in open("/proc/self/cmdline", "rb").read()
              else "cold")
        print(json.dumps(sys.path))
        """
    )
    code, log = _run_shell_job(local_home, script, "jr_wheel_ok", warm=warm)
    assert code == 0, log
    assert ".whl/glue_workflow/jobkit/__init__.py" in log
    lines = log.strip().splitlines()
    assert lines[-2] == ("spare" if warm else "cold")
    work = local_home / "work" / "jobs" / "jr_wheel_ok"
    assert "argv ['--JOB_NAME', 'wf-job', '--extra-py-files', " in log
    assert f"cwd {work} main __main__" in log
    path = json.loads(lines[-1])
    assert path[0] == str(local_home / "s3" / BUCKET / "scripts")  # the script's directory
    assert str(PACKAGE_ROOT) not in path  # the source tree is not importable

    # glue_workflow.compiler is in the source tree but not in the job library wheel
    code, log = _run_shell_job(
        local_home, "from glue_workflow import compiler\n", "jr_wheel_bad", warm=warm
    )
    assert code == 1
    assert "ImportError: cannot import name 'compiler' from 'glue_workflow'" in log


EXITS = """
import atexit, sys, threading, time
atexit.register(lambda: print("atexit ran", flush=True))
def late():
    time.sleep(0.3)
    print("thread finished", flush=True)
threading.Thread(target=late).start()
print("script ends", flush=True)
sys.exit({code})
"""


@pytest.mark.parametrize("warm", [False, True])
@pytest.mark.parametrize(
    ("code", "status", "message"),
    [("3", 3, []), ("None", 0, []), ("'bad input'", 1, ["bad input"])],
)
def test_a_shell_job_exits_as_python_does_cold_or_warm(
    local_home: Path, warm: bool, code: str, status: int, message: list[str]
) -> None:
    """sys.exit's message, non-daemon threads joined, atexit, then the status (a spare
    skips only the interpreter's teardown)."""
    exit_code, log = _run_shell_job(
        local_home, EXITS.format(code=code), f"jr_exit_{status}_{warm}", warm=warm
    )
    assert exit_code == status, log
    lines = [line for line in log.strip().splitlines() if not line.startswith("glue-wf:")]
    assert lines == ["script ends", *message, "thread finished", "atexit ran"]


def _bare_python(tmp_path: Path) -> tuple[Path, str]:
    """A fresh virtualenv without pip and only boto3 (and its dependencies) on its path."""
    env_dir = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    only = tmp_path / "boto3-only"
    only.mkdir()
    for name in BOTO_ONLY:
        (only / name).symlink_to(SITE / name)
    python = env_dir / "bin" / "python"
    check = subprocess.run(
        [str(python), "-c", "import pyspark"], capture_output=True, text=True, check=False
    )
    assert "No module named 'pyspark'" in check.stderr
    return python, str(only)


def _call_from(python: Path, extra_path: str, home: Path, code: str) -> Any:
    """Run ``code`` in ``python`` under the local target's environment (``glue-wf env``)."""
    env = job_environment(home)
    env["PYTHONPATH"] += os.pathsep + extra_path
    env.pop("GLUE_WF_PYTHON", None)
    result = subprocess.run(
        [str(python), "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_job_run_started_from_a_bare_python_runs_under_the_project_interpreter(
    local_home: Path, tmp_path: Path
) -> None:
    python, extra = _bare_python(tmp_path)
    script = _put(local_home, "scripts/etl.py", b"import pyspark, sys\nprint(sys.executable)\n")
    boto3.client("glue", region_name="us-east-1").create_job(
        Name="etl",
        Role="arn:aws:iam::123456789012:role/glue",
        Command={"Name": "glueetl", "ScriptLocation": script, "PythonVersion": "3"},
        GlueVersion="5.0",
        WorkerType="G.1X",
        NumberOfWorkers=2,
    )
    state = _call_from(
        python,
        extra,
        local_home,
        """
        import importlib.util, json, sys, time, boto3
        # the caller's interpreter has no pyspark or xgboost: the jobs must not need them here
        assert importlib.util.find_spec("pyspark") is None
        glue = boto3.client("glue")
        run_id = glue.start_job_run(JobName="etl")["JobRunId"]
        for _ in range(600):
            run = glue.get_job_run(JobName="etl", RunId=run_id)["JobRun"]
            if run["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING", "WAITING"):
                break
            time.sleep(0.2)
        print(json.dumps([run["JobRunState"], run.get("ErrorMessage"), run_id]))
        """,
    )
    assert state[:2] == ["SUCCEEDED", None], state
    # the job printed its interpreter: the project's, not the caller's
    printed = job_log_path(local_home, state[2]).read_text().strip().splitlines()[-1]
    assert Path(printed).parent == Path(sys.executable).parent  # the project venv


def test_a_training_job_started_from_a_bare_python_runs_under_the_project_interpreter(
    local_home: Path, tmp_path: Path
) -> None:
    python, extra = _bare_python(tmp_path)
    rows = "".join(f"{i % 2},{i % 7},{(i * 3) % 5}\n" for i in range(200))
    _put(local_home, "data/train/part-0.csv", rows.encode())
    request = {
        "TrainingJobName": "bare-train",
        "RoleArn": "arn:aws:iam::123456789012:role/sagemaker",
        "AlgorithmSpecification": {
            "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5",
            "TrainingInputMode": "File",
        },
        "HyperParameters": {"num_round": "5", "objective": "binary:logistic"},
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "ContentType": "text/csv",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": f"s3://{BUCKET}/data/train/",
                    }
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/models"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }
    status = _call_from(
        python,
        extra,
        local_home,
        f"""
        import json, time, boto3
        sm = boto3.client("sagemaker")
        sm.create_training_job(**{request!r})
        for _ in range(600):
            job = sm.describe_training_job(TrainingJobName="bare-train")
            if job["TrainingJobStatus"] in ("Completed", "Failed", "Stopped"):
                break
            time.sleep(0.2)
        print(json.dumps([job["TrainingJobStatus"], job.get("FailureReason")]))
        """,
    )
    assert status == ["Completed", None]  # the worker needs XGBoost: the project's Python


def test_back_to_back_shell_jobs_both_find_a_ready_spare(local_home: Path) -> None:
    script = _put(local_home, "scripts/spare.py", b'print(open("/proc/self/cmdline", "rb").read())')
    job = {
        "Name": "wf-job",
        "Command": {"Name": "pythonshell", "PythonVersion": "3.9", "ScriptLocation": script},
    }
    gateway = "http://127.0.0.1:9/unused"
    spares = ShellSpares(local_home / "spares.log")
    shell = shell_python("3.9").executable
    spares.start(shell, shell_spare_environment(job_environment(local_home), gateway))
    assert spares.wait_ready(shell, 120)
    procs = [
        start_job_process(
            LocalHome(local_home),
            JobLaunch(job_run_id=run_id, job=job, arguments={"--JOB_NAME": "wf-job"}),
            job_environment(local_home),
            gateway=lambda: gateway,
            spares=spares,
        )
        for run_id in ("jr_first", "jr_second")
    ]
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0]
    spares.stop()
    for run_id in ("jr_first", "jr_second"):
        assert "glue_wf_shell_spare" in job_log_path(local_home, run_id).read_text()


@pytest.mark.parametrize("warm", [False, True])
def test_extra_files_are_in_the_jobs_working_directory(local_home: Path, warm: bool) -> None:
    """Glue copies --extra-files into the script's working directory before it runs."""
    files = [
        _put(local_home, "conf/settings.conf", b"mode=fast\n"),
        _put(local_home, "t.sql", b"1"),
    ]
    script = "print(open('settings.conf').read().strip(), open('t.sql').read())\n"
    code, log = _run_shell_job(
        local_home,
        script,
        f"jr_files_{warm}",
        warm=warm,
        arguments={"--extra-files": ",".join(files)},
    )
    assert code == 0, log
    assert log.strip().splitlines()[-1] == "mode=fast 1"


def test_additional_python_modules_are_said_not_installed(local_home: Path) -> None:
    arguments = {"--additional-python-modules": "pyyaml==6.0.1"}
    code, log = _run_shell_job(local_home, "print('ran')\n", "jr_mods", arguments=arguments)
    assert code == 0, log
    assert (
        "glue-wf: --additional-python-modules pyyaml==6.0.1 are not installed by the local "
        "target (Glue installs them with pip as the job starts): install them where the job's "
        "Python finds them to run it here"
    ) in log.splitlines()
