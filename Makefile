# The two commands a newcomer needs: `make demo` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv is installed with pip when missing; `python3 -m uv` then works without PATH changes.
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
RUN := $(UV) run --locked --no-progress

.PHONY: help uv setup test-deps cluster-deps demo test test-cluster lint unit integration fuzz up up-cluster down status bench clean

help:
	@echo "make demo   set up, then run the whole flow live for 32 allies (starts and stops the stack)"
	@echo "make test   set up, lint, then the whole suite against real Kafka, DuckDB and Airflow"
	@echo "make test-cluster   the production topology's tests (3 Kafka nodes, one killed)"
	@echo "make up | down | status   keep the local stack running / stop it / show it"
	@echo "make up-cluster   the production topology instead (docs/operating.md); make down stops it"
	@echo "make bench  every benchmark, one table of ratios"
	@echo "make fuzz   the schema property test with 5,000 fresh documents (seed printed)"

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| { echo "installing uv"; python3 -m pip install --quiet --disable-pip-version-check uv; }

setup: uv
	$(UV) sync --locked --no-progress
	$(RUN) resilience kafka fetch

# Headless Chromium renders the HTML report in its test and drives the portal's browser
# tests (Debian's package; Playwright is pointed at it, it never downloads a browser).
test-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the HTML report and portal tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "could not install chromium: the browser tests will fail and say so"; }

lint: setup
	$(RUN) ruff check .

demo: setup
	$(RUN) resilience demo

test: setup test-deps
	$(RUN) ruff check .
	@status=0; $(RUN) pytest || status=$$?; \
		$(RUN) resilience stack down >/dev/null 2>&1 || true; \
		exit $$status

# The production topology's tests (issue 16): a 3-node KRaft cluster with one node killed
# mid-stream, PostgreSQL, Airflow with two schedulers, gateway replicas on PostgreSQL, and
# `stack up --profile cluster` as a whole. Separate from `make test` (its 15 minutes).
test-cluster: setup cluster-deps
	$(RUN) pytest -m cluster tests/cluster

# PostgreSQL (Debian's package) for the production topology; its binaries stay off PATH.
cluster-deps:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing Debian's postgresql for the cluster tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
		|| echo "could not install postgresql: the cluster tests will fail and say so"; }

# The schema property test at length: 5,000 documents, each drawn fresh from the schema
# (about 25 min here); RESILIENCE_FUZZ_SEED=N repeats a run the suite printed.
fuzz: setup
	RESILIENCE_FUZZ_DOCS=$${RESILIENCE_FUZZ_DOCS:-5000} RESILIENCE_FUZZ_BASE=$${RESILIENCE_FUZZ_BASE:-5000} \
		$(RUN) pytest tests/faults/test_schema_fuzz.py -s -o timeout=3600

unit: setup
	$(RUN) pytest -m unit

integration: setup
	$(RUN) pytest -m "integration or e2e"

up: setup
	$(RUN) resilience stack up

up-cluster: setup cluster-deps
	$(RUN) resilience stack up --profile cluster

down:
	$(RUN) resilience stack down

status:
	$(RUN) resilience stack status

bench: setup
	$(RUN) python benchmarks/run_all.py

clean: down
	rm -rf .run
