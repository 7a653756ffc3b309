#!/usr/bin/env bash
# Print the content hash of everything the Rasa model is trained from (config, domain, stories, NLU, and the
# intent classifier's code).
set -euo pipefail
cd "$(dirname "$0")/.."
{ echo config.yml; find bot/domain.yml bot/data nlu -type f -name '*.yml'; find bot/nlu encoder -type f -name '*.py'; } \
  | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16
