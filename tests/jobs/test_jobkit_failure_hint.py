"""A local Spark job that loses the warm Spark's JVM says why (jobkit.failure)."""

from __future__ import annotations

import pytest

from glue_workflow.jobkit.failure import exception_reason


def _lost() -> BaseException:
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as exc:
            raise RuntimeError("An error occurred while calling o42.count") from exc
    except RuntimeError as exc:
        return exc


def test_a_broken_connection_to_the_warm_spark_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLUE_WF_WARM_SPARK_LEASED", "4242")
    hint = (
        " (the job lost the warm Spark it ran on: it stops with glue-wf local stop, or when "
        "its JVM or server is killed; run the node again: glue-wf resume <run> --wait)"
    )
    assert exception_reason(_lost()) == (
        "RuntimeError: An error occurred while calling o42.count" + hint
    )
    # the server killed: it stopped the context the job had leased
    stopped = RuntimeError(
        "An error occurred while calling o7.count: java.lang.IllegalStateException: "
        "Cannot call methods on a stopped SparkContext."
    )
    assert exception_reason(stopped).endswith(hint)


def test_no_hint_without_the_warm_spark_or_a_connection_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GLUE_WF_WARM_SPARK_LEASED", raising=False)
    assert exception_reason(_lost()) == "RuntimeError: An error occurred while calling o42.count"
    monkeypatch.setenv("GLUE_WF_WARM_SPARK_LEASED", "4242")
    assert exception_reason(ValueError("bad")) == "ValueError: bad"
