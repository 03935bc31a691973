"""The inference contract of the local server, exercised without a socket."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from glue_workflow.local.sagemaker.scoring import Model, ModelLoadError
from glue_workflow.local.sagemaker.server import Handler


@pytest.fixture(scope="module")
def handler(tmp_path_factory: pytest.TempPathFactory) -> Handler:
    rng = np.random.default_rng(0)
    x = rng.random((200, 3))
    y = (x[:, 0] > 0.5).astype(int)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(x, label=y), num_boost_round=5
    )
    path = tmp_path_factory.mktemp("model") / "xgboost-model.ubj"
    booster.save_model(str(path))
    return Handler(Model(path))


def _post(
    handler: Handler, body: bytes, content_type: str = "text/csv", accept: str = "text/csv"
) -> tuple[int, bytes, str]:
    return handler("POST", "/invocations", {"content-type": content_type, "accept": accept}, body)


def test_ping(handler: Handler) -> None:
    assert handler("GET", "/ping", {}, b"")[0] == 200


def test_csv_rows_give_comma_separated_scores(handler: Handler) -> None:
    status, body, media = _post(handler, b"0.9,0.1,0.2\n0.1,0.5,0.5\n")
    assert (status, media) == (200, "text/csv")
    high, low = (float(v) for v in body.decode().split(","))
    assert high > 0.5 > low


def test_csv_rows_with_a_json_answer(handler: Handler) -> None:
    status, body, media = _post(
        handler, b"0.9,0.1,0.2\n0.1,0.5,0.5", "text/csv", "application/json"
    )
    assert (status, media) == (200, "application/json")
    scores = [p["score"] for p in json.loads(body)["predictions"]]
    assert scores[0] > 0.5 > scores[1]


def test_a_json_request_is_refused_as_the_container_refuses_it(handler: Handler) -> None:
    """data_utils.py INVALID_CONTENT_TYPE_ERROR; on AWS: ModelError (415)."""
    payload = json.dumps({"instances": [[0.9, 0.1, 0.2]]}).encode()
    status, body, _ = _post(handler, payload, "application/json", "application/json")
    assert status == 415
    assert body.decode() == (
        "application/json is not an accepted ContentType: csv, libsvm, parquet, "
        "recordio-protobuf, text/csv, text/libsvm, text/x-libsvm, application/x-parquet, "
        "application/x-recordio-protobuf."
    )


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (
            b"1,2",
            "text/csv",
            400,
            "Feature size of inference data 2 is not consistent with "
            "feature size of trained model 3",
        ),
        (b"a,b,c", "text/csv", 400, "Loading csv data failed"),
        (b"1,2,3\n1,2", "text/csv", 400, "rows have different numbers of features"),
        (
            b"1,2,3",
            "application/x-parquet",
            415,
            "application/x-parquet is read by the XGBoost container but not by the glue-wf "
            "local endpoint server: send text/csv rows",
        ),
    ],
)
def test_unscorable_payloads_get_the_reason(
    handler: Handler, body: bytes, content_type: str, status: int, message: str
) -> None:
    got, text, _ = _post(handler, body, content_type)
    assert got == status
    assert message in text.decode()
    assert _post(handler, b"0.9,0.1,0.2")[0] == 200  # still serving


def test_empty_body_and_unknown_route(handler: Handler) -> None:
    assert _post(handler, b"")[0] == 204
    assert handler("GET", "/nope", {}, b"")[0] == 404
    assert handler("GET", "/invocations", {}, b"")[0] == 405


def test_pickled_model_is_never_loaded(tmp_path: Path) -> None:
    import pickle

    path = tmp_path / "xgboost-model"
    path.write_bytes(pickle.dumps({"not": "a booster"}))
    with pytest.raises(ModelLoadError, match="pickled models are refused"):
        Model(path)


@pytest.mark.parametrize(
    "body",
    [
        b"0.9,0.1,0.2\n0.1,0.5,0.5",  # the C reader's case
        b"0.9,0.1,0.2\r\n0.1,0.5,0.5\r\n",
        b"0.9,0.1,0.2\n\n0.1,0.5,0.5\n",  # a blank line: the exact parser's case
        b" 0.9, 0.1 ,0.2\n0.1,0.5,5e-1",
        b"0.9,0.1,0.2\n0.1,,0.5",  # an empty field is a missing value
    ],
)
def test_every_csv_path_scores_as_the_booster(handler: Handler, body: bytes) -> None:
    rows = []
    for line in body.decode().splitlines():
        if line.strip():
            rows.append([float(v) if v.strip() else np.nan for v in line.split(",")])
    expected = handler.model.booster.inplace_predict(
        np.asarray(rows, dtype=np.float32), validate_features=False
    )
    status, answer, _ = _post(handler, body)
    assert status == 200, answer
    assert answer.decode() == ",".join(map(str, expected.tolist()))


def test_direct_prediction_matches_inplace_predict(handler: Handler) -> None:
    model = handler.model
    rows = np.random.default_rng(1).random((50, 3), dtype=np.float32)
    rows[3, 1] = np.nan
    assert model._dense is not None  # the fast path is active with the pinned xgboost
    assert np.array_equal(
        model.predict(rows), model.booster.inplace_predict(rows, validate_features=False)
    )
    as_float64 = rows.astype(np.float64)  # not float32: the public call answers
    assert np.allclose(model.predict(as_float64), model.predict(rows))


@pytest.mark.parametrize(
    ("host", "served"),
    [
        ("", True),  # HTTP/1.0: no Host
        ("127.0.0.1:8080", True),
        ("localhost:8080", True),
        ("LOCALHOST", True),
        ("[::1]:8080", True),
        ("127.0.0.2", True),
        ("attacker.example", False),  # a page re-pointed at 127.0.0.1 (DNS rebinding)
        ("attacker.example:8080", False),
        ("localhost.attacker.example", False),
        ("10.0.0.5:8080", False),
    ],
)
def test_requests_naming_another_host_are_refused(
    handler: Handler, host: str, served: bool
) -> None:
    headers = {"content-type": "text/csv", "host": host} if host else {"content-type": "text/csv"}
    status, body, _ = handler("POST", "/invocations", headers, b"0.9,0.1,0.2\n")
    if served:
        assert status == 200
    else:
        assert (status, body) == (
            403,
            b"the Host header names another site: call the endpoint at its "
            b"http://127.0.0.1:<port> address",
        )
