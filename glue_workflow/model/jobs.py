"""Job nodes: a Spark ETL job (``glueetl``) and a Python shell job (``pythonshell``).

A job points at its script (a project-relative path, normally under ``jobs/``),
declares the run properties it reads and writes (its contract), and says when it
runs (``after=``; no ``after`` and no explicit trigger = started by the start trigger).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from glue_workflow.errors import DefinitionError
from glue_workflow.glue_defaults import MAX_TIMEOUT_MINUTES
from glue_workflow.model._base import (
    Gather,
    check_bool,
    check_enum,
    check_int,
    check_name,
    check_property_names,
    check_text,
    did_you_mean,
    fail,
    set_attr,
    str_map,
    str_tuple,
    tag_map,
)
from glue_workflow.model.cache import Cache, as_cache, check_cache_job
from glue_workflow.model.dependencies import Dependency
from glue_workflow.model.job_arguments import (
    CONTEXT_ARGUMENTS,
    check_after,
    check_arguments,
    check_path,
)

GLUE_END_OF_LIFE = ("0.9", "1.0")
GLUE_END_OF_SUPPORT = ("2.0",)
FLEX_UNSUPPORTED = ("0.9", "1.0", "2.0")  # Flex: glueetl on Glue 3.0+ only
SPARK_GLUE_VERSIONS = ("2.0", "3.0", "4.0", "5.0", "5.1", "6.0")
SPARK_WORKER_TYPES = (
    "G.1X",
    "G.2X",
    "G.4X",
    "G.8X",
    "G.12X",
    "G.16X",
    "R.1X",
    "R.2X",
    "R.4X",
    "R.8X",
)
# The oldest Glue version each worker type runs on (botocore CreateJob.WorkerType doc):
# G.4X/G.8X are "available only for Glue version 3.0 or later Spark ETL jobs"; G.12X,
# G.16X and R.1X-R.8X "only for Glue version 4.0 or later Spark ETL jobs". G.025X
# (Glue 3.0+ streaming jobs) and Z.2X (Ray jobs) are no glueetl types: not listed above.
WORKER_TYPE_MIN_GLUE = {
    "G.4X": "3.0",
    "G.8X": "3.0",
    "G.12X": "4.0",
    "G.16X": "4.0",
    "R.1X": "4.0",
    "R.2X": "4.0",
    "R.4X": "4.0",
    "R.8X": "4.0",
}
# "Flexible job runs are supported for jobs using AWS Glue version 3.0 or later and G.1X
# or G.2X worker types" (Glue developer guide, add-job.html, as quoted in aws-cdk#26203;
# botocore's ExecutionClass doc states only the Glue 3.0+ / glueetl part).
FLEX_WORKER_TYPES = ("G.1X", "G.2X")
PYTHON_SHELL_CAPACITIES = (0.0625, 1.0)
LIBRARY_SETS = ("analytics", "none")
MAX_RETRIES = 10


@dataclass(frozen=True, kw_only=True)
class Job:
    """Fields every Glue job node has. Use ``SparkJob`` or ``PythonShellJob``."""

    command: ClassVar[str] = ""
    kind: ClassVar[str] = "Job"

    name: str
    script: str
    description: str = ""
    after: Dependency | None = None
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    arguments: Mapping[str, str] = field(default_factory=dict)
    non_overridable_arguments: Mapping[str, str] = field(default_factory=dict)
    context_arguments: tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)  # --arg -> file; value = its S3 URI
    extra_py_files: tuple[str, ...] = ()
    additional_python_modules: tuple[str, ...] = ()
    jobkit: bool = True  # ship glue_workflow.jobkit via --extra-py-files
    max_retries: int = 0
    timeout: int | None = None  # minutes; None = Glue's default for the version
    max_concurrent_runs: int = 1
    connections: tuple[str, ...] = ()  # Glue connection names (VPC, JDBC, ...)
    security_configuration: str | None = None
    notify_delay_after: int | None = None  # minutes before a "running late" event
    tags: Mapping[str, str] = field(default_factory=dict)
    cache: Cache | bool | None = None  # step caching (model/cache.py); True = Cache()

    @property
    def where(self) -> str:
        return f"{self.kind} {self.name!r}"

    def __post_init__(self) -> None:
        if type(self) is Job:
            fail("Job", "job-type", "use SparkJob or PythonShellJob, not Job")
        where = f"{self.kind} {self.name!r}"
        g = Gather()
        with g.check():
            check_name(where, "job name", self.name)
        with g.check():
            set_attr(self, "script", check_path(where, "script", self.script, (".py",)))
        with g.check():
            check_text(where, "description", self.description, 2048)
        with g.check():
            check_after(where, self.after)
        for what in (
            "reads",
            "writes",
            "context_arguments",
            "extra_py_files",
            "additional_python_modules",
            "connections",
        ):
            with g.check(what):
                set_attr(self, what, str_tuple(where, what, getattr(self, what)))
            if not g.ok(what):
                set_attr(self, what, ())  # its one error, not one more per character
        if g.ok("reads", "writes"):
            with g.check():
                check_property_names(where, "run property", self.reads + self.writes)
        for name in self.context_arguments if g.ok("context_arguments") else ():
            with g.check():
                check_enum(where, "context argument", name, CONTEXT_ARGUMENTS)
        for what in ("arguments", "non_overridable_arguments", "files"):
            with g.check(what):
                set_attr(self, what, str_map(where, what, getattr(self, what)))
        with g.check("tags"):
            set_attr(self, "tags", tag_map(where, self.tags))
        if g.ok("files", "arguments"):
            for key in sorted(set(self.files) & set(self.arguments)):
                with g.check():
                    fail(
                        where,
                        "argument-twice",
                        f"{key} is in both files= and arguments=: the job would get the file's "
                        "URI only; keep one",
                    )
        shell = self.command == "pythonshell"
        for field_name, what in (
            ("arguments", "argument"),
            ("non_overridable_arguments", "non-overridable argument"),
            ("files", "files"),
        ):
            if g.ok(field_name):
                with g.check(field_name):
                    check_arguments(where, what, getattr(self, field_name), python_shell=shell)
        if g.ok("files"):
            with g.check():
                set_attr(
                    self,
                    "files",
                    MappingProxyType(
                        {k: check_path(where, f"files[{k!r}]", v) for k, v in self.files.items()}
                    ),
                )
        if g.ok("extra_py_files"):
            with g.check("extra_py_files"):
                set_attr(
                    self,
                    "extra_py_files",
                    tuple(
                        check_path(where, "extra_py_files", p, (".py", ".zip", ".whl", ".egg"))
                        for p in self.extra_py_files
                    ),
                )
                for path in self.extra_py_files:
                    check_wheel_name(where, path)
        with g.check():
            check_int(where, "max_retries", self.max_retries, 0, MAX_RETRIES)
        if self.timeout is not None:
            with g.check():
                check_int(where, "timeout", self.timeout, 1, MAX_TIMEOUT_MINUTES)
        with g.check():
            check_int(where, "max_concurrent_runs", self.max_concurrent_runs, 1)
        if self.notify_delay_after is not None:
            with g.check():
                check_int(
                    where, "notify_delay_after", self.notify_delay_after, 1, MAX_TIMEOUT_MINUTES
                )
        if self.security_configuration is not None:
            with g.check():
                check_text(where, "security_configuration", self.security_configuration, 255)
        with g.check():
            check_bool(where, "jobkit", self.jobkit)
        with g.check():
            set_attr(self, "cache", as_cache(where, self.cache))
            if isinstance(self.cache, Cache) and g.ok("reads", "arguments"):
                check_cache_job(
                    where,
                    self.cache,
                    reads=self.reads,
                    arguments=self.arguments,
                    jobkit=self.jobkit,
                )
        g.done()

    @property
    def files_and_script(self) -> tuple[str, ...]:
        """Every project file this job needs uploaded."""
        return (self.script, *self.extra_py_files, *self.files.values())

    @property
    def jobkit_source(self) -> str | None:
        """The job library's artifact source this job gets (None: ``jobkit=False``)."""
        from glue_workflow import naming

        return naming.jobkit_source(self.command == "glueetl") if self.jobkit else None


@dataclass(frozen=True, kw_only=True)
class SparkJob(Job):
    """A Spark ETL job (``glueetl``). Default: Glue 5.0 (Spark 3.5.4), 2 x G.1X."""

    command: ClassVar[str] = "glueetl"
    kind: ClassVar[str] = "SparkJob"

    glue_version: str = "5.0"
    worker_type: str | None = "G.1X"
    number_of_workers: int | None = 2
    max_capacity: float | None = None
    execution_class: str | None = None  # "STANDARD" | "FLEX"
    extra_files: tuple[str, ...] = ()
    job_bookmarks: bool = False
    jobkit: bool = False

    def __post_init__(self) -> None:
        g = Gather()
        with g.check():
            super().__post_init__()
        where = self.where
        with g.check("glue_version"):
            if self.glue_version in GLUE_END_OF_LIFE:
                fail(
                    where,
                    "glue-end-of-life",
                    f"Glue {self.glue_version} has reached end of life (runs cannot start): "
                    "use glue_version='5.0'",
                )
            check_enum(where, "glue_version", self.glue_version, SPARK_GLUE_VERSIONS)
        with g.check("capacity"):
            self._check_capacity(where)
        if self.worker_type is not None and g.ok("glue_version", "capacity"):
            with g.check():
                _check_worker_glue_version(where, self.worker_type, self.glue_version)
        if self.execution_class is not None:
            with g.check("execution_class"):
                check_enum(where, "execution_class", self.execution_class, ("STANDARD", "FLEX"))
                _check_flex(where, self.execution_class, self.glue_version)
            if self.worker_type is not None and g.ok("capacity", "execution_class"):
                with g.check():
                    _check_flex_worker(where, self.execution_class, self.worker_type)
        with g.check():
            set_attr(
                self,
                "extra_files",
                tuple(
                    check_path(where, "extra_files", p)
                    for p in str_tuple(where, "extra_files", self.extra_files)
                ),
            )
        with g.check():
            check_bool(where, "job_bookmarks", self.job_bookmarks)
        g.done()

    def _check_capacity(self, where: str) -> None:
        if self.max_capacity is not None:
            if self.worker_type is not None or self.number_of_workers is not None:
                fail(
                    where,
                    "capacity-exclusive",
                    "max_capacity cannot be combined with worker_type/number_of_workers: "
                    "set worker_type=None and number_of_workers=None, or drop max_capacity",
                )
            # botocore CreateJob.MaxCapacity doc: "For Glue version 2.0+ jobs, you cannot
            # specify a Maximum capacity. Instead, you should specify a Worker type and the
            # Number of workers." Every supported Spark version is 2.0+ (0.9/1.0: end of life).
            if self.glue_version in SPARK_GLUE_VERSIONS:
                fail(
                    where,
                    "capacity-glue-version",
                    f"max_capacity cannot be set on Glue 2.0 or later (this job uses Glue "
                    f"{self.glue_version}): drop max_capacity and set worker_type and "
                    f"number_of_workers (a G.1X worker is 1 DPU: e.g. worker_type='G.1X', "
                    f"number_of_workers={_same_dpu_workers(self.max_capacity)})",
                )
            if isinstance(self.max_capacity, bool) or not 2 <= float(self.max_capacity) <= 100:
                fail(
                    where,
                    "capacity-range",
                    f"max_capacity must be between 2 and 100 DPU, got {self.max_capacity!r}",
                )
            return
        if self.worker_type is None or self.number_of_workers is None:
            fail(
                where,
                "capacity-missing",
                "set worker_type and number_of_workers (e.g. 'G.1X' and 2)",
            )
        g = Gather()
        with g.check():
            check_enum(where, "worker_type", self.worker_type, SPARK_WORKER_TYPES)
        with g.check():
            check_int(where, "number_of_workers", self.number_of_workers, 2, 1000)
        if g.problems:
            raise DefinitionError(g.problems)

    @property
    def files_and_script(self) -> tuple[str, ...]:
        return (*super().files_and_script, *self.extra_files)


def check_python_shell_capacity(where: str, max_capacity: Any) -> None:
    """Python shell jobs run on 0.0625 or 1 DPU."""
    if max_capacity not in PYTHON_SHELL_CAPACITIES or isinstance(max_capacity, bool):
        fail(
            where,
            "python-shell-capacity",
            f"max_capacity must be 0.0625 or 1 DPU for a Python shell job, got {max_capacity!r}",
        )


def _check_flex(where: str, execution_class: str, glue_version: str) -> None:
    # "Only jobs with AWS Glue version 3.0 and above and command type glueetl will be
    # allowed to set ExecutionClass to FLEX" (Glue API reference, Job.ExecutionClass:
    # https://docs.aws.amazon.com/glue/latest/webapi/API_Job.html).
    if execution_class == "FLEX" and glue_version in FLEX_UNSUPPORTED:
        fail(
            where,
            "flex-glue-version",
            f"execution_class='FLEX' needs Glue 3.0 or later; this job uses Glue "
            f"{glue_version}: set glue_version='5.0' or drop execution_class",
        )


def _check_flex_worker(where: str, execution_class: str, worker_type: str) -> None:
    # Flex is "supported for jobs using AWS Glue version 3.0 or later and G.1X or G.2X
    # worker types" (Glue developer guide, add-job.html; see FLEX_WORKER_TYPES).
    if execution_class == "FLEX" and worker_type not in FLEX_WORKER_TYPES:
        fail(
            where,
            "flex-worker-type",
            f"execution_class='FLEX' needs worker_type 'G.1X' or 'G.2X'; this job uses "
            f"{worker_type!r}: set worker_type='G.2X' or drop execution_class",
        )


def _glue(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _check_worker_glue_version(where: str, worker_type: str, glue_version: str) -> None:
    # botocore CreateJob.WorkerType doc (see WORKER_TYPE_MIN_GLUE): G.4X/G.8X need Glue
    # 3.0+, G.12X/G.16X/R.* Glue 4.0+ ("available only for Glue version N or later").
    minimum = WORKER_TYPE_MIN_GLUE.get(worker_type)
    if minimum is not None and _glue(glue_version) < _glue(minimum):
        offered = ", ".join(
            repr(w)
            for w in SPARK_WORKER_TYPES
            if _glue(WORKER_TYPE_MIN_GLUE.get(w, glue_version)) <= _glue(glue_version)
        )
        fail(
            where,
            "worker-type-glue-version",
            f"worker_type {worker_type!r} needs Glue {minimum} or later; this job uses Glue "
            f"{glue_version}: set glue_version='5.0', or use a worker type Glue "
            f"{glue_version} has ({offered})",
        )


def _same_dpu_workers(max_capacity: Any) -> int:
    """G.1X workers (1 DPU each) giving ``max_capacity`` DPU, else the default 2."""
    number = isinstance(max_capacity, int | float) and not isinstance(max_capacity, bool)
    if number and float(max_capacity).is_integer() and 2 <= max_capacity <= 1000:
        return int(max_capacity)
    return 2


@dataclass(frozen=True, kw_only=True)
class PythonShellJob(Job):
    """A Python shell job (``pythonshell``): Glue 3.0, Python 3.9, 0.0625 or 1 DPU."""

    command: ClassVar[str] = "pythonshell"
    kind: ClassVar[str] = "PythonShellJob"

    glue_version: str = "3.0"
    python_version: str = "3.9"
    max_capacity: float = 0.0625
    library_set: str = "analytics"
    execution_class: str | None = None  # refused: Flex is for Spark jobs only
    # The SageMaker training job the node starts (its ResourceConfig): compiled into
    # --training_instance_type / --training_instance_count for the node's script.
    instance_type: str | None = None
    instance_count: int | None = None

    def __post_init__(self) -> None:
        g = Gather()
        with g.check():
            super().__post_init__()
        where = self.where
        if self.execution_class is not None:
            with g.check():
                fail(
                    where,
                    "flex-python-shell",
                    f"execution_class={self.execution_class!r}: Python shell jobs have no "
                    "execution class (Flex is for Spark glueetl jobs on Glue 3.0+, Glue API "
                    "Job.ExecutionClass): drop execution_class",
                )
        with g.check():
            if self.python_version in ("2", "3") or self.glue_version in GLUE_END_OF_LIFE:
                fail(
                    where,
                    "python-shell-version",
                    f"Python shell {self.python_version} on Glue {self.glue_version} has "
                    "reached end of life: use glue_version='3.0', python_version='3.9'",
                )
            if (self.glue_version, self.python_version) != ("3.0", "3.9"):
                fail(
                    where,
                    "python-shell-version",
                    f"Python shell runs Python 3.9 on Glue 3.0; got python_version="
                    f"{self.python_version!r}, glue_version={self.glue_version!r}",
                )
        with g.check():
            check_python_shell_capacity(where, self.max_capacity)
        with g.check():
            check_enum(where, "library_set", self.library_set, LIBRARY_SETS)
        with g.check():
            _check_training_resources(self)
        if isinstance(self.arguments, Mapping):
            with g.check():
                _check_sagemaker_arguments(self)
        for path in self.extra_py_files if isinstance(self.extra_py_files, tuple) else ():
            if isinstance(path, str) and path.endswith(".egg"):
                with g.check():
                    fail(
                        where,
                        "python-shell-egg",
                        f"extra_py_files {path!r}: Python 3.9 shell jobs need .whl, not .egg",
                    )
        g.done()


# A wheel's file name (PEP 427: name-version[-build]-python-abi-platform.whl): Glue installs
# each .whl of --extra-py-files with pip, which refuses any other name ("ERROR: x.whl is not
# a valid wheel filename").
WHEEL_NAME = re.compile(r"[^-/]+-[^-/]+(-\d[^-/]*)?-[^-/]+-[^-/]+-[^-/]+\.whl")


def check_wheel_name(where: str, path: str) -> None:
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".whl") and not WHEEL_NAME.fullmatch(name):
        fail(
            where,
            "wheel-name",
            f"extra_py_files {path!r} is not named as a wheel is (name-version-python-abi-"
            "platform.whl, e.g. mylib-1.0-py3-none-any.whl): pip on Glue refuses it; build "
            "it with 'pip wheel' or 'python -m build', or ship a .zip",
        )


# SageMaker ResourceConfig.InstanceType names: "ml.<family>.<size>" (API Reference,
# ResourceConfig: e.g. ml.m5.xlarge, ml.c5.2xlarge, ml.p3.2xlarge).
INSTANCE_TYPE_PATTERN = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9]+$")
TRAINING_ARGUMENTS = ("--training_instance_type", "--training_instance_count")


def _check_training_resources(job: PythonShellJob) -> None:
    where = job.where
    if job.instance_type is not None and (
        not isinstance(job.instance_type, str) or not INSTANCE_TYPE_PATTERN.match(job.instance_type)
    ):
        fail(
            where,
            "instance-type",
            f"instance_type={job.instance_type!r} is not a SageMaker instance type: use "
            "e.g. 'ml.m5.xlarge' (ResourceConfig.InstanceType)",
        )
    if job.instance_type is not None:
        offered = training_instance_types()
        if job.instance_type not in offered:
            fail(
                where,
                "instance-type",
                f"instance_type={job.instance_type!r} is not a SageMaker training instance "
                f"type{instance_hint(job.instance_type, offered)} (the SageMaker API's "
                "TrainingInstanceType: CreateTrainingJob would refuse it), e.g. 'ml.m5.xlarge'",
            )
    if job.instance_count is not None:
        # ResourceConfig.InstanceCount; more instances than the account's quota fail at
        # CreateTrainingJob (ResourceLimitExceeded), not here.
        check_int(where, "instance_count", job.instance_count, 1)
    if job.instance_type is not None or job.instance_count is not None:
        both = [a for a in TRAINING_ARGUMENTS if a in job.arguments]
        if both:
            fail(
                where,
                "instance-argument",
                f"arguments {both} and instance_type/instance_count set the same thing: "
                "keep instance_type/instance_count and drop the arguments",
            )


@functools.cache
def _sagemaker_model() -> Any:
    """botocore's SageMaker service model, loaded once and only for a job that needs it
    (0.2 s). Not through glue_workflow.servicemodel: the model must not import it."""
    import botocore.session

    return botocore.session.get_session().get_service_model("sagemaker")


@functools.cache
def sagemaker_instance_types(shape: str) -> tuple[str, ...]:
    """The instance types a SageMaker API offers (the service model's enum ``shape``)."""
    return tuple(_sagemaker_model().shape_for(shape).metadata["enum"])


def instance_hint(value: str, offered: tuple[str, ...]) -> str:
    """`` (did you mean 'ml.x'?)`` for an instance type without its ``ml.`` prefix (which
    difflib would match to another family), else the closest name."""
    if f"ml.{value}" in offered:
        return f" (did you mean 'ml.{value}'?)"
    return did_you_mean(value, offered)


def training_instance_types() -> tuple[str, ...]:
    return sagemaker_instance_types("TrainingInstanceType")


# The shipped scripts' SageMaker arguments (docs/pipeline.md): the service model's enum
# of each one's API field, and that API. Runtimes: StoppingCondition.MaxRuntimeInSeconds
# (min 1) and ProcessingStoppingCondition.MaxRuntimeInSeconds (1..777600).
INSTANCE_ARGUMENTS = {
    "--training_instance_type": ("TrainingInstanceType", "CreateTrainingJob"),
    "--processing_instance_type": ("ProcessingInstanceType", "CreateProcessingJob"),
    "--endpoint_instance_type": ("ProductionVariantInstanceType", "CreateEndpointConfig"),
}
# Whole-number arguments: the API member each one fills, whose limits the model gives.
WHOLE_ARGUMENTS = {
    "--training_max_runtime": ("StoppingCondition", "MaxRuntimeInSeconds"),
    "--processing_max_runtime": ("ProcessingStoppingCondition", "MaxRuntimeInSeconds"),
    "--training_instance_count": ("ResourceConfig", "InstanceCount"),
    "--processing_instance_count": ("ProcessingClusterConfig", "InstanceCount"),
    "--endpoint_instance_count": ("ProductionVariant", "InitialInstanceCount"),
}


@functools.cache
def sagemaker_limits(shape: str, member: str) -> tuple[int, int | None]:
    """(min, max) of a SageMaker API integer member; at least 1 (ResourceConfig allows 0
    instances for warm pools only)."""
    from botocore.model import StructureShape

    structure = _sagemaker_model().shape_for(shape)
    assert isinstance(structure, StructureShape)
    meta = structure.members[member].metadata
    return max(1, int(meta.get("min", 1))), meta.get("max")


def _check_sagemaker_arguments(job: Job) -> None:
    """An instance type or runtime argument SageMaker's API would refuse, after the
    nodes before it ran."""
    for name, (shape, api) in INSTANCE_ARGUMENTS.items():
        value = job.arguments.get(name)
        if not isinstance(value, str):  # absent (a wrong type is the arguments rule's)
            continue
        offered = sagemaker_instance_types(shape)
        if value not in offered:
            close = instance_hint(value, offered)
            other = any(
                value in sagemaker_instance_types(kind)
                for kind, _ in INSTANCE_ARGUMENTS.values()
                if kind != shape
            )
            what = (
                f"is a SageMaker instance type, but not one {api} offers{close}"
                if other  # e.g. ml.t2.medium: it serves endpoints, it cannot train
                else f"is not a SageMaker instance type{close} for {api}"
            )
            fail(
                job.where,
                "instance-type",
                f"argument {name}={value!r} {what} (the SageMaker API's {shape}: it would "
                "refuse it after the nodes before this one ran), e.g. 'ml.m5.large'",
            )
    for name, (shape, member) in WHOLE_ARGUMENTS.items():
        value = job.arguments.get(name)
        if not isinstance(value, str):
            continue
        low, high = sagemaker_limits(shape, member)
        try:
            number: int | None = int(value)
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            bound = f"{low} to {high}" if high is not None else f"at least {low}"
            fail(
                job.where,
                "argument-value",
                f"argument {name}={value!r} must be a whole number, {bound} (SageMaker's "
                f"{shape}.{member})",
            )


def training_arguments(job: PythonShellJob) -> dict[str, str]:
    """The job arguments ``instance_type`` / ``instance_count`` compile into."""
    args: dict[str, str] = {}
    if job.instance_type is not None:
        args["--training_instance_type"] = job.instance_type
    if job.instance_count is not None:
        args["--training_instance_count"] = str(job.instance_count)
    return args
