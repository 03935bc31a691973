#!/usr/bin/env bash
# Install Debian packages when apt-get can be used without asking; otherwise print one line
# saying what to install on this system and fail (never a sudo that prompts or fails).
#   scripts/apt-install.sh WHAT "MACOS HINT" "FEDORA HINT" PACKAGE...
set -euo pipefail
what=$1 mac=$2 fedora=$3
shift 3
explain() {
  local how
  case "$(uname -s)" in
    Darwin) how=$mac ;;
    *) if command -v dnf >/dev/null 2>&1; then how=$fedora; else how="with your package manager"; fi ;;
  esac
  echo "setup: $what is missing: $1; install it ($how) and re-run make" >&2
  exit 1
}
command -v apt-get >/dev/null 2>&1 || explain "no apt-get on this system"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || explain "not root and no sudo"
  sudo -n true 2>/dev/null || explain "sudo needs a password here"
  SUDO="sudo -n"
fi
echo "setup: installing $what through apt ($*)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
