# The README's commands. Each does its own set-up: a private uv in .tools/, then the locked
# dependencies into .venv/ (nothing outside this folder is touched).
PYTHON ?= python3
UV := .tools/bin/uv
UV_VERSION := 0.13.9
SAMPLE := input_templates/sample/sample-batch.xlsx
export UV_PYTHON_DOWNLOADS := never
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
# Some machines set PYTHONDONTWRITEBYTECODE: then every Python process the tests start (CLI runs,
# Prefect servers, workers) compiles Prefect and pandas from source again, about 5 s of CPU each.
# Cached bytecode lives in .venv/ and __pycache__/ (ignored by git), as in any installed environment.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup run test test-fast lint bench clean-state

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

setup: .venv/.synced

## Run the sample batch against the built-in simulator; prints where the reports are.
## No Prefect is started (PREFECT_API_URL unset): the library's steps run in this process.
run: setup
	$(UV) run --frozen porting-batch run $(SAMPLE) --out reports

## Run the tests: the full suite.
test: setup
	$(UV) run --frozen pytest

## The tests that start no server, harness or process (tests/conftest.py enforces it).
test-fast: setup
	$(UV) run --frozen pytest -m "not slow"

lint: setup
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy

clean-state:
	rm -rf state reports
