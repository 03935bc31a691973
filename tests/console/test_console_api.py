"""The console's JSON API over fake Glue / SageMaker services, through the real server."""

from __future__ import annotations

import json

from console_fakes import T0


def test_workflows_list_and_graph(console):
    console.glue.add_run("demo", "COMPLETED", {"demo-prep": ["SUCCEEDED"]})
    listed = console.get("/api/workflows").json()["workflows"]
    assert [w["name"] for w in listed] == ["demo"]
    assert listed[0]["last_run"]["status"] == "COMPLETED"
    assert listed[0]["last_run"]["verdict"] == "succeeded"

    workflow = console.get("/api/workflows/demo").json()
    assert workflow["default_run_properties"] == {"mode": "fast", "threshold": "0.9"}
    nodes = {n["name"]: n for n in workflow["graph"]["nodes"]}
    # longest-path layering: each node one column right of its furthest predecessor
    assert [
        nodes[n]["layer"]
        for n in (
            "demo-start",
            "demo-prep",
            "demo-after-prep",
            "demo-fit",
            "demo-on-fit-failed",
            "demo-alert",
        )
    ] == [0, 1, 2, 3, 4, 5]
    assert nodes["demo-prep"]["label"] == "prep"
    assert nodes["demo-on-fit-failed"]["trigger"] == {
        "type": "CONDITIONAL",
        "state": "ACTIVATED",
        "schedule": None,
        "logical": "ANY",
        "conditions": [{"job": "demo-fit", "state": "FAILED"}],
        "actions": ["demo-alert"],
    }
    labels = {(e["source"], e["target"]): e["label"] for e in workflow["graph"]["edges"]}
    assert labels[("j-demo-fit", "t-demo-on-fit-failed")] == "FAILED"
    assert labels[("t-demo-start", "j-demo-prep")] is None


def test_runs_newest_first_with_verdicts(console):
    old = console.glue.add_run(
        "demo",
        "COMPLETED",
        {"demo-prep": ["SUCCEEDED"], "demo-fit": ["FAILED"], "demo-alert": ["SUCCEEDED"]},
        started=T0,
    )
    bad = console.glue.add_run(
        "demo", "COMPLETED", {"demo-prep": ["FAILED"]}, started=T0.replace(hour=13)
    )
    live = console.glue.add_run(
        "demo",
        "RUNNING",
        {"demo-prep": ["RUNNING"]},
        started=T0.replace(hour=14),
        properties={"mode": "slow"},
    )
    runs = console.get("/api/workflows/demo/runs").json()["runs"]
    assert [r["run_id"] for r in runs] == [live, bad, old]
    # fit FAILED is consumed by the on-fit-failed trigger: a handled branch, a success.
    assert [r["verdict"] for r in runs] == ["running", "failed", "succeeded"]
    assert runs[2]["verdict_summary"] == (
        "succeeded — demo-fit FAILED handled by demo-on-fit-failed"
    )
    assert runs[1]["verdict_summary"] == "failed — demo-prep FAILED: demo-prep broke"
    assert runs[2]["duration_seconds"] == 60.0
    assert runs[0]["run_properties"] == {"mode": "slow"}
    assert len(console.get("/api/workflows/demo/runs?limit=1").json()["runs"]) == 1


def test_run_graph_states_attempts_and_resumable_nodes(console):
    run_id = console.glue.add_run(
        "demo",
        "COMPLETED",
        {"demo-prep": ["SUCCEEDED"], "demo-fit": ["FAILED", "TIMEOUT"]},
        properties={"accuracy": "0.5"},
    )
    run = console.get(f"/api/workflows/demo/runs/{run_id}").json()
    nodes = {n["name"]: n for n in run["graph"]["nodes"]}
    assert nodes["demo-prep"]["state_class"] == "succeeded"
    assert nodes["demo-fit"]["state_class"] == "timeout"  # the last attempt decides
    assert [a["attempt"] for a in nodes["demo-fit"]["runs"]] == [0, 1]
    assert nodes["demo-fit"]["runs"][0]["error"] == "demo-fit broke"
    assert nodes["demo-fit"]["runs"][0]["duration_seconds"] == 5.0
    assert nodes["demo-alert"]["state_class"] == "not-started"
    assert nodes["demo-start"]["state_class"] == "fired"
    assert nodes["demo-on-fit-failed"]["state_class"] == "not-started"
    assert run["verdict"] == "failed"
    assert run["rejections"] == []
    assert run["resumable_node_ids"] == ["j-demo-fit"]
    assert run["run_properties"] == {"accuracy": "0.5"}
    assert run["live"] is False


def test_job_log_tail_and_missing_log(console):
    run_id = console.glue.add_run("demo", "COMPLETED", {"demo-prep": ["FAILED"]})
    job_run = f"jr_{run_id}_demo-prep_0"
    missing = console.get(f"/api/jobs/demo-prep/runs/{job_run}/log")
    assert missing.status == 404
    assert missing.json()["error"]["message"] == (
        f"no log yet for job run {job_run} of job 'demo-prep' (state FAILED)"
    )
    logs = console.home / "logs" / "jobs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / f"{job_run}.log").write_text("line 1\nTraceback: boom\n")
    log = console.get(f"/api/jobs/demo-prep/runs/{job_run}/log").json()
    assert log["text"] == "line 1\nTraceback: boom\n"
    assert log["state"] == "FAILED"
    assert log["truncated"] is False
    tail = console.get(f"/api/jobs/demo-prep/runs/{job_run}/log?tail=5").json()
    assert tail["text"] == "boom\n"
    assert tail["truncated"] is True
    unknown = console.get("/api/jobs/demo-prep/runs/jr_nope/log")
    assert unknown.status == 404
    assert unknown.json()["error"]["message"] == (
        "no run 'jr_nope' of job 'demo-prep': Job run jr_nope not found"
    )


def test_unknown_names_are_404_with_reason(console):
    cases = {
        "/api/workflows/nope": "no workflow 'nope': Workflow nope not found",
        # Run control's messages: the same as glue-wf runs / status.
        "/api/workflows/nope/runs": (
            "workflow 'nope' is not deployed on target local: run 'glue-wf deploy --target "
            "local' first"
        ),
        "/api/workflows/demo/runs/wr_missing": (
            "no run 'wr_missing' of workflow 'demo': list runs with 'glue-wf runs'"
        ),
        "/api/workflows/..%2F..%2Fetc": "no workflow '../../etc': Workflow ../../etc not found",
        "/api/workflows/a%0Ab": (
            "no workflow 'a\\nb': Glue names are 1-255 characters without control characters"
        ),
        "/api/jobs/demo-prep/runs/..%2Fx/log": (
            "no run '../x' of job 'demo-prep': job run ids are letters, digits, _ and -"
        ),
        # The Model Registry and endpoint services' messages: the same as glue-wf's.
        "/api/models/nope": (
            "ValidationException: ModelPackageGroup "
            "arn:aws:sagemaker:us-east-1:000000000000:model-package-group/nope does not exist; "
            "see 'glue-wf models'"
        ),
        "/api/endpoints/nope": (
            "ValidationException: Could not find endpoint "
            '"arn:aws:sagemaker:us-east-1:000000000000:endpoint/nope"; '
            "list the endpoints with 'glue-wf endpoints'"
        ),
        "/api/nothing": "no API route GET /api/nothing (see docs/console.md)",
    }
    for path, message in cases.items():
        response = console.get(path)
        assert response.status == 404, path
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"]["message"] == message


def test_pages_404_are_html_with_reason(console):
    page = console.get("/workflows/demo/runs/wr_missing")
    assert page.status == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "no run &#x27;wr_missing&#x27; of workflow &#x27;demo&#x27;" in page.text
    assert console.get("/workflows/nope").status == 404
    assert "no page at /nowhere" in console.get("/nowhere").text
    ok = console.get("/workflows/demo")
    assert ok.status == 200
    assert 'data-workflow="demo"' in ok.text
    assert console.token in ok.text
    assert console.get("/").headers["location"] == "/workflows"
    assert console.get("/static/console.js").status == 200
    assert console.get("/static/../server.py").status == 404


def test_start_run_with_properties(console):
    response = console.post("/api/workflows/demo/runs", {"run_properties": {"mode": "slow"}})
    assert response.status == 201
    run_id = response.json()["run_id"]
    assert console.glue.runs[run_id]["WorkflowRunProperties"] == {
        "threshold": "0.9",
        "mode": "slow",
    }
    bad = console.post("/api/workflows/demo/runs", {"run_properties": {"mode": 3}})
    assert bad.status == 400
    assert bad.json()["error"]["message"] == "run_properties['mode'] must be a string, got int"
    assert console.post("/api/workflows/nope/runs").status == 404


def test_start_run_refuses_secret_properties_like_the_cli(console):
    before = dict(console.glue.runs)
    bad = console.post("/api/workflows/demo/runs", {"run_properties": {"password": "x"}})
    assert bad.status == 400
    assert bad.json()["error"]["code"] == "SecretRunProperty"
    assert bad.json()["error"]["message"] == (
        "run property 'password' looks like a secret: run properties are stored and shown in "
        "plain text by Glue; keep the secret in AWS Secrets Manager or SSM Parameter Store and "
        "pass its ARN or name under a key ending in _arn or _name (e.g. "
        "db_password_secret_arn) for the job to read at run time"
    )
    assert console.glue.runs == before  # no run started
    ok = {"run_properties": {"db_password_secret_arn": "arn:aws:secretsmanager:x"}}
    assert console.post("/api/workflows/demo/runs", ok).status == 201


def test_start_run_refuses_the_step_caches_own_properties(console):
    before = dict(console.glue.runs)
    bad = console.post("/api/workflows/demo/runs", {"run_properties": {"glue_wf_no_cache": "1"}})
    assert bad.status == 400
    assert bad.json()["error"]["message"] == (
        "run property 'glue_wf_no_cache' is reserved: use glue-wf run --no-cache / --rerun-from"
    )
    assert console.glue.runs == before


def test_start_run_over_the_concurrency_limit_names_the_active_run(console):
    console.glue.workflows["demo"]["MaxConcurrentRuns"] = 1
    live = console.post("/api/workflows/demo/runs").json()["run_id"]
    refused = console.post("/api/workflows/demo/runs")
    assert refused.status == 409
    assert refused.json()["error"]["message"] == (
        f"workflow demo already has its maximum of concurrent runs (1) active (active: {live}): "
        f"wait for it to finish (glue-wf status {live} --wait), stop it (glue-wf stop {live}), "
        "or raise max_concurrent_runs in the workflow definition and deploy"
    )


def test_stop_and_resume_rules(console):
    live = console.glue.add_run("demo", "RUNNING", {"demo-prep": ["RUNNING"]})
    resume = console.post(f"/api/workflows/demo/runs/{live}/resume")
    assert resume.status == 409
    assert resume.json()["error"]["message"] == (
        f"run {live} of workflow 'demo' is RUNNING: only a COMPLETED run can be resumed; "
        f"wait for it to finish (glue-wf status {live} --wait) or stop it (glue-wf stop {live})"
    )
    assert console.post(f"/api/workflows/demo/runs/{live}/stop").status == 202
    assert console.glue.runs[live]["Status"] == "STOPPED"
    again = console.post(f"/api/workflows/demo/runs/{live}/stop")
    assert again.status == 409
    assert again.json()["error"]["message"] == (
        f"run {live} of workflow 'demo' is STOPPED: only a RUNNING run can be stopped"
    )

    clean = console.glue.add_run("demo", "COMPLETED", {"demo-prep": ["SUCCEEDED"]})
    nothing = console.post(f"/api/workflows/demo/runs/{clean}/resume")
    assert nothing.status == 409
    assert "has no failed, timed-out or stopped job node left unhandled to resume from" in (
        nothing.text
    )

    failed = console.glue.add_run(
        "demo", "COMPLETED", {"demo-prep": ["SUCCEEDED"], "demo-fit": ["FAILED"]}
    )
    resumed = console.post(f"/api/workflows/demo/runs/{failed}/resume")
    assert resumed.status == 201
    assert resumed.json()["node_ids"] == ["j-demo-fit"]
    assert console.glue.runs[resumed.json()["run_id"]]["PreviousRunId"] == failed
    by_name = console.post(f"/api/workflows/demo/runs/{failed}/resume", {"node_ids": ["demo-prep"]})
    assert by_name.json()["node_ids"] == ["j-demo-prep"]
    never = console.post(f"/api/workflows/demo/runs/{failed}/resume", {"node_ids": ["demo-alert"]})
    assert never.status == 409
    assert never.json()["error"]["message"] == (
        f"cannot resume run {failed} from demo-alert: never ran in that run (Glue resumes only "
        "nodes with a run attempt)"
    )
    unknown = console.post(f"/api/workflows/demo/runs/{failed}/resume", {"node_ids": ["x"]})
    assert unknown.status == 404
    assert "no job node 'x' in this run: job nodes: demo-alert, demo-fit, demo-prep" in (
        unknown.text
    )


def test_models_metrics_and_approval(console):
    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings

    settings = load_settings(None, target="local", env={"GLUE_WF_HOME": str(console.home)})
    s3 = client(settings, "s3")
    s3.create_bucket(Bucket="metrics-bucket")
    s3.put_object(
        Bucket="metrics-bucket",
        Key="eval/evaluation.json",
        Body=json.dumps(
            {
                "binary_classification_metrics": {
                    "accuracy": {"value": 0.93},
                    "auc": {"value": 0.97},
                },
                "note": "x",
            }
        ),
    )
    console.sagemaker.add_version("churn-xgb", "Approved")
    console.sagemaker.add_version(
        "churn-xgb", "PendingManualApproval", "s3://metrics-bucket/eval/evaluation.json"
    )
    groups = console.get("/api/models").json()["groups"]
    assert groups == [
        {
            "name": "churn-xgb",
            "description": None,
            "status": "Completed",
            "created_on": T0.isoformat(),
            "versions": 2,
            "latest_version": 2,
            "latest_approval": "PendingManualApproval",
        }
    ]
    group = console.get("/api/models/churn-xgb").json()
    assert [v["version"] for v in group["versions"]] == [2, 1]
    assert group["versions"][0]["metrics"] == {
        "binary_classification_metrics.accuracy.value": 0.93,
        "binary_classification_metrics.auc.value": 0.97,
    }
    approved = console.post(
        "/api/models/churn-xgb/versions/2/approval",
        {"status": "Approved", "description": "looks good"},
    )
    assert approved.status == 200
    assert approved.json()["approval"] == "Approved"
    assert console.sagemaker.groups["churn-xgb"][1]["ApprovalDescription"] == "looks good"
    bad = console.post("/api/models/churn-xgb/versions/2/approval", {"status": "Maybe"})
    assert bad.status == 400
    assert bad.json()["error"]["message"] == (
        "status must be one of Approved, Rejected, PendingManualApproval, got 'Maybe'"
    )
    missing = console.post("/api/models/churn-xgb/versions/9/approval", {"status": "Rejected"})
    assert missing.status == 404
    assert (
        missing.json()["error"]["message"]
        == "model package group 'churn-xgb' has no version 9; see 'glue-wf models'"
    )


def test_endpoints_and_invoke(console):
    console.sagemaker.add_endpoint("churn-xgb")
    listed = console.get("/api/endpoints").json()["endpoints"]
    assert [(e["name"], e["status"], e["url"]) for e in listed] == [
        ("churn-xgb", "InService", "http://127.0.0.1:9999/churn-xgb")
    ]
    scored = console.post("/api/endpoints/churn-xgb/invocations", {"csv": "1,2\n1,2,3,4\n"})
    assert scored.status == 200
    assert scored.json()["body"] == "0.5\n1.0"
    empty = console.post("/api/endpoints/churn-xgb/invocations", {"csv": "  "})
    assert empty.status == 400
    assert empty.json()["error"]["message"].startswith("csv must be a non-empty string")
    model_error = console.post("/api/endpoints/churn-xgb/invocations", {"csv": "a,b"})
    assert model_error.status == 502
    assert "could not convert string to float" in model_error.json()["error"]["message"]
    assert console.post("/api/endpoints/nope/invocations", {"csv": "1"}).status == 404


def test_job_definition(console):
    job = console.get("/api/jobs/demo-fit").json()
    assert job["command"] == "pythonshell"
    assert job["script_location"] == "s3://b/demo-fit.py"
    assert job["default_arguments"] == {"--mode": "x"}
    assert (job["timeout_minutes"], job["max_retries"]) == (60, 1)
    missing = console.get("/api/jobs/other")
    assert missing.status == 404
    assert missing.json()["error"]["message"] == "no job 'other': Job not found."


def test_run_graph_carries_the_step_cache_decisions(console):
    record = '{"decision": "cached", "run": "wr_0001"}'
    why = '{"decision": "ran", "why": "read num_round changed 100 -> 200"}'
    run_id = console.glue.add_run(
        "demo",
        "COMPLETED",
        {"demo-prep": ["SUCCEEDED"], "demo-fit": ["SUCCEEDED"]},
        properties={"glue_wf_cache_prep": record, "glue_wf_cache_fit": why},
    )
    nodes = {
        n["name"]: n
        for n in console.get(f"/api/workflows/demo/runs/{run_id}").json()["graph"]["nodes"]
    }
    assert nodes["demo-prep"]["cache"] == "cached (from run wr_0001)"
    assert nodes["demo-fit"]["cache"] == "ran: read num_round changed 100 -> 200"
    assert "cache" not in nodes["demo-alert"]


def test_a_run_is_named_as_the_cli_names_it(console):
    first = console.glue.add_run("demo", "COMPLETED", {"demo-prep": ["FAILED"]}, started=T0)
    last = console.glue.add_run(
        "demo", "COMPLETED", {"demo-prep": ["SUCCEEDED"]}, started=T0.replace(hour=13)
    )
    assert console.get("/api/workflows/demo/runs/latest").json()["run_id"] == last
    # a unique prefix, with or without wr_ (glue-wf status prints them short)
    assert console.get(f"/api/workflows/demo/runs/{first[3:]}").json()["run_id"] == first
    assert console.get(f"/api/workflows/demo/runs/{last}").json()["run_id"] == last
