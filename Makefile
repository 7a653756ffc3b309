# Swarmdesk: `make run` sets up whatever is missing and starts the stack; `make test` sets up and tests.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON311 ?= $(shell command -v python3.11 || command -v python3)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export RASA_TELEMETRY_ENABLED := false

# Each environment is rebuilt only when its requirements file's content changes (the stamp carries the hash).
APP_STAMP := .venv/.built-$(shell sha256sum requirements.txt | cut -c1-16)
RASA_STAMP := .venv-rasa/.built-$(shell sha256sum requirements-rasa.txt | cut -c1-16)
AXE_STAMP := tests/e2e/axe/node_modules/.built-$(shell sha256sum tests/e2e/axe/package-lock.json | cut -c1-16)

.PHONY: setup model redis run test lint bench fuzz eval admin demo-history clean

setup: $(APP_STAMP) $(RASA_STAMP)

$(APP_STAMP):
	@$(PYTHON311) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "The app needs Python 3.11 or newer (set PYTHON311=/path/to/python3.11)"; exit 1; }
	rm -rf .venv
	$(PYTHON311) -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(RASA_STAMP):
	@python310=$$(scripts/find_python310.sh); \
	rm -rf .venv-rasa; \
	$$python310 -m venv .venv-rasa
	.venv-rasa/bin/pip install --quiet --disable-pip-version-check -r requirements-rasa.txt
	touch $@

model: $(APP_STAMP) $(RASA_STAMP)
	.venv/bin/python -m encoder.finetune --nlu nlu --out models/encoder-intents
	scripts/train.sh

redis:
	scripts/ensure_redis.sh

$(AXE_STAMP):
	scripts/ensure_axe.sh
	touch $@

run: setup model redis
	.venv/bin/python -m ops.run

test: setup model redis $(AXE_STAMP)
	scripts/ensure_chromium.sh
	scripts/ensure_nginx.sh
	.venv/bin/ruff check .
	.venv/bin/lint-imports --no-cache
	status=0; \
	.venv-rasa/bin/python -m pytest -q -p no:cacheprovider bot/tests || status=1; \
	.venv/bin/python -m pytest || status=1; \
	exit $$status

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench: setup model redis
	.venv/bin/python -m retrieval.bench
	.venv/bin/python -m ops.bench
	.venv/bin/python -m ops.bench_relay
	.venv/bin/python -m ops.bench_kb
	.venv/bin/python -m ops.bench_mixed
	.venv/bin/python -m ops.bench_analytics

fuzz: setup model redis
	.venv/bin/python -m ops.fuzz --seconds 1800 --examples 300

eval: setup model
	.venv/bin/python -m retrieval.eval.clinc
	.venv/bin/python -m retrieval.eval.demo
	.venv/bin/python -m retrieval.eval.languages
	.venv/bin/python -m language.eval
	LOG_LEVEL=WARNING .venv-rasa/bin/python -m bot.eval.nlu
	LOG_LEVEL=WARNING .venv-rasa/bin/python -m bot.eval.languages
	scripts/test_stories.sh

admin: setup
	.venv/bin/python -m ops.admin $(ARGS)

demo-history: setup
	.venv/bin/python -m ops.demo_history $(ARGS)

clean:
	rm -rf .venv .venv-rasa models var
