#!/usr/bin/env bash
# Make sure a Java 17+ runtime is on PATH (PySpark 3.5 needs one). Installs it through apt when missing.
set -euo pipefail
if command -v java >/dev/null 2>&1; then
  exit 0
fi
echo "setup: no java on PATH; installing a Java 17 runtime through apt" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: cannot install Java: apt-get is not available. Install a Java 17 runtime (e.g. OpenJDK 17) and re-run 'make setup'." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: cannot install Java: not root and no sudo. Install openjdk-17-jre-headless and re-run 'make setup'." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
command -v java >/dev/null 2>&1 || { echo "setup: Java installation finished but 'java' is still not on PATH" >&2; exit 1; }
