"""Early stopping as the XGBoost container does it (callback.py get_callbacks,
algorithm_mode/train.py train_job): only with a validation set and an eval_metric, on
the last metric named, keeping the best rounds in the model it saves and serves."""

from __future__ import annotations

from typing import Any

import numpy as np
import xgboost as xgb

from glue_workflow.local.sagemaker import hyperparameters
from glue_workflow.local.sagemaker.training_hosts import boost, evaluation_sets


def _data() -> tuple[Any, Any]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 5))
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(float)
    noise = rng.integers(0, 2, size=200).astype(float)  # validation labels are noise
    return xgb.DMatrix(x, label=y), xgb.DMatrix(rng.normal(size=(200, 5)), label=noise)


def _train(raw: dict[str, str], *, validation: bool = True) -> Any:
    params = hyperparameters.parse({"num_round": "60", "objective": "binary:logistic", **raw})
    dtrain, dvalid = _data()
    evals = evaluation_sets(dtrain, dvalid if validation else None)
    result: dict[str, Any] = {}
    return boost(
        params,
        dict(params.params),
        dtrain,
        evals=evals,
        callback=xgb.callback.TrainingCallback(),
        result=result,
    )


def test_the_saved_model_ends_at_the_best_round() -> None:
    booster = _train({"early_stopping_rounds": "3", "eval_metric": "logloss,auc"})
    best = int(booster.attr("best_iteration"))
    assert best < 57  # noise to predict: stopped early
    assert booster.num_boosted_rounds() == best + 1  # save_best: no rounds past the best


def test_without_an_eval_metric_or_a_validation_set_every_round_is_trained() -> None:
    assert _train({"early_stopping_rounds": "3"}).num_boosted_rounds() == 60
    no_valid = _train({"early_stopping_rounds": "3", "eval_metric": "auc"}, validation=False)
    assert no_valid.num_boosted_rounds() == 60
