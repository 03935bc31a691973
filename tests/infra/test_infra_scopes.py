"""Policy scopes derived from a workflow (not the churn demo), and what they allow."""

from __future__ import annotations

import random
import string
from fnmatch import fnmatchcase

import pytest

from glue_workflow.errors import ConfigError
from glue_workflow.infra.scopes import (
    HOSTING_PARAMETER,
    JOBS_PARAMETER,
    REGISTRY_PARAMETER,
    Usage,
    derive_scopes,
    job_name_prefix,
    scopes_from_parameters,
    scopes_of_document,
)
from glue_workflow.jobkit.sagemaker_ops import MAX_ATTEMPTS, resource_name, scoped_name

FRAUD = derive_scopes(
    "Fraud_Scoring-v2",
    {"endpoint_name": "FraudLive", "model_package_group": "fraud-models", "other": "x"},
)


def test_scopes_come_from_the_workflow_name_and_its_defaults() -> None:
    assert FRAUD.workflow_name == "Fraud_Scoring-v2"
    assert dict(FRAUD.patterns) == {
        JOBS_PARAMETER: (
            "training-job/fraud-scoring-v2-*",
            "processing-job/fraud-scoring-v2-*",
        ),
        REGISTRY_PARAMETER: (
            "model-package-group/fraud-models",
            "model-package/fraud-models",
            "model-package/fraud-models/*",
        ),
        HOSTING_PARAMETER: (
            "model/fraud-scoring-v2-*",
            "endpoint-config/fraudlive-??????????",
            "endpoint/fraudlive",
        ),
    }


def test_nothing_of_the_churn_demo_is_allowed_to_another_workflow() -> None:
    assert not FRAUD.allows(JOBS_PARAMETER, "training-job/churn-pipeline-train-0123456789ab")
    assert not FRAUD.allows(HOSTING_PARAMETER, "endpoint/churn-xgb")
    assert not FRAUD.allows(REGISTRY_PARAMETER, "model-package-group/churn-xgb")
    # a prefix is not a name: a longer endpoint name is another endpoint
    assert not FRAUD.allows(HOSTING_PARAMETER, "endpoint/fraudlive2")


def test_a_workflow_without_sagemaker_names_gets_only_its_job_prefix() -> None:
    scopes = derive_scopes("etl-only", {"input_uri": "s3://b/x"})
    assert dict(scopes.patterns) == {
        JOBS_PARAMETER: ("training-job/etl-only-*", "processing-job/etl-only-*"),
        REGISTRY_PARAMETER: (),
        HOSTING_PARAMETER: (),
    }
    assert scopes.uses_sagemaker


def test_a_workflow_that_uses_no_sagemaker_gets_none() -> None:
    scopes = derive_scopes(
        "etl-only", {"input_uri": "s3://b/x"}, usage=Usage(sagemaker_jobs=False, sns=False)
    )
    assert dict(scopes.patterns) == {
        JOBS_PARAMETER: (),
        REGISTRY_PARAMETER: (),
        HOSTING_PARAMETER: (),
    }
    assert not scopes.uses_sagemaker
    assert scopes.notify_parameters() == {"NotifySns": "false", "NotifyEventBridge": "true"}


def test_an_endpoint_config_pattern_matches_no_other_endpoints_configs() -> None:
    """churn-xgb's configs are churn-xgb-<10 hex>; a stage endpoint churn-xgb-dev has
    configs churn-xgb-dev-<10 hex>, which "churn-xgb-*" matched as well."""
    scopes = derive_scopes("wf", {"endpoint_name": "churn-xgb"})
    own = scoped_name("churn-xgb", "wr_1").lower()
    assert scopes.allows(HOSTING_PARAMETER, f"endpoint-config/{own}")
    for other in ("churn-xgb-dev", "churn-xgb-prod", "churn-xgb-canary-2"):
        config = scoped_name(other, "wr_1").lower()
        assert not scopes.allows(HOSTING_PARAMETER, f"endpoint-config/{config}"), config


def test_extra_names_widen_the_scopes() -> None:
    scopes = derive_scopes("wf", {"endpoint_name": "a"}, {"endpoint_name": ["b", "a"]})
    assert scopes.patterns[HOSTING_PARAMETER] == (
        "model/wf-*",
        "endpoint-config/a-??????????",
        "endpoint/a",
        "endpoint-config/b-??????????",
        "endpoint/b",
    )


@pytest.mark.parametrize(
    "workflow",
    ["fraud-scoring", "Fraud_Scoring-v2", "x", "a" * 60, "ab-" * 20, "w--" + "b" * 44 + "-c"],
)
def test_every_name_the_jobs_build_falls_in_the_scopes(workflow: str) -> None:
    """The walker: the names the job library gives jobs, models and endpoint configs."""
    rng = random.Random(workflow)
    scopes = derive_scopes(workflow, {"endpoint_name": "Fraud-Endpoint-" + "e" * 50})
    for _ in range(200):
        node = "".join(rng.choice(string.ascii_letters + "_-") for _ in range(rng.randint(1, 40)))
        run_id = "wr_" + "".join(rng.choice(string.hexdigits) for _ in range(64))
        attempt = rng.randint(1, MAX_ATTEMPTS)
        name = resource_name(workflow=workflow, run_id=run_id, node=node, attempt=attempt)
        for kind in ("training-job", "processing-job"):
            assert scopes.allows(JOBS_PARAMETER, f"{kind}/{name.lower()}"), name
        assert scopes.allows(HOSTING_PARAMETER, f"model/{name.lower()}"), name
        config = scoped_name("Fraud-Endpoint-" + "e" * 50, run_id)
        assert scopes.allows(HOSTING_PARAMETER, f"endpoint-config/{config.lower()}"), config


def test_job_prefix_of_a_long_name_is_cut_where_every_job_name_keeps_it() -> None:
    assert job_name_prefix("churn-pipeline") == "churn-pipeline-"
    assert job_name_prefix("a" * 80) == "a" * 46
    with pytest.raises(ConfigError, match="workflow name '__' has no letter or digit"):
        job_name_prefix("__")


@pytest.mark.parametrize(
    ("region", "head"),
    [
        ("eu-west-1", "arn:aws:sagemaker:eu-west-1:111122223333"),
        ("cn-north-1", "arn:aws-cn:sagemaker:cn-north-1:111122223333"),
        ("us-gov-west-1", "arn:aws-us-gov:sagemaker:us-gov-west-1:111122223333"),
    ],
)
def test_arn_parameters_use_the_region_partition(region: str, head: str) -> None:
    from glue_workflow.naming import partition

    params = FRAUD.arns(partition=partition(region), region=region, account="111122223333")
    assert params[HOSTING_PARAMETER] == (
        f"{head}:model/fraud-scoring-v2-*,{head}:endpoint-config/fraudlive-??????????,"
        f"{head}:endpoint/fraudlive"
    )
    back = scopes_from_parameters("Fraud_Scoring-v2", params)
    assert back == FRAUD


def test_parameters_of_an_older_template_give_no_scopes() -> None:
    assert scopes_from_parameters("wf", {"WorkflowName": "wf", "ResourcePrefix": "wf"}) is None


def test_notify_parameters_are_read_back_and_missing_ones_mean_granted() -> None:
    """A stack of the template before the Notify* parameters granted SNS and EventBridge."""
    params = FRAUD.arns(partition="aws", region="us-east-1", account="111122223333")
    old = scopes_from_parameters("Fraud_Scoring-v2", params)
    assert old is not None
    assert (old.notify_sns, old.notify_events) == (True, True)
    new = scopes_from_parameters(
        "Fraud_Scoring-v2", {**params, "NotifySns": "false", "NotifyEventBridge": "true"}
    )
    assert new is not None
    assert (new.notify_sns, new.notify_events) == (False, True)
    assert new.patterns == FRAUD.patterns


def test_no_pattern_covers_a_whole_resource_type() -> None:
    for patterns in FRAUD.patterns.values():
        for pattern in patterns:
            kind, _, name = pattern.partition("/")
            assert name, pattern
            assert not name.startswith("*"), pattern
            assert not fnmatchcase(f"{kind}/anything-else", pattern)


def test_scopes_of_a_compiled_document() -> None:
    from glue_workflow.document import WorkflowDocument

    document = WorkflowDocument(
        workflow={"Name": "fraud", "DefaultRunProperties": {"endpoint_name": "fraud-live"}},
        jobs=(),
        triggers=(),
    )
    scopes = scopes_of_document(document)
    assert scopes.patterns[HOSTING_PARAMETER][-1] == "endpoint/fraud-live"


def test_a_model_package_group_with_capitals_is_granted_in_both_cases() -> None:
    scopes = derive_scopes("wf", {"model_package_group": "ChurnModels", "endpoint_name": "Live"})
    assert scopes.patterns[REGISTRY_PARAMETER] == (
        "model-package-group/churnmodels",
        "model-package/churnmodels",
        "model-package/churnmodels/*",
        "model-package-group/ChurnModels",
        "model-package/ChurnModels",
        "model-package/ChurnModels/*",
    )
    # endpoint ARNs are always lower-cased by SageMaker
    assert "endpoint/live" in scopes.patterns[HOSTING_PARAMETER]
    assert "endpoint/Live" not in scopes.patterns[HOSTING_PARAMETER]
