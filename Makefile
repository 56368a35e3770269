# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Every install takes the exact versions of the lock; `make lock` refreshes it.
LOCK := requirements/constraints.txt
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c $(LOCK)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck contracts pytest lock lock-upgrade clean reader topics

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/baton serve --demo --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev lint typecheck contracts pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

contracts: $(VENV)/.installed-dev
	$(BIN)/lint-imports

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

# Exact versions of every dependency, extras included, for Python 3.11 on Linux. `make lock`
# adds what pyproject.toml newly asks for and keeps every other pin; `make lock-upgrade` moves all
# of them to their latest releases.
PIP_COMPILE_ARGS ?=
lock-upgrade: PIP_COMPILE_ARGS = --upgrade
lock-upgrade: lock
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet $(PIP_COMPILE_ARGS) --all-extras --strip-extras --no-emit-index-url \
	  --no-emit-find-links --no-emit-trusted-host -o $(LOCK) pyproject.toml requirements/torch.in

# Fit the reader on data/reader/*.jsonl into src/baton/models/reader.npz (same data, same file).
reader: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[train]'
	$(BIN)/baton train reader

# Fit the topic reader on data/topics/*.jsonl into src/baton/models/topics.npz.
topics: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -c $(LOCK) -e '.[train]'
	$(BIN)/baton train topics

clean:
	rm -rf $(VENV) baton-demo.db* kb-index .mypy_cache .pytest_cache .ruff_cache
