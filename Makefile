# Research compendium: pilot vaktherapie en sociaal werk, Helmond.
# `make help` lists the targets. Every target creates .venv and installs the project first if
# needed, so `make run` and `make test` work on a fresh machine with only Python 3.11 and make.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed-stamp
COHORT ?= helmond-2023
# Options of `make bench`, e.g. BENCH_ARGS="--only edit-loop,compare" (see python -m benchmarks.bench -h)
BENCH_ARGS ?=
# The lock: every package, direct and transitive, with its exact version and hashes, for Python
# 3.11+ on Linux, Windows and macOS (uv's universal resolution). `make lock` regenerates it.
LOCK   := requirements.lock
# The installer used to install from the lock (pinned; pip is the fallback when it cannot be had).
UV_VERSION ?= 0.13.9

.DEFAULT_GOAL := help
.PHONY: help install lock run test test-unit test-notebooks validate notebooks bench browser clean

## Show this list of targets
help:
	@awk '/^## /{desc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(desc){split($$1,t,":"); printf "  %-16s %s\n", t[1], desc}; desc=""}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if $(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"; then \
	  echo "installing $(LOCK) with uv $(UV_VERSION) (hashes required)"; \
	  $(UV) pip install --quiet --python $(PY) --require-hashes -r $(LOCK) && \
	  $(UV) pip install --quiet --python $(PY) --no-deps -e . ; \
	else \
	  echo "uv not available: installing $(LOCK) with pip (hashes required)"; \
	  $(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK) && \
	  $(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e . ; \
	fi
	$(PY) -m analysis prepare
	@touch $(STAMP)

## Create .venv and install the compendium from the lock (exact versions, hashes required)
install: $(STAMP)

## Regenerate requirements.lock from pyproject.toml (exact versions and hashes, all platforms)
lock:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip compile pyproject.toml --extra test --universal --python-version 3.11 \
	  --generate-hashes --custom-compile-command "make lock" --quiet -o $(LOCK)

## Run the whole pipeline on COHORT (default helmond-2023); prints the findings document's path
run: $(STAMP)
	$(PY) -m analysis run --cohort $(COHORT)

## Run the unit tests and check the committed notebooks with nbval
test: $(STAMP)
	$(PY) -m pytest tests analysis benchmarks notebooks --nbval-lax --nbval-sanitize-with notebooks/nbval_sanitize.cfg

## Unit tests only (fast; no notebooks, no browser)
test-unit: $(STAMP)
	$(PY) -m pytest tests analysis benchmarks -m "not slow and not browser"

## Open rendered pages in offline headless Chromium (installs Debian's chromium as root when missing)
browser: $(STAMP)
	$(PY) -m pytest tests -m browser

## Check COHORT's raw data against the data contract
validate: $(STAMP)
	$(PY) -m analysis validate --cohort $(COHORT)

## Re-execute the committed notebooks on the bundled cohort (after changing code or data)
notebooks: $(STAMP)
	$(PY) -m analysis run --force --update-notebooks

## Benchmark: edit loop, cold run vs papermill loop, fresh clone, scale (BENCH_ARGS=--quick)
bench: $(STAMP)
	$(PY) -m benchmarks.bench $(BENCH_ARGS)

## Remove every rebuilt output (processed tables, figures, reports); raw data stay
clean:
	rm -rf data/processed/*/ figures/*/ reports/*/
