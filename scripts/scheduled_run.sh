#!/usr/bin/env bash
# House Edge scheduled run for cron (the same job as the Dagster schedules, without Dagster):
# source freshness, incremental dbt build, the publish gate, atomic publish.
#
#   # every hour at minute 5, live captures (README, "Scheduled runs"):
#   5 * * * *  cd /srv/house-edge && HOUSE_EDGE_RAW_LIQUIDATIONS='/data/captures/liquidations_*.parquet' scripts/scheduled_run.sh >> warehouse/scheduled.log 2>&1
#
# A lock (flock on warehouse/.scheduled_run.lock, or HOUSE_EDGE_LOCK_FILE) makes sure two runs
# never overlap: a run that finds the lock taken exits at once with status 75 and says so.
# Any failure (a malformed raw file, a dbt error or failed dbt test, a failed publish-gate
# expectation) exits non-zero with a message saying what failed; the published warehouse is
# then left untouched. Extra arguments go to `house-edge scheduled-run` (e.g. --full-refresh).
set -euo pipefail

cd "$(dirname "$0")/.."
lock_file="${HOUSE_EDGE_LOCK_FILE:-warehouse/.scheduled_run.lock}"
mkdir -p "$(dirname "$lock_file")"
exec 9>"$lock_file"
if ! flock --nonblock 9; then
  echo "$(date -u +%FT%TZ) house-edge scheduled run SKIPPED: another run holds $lock_file" >&2
  exit 75
fi

echo "$(date -u +%FT%TZ) house-edge scheduled run started"
status=0
"${HOUSE_EDGE_BIN:-.venv/bin}/house-edge" scheduled-run "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "$(date -u +%FT%TZ) house-edge scheduled run FAILED (exit $status): see the message above; the published warehouse was not changed" >&2
  exit "$status"
fi
echo "$(date -u +%FT%TZ) house-edge scheduled run finished"
