#!/usr/bin/env bash
# Schemathesis against the live app (gunicorn, two workers, the demo catalogue) with a test
# key holding every scope, over the whole OpenAPI document: no 5xx, every response conforms.
# Used by .ci/run; by hand: bash scripts/api_schemathesis.sh [port]
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:-5431}
tmp=$(mktemp -d -t htx-st.XXXXXX)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
export MARKET_INSTANCE_PATH="$tmp/instance" MARKET_DATABASE_URL="sqlite:///$tmp/st.db"
export MARKET_SECRET_KEY="schemathesis-secret-key-of-good-length" MARKET_DEMO=1
export MARKET_PUBLIC_BASE_URL="http://127.0.0.1:$port" RATELIMIT_DISABLED=1
export MARKET_RATELIMIT_DISABLED=1
.venv/bin/flask --app market db upgrade >/dev/null 2>&1
.venv/bin/flask --app market seed-demo >/dev/null
key=$(.venv/bin/flask --app market api-key-create --name schemathesis --rate-limit 100000)
PROMETHEUS_MULTIPROC_DIR="$tmp/prom" && mkdir -p "$tmp/prom" && export PROMETHEUS_MULTIPROC_DIR
.venv/bin/gunicorn --workers 2 --bind "127.0.0.1:$port" --log-level warning \
  'market:create_app()' &
server=$!
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 1
done
.venv/bin/schemathesis run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --header "Authorization: Bearer $key" --header "Idempotency-Key: schemathesis-ci-key-0001" \
  --max-examples "${ST_MAX_EXAMPLES:-30}" --exclude-checks positive_data_acceptance \
  --workers 2
