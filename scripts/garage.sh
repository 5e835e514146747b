#!/usr/bin/env bash
# Starts a single-node Garage S3 server for tests and CI (idempotent).
#
#   scripts/garage.sh            install if missing, start if not running, wait for S3
#   scripts/garage.sh stop       stop it
#
# Writes $GARAGE_STATE/s3.env with the variables the services read (S3_ENDPOINT,
# S3_BUCKET, S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); source it.
set -euo pipefail

STATE=${GARAGE_STATE:-/tmp/metadata-garage}
S3_PORT=${GARAGE_S3_PORT:-3900}
RPC_PORT=${GARAGE_RPC_PORT:-3901}
BUCKET=${GARAGE_BUCKET:-metadata-test}
GARAGE=${GARAGE_BIN:-$(command -v garage || echo "$HOME/.cargo/bin/garage")}

mkdir -p "$STATE/meta" "$STATE/data"
PIDFILE="$STATE/garage.pid"

running() {
    [[ -f $PIDFILE ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

if [[ ${1:-} == stop ]]; then
    if running; then kill "$(cat "$PIDFILE")"; fi
    rm -f "$PIDFILE"
    exit 0
fi

if [[ ! -x $GARAGE ]]; then
    # Another process may be installing it already (a shared machine): wait for it.
    if pgrep -f "cargo install garage" >/dev/null; then
        echo "garage.sh: waiting for a running 'cargo install garage'..." >&2
        while pgrep -f "cargo install garage" >/dev/null; do sleep 10; done
    fi
    if [[ ! -x $GARAGE ]]; then
        echo "garage.sh: installing garage (about 12 minutes on 2 cores)..." >&2
        cargo install garage --locked
    fi
    GARAGE=$HOME/.cargo/bin/garage
fi

# Secrets: made once per state directory, kept in it.
if [[ ! -f $STATE/secrets ]]; then
    {
        echo "RPC_SECRET=$(openssl rand -hex 32)"
        echo "ACCESS_KEY=GK$(openssl rand -hex 12)"
        echo "SECRET_KEY=$(openssl rand -hex 32)"
    } >"$STATE/secrets"
    chmod 600 "$STATE/secrets"
fi
# shellcheck disable=SC1091
source "$STATE/secrets"

cat >"$STATE/garage.toml" <<TOML
metadata_dir = "$STATE/meta"
data_dir = "$STATE/data"
db_engine = "sqlite"
# JPEGs, videos and PDFs do not compress: zstd would only spend CPU (its default is level 1).
compression_level = "none"
replication_factor = 1
rpc_bind_addr = "127.0.0.1:$RPC_PORT"
rpc_public_addr = "127.0.0.1:$RPC_PORT"
rpc_secret = "$RPC_SECRET"
[s3_api]
s3_region = "garage"
api_bind_addr = "127.0.0.1:$S3_PORT"
root_domain = ".s3.garage.localhost"
TOML

if ! running; then
    GARAGE_DEFAULT_ACCESS_KEY=$ACCESS_KEY GARAGE_DEFAULT_SECRET_KEY=$SECRET_KEY \
        GARAGE_DEFAULT_BUCKET=$BUCKET RUST_LOG=${GARAGE_LOG:-warn} \
        nohup "$GARAGE" -c "$STATE/garage.toml" server --single-node --default-bucket \
        >>"$STATE/garage.log" 2>&1 &
    echo $! >"$PIDFILE"
fi

# Wait until S3 answers (any HTTP status: unsigned requests get 403).
for _ in $(seq 1 120); do
    if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3_PORT/" | grep -qv '^000$'; then
        break
    fi
    if ! running; then
        echo "garage.sh: garage exited; see $STATE/garage.log" >&2
        tail -20 "$STATE/garage.log" >&2 || true
        exit 1
    fi
    sleep 0.5
done

cat >"$STATE/s3.env" <<ENV
S3_ENDPOINT=http://127.0.0.1:$S3_PORT
S3_BUCKET=$BUCKET
S3_REGION=garage
AWS_ACCESS_KEY_ID=$ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$SECRET_KEY
ENV
echo "$STATE/s3.env"
