#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright (never a browser download): install it when root.
set -euo pipefail
command -v chromium >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "chromium is missing: installing Debian's chromium package for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "chromium is missing. Install it, then run make again:  sudo apt-get install chromium" >&2
exit 1
