#!/usr/bin/env bash
# Memory bench: the gateway's peak RSS while it cleans a 2 GiB file (target < 128 MiB).
#
#   bash scripts/bench/memory.sh [--size-mib N] [--jpeg] [--keep] [--distributed]
#
# Builds a sparse 2 GiB MP4 (ftyp, a 2 GiB mdat of zeros, then moov with a GPS/date udta and
# a track whose chunk offsets point into the mdat) with Python, and with --jpeg also a
# JPEG-shaped one (EXIF/XMP segments, then 2 GiB of "entropy-coded" zeros); starts the
# embedded gateway (release build, MAX_UPLOAD_BYTES=3 GiB, RUST_LOG=warn), uploads each file
# to /api/v1/remove with curl (streamed: -F file=@...), downloads the cleaned file, and
# reports the gateway's VmHWM (peak RSS) plus the peaks of RssAnon / RssFile sampled every
# 100 ms, and /proc/PID/smaps_rollup after the run (anonymous vs file-backed pages).
# --distributed: the same uploads through 1 gateway + 1 worker on the machine's RabbitMQ and
# Redis and a local Garage (scripts/garage.sh), with a queue and key prefix of their own:
# the gateway stages the upload in S3, the worker fetches it, cleans it and stores the
# cleaned file there; the gateway streams the download. Reports both processes' peaks.
# Environment: CARGO_TARGET_DIR (default ./target), GW_PORT (18090).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SIZE_MIB=2048
JPEG=0
KEEP=0
MODE=embedded
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) SIZE_MIB=$2; shift 2 ;;
    --jpeg) JPEG=1; shift ;;
    --keep) KEEP=1; shift ;;
    --distributed) MODE=distributed; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
GW_PORT=${GW_PORT:-18090}
KEY=bench-key-$$
log() { printf '== %s\n' "$*" >&2; }

log "building the gateway and worker (release)"
cargo build --release -q -p gateway -p worker

WORK=$(mktemp -d /tmp/bench-mem.XXXXXX)
GW_PID=
WK_PID=
SAMPLER=
cleanup() {
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  for p in $GW_PID $WK_PID; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log "building the input files ($SIZE_MIB MiB, sparse)"
python3 - "$WORK" "$SIZE_MIB" "$JPEG" <<'EOF'
import struct, sys
work, size_mib, jpeg = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
N = size_mib * 1024 * 1024

def box(kind, body):
    return struct.pack(">I", 8 + len(body)) + kind + body

def full(kind, version, flags, body):
    return box(kind, struct.pack(">I", (version << 24) | flags) + body)

# MP4: ftyp, mdat (N bytes of zeros, sparse), moov at the end.
ftyp = box(b"ftyp", b"isom\0\0\x02\0isomiso2mp41")
mdat_start = len(ftyp) + 8
chunks = 1000
step = N // chunks
stco = struct.pack(">I", chunks) + b"".join(struct.pack(">I", mdat_start + i * step) for i in range(chunks))
stsz = struct.pack(">II", 0, chunks) + struct.pack(">I", step) * chunks
stsc = struct.pack(">IIII", 1, 1, 1, 1)
stbl = box(b"stbl", full(b"stsd", 0, 0, struct.pack(">I", 0)) + full(b"stsc", 0, 0, stsc)
           + full(b"stsz", 0, 0, stsz) + full(b"stco", 0, 0, stco))
hdlr = b"\0\0\0\0vide" + b"\0" * 13
mdia = box(b"mdia", full(b"mdhd", 0, 0, b"\0" * 20) + full(b"hdlr", 0, 0, hdlr) + box(b"minf", stbl))
trak = box(b"trak", full(b"tkhd", 0, 3, b"\0" * 80) + mdia)
udta = box(b"udta", box(b"\xa9xyz", b"\0\x12\x15\xc7+48.8584+002.2945/")
           + box(b"\xa9day", b"\0\x0a\x15\xc72024-01-02"))
moov = box(b"moov", full(b"mvhd", 0, 0, b"\0" * 96) + udta + trak)
with open(f"{work}/big.mp4", "wb") as f:
    f.write(ftyp)
    f.write(struct.pack(">I", 8 + N) + b"mdat")
    f.seek(N, 1)
    f.write(moov)

if jpeg:
    def seg(marker, payload):
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    exif = (b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x0f\0\x02\0\0\0\x05ACME\0\0\0\0\0\0\0")
    head = (b"\xff\xd8" + seg(0xE0, b"JFIF\0\x01\x02\x01\0\x48\0\x48\0\0") + seg(0xE1, exif)
            + seg(0xFE, b"a comment") + seg(0xDB, b"\0" * 65)
            + seg(0xC0, bytes([8, 0x07, 0xD0, 0x09, 0xC4, 1, 1, 0x11, 0]))
            + seg(0xC4, b"\0" * 20) + seg(0xDA, bytes([1, 1, 0, 0, 63, 0])))
    with open(f"{work}/big.jpg", "wb") as f:
        f.write(head)
        f.seek(N, 1)
        f.write(b"\xff\xd9")
EOF
ls -ls "$WORK"/big.* >&2

export MAX_UPLOAD_BYTES=$((3 * 1024 * 1024 * 1024)) WAIT_TIMEOUT_SECS=600 RUST_LOG=warn
if [ "$MODE" = distributed ]; then
  log "starting Garage and a worker (distributed mode)"
  s3env=$(bash "$ROOT/scripts/garage.sh")
  set -a
  # shellcheck disable=SC1090
  source "$s3env"
  AMQP_URL=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}
  REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/}
  QUEUE_NAME=bench-mem-$$-$RANDOM
  REDIS_PREFIX=bench-mem-$$-$RANDOM:
  set +a
  METRICS_ADDR=127.0.0.1:0 "$TARGET/release/worker" >"$WORK/worker.log" 2>&1 &
  WK_PID=$!
  sleep 1
  kill -0 "$WK_PID" 2>/dev/null || { cat "$WORK/worker.log" >&2; exit 1; }
fi
log "starting the gateway ($MODE)"
mkdir -p "$WORK/data"
DATA_DIR=$WORK/data API_KEYS=$KEY LISTEN_ADDR=127.0.0.1:$GW_PORT \
  "$TARGET/release/gateway" >"$WORK/gateway.log" 2>&1 &
GW_PID=$!
for _ in $(seq 1 200); do
  curl -fs -o /dev/null "http://127.0.0.1:$GW_PORT/healthz" && break
  kill -0 "$GW_PID" 2>/dev/null || { cat "$WORK/gateway.log" >&2; exit 1; }
  sleep 0.1
done
status() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/${2:-$GW_PID}/status"; }
log "gateway pid $GW_PID, RSS at start $(status VmRSS) KiB"
[ -n "$WK_PID" ] && log "worker pid $WK_PID, RSS at start $(status VmRSS "$WK_PID") KiB"

# Sampler: peaks of RssAnon and RssFile per process (VmHWM only gives their sum's peak).
(
  declare -A a f
  while kill -0 "$GW_PID" 2>/dev/null; do
    for p in $GW_PID $WK_PID; do
      ra=$(status RssAnon "$p"); rf=$(status RssFile "$p")
      [ "${ra:-0}" -gt "${a[$p]:-0}" ] && a[$p]=$ra
      [ "${rf:-0}" -gt "${f[$p]:-0}" ] && f[$p]=$rf
      echo "${a[$p]:-0} ${f[$p]:-0}" >"$WORK/peaks.$p"
    done
    sleep 0.1
  done
) &
SAMPLER=$!

FILES=("$WORK/big.mp4")
[ "$JPEG" = 1 ] && FILES+=("$WORK/big.jpg")
REPORT=()
BAD_STATUS=0
for f in "${FILES[@]}"; do
  name=$(basename "$f")
  log "uploading $name to /api/v1/remove"
  t0=$(date +%s.%N)
  resp=$(curl -sS -X POST "http://127.0.0.1:$GW_PORT/api/v1/remove" -H "X-API-Key: $KEY" \
    -F "file=@$f" -w '\n%{http_code}')
  t1=$(date +%s.%N)
  code=$(tail -n1 <<<"$resp")
  body=$(sed '$d' <<<"$resp")
  echo "  HTTP $code: $body" >&2
  url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("downloadUrl",""))' "$body" 2>/dev/null || true)
  out_size=-
  if [ -n "$url" ]; then
    curl -sS -o "$WORK/cleaned-$name" "$url"
    out_size=$(stat -c %s "$WORK/cleaned-$name")
    rm -f "$WORK/cleaned-$name"
  fi
  REPORT+=("$name: in $(stat -c %s "$f") B, HTTP $code, cleaned $out_size B, upload+clean $(python3 -c "print(f'{$t1-$t0:.1f}')") s, VmHWM so far $(status VmHWM) KiB${WK_PID:+, worker $(status VmHWM "$WK_PID") KiB}")
  [ "$code" = 200 ] || BAD_STATUS=1
done
sleep 0.3
echo
echo "Memory bench ($SIZE_MIB MiB inputs, $MODE mode), $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in "${REPORT[@]}"; do echo "  $r"; done
FAILED=0
for pair in "gateway $GW_PID" ${WK_PID:+"worker $WK_PID"}; do
  read -r name pid <<<"$pair"
  read -r PEAK_ANON PEAK_FILE <"$WORK/peaks.$pid"
  HWM=$(status VmHWM "$pid")
  met=met
  [ "$HWM" -lt $((128 * 1024)) ] || { met="NOT met"; FAILED=1; }
  echo "  $name VmHWM (peak RSS): $HWM KiB = $((HWM / 1024)) MiB (target < 128 MiB: $met)"
  echo "  $name sampled peaks (100 ms): RssAnon $((PEAK_ANON / 1024)) MiB, RssFile $((PEAK_FILE / 1024)) MiB"
  echo "  $name smaps_rollup after the run:"
  grep -E '^(Rss|Pss_Anon|Pss_File|Anonymous|Private_Dirty|Shared_Clean|Private_Clean)' "/proc/$pid/smaps_rollup" | sed 's/^/    /'
done
[ "$BAD_STATUS" = 0 ] || echo "  an upload did not answer 200: see $WORK/gateway.log" >&2
[ "$FAILED" = 0 ] && [ "$BAD_STATUS" = 0 ]
