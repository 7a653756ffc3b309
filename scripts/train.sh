#!/usr/bin/env bash
# Train the Rasa model only when its inputs changed: models/swarmdesk-<content hash>.tar.gz is the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
model="models/swarmdesk-$(scripts/model_hash.sh).tar.gz"
if [ -f "$model" ]; then
  echo "Rasa model is up to date: $model"
  exit 0
fi
echo "Training the Rasa model (inputs changed; takes a few minutes on 2 cores) -> $model"
export RASA_TELEMETRY_ENABLED=false
.venv-rasa/bin/rasa train --config config.yml --domain bot/domain.yml --data bot/data nlu \
  --out models --fixed-model-name "$(basename "$model" .tar.gz)" --quiet
test -f "$model"
