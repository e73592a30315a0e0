# House Edge: two commands on a fresh clone.
#   make build   create .venv, install the pinned stack, build + validate + publish, print headline
#   make test    dbt build (data + unit tests) on a throwaway file, then pytest
# Other targets: make sample (regenerate the committed sample), make bench [SCALE=1],
#                make calibrate, make lint, make lock, make clean.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= 1
STAMP := $(VENV)/.installed

.PHONY: build test sample bench calibrate lint lock clean docs

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/house-edge build

test: $(STAMP)
	@tmp=$$(mktemp -d) && \
	  HOUSE_EDGE_DUCKDB_PATH=$$tmp/house_edge.duckdb $(BIN)/dbt build --profiles-dir . --project-dir . && \
	  rm -rf $$tmp
	$(BIN)/python -m pytest

sample: $(STAMP)
	$(BIN)/house-edge simulate

bench: $(STAMP)
	$(BIN)/python -m house_edge.bench --scale $(SCALE) $(BENCH_ARGS)

# Venue-format loaders (issue 6): rows/s per format on a >= 5M-record file each.
ROWS ?= 5000000
.PHONY: bench-formats
bench-formats: $(STAMP)
	$(BIN)/python -m house_edge.bench_formats --rows $(ROWS)

calibrate: $(STAMP)
	$(BIN)/house-edge calibrate

docs: $(STAMP)
	$(BIN)/dbt docs generate --profiles-dir . --project-dir .

lint: $(STAMP)
	$(BIN)/ruff check house_edge tests/python

# Re-resolve the pinned stack (needs the package registry) and rewrite constraints.txt.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude-editable > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf target logs warehouse/.build bench_out
