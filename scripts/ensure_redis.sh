#!/usr/bin/env bash
# Make sure redis-server is installed: install Debian's package when root, otherwise say what to run.
set -euo pipefail
command -v redis-server >/dev/null && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "redis-server is missing: installing Debian's redis-server package"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  exit 0
fi
echo "redis-server is missing. Install it, then run make again:  sudo apt-get install redis-server" >&2
exit 1
