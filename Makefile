# Research compendium: pilot vaktherapie en sociaal werk, Helmond.
# `make help` lists the targets. Every target creates .venv and installs the project first if
# needed, so `make run` and `make test` work on a fresh machine with only Python 3.11 and make.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed-stamp
VERIFY := $(VENV)/.lock-verify
COHORT ?= helmond-2023
# The test tiers (markers in pyproject.toml; README, "Tests")
FAST    := not kernel and not slow and not browser and not perf
KERNELS := not slow and not browser and not perf
# Interpreter options for the tests, e.g. PYFLAGS="-X warn_default_encoding -W error::DeprecationWarning"
PYFLAGS ?=
# Options of `make bench`, e.g. BENCH_ARGS="--only edit-loop,compare" (see python -m benchmarks.bench -h)
BENCH_ARGS ?=
# The lock: every package, direct and transitive, with its exact version and hashes, for Python
# 3.11+ on Linux, Windows and macOS (uv's universal resolution). `make lock` regenerates it.
LOCK   := requirements.lock
# The installer used to install from the lock (pinned; pip is the fallback when it cannot be had).
UV_VERSION ?= 0.13.9

.DEFAULT_GOAL := help
.PHONY: help install lock run pdf test test-fast test-kernels validate notebooks bench browser clean

## Show this list of targets
help:
	@awk '/^## /{desc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(desc){split($$1,t,":"); printf "  %-16s %s\n", t[1], desc}; desc=""}' $(MAKEFILE_LIST)

# Installs the lock into .venv (only what is missing or at another version), then checks every
# hash of the lock for this system by installing it once more into a scratch folder (installed
# packages do not record the hash of the file they came from, so a hash edited in the lock of an
# existing .venv is found only this way), then the compendium itself and deduce's lookups.
# --compile-bytecode writes every package's .pyc at install, as pip does by default: where
# PYTHONDONTWRITEBYTECODE is set (CI machines, containers) Python otherwise compiles pandas,
# matplotlib, scipy, ... from source in every kernel and subprocess (a cold run of the six
# notebooks took 46 s of CPU without, 28 s with). It comes before `prepare`: deduce tests its
# lookup cache against the modification times of its folders.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@rm -rf $(VERIFY)
	@if $(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"; then \
	  echo "installing $(LOCK) with uv $(UV_VERSION) (hashes required)"; \
	  $(UV) pip install --quiet --python $(PY) --compile-bytecode --require-hashes -r $(LOCK) && \
	  $(UV) pip install --quiet --python $(PY) --require-hashes -r $(LOCK) --no-deps \
	    --reinstall --target $(VERIFY) && \
	  $(UV) pip install --quiet --python $(PY) --no-deps -e . ; \
	else \
	  echo "uv not available: installing $(LOCK) with pip (hashes required)"; \
	  $(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK) && \
	  $(PY) -m pip download --quiet --disable-pip-version-check --require-hashes -r $(LOCK) \
	    --no-deps --dest $(VERIFY) && \
	  $(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e . ; \
	fi
	@rm -rf $(VERIFY)
	$(PY) -m analysis prepare
	@touch $(STAMP)

## Create .venv, install the lock (exact versions, every hash checked) and check .venv against it
install: $(STAMP)
	@$(PY) -m analysis.lockfile $(LOCK) || { \
	  echo "make install: installing $(LOCK) again to put .venv back"; \
	  rm -f $(STAMP) && $(MAKE) --no-print-directory $(STAMP) && $(PY) -m analysis.lockfile $(LOCK) \
	  || { echo "remove what the lock does not hold ($(UV) pip uninstall --python $(PY) NAME)"; \
	       echo "or start afresh: rm -rf $(VENV) && make install"; exit 1; }; }

## Regenerate requirements.lock from pyproject.toml (all platforms, hashes) and binder/requirements.txt
lock:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) pip compile pyproject.toml --extra test --universal --python-version 3.11 \
	  --generate-hashes --custom-compile-command "make lock" --quiet -o $(LOCK)
	$(PY) -m analysis.lockfile --binder $(LOCK)

## Run the whole pipeline on COHORT (default helmond-2023); prints the findings document's path
run: install
	$(PY) -m analysis run --cohort $(COHORT)

## Print COHORT's findings to reports/COHORT/findings.pdf with headless Chromium (after make run)
pdf: install
	$(PY) -m analysis site --cohort $(COHORT) --pdf

# The fast tier runs in a second pytest process beside the rest (tests/tiers.py): the rest waits
# on kernels, Chromium and subprocesses and leaves part of two cores idle.
## Every test (CI, the README's command): units, doctests, kernels, pipelines, browser, notebooks
test: install
	$(PY) $(PYFLAGS) tests/tiers.py --fast "$(FAST)" --python-flags "$(PYFLAGS)" -- \
	  tests analysis benchmarks notebooks --nbval-lax --nbval-sanitize-with notebooks/nbval_sanitize.cfg

## Unit tests and doctests only: no kernel, no pipeline, no browser (under 2 minutes when quiet)
test-fast: install
	$(PY) $(PYFLAGS) -m pytest tests analysis benchmarks -m "$(FAST)"

## The fast tests and those that start kernels or small pipelines (what the conda CI jobs run)
test-kernels: install
	$(PY) $(PYFLAGS) -m pytest tests analysis benchmarks -m "$(KERNELS)"

## Open rendered pages in offline headless Chromium (installs Debian's chromium as root when missing)
browser: install
	$(PY) -m pytest tests -m browser

## Check COHORT's raw data against the data contract
validate: install
	$(PY) -m analysis validate --cohort $(COHORT)

## Re-execute the committed notebooks on the bundled cohort (after changing code or data)
notebooks: install
	$(PY) -m analysis run --force --update-notebooks

## Benchmark: edit loop, cold run vs papermill loop, fresh clone, scale (BENCH_ARGS=--quick)
bench: install
	$(PY) -m benchmarks.bench $(BENCH_ARGS)

## Remove every rebuilt output (processed tables, figures, reports); raw data stay
clean:
	rm -rf data/processed/*/ figures/*/ reports/*/
