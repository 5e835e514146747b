#!/usr/bin/env bash
# The project's test command (README, CI). Installs what the tests need that a fresh
# machine lacks, then runs formatting, lints and every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

if ! command -v cargo-nextest >/dev/null 2>&1; then
  log "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

need_apt=()
command -v exiftool >/dev/null 2>&1 || need_apt+=(libimage-exiftool-perl)
command -v convert >/dev/null 2>&1 && convert -version 2>/dev/null | grep -q ImageMagick || need_apt+=(imagemagick)
command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

log "docker-compose.yml is accepted by docker-compose config"
docker-compose -f docker-compose.yml config -q

log "cargo fmt --check"
cargo fmt --all --check

log "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

log "tests (embedded mode)"
cargo nextest run --workspace --no-fail-fast

log "tests (distributed mode: 2 gateways + 3 workers on RabbitMQ, Redis and Garage; fault tests)"
bash scripts/test-distributed.sh

log "short fuzz run (every parser and stripper, mutated seeds)"
cargo run -q -p metacore-fuzz -- --seconds 2

log "strippers on the corpus, checked with ExifTool and ImageMagick"
python3 scripts/check_strip_corpus.py

log "browser tests (web page and API reference)"
bash scripts/browser-test.sh
