#!/usr/bin/env bash
# Installs what the browser tests need from Debian's packages: chromium,
# which playwright-core drives through its executable path (no browser
# download from anywhere else).
set -euo pipefail
if command -v chromium >/dev/null; then
  echo "browser tests: chromium already installed ($(command -v chromium))"
  exit 0
fi
echo "browser tests: installing chromium"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium
