"""The deploy job's guard: a model scoring another row layout than the endpoint serves is
refused before anything is created, unless --allow_feature_change=true."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jobhelpers import ROLE, Harness, body, exit_message, load_job
from test_deploy import PACKAGE, PROPS, T0, config, endpoint, package

from glue_workflow.jobkit import feature_layout

deploy = load_job("deploy")
SERVED = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-xgb/1"
NEW_MANIFEST = "s3://b/runs/2/preprocess/feature_manifest.json"
OLD_MANIFEST = "s3://b/runs/1/preprocess/feature_manifest.json"
ARGS = {"sagemaker_role_arn": ROLE}


def with_manifest(description: dict[str, Any], uri: str, arn: str) -> dict[str, Any]:
    meta = {"glue-wf-workflow": "churn-pipeline", "feature-manifest-uri": uri}
    return {**description, "ModelPackageArn": arn, "CustomerMetadataProperties": meta}


def manifest(*names: str, codes: dict[str, int] | None = None) -> bytes:
    """Numeric features, and an index-encoded "state" with ``codes`` if given."""
    features: list[dict[str, str]] = [{"name": n, "kind": "numeric"} for n in names]
    encodings = {}
    if codes is not None:
        features.append({"name": "state", "source": "state", "kind": "index"})
        encodings["state"] = {"type": "index", "mapping": codes}
    return json.dumps({"features": features, "encodings": encodings}).encode()


def stub_served(
    h: Harness,
    old: tuple[str, ...],
    new: tuple[str, ...],
    codes: tuple[dict[str, int], dict[str, int]] | None = None,
) -> None:
    """The new package, then what the endpoint serves: config, model, package, manifests."""
    h.sm.add_response(
        "describe_model_package", with_manifest(package("Approved"), NEW_MANIFEST, PACKAGE)
    )
    h.sm.add_response("describe_endpoint", endpoint("InService", "churn-xgb-old"))
    h.sm.add_response("describe_endpoint_config", config("churn-xgb-old", "old-model"))
    h.sm.add_response(
        "describe_model",
        {
            "ModelName": "old-model",
            "ExecutionRoleArn": ROLE,
            "CreationTime": T0,
            "ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/old-model",
            "Containers": [{"ModelPackageName": SERVED}],
        },
        {"ModelName": "old-model"},
    )
    h.sm.add_response(
        "describe_model_package",
        with_manifest(package("Approved"), OLD_MANIFEST, SERVED),
        {"ModelPackageName": SERVED},
    )
    for i, (uri, names) in enumerate(((OLD_MANIFEST, old), (NEW_MANIFEST, new))):
        key = uri.removeprefix("s3://b/")
        text = manifest(*names, codes=codes[i] if codes else None)
        h.s3.add_response("get_object", {"Body": body(text)}, {"Bucket": "b", "Key": key})


def test_a_changed_layout_is_refused_before_anything_is_created(capsys: Any) -> None:
    h = Harness(PROPS)
    stub_served(h, ("age", "plan=a", "plan=b"), ("age", "plan=a", "plan=b", "plan=c", "income"))
    with pytest.raises(SystemExit):
        h.run(deploy, **ARGS)
    h.verify()
    assert exit_message(capsys) == (
        f"glue-wf job failed: model package {PACKAGE} scores another row layout than endpoint "
        "churn-xgb serves (3 features served, 5 in the new model; new: plan=c, income): its "
        "callers' rows would be scored on the wrong columns. Serve it on a new endpoint and "
        "move the callers, or set the deploy node's argument --allow_feature_change=true to "
        "replace the layout"
    )
    assert not {"CreateModel", "CreateEndpointConfig", "UpdateEndpoint"} & set(h.operations())
    assert "deploy_status" not in h.glue.props


def test_index_codes_that_now_mean_other_categories_are_refused(capsys: Any) -> None:
    # A new state "AZ" sorts first: every served state's code moves up by one, so a
    # caller's 1 (CA) would be scored as FL. The same feature names.
    h = Harness(PROPS)
    served, shifted = {"CA": 0, "FL": 1, "NY": 2}, {"AZ": 0, "CA": 1, "FL": 2, "NY": 3}
    stub_served(h, ("age",), ("age",), codes=(served, shifted))
    with pytest.raises(SystemExit):
        h.run(deploy, **ARGS)
    assert exit_message(capsys).startswith(
        f"glue-wf job failed: model package {PACKAGE} scores another row layout than endpoint "
        "churn-xgb serves (state codes its categories differently: 'CA' 0 -> 1, 'FL' 1 -> 2, "
        "'NY' 2 -> 3, 0 now 'AZ'): its callers' rows would be scored"
    )
    assert not {"CreateModel", "CreateEndpointConfig", "UpdateEndpoint"} & set(h.operations())


@pytest.mark.parametrize(
    ("old", "new", "text"),
    [
        ({"CA": 0, "FL": 1}, {"CA": 0, "FL": 1, "NY": 2}, ""),  # a new code: compatible
        ({"CA": 0, "FL": 1}, {"CA": 0}, ""),  # a category gone, no code reused
        (
            {"CA": 0, "FL": 1},
            {"CA": 0, "AZ": 1},
            "state codes its categories differently: 1 now 'AZ'",
        ),
    ],
)
def test_index_code_changes(old: dict[str, int], new: dict[str, int], text: str) -> None:
    assert feature_layout.recoded({"state": old}, {"state": new}) == text


def test_the_same_layout_passes_and_an_allowed_change_is_logged(capsys: Any) -> None:
    same = Harness(PROPS)
    stub_served(same, ("age", "income"), ("age", "income"))
    sm = same.clients["sagemaker"]
    new = sm.describe_model_package(ModelPackageName=PACKAGE)
    lines: list[str] = []
    feature_layout.guard(
        sm, same.clients["s3"], "churn-xgb", new, allow=False, how_to_allow="-", log=lines.append
    )
    same.verify()
    assert lines == []

    h = Harness(PROPS)
    stub_served(h, ("age", "income"), ("income", "age"))
    new = h.clients["sagemaker"].describe_model_package(ModelPackageName=PACKAGE)
    feature_layout.guard(
        h.clients["sagemaker"],
        h.clients["s3"],
        "churn-xgb",
        new,
        allow=True,
        how_to_allow="-",
        log=lines.append,
    )
    assert lines == [
        "endpoint churn-xgb: the feature layout changes (2 features served, 2 in the new "
        "model; the same features in another order, from column 1 ('income')), as allowed"
    ]


def test_a_layout_that_cannot_be_known_is_said_and_passes() -> None:
    h = Harness(PROPS)
    lines: list[str] = []
    bare = {**package("Approved"), "CustomerMetadataProperties": {"glue-wf-workflow": "w"}}
    feature_layout.guard(
        h.clients["sagemaker"],
        h.clients["s3"],
        "e",
        bare,
        allow=False,
        how_to_allow="-",
        log=lines.append,
    )
    assert h.calls == []
    assert lines == [
        f"feature layout not compared: model package {PACKAGE} records no "
        "feature-manifest-uri (let the register node read feature_manifest_uri)"
    ]
    h.sm.add_response("describe_endpoint", endpoint("InService", "churn-xgb-old"))
    h.sm.add_response("describe_endpoint_config", config("churn-xgb-old", "old-model"))
    h.sm.add_client_error("describe_model", "AccessDeniedException", "not authorized")
    lines.clear()
    new = with_manifest(package("Approved"), NEW_MANIFEST, PACKAGE)
    feature_layout.guard(
        h.clients["sagemaker"],
        h.clients["s3"],
        "churn-xgb",
        new,
        allow=False,
        how_to_allow="-",
        log=lines.append,
    )
    h.verify()
    assert lines == [
        "feature layout not compared with what endpoint churn-xgb serves: "
        "AccessDeniedException describing what it serves"
    ]


@pytest.mark.parametrize(
    ("old", "new", "text"),
    [
        (["a", "b"], ["a", "b"], ""),
        (["a", "b", "c"], ["a", "c"], "3 features served, 2 in the new model; gone: b"),
        (
            ["a"],
            [f"x{i}" for i in range(7)],
            "1 features served, 7 in the new model; new: x0, x1, x2, x3, x4 and 2 more; gone: a",
        ),
    ],
)
def test_layout_differences_are_named(old: list[str], new: list[str], text: str) -> None:
    assert feature_layout.describe(old, new) == text


def test_allow_feature_change_must_be_true_or_false(capsys: Any) -> None:
    h = Harness(PROPS)
    with pytest.raises(SystemExit):
        h.run(deploy, allow_feature_change="yes please", **ARGS)
    assert h.calls == []
    assert exit_message(capsys) == (
        "glue-wf job failed: --allow_feature_change='yes please' must be true or false"
    )


def test_a_name_that_would_not_show_is_quoted() -> None:
    # a quoted line break inside a category reads as another, served category unquoted
    new = ["purpose=Home\nImprovement", " x"]
    assert feature_layout.describe(["purpose=Home Improvement"], new) == (
        "1 features served, 2 in the new model; new: 'purpose=Home\\nImprovement', ' x'; "
        "gone: purpose=Home Improvement"
    )
