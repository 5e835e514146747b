#!/usr/bin/env bash
# Browser tests of the web page (/) and the API reference (/docs) in headless Chromium.
# Installs Debian's chromium and chromium-driver when missing, and playwright-core (which
# never downloads a browser: the tests launch /usr/bin/chromium), builds and starts the
# gateway on a free port with a temporary DATA_DIR and key, runs tests/browser/web.test.mjs
# with node's test runner, and stops the gateway. Screenshots and the downloaded file go
# to tests/artifacts/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

log() { printf '\n== %s\n' "$*"; }

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  log "installing chromium and chromium-driver"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "installing nodejs and npm"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
fi

log "npm ci (tests/browser)"
(
  cd tests/browser
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
)

log "cargo build -p gateway"
cargo build -p gateway
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
GATEWAY=$TARGET_DIR/debug/gateway

PORT=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
DATA_DIR=$(mktemp -d)
KEY="browser-test-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
ARTIFACTS=$ROOT/tests/artifacts/browser
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"

log "starting the gateway on 127.0.0.1:$PORT"
LISTEN_ADDR=127.0.0.1:$PORT DATA_DIR=$DATA_DIR API_KEYS=$KEY RUST_LOG=${RUST_LOG:-warn} \
  "$GATEWAY" >"$ARTIFACTS/gateway.log" 2>&1 &
GATEWAY_PID=$!
cleanup() {
  kill "$GATEWAY_PID" 2>/dev/null || true
  wait "$GATEWAY_PID" 2>/dev/null || true
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
    echo "the gateway exited:"; cat "$ARTIFACTS/gateway.log"; exit 1
  fi
  sleep 0.2
done

SAMPLE=$ROOT/../shared/corpus/exif-samples/jpg/gps/DSCN0010.jpg
[ -f "$SAMPLE" ] || SAMPLE=""   # the test then makes a JPEG with GPS itself

log "node --test tests/browser"
cd tests/browser
BASE_URL="http://127.0.0.1:$PORT" API_KEY=$KEY ARTIFACTS=$ARTIFACTS SAMPLE_JPEG=$SAMPLE \
  CHROMIUM=$(command -v chromium) node --test --test-concurrency=1 web.test.mjs
