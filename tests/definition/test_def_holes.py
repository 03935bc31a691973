"""Definitions that used to get through: each is now refused (or warned about) once,
with a message naming where, the rule and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from glue_workflow.cli import cli
from glue_workflow.errors import DefinitionError, Problem
from glue_workflow.model import (
    PythonShellJob,
    Scheduled,
    SparkJob,
    Trigger,
    Workflow,
    failed,
    on,
    succeeded,
    timed_out,
)
from glue_workflow.model.schedule import equivalent_cron
from glue_workflow.runs.control import SecretRunPropertyError, check_properties
from glue_workflow.validation import validate

KEY = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example access key id


def job(name: str, **kw: object) -> PythonShellJob:
    return PythonShellJob(name=name, script=f"jobs/{name}.py", **kw)  # type: ignore[arg-type]


def texts(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def refused(build: object) -> str:
    with pytest.raises(DefinitionError) as info:
        build()  # type: ignore[operator]
    return str(info.value)


# -- sys.exit() at import -------------------------------------------------------------


@pytest.mark.parametrize("call", ["sys.exit()", "sys.exit(0)", "sys.exit(None)", "sys.exit(3)"])
@pytest.mark.parametrize("command", ["validate", "compile", "plan", "deploy"])
def test_sys_exit_at_import_is_an_import_problem(
    tmp_path: Path, make_project: Any, call: str, command: str
) -> None:
    project = make_project(tmp_path / "p", f"import sys\n\n{call}\n")
    result = CliRunner().invoke(cli, [command, "--project", str(project)])
    assert result.exit_code == 1
    text = str(result.exception) + result.output
    code = call[len("sys.exit(") : -1] or "None"
    assert (
        f"churn_pipeline.py line 3: the definition called sys.exit({code}) while being "
        "imported, so no workflow was loaded: move script code under "
        "'if __name__ == \"__main__\":' or remove the sys.exit() call [import-exit]"
    ) in text


@pytest.mark.parametrize("command", [["validate", "--json"], ["compile"]])
def test_a_print_in_the_definition_goes_to_stderr(
    tmp_path: Path, make_project: Any, command: list[str]
) -> None:
    import json

    shipped = (Path(__file__).resolve().parents[2] / "triggers" / "churn_pipeline.py").read_text()
    project = make_project(tmp_path / "p", shipped + '\nprint("debug: definition loaded")\n')
    result = CliRunner().invoke(cli, [*command, "--project", str(project)])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # stdout stays the document (the print made it unreadable)
    assert "debug: definition loaded" in result.stderr


def test_an_empty_glue_wf_toml_names_the_setting_to_add(tmp_path: Path) -> None:
    (tmp_path / "glue-wf.toml").write_text("")
    (tmp_path / "triggers").mkdir()
    (tmp_path / "triggers" / "pipeline.py").write_text("")
    result = CliRunner().invoke(cli, ["validate", "--project", str(tmp_path)])
    assert result.exit_code == 1
    # it said to fix a [workflow] definition the file does not have
    assert (
        f"glue-wf.toml names no workflow definition, and the default "
        f"{tmp_path / 'triggers' / 'churn_pipeline.py'} does not exist (triggers/ holds "
        f'pipeline.py): add [workflow] definition = "triggers/<file>.py" to '
        f"{tmp_path / 'glue-wf.toml'}"
    ) in str(result.exception) + result.output


# -- one secret rule ---------------------------------------------------------------------


def test_access_key_in_default_run_properties_is_refused_like_run_p() -> None:
    message = refused(
        lambda: Workflow(name="wf", nodes=(job("a"),), default_run_properties={"note": KEY})
    )
    assert message == (
        "Workflow 'wf': default run property 'note' looks like a secret (its value is shaped "
        "like an AWS access key id): run properties are stored and shown in plain text by "
        "Glue; keep the secret in AWS Secrets Manager or SSM Parameter Store and pass its ARN "
        "or name under a key ending in _arn or _name (e.g. db_password_secret_arn) for the "
        "job to read at run time [no-secrets]"
    )
    with pytest.raises(SecretRunPropertyError, match="run property 'note' looks like a secret"):
        check_properties({"note": KEY})


def test_a_secret_name_and_a_secret_value_are_both_reported() -> None:
    with pytest.raises(DefinitionError) as info:
        Workflow(name="wf", nodes=(job("a"),), default_run_properties={"token": "abc", "note": KEY})
    assert [(p.rule, p.message.split(" looks like")[0]) for p in info.value.problems] == [
        ("no-secrets", "default run property 'token'"),
        ("no-secrets", "default run property 'note'"),
    ]


def test_ordinary_default_values_pass() -> None:
    Workflow(name="wf", nodes=(job("a"),), default_run_properties={"note": "AKIA-not-a-key"})


# -- predicates that never hold ---------------------------------------------------------


def test_and_over_two_states_of_one_node_is_an_error() -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        nodes=(job("a"), job("b", after=succeeded("a") & on("a", "FAILED"))),
    )
    problems = [p for p in validate(workflow) if p.rule == "impossible-predicate"]
    assert texts(problems) == [
        "after= of 'b': trigger 'wf-on-all-a-and-1-more-a214883c' waits (AND) for node 'a' to "
        "end FAILED and SUCCEEDED in the same run; a job run ends in exactly one state, so it "
        "never fires: use '|' (any_of) to start on either state, or keep one condition on "
        "that node [impossible-predicate]"
    ]


def test_any_over_two_states_is_fine() -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        nodes=(job("a"), job("b", after=failed("a") | timed_out("a"))),
    )
    assert not [p for p in validate(workflow) if p.rule == "impossible-predicate"]


def test_failure_branch_reading_what_only_the_failed_node_writes() -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        nodes=(
            job("a", writes=("score",)),
            job("alert", after=failed("a"), reads=("score",)),
            job("late", after=timed_out("a"), reads=("score",)),
        ),
    )
    assert texts([p for p in validate(workflow) if p.rule == "failure-branch-read"]) == [
        "node 'alert': reads run property 'score', which only node 'a' writes, but runs when "
        "'a' ended FAILED (after= of 'alert'), when 'a' may not have written it: give 'score' "
        "a default in default_run_properties, or drop it from reads= and treat it as "
        "optional in the job [failure-branch-read]",
        "node 'late': reads run property 'score', which only node 'a' writes, but runs when "
        "'a' ended TIMEOUT (after= of 'late'), when 'a' may not have written it: give 'score' "
        "a default in default_run_properties, or drop it from reads= and treat it as "
        "optional in the job [failure-branch-read]",
    ]


def test_failure_branch_reads_that_are_safe() -> None:
    from glue_workflow.model import Gate

    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        default_run_properties={"score": "0"},
        nodes=(
            job("a", writes=("score", "accuracy")),
            Gate(name="g", decision="q", conditions=["accuracy >= 0.5"], after=succeeded("a")),
            # a gate records its decision before failing; 'score' has a default
            job("alert", after=failed("g"), reads=("gate_q_reason", "score")),
        ),
    )
    assert not [p for p in validate(workflow) if p.rule == "failure-branch-read"]


# -- Flex --------------------------------------------------------------------------------


def test_flex_needs_glue_3() -> None:
    assert refused(
        lambda: SparkJob(name="s", script="jobs/s.py", glue_version="2.0", execution_class="FLEX")
    ) == (
        "SparkJob 's': execution_class='FLEX' needs Glue 3.0 or later; this job uses Glue "
        "2.0: set glue_version='5.0' or drop execution_class [flex-glue-version]"
    )
    SparkJob(name="s", script="jobs/s.py", glue_version="3.0", execution_class="FLEX")


def test_flex_is_not_for_python_shell() -> None:
    assert refused(lambda: job("p", execution_class="FLEX")) == (
        "PythonShellJob 'p': execution_class='FLEX': Python shell jobs have no execution class "
        "(Flex is for Spark glueetl jobs on Glue 3.0+, Glue API Job.ExecutionClass): drop "
        "execution_class [flex-python-shell]"
    )


# -- inactive triggers -------------------------------------------------------------------


def test_node_behind_an_inactive_trigger_gets_a_warning() -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        nodes=(job("a"), job("d"), job("e", after=succeeded("d"))),
        triggers=(Trigger(name="t", when=succeeded("a"), actions=("d",), active=False),),
    )
    warnings = [p for p in validate(workflow) if p.rule == "inactive-trigger"]
    assert all(p.severity == "warning" for p in warnings)
    assert texts(warnings) == [
        f"node {n!r}: is only reachable through inactive trigger(s) {via} (active=False: "
        "created with StartOnCreation=false), so it never runs until the trigger is "
        "activated: set active=True, or activate it after deploy (aws glue start-trigger) "
        "[inactive-trigger]"
        for n, via in (("d", "'wf-t'"), ("e", "'wf-t'"))
    ]


def test_inactive_schedule_gets_a_warning() -> None:
    workflow = Workflow(
        name="wf",
        max_concurrent_runs=1,
        nodes=(job("a"),),
        start=Scheduled(cron="cron(0 8 * * ? *)", active=False),
    )
    assert texts([p for p in validate(workflow) if p.rule == "inactive-trigger"]) == [
        "start trigger: Scheduled(active=False): schedule 'cron(0 8 * * ? *)' never fires (the "
        "trigger is created with StartOnCreation=false), so runs start only on demand (glue-wf "
        "run): set active=True to run on the schedule [inactive-trigger]"
    ]


# -- rate() ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "cron"),
    [
        ("rate(1 day)", "cron(0 0 * * ? *)"),
        ("rate(5 minutes)", "cron(0/5 * * * ? *)"),
        ("rate(15 minutes)", "cron(0/15 * * * ? *)"),
        ("rate(1 minute)", "cron(0/5 * * * ? *)"),
        ("rate(1 hour)", "cron(0 0/1 * * ? *)"),
        ("rate(6 hours)", "cron(0 0/6 * * ? *)"),
        ("rate(7 days)", "cron(0 0 ? * MON *)"),
        ("rate(3 days)", "cron(0 0 1/3 * ? *)"),
        ("RATE(2 Hours)", "cron(0 0/2 * * ? *)"),
    ],
)
def test_rate_gets_the_equivalent_cron(rate: str, cron: str) -> None:
    assert equivalent_cron(rate)[0] == cron
    from glue_workflow.cron import parse_schedule

    parse_schedule(cron)  # the suggestion itself is a schedule Glue accepts


def test_a_cron_wrapper_in_capitals_is_not_wrapped_again() -> None:
    # "CRON(0 12 * * ? *)" was read as cron(CRON(0 12 * * ? *)): a Minutes field error
    assert Scheduled(cron="CRON(0 12 * * ? *)").cron == "cron(0 12 * * ? *)"
    assert Scheduled(cron="0 12 * * ? *").cron == "cron(0 12 * * ? *)"


def test_rate_message() -> None:
    assert refused(lambda: Scheduled(cron="rate(1 day)")) == (
        "start trigger: schedule 'rate(1 day)': Glue triggers take cron(...) expressions only, "
        "not rate(); the equivalent is 'cron(0 0 * * ? *)' (daily at 00:00 UTC; choose the "
        "hour you want): write Scheduled(cron='cron(0 0 * * ? *)') [cron-rate]"
    )
    assert "and this is not a valid rate either" in refused(lambda: Scheduled(cron="rate(x)"))


RATE_AND_MORE = """
from glue_workflow.model import PythonShellJob, Scheduled, Workflow, on, succeeded

a = PythonShellJob(name="a", script="jobs/train.py")
workflow = Workflow(
    name="wf",
    max_concurrent_runs=1,
    start=Scheduled(cron="rate(1 day)"),
    nodes=(a, PythonShellJob(name="b", script="jobs/evaluate.py",
                             after=succeeded(a) & on(a, "FAILED"))),
)
"""


def test_validate_reports_each_problem_once(tmp_path: Path, make_project: Any) -> None:
    from glue_workflow.config import load_settings
    from glue_workflow.definition import validate_definition

    project = make_project(tmp_path / "p", RATE_AND_MORE)
    _, problems = validate_definition(load_settings(project))
    found = [(p.where, p.rule) for p in problems if p.severity == "error"]
    assert sorted(found) == [
        ("after= of 'b'", "impossible-predicate"),
        ("start trigger", "cron-rate"),
    ]
