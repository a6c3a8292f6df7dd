#!/usr/bin/env sh
# Installs Debian's Chromium for the browser tests (Playwright drives it; no
# browser is downloaded from anywhere but the distribution's packages), and
# Debian's Java for the Nu HTML checker (tests/test_validity.py).
set -eu
if command -v chromium >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: no apt-get here; install Chromium and set LESSONS_CHROMIUM to its path" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core default-jre-headless >/dev/null
