"""The local target never sends a request off the machine: routing and the guard."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import boto3
import botocore.session
import pytest

from glue_workflow.errors import LocalTargetError
from glue_workflow.local import install, uninstall
from glue_workflow.local.environment import exports, job_environment
from glue_workflow.local.guard import RequestRefusedError, is_loopback

HOW = (
    "run it against AWS with --target aws from a shell without glue-wf env, or give the "
    "client a loopback endpoint_url (http://127.0.0.1:PORT) of a server on this machine"
)


THREADED_FIRST_CLIENTS = """
import json, threading
import boto3, botocore.session

N = 32
barrier = threading.Barrier(N)
results = [None] * N

def make(i):
    kind = i % 3
    if kind == 0:
        return boto3.client("s3")
    if kind == 1:
        return boto3.Session().client("s3")
    return botocore.session.get_session().create_client("s3", region_name="us-east-1")

def work(i):
    barrier.wait()
    try:
        s3 = make(i)
        s3.create_bucket(Bucket=f"thread-{i}")
        s3.head_bucket(Bucket=f"thread-{i}")
        results[i] = "ok"
    except Exception as exc:
        results[i] = f"{type(exc).__name__}: {exc}"

threads = [threading.Thread(target=work, args=(i,)) for i in range(N)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps(results))
"""


RunChild = Callable[[str, dict[str, str], Path], str]  # the run_child fixture


def test_first_clients_of_32_threads_are_all_answered_locally(
    tmp_path: Path, run_child: RunChild
) -> None:
    home = tmp_path / "home"
    env = job_environment(home, base={"PATH": "/usr/bin:/bin"})
    assert json.loads(run_child(THREADED_FIRST_CLIENTS, env, tmp_path)) == ["ok"] * 32
    made = sorted(p.name for p in (home / "s3").iterdir())
    assert made == sorted(f"thread-{i}" for i in range(32))


def test_client_with_a_non_loopback_endpoint_is_refused(local_home: Path) -> None:
    s3 = boto3.client("s3", endpoint_url="https://s3.eu-west-1.amazonaws.com")
    with pytest.raises(RequestRefusedError) as info:
        s3.get_object(Bucket="b", Key="k")
    assert str(info.value) == (
        "the local target refused to send GetObject to https://s3.eu-west-1.amazonaws.com/b/k: "
        "the client was created with endpoint_url=https://s3.eu-west-1.amazonaws.com, not on "
        f"this machine, and a request off this machine could reach a real AWS account; {HOW}"
    )


def test_service_not_served_locally_is_refused(local_home: Path) -> None:
    dynamodb = botocore.session.get_session().create_client("dynamodb", region_name="us-east-1")
    with pytest.raises(RequestRefusedError) as info:
        dynamodb.list_tables()
    assert str(info.value) == (
        "the local target refused to send ListTables to https://dynamodb.us-east-1.amazonaws.com/: "
        "dynamodb is not served by the local target, and a request off this machine could "
        f"reach a real AWS account; {HOW}"
    )


def test_client_created_before_install_is_refused_below_the_client(tmp_path: Path) -> None:
    early = boto3.client("s3", region_name="us-east-1")
    install(tmp_path / "home")
    try:
        with pytest.raises(RequestRefusedError) as info:
            early.list_buckets()
    finally:
        uninstall()
    assert str(info.value).startswith(
        "the local target refused to send a request to https://s3.amazonaws.com/: botocore "
        "was about to send it from a client created before the local target was installed"
    )


class _Buckets(BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Buckets><Bucket>'
            b"<Name>on-loopback</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate>"
            b"</Bucket></Buckets></ListAllMyBucketsResult>"
        )
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        return


@pytest.fixture
def loopback_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Buckets)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_loopback_endpoint_is_reached(local_home: Path, loopback_server: str) -> None:
    _Buckets.seen = []
    s3 = boto3.client("s3", endpoint_url=loopback_server)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["on-loopback"]
    assert _Buckets.seen


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:80/", True),
        ("http://127.8.0.3/", True),
        ("http://localhost:9000/x", True),
        ("http://[::1]:8080/", True),
        ("http://[::ffff:127.0.0.1]/", True),
        ("https://s3.amazonaws.com/", False),
        ("http://169.254.169.254/latest/", False),
        ("http://localhost.evil.example/", False),
        ("http://10.0.0.1/", False),
        # urllib3 connects to what precedes the backslash, Python's parser sees the rest
        ("http://10.11.12.13\\@127.0.0.1/", False),
        ("https://s3.amazonaws.com\\@127.0.0.1", False),
        ("http://user:pw@127.0.0.1/", False),
    ],
)
def test_loopback_urls(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_guard_is_active_under_glue_wf_env(tmp_path: Path, run_child: RunChild) -> None:
    env = {"PATH": "/usr/bin:/bin", **exports(tmp_path / "home")}
    out = run_child(
        "import boto3\n"
        "try:\n"
        "    boto3.client('dynamodb').list_tables()\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n",
        env,
        tmp_path,
    )
    assert out.startswith(
        "RequestRefusedError the local target refused to send ListTables to "
        "https://dynamodb.us-east-1.amazonaws.com/: dynamodb is not served by the local target"
    )


JOB_SCRIPT = """
import os, urllib.request
import boto3
for name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[name]  # a job hunting for real credentials: the metadata service
try:
    urllib.request.urlopen("http://169.254.169.254/latest/", timeout=2)
    outcome = "reached"
except Exception as exc:
    outcome = str(exc)
os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
boto3.client("s3").put_object(Bucket="scripts", Key="reached", Body=outcome.encode())
boto3.client("dynamodb").list_tables()
"""


def test_guard_is_active_in_a_local_job(local_home: Path) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="scripts")
    s3.put_object(Bucket="scripts", Key="job.py", Body=JOB_SCRIPT.encode())
    glue = boto3.client("glue")
    glue.create_job(
        Name="reach-out",
        Role="arn:aws:iam::123456789012:role/glue",
        Command={
            "Name": "pythonshell",
            "ScriptLocation": "s3://scripts/job.py",
            "PythonVersion": "3.9",
        },
    )
    run_id = glue.start_job_run(JobName="reach-out")["JobRunId"]
    deadline = time.monotonic() + 90
    while True:
        run = glue.get_job_run(JobName="reach-out", RunId=run_id)["JobRun"]
        if run["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING", "WAITING"):
            break
        assert time.monotonic() < deadline, run
        time.sleep(0.2)
    assert run["JobRunState"] == "FAILED"
    # Under the project's Python the guard refuses the request; under Glue's Python 3.9
    # every call goes to the executor's loopback gateway, which does not serve dynamodb.
    assert run["ErrorMessage"].startswith(
        (
            "glue_workflow.local.guard.RequestRefusedError: the local target refused to send "
            "ListTables to https://dynamodb.us-east-1.amazonaws.com/",
            "botocore.exceptions.ClientError: An error occurred (NotSupportedLocally) when "
            "calling the ListTables operation: dynamodb:ListTables is not supported",
        )
    )
    # the job's own S3 client was answered locally before the refusal; its plain HTTP
    # call to the instance metadata service was refused below botocore
    outcome = s3.get_object(Bucket="scripts", Key="reached")["Body"].read().decode()
    assert "the local target refused to connect to '169.254.169.254'" in outcome


def test_credential_lookup_on_instance_metadata_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    install(tmp_path / "home")
    try:
        with pytest.raises(RequestRefusedError) as info:
            botocore.session.get_session().create_client("s3", region_name="us-east-1")
    finally:
        uninstall()
    assert str(info.value).startswith(
        "the local target refused to send a request to http://169.254.169.254/latest/api/token: "
        "botocore found no credentials and asked the instance metadata service; the local "
        "target checks none, so set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to any value"
    )


def test_a_profiles_credential_process_is_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore starts a profile's credential_process (aws-vault, a script): a program
    out of the guard's reach, made to call AWS."""
    marker = tmp_path / "ran"
    script = tmp_path / "credproc.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\necho '{{\"Version\": 1}}'\n")
    script.chmod(0o755)
    config = tmp_path / "config"
    config.write_text(f"[profile vault]\ncredential_process = {script}\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    install(tmp_path / "home")
    try:
        with pytest.raises(LocalTargetError) as info:
            boto3.Session(profile_name="vault").client("s3").list_buckets()
    finally:
        uninstall()
    assert str(info.value) == (
        f"glue-wf: the local target does not run credential_process '{script}' (profile "
        "'vault'): a program it cannot guard, which may call AWS; local clients need no "
        "credentials: create them without that profile, or run it against AWS with --target "
        "aws from a shell without glue-wf env"
    )
    assert not marker.exists()


def test_client_pinned_to_its_own_aws_endpoint_is_answered_locally(local_home: Path) -> None:
    # the SageMaker SDK creates STS with endpoint_url=https://sts.<region>.amazonaws.com
    sts = boto3.client(
        "sts", region_name="us-east-1", endpoint_url="https://sts.us-east-1.amazonaws.com"
    )
    assert sts.get_caller_identity()["Account"] == "000000000000"
    other_region = boto3.client(
        "sts", region_name="us-east-1", endpoint_url="https://sts.eu-west-1.amazonaws.com"
    )
    with pytest.raises(RequestRefusedError):
        other_region.get_caller_identity()


# Doors below botocore: a plain HTTP call, a lookup, a proxy, a backslashed endpoint.
BELOW_BOTOCORE = """
import socket, urllib.request, boto3
def attempt(what, call):
    try:
        call()
        print(what, "REACHED")
    except Exception as exc:
        print(what, type(exc).__name__, "refused" if "local target refused" in str(exc) else exc)
attempt("imds", lambda: urllib.request.urlopen("http://169.254.169.254/latest/", timeout=2))
attempt("dns", lambda: socket.getaddrinfo("s3.amazonaws.com", 443))
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
attempt("udp", lambda: udp.sendto(b"x", ("10.9.9.9", 53)))
attempt("backslash", lambda: boto3.client(
    "dynamodb", endpoint_url="http://10.11.12.13\\\\@127.0.0.1").list_tables())
attempt("proxy", lambda: boto3.client(
    "dynamodb", endpoint_url="http://127.0.0.1:9").list_tables())
print("localhost", socket.getaddrinfo("localhost", 80)[0][4][0] in ("127.0.0.1", "::1"))
attempt("reverse", lambda: socket.getnameinfo(("8.8.8.8", 53), 0))
attempt("reverse-host", lambda: socket.gethostbyaddr("8.8.8.8"))
"""


def test_sockets_off_the_machine_are_refused_under_glue_wf_env(
    tmp_path: Path, run_child: RunChild
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        **exports(tmp_path / "home"),
        "HTTP_PROXY": "http://10.20.30.40:3128",
        "HTTPS_PROXY": "http://10.20.30.40:3128",
    }
    lines = run_child(BELOW_BOTOCORE, env, tmp_path).splitlines()
    assert lines[:3] == [
        "imds URLError refused",
        "dns NetworkRefusedError refused",
        "udp NetworkRefusedError refused",
    ]
    assert lines[3] == "backslash RequestRefusedError refused"
    # loopback bypasses the proxy (NO_PROXY): nothing listens on port 9, nothing leaves
    assert lines[4].startswith("proxy EndpointConnectionError")
    assert "10.20.30.40" not in lines[4]
    assert lines[5] == "localhost True"
    assert lines[6:] == [  # reverse lookups are DNS queries too
        "reverse NetworkRefusedError refused",
        "reverse-host NetworkRefusedError refused",
    ]


def test_a_malformed_cluster_setting_leaves_the_guards_on(
    tmp_path: Path, run_child: RunChild
) -> None:
    for setting in (
        {"GLUE_WF_SPARK_MASTER": "spark://[fe80::1:7077"},
        {"GLUE_WF_SPARK_MASTER_UI": "http://master..corp:8080"},
    ):
        env = {"PATH": "/usr/bin:/bin", **exports(tmp_path / "home"), **setting}
        out = run_child(
            "import sys, boto3\n"
            "from glue_workflow.local import guard\n"
            "boto3.client('s3')\n"
            "print(sys.modules['glue_wf_netguard'].installed(), guard.armed())\n",
            env,
            tmp_path,
        )
        assert out.split() == ["True", "True"], setting


def test_glue_wf_env_keeps_the_users_no_proxy_and_adds_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "internal.corp.example,10.0.0.0/8")
    monkeypatch.delenv("no_proxy", raising=False)
    exported = exports(tmp_path / "home")
    both = "internal.corp.example,10.0.0.0/8,127.0.0.1,localhost,::1"
    assert (exported["NO_PROXY"], exported["no_proxy"]) == (both, both)


def test_a_proxy_given_to_a_client_is_refused(local_home: Path) -> None:
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        config=Config(proxies={"http": "http://10.20.30.40:3128"}),
    )
    proxy = r"through the proxy http://10\.20\.30\.40:3128, off"
    with pytest.raises(RequestRefusedError, match=proxy):
        client.list_buckets()


def test_refusals_below_botocore_name_the_host_and_why() -> None:
    from glue_workflow.local import netguard

    netguard.install()
    try:
        with pytest.raises(netguard.NetworkRefusedError) as info:
            __import__("socket").create_connection(("10.1.2.3", 80), timeout=1)
    finally:
        netguard.ENABLED["on"] = False
    assert str(info.value) == (
        "glue-wf: the local target refused to connect to '10.1.2.3' (socket.connect): the "
        "local target (glue-wf env shells, local runs and jobs) sends nothing off this "
        "machine; run AWS work with --target aws, and networked tools such as pip, from a "
        "shell without glue-wf env"
    )
    assert netguard.local_address("::ffff:127.0.0.1")
    assert not netguard.local_address("169.254.169.254")


PROXIED = """
import urllib.request
try:
    urllib.request.urlopen("http://93.184.216.34/", timeout=5)
    print("reached")
except Exception as exc:
    print(type(exc.reason if hasattr(exc, "reason") else exc).__name__)
"""


def test_a_loopback_proxy_does_not_carry_a_job_off_the_machine(
    tmp_path: Path, run_child: RunChild, loopback_server: str
) -> None:
    # a forwarding proxy on loopback (cntlm, px, mitmproxy): the socket guard sees only
    # the first hop, so the local target's environments hold no proxy at all
    _Buckets.seen = []
    env = job_environment(
        tmp_path / "home",
        base={
            "PATH": "/usr/bin:/bin",
            "HTTP_PROXY": loopback_server,
            "https_proxy": loopback_server,
            "ALL_PROXY": loopback_server,
        },
    )
    assert not {"HTTP_PROXY", "https_proxy", "ALL_PROXY"} & set(env)
    assert run_child(PROXIED, env, tmp_path).split() == ["NetworkRefusedError"]
    assert _Buckets.seen == []  # the proxy was never asked
    # the control: with the proxy left in place, urllib hands the request to it
    assert run_child(PROXIED, {**env, "HTTP_PROXY": loopback_server}, tmp_path).split() == [
        "reached"
    ]
    assert _Buckets.seen == ["http://93.184.216.34/"]


def test_glue_wf_env_unsets_proxies_profiles_and_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from glue_workflow.cli import cli

    monkeypatch.setenv("GLUE_WF_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:3128")
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://s3.us-east-1.amazonaws.com")
    # the test session's own credential sources (conftest) are real ones to a shell too
    for name in ("AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token")
    printed = CliRunner().invoke(cli, ["env", "--target", "local"])
    assert printed.exit_code == 0, printed.output
    unset = [line for line in printed.output.splitlines() if line.startswith("unset ")]
    assert unset == [
        "unset AWS_ENDPOINT_URL_S3",
        "unset AWS_PROFILE",
        "unset AWS_WEB_IDENTITY_TOKEN_FILE",
        "unset https_proxy",
    ]


def test_only_names_the_hosts_file_answers_are_this_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from glue_workflow.local import netguard

    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost Build-Box # comment\n# ::1 ip6-localhost\n")
    monkeypatch.setattr(netguard, "HOSTS_FILE", str(hosts))
    monkeypatch.setattr(netguard, "_hosts_cache", {})
    assert netguard.local_address("localhost")
    assert netguard.local_address("build-box", socket.AF_INET)
    # glibc asks the DNS server for anything else: the name itself would leave the
    # machine (a trailing dot, a name under localhost, an IPv6 lookup with no entry)
    assert not netguard.local_address("localhost.")
    assert not netguard.local_address("c2VjcmV0.exfil.localhost")
    assert not netguard.local_address("ip6-localhost")
    assert not netguard.local_address("localhost", socket.AF_INET6)
    assert netguard.local_address("::1", socket.AF_INET6)


GUARDED_PREAMBLE = """
import socket, sys
sys.path.insert(0, {root!r})
from glue_workflow.local import netguard
netguard.install()

def attempt(name, call):
    try:
        call()
        print(name, "not refused")
    except netguard.NetworkRefusedError:
        print(name, "refused")
    except OSError as exc:
        print(name, type(exc).__name__)
"""
GUARDED = (
    GUARDED_PREAMBLE
    + """
class Disguised(socket.socket):
    family = socket.AF_UNIX  # the guard reads the C socket's own family

udp = Disguised(socket.AF_INET, socket.SOCK_DGRAM)
attempt("disguised", lambda: udp.sendto(b"x", ("10.1.2.3", 53)))
attempt("packet", lambda: socket.socket(17, socket.SOCK_RAW))
"""
)


def test_a_disguised_socket_and_a_packet_socket_are_refused(
    tmp_path: Path, run_child: RunChild
) -> None:
    code = GUARDED.format(root=str(Path(__file__).resolve().parents[2]))
    out = run_child(code, {"PATH": "/usr/bin:/bin"}, tmp_path).split("\n")
    assert [line for line in out if line] == ["disguised refused", "packet refused"]


NAMED = (
    GUARDED_PREAMBLE
    + """
class Disguised(socket.socket):
    family = socket.AF_UNIX

tcp, udp = socket.socket(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
attempt("connect", lambda: socket.socket().connect(("logs.us-east-1.amazonaws.com", 443)))
attempt("connect_ex", lambda: socket.socket().connect_ex(("sts.amazonaws.com", 443)))
attempt("sendto", lambda: udp.sendto(b"x", ("leak-marker.amazonaws.com", 53)))
attempt("sendto-flags", lambda: udp.sendto(b"x", 0, ("leak-marker.amazonaws.com", 53)))
attempt("bind", lambda: socket.socket().bind(("secret-exfil.s3.amazonaws.com", 0)))
attempt("disguised", lambda: Disguised().connect(("s3.amazonaws.com", 443)))
server = socket.socket()
server.bind(("localhost", 0))
server.listen(1)
attempt("loopback-name", lambda: socket.socket().connect(("localhost", server.getsockname()[1])))
"""
)


def test_a_name_given_to_connect_send_or_bind_is_refused_before_it_is_looked_up(
    tmp_path: Path, run_child: RunChild
) -> None:
    """CPython looks a name up inside connect/sendto/bind before their audit event: the
    lookup would leave the machine first. The guard refuses the name before the call."""
    code = NAMED.format(root=str(Path(__file__).resolve().parents[2]))
    out = [
        line for line in run_child(code, {"PATH": "/usr/bin:/bin"}, tmp_path).split("\n") if line
    ]
    assert out == [
        "connect refused",
        "connect_ex refused",
        "sendto refused",
        "sendto-flags refused",
        "bind refused",
        "disguised refused",
        "loopback-name not refused",
    ]


def test_a_hosts_file_name_mapped_off_the_machine_is_not_this_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from glue_workflow.local import netguard

    hosts = tmp_path / "hosts"
    own = socket.gethostname()
    hosts.write_text(f"127.0.0.1 localhost\n10.0.0.5 db\n192.0.2.2 {own}\n")
    monkeypatch.setattr(netguard, "HOSTS_FILE", str(hosts))
    monkeypatch.setattr(netguard, "_hosts_cache", {})
    assert not netguard.local_address("db")  # docker --add-host db:10.0.0.5
    assert netguard.local_address(own)  # this machine's own name, on its own address
    assert netguard.local_address("localhost")


def test_a_cluster_setting_never_opens_the_guard_to_aws_or_the_metadata_service() -> None:
    from glue_workflow.local import netguard

    saved = set(netguard._allowed)
    try:
        netguard._allow_cluster(
            {
                "GLUE_WF_SPARK_MASTER": "k8s://https://glue.us-east-1.amazonaws.com:443",
                "GLUE_WF_SPARK_MASTER_UI": "http://169.254.169.254:8080",
            }
        )
        assert netguard._allowed == saved
        netguard._allow_cluster({"GLUE_WF_SPARK_MASTER": "spark://10.9.8.7:7077"})
        assert "10.9.8.7" in netguard._allowed
    finally:
        netguard._allowed.clear()
        netguard._allowed.update(saved)


def test_a_test_holding_the_glue_wf_fixture_is_on_the_local_target(tmp_path: Path) -> None:
    """A project's own test: its boto3 clients are answered by the fixture's local target
    and its sockets stay on the machine, while it holds the fixture only."""
    import socket

    import boto3

    from glue_workflow.local import netguard
    from glue_workflow.testing.fixture import local_target

    home = tmp_path / "glue-wf-home"
    with local_target(home):
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="from-a-test")
        assert (home / "s3" / "from-a-test").is_dir()
        with pytest.raises(netguard.NetworkRefusedError):
            socket.create_connection(("sts.amazonaws.com", 443), timeout=3)
    assert not netguard.installed()  # as before the fixture
