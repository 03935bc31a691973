# glue-wf: `make demo` runs the pipeline locally; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
# Real clients the tests drive (tests/clients), each in its own virtualenv
AWSCLI_VENV ?= .venv-awscli
SDK_VENV ?= .venv-sdk
PYTEST_ARGS ?=

.PHONY: setup py39 java browser demo test lint unit spark e2e bench docker-spark-test wheel clean

# demo and setup need Java (PySpark), never a browser: only the browser tests do.
setup: $(STAMP) py39 $(AWSCLI_VENV)/.installed $(SDK_VENV)/.installed java

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "setup: $(PYTHON) not found; install Python 3.11+ first" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "setup: Python 3.11+ is required, $(PYTHON) is $$($(PYTHON) -V)" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -e .
	touch $(STAMP)

# Python shell jobs run locally under CPython 3.9 with the boto3/botocore Glue's Python
# shell provides (.venv-py39); without a Python 3.9 this says so and the py39 leg is skipped.
py39:
	@bash scripts/setup-py39.sh

$(AWSCLI_VENV)/.installed: tests/clients/requirements-awscli.txt
	test -x $(AWSCLI_VENV)/bin/python || $(PYTHON) -m venv $(AWSCLI_VENV)
	$(AWSCLI_VENV)/bin/pip install --quiet -r $<
	touch $@

$(SDK_VENV)/.installed: tests/clients/requirements-sdk.txt
	test -x $(SDK_VENV)/bin/python || $(PYTHON) -m venv $(SDK_VENV)
	$(SDK_VENV)/bin/pip install --quiet -r $<
	touch $@

# PySpark needs a Java 17 runtime: install it through apt when none is on PATH.
java:
	@bash scripts/ensure-java.sh

# The console's browser tests drive Debian's Chromium (never a downloaded browser build).
browser: setup
	@bash scripts/ensure-chromium.sh

demo: $(STAMP) py39 java
	@bash scripts/demo.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check glue_workflow
	$(VENV)/bin/mypy

test: setup browser lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

unit: setup
	$(VENV)/bin/pytest -m "not spark and not slow and not e2e and not browser and not semantics" $(PYTEST_ARGS)

spark: setup
	$(VENV)/bin/pytest -m spark $(PYTEST_ARGS)

e2e: setup
	$(VENV)/bin/pytest -m "e2e or slow" $(PYTEST_ARGS)

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# The distributable wheel (dist/): pip install "dist/glue_wf-*.whl[local]".
wheel: $(STAMP)
	$(PIP) wheel --quiet --no-deps -w dist .

# Spark job tests inside the official Glue 5.0 image (needs a Docker engine).
docker-spark-test:
	bash infra/docker/run-spark-tests.sh

clean:
	rm -rf .glue-wf .mypy_cache .ruff_cache .pytest_cache .venv-py39
