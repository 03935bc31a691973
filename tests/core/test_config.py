from __future__ import annotations

from pathlib import Path

import pytest

from glue_workflow.config import find_project_root, load_settings
from glue_workflow.errors import ConfigError


def _project(tmp_path: Path, toml: str = "") -> Path:
    (tmp_path / "glue-wf.toml").write_text(toml)
    return tmp_path


def test_defaults_are_local(tmp_path: Path) -> None:
    settings = load_settings(_project(tmp_path), env={})
    assert settings.target == "local"
    assert settings.home == tmp_path / ".glue-wf"
    assert settings.bucket == "glue-wf-local"
    assert settings.definition == tmp_path / "triggers" / "churn_pipeline.py"
    assert str(settings.glue_role_arn).startswith("arn:aws:iam::")


def test_toml_target_table_and_env_override(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        '[target]\ndefault = "aws"\n[target.aws]\nbucket = "from-toml"\nregion = "eu-west-1"\n',
    )
    settings = load_settings(root, env={"GLUE_WF_BUCKET": "from-env"})
    assert settings.target == "aws"
    assert settings.bucket == "from-env"
    assert settings.region == "eu-west-1"
    assert settings.glue_role_arn is None
    assert load_settings(root, env={"AWS_REGION": "ap-south-1"}).region == "ap-south-1"


def test_cli_target_beats_env(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert load_settings(root, target="local", env={"GLUE_WF_TARGET": "aws"}).target == "local"
    assert load_settings(root, env={"GLUE_WF_TARGET": "aws"}).target == "aws"


def test_unknown_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown target 'gcp': use one of local, aws"):
        load_settings(_project(tmp_path), target="gcp", env={})


def test_unknown_setting_is_named(tmp_path: Path) -> None:
    root = _project(tmp_path, '[target.local]\nbukket = "x"\n')
    with pytest.raises(ConfigError, match=r"\[target.local\]: unknown setting\(s\) bukket"):
        load_settings(root, env={})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[stage.dev]\nendpoint = "x"\n',
            "unknown table 'stage' (did you mean 'stages'?); known: workflow, target, stages, cost",
        ),
        (
            '[target.locall]\nbucket = "x"\n',
            "[target]: unknown table 'locall' (did you mean 'local'?); known: default, local, aws",
        ),
        (
            '[workflows]\ndefinition = "x.py"\n',
            "unknown table 'workflows' (did you mean 'workflow'?); known: workflow, target, "
            "stages, cost",
        ),
        (
            '[workflow]\ndefinitoin = "x.py"\n',
            "[workflow]: unknown setting 'definitoin' (did you mean 'definition'?); known: "
            "definition, attribute",
        ),
    ],
)
def test_a_misspelt_table_or_setting_is_refused_not_ignored(
    tmp_path: Path, text: str, message: str
) -> None:
    root = _project(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(root, env={})
    separator = " " if message.startswith("[") else ": "
    assert str(caught.value) == f"{root / 'glue-wf.toml'}{separator}{message}"


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    root = _project(tmp_path, "[target\n")
    with pytest.raises(ConfigError, match=r"glue-wf.toml: invalid TOML"):
        load_settings(root, env={})


def test_a_byte_order_mark_is_skipped_and_a_bucket_name_checked(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "glue-wf.toml").write_bytes(
        b'\xef\xbb\xbf[target.local]\nbucket = "my-team-artifacts"\n'
    )
    assert load_settings(root, env={}).bucket == "my-team-artifacts"
    (root / "glue-wf.toml").write_text('[target.local]\nbucket = "My_Bucket!!"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(root, env={})
    assert str(caught.value) == (
        f"{root / 'glue-wf.toml'}: [target.local] bucket 'My_Bucket!!' is not an S3 bucket "
        "name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a "
        'letter or digit (S3 User Guide, "Bucket naming rules"); e.g. "my-team-ml-artifacts"'
    )
    with pytest.raises(ConfigError, match=r": GLUE_WF_BUCKET 's3://x' is not an S3 bucket name"):
        load_settings(root, env={"GLUE_WF_BUCKET": "s3://x"})
    # a bucket made before 2018 in us-east-1 may hold capitals and underscores
    assert load_settings(root, env={"GLUE_WF_BUCKET": "Old_Bucket"}).bucket == "Old_Bucket"


def test_project_root_is_found_upwards(tmp_path: Path) -> None:
    root = _project(tmp_path)
    nested = root / "a" / "b"
    nested.mkdir(parents=True)
    assert find_project_root(nested) == root.resolve()


def test_no_project_root(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no glue-wf\.toml found"):
        find_project_root(tmp_path)


def test_a_region_that_is_no_host_label_is_refused_naming_its_source(tmp_path: Path) -> None:
    # botocore would raise InvalidRegionError at the first client, as a traceback
    root = _project(tmp_path, '[target.local]\nregion = "bad region"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(root, env={})
    assert str(caught.value) == (
        f"region 'bad region' (from {root / 'glue-wf.toml'} [target.local] region, or "
        "--region) is not a region name: letters, digits and hyphens, such as us-east-1 or "
        "eu-west-1"
    )
    with pytest.raises(ConfigError, match=r"region 'bad_region' \(from AWS_REGION, or"):
        load_settings(root, env={"AWS_REGION": "bad_region"})
    assert load_settings(root, env={"AWS_REGION": "eu-west-1"}).region == "eu-west-1"


def _aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    config = tmp_path / "aws-config"
    config.write_text(text)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


def test_aws_region_falls_back_to_the_profiles_region_as_boto3_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _aws_config(
        tmp_path,
        monkeypatch,
        "[default]\nregion = ap-northeast-1\n[profile euw1]\nregion = eu-west-1\n",
    )
    root = tmp_path / "p"
    root.mkdir()
    _project(root, '[target]\ndefault = "aws"\n')
    assert load_settings(root, env={}).region == "ap-northeast-1"
    assert load_settings(root, env={"AWS_PROFILE": "euw1"}).region == "eu-west-1"
    # the environment and glue-wf.toml still come first
    assert (
        load_settings(root, env={"AWS_PROFILE": "euw1", "AWS_REGION": "us-west-2"}).region
        == "us-west-2"
    )
    (root / "glue-wf.toml").write_text(
        '[target]\ndefault = "aws"\n[target.aws]\nregion = "sa-east-1"\n'
    )
    assert load_settings(root, env={"AWS_PROFILE": "euw1"}).region == "sa-east-1"
    # the local target needs no AWS region
    assert load_settings(root, target="local", env={}).region == "us-east-1"


def test_aws_without_any_region_is_refused_not_sent_to_us_east_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _aws_config(tmp_path, monkeypatch, "[profile bare]\noutput = json\n")
    root = tmp_path / "p"
    root.mkdir()
    _project(root, '[target]\ndefault = "aws"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(root, env={"AWS_PROFILE": "bare"})
    assert str(caught.value) == (
        "no AWS region for --target aws: set one with --region, AWS_REGION, [target.aws] "
        f"region in {root / 'glue-wf.toml'}, or your AWS profile's region (aws configure "
        "set region eu-west-1 --profile bare)"
    )
    with pytest.raises(ConfigError, match=r"The config profile \(nope\) could not be found: name"):
        load_settings(root, env={"AWS_PROFILE": "nope"})
