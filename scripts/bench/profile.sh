#!/usr/bin/env bash
# Profile of extraction: callgrind (instruction counts, so the result does not depend on
# machine load) on the `dump` example over one file repeated N times (default: the corpus's
# Canon_40D.jpg, 200 times, so that extraction outweighs start-up). Prints the top functions
# by self cost and by inclusive cost.
#
#   bash scripts/bench/profile.sh [FILE] [N]
# Environment: CARGO_TARGET_DIR (default ./target).
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
FILE=${1:-$ROOT/../shared/corpus/exif-samples/jpg/Canon_40D.jpg}
N=${2:-200}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build --release -q -p metacore --example dump
OUT=$(mktemp /tmp/callgrind.XXXXXX)
args=()
for _ in $(seq 1 "$N"); do args+=("$FILE"); done
valgrind --tool=callgrind --callgrind-out-file="$OUT" "$TARGET/release/examples/dump" "${args[@]}" >/dev/null 2>"$OUT.log"
echo "== self cost (instructions), top 25"
callgrind_annotate --threshold=100 "$OUT" 2>/dev/null | sed 's|/rustc/[0-9a-f]*/library/||; s|/root/.cargo/registry/src/[^/]*/||' | sed -n '/^Ir/,$p' | head -32 || true
echo "== inclusive cost, top 25"
callgrind_annotate --inclusive=yes --threshold=100 "$OUT" 2>/dev/null | sed 's|/rustc/[0-9a-f]*/library/||; s|/root/.cargo/registry/src/[^/]*/||' | sed -n '/^Ir/,$p' | head -32 || true
rm -f "$OUT" "$OUT.log"
