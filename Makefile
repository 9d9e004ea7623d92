# Entry points for users and CI. `make demo` and `make test` install what is missing first
# (scripts/bootstrap.sh: Debian tools + .venv from requirements.lock), so they work on a fresh
# machine and cost seconds on the second run.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Virtual environment; override with `make test VENV=/path/to/venv`.
VENV ?= .venv
export VENV
BIN := $(abspath $(VENV))/bin
# Workflow rules call cnvkit.py, snakemake and the project's CLI by name.
export PATH := $(BIN):$(PATH)

# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-m 'not slow' -x"`.
PYTEST_ARGS ?=

.PHONY: help setup demo test lint clean

help: ## show this list
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

setup: ## install missing Debian tools and the Python environment (.venv); nothing if present
	@bash scripts/bootstrap.sh

demo: setup ## run the whole workflow on the built-in synthetic demo cohort (results in demo/results/)
	@bash scripts/demo.sh

test: setup ## run the whole test suite, incl. code quality and slow integration tests
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup ## ruff, ruff format, mypy, snakefmt and snakemake --lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/snakefmt --check Snakefile workflow/
	@# snakemake --lint needs a study's config: a small simulated one, made once.
	@[ -f .lint-study/config.yaml ] || $(BIN)/cfdna-erbb2 simulate --preset test --outdir .lint-study >/dev/null
	$(BIN)/snakemake --lint --cores 1 --directory .lint-study --configfile .lint-study/config.yaml

clean: ## remove demo/, results/, .lint-study/ and .snakemake/ (keeps .venv)
	rm -rf demo results .lint-study .snakemake
