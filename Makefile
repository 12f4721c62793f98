# casa — the two commands a user needs: `make demo` and `make test`.
# Both install what is missing first (npm, Debian, Python and Go-built tools) and are fast the
# second time: every setup step checks before it works.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CASA_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/casa
export CASA_CACHE
export CASA_WEED_BIN ?= $(CASA_CACHE)/bin/weed
NPM_STAMP := node_modules/.casa-installed

.PHONY: help demo test setup setup-test npm apt weed venv mlflow ui airflow-venv deploy-tools typecheck airflow

help:
	@echo "make demo   install what is missing, then run casa end to end on embedded defaults"
	@echo "make test   install what the tests need, then type-check and run every test"
	@echo "make airflow  run Airflow locally against a running gateway (see dags/README.md)"

demo: setup
	node bin/casa.mjs demo

test: setup-test typecheck
	node scripts/run-tests.mjs

typecheck: npm
	npx tsc -p tsconfig.json --noEmit

setup: npm apt mlflow ui
setup-test: npm apt weed venv mlflow ui airflow-venv deploy-tools

npm: $(NPM_STAMP)
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

apt:
	bash scripts/setup-apt.sh

weed:
	bash scripts/setup-weed.sh

venv:
	bash scripts/setup-venv.sh

mlflow:
	bash scripts/setup-mlflow.sh

ui:
	bash scripts/setup-ui.sh

airflow-venv:
	bash scripts/setup-airflow.sh

deploy-tools:
	bash scripts/setup-deploy-tools.sh

airflow: npm airflow-venv
	bash scripts/airflow-local.sh
