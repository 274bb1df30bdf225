# Research compendium: pilot vaktherapie en sociaal werk, Helmond.
# `make help` lists the targets. Every target creates .venv and installs the project first if
# needed, so `make run` and `make test` work on a fresh machine with only Python 3.11 and make.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
COHORT ?= helmond-2023

.DEFAULT_GOAL := help
.PHONY: help install run test test-unit test-notebooks validate notebooks bench browser clean

## Show this list of targets
help:
	@awk '/^## /{desc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(desc){split($$1,t,":"); printf "  %-16s %s\n", t[1], desc}; desc=""}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m analysis prepare
	@touch $(STAMP)

## Create .venv and install the compendium with its test tools
install: $(STAMP)

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

## Benchmark: papermill loop vs cold/warm runs, and scale to 100,000 families
bench: $(STAMP)
	$(PY) -m benchmarks.bench

## Remove every rebuilt output (processed tables, figures, reports); raw data stay
clean:
	rm -rf data/processed/*/ figures/*/ reports/*/
