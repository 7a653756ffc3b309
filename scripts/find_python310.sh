#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (for the Rasa environment), or explain how to get one.
set -uo pipefail
for candidate in python3.10 "$(command -v pyenv >/dev/null && pyenv prefix 3.10 2>/dev/null)/bin/python3.10" \
                 "$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do
  if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
     && "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    command -v "$candidate"
    exit 0
  fi
done
cat >&2 <<'MSG'
Swarmdesk needs Python 3.10 for its Rasa environment (Rasa 3.6 supports Python <= 3.10), and none was found.
Install one, then run make again:
  with pyenv:   pyenv install 3.10        (https://github.com/pyenv/pyenv#installation)
  on Debian/Ubuntu: sudo apt-get install python3.10 python3.10-venv   (deadsnakes PPA on Ubuntu)
MSG
exit 1
