#!/usr/bin/env bash
# The browser tests drive Debian's chromium through chromedriver. Install them when
# missing and we are root; otherwise say exactly what to install.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium and chromium-driver for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  exit 0
fi
echo "The browser tests need Chromium and its driver. Install them, then run make test again:" >&2
echo "    sudo apt-get install chromium chromium-driver" >&2
exit 1
