#!/usr/bin/env bash
# Output gate: writes `dump FILE` and `dump --service FILE` for every file of the corpus
# (and /work/fidelity-corpus if present) into DIR, one pair of files per input.
#   bash scripts/bench/gate_dump.sh DIR      then  diff -r BASELINE DIR
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
OUTDIR=$1
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/examples/dump
mkdir -p "$OUTDIR"
for base in /work/shared/corpus/exif-samples /work/fidelity-corpus; do
    [ -d "$base" ] || continue
    while IFS= read -r f; do
        key=$(echo "${f#/work/}" | tr '/' '_')
        "$BIN" "$f" >"$OUTDIR/$key.json" 2>"$OUTDIR/$key.err" || echo "exit $?" >>"$OUTDIR/$key.err"
        "$BIN" --service "$f" >"$OUTDIR/$key.service" 2>&1 || echo "exit $?" >>"$OUTDIR/$key.service"
    done < <(find "$base" -type f | LC_ALL=C sort)
done
