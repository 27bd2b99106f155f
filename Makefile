# fargasim — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python

.PHONY: demo test lint bench clean

# A virtualenv with fargasim installed (editable); the stamp is rebuilt when pyproject.toml changes.
$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --upgrade pip
	$(PY) -m pip install -qq -e .
	touch $@

# The same plus the dev extra (pytest, hypothesis, ruff, mypy, pytest-benchmark).
$(VENV)/.dev: $(VENV)/.runtime
	$(PY) -m pip install -qq -e '.[dev]'
	touch $@

demo: $(VENV)/.runtime
	$(BIN)/fargasim run scenarios/quickstart.yaml --out results/quickstart
	@echo "open results/quickstart/report.html in a browser"

test: $(VENV)/.dev
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check fargasim tests benchmarks tools
	$(BIN)/ruff format --check fargasim tests benchmarks tools
	$(BIN)/mypy fargasim

bench: $(VENV)/.dev
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache .hypothesis
