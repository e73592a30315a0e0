# House Edge: two commands on a fresh clone.
#   make build   create .venv, install the pinned stack, build + validate + publish, print headline
#   make test    ruff, then pytest on 2 workers (pytest-xdist); pytest's README walk runs the plain
#                `dbt build` of the sample (data + unit tests) on a throwaway checkout
# Other targets: make sample (regenerate the committed sample: house-edge simulate --out data/sample), make bench [SCALE=1],
#                make calibrate, make lint, make lock, make clean.
# Apache Spark (issue 18): make test-spark installs Java 17 (apt) and the spark extra, then builds
#                the sample on DuckDB and on Spark and checks every mart is equal.
# Scheduled runs: make scheduled-run, make dagster (UI on 127.0.0.1:3000), make bench-incremental.
# Dashboard (Superset): make dashboard, make dashboard-serve (127.0.0.1:8088), make test-dashboard.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= 1
STAMP := $(VENV)/.installed
ORCH_STAMP := $(VENV)/.installed-orchestration
METRICS_STAMP := $(VENV)/.installed-metrics
SPARK_STAMP := $(VENV)/.installed-spark

.PHONY: build test sample bench calibrate lint lock clean docs report system-deps \
        scheduled-run dagster bench-incremental java test-spark

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/house-edge build

# System packages the tests drive (Debian): headless Chromium renders the HTML report.
# Installed only when missing; needs root (CI runs as root) — otherwise says what to install.
SYSTEM_PACKAGES := chromium
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null; \
	  else echo "missing system packages:$$missing (apt-get install them as root)"; fi; \
	fi

report: $(STAMP)
	$(BIN)/house-edge report

test: $(STAMP) $(ORCH_STAMP) $(METRICS_STAMP) system-deps postgres
	$(BIN)/ruff check house_edge pytests benchmarks
	$(BIN)/python -m pytest -n 2 --ignore=pytests/test_spark_equality.py

sample: $(STAMP)
	$(BIN)/house-edge simulate --out data/sample

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench --scale $(SCALE) $(BENCH_ARGS)

# Venue-format loaders (issue 6): rows/s per format on a >= 5M-record file each.
ROWS ?= 5000000
.PHONY: bench-formats
bench-formats: $(STAMP)
	$(BIN)/python -m benchmarks.bench_formats --rows $(ROWS)

calibrate: $(STAMP)
	$(BIN)/house-edge calibrate

docs: $(STAMP)
	$(BIN)/dbt docs generate --profiles-dir . --project-dir .

lint: $(STAMP)
	$(BIN)/ruff check house_edge pytests benchmarks

# Re-resolve the pinned stack (needs the package registry) and rewrite constraints.txt.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e ".[dev]"
	.lock-venv/bin/python -m pip freeze --exclude-editable > constraints.txt
	rm -rf .lock-venv

# --- issue 7: PostgreSQL server for `house-edge serve` and its tests (Debian package) ---
# Idempotent: installs only when no /usr/lib/postgresql/*/bin/postgres exists. Needs root (CI is).
# `house-edge serve` starts the server itself (as the `postgres` OS user when run as root).
.PHONY: postgres serve bench-bi
postgres:
	@if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing PostgreSQL (apt-get install postgresql)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends postgresql >/dev/null; \
	else echo "PostgreSQL server missing: run 'sudo apt-get install postgresql' (or make postgres as root)" >&2; exit 1; fi
	@ls /usr/lib/postgresql/*/bin/postgres >/dev/null

serve: $(STAMP) postgres
	$(BIN)/house-edge serve

# p50/p95 latency of the headline mart queries, directly and through the endpoint.
# BI_WAREHOUSE=bench_out/scale_1/warehouse/house_edge.duckdb after `make bench SCALE=1`.
BI_WAREHOUSE ?= warehouse/house_edge.duckdb
bench-bi: $(STAMP) postgres
	$(BIN)/python -m benchmarks.bench_bi --warehouse $(BI_WAREHOUSE)

clean:
	rm -rf target logs warehouse/.build warehouse/.incremental bench_out

# --- scheduled runs and incremental loads (issue 8) ------------------------------------------
# The orchestration extra (dagster, dagster-dbt, dagster-webserver; pins in constraints.txt) is
# optional for users and installed for `make test`, which covers the Dagster job.
$(ORCH_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,orchestration]"
	touch $(ORCH_STAMP)

# The metrics extra (dbt-metricflow 0.15: `mf query`; pins in constraints.txt) is optional for
# users and installed for `make test`, which checks every metric against its mart.
$(METRICS_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,metrics]"
	touch $(METRICS_STAMP)

# The hourly/daily job without Dagster, with a lock (see scripts/scheduled_run.sh for cron).
scheduled-run: $(STAMP)
	scripts/scheduled_run.sh

# Dagster UI and daemon on a fresh checkout: the dbt manifest is prepared on load (dbt parse).
dagster: $(ORCH_STAMP)
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000

# Append one more hour of liquidations vs a full rebuild (SCALE=1: >= 2M liquidations).
bench-incremental: $(STAMP)
	$(BIN)/python -m benchmarks.bench_incremental --scale $(SCALE)

# --- the dashboard (issue 19): Apache Superset, defined in dashboard/superset/ ----------------
# Superset gets its own virtual environment (it pins pandas 2.1, numpy 1.26, SQLAlchemy 1.4:
# /work/shared/ECOSYSTEM.md), with the versions measured in dashboard/superset/constraints.txt.
#   make dashboard          publish the warehouse if missing, install Superset, import the dashboard
#   make dashboard-serve    ... and serve it on http://127.0.0.1:$(DASHBOARD_PORT)/superset/dashboard/house-edge/
#   make test-dashboard     install what the test needs, run pytests/test_dashboard.py
SUPERSET_VENV ?= .venv-superset
# measured on Python 3.11 (its pins have no wheels for 3.13: numpy 1.26)
SUPERSET_PYTHON ?= $(PYTHON)
SUPERSET_STAMP := $(SUPERSET_VENV)/.installed
DASHBOARD_WAREHOUSE ?= warehouse/house_edge.duckdb
DASHBOARD_HOME ?= warehouse/dashboard
DASHBOARD_PORT ?= 8088
DASHBOARD_ENV = HOUSE_EDGE_DASHBOARD_HOME=$(abspath $(DASHBOARD_HOME)) \
                SUPERSET_CONFIG_PATH=$(abspath dashboard/superset/superset_config.py)
.PHONY: dashboard dashboard-serve test-dashboard

$(SUPERSET_STAMP): dashboard/superset/constraints.txt
	test -x $(SUPERSET_VENV)/bin/python || $(SUPERSET_PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SUPERSET_VENV)/bin/python -m pip install --quiet -c dashboard/superset/constraints.txt \
	  apache-superset duckdb duckdb-engine rich cachetools flask-caching
	touch $(SUPERSET_STAMP)

$(DASHBOARD_WAREHOUSE): | $(STAMP)
	$(BIN)/house-edge build --warehouse-dir $(dir $(DASHBOARD_WAREHOUSE))

dashboard: $(SUPERSET_STAMP) $(DASHBOARD_WAREHOUSE)
	$(DASHBOARD_ENV) $(SUPERSET_VENV)/bin/python dashboard/superset/house_edge_dashboard.py \
	  build --warehouse $(DASHBOARD_WAREHOUSE)

dashboard-serve: dashboard
	$(DASHBOARD_ENV) $(SUPERSET_VENV)/bin/python dashboard/superset/house_edge_dashboard.py \
	  serve --port $(DASHBOARD_PORT)

test-dashboard: $(STAMP) $(SUPERSET_STAMP) system-deps
	$(BIN)/python -m pytest pytests/test_dashboard.py -s
# --- Apache Spark target (issue 18; README "Running on Spark") ----------------------------------
# The spark extra (dbt-spark[session] + pyspark, ~630 MB with Spark's jars; pins in
# constraints.txt) is optional for users; make test-spark installs it, and Java 17 when missing.
$(SPARK_STAMP): $(STAMP) pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,spark]"
	touch $(SPARK_STAMP)

# Java for Spark: Debian's openjdk-17 (bookworm has no 21), installed only when no java is found.
java:
	@if command -v java >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Java (apt-get install openjdk-17-jre-headless)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends openjdk-17-jre-headless >/dev/null; \
	else echo "Java missing: run 'sudo apt-get install openjdk-17-jre-headless' (or make java as root)" >&2; exit 1; fi
	@java -version 2>&1 | head -1

# Builds the committed sample on DuckDB and on Spark (dbt build: seeds, models, data and unit
# tests) and checks every mart is equal (pytests/test_spark_equality.py). ~5 min on 2 cores.
# Then one build through the publish gate with pyspark installed: GX probes pyspark, whose Spark
# Connect module calls sys.exit(0) on import without its gRPC packages (the gate must still run).
test-spark: $(SPARK_STAMP) java
	$(BIN)/python -m pytest pytests/test_spark_equality.py \
	  pytests/test_publish.py::test_build_publishes_marts_queryable_as_marts_schema
