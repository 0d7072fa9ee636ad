#!/usr/bin/env bash
# Install Debian's chromium (used by kaleido for PNG export and by browser tests) when missing.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else echo "not root and no sudo: cannot install chromium"; exit 1; fi
else SUDO=""; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
command -v chromium >/dev/null 2>&1
