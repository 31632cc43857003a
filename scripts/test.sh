#!/usr/bin/env bash
# `make test`: lint, then the whole suite against an isolated embedded PostgreSQL (var/test/pg),
# which is stopped again at the end. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export YKT_PROFILE=test YKT_HOME="$PWD/var/test" GX_ANALYTICS_ENABLED=false
mkdir -p "$YKT_HOME"
.venv/bin/ruff check .
trap '.venv/bin/ykt db stop >/dev/null 2>&1 || true' EXIT
start=$(date +%s)
# `make test` leaves out the e2e marker (three full daily runs through Airflow); `make test-e2e` runs it.
.venv/bin/python -m pytest -m "${PYTEST_MARKERS:-not e2e}" "$@"
echo "make test: pytest took $(( $(date +%s) - start ))s"
