# Quick start: `make run` and `make test`. Both create/reuse .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
OUT ?= out

.PHONY: run test bench lint venv clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m ffcast.engine.warm
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e ".[test]"
	@touch $(TEST_STAMP)

venv: $(STAMP)

run: $(STAMP)
	@mkdir -p $(OUT)
	$(BIN)/ffcast report --draws 1000 --seed 2016 --out $(OUT)/report.html

test: $(TEST_STAMP)
	@bash scripts/ensure_chromium.sh || echo "chromium unavailable: browser tests will be skipped"
	$(BIN)/python -m ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(TEST_STAMP)
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/peers/run.py
	$(BIN)/python benchmarks/dashboard_load.py --latency

lint: $(TEST_STAMP)
	$(BIN)/python -m ruff check src tests benchmarks
	$(BIN)/python -m ruff format --check src tests benchmarks || true

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
