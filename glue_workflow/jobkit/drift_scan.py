"""One streaming pass over a CSV batch: per feature, the counts a drift check needs.

Nothing is kept per row (bin and category counts, a running mean and variance), so
a Python shell job with 1 GB (0.0625 DPU) handles batches much larger than its
memory would hold as rows. Python 3.9, standard library only.
"""

from __future__ import annotations

import bisect
import csv
import io
import math
from collections.abc import Callable, Iterator
from statistics import NormalDist
from typing import Any

from glue_workflow.jobkit.drift_baseline import NORMAL_FIT, OTHER, FeatureBaseline
from glue_workflow.jobkit.errors import JobInputError
from glue_workflow.jobkit.numbers import parse_number

NORMAL_BINS = 10  # equal-share bins of the training normal (NORMAL_FIT)


DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def read_csv(
    data: bytes, source: str, input_format: dict[str, Any] | None = None
) -> tuple[list[str], Iterator[list[str]]]:
    """The header, and the data rows as they are parsed (blank lines skipped), in the
    training input's format (the feature manifest's ``input_format``: delimiter, quote
    and encoding; default comma, double quote, UTF-8). A BOM and CRLF are accepted;
    quoted fields with delimiters or newlines are one field."""
    fmt = input_format or {}
    delimiter, quote = str(fmt.get("delimiter") or ","), str(fmt.get("quote") or '"')
    encoding = str(fmt.get("encoding") or "utf-8")
    codec = "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding
    shown = "UTF-8" if codec == "utf-8-sig" else encoding
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1]
        raise JobInputError(
            f"batch {source} is not {shown} (byte {exc.start}: {bad!r}), the training "
            f"input's encoding: write the batch as {shown}"
        ) from None
    except LookupError:
        raise JobInputError(f"batch {source}: unknown encoding {encoding!r}") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quote)
    first = next(reader, None)
    if not first or not any(cell.strip() for cell in first):
        raise JobInputError(f"batch {source} is empty (no header row)")
    header = [cell.strip() for cell in first]
    expected = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    if len(header) == 1:  # another delimiter than the training input's?
        for other, name in DELIMITER_NAMES.items():
            if other != delimiter and len(first[0].split(other)) > 1:
                raise JobInputError(
                    f"batch {source}'s header is one column with the training input's "
                    f"delimiter ({expected}) but {len(first[0].split(other))} with {name}: "
                    f"write the batch as the training input is ({expected}-separated)"
                )

    def rows() -> Iterator[list[str]]:
        count = 0
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise JobInputError(
                    f"batch {source} line {reader.line_num} has {len(row)} fields, the header "
                    f"has {len(header)}: fix the row or the delimiter ({expected} expected, "
                    "as in the training input)"
                )
            count += 1
            yield row
        if not count:
            raise JobInputError(f"batch {source} has a header but no data rows")

    return header, rows()


def converted(
    header: list[str], rows: Iterator[list[str]], convert: dict[str, Callable[[str], str]]
) -> Iterator[list[str]]:
    """``rows`` with the named columns' values converted: categories lower-cased
    (``"category_case": "ignore"``), as preprocess read the training input."""
    at = [(i, convert[name]) for i, name in enumerate(header) if name in convert]
    for row in rows:
        for i, change in at:
            row[i] = change(row[i])
        yield row


def normal_shares(mean: float, std: float | None, edges: list[float]) -> list[float]:
    """Shares of N(mean, std) in the bins cut at ``edges`` (all at one point if std is 0)."""
    if not std or std <= 0:
        shares = [0.0] * (len(edges) + 1)
        shares[bisect.bisect_right(edges, mean)] = 1.0
        return shares
    cdf = NormalDist(mean, std).cdf
    points = [0.0, *[cdf(e) for e in edges], 1.0]
    return [b - a for a, b in zip(points, points[1:])]


class FeatureScan:
    """Counts for one feature, fed one raw cell at a time."""

    def __init__(self, base: FeatureBaseline, index: int, decimal: str = ".") -> None:
        self.base = base
        self.index = index
        self.decimal = decimal  # the training input's decimal separator
        self.rows = 0
        self.missing = 0
        self.unparseable = 0
        self.outside = 0
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0  # Welford: sum of squared deviations
        self.edges = self._edges()
        self.bins = [0] * (len(self.edges) + 1)
        self.categories: dict[str, int] = dict.fromkeys(base.categories, 0)
        self.unseen: dict[str, int] = {}

    def _edges(self) -> list[float]:
        base = self.base
        if base.kind != "numeric":
            return []
        if base.method != NORMAL_FIT:
            return list(base.edges)
        if base.std and base.std > 0:
            dist = NormalDist(float(base.mean or 0.0), base.std)
            return [dist.inv_cdf(i / NORMAL_BINS) for i in range(1, NORMAL_BINS)]
        return [float(base.mean or 0.0)]

    def add(self, raw: str) -> None:
        self.rows += 1
        value = raw.strip()
        if not value:
            self.missing += 1
        elif self.base.kind == "numeric":
            number = parse_number(value, self.decimal)
            if number is None:
                self.unparseable += 1
                return
            self.n += 1
            delta = number - self.mean
            self.mean += delta / self.n
            self.m2 += delta * (number - self.mean)
            self.bins[bisect.bisect_right(self.edges, number)] += 1
            low, high = self.base.low, self.base.high
            if (low is not None and number < low) or (high is not None and number > high):
                self.outside += 1
        else:
            self.n += 1
            category = self.base.category_of(value)
            self.categories[category] = self.categories.get(category, 0) + 1
            if category == OTHER:
                self.unseen[value] = self.unseen.get(value, 0) + 1

    def shares(self) -> tuple[list[float], list[float]]:
        """(expected, actual) shares per bin or category."""
        base = self.base
        if base.kind != "numeric":
            return list(base.expected), [self.categories[c] / self.n for c in base.categories]
        if base.method != NORMAL_FIT:
            return list(base.expected), [c / self.n for c in self.bins]
        # Both sides as fitted normals on the baseline's equal-share bins: robust to a
        # skewed shape, sensitive to a moved centre or spread.
        expected = normal_shares(float(base.mean or 0.0), base.std, self.edges)
        return expected, normal_shares(self.mean, self.std, self.edges)

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else 0.0

    def detail(self, expected: list[float], actual: list[float]) -> dict[str, Any]:
        base = self.base
        if base.kind == "numeric":
            found: dict[str, Any] = {
                "batch_mean": self.mean,
                "batch_std": self.std,
                "baseline_mean": base.mean,
                "baseline_std": base.std,
                "bins": [
                    {
                        "upper": self.edges[i] if i < len(self.edges) else None,
                        "expected": e,
                        "actual": a,
                    }
                    for i, (e, a) in enumerate(zip(expected, actual))
                ],
            }
            if base.method == NORMAL_FIT:
                found["outside_baseline_range"] = round(self.outside / self.n, 6)
            return found
        top = sorted(self.unseen.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        return {
            "categories": [
                {"value": c, "expected": e, "actual": a}
                for c, e, a in zip(base.categories, expected, actual)
            ],
            "unseen_values": [v for v, _ in top],
        }


def scan(
    baselines: dict[str, FeatureBaseline],
    wanted: list[str],
    header: list[str],
    rows: Iterator[list[str]],
    decimal: str = ".",
) -> tuple[int, list[FeatureScan]]:
    """Feed every row to a FeatureScan per wanted feature; (rows, scans)."""
    scans = [FeatureScan(baselines[f], header.index(f), decimal) for f in wanted]
    count = 0
    for row in rows:
        count += 1
        for item in scans:
            item.add(row[item.index])
    return count, scans
