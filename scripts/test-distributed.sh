#!/usr/bin/env bash
# Runs the black-box API suite (and the fault tests of tests/tests/distributed.rs) against
# the distributed deployment: 2 gateway + 3 worker processes per test, on the machine's
# RabbitMQ (127.0.0.1:5672) and Redis (127.0.0.1:6379) and on a local Garage S3 server.
#
#   scripts/test-distributed.sh [extra nextest args]
#
# API_TEST_RESTART_BACKENDS=1 (the default when CI=true) also runs the tests that restart
# RabbitMQ (and Redis); they start them again before they end.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -p gateway -p worker
# An S3 server given in the environment (S3_ENDPOINT, S3_BUCKET, S3_REGION, AWS_*) is used
# as it is; otherwise a local Garage is started (installed first if missing).
if [[ -z ${S3_ENDPOINT:-} ]]; then
    S3_ENV=$(scripts/garage.sh)
    set -a
    # shellcheck disable=SC1090
    source "$S3_ENV"
    set +a
fi

# Each test has its own queue and key prefix; let queues of past runs expire.
export API_TEST_MODE=distributed
if [[ ${CI:-} == true ]]; then
    export API_TEST_RESTART_BACKENDS=${API_TEST_RESTART_BACKENDS:-1}
fi
# The backend-restart tests must not overlap other tests that need the backends, nor each
# other: they run after the rest, one at a time.
RESTARTS='test(rabbitmq_and_redis_restarts_heal_without_restarting_services) | test(a_job_answered_202_survives_a_broker_restart)'
rc=0
cargo nextest run -p api-tests --no-fail-fast -E "not ($RESTARTS)" "$@" || rc=$?
if [[ ${API_TEST_RESTART_BACKENDS:-} == 1 ]]; then
    cargo nextest run -p api-tests --no-fail-fast --test-threads 1 -E "$RESTARTS" "$@" || rc=$?
fi
exit $rc
