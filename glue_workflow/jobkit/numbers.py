"""A numeric cell read as the preprocess job reads it (jobs/etl: etl_contract's
``NUMBER_PATTERN``, a decimal comma with ``"decimal": ","``, then a double).

For what reads the training input's format outside Spark: drift checks (on Glue's
Python shell: Python 3.9, standard library) and ``glue-wf invoke --raw``. A test pins
the patterns to the ETL's.
"""

from __future__ import annotations

import math
import re

# jobs/etl/etl_contract.NUMBER_PATTERN and COMMA_NUMBER_PATTERN
NUMBER_PATTERN = r"^[+-]?(([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?|(?i:nan|inf|infinity))$"
COMMA_NUMBER_PATTERN = NUMBER_PATTERN.replace("[.]", "[,]")
_PATTERNS = {".": re.compile(NUMBER_PATTERN), ",": re.compile(COMMA_NUMBER_PATTERN)}
# What XGBoost trains in: past it a value is infinite (etl_quality's non_finite).
FLOAT32_MAX = 3.4028234663852886e38


def parse_number(text: str, decimal: str = ".") -> float | None:
    """The finite number ``text`` (trimmed) spells with ``decimal`` as its separator,
    within the 32-bit float range; None for anything the job would not keep."""
    if not _PATTERNS[decimal].match(text):
        return None
    value = float(text.replace(",", ".") if decimal == "," else text)
    return value if math.isfinite(value) and abs(value) <= FLOAT32_MAX else None
