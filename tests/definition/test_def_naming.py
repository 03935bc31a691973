"""Physical names come from one module and are deterministic."""

from __future__ import annotations

from glue_workflow import naming


def test_job_and_trigger_names() -> None:
    assert naming.job_name("churn-pipeline", "train") == "churn-pipeline-train"
    assert naming.node_of_job("churn-pipeline", "churn-pipeline-train") == "train"
    assert naming.node_of_job("churn-pipeline", "other-job") == "other-job"
    assert naming.start_trigger_name("churn-pipeline") == "churn-pipeline-start"
    assert naming.named_trigger_name("wf", "nightly") == "wf-nightly"
    assert naming.dependency_trigger_name("wf", [("gate", "FAILED")], "ANY") == "wf-on-gate-failed"


def test_multi_condition_trigger_names_are_stable_and_distinct() -> None:
    a = naming.dependency_trigger_name("wf", [("b", "SUCCEEDED"), ("a", "SUCCEEDED")], "AND")
    b = naming.dependency_trigger_name("wf", [("a", "SUCCEEDED"), ("b", "SUCCEEDED")], "AND")
    c = naming.dependency_trigger_name("wf", [("a", "SUCCEEDED"), ("b", "SUCCEEDED")], "ANY")
    assert a == b
    assert a != c
    assert a.startswith("wf-on-all-a-and-1-more-")
    assert c.startswith("wf-on-any-a-and-1-more-")
    assert len(a.rsplit("-", 1)[1]) == 8


def test_artifact_keys_are_content_addressed() -> None:
    digest = "ab" * 32
    assert naming.artifact_key("wf", digest, "train.py") == (
        "glue-wf/wf/artifacts/abababababababab/train.py"
    )
    assert naming.artifact_uri("bkt", "wf", digest, "train.py") == (
        "s3://bkt/glue-wf/wf/artifacts/abababababababab/train.py"
    )
    assert naming.gate_property("min_accuracy", "reason") == "gate_min_accuracy_reason"
    assert naming.jobkit_filename("0.1.0") == "glue_wf_jobkit-0.1.0-py3-none-any.whl"
