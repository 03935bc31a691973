"""glue-wf invoke --raw: rows of the training input encoded as the served model reads them
(the Spark job's own encoding is compared in tests/jobs/test_preprocess_contract.py)."""

from __future__ import annotations

from typing import Any

import pytest

from glue_workflow.errors import ConfigError
from glue_workflow.services.raw_rows import encode

MANIFEST: dict[str, Any] = {
    "features": [
        {"name": "age", "source": "age", "kind": "numeric"},
        {"name": "plan=basic", "source": "plan", "kind": "one_hot", "value": "basic"},
        {"name": "plan=gold", "source": "plan", "kind": "one_hot", "value": "gold"},
        {"name": "intl", "source": "intl", "kind": "binary"},
        {"name": "region", "source": "region", "kind": "index"},
    ],
    "encodings": {
        "plan": {"type": "one_hot", "categories": ["basic", "gold"]},
        "intl": {"type": "binary", "mapping": {"no": 0, "yes": 1}},
        "region": {"type": "index", "mapping": {"east": 0, "west": 1}},
    },
    "input_format": {
        "delimiter": ";",
        "quote": '"',
        "encoding": "utf-8",
        "decimal": ",",
        "missing_values": ["NA", "?"],
    },
}


def test_rows_by_header_name_in_the_input_format() -> None:
    rows = (
        "id;region;plan;age;intl;churn\n"
        "1;west; gold ;41,5;yes;no\n"
        "2;north;platinum;NA;maybe;no\n"  # unseen values: zeros or missing, as in training
        "\n"
        '3;"east";basic;7;no;yes\n'
    )
    assert encode(MANIFEST, rows) == ("41.5,0,1,1,1\n,0,0,,\n7.0,1,0,0,0\n")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "age;plan\n1;gold\n",
            "invoke --raw: the rows lack column(s) intl, region (their header: age, plan); give "
            "a header row with the training input's column names, separated by ';'",
        ),
        ("age;plan;intl;region\n1;gold;yes\n", "invoke --raw: line 2 has 3 fields, the header 4"),
        (
            "age;plan;intl;region\nabc;gold;yes;east\n",
            "invoke --raw: line 2: age='abc' is not a number the training data could hold "
            "(decimal separator ',', no digit groups, finite, within the 32-bit float range); "
            "leave the cell empty for a missing value",
        ),
        ("age;plan;intl;region\n33.107;gold;yes;east\n", "invoke --raw: line 2: age='33.107' "),
        ("age;plan;intl;region\n1e39;gold;yes;east\n", "invoke --raw: line 2: age='1e39' is"),
        ("age;plan;intl;region\n1_000;gold;yes;east\n", "invoke --raw: line 2: age='1_000' is"),
        (
            "age;plan;age;intl;region\n1;gold;2;yes;east\n",
            "invoke --raw: the header names 'age' more than once; rename or remove",
        ),
        ("age;plan;intl;region\n", "invoke --raw: no rows under the header"),
    ],
)
def test_bad_rows_say_what_and_where(rows: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        encode(MANIFEST, rows)
    assert str(caught.value).startswith(message)
