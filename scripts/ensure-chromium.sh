#!/usr/bin/env bash
# Make sure Debian's chromium is at /usr/bin/chromium (the console's browser tests drive it
# through Playwright with executable_path=/usr/bin/chromium). Installs it through apt when
# missing; never downloads a browser from anywhere else (no `playwright install`).
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
echo "setup: $CHROMIUM not found; installing Debian's chromium through apt" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: cannot install chromium: apt-get is not available. Install Chromium so that $CHROMIUM exists and re-run 'make setup' (only the browser tests need it)." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: cannot install chromium: not root and no sudo. Install the 'chromium' package and re-run 'make setup'." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
[ -x "$CHROMIUM" ] || { echo "setup: chromium installation finished but $CHROMIUM is still missing" >&2; exit 1; }
