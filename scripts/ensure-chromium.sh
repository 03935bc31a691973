#!/usr/bin/env bash
# Only the console's browser tests need a browser: Debian's chromium at /usr/bin/chromium
# (driven through Playwright with executable_path=/usr/bin/chromium; never a downloaded
# browser build). Installs it through apt when missing and apt is usable, else says what
# to install.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0
bash "$(dirname "$0")/apt-install.sh" "Chromium at $CHROMIUM (for the browser tests only)" \
  "install Chromium and link it to $CHROMIUM" "sudo dnf install chromium" \
  chromium fonts-dejavu-core
[ -x "$CHROMIUM" ] || { echo "setup: chromium installation finished but $CHROMIUM is still missing" >&2; exit 1; }
