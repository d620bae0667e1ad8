# The two commands of the README: `make demo` and `make test`. Both work from nothing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: demo test lint venv system-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the real-component tests use (snmpd, lldpd, nmap, PostgreSQL, Chromium...).
# Installed only when running as root and something is missing; otherwise those tests skip.
system-deps:
	@sh .ci/system-deps.sh

demo: venv
	$(BIN)/python -m netcmdb.demo demo-out

# ruff (lint) and mypy (types) at the rule set in pyproject.toml (docs/ARCHITECTURE.md, "Lint
# and types"). mypy needs the package under its import name, and the repository root is the
# package: .lint/netcmdb is a symlink to the root.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@mkdir -p .lint && ln -sfn .. .lint/netcmdb
	MYPYPATH=.lint $(BIN)/mypy -p netcmdb

test: venv system-deps lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) demo-out build *.egg-info .pytest_cache .hypothesis .lint .mypy_cache .ruff_cache
