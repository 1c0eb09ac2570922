# Thai government-services assistant: one entry point for setup, run, tests and benchmarks.
# `make help` lists the targets. The same targets run on a laptop and in CI (.ci/run).

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PY310 ?= $(shell scripts/find-python 3.10)
PY312 ?= $(shell scripts/find-python 3.12)
ENGINE := .venv-engine
APP := .venv
ENGINE_PY := $(ENGINE)/bin/python
APP_PY := $(APP)/bin/python
RASA := $(ENGINE_PY) -m rasa

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
# endpoints.yml reads ACTION_PORT, ACTION_TOKEN, the tracker store's and the lock store's settings:
# bot.tools.stack sets them (a random token, the run's own tracker) for every process it starts.
# Rasa commands that only read endpoints.yml without calling actions get placeholders, a
# throwaway tracker and the in-memory lock store.
RASA_OFFLINE_ENV := ACTION_PORT=1 ACTION_TOKEN=no-actions-called TRACKER_URL= TRACKER_DIALECT=sqlite \
	TRACKER_DB=$$(mktemp -d)/tracker.db LOCK_STORE=in_memory REDIS_HOST=127.0.0.1 REDIS_PORT=6379 \
	REDIS_LOCK_DB=1 REDIS_PASSWORD= LOCK_KEY_PREFIX=govbot

# $(call need_python,VERSION,PATH,RUNTIME): stop with a clear message if PATH is not that Python.
define need_python
	@if [ -z "$(2)" ] || ! "$(2)" -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(1)".split("."))))' 2>/dev/null; then \
	  echo "error: Python $(1) is needed for the $(3) runtime but was not found."; \
	  echo "       Install it (for example: pyenv install $(1), or apt-get install python$(1) python$(1)-venv)"; \
	  echo "       or point make at it: make $(MAKECMDGOALS) PY$(subst .,,$(1))=/path/to/python$(1)"; \
	  exit 1; \
	fi
endef

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(ENGINE)/.installed: requirements/engine.txt
	$(call need_python,3.10,$(PY310),engine (Rasa 3.6))
	@echo "setting up the engine runtime (Python 3.10, Rasa 3.6) in $(ENGINE)…"
	@[ -x $(ENGINE_PY) ] || "$(PY310)" -m venv $(ENGINE)
	@$(ENGINE_PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(ENGINE_PY) -m pip install -q --disable-pip-version-check -r requirements/engine.txt
	@touch $@

$(APP)/.installed: requirements/app.txt
	$(call need_python,3.12,$(PY312),app)
	@echo "setting up the app runtime (Python 3.12) in $(APP)…"
	@[ -x $(APP_PY) ] || "$(PY312)" -m venv $(APP)
	@$(APP_PY) -m pip install -q --disable-pip-version-check --upgrade pip
	@$(APP_PY) -m pip install -q --disable-pip-version-check -r requirements/app.txt
	@touch $@

setup: $(ENGINE)/.installed $(APP)/.installed ## Create both virtual environments (idempotent)

lock: ## Re-resolve requirements/*.in into the locked requirements/*.txt
	$(call need_python,3.10,$(PY310),engine (Rasa 3.6))
	$(call need_python,3.12,$(PY312),app)
	@for rt in engine:$(PY310) app:$(PY312); do name=$${rt%%:*}; py=$${rt#*:}; \
	  tmp=$$(mktemp -d); "$$py" -m venv $$tmp; $$tmp/bin/pip install -q -r requirements/$$name.in; \
	  { echo "# Locked from requirements/$$name.in (pip freeze). Regenerate: make lock"; \
	    $$tmp/bin/pip freeze --all --exclude pip --exclude setuptools --exclude wheel; } > requirements/$$name.txt; \
	  rm -rf $$tmp; done

train: $(ENGINE)/.installed ## Train the model if it is missing or stale (cached by hash)
	@$(ENGINE_PY) -m bot.tools.build

validate: $(APP)/.installed $(ENGINE)/.installed ## Project checks (each skill against its manifest, layers, imports), then `rasa data validate`
	@$(APP_PY) -m bot.tools.checks
	@$(MAKE) --no-print-directory train
	@$(RASA) data validate --domain $$($(ENGINE_PY) -m bot.tools.build --show domain) \
	  --data nlu_data --config config.yml --fail-on-warnings

run: setup ## Run the product on loopback (Ctrl-C stops); PROFILE=production: several engines and web apps behind nginx
	@$(APP_PY) -m bot.tools.run

skills: $(APP)/.installed ## List the installed skills
	@$(APP_PY) -m bot.kernel.registry

new-skill: $(APP)/.installed ## New skill: make new-skill ID=parking NAME_TH=ที่จอดรถ [NAME_EN= MENU_TH= HOTLINE= STATUS=preparing WEB=1]
	@$(APP_PY) -m bot.tools.scaffold "$(ID)" --name-th "$(NAME_TH)" \
	  $(if $(NAME_EN),--name-en "$(NAME_EN)") $(if $(MENU_TH),--menu-th "$(MENU_TH)") \
	  $(if $(HOTLINE),--hotline "$(HOTLINE)") $(if $(filter preparing,$(STATUS)),--preparing) \
	  $(if $(WEB),--web)

line-menu: $(APP)/.installed ## LINE rich menu from the installed skills: draw, create, upload, set default (LINE_CHANNEL_ACCESS_TOKEN)
	@scripts/ensure-thai-font
	@$(APP_PY) -m bot.app.channels.richmenu --save-image var/richmenu.png

messenger-menu: $(APP)/.installed ## Messenger Get Started, persistent menu, ice breakers (MESSENGER_PAGE_TOKEN)
	@$(APP_PY) -m bot.app.channels.messenger_profile

lint: $(APP)/.installed ## Static checks (ruff)
	@$(APP)/bin/ruff check bot actions skills tests bench geodata

test-engine: train ## Engine-runtime tests: tokenizer, normaliser, held-out NLU scores
	@$(ENGINE_PY) -m pytest -q tests/engine

test-stories: train ## Rasa test stories (end to end: NLU and dialogue) for the core conversation
	@$(RASA_OFFLINE_ENV) $(RASA) test core --model $$($(ENGINE_PY) -m bot.tools.build --show model) \
	  --e2e --stories tests/stories --fail-on-prediction-errors --out var/results/stories

test-app: setup train ## App-runtime tests, including the running product (system tests)
	@$(APP_PY) -m pytest -q tests/app tests/system

BROWSER_TESTS := tests/browser

# npm ci wipes node_modules, so it runs only when the lock file changed (idempotent).
$(BROWSER_TESTS)/node_modules/.installed: $(BROWSER_TESTS)/package-lock.json
	@scripts/ensure-browser
	@cd $(BROWSER_TESTS) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-browser: setup train $(BROWSER_TESTS)/node_modules/.installed ## Web chat in Chromium: keyboard-only conversation, axe-core
	@scripts/ensure-browser
	@cd $(BROWSER_TESTS) && npm test

test: setup lint validate test-engine test-stories test-app test-browser ## Everything CI runs

# bench/per_message.py profiles the engine when py-spy is found (not a project requirement).
PY_SPY ?= $(shell command -v py-spy 2>/dev/null)
bench: setup train ## Benchmarks (figures printed; see bench/README.md; PY_SPY=path profiles the engine)
	@$(ENGINE_PY) bench/nlu_pipelines.py
	@$(APP_PY) bench/police_lookup.py
	@$(APP_PY) bench/motortaxi_verify.py
	@$(APP_PY) bench/signtax_flow.py
	@$(APP_PY) bench/disaster_search.py
	@$(APP_PY) bench/chat_roundtrip.py
	@$(APP_PY) bench/forest_ingest.py
	@$(APP_PY) bench/scale.py
	@$(APP_PY) bench/per_message.py $(if $(PY_SPY),--py-spy $(PY_SPY))

clean: ## Remove build output and local state (models, var/, venvs)
	rm -rf models var .rasa results $(ENGINE) $(APP) $(BROWSER_TESTS)/node_modules

.PHONY: help setup lock train validate run skills new-skill line-menu messenger-menu lint test-engine test-stories test-app test-browser test bench clean
