"""The built-in XGBoost algorithm's hyperparameter contract (strings, ranges, names)."""

from __future__ import annotations

import pytest

from glue_workflow.local.sagemaker.hyperparameters import HyperparameterError, parse


def test_strings_become_typed_xgboost_params() -> None:
    parsed = parse(
        {
            "num_round": "20",
            "max_depth": "5",
            "eta": "0.2",
            "objective": "binary:logistic",
            "eval_metric": "auc,logloss",
            "early_stopping_rounds": "3",
            "scale_pos_weight": "2.5",
        }
    )
    assert parsed.num_round == 20
    assert parsed.early_stopping_rounds == 3
    assert parsed.params == {
        "max_depth": 5,
        "eta": 0.2,
        "objective": "binary:logistic",
        "scale_pos_weight": 2.5,
        "eval_metric": ["auc", "logloss"],
    }
    assert parsed.eval_metrics == ("auc", "logloss")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "Missing required hyperparameter: num_round"),
        ({"num_round": "ten"}, "Hyperparameter num_round: value 'ten' is not an integer"),
        ({"num_round": "0"}, "Hyperparameter num_round: value 0 not in range [1, inf)"),
        ({"num_round": "5", "eta": "1.5"}, "Hyperparameter eta: value 1.5 not in range [0, 1]"),
        (
            {"num_round": "5", "subsample": "0"},
            "Hyperparameter subsample: value 0 not in range (0, 1]",
        ),
        ({"num_round": "5", "max_depht": "3"}, "Extraneous hyperparameter(s) found: max_depht."),
        (
            {"num_round": "5", "objective": "binary:nope"},
            "Hyperparameter objective: value 'binary:nope' not in range",
        ),
        (
            {"num_round": "5", "objective": "reg:squarederror", "eval_metric": "auc"},
            "Metric 'auc' can only be applied for classification and ranking problems.",
        ),
        (
            {"num_round": "5", "objective": "multi:softmax"},
            "Require input for parameter 'num_class' for multi-classification",
        ),
        ({"num_round": "5", "eval_metric": "f2"}, "Hyperparameter eval_metric: value 'f2'"),
    ],
)
def test_bad_hyperparameters_are_refused_with_the_reason(raw: dict[str, str], message: str) -> None:
    with pytest.raises(HyperparameterError) as info:
        parse(raw)
    assert message in str(info.value)


def test_the_containers_aliases_are_read_as_their_names() -> None:
    """hyperparameter_validation.py declare_alias: learning_rate is eta, and so on."""
    from glue_workflow.local.sagemaker import hyperparameters

    params = hyperparameters.parse(
        {"num_round": "5", "learning_rate": "0.3", "reg_lambda": "2", "reg_alpha": "1",
         "min_split_loss": "0.5"}
    )  # fmt: skip
    assert {k: params.params[k] for k in ("eta", "lambda", "alpha", "gamma")} == {
        "eta": 0.3, "lambda": 2.0, "alpha": 1.0, "gamma": 0.5
    }  # fmt: skip
    with pytest.raises(hyperparameters.HyperparameterError) as both:
        hyperparameters.parse({"num_round": "5", "learning_rate": "0.3", "eta": "0.1"})
    assert str(both.value) == (
        "Hyperparameter(s) given under two names: learning_rate and eta: keep one"
    )
    with pytest.raises(hyperparameters.HyperparameterError, match="eta: value 2 not in range"):
        hyperparameters.parse({"num_round": "5", "learning_rate": "2"})
