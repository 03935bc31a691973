"""The local target's last line: no socket of a local process connects off the machine.

botocore's clients are guarded above the network (``guard``), but a request can also
leave through other doors: a plain ``urllib``/``requests`` call (a presigned URL, the
instance metadata service), a proxy from ``HTTP_PROXY``, a redirect, a URL that two
parsers read differently (``http://10.0.0.1\\@127.0.0.1``), a library's telemetry. So
every process of the local target (the CLI on ``--target local``, ``glue-wf env``
shells, Spark and Python shell jobs, SageMaker workers) adds a Python audit hook
(PEP 578) that refuses, before any packet is sent:

* ``socket.connect`` / ``sendto`` / ``sendmsg`` to an address that is not loopback;
* ``socket.getaddrinfo`` / ``gethostbyname`` of a name that is not this machine's
  (a DNS lookup is itself a request off the machine).

An audit hook cannot be removed: it guards against mistakes (a library, a setting, a
forgotten client), not against code set on reaching out, which can clear the switch
this module keeps. What it cannot see:
code that is not Python (Spark's JVM has a guard of its own: ``awsglue_local.jvmguard``)
and child processes started without glue-wf's environment (``python -I``,
a cleared ``env``), which docs/local-target.md names.

Stdlib only and Python 3.9 compatible: the Python shell jobs' site hook loads this
file by path (it cannot import glue_workflow there).
"""

from __future__ import annotations

import _thread
import sys

TYPE_CHECKING = False  # not typing's: its import costs a Python 3.9 job ~3 ms at start
if TYPE_CHECKING:
    from collections.abc import Mapping, MutableMapping

ENABLED = {"on": False}  # a dict: the hook closes over it, tests switch it
_LOCK = _thread.allocate_lock()  # not threading: a shell job's start-up stays lean
_installed = {"hook": False}
_warned: set = set()  # type: ignore[type-arg]  # hosts named on stderr once
LOOPBACK_NO_PROXY = "127.0.0.1,localhost,::1"
HOW = (
    "the local target (glue-wf env shells, local runs and jobs) sends nothing off this "
    "machine; run AWS work with --target aws, and networked tools such as pip, from a "
    "shell without glue-wf env"
)


class NetworkRefusedError(PermissionError):
    """A connection or name lookup off the machine, refused by the local target."""


HOSTS_FILE = "/etc/hosts"
_hosts_cache: dict = {}  # type: ignore[type-arg]  # name -> {4, 6}: the file's entries


def _hosts() -> dict:  # type: ignore[type-arg]
    """The hosts file's names (lower-cased) that stay on this machine, and the address
    families they map to, read once per process. A name mapped to another machine's
    address (``docker run --add-host db:10.0.0.5``, a corporate entry) is not one: only
    loopback, and this machine's own name (mapped to its own address)."""
    if "names" not in _hosts_cache:
        import ipaddress
        import socket

        own = socket.gethostname().lower()
        names: dict = {}  # type: ignore[type-arg]
        try:
            with open(HOSTS_FILE, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    fields = line.split("#", 1)[0].split()
                    if len(fields) < 2:
                        continue
                    try:
                        loopback = ipaddress.ip_address(fields[0].split("%", 1)[0]).is_loopback
                    except ValueError:
                        continue
                    for name in fields[1:]:
                        if loopback or name.lower() == own:
                            family = 6 if ":" in fields[0] else 4
                            names.setdefault(name.lower(), set()).add(family)
        except OSError:
            pass
        _hosts_cache["names"] = names
    return _hosts_cache["names"]  # type: ignore[no-any-return]


def _local_name(host: str, family: int = 0) -> bool:
    """Whether the resolver answers ``host`` from the hosts file, for ``family`` (0: any),
    so no DNS query leaves the machine. Only names written there exactly count: glibc
    asks the DNS server for ``localhost.``, ``*.localhost`` (RFC 6761 notwithstanding),
    this machine's own name or ``localhost`` over IPv6 when the file lacks them, and
    whatever it answers is connected to."""
    import socket

    families = _hosts().get(host.lower())
    if not families:
        return False
    if family == socket.AF_INET:
        return 4 in families
    if family == socket.AF_INET6:
        return 6 in families
    return True


def local_address(host: object, family: int = 0) -> bool:
    """Whether ``host`` (an IP literal or a name) is this machine: loopback, the
    unspecified address, or a name the hosts file maps (``_local_name``; ``family``:
    the address family asked for, 0 for any)."""
    if host is None or host in {"", b""}:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    import ipaddress  # here: the hook is added at interpreter start, kept cheap

    text = host.split("%", 1)[0]  # an IPv6 zone
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return _local_name(text, family)
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return bool(address.is_loopback or address.is_unspecified)


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine: 127.0.0.0/8, ::1 or ``localhost``.

    A URL with a user part (``@``) or a raw backslash before its query is never
    loopback: Python's parser and urllib3's (which botocore connects with) read
    ``http://10.0.0.1\\@127.0.0.1`` as two different hosts; botocore escapes both
    characters in the paths it builds, and an AWS endpoint has no user part.
    """
    import ipaddress
    from urllib.parse import urlsplit

    if "@" in urlsplit(url).netloc or "\\" in url.split("?", 1)[0]:
        return False
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def header_host(value: str) -> str:
    """The host of an HTTP ``Host`` header, lower-cased, without its port or an IPv6
    literal's brackets (``[::1]:8080`` -> ``::1``); empty when the header is."""
    host = value.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.split(":", 1)[0] if host.count(":") == 1 else host


# DNS suffixes of the AWS partitions' service endpoints (botocore's endpoints.json)
_AWS_DNS_SUFFIXES = ("amazonaws.com", "amazonaws.com.cn")


def own_aws_endpoint(client: object, url: str) -> bool:
    """``url`` is ``client``'s (a botocore client's) service's AWS endpoint in its region
    (or the service's global one): the SageMaker SDK pins STS's regional endpoint this
    way, and the local target answers it as if no endpoint had been given."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    meta = client.meta  # type: ignore[attr-defined]
    prefix, region = meta.service_model.endpoint_prefix, meta.region_name
    return any(
        host in (f"{prefix}.{region}.{suffix}", f"{prefix}.{suffix}")
        for suffix in _AWS_DNS_SUFFIXES
    )


def _ip_literal(host: object) -> bool:
    import ipaddress

    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


def _target(event: str, args: tuple) -> tuple[object, int]:  # type: ignore[type-arg]
    """The host an audited socket event reaches (``None`` when it is not remote) and
    the address family it is looked up or connected in (0: any)."""
    import socket

    if event == "socket.getaddrinfo":  # (host, port, family, type, proto, flags)
        return args[0], int(args[2] or 0) if len(args) > 2 else 0
    if event in ("socket.gethostbyname", "socket.gethostbyname_ex"):
        return args[0], socket.AF_INET
    if event == "socket.gethostbyaddr":
        return args[0], 0
    if event == "socket.getnameinfo":  # (sockaddr, flags): a reverse lookup
        sockaddr = args[0]
        return (sockaddr[0] if isinstance(sockaddr, tuple) and sockaddr else None), 0
    # connect, connect_ex, sendto, sendmsg: (socket, address); the family as the C
    # socket holds it (a subclass can override the Python-level property)
    import _socket

    sock, address = args[0], args[1]
    try:
        family = _socket.socket.family.__get__(sock)
    except (TypeError, AttributeError):
        family = getattr(sock, "family", None)
    if family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return None, 0  # Unix sockets, netlink: on this machine
    return (address[0] if address else None), int(family)


_EVENTS = frozenset(
    {
        "socket.__new__",
        "socket.connect",
        "socket.sendto",
        "socket.sendmsg",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
    }
)


def _hook(event: str, args: tuple) -> None:  # type: ignore[type-arg]
    if event not in _EVENTS or not ENABLED["on"]:
        return
    if event == "socket.__new__":  # (socket, family, type, proto)
        import socket

        if len(args) > 1 and args[1] == getattr(socket, "AF_PACKET", None):
            _refuse("open a raw packet socket (AF_PACKET), which sends frames off the machine")
        return
    if event == "socket.sendmsg" and (len(args) < 2 or args[1] is None):
        return  # on a connected socket: its connect was checked
    host, family = _target(event, args)
    if local_address(host, family) or (_allowed and str(host).lower() in _allowed):
        return
    lookup = "host" in event or "info" in event
    forward = event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex")
    if forward and _ip_literal(host):
        return  # no DNS query: the connect or send that follows is checked
    what = "look up" if lookup else "connect to"
    _refuse(f"{what} {host!r} ({event})", host)


def _refuse(what: str, key: object = None) -> None:
    message = f"glue-wf: the local target refused to {what}: {HOW}"
    if (key or what) not in _warned:  # named on stderr too: a library may swallow it
        _warned.add(key or what)
        try:  # noqa: SIM105 - no contextlib import in the hook
            sys.stderr.write(message + "\n")
        except Exception:  # noqa: S110 - stderr closed: the error still raises
            pass
    raise NetworkRefusedError(message)


def bypass_proxies_for_loopback(env: MutableMapping[str, str]) -> None:
    """Add loopback to ``NO_PROXY`` and ``no_proxy``: a proxy from ``HTTP_PROXY`` (a
    corporate one) would carry requests for 127.0.0.1 off the machine. Both names get
    the union of both lists (the lower-case one wins in urllib, requests and curl)."""
    listed: list[str] = []
    for name in ("NO_PROXY", "no_proxy"):
        listed += [p.strip() for p in env.get(name, "").split(",") if p.strip()]
    merged = ",".join(dict.fromkeys([*listed, *LOOPBACK_NO_PROXY.split(",")]))
    env["NO_PROXY"] = env["no_proxy"] = merged


# A proxy from the environment forwards a request off the machine even when it listens
# on loopback (cntlm, px, mitmproxy): its first hop is all this hook sees. The local
# target needs none, so its processes' environments drop them (both spellings).
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "FTP_PROXY", "WS_PROXY", "WSS_PROXY")


def proxy_names(env: Mapping[str, str]) -> list[str]:
    """The proxy variables set in ``env``, as spelt there."""
    wanted = set(PROXY_VARIABLES)
    return sorted(name for name in env if name.upper() in wanted)


def drop_proxies(env: MutableMapping[str, str]) -> None:
    """Remove every proxy variable from ``env`` (see ``PROXY_VARIABLES``)."""
    for name in proxy_names(env):
        del env[name]


# The one setting that sends work off the machine on purpose: a Spark cluster of the
# user's own (``[target.local] spark_master``, local/glue/sparkcluster.py, which refuses
# AWS endpoints). Its host and web UI stay reachable.
_CLUSTER_ENV = ("GLUE_WF_SPARK_MASTER", "GLUE_WF_SPARK_MASTER_UI")
_allowed: set = set()  # type: ignore[type-arg]


def _allow_cluster(env: Mapping[str, str]) -> None:
    """Allow the configured cluster's hosts; a malformed setting allows nothing (the
    Spark job then names it: local/glue/sparkcluster.py), and never stops the guard."""
    for name in _CLUSTER_ENV:
        url = env.get(name, "").strip()
        if not url:
            continue
        from urllib.parse import urlsplit

        if url.startswith("k8s://"):
            url = url[len("k8s://") :]
        try:
            host = (urlsplit(url).hostname or "").lower() if "://" in url else ""
        except ValueError:  # e.g. an unclosed IPv6 bracket
            continue
        if not host or local_address(host) or _never_a_cluster(host):
            continue
        _allowed.add(host)
        import contextlib
        import socket

        # the addresses the connect will name; unresolvable now (or no valid name):
        # the Spark job says so
        with contextlib.suppress(OSError, UnicodeError):
            found = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
            _allowed.update(a for a in found if not _never_a_cluster(a))


def _never_a_cluster(host: str) -> bool:
    """An AWS endpoint or a link-local address (the instance metadata service,
    169.254.169.254 or fd00:ec2::254): no cluster setting opens the guard to them."""
    import ipaddress

    name = host.lower().rstrip(".")
    if any(name == s or name.endswith("." + s) for s in _AWS_DNS_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return bool(address.is_link_local or address == ipaddress.ip_address("fd00:ec2::254"))


# socket methods given an (address, port) whose host name the C code looks up before it
# raises the audit event: the lookup itself would leave. Wrapped to refuse the name
# first; the argument index of the address (-1: the last one).
_NAMED = (("connect", 0), ("connect_ex", 0), ("bind", 0), ("sendto", -1), ("sendmsg", 3))


def _check_name(method: str, sock: object, address: object) -> None:
    import socket

    if not ENABLED["on"] or not isinstance(address, tuple) or not address:
        return
    import _socket

    try:  # the C socket's own family (a subclass can override the property)
        family = _socket.socket.family.__get__(sock)
    except (TypeError, AttributeError):
        family = getattr(sock, "family", 0)
    if family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = address[0]
    if not isinstance(host, (str, bytes)) or _ip_literal(host) or local_address(host, family):
        return
    if str(host).lower() in _allowed:
        return
    _refuse(f"look up {host!r} (socket.{method}: the name is looked up first)", host)


def _guard_named_addresses() -> None:
    import socket

    cls = socket.socket
    if getattr(cls, "_glue_wf_guarded", False):
        return
    for method, index in _NAMED:
        original = getattr(cls, method, None)
        if original is None:
            continue

        def guarded(self, *args, _name=method, _at=index, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            if -len(args) <= _at < len(args):
                _check_name(_name, self, args[_at])
            elif _name == "sendto" and "address" in kwargs:
                _check_name(_name, self, kwargs["address"])
            return _original(self, *args, **kwargs)

        guarded.__name__ = guarded.__qualname__ = method
        guarded.__doc__ = original.__doc__
        setattr(cls, method, guarded)
    cls._glue_wf_guarded = True  # type: ignore[attr-defined]


def install(env: Mapping[str, str] | None = None) -> None:
    """Add the hook to this process (once) and switch it on."""
    import os

    _allow_cluster(os.environ if env is None else env)
    with _LOCK:
        if not _installed["hook"]:
            sys.addaudithook(_hook)
            _guard_named_addresses()
            _installed["hook"] = True
        ENABLED["on"] = True


def installed() -> bool:
    return _installed["hook"] and ENABLED["on"]


# One hook and one state per process: the site hooks load this file by path as
# "glue_wf_netguard" (before any glue_workflow import, which would shadow the job
# library a job brings); imported later as glue_workflow.local.netguard, this module
# is that one's names.
_shared = sys.modules.setdefault("glue_wf_netguard", sys.modules[__name__])
if _shared is not sys.modules[__name__]:
    globals().update({k: v for k, v in vars(_shared).items() if not k.startswith("__")})
