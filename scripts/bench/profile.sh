#!/usr/bin/env bash
# Profile of extraction: callgrind (instruction counts, so the result does not depend on
# machine load) on the `dump` example in `--service` mode (extract + the JSON text written by
# the metadata's `Serialize` impl, as the service does) over one file repeated N times
# (default: the corpus's Canon_40D.jpg, 200 times, so that extraction outweighs start-up).
# Prints the instructions per file of `metacore::extract` and of the JSON step, then the top
# functions by self cost and by inclusive cost.
#
#   bash scripts/bench/profile.sh [FILE] [N]
# Environment: CARGO_TARGET_DIR (default ./target); KEEP=1 keeps the callgrind output file.
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
valgrind --tool=callgrind --callgrind-out-file="$OUT" "$TARGET/release/examples/dump" --service "${args[@]}" >/dev/null 2>"$OUT.log"
clean() { sed 's|/rustc/[0-9a-f]*/library/||; s|/root/.cargo/registry/src/[^/]*/||'; }
INCL=$(callgrind_annotate --inclusive=yes --threshold=100 "$OUT" 2>/dev/null | clean)
per_file() { # $1: function name pattern; prints instructions per file
    echo "$INCL" | grep -E "$1" | awk -v n="$N" '{gsub(",", "", $1); if ($1 > m) m = $1} END {printf "%.0f", m / n}'
}
echo "== instructions per file ($N runs of $(basename "$FILE")): whole run $(per_file 'PROGRAM TOTALS'), metacore::extract $(per_file 'src/lib.rs:metacore::extract( \[|$)'), JSON text $(per_file 'Metadata as serde_core::ser::Serialize>::serialize \[')"
echo "== self cost (instructions), top 25"
callgrind_annotate --threshold=100 "$OUT" 2>/dev/null | clean | sed -n '/^Ir/,$p' | head -32 || true
echo "== inclusive cost, top 25"
echo "$INCL" | sed -n '/^Ir/,$p' | head -32 || true
if [ "${KEEP:-}" = 1 ]; then echo "callgrind output: $OUT"; else rm -f "$OUT"; fi
rm -f "$OUT.log"
