#!/usr/bin/env bash
# Instructions per camera JPEG (callgrind, repeatable): the `dump` example in `--service` mode
# over the corpus's camera JPEGs (`jpg/*.jpg`, not the sub-folders, as the `corpus` group of
# `benches/extract.rs` uses), each file REPS times (default 3) in one run; prints the
# whole run's instructions divided by the number of files processed.
#
#   bash scripts/bench/camera_instr.sh [REPS]
# Environment: CARGO_TARGET_DIR (default ./target); KEEP=1 keeps the callgrind output file;
# NOBUILD=1 skips the cargo build.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
REPS=${1:-3}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
DIR=$ROOT/../shared/corpus/exif-samples/jpg
[ -d "$DIR" ] || DIR=/work/shared/corpus/exif-samples/jpg
[ -n "${NOBUILD:-}" ] || cargo build --release -q -p metacore --example dump
mapfile -t files < <(find "$DIR" -maxdepth 1 -type f -iname '*.jpg' | LC_ALL=C sort)
args=()
for _ in $(seq 1 "$REPS"); do args+=("${files[@]}"); done
OUT=$(mktemp /tmp/callgrind.XXXXXX)
valgrind --tool=callgrind --callgrind-out-file="$OUT" "$TARGET/release/examples/dump" --service "${args[@]}" >/dev/null 2>"$OUT.log"
total=$(grep -E '^(summary|totals):' "$OUT" | head -1 | awk '{print $2}')
n=${#args[@]}
echo "files: ${#files[@]} x $REPS = $n; total instructions: $total; per file: $((total / n))"
if [ "${KEEP:-}" = 1 ]; then echo "callgrind output: $OUT"; else rm -f "$OUT"; fi
rm -f "$OUT.log"
