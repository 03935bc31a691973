"""The local target's network guard for Spark's JVM: names resolve on this machine only,
and Java's own connections go nowhere.

The Python guard (``local/netguard.py``) cannot see the JVM of a Spark job, whose code
can reach out by itself: ``sc.addFile("https://...")``, ``spark.read.text("https://...")``
(Hadoop's HTTP file system), a JDBC driver, the instance metadata service from a Java
AWS SDK. Every local Spark JVM starts with Java's own settings for that:

* ``jdk.net.hosts.file``: names resolve from a hosts file holding this machine's names
  only, never through DNS (a lookup is itself a request off the machine); any other
  name fails with ``UnknownHostException: Unable to resolve host <name> in hosts file
  .../glue-wf-local-target.hosts``;
* a SOCKS and HTTP(S) proxy named ``REFUSED_PROXY``, which resolves nowhere: a
  ``java.net.Socket``, ``URL.openConnection`` or ``HttpClient`` connection to an
  address that is not loopback fails with ``UnknownHostException`` (or "Can't connect
  to SOCKS proxy") naming it. Loopback (py4j, Spark's Python workers) is exempt.

With ``spark_master`` (a cluster of the user's own) the driver's hosts file also maps
the master's and its workers' names, the one set of hosts off the machine a local job
reaches (``local/glue/sparkcluster.py``).

Not covered: code connecting to a literal address without a proxy on purpose
(``Proxy.NO_PROXY``), over UDP or through NIO channels (Spark's own, on loopback, use
them). docs/local-target.md says so.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path

# A name no hosts file here holds: a connection through the proxy fails on it, by name.
REFUSED_PROXY = "the-glue-wf-local-target-sends-nothing-off-this-machine"
LOOPBACK_HOSTS = "localhost|127.*|[::1]"
HOSTS_NAME = "glue-wf-local-target.hosts"


def hosts_text(cluster: Mapping[str, Sequence[str]] | None = None) -> str:
    """This machine's names on loopback (Spark and Hadoop look the host name up), and
    the hosts of a Spark cluster of the user's own (``spark_master``: name -> addresses)."""
    names = " ".join(dict.fromkeys(["localhost", socket.gethostname()]))
    text = f"127.0.0.1 {names}\n::1 localhost ip6-localhost ip6-loopback\n"
    for name, addresses in sorted((cluster or {}).items()):
        text += "".join(f"{address} {name}\n" for address in addresses if address != name)
    return text


def hosts_file(cluster: Mapping[str, Sequence[str]] | None = None) -> Path:
    """The hosts file the JVM resolves from, written (once per content) under the user's
    cache directory (a fresh private temp directory if that cannot be written)."""
    text = hosts_text(cluster)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    digest = hashlib.sha256(text.encode()).hexdigest()[:12] if cluster else ""
    path = Path(cache) / "glue-wf" / (f"{digest}-{HOSTS_NAME}" if digest else HOSTS_NAME)
    try:
        if path.is_file() and path.read_text() == text:
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f"{HOSTS_NAME}.{os.getpid()}.part")
        part.write_text(text)
        part.replace(path)
    except OSError:
        import tempfile  # rarely: a read-only home

        path = Path(tempfile.mkdtemp(prefix="glue-wf-")) / HOSTS_NAME
        path.write_text(text)
    return path


def java_options(cluster: Mapping[str, Sequence[str]] | None = None) -> str:
    """The JVM options of the guard, quoted as Spark's launcher splits them; ``cluster``:
    the hosts of the user's Spark cluster the JVM may resolve and reach too."""
    options = [f"-Djdk.net.hosts.file={shlex.quote(str(hosts_file(cluster)))}"]
    for proxy in ("socksProxy", "http.proxy", "https.proxy"):
        options += [f"-D{proxy}Host={REFUSED_PROXY}", f"-D{proxy}Port=9"]
    exempt = "|".join(
        [LOOPBACK_HOSTS, *sorted({h for name, a in (cluster or {}).items() for h in (name, *a)})]
    )
    # Spark's launcher splits on spaces outside quotes and runs java without a shell
    options += [f"-Dhttp.nonProxyHosts={exempt}", f"-DsocksNonProxyHosts={exempt}"]
    return " ".join(options)
