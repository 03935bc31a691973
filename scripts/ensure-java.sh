#!/usr/bin/env bash
# Make sure a Java 17+ runtime is on PATH (PySpark 3.5 needs one); installs it through apt
# when missing and apt is usable, else says what to install.
set -euo pipefail
command -v java >/dev/null 2>&1 && exit 0
bash "$(dirname "$0")/apt-install.sh" "a Java 17 runtime (for PySpark)" \
  "brew install openjdk@17" "sudo dnf install java-17-openjdk-headless" openjdk-17-jre-headless
command -v java >/dev/null 2>&1 || { echo "setup: Java installation finished but 'java' is still not on PATH" >&2; exit 1; }
