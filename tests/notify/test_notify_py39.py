"""The verdict notifier's code from the job library wheel, under Glue's Python 3.9."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from glue_workflow.artifacts import build_jobkit_wheel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "runs"))
from rungraphs import REJECT_PROPS, REJECTED, run_answer

pytestmark = pytest.mark.py39
ROOT = Path(__file__).resolve().parents[2]
PY39 = ROOT / ".venv-py39" / "bin" / "python"
SCRIPT = """
import datetime, json, sys
sys.path.insert(0, sys.argv[1])
assert sys.version_info[:2] == (3, 9), sys.version
from glue_workflow.verdict_notifier import build_message, pending


def times(value):
    if isinstance(value, dict):
        return {k: datetime.datetime.fromisoformat(v) if k.endswith("On") else times(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [times(v) for v in value]
    return value


run = times(json.loads(open(sys.argv[2]).read()))
assert pending(run, {}) is None
message = build_message(run, "churn-pipeline", "https://console/{run_id}")
print(message["verdict"], message["failedNode"], message["consoleUrl"])
"""


def test_the_verdict_rule_runs_from_the_wheel_on_python_39(tmp_path: Path) -> None:
    if not PY39.is_file():
        pytest.skip("no .venv-py39 (make setup makes it when a Python 3.9 exists)")
    answer = tmp_path / "run.json"
    answer.write_text(
        json.dumps(run_answer(REJECTED, status="RUNNING", properties=REJECT_PROPS), default=str)
    )
    filename, content = build_jobkit_wheel()
    wheel = tmp_path / filename
    wheel.write_bytes(content)
    result = subprocess.run(
        [str(PY39), "-c", SCRIPT, str(wheel), str(answer)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["rejected", "min_accuracy", "https://console/wr_1"]
    assert sys.version_info >= (3, 10)  # the project's side imports the same modules natively
