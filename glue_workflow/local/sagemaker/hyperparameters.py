"""The built-in XGBoost algorithm's hyperparameters: string values, validated like it.

SageMaker passes hyperparameters as strings; the algorithm parses each by its declared
type and range and rejects unknown names. ``parse`` returns the xgboost parameters
plus the training-loop settings, or raises ``HyperparameterError`` whose message
becomes the job's FailureReason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glue_workflow.errors import GlueWfError


class HyperparameterError(GlueWfError):
    """A hyperparameter is unknown, missing or out of its range."""


@dataclass(frozen=True, kw_only=True)
class _Spec:
    kind: str  # int | float | choice
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()


def _i(low: float | None = None, high: float | None = None) -> _Spec:
    return _Spec(kind="int", low=low, high=high)


def _f(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> _Spec:
    return _Spec(kind="float", low=low, high=high, low_open=low_open, high_open=high_open)


def _c(*choices: str) -> _Spec:
    return _Spec(kind="choice", choices=choices)


OBJECTIVES = (
    "binary:logistic",
    "binary:logitraw",
    "binary:hinge",
    "count:poisson",
    "multi:softmax",
    "multi:softprob",
    "rank:pairwise",
    "rank:ndcg",
    "rank:map",
    "reg:linear",
    "reg:squarederror",
    "reg:logistic",
    "reg:gamma",
    "reg:pseudohubererror",
    "reg:squaredlogerror",
    "reg:absoluteerror",
    "reg:quantileerror",
    "reg:tweedie",
    "survival:aft",
    "survival:cox",
)
# Metrics xgboost computes itself (the algorithm's extra sklearn-style metrics such as
# accuracy or f1 are not provided by the local target).
EVAL_METRICS = (
    "rmse",
    "rmsle",
    "mae",
    "mape",
    "mphe",
    "logloss",
    "error",
    "merror",
    "mlogloss",
    "auc",
    "aucpr",
    "ndcg",
    "map",
    "poisson-nloglik",
    "gamma-nloglik",
    "cox-nloglik",
    "gamma-deviance",
    "tweedie-nloglik",
    "aft-nloglik",
    "interval-regression-accuracy",
)
SPECS: dict[str, _Spec] = {
    "num_round": _i(1),
    "early_stopping_rounds": _i(1),
    "csv_weights": _i(0, 1),
    "booster": _c("gbtree", "gblinear", "dart"),
    "verbosity": _i(0, 3),
    "nthread": _i(1),
    "eta": _f(0, 1),
    "gamma": _f(0),
    "max_depth": _i(0),
    "min_child_weight": _f(0),
    "max_delta_step": _f(0),
    "subsample": _f(0, 1, low_open=True),
    "colsample_bytree": _f(0, 1, low_open=True),
    "colsample_bylevel": _f(0, 1, low_open=True),
    "colsample_bynode": _f(0, 1, low_open=True),
    "lambda": _f(0),
    "alpha": _f(0),
    "tree_method": _c("auto", "exact", "approx", "hist"),
    "sketch_eps": _f(0, 1, low_open=True, high_open=True),
    "scale_pos_weight": _f(0, low_open=True),
    "grow_policy": _c("depthwise", "lossguide"),
    "max_leaves": _i(0),
    "max_bin": _i(2),
    "sample_type": _c("uniform", "weighted"),
    "normalize_type": _c("tree", "forest"),
    "rate_drop": _f(0, 1),
    "one_drop": _i(0, 1),
    "skip_drop": _f(0, 1),
    "tweedie_variance_power": _f(1, 2, low_open=True, high_open=True),
    "objective": _c(*OBJECTIVES),
    "num_class": _i(2),
    "base_score": _f(),
    "seed": _i(-(2**31) + 1, 2**31 - 2),
    "num_parallel_tree": _i(1),
    "max_cat_to_onehot": _i(1),
    "eval_metric": _c(),  # comma-separated list, checked below
    "save_model_on_termination": _c("true", "false"),
    "aft_loss_distribution": _c("normal", "logistic", "extreme"),
    "aft_loss_distribution_scale": _f(0, low_open=True),
    "huber_slope": _f(0, low_open=True),
    "quantile_alpha": _f(0, 1, low_open=True, high_open=True),
}
# Settings of the training loop, not xgboost parameters.
LOOP_KEYS = ("num_round", "early_stopping_rounds", "csv_weights", "save_model_on_termination")


@dataclass(frozen=True, kw_only=True)
class TrainingParams:
    params: dict[str, Any]
    num_round: int
    early_stopping_rounds: int | None
    csv_weights: bool
    eval_metrics: tuple[str, ...]


# The container's aliases (hyperparameter_validation.py declare_alias): each name is
# read as the one it stands for.
ALIASES = {
    "learning_rate": "eta",
    "min_split_loss": "gamma",
    "reg_lambda": "lambda",
    "reg_alpha": "alpha",
}


def parse(raw: Mapping[str, str]) -> TrainingParams:
    both = sorted(a for a, name in ALIASES.items() if a in raw and name in raw)
    if both:
        raise HyperparameterError(
            "Hyperparameter(s) given under two names: "
            + ", ".join(f"{a} and {ALIASES[a]}" for a in both)
            + ": keep one"
        )
    raw = {ALIASES.get(k, k): v for k, v in raw.items()}
    unknown = sorted(set(raw) - set(SPECS))
    if unknown:
        raise HyperparameterError(
            f"Extraneous hyperparameter(s) found: {', '.join(unknown)}. The built-in XGBoost "
            f"algorithm accepts: {', '.join(sorted(SPECS))}"
        )
    if "num_round" not in raw:
        raise HyperparameterError("Missing required hyperparameter: num_round")
    values: dict[str, Any] = {}
    for name, text in raw.items():
        values[name] = _value(name, text, SPECS[name])
    metrics: tuple[str, ...] = ()
    if "eval_metric" in values:
        metrics = tuple(m.strip() for m in values["eval_metric"].split(",") if m.strip())
        for metric in metrics:
            _check_metric(metric, values.get("objective", "reg:squarederror"))
    objective = values.get("objective")
    if objective in ("multi:softmax", "multi:softprob") and "num_class" not in values:
        raise HyperparameterError(
            "Require input for parameter 'num_class' for multi-classification"
        )
    if "num_class" in values and objective not in ("multi:softmax", "multi:softprob"):
        raise HyperparameterError(
            "Do not need to setup parameter 'num_class' for learning task other than "
            "multi-classification."
        )
    params = {k: v for k, v in values.items() if k not in LOOP_KEYS and k != "eval_metric"}
    if metrics:
        params["eval_metric"] = list(metrics)
    return TrainingParams(
        params=params,
        num_round=int(values["num_round"]),
        early_stopping_rounds=values.get("early_stopping_rounds"),
        csv_weights=bool(values.get("csv_weights", 0)),
        eval_metrics=metrics,
    )


def _value(name: str, text: str, spec: _Spec) -> Any:
    if not isinstance(text, str):
        raise HyperparameterError(f"Hyperparameter {name}: value must be a string")
    text = text.strip()
    if spec.kind == "choice":
        if spec.choices and text not in spec.choices:
            raise HyperparameterError(
                f"Hyperparameter {name}: value {text!r} not in range {list(spec.choices)}"
            )
        return text
    try:
        number: float = int(text) if spec.kind == "int" else float(text)
    except ValueError:
        kind = "an integer" if spec.kind == "int" else "a number"
        raise HyperparameterError(f"Hyperparameter {name}: value {text!r} is not {kind}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise HyperparameterError(f"Hyperparameter {name}: value {text!r} is not finite")
    if not _in_range(number, spec):
        raise HyperparameterError(
            f"Hyperparameter {name}: value {text} not in range {_range_text(spec)}"
        )
    return number


def _in_range(number: float, spec: _Spec) -> bool:
    if spec.low is not None and (number < spec.low or (spec.low_open and number == spec.low)):
        return False
    return not (
        spec.high is not None and (number > spec.high or (spec.high_open and number == spec.high))
    )


def _range_text(spec: _Spec) -> str:
    low = "-inf" if spec.low is None else f"{spec.low:g}"
    high = "inf" if spec.high is None else f"{spec.high:g}"
    left = "(" if spec.low_open or spec.low is None else "["
    right = ")" if spec.high_open or spec.high is None else "]"
    return f"{left}{low}, {high}{right}"


def _check_metric(metric: str, objective: str) -> None:
    name, _, threshold = metric.partition("@")
    if threshold:
        if name not in ("error", "ndcg", "map"):
            raise HyperparameterError(
                f"Metric '{metric}' is not supported. Parameter 'eval_metric' with customized "
                "threshold should be one of these options: 'error', 'ndcg', 'map'."
            )
        try:
            float(threshold.rstrip("-"))
        except ValueError:
            raise HyperparameterError(
                f"Threshold value 't' in '{name}@t' expects float input."
            ) from None
    elif name not in EVAL_METRICS:
        raise HyperparameterError(
            f"Hyperparameter eval_metric: value {metric!r} not in range "
            f"{list(EVAL_METRICS)} (the local target computes xgboost's own metrics only)"
        )
    if name in ("auc", "aucpr") and not objective.startswith(("binary:", "rank:")):
        raise HyperparameterError(
            "Metric 'auc' can only be applied for classification and ranking problems."
        )
