"""A second binary-classification dataset (credit default), unlike churn in every name."""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path

CONFIG = {
    "name": "credit",
    "target": "defaulted",
    "positive_label": "yes",
    "negative_label": "no",
    "categorical": ["employment", "region"],
    "categorical_encoding": "one_hot",
    "identifiers": ["applicant_id"],
    "drop": ["notes_length"],
    "numeric": None,
}
HEADER = [
    "applicant_id",
    "income",
    "debt_ratio",
    "age",
    "late_payments",
    "employment",
    "region",
    "notes_length",
    "defaulted",
]


def write(path: Path, rows: int = 3000, seed: int = 11) -> Path:
    """Deterministic rows with a learnable signal (debt, late payments, employment)."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            income = round(rng.uniform(15, 150), 1)
            debt = round(rng.uniform(0, 1), 3)
            age = rng.randint(19, 75)
            late = min(int(rng.expovariate(0.8)), 12)
            employment = rng.choice(["salaried", "self", "none"])
            region = rng.choice(["north", "south", "east", "west"])
            score = 4 * debt + 0.6 * late - income / 60 + (1.5 if employment == "none" else 0) - 2
            label = "yes" if rng.random() < 1 / (1 + math.exp(-3 * score)) else "no"
            writer.writerow(
                [
                    f"A{i:06d}",
                    income,
                    debt,
                    age,
                    late,
                    employment,
                    region,
                    rng.randint(0, 400),
                    label,
                ]
            )
    return path


def write_config(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(CONFIG, indent=2) + "\n")
    return path
