"""glue-wf invoke --raw: rows of the training input encoded as the served model reads them
(the Spark job's own encoding is compared in tests/jobs/test_preprocess_contract.py)."""

from __future__ import annotations

from typing import Any

import pytest

from glue_workflow.errors import ConfigError
from glue_workflow.services.raw_rows import decode, encode

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
    encoded = encode(MANIFEST, rows)
    assert encoded.body == "41.5,0,1,1,1\n,0,0,,\n7.0,1,0,0,0\n"
    # said, not silent: each column's values the model never saw
    assert encoded.unseen == {"plan": ["platinum"], "intl": ["maybe"], "region": ["north"]}
    # missing first: "NA" in age (the ETL dropped every training row with one)
    assert encoded.missing == {"age": 1}
    assert encoded.warnings()[0] == (
        "warning: age: missing in 1 row(s); the model never saw a missing value in training "
        "(the ETL drops rows with one): XGBoost takes each tree's default branch, so the "
        "score may be far off"
    )
    assert encoded.warnings()[1] == (
        "warning: plan: 'platinum' not seen in training: scored as none of its categories "
        "(one-hot columns all 0; a binary or index code missing)"
    )


def test_many_unseen_values_are_listed_briefly() -> None:
    rows = "age;plan;intl;region\n" + "".join(f"1;p{i};yes;east\n" for i in range(8))
    encoded = encode(MANIFEST, rows)
    assert encoded.unseen == {"plan": [f"p{i}" for i in range(8)]}
    assert encoded.warnings()[0].startswith(
        "warning: plan: 'p0', 'p1', 'p2', 'p3', 'p4' and 3 more"
    )
    assert encode(MANIFEST, "age;plan;intl;region\n1;gold;yes;east\n").warnings() == []


LATIN1 = {**MANIFEST, "input_format": {**MANIFEST["input_format"], "encoding": "iso-8859-1"}}


def test_rows_are_read_in_the_training_inputs_encoding() -> None:
    body = "age;plan;intl;region\n1;gold;yes;Québec\n"
    assert decode(LATIN1, body.encode("iso-8859-1")) == body
    assert decode(MANIFEST, b"\xef\xbb\xbf" + body.encode()) == body  # Excel's UTF-8 BOM
    with pytest.raises(ConfigError) as caught:
        decode(MANIFEST, body.encode("iso-8859-1"))
    assert str(caught.value).startswith(
        "invoke --raw: the rows are not utf-8 text, the training input's encoding: "
    )


def test_utf8_rows_for_a_single_byte_model_are_refused_not_misread() -> None:
    # read as Latin-1 they would be 'QuÃ©bec', an unseen category scored silently
    with pytest.raises(ConfigError) as caught:
        decode(LATIN1, "age;plan;intl;region\n1;gold;yes;Québec\n".encode())
    assert str(caught.value) == (
        "invoke --raw: the rows are UTF-8 text, but the model was trained on iso-8859-1 "
        "input (its feature manifest's input_format): '1;gold;yes;Québec' would be read as "
        "'1;gold;yes;QuÃ©bec'; save the rows as iso-8859-1, as the training input was"
    )


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
        (
            "1;gold;yes;east\n2;gold;no;west\n",
            "invoke --raw: the first row names none of the training input's columns (it reads "
            "1, gold, yes, east): the rows need a header row first, the columns' names "
            "separated by ';' (age, plan, intl, region)",
        ),
    ],
)
def test_bad_rows_say_what_and_where(rows: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        encode(MANIFEST, rows)
    assert str(caught.value).startswith(message)
