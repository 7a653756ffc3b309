#!/usr/bin/env bash
# The browser tests' accessibility check runs axe-core, installed from the npm registry at the version the lockfile
# pins (tests/e2e/axe); npm comes from Debian when it is missing and we are root.
set -euo pipefail
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "npm is missing: installing Debian's npm package for the accessibility check"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  else
    echo "npm is missing. Install it, then run make again:  sudo apt-get install npm" >&2
    exit 1
  fi
fi
npm ci --prefix tests/e2e/axe --no-audit --no-fund --silent
