# Quick start: `make run` and `make test`. Both create/reuse .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
OUT ?= out
RUN_DRAWS ?= 1000
FFCAST := $(BIN)/ffcast

.PHONY: run test fuzz bench lint venv clean

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
	$(FFCAST) report --draws $(RUN_DRAWS) --seed 2016 --out $(OUT)/report.html
	@echo ""
	@echo "Wrote $(OUT)/report.html: the baseline forecast ($(RUN_DRAWS) draws), one offline page."
	@echo "Next, try:"
	@echo "  $(FFCAST) run baseline --draws 1000 --seed 7          # the headline, in the terminal"
	@echo "  $(FFCAST) compare baseline repatriate-camps --draws 1000 --seed 7   # what a policy changes"
	@echo "  $(FFCAST) run examples/sooner-collapse-prosecute.yaml --draws 500 --out runs/mine.nc   # your own scenario"
	@echo "More in README.md and docs/guide.md."

test: $(TEST_STAMP)
	@bash scripts/ensure_chromium.sh || echo "chromium unavailable: browser tests will be skipped"
	$(BIN)/python -m ruff check src tests benchmarks scripts
	$(BIN)/python -m pytest -q

# The long fuzz profile: thousands of valid scenarios and malformed inputs (tests/fuzz/).
# `make test` runs the same properties with the small CI profile.
fuzz: $(TEST_STAMP)
	FFCAST_FUZZ=long $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(TEST_STAMP)
	$(BIN)/python -m pip install -q -e ".[test,bench]"
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/living.py
	$(BIN)/python benchmarks/peers/run.py
	$(BIN)/python benchmarks/dashboard_load.py --latency

lint: $(TEST_STAMP)
	$(BIN)/python -m ruff check src tests benchmarks scripts
	$(BIN)/python -m ruff format --check src tests benchmarks scripts || true

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
