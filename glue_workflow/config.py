"""Target settings: ``glue-wf.toml`` at the project root, overridden by environment.

Precedence (highest first): command-line ``--target``; environment (``GLUE_WF_*``,
``AWS_REGION``/``AWS_DEFAULT_REGION``, ``AWS_PROFILE``, ``AWS_ENDPOINT_URL``);
the ``[target.<name>]`` table of ``glue-wf.toml``; built-in defaults, but for the AWS
target's region: that is the AWS profile's, as boto3 resolves it, or an error.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from glue_workflow.errors import ConfigError
from glue_workflow.stage_config import Stage, parse_stages

CONFIG_FILE = "glue-wf.toml"
TARGETS = ("local", "aws")
TargetName = Literal["local", "aws"]

LOCAL_ACCOUNT_ID = "000000000000"
LOCAL_DEFAULT_BUCKET = "glue-wf-local"
DEFAULT_REGION = "us-east-1"
DEFAULT_HOME = ".glue-wf"

_ENV_KEYS = {
    "home": "GLUE_WF_HOME",
    "bucket": "GLUE_WF_BUCKET",
    "glue_role_arn": "GLUE_WF_GLUE_ROLE_ARN",
    "sagemaker_role_arn": "GLUE_WF_SAGEMAKER_ROLE_ARN",
    "events_role_arn": "GLUE_WF_EVENTS_ROLE_ARN",
    "profile": "AWS_PROFILE",
    "endpoint_url": "AWS_ENDPOINT_URL",
    "stack_name": "GLUE_WF_STACK_NAME",
    "spark_master": "GLUE_WF_SPARK_MASTER",
}
_TARGET_KEYS = frozenset(
    {
        "home",
        "bucket",
        "glue_role_arn",
        "sagemaker_role_arn",
        "events_role_arn",
        "region",
        "profile",
        "endpoint_url",
        "stack_name",
        "spark_master",
    }
)
# [target.local] only: the warm Spark of local Glue Spark jobs (docs/local-target.md)
_WARM_SPARK_KEYS = frozenset({"warm_spark", "warm_spark_memory", "warm_spark_idle_seconds"})


@dataclass(frozen=True, kw_only=True)
class WarmSpark:
    """Keep a JVM alive between local Spark job runs; its heap cap and idle timeout."""

    enabled: bool = True
    memory: str = "1g"
    idle_seconds: int = 600


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything a command needs to know about the project and where it deploys."""

    project_root: Path
    definition: Path  # the Python file that defines the workflow
    attribute: str  # the module attribute holding the Workflow
    target: TargetName
    home: Path  # local target state directory (used by --target local only)
    region: str
    bucket: str | None
    glue_role_arn: str | None
    sagemaker_role_arn: str | None
    profile: str | None = None
    endpoint_url: str | None = None
    stack_name: str = "glue-wf"
    # the role EventBridge assumes to start an event-started workflow (Event(pattern=...))
    events_role_arn: str | None = None
    warm_spark: WarmSpark = WarmSpark()
    spark_master: str | None = None  # local Spark jobs on this cluster (local target only)
    stages: tuple[Stage, ...] = ()  # [stages.<name>]: where packages are promoted

    @property
    def is_local(self) -> bool:
        return self.target == "local"

    @property
    def jobs_dir(self) -> Path:
        return self.project_root / "jobs"


def find_project_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` holding glue-wf.toml."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise ConfigError(
        f"no {CONFIG_FILE} found in {here} or any parent directory: run glue-wf from a "
        f"project directory, or pass --project DIR"
    )


# What botocore accepts as a bucket name (botocore.handlers.VALID_BUCKET): buckets made
# before March 2018 in us-east-1 may have capitals and underscores, up to 255
# characters (S3 User Guide, "Bucket naming rules", legacy); new ones are 3-63 of
# lowercase letters, digits, dots and hyphens.
BUCKET_NAME = re.compile(r"[a-zA-Z0-9._-]{1,255}")
# A region is a host label: botocore.utils.validate_region_name refuses anything else
# (InvalidRegionError) when the first client is made.
REGION_NAME = re.compile(r"(?![0-9]+$)(?!-)[a-zA-Z0-9-]{1,63}(?<!-)")


def _read_toml(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    # Windows editors (Notepad) save a UTF-8 byte-order mark, which TOML does not allow
    # ("Invalid statement (at line 1, column 1)"); it is not content, so it is skipped.
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 (byte {exc.start}): TOML files are UTF-8; re-save it as UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table, got {type(value).__name__}")
    return value


# glue-wf.toml's top-level tables ([cost] is read by glue-wf cost)
_SECTIONS = ("workflow", "target", "stages", "cost")


def _known(table: Mapping[str, Any], known: tuple[str, ...], where: str, what: str) -> None:
    """Refuse a key of ``table`` outside ``known``: a misspelt table would be ignored."""
    from glue_workflow.model._base import did_you_mean

    for key in sorted(set(table) - set(known)):
        raise ConfigError(
            f"{where}: unknown {what} {key!r}{did_you_mean(key, known)}; known: {', '.join(known)}"
        )


def _str_or_none(value: Any, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a string, got {value!r}")
    return value


def load_settings(
    project_root: Path | None = None,
    *,
    target: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Read glue-wf.toml under ``project_root`` (or the nearest one) and apply overrides."""
    env = os.environ if env is None else env
    root = (project_root or find_project_root()).resolve()
    config_path = root / CONFIG_FILE
    data = _read_toml(config_path) if config_path.is_file() else {}
    where = str(config_path)

    _known(data, _SECTIONS, where, "table")
    workflow = _table(data, "workflow", where)
    _known(workflow, ("definition", "attribute"), f"{where} [workflow]", "setting")
    definition = workflow.get("definition", "triggers/churn_pipeline.py")
    attribute = workflow.get("attribute", "workflow")
    if not isinstance(definition, str) or not isinstance(attribute, str):
        raise ConfigError(f"{where}: [workflow] definition and attribute must be strings")

    targets = _table(data, "target", where)
    _known(targets, ("default", *TARGETS), f"{where} [target]", "table")
    chosen = target or env.get("GLUE_WF_TARGET") or targets.get("default") or "local"
    if chosen not in TARGETS:
        raise ConfigError(
            f"unknown target {chosen!r}: use one of {', '.join(TARGETS)} "
            "(--target, GLUE_WF_TARGET or [target] default in glue-wf.toml)"
        )
    table = _table(targets, chosen, f"{where} [target]")
    known = _TARGET_KEYS | (_WARM_SPARK_KEYS if chosen == "local" else frozenset())
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(
            f"{where} [target.{chosen}]: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    values: dict[str, str | None] = {
        key: _str_or_none(table.get(key), f"{where} [target.{chosen}] {key}")
        for key in _TARGET_KEYS
    }
    warm = _warm_spark(table, f"{where} [target.{chosen}]")
    for key, env_name in _ENV_KEYS.items():
        if env.get(env_name):
            values[key] = env[env_name]
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or values["region"]
    if region is None:
        region = DEFAULT_REGION if chosen == "local" else _profile_region(values["profile"], where)
    if not REGION_NAME.fullmatch(region):
        source = next(
            (name for name in ("AWS_REGION", "AWS_DEFAULT_REGION") if env.get(name)),
            f"{where} [target.{chosen}] region",
        )
        raise ConfigError(
            f"region {region!r} (from {source}, or --region) is not a region name: "
            "letters, digits and hyphens, such as us-east-1 or eu-west-1"
        )
    bucket = values["bucket"]
    if bucket is not None and not BUCKET_NAME.fullmatch(bucket):
        from_env = env.get(_ENV_KEYS["bucket"])
        source = _ENV_KEYS["bucket"] if from_env else f"[target.{chosen}] bucket"
        raise ConfigError(
            f"{where}: {source} {bucket!r} is not an S3 bucket name: 3-63 lowercase letters, "
            "digits, dots and hyphens, starting and ending with a letter or digit (S3 User "
            'Guide, "Bucket naming rules"); e.g. "my-team-ml-artifacts"'
        )
    home = Path(values["home"] or DEFAULT_HOME)
    if not home.is_absolute():
        home = root / home
    local = chosen == "local"
    return Settings(
        project_root=root,
        definition=root / definition,
        attribute=attribute,
        target="local" if local else "aws",
        home=home,
        region=region,
        bucket=bucket or (LOCAL_DEFAULT_BUCKET if local else None),
        glue_role_arn=values["glue_role_arn"]
        or (_local_role(region, "glue-wf-glue-job") if local else None),
        sagemaker_role_arn=values["sagemaker_role_arn"]
        or (_local_role(region, "glue-wf-sagemaker") if local else None),
        profile=None if local else values["profile"],
        endpoint_url=None if local else values["endpoint_url"],
        stack_name=values["stack_name"] or "glue-wf",
        events_role_arn=values["events_role_arn"]
        or (_local_role(region, "glue-wf-events") if local else None),
        warm_spark=warm,
        spark_master=values["spark_master"] if local else None,
        stages=parse_stages(data.get("stages"), where),
    )


def profile_not_found(exc: Exception) -> ConfigError:
    return ConfigError(
        f"{exc}: name a profile of your AWS config (aws configure list-profiles) with "
        "--profile, AWS_PROFILE or [target.aws] profile in glue-wf.toml"
    )


def _profile_region(profile: str | None, where: str) -> str:
    """The region of the AWS profile in use (``region`` in ~/.aws/config), as boto3 and
    the AWS CLI resolve it when no environment variable names one; never a guess: a
    deploy to a region the user did not choose is worse than no deploy."""
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    try:
        region = botocore.session.Session(profile=profile).get_config_variable("region")
    except ProfileNotFound as exc:
        raise profile_not_found(exc) from None
    if isinstance(region, str) and region:
        return region
    raise ConfigError(
        f"no AWS region for --target aws: set one with --region, AWS_REGION, [target.aws] "
        f"region in {where}, or your AWS profile's region (aws configure set region "
        f"eu-west-1{' --profile ' + profile if profile else ''})"
    )


MIN_WARM_SPARK_MB = 512


def _warm_spark(table: Mapping[str, Any], where: str) -> WarmSpark:
    default = WarmSpark()
    enabled = table.get("warm_spark", default.enabled)
    memory = table.get("warm_spark_memory", default.memory)
    idle = table.get("warm_spark_idle_seconds", default.idle_seconds)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where} warm_spark must be true or false, not {enabled!r}")
    if not isinstance(memory, str) or not re.fullmatch(r"[1-9][0-9]*[mMgG]", memory):
        raise ConfigError(
            f'{where} warm_spark_memory must be a JVM heap size such as "1g" or '
            f'"512m", not {memory!r}'
        )
    megabytes = int(memory[:-1]) * (1024 if memory[-1] in "gG" else 1)
    if megabytes < MIN_WARM_SPARK_MB:
        # Spark's driver refuses a heap under 450 MiB (UnifiedMemoryManager: "System memory
        # ... must be at least 471859200", INVALID_DRIVER_MEMORY), naming settings of its own
        raise ConfigError(
            f"{where} warm_spark_memory must be at least {MIN_WARM_SPARK_MB}m (Spark's driver "
            f'refuses a heap under 450 MiB), not {memory!r}: raise it, e.g. "1g"'
        )
    if isinstance(idle, bool) or not isinstance(idle, int) or idle < 1:
        raise ConfigError(
            f"{where} warm_spark_idle_seconds must be a whole number of seconds >= 1, not {idle!r}"
        )
    return WarmSpark(enabled=enabled, memory=memory, idle_seconds=idle)


def _local_role(region: str, name: str) -> str:
    """A built-in role of the local target, in the partition of its region."""
    from glue_workflow.naming import arn, local_partition

    return arn(local_partition(region), "iam", "", LOCAL_ACCOUNT_ID, f"role/{name}")
