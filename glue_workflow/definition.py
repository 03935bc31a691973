"""Load the workflow definition file and turn it into a WorkflowDocument.

``load_workflow(settings)`` imports ``settings.definition`` by path and returns its
``settings.attribute``; ``build_document(settings)`` loads, validates, collects
artifacts, resolves the XGBoost image, compiles and checks every request against
the Glue service model.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import re
import sys
import traceback
from datetime import datetime
from pathlib import Path
from types import ModuleType

from glue_workflow.config import CONFIG_FILE, Settings
from glue_workflow.document import WorkflowDocument
from glue_workflow.errors import DefinitionError, GlueWfError, Problem
from glue_workflow.model._base import did_you_mean
from glue_workflow.model.workflow import Workflow


def _import_file(path: Path, project_root: Path) -> ModuleType:
    if not path.is_file():
        if not _names_a_definition(project_root):
            others = sorted(p.name for p in (project_root / "triggers").glob("*.py"))
            found = f" (triggers/ holds {', '.join(others)})" if others else ""
            raise DefinitionError(
                f"{CONFIG_FILE} names no workflow definition, and the default {path} does not "
                f'exist{found}: add [workflow] definition = "triggers/<file>.py" to '
                f"{project_root / CONFIG_FILE}"
            )
        raise DefinitionError(
            f"workflow definition file {path} does not exist: fix [workflow] definition in "
            "glue-wf.toml (or pass --project DIR)"
        )
    module_name = f"_glue_wf_definition_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise DefinitionError(f"cannot import {path}: not a Python source file")
    module = importlib.util.module_from_spec(spec)
    # Definitions may import sibling modules of the project (``triggers.common``).
    root = str(project_root)
    added = root not in sys.path
    if added:
        sys.path.insert(0, root)
    try:
        # what the definition prints goes to stderr: stdout carries --json and compile's
        # documents, which a leftover debug print would make unreadable
        with contextlib.redirect_stdout(sys.stderr):
            spec.loader.exec_module(module)
    except GlueWfError:
        raise
    except SystemExit as exc:
        # sys.exit() is a BaseException: uncaught, it would end validate/compile/deploy
        # with the module's code (often 0: a silent "success" that checked nothing).
        raise DefinitionError(
            [
                Problem(
                    where=f"{path}{_line(exc, path) or ''}",
                    rule="import-exit",
                    message=f"the definition called sys.exit({exc.code!r}) while being "
                    "imported, so no workflow was loaded: move script code under "
                    "'if __name__ == \"__main__\":' or remove the sys.exit() call",
                )
            ]
        ) from exc
    except Exception as exc:
        raise DefinitionError(
            f"importing workflow definition {path} failed at{_line(exc, path) or ' import'}: "
            f"{type(exc).__name__}: {exc}{_keyword_hint(exc, module)}"
        ) from exc
    finally:
        if added:
            sys.path.remove(root)
    return module


def _names_a_definition(project_root: Path) -> bool:
    """Whether the project's glue-wf.toml sets [workflow] definition (unreadable: say so)."""
    import tomllib

    try:
        data = tomllib.loads((project_root / CONFIG_FILE).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return True
    workflow = data.get("workflow")
    return isinstance(workflow, dict) and "definition" in workflow


_UNEXPECTED = re.compile(r"^(?:([\w.]+)\(\) )?got an unexpected keyword argument '(\w+)'")


def _keyword_hint(exc: BaseException, module: ModuleType) -> str:
    """For a misspelt keyword (``Job(number_of_worker=2)``): the one meant, found in the
    signature of the class or function the definition called, by its name."""
    found = _UNEXPECTED.match(str(exc)) if isinstance(exc, TypeError) else None
    if found is None or not found.group(1):
        return ""
    owner = found.group(1).removesuffix(".__init__").split(".")[-1]
    from glue_workflow import model

    called = vars(module).get(owner) or getattr(model, owner, None)
    if not callable(called):
        return ""
    try:
        names = [n for n in inspect.signature(called).parameters if n not in ("self", "kwargs")]
    except (TypeError, ValueError):
        return ""
    hint = did_you_mean(found.group(2), names)
    return f";{hint[:-1].replace(' (did', ' did')}" if hint else ""


def _line(exc: BaseException, path: Path) -> str:
    """`` line N``: the deepest frame of ``exc`` in the definition file, else ``""``."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return f" line {frames[-1].lineno}" if frames else ""


def load_workflow(settings: Settings) -> Workflow:
    """The ``Workflow`` object named ``settings.attribute`` in ``settings.definition``."""
    module = _import_file(settings.definition, settings.project_root)
    name = settings.attribute
    if not hasattr(module, name):
        workflows = [k for k, v in vars(module).items() if isinstance(v, Workflow)]
        hint = did_you_mean(name, workflows) or (
            f" (it defines {', '.join(repr(w) for w in workflows)})" if workflows else ""
        )
        raise DefinitionError(
            f"{settings.definition} has no attribute {name!r}{hint}: set [workflow] attribute "
            "in glue-wf.toml to the variable holding the Workflow"
        )
    value = getattr(module, name)
    if not isinstance(value, Workflow):
        raise DefinitionError(
            f"{settings.definition}: {name!r} is a {type(value).__name__}, not a "
            "glue_workflow.model.Workflow"
        )
    return value


def validate_definition(
    settings: Settings, *, now: datetime | None = None
) -> tuple[Workflow | None, list[Problem]]:
    """The workflow and every problem (errors and warnings), offline.

    Beyond the model and graph rules: every referenced file exists, every shipped
    dataset config is one the ETL accepts, and the compiled requests (with placeholder
    deployment values) satisfy the Glue service model.
    Model objects are built with their problems deferred, so one run reports the
    problems of every object and of the graph. When the definition cannot be loaded
    at all, the workflow is None and the load error is among the problems.
    ``now``: the reference time for schedules (default: the current time).
    """
    from glue_workflow.artifacts import missing_files
    from glue_workflow.model._base import deferring
    from glue_workflow.validation import validate
    from glue_workflow.validation.dataset_configs import check_dataset_configs
    from glue_workflow.validation.scripts import check_scripts
    from glue_workflow.validation.stages import check_stage_endpoints

    with deferring() as deferred:
        try:
            workflow = load_workflow(settings)
        except DefinitionError as exc:
            return None, _errors_first([*deferred, *exc.problems])
        except GlueWfError as exc:
            load = Problem(where=str(settings.definition), rule="load", message=str(exc))
            return None, _errors_first([*deferred, load])
    tolerant = bool(deferred)
    problems = [*deferred, *validate(workflow, now=now, tolerant=tolerant)]
    try:
        problems += missing_files(workflow, settings.project_root)
        problems += check_dataset_configs(workflow, settings.project_root)
        problems += check_scripts(workflow, settings.project_root)
        problems += check_stage_endpoints(
            workflow, settings.stages, str(settings.project_root / CONFIG_FILE)
        )
    except Exception:
        if not tolerant:
            raise
    if not any(p.severity == "error" for p in problems):
        problems += _request_problems(workflow)
    return workflow, _errors_first(problems)


def _errors_first(problems: list[Problem]) -> list[Problem]:
    from glue_workflow.validation import once

    return sorted(once(problems), key=lambda p: p.severity != "error")


def _request_problems(workflow: Workflow) -> list[Problem]:
    """Service-model problems of the compiled requests, without reading any file."""
    from glue_workflow.compiler import compile_workflow, placeholder_context
    from glue_workflow.servicemodel import request_problems

    context = placeholder_context(workflow, "glue-wf-validate")
    document = compile_workflow(workflow, context)
    problems = request_problems("glue", "CreateWorkflow", document.workflow)
    for job in document.jobs:
        problems += request_problems("glue", "CreateJob", job)
    for trigger in document.triggers:
        problems += request_problems("glue", "CreateTrigger", trigger)
    return problems


def notify_topic_arn(settings: Settings, glue_role_arn: str) -> str:
    """The notifications topic of the infra stack (template: ``<stack>-notifications``),
    in the Glue role's account."""
    from glue_workflow import naming

    account = glue_role_arn.split(":")[4] if glue_role_arn.count(":") >= 5 else ""
    name = naming.notification_topic_name(settings.stack_name)
    return naming.arn(
        naming.local_partition(settings.region), "sns", settings.region, account, name
    )


def _run_console_url(settings: Settings, workflow: str) -> str | None:
    """Locally, the run's page in ``glue-wf console``; on AWS the compiler's default."""
    if not settings.is_local:
        return None
    from glue_workflow.naming import local_console_url

    return local_console_url(workflow, "RUNID").replace("RUNID", "{run_id}")


def build_document(settings: Settings) -> WorkflowDocument:
    """Load, validate (dataset configs too), collect artifacts, resolve the image,
    compile, check requests."""
    from glue_workflow.artifacts import collect_artifacts
    from glue_workflow.aws.target import Target
    from glue_workflow.compiler import CompileContext, compile_workflow
    from glue_workflow.images import xgboost_image_uri
    from glue_workflow.servicemodel import check_document
    from glue_workflow.validation import check
    from glue_workflow.validation.dataset_configs import check_dataset_configs
    from glue_workflow.validation.document import check_document_rules
    from glue_workflow.validation.scripts import check_scripts
    from glue_workflow.validation.stages import check_stage_endpoints

    workflow = load_workflow(settings)
    check(workflow)
    problems = check_dataset_configs(workflow, settings.project_root)
    problems += check_scripts(workflow, settings.project_root)
    problems += check_stage_endpoints(
        workflow, settings.stages, str(settings.project_root / CONFIG_FILE)
    )
    if any(p.severity == "error" for p in problems):  # before any AWS call or upload
        raise DefinitionError(problems)
    bucket, glue_role, sagemaker_role = Target.from_settings(settings).deploy_resources()
    context = CompileContext(
        bucket=bucket,
        glue_role_arn=glue_role,
        sagemaker_role_arn=sagemaker_role,
        region=settings.region,
        xgboost_image_uri=xgboost_image_uri(settings.region),
        artifacts=collect_artifacts(workflow, settings.project_root, bucket),
        events_role_arn=settings.events_role_arn,
        notify_topic_arn=notify_topic_arn(settings, glue_role),
        console_url=_run_console_url(settings, workflow.name),
    )
    document = compile_workflow(workflow, context)
    problems = check_document_rules(document.to_dict())
    if problems:  # the compiler broke a Glue rule: a bug, reported like a definition error
        raise DefinitionError(problems)
    check_document(document)
    return document
