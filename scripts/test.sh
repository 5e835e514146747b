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

log "cargo fmt --check"
cargo fmt --all --check

log "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

log "tests (embedded mode)"
cargo nextest run --workspace --no-fail-fast
