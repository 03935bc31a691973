"""Scoring for the local endpoint server: one XGBoost Booster, request bodies to rows,
predictions to answers (the SageMaker XGBoost container's content types).

The model is loaded with ``Booster.load_model`` (JSON/UBJSON/binary), never unpickled.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

from glue_workflow.errors import GlueWfError


class ModelLoadError(GlueWfError):
    """The model file is not an XGBoost model this xgboost version loads."""


class PayloadError(ValueError):
    """The request body cannot be scored (becomes a 400 answer)."""


class Model:
    """One Booster, loaded once; rows → predictions."""

    def __init__(self, model_path: Path) -> None:
        import numpy as np
        import xgboost as xgb

        self.np = np
        booster = xgb.Booster()
        try:
            booster.load_model(str(model_path))
        except xgb.core.XGBoostError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise ModelLoadError(
                f"cannot load {model_path.name} as an XGBoost model (JSON/UBJSON/binary model "
                f"formats are accepted; pickled models are refused): {first}"
            ) from None
        booster.set_param({"nthread": 1})
        self.booster = booster
        self.num_features = booster.num_features()
        self._dense = _DensePredict.attach(booster)
        probe = np.linspace(-1.0, 1000.0, 4 * self.num_features, dtype=np.float32)
        probe = probe.reshape(4, self.num_features)
        if self._dense is not None and not np.array_equal(
            self._dense(probe), booster.inplace_predict(probe, validate_features=False)
        ):
            self._dense = None  # an xgboost whose C API differs: use the public call
        self.predict(probe[:1])  # warm up

    def predict(self, rows: Any) -> Any:
        if self._dense is not None and rows.dtype == self.np.float32 and rows.flags.c_contiguous:
            return self._dense(rows)
        return self.booster.inplace_predict(rows, validate_features=False)

    def rows_from_csv(self, text: str) -> Any:
        np, width = self.np, self.num_features
        body = text.strip()
        lines = body.split("\n")
        if body:
            # Fast path: numpy's C CSV reader (float() → float32, like the exact path).
            # Anything it refuses or reads into another shape goes down the paths below.
            try:
                rows = np.loadtxt(lines, delimiter=",", dtype=np.float32, ndmin=2, comments=None)
            except ValueError:
                pass
            else:
                if rows.shape == (len(lines), width):
                    return rows
        if body and all(line.count(",") == width - 1 for line in lines):
            # numpy parses the whole body in C. It stops early (with a warning) at
            # anything that is not a number; the count check then sends the payload
            # down the exact path below, which names the problem.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                values = np.fromstring(body.replace("\n", ","), dtype=np.float32, sep=",")
            if values.size == len(lines) * width:
                return values.reshape(len(lines), width)
        lines = [line for line in body.splitlines() if line.strip()]
        if not lines:
            raise PayloadError("the CSV payload has no rows")
        try:
            rows = [
                [float(v) if v.strip() else math.nan for v in line.split(",")] for line in lines
            ]
        except ValueError as exc:
            raise PayloadError(
                f"Loading csv data failed: {exc}; send numeric features only, comma-separated, "
                "no header and no label column"
            ) from None
        return self._matrix(rows)

    def _matrix(self, rows: list[list[float]]) -> Any:
        widths = {len(row) for row in rows}
        if len(widths) != 1:
            raise PayloadError(f"rows have different numbers of features: {sorted(widths)}")
        width = widths.pop()
        if width != self.num_features:
            raise PayloadError(
                f"Feature size of inference data {width} is not consistent with feature size "
                f"of trained model {self.num_features}"
            )
        return self.np.asarray(rows, dtype=self.np.float32)


class _DensePredict:
    """``Booster.inplace_predict`` of a C-contiguous float32 matrix, minus its per-call
    Python (type dispatch, imports, JSON of constant arguments: ~100 µs a request).

    It makes the same C call (``XGBoosterPredictFromDense``) with the same arguments;
    ``Model`` checks it against ``inplace_predict`` at load and falls back if they differ.
    """

    def __init__(self, booster: Any, lib: Any, check: Any) -> None:
        import ctypes

        self.ctypes = ctypes
        self.booster = booster  # keeps the handle alive
        self.lib, self.check = lib, check
        self.args = json.dumps(
            {
                "type": 0,
                "training": False,
                "iteration_begin": 0,
                "iteration_end": 0,
                "missing": math.nan,
                "strict_shape": False,
                "cache_id": 0,
            }
        ).encode()

    @classmethod
    def attach(cls, booster: Any) -> _DensePredict | None:
        try:
            from xgboost.core import _LIB, _check_call
        except ImportError:
            return None
        if not hasattr(_LIB, "XGBoosterPredictFromDense"):
            return None
        return cls(booster, _LIB, _check_call)

    def __call__(self, rows: Any) -> Any:
        import numpy as np

        ctypes = self.ctypes
        rows_n, width = rows.shape
        interface = (
            f'{{"data": [{rows.ctypes.data}, true], "shape": [{rows_n}, {width}], '
            '"strides": null, "typestr": "<f4", "version": 3}'
        ).encode()
        shape = ctypes.POINTER(ctypes.c_uint64)()  # xgboost's bst_ulong
        dims = ctypes.c_uint64()
        preds = ctypes.POINTER(ctypes.c_float)()
        self.check(
            self.lib.XGBoosterPredictFromDense(
                self.booster.handle,
                interface,
                self.args,
                ctypes.c_void_p(),
                ctypes.byref(shape),
                ctypes.byref(dims),
                ctypes.byref(preds),
            )
        )
        out_shape = tuple(int(shape[i]) for i in range(dims.value))
        size = math.prod(out_shape)
        # Copied out: the buffer belongs to xgboost and is reused by the next call.
        return np.ctypeslib.as_array(preds, shape=(size,)).copy().reshape(out_shape)


def encode(predictions: Any, accept: str) -> tuple[bytes, str]:
    values = predictions.tolist()
    if accept == "application/json":
        return json.dumps({"predictions": [{"score": v} for v in values]}).encode(), accept
    if values and isinstance(values[0], list):
        text = "\n".join(",".join(map(str, row)) for row in values)
    else:
        text = ",".join(map(str, values))
    return text.encode(), "text/csv"
