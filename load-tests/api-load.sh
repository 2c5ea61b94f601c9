#!/usr/bin/env bash
# API load test: starts the Hub simulator (1,000 small repos of load-tests/specs/api-load.json), s3proxy and the
# packaged service on loopback, then runs the Gatling simulation dev.hubmirror.load.MirrorApiSimulation
# (load-tests/gatling/java, Maven profile -Pload): many virtual users submit model lists at once and poll their
# jobs to completion. Prints jobs per minute, submit latency p50/p99 and errors, and Gatling's global figures.
#
# Usage: load-tests/api-load.sh [--users N] [--submissions N] [--repos-per-submission N] [--ramp-seconds N]
#                               [--out DIR]
#   defaults: 50 users over 10 s, 4 submissions each of 5 repos = 1,000 jobs, each repo requested once.
# Environment: BENCH_BUDGET, BENCH_JAVA_OPTS, BENCH_AUTH=off, BENCH_API_KEY/BENCH_API_ROLE as for bench.sh; any
# MIRROR_* variable (e.g. MIRROR_JOBS_CONCURRENCY) reaches the service. Gatling needs its artifacts in ~/.m2: the
# first run without a populated ~/.m2 needs Maven Central (LOAD_MVN_OFFLINE=false).
set -euo pipefail
# shellcheck source=load-tests/lib.sh
source "$(dirname "$0")/lib.sh"

USERS=50
SUBMISSIONS=4
PER=5
RAMP=10
OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --users) USERS="$2"; shift 2 ;;
        --submissions) SUBMISSIONS="$2"; shift 2 ;;
        --repos-per-submission) PER="$2"; shift 2 ;;
        --ramp-seconds) RAMP="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
if [ -z "$OUT" ]; then
    OUT="$(mktemp -d "$([ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/hub-mirror-api-load.XXXXXX")"
fi
mkdir -p "$OUT"
WORK="$OUT"
trap stop_started EXIT
trap 'exit 130' INT TERM

require_tools
ensure_built
repos="$(grep -c '"id":"load/repo-' "$ROOT/load-tests/specs/api-load.json")"
[ $((USERS * SUBMISSIONS * PER)) -le "$repos" ] \
    || log "note: $((USERS * SUBMISSIONS * PER)) repo requests for $repos repos: later ones skip files already mirrored"
start_sim "$ROOT/load-tests/specs/api-load.json" "$OUT/sim.log"
start_s3proxy "$OUT/s3" "$OUT/s3proxy.log"
start_service "s3://$S3_BUCKET/weights" "$OUT/service.log"
key="$SVC_KEY"

offline=(-o)
[ "${LOAD_MVN_OFFLINE:-true}" = true ] || offline=()
log "Gatling: $USERS users over $RAMP s, $SUBMISSIONS submissions each of $PER repos; load average $(loadavg)"
cpu0="$(cpu_seconds "$SVC_PID")"
cd "$ROOT"
set +e
./mvnw -B -ntp "${offline[@]}" -Pload test-compile gatling:test -Dcheckstyle.skip \
    -Dload.baseUrl="$SVC_URL" -Dload.apiKey="$key" \
    -Dload.users="$USERS" -Dload.submissionsPerUser="$SUBMISSIONS" -Dload.reposPerSubmission="$PER" \
    -Dload.rampSeconds="$RAMP" -Dload.repoCount="$repos" -Dload.summary="$OUT/summary.txt" >"$OUT/gatling.log" 2>&1
rc=$?
set -e
cpu1="$(cpu_seconds "$SVC_PID")"
log "load average at the end $(loadavg); Gatling exit code $rc; its output: $OUT/gatling.log"
report="$(find "$ROOT/target/load/gatling" -maxdepth 1 -name 'mirrorapisimulation-*' 2>/dev/null | sort | tail -1)"
[ -f "$OUT/summary.txt" ] || die "the simulation wrote no summary (see $OUT/gatling.log)"

sed 's/^/- /' "$OUT/summary.txt"
echo
echo "Gatling's global figures (submit and poll requests together):"
echo
awk '/---- Global Information/ { on = 1; block = "" } on { block = block $0 "\n" } on && /^====/ { on = 0 } END { printf "%s", block }' \
    "$OUT/gatling.log" | grep -E 'request count|percentile|mean throughput|max response' | sed 's/^> /    /'
echo
echo "- service CPU during the test: $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", b - a }') s, peak RSS since start: $(awk -v k="$(hwm_kib "$SVC_PID")" 'BEGIN { printf "%.0f", k / 1024 }') MiB"
echo "- Gatling report: ${report:-none}/index.html"
exit "$rc"
