# CORP — every target does its own set-up from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

.PHONY: help install run test lint fmt bench docs clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,sweep]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install CORP with its dev extras

run: $(STAMP) ## run CORP with the default config (offline: embedded simulated market, no keys, no services)
	$(PY) -m corp $(ARGS)

test: $(STAMP) ## lint, then the whole test suite (unit, integration with real Redis/Postgres, chaos)
	$(PY) -m ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff check
	$(PY) -m ruff check .

fmt: $(STAMP) ## ruff fix + format
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(STAMP) ## run the benchmarks (by hand, never part of CI's verdict)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

docs: $(STAMP) ## regenerate docs/parameters.md from the parameter catalogue
	$(PY) -m corp task=docs

clean: ## remove the virtualenv, caches and run outputs
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis results outputs multirun
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
