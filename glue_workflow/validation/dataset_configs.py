"""The dataset configs a workflow ships, parsed as the ETL will parse them.

A node whose ``files=`` maps ``--dataset_config_uri`` to a project file ships the ETL's
data contract (docs/data-contract.md). The preprocess job parses it when it runs, named
by its uploaded S3 URI; ``glue-wf validate`` and deploy parse it first, with the ETL's
own ``load_contract`` (``jobs/etl/etl_contract.py``, stdlib-only, imported from the
copy glue-wf ships to projects), and name the project file instead.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from glue_workflow.artifacts import source_path
from glue_workflow.errors import GlueWfError, Problem
from glue_workflow.model.workflow import Workflow

DATASET_CONFIG_ARGUMENT = "--dataset_config_uri"
CONTRACT_MODULE = "jobs/etl/etl_contract.py"
RULE = "dataset-config"
_MODULE_NAME = "_glue_wf_etl_contract"


@functools.cache
def etl_contract() -> ModuleType:
    """The shipped ``etl_contract`` module, imported once by path."""
    from glue_workflow.shared_files import shared_source

    path = shared_source(CONTRACT_MODULE)
    spec = importlib.util.spec_from_file_location(_MODULE_NAME, path)
    if spec is None or spec.loader is None:
        raise GlueWfError(f"cannot import {path}: not a Python source file; reinstall glue-wf")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_MODULE_NAME] = module  # its dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[_MODULE_NAME]
        raise
    return module


def contract_error(text: str, where: str) -> str | None:
    """``load_contract``'s message for the dataset config ``text`` named ``where``, or
    None when the ETL accepts it."""
    module = etl_contract()
    try:
        module.load_contract(text, where)
    except module.PreprocessError as exc:
        return str(exc)
    return None


def missing_config(node: str, keys: list[str]) -> Problem:
    """The node runs the ETL (it ships its contract module) without a dataset config."""
    close = difflib.get_close_matches(DATASET_CONFIG_ARGUMENT, keys, n=1, cutoff=0.8)
    near = f" ({close[0]!r} looks like a misspelling of it)" if close else ""
    return Problem(
        where=f"node {node!r}",
        rule=RULE,
        message=(
            f"ships the ETL's contract module but gives no {DATASET_CONFIG_ARGUMENT}{near}: the "
            f"job would fail at its start; add files={{{DATASET_CONFIG_ARGUMENT!r}: "
            "'jobs/datasets/<name>.json'}"
        ),
    )


def check_dataset_configs(workflow: Workflow, project_root: Path) -> list[Problem]:
    """A problem per shipped dataset config the ETL would refuse (a missing file is
    left to ``artifacts.missing_files``)."""
    problems = []
    for job in workflow.jobs:
        source = job.files.get(DATASET_CONFIG_ARGUMENT)
        # the ETL's contract only where the node ships the ETL's contract module: another
        # job may give the argument a format of its own
        ships_contract = any(
            Path(f).name == Path(CONTRACT_MODULE).name for f in getattr(job, "extra_py_files", ())
        )
        if not ships_contract:
            continue
        if source is None:
            if DATASET_CONFIG_ARGUMENT not in job.arguments:  # an s3:// URI given directly
                problems.append(missing_config(job.name, [*job.files, *job.arguments]))
            continue
        path = source_path(source, project_root)
        if not path.is_file():
            continue
        where = f"node {job.name!r} ({source})"
        try:
            message = contract_error(path.read_text(encoding="utf-8"), source)
        except UnicodeDecodeError as exc:
            message = f"dataset config {source} is not UTF-8 text ({exc}): save it as UTF-8"
        except GlueWfError as exc:  # glue-wf's own copy of the ETL is missing or broken
            problems.append(
                Problem(where=where, rule=RULE, message=f"not checked: {exc}", severity="warning")
            )
            continue
        if message is not None:
            problems.append(Problem(where=where, rule=RULE, message=message))
    return problems
