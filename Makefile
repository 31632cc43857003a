# 乐山市居民服务一卡通平台 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
UV := $(VENV)/bin/uv
export UV_LINK_MODE := copy

.PHONY: run stop test test-e2e test-data setup setup-core setup-airflow setup-superset lint bench clean-venvs

run: setup
	$(VENV)/bin/ykt run

stop:
	$(VENV)/bin/ykt stop

test: setup test-data
	scripts/test.sh

test-e2e: setup test-data
	PYTEST_MARKERS=e2e scripts/test.sh

# Test photographs published on PyPI (face_recognition's sdist), fetched once at set-up.
test-data: var/cache/face-samples/.fetched
var/cache/face-samples/.fetched: $(VENV)/.installed
	$(VENV)/bin/python tests/capabilities/face_samples.py
	touch $@

setup: setup-core setup-airflow setup-superset

setup-core: $(VENV)/.installed
setup-airflow: .venv-airflow/.installed
setup-superset: .venv-superset/.installed

# The core environment also carries uv, which builds the other two.
$(VENV)/.installed: requirements/core.txt pyproject.toml
	scripts/setup-system.sh
	test -x $(UV) || { $(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install -q uv==$(UV_VERSION); }
	$(UV) pip sync -q --python $(VENV)/bin/python requirements/core.txt
	$(UV) pip install -q --python $(VENV)/bin/python uv==$(UV_VERSION)
	$(UV) pip install -q --python $(VENV)/bin/python --no-deps -e .
	touch $@

.venv-airflow/.installed: requirements/airflow.txt $(VENV)/.installed
	test -x .venv-airflow/bin/python || $(UV) venv -q --python $(PYTHON) .venv-airflow
	$(UV) pip sync -q --python .venv-airflow/bin/python requirements/airflow.txt
	touch $@

.venv-superset/.installed: requirements/superset.txt $(VENV)/.installed
	test -x .venv-superset/bin/python || $(UV) venv -q --python $(PYTHON) .venv-superset
	$(UV) pip sync -q --python .venv-superset/bin/python requirements/superset.txt
	touch $@

lint: setup-core
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup-core
	$(VENV)/bin/python -m benchmarks

clean-venvs:
	rm -rf $(VENV) .venv-airflow .venv-superset
