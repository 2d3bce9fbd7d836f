# paperfeed: `make run` serves the site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest on every core (pytest-xdist), one worker process a core; `make test PYTEST_WORKERS=0`
# runs the suite in one process. worksteal: a worker that runs out takes half of what another has
# not started, and the long tests come first (tests/conftest.py), so the workers end together.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist worksteal
# `make run HOST=0.0.0.0 PORT=8080` serves on every interface, port 8080 (`:=`: a HOST or PORT
# in the environment, as some shells and platforms set, is not taken for these).
HOST := 127.0.0.1
PORT := 8000

.PHONY: run test install lint format typecheck test-postgres bench bench-quick bench-2.7m clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# uv (from PyPI, by the venv's own pip) installs the same versions as pip in ~40 s instead of
# ~105 s (a fresh venv, load ~7: it downloads in parallel and leaves the compiling to the step
# below); where no uv wheel can be had, pip does it as before.
UV_VERSION := 0.13.9

# Then every installed module is compiled to bytecode, as `pip install` does and uv does not by
# default. Without it, where PYTHONDONTWRITEBYTECODE is set (this project's own machines, some
# container images) each `paperfeed` command compiled Django and its dependencies from source
# again: `django.setup()` took 1.24 s instead of 0.44 s, a fixed cost in every command, worker
# and test process (docs/performance.md, "Bytecode"). The Makefile is a prerequisite so that an
# existing venv gets this step too.
$(STAMP): $(BIN)/python pyproject.toml Makefile
	if $(BIN)/pip install --quiet 'uv==$(UV_VERSION)'; then \
		$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'; \
	else \
		$(BIN)/pip install --quiet --upgrade pip && $(BIN)/pip install --quiet -e '.[dev]'; \
	fi
	$(BIN)/python -m compileall -q -j 0 "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/paperfeed migrate --no-input
	$(BIN)/paperfeed run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_PARALLEL)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy

bench: install
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null || echo "no wrk: HTTP figures skipped"
	$(BIN)/python -m bench

bench-quick: install
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null || echo "no wrk: HTTP figures skipped"
	$(BIN)/python -m bench --quick

# All of arXiv (2.7 M papers), not part of `make bench`: its first build takes ~10-25 min and
# its search index, rebuilt by every run, ~1,000 CPU-s (an hour at load 3-13). The import and
# digests figures do not depend on the catalogue.
bench-2.7m: install
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null || echo "no wrk: HTTP figures skipped"
	$(BIN)/python -m bench --corpora 2.7m --skip import,digests

clean:
	rm -rf $(VENV) var/test.sqlite3*

# Soak: 30 minutes (MINUTES=…) of mixed reads and writes at half of the measured capacity.
.PHONY: bench-soak
bench-soak: install
	$(BIN)/python -m bench.soak --minutes $(or $(MINUTES),30)
