#!/usr/bin/env bash
# Installs what the Windows test lane needs from Debian's packages: Wine to
# run iocp-echo.exe, and mingw to build the ProcessPrng shim from source.
set -euo pipefail
need=()
command -v wine >/dev/null || need+=(wine wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
if [ ${#need[@]} -eq 0 ]; then
  echo "windows lane: wine and mingw already installed"
  exit 0
fi
echo "windows lane: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
wine --version
