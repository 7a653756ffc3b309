#!/usr/bin/env bash
# Run the dialogue test stories (bot/tests/test_stories.yml) against the current model; fail if any story fails.
set -euo pipefail
cd "$(dirname "$0")/.."
model="models/swarmdesk-$(scripts/model_hash.sh).tar.gz"
out=var/eval/bot/stories
rm -rf "$out" && mkdir -p "$out"
LOG_LEVEL=WARNING .venv-rasa/bin/rasa test core --stories bot/tests/test_stories.yml --model "$model" --out "$out" \
  --no-plot >"$out/rasa.log" 2>&1 || { tail -20 "$out/rasa.log"; exit 1; }
failed="$out/failed_test_stories.yml"
if [ -s "$failed" ] && grep -q "story:" "$failed"; then
  echo "Dialogue test stories: some failed ($failed):"; cat "$failed"; exit 1
fi
echo "Dialogue test stories: all $(grep -c '  - story:' bot/tests/test_stories.yml) passed (report: $out)"
