#!/usr/bin/env bash
# Make sure nginx is installed (deploy/ and the failover test): install Debian's package when root, otherwise say what
# to run. The package's own service is never used: nginx runs as the calling user with a config of its own.
set -euo pipefail
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "nginx is missing: installing Debian's nginx package"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
  exit 0
fi
echo "nginx is missing. Install it, then run make again:  sudo apt-get install nginx" >&2
exit 1
