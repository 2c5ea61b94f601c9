#!/usr/bin/env bash
# Benchmarks hub-mirror (issue 10's targets) on this machine, on loopback: starts the Hub simulator (optionally behind
# a WAN-like link: a shared rate cap and a latency per request), s3proxy and the packaged service (one instance with
# an S3 store, one with a directory store on tmpfs), warms each service's JIT on a same-shape repo, then mirrors each
# scenario's repo and measures in the same run, next to it: curl reading the same files (limit-read), aws s3 cp
# --recursive of them from tmpfs (limit-write), the seed flow (curl per file to disk, then aws s3 sync) and a
# streaming baseline. Every measured flow starts only once the 1-minute load average is under --max-load.
# Prints a Markdown table of medians and issue 10's targets as met or missed (see load-tests/README.md).
#
# Usage: load-tests/bench.sh [--runs N] [--scenarios LIST] [--huge] [--flows LIST] [--wan-rate R] [--wan-latency T]
#                            [--max-load L] [--load-timeout S] [--warmup-runs N] [--jfr] [--nmt] [--out DIR] ...
#   --runs N           measured runs per scenario (default 3; medians; fewer than 3 is a smoke run)
#   --baseline-runs N  measure the baselines (limit-*, seed, stream) only in the first N runs (default: every run)
#   --scenarios LIST   1g (1 GiB, 4 LFS files), large (4 GiB), small (1,000 files), huge (40 GiB, service only),
#                      wan-large (the 1 GiB repo behind the WAN link), wan-small (the 1,000 files behind it);
#                      default 1g,wan-large,wan-small
#   --huge             also the 40 GiB model (s3proxy stores on disk: needs ~45 GB free under BENCH_DISK_DIR)
#   --flows LIST       service (Hub -> S3), dir (Hub -> directory on tmpfs), limit-read, limit-write (limit = both),
#                      seed, stream; default: every flow a scenario has except stream
#   --wan-rate R       link cap of the WAN scenarios, shared by all connections (default 60MiB; auto = the median
#                      limit-write MiB/s measured earlier in this invocation, i.e. about the store's write rate)
#   --wan-latency T    latency per request of the WAN scenarios, redirects included (default 40ms)
#   --max-load L       start a measured flow only when the 1-min load average is under L (default 1; off: no wait)
#   --load-timeout S   wait at most S seconds for that (default 900); a flow started above it is marked in the table
#   --warmup-runs N    unmeasured warm-up jobs per service instance on the scenario's warm-up repo (default 1)
#   --jfr              after the measured runs, one more (unmeasured) run of each service flow recorded with JFR
#                      (settings=profile, via jcmd), summarised by jfr-top.sh; use it with --scenarios 1g or large
#   --nmt              native memory tracking: `jcmd PID VM.native_memory summary` after each service run
#   --stream-files N   the streaming baseline starts one aws process per file; it streams the first N files
#                      (default 100; 0 = all) and reports its throughput over those
#   --out DIR          where results, logs and recordings go (default: a fresh dir under /dev/shm or TMPDIR)
# Environment: BENCH_BUDGET (mirror.transfer.memory-budget, default 128M); BENCH_JAVA_OPTS (service JVM options,
# default for the budget B, as docs/deployment.md prescribes: -XX:+UseSerialGC -Xms64m -Xmx256m -XX:MaxDirectMemorySize=(B+64M));
# BENCH_JAVA_HOME (the JDK the service runs on, e.g. /usr/lib/jvm/temurin-25-jdk-amd64; default java on PATH);
# BENCH_PARALLEL (curl/aws parallelism, default 8, like huggingface_hub's max_workers); BENCH_DISK_DIR (disk dir for
# the seed flow and the 40 GiB bucket; default TMPDIR or /tmp); BENCH_TMPFS_DIR (tmpfs dir for the directory store;
# default /dev/shm); BENCH_AUTH=off, BENCH_API_KEY / BENCH_API_ROLE (REST API keys); any MIRROR_* variable.
set -euo pipefail
# shellcheck source=load-tests/lib.sh
source "$(dirname "$0")/lib.sh"

RUNS=3
BASE_RUNS=""
SCENARIOS=1g,wan-large,wan-small
HUGE=false
FLOWS=""
WAN_RATE=60MiB
WAN_LATENCY=40ms
MAX_LOAD=1
LOAD_TIMEOUT=900
WARMUP_RUNS=1
JFR=false
NMT=false
STREAM_FILES=100
OUT=""
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --baseline-runs) BASE_RUNS="$2"; shift 2 ;;
        --scenarios) SCENARIOS="$2"; shift 2 ;;
        --huge) HUGE=true; shift ;;
        --flows) FLOWS="$2"; shift 2 ;;
        --wan-rate) WAN_RATE="$2"; shift 2 ;;
        --wan-latency) WAN_LATENCY="$2"; shift 2 ;;
        --max-load) MAX_LOAD="$2"; shift 2 ;;
        --load-timeout) LOAD_TIMEOUT="$2"; shift 2 ;;
        --warmup-runs) WARMUP_RUNS="$2"; shift 2 ;;
        --jfr) JFR=true; shift ;;
        --nmt) NMT=true; shift ;;
        --stream-files) STREAM_FILES="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
[ "$HUGE" = true ] && SCENARIOS="$SCENARIOS,huge"
BASE_RUNS="${BASE_RUNS:-$RUNS}"
PAR="${BENCH_PARALLEL:-8}"
if [ -n "$FLOWS" ]; then
    IFS=, read -r -a flow_list <<<"$FLOWS"
    FLOWS=""
    for f in "${flow_list[@]}"; do
        case "$f" in
            limit) FLOWS="$FLOWS,limit-read,limit-write" ;;
            service | dir | limit-read | limit-write | seed | stream) FLOWS="$FLOWS,$f" ;;
            *) die "unknown flow $f: use service, dir, limit-read, limit-write, limit, seed or stream" ;;
        esac
    done
    FLOWS="${FLOWS#,}"
fi
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number, not $RUNS"
[[ "$MAX_LOAD" == off || "$MAX_LOAD" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--max-load takes a number or off, not $MAX_LOAD"

if [ -z "$OUT" ]; then
    if [ -d /dev/shm ] && [ -w /dev/shm ]; then
        OUT="$(mktemp -d /dev/shm/hub-mirror-bench.XXXXXX)"
    else
        OUT="$(mktemp -d "${TMPDIR:-/tmp}/hub-mirror-bench.XXXXXX")"
    fi
fi
mkdir -p "$OUT"
WORK="$OUT"
DISK="$(mktemp -d "${BENCH_DISK_DIR:-${TMPDIR:-/tmp}}/hub-mirror-bench-disk.XXXXXX")"
TMPFS="$(mktemp -d "${BENCH_TMPFS_DIR:-/dev/shm}/hub-mirror-bench-dirstore.XXXXXX")"
DIR_STORE="$TMPFS/store"
RESULTS="$OUT/results.tsv"
printf 'scenario\trun\tflow\tbytes\tfiles\twall_s\tmib_s\tpeak_rss_mib\tcpu_s\tcpu_s_per_gib\tdisk_write_bytes\tload\tload_ok\n' \
    >"$RESULTS"

cleanup() {
    stop_started
    rm -rf "$DISK" "$TMPFS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
set -E
trap 'log "error: \"$BASH_COMMAND\" failed (line $LINENO), see the logs under $OUT"' ERR

# --- flows of a scenario -------------------------------------------------------------------------------------------
# scenario_flows SCENARIO: the flows that scenario has (in the order they run); default_flows: those run by default
scenario_flows() {
    case "$1" in
        huge) echo service dir ;;  # dir only on request: 40 GiB needs BENCH_TMPFS_DIR on a disk
        wan-*) echo service dir limit-read seed stream ;;
        *) echo service dir limit-read limit-write seed stream ;;
    esac
}
default_flows() {
    case "$1" in
        huge) echo service ;;
        wan-*) echo service limit-read seed ;;
        *) echo service dir limit-read limit-write seed ;;
    esac
}
# Sets SC_FLOWS (array) for scenario SC: --flows intersected with what it has, else its default flows
select_flows() {
    local f
    SC_FLOWS=()
    for f in $(scenario_flows "$SC"); do
        if [ -n "$FLOWS" ] && [[ ",$FLOWS," == *",$f,"* ]]; then
            SC_FLOWS+=("$f")
        elif [ -z "$FLOWS" ] && [[ " $(default_flows "$SC") " == *" $f "* ]]; then
            SC_FLOWS+=("$f")
        fi
    done
}
sc_has() { [[ " ${SC_FLOWS[*]} " == *" $1 "* ]]; }

# --- the load average ----------------------------------------------------------------------------------------------
# Waits until the 1-min load average is under MAX_LOAD (at most LOAD_TIMEOUT s); sets RUN_LOAD and RUN_LOAD_OK
wait_for_quiet() {
    local what="$1" l deadline=$((SECONDS + LOAD_TIMEOUT)) said=false
    while :; do
        l="$(cut -d' ' -f1 /proc/loadavg)"
        if [ "$MAX_LOAD" = off ]; then
            RUN_LOAD="$l" RUN_LOAD_OK=off
            return
        fi
        if awk -v l="$l" -v m="$MAX_LOAD" 'BEGIN { exit !(l < m) }'; then
            RUN_LOAD="$l" RUN_LOAD_OK=yes
            return
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            RUN_LOAD="$l" RUN_LOAD_OK=no
            log "  load average $l still >= $MAX_LOAD after ${LOAD_TIMEOUT} s: starting $what anyway (marked in the table)"
            return
        fi
        if [ "$said" = false ]; then
            log "  waiting for the 1-min load average ($l) to fall under $MAX_LOAD before $what"
            said=true
        fi
        sleep 5
    done
}

# record SCENARIO RUN FLOW BYTES FILES WALL RSS_MIB CPU_S DISK_BYTES
record() {
    local mibs cpug
    mibs="$(awk -v b="$4" -v w="$6" 'BEGIN { printf "%.1f", (w > 0 ? b / 1048576 / w : 0) }')"
    cpug="$(awk -v b="$4" -v c="$8" 'BEGIN { if (c == "-") print "-"; else printf "%.2f", c / (b / 1073741824) }')"
    printf '%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$mibs" "$7" "$8" \
        "$cpug" "$9" "$RUN_LOAD" "$RUN_LOAD_OK" >>"$RESULTS"
    log "  $3: $5 files, $(awk -v b="$4" 'BEGIN { printf "%.1f", b / 1048576 }') MiB in $(printf '%.2f' "$6") s = $mibs MiB/s (load $RUN_LOAD)"
}
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }

# --- the repo's files, from the simulator ------------------------------------------------------------------------
# files.tsv: path, size; resolve_url: the resolve URL of a file at the commit
list_files() {
    local repo="$1" info
    info="$(curl -sf --max-time 1800 "$HUB_URL/api/models/$repo/revision/main?blobs=true")" \
        || die "revision info of $repo failed"
    COMMIT="$(jq -r .sha <<<"$info")"
    jq -r '.siblings[] | [.rfilename, .size] | @tsv' <<<"$info" >"$SC_DIR/files.tsv"
    FILES="$(wc -l <"$SC_DIR/files.tsv")"
    BYTES="$(awk -F'\t' '{ s += $2 } END { printf "%.0f", s }' "$SC_DIR/files.tsv")"
}
resolve_url() { printf '%s/%s/resolve/%s/%s' "$HUB_URL" "$REPO" "$COMMIT" "$1"; }

# curl config: every file to /dev/null (or under DIR), one transfer per file, up to PAR at once
curl_config() { # DEST(/dev/null or dir)
    local path size
    while IFS=$'\t' read -r path size; do
        printf 'url = "%s"\n' "$(resolve_url "$path")"
        if [ "$1" = /dev/null ]; then
            printf 'output = "/dev/null"\n'
        else
            printf 'output = "%s/%s"\n' "$1" "$path"
        fi
    done <"$SC_DIR/files.tsv"
}
curl_all() { # DEST
    curl_config "$1" >"$SC_DIR/curl.cfg"
    curl -sSfL --no-progress-meter --create-dirs --parallel --parallel-max "$PAR" -K "$SC_DIR/curl.cfg"
}

# Bytes of regular files under DIR (what a store holds after a run)
stored_bytes() { find "$1" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'; }

# --- the two service instances -------------------------------------------------------------------------------------
# Each is kept as NAME_PID, NAME_URL, NAME_AUTH (curl arguments); use_service NAME selects it for the calls below.
use_service() {
    local n="$1"
    CUR=$n
    CUR_PID="${n}_PID"; CUR_PID="${!CUR_PID}"
    CUR_URL="${n}_URL"; CUR_URL="${!CUR_URL}"
    if [ "$n" = S3SVC ]; then CUR_AUTH=("${S3SVC_AUTH[@]}"); else CUR_AUTH=("${DIRSVC_AUTH[@]}"); fi
}
launch_service() { # NAME STORE_URL
    local jvm=()
    if [ "$NMT" = true ]; then
        jvm+=("-XX:NativeMemoryTracking=summary")
    fi
    start_service "$2" "$(service_log "$1")" "${jvm[@]}"
    printf -v "${1}_PID" '%s' "$SVC_PID"
    printf -v "${1}_URL" '%s' "$SVC_URL"
    if [ "$1" = S3SVC ]; then S3SVC_AUTH=("${SVC_AUTH[@]}"); else DIRSVC_AUTH=("${SVC_AUTH[@]}"); fi
}
service_log() { if [ "$1" = S3SVC ]; then echo "$OUT/$SC-service-s3.log"; else echo "$OUT/$SC-service-dir.log"; fi; }
empty_store() {
    if [ "$CUR" = S3SVC ]; then
        empty_bucket
    else
        find "$DIR_STORE" -mindepth 1 -delete 2>/dev/null || true
    fi
}

# mirror_job REPO: submits REPO to the current service and waits until its job SUCCEEDED; sets JOB_STATUS
mirror_job() {
    local body job
    body="$(curl -sf "${CUR_AUTH[@]}" -X POST "$CUR_URL/v1/mirrors" -H 'Content-Type: application/json' \
        -d "{\"models\": [\"$1\"]}")" || die "POST /v1/mirrors of $1 failed"
    job="$(jq -r '.jobs[0].id' <<<"$body")"
    while :; do
        JOB_STATUS="$(curl -sf "${CUR_AUTH[@]}" "$CUR_URL/v1/jobs/$job")" || die "GET /v1/jobs/$job failed"
        case "$(jq -r .status <<<"$JOB_STATUS")" in
            SUCCEEDED) return ;;
            FAILED | CANCELLED) die "job $job of $1 did not succeed: $(jq -c .error <<<"$JOB_STATUS")" ;;
        esac
        kill -0 "$CUR_PID" 2>/dev/null || die "the service died, see $(service_log "$CUR")"
        sleep 0.1
    done
}

warm_up() {
    local i
    for i in $(seq 1 "$WARMUP_RUNS"); do
        log "  warm-up $i/$WARMUP_RUNS of the $1 service: $WARMUP_REPO (not measured)"
        mirror_job "$WARMUP_REPO"
        empty_store
    done
}

# --- flows ---------------------------------------------------------------------------------------------------------
# flow_mirror FLOW: one measured job of the current service: wall time, CPU, peak RSS, local disk writes
flow_mirror() {
    local flow="$1" c0 w0 c1 w1 t0 t1 rss store
    empty_store
    wait_for_quiet "$flow"
    c0="$(cpu_seconds "$CUR_PID")"
    w0="$(write_bytes "$CUR_PID")"
    reset_hwm "$CUR_PID"
    t0="$(now)"
    mirror_job "$REPO"
    t1="$(now)"
    c1="$(cpu_seconds "$CUR_PID")"
    w1="$(write_bytes "$CUR_PID")"
    rss="$(awk -v k="$(hwm_kib "$CUR_PID")" 'BEGIN { printf "%.0f", k / 1024 }')"
    if [ "$NMT" = true ]; then
        "$(service_jdk_tool jcmd)" "$CUR_PID" VM.native_memory summary >"$OUT/$SC-$flow-nmt-run$RUN.txt" 2>&1 || true
    fi
    [ "$(jq -r '.bytes.total' <<<"$JOB_STATUS")" = "$BYTES" ] \
        || die "job bytes $(jq -c .bytes <<<"$JOB_STATUS") != $BYTES"
    if [ "$CUR" = S3SVC ]; then store="$S3_DATA/$S3_BUCKET"; else store="$DIR_STORE"; fi
    [ "$(stored_bytes "$store")" -ge "$BYTES" ] || die "$flow: the store holds fewer than $BYTES bytes after the job"
    record "$SC" "$RUN" "$flow" "$BYTES" "$FILES" "$(elapsed "$t0" "$t1")" "$rss" \
        "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')" $((w1 - w0))
    empty_store
}

flow_limit_read() {
    local t0 t1
    wait_for_quiet limit-read
    t0="$(now)"
    curl_all /dev/null
    t1="$(now)"
    record "$SC" "$RUN" limit-read "$BYTES" "$FILES" "$(elapsed "$t0" "$t1")" - - -
}

# limit-write: the files from tmpfs to s3proxy with PAR AWS CLI processes at once (one process is bound by Python:
# it uploads at about half the speed of several), each `aws s3 cp --recursive` of a round-robin shard of the files
# (hard links). The files are fetched once per scenario, not timed.
flow_limit_write() {
    local t0 t1 d pids=() pid failed=0
    if [ ! -d "$SC_DIR/shards" ]; then
        curl_all "$SC_DIR/src"
        local i=0 path size
        while IFS=$'\t' read -r path size; do
            d="$SC_DIR/shards/$((i % PAR))"
            mkdir -p "$(dirname "$d/$path")"
            ln "$SC_DIR/src/$path" "$d/$path"
            i=$((i + 1))
        done <"$SC_DIR/files.tsv"
    fi
    empty_bucket
    wait_for_quiet limit-write
    t0="$(now)"
    for d in "$SC_DIR"/shards/*; do
        aws --endpoint-url "$S3_URL" s3 cp --recursive --quiet "$d" "s3://$S3_BUCKET/limit/" &
        pids+=("$!")
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || failed=1
    done
    t1="$(now)"
    [ "$failed" = 0 ] || die "aws s3 cp to s3proxy failed"
    record "$SC" "$RUN" limit-write "$BYTES" "$FILES" "$(elapsed "$t0" "$t1")" - - -
    empty_bucket
}

# seed: what users do today: every file downloaded to disk, one curl transfer per file and PAR at once (like
# huggingface-cli download's 8 workers), then `aws s3 sync` to s3proxy; timed as a whole and by halves
flow_seed() {
    local t0 t1 t2 dir="$DISK/seed-$SC"
    rm -rf "$dir"
    empty_bucket
    wait_for_quiet seed
    t0="$(now)"
    curl_all "$dir"
    t1="$(now)"
    aws --endpoint-url "$S3_URL" s3 sync --quiet "$dir" "s3://$S3_BUCKET/seed/"
    t2="$(now)"
    record "$SC" "$RUN" seed-download "$BYTES" "$FILES" "$(elapsed "$t0" "$t1")" - - -
    record "$SC" "$RUN" seed-upload "$BYTES" "$FILES" "$(elapsed "$t1" "$t2")" - - -
    record "$SC" "$RUN" seed "$BYTES" "$FILES" "$(elapsed "$t0" "$t2")" - - -
    rm -rf "$dir"
    empty_bucket
}

flow_stream() {
    local t0 t1 list="$SC_DIR/stream.list" n bytes
    if [ "$STREAM_FILES" -gt 0 ]; then
        head -n "$STREAM_FILES" "$SC_DIR/files.tsv" >"$SC_DIR/stream.tsv"
    else
        cp "$SC_DIR/files.tsv" "$SC_DIR/stream.tsv"
    fi
    n="$(wc -l <"$SC_DIR/stream.tsv")"
    bytes="$(awk -F'\t' '{ s += $2 } END { printf "%.0f", s }' "$SC_DIR/stream.tsv")"
    local path size
    while IFS=$'\t' read -r path size; do
        printf '%s %s %s\n' "$(resolve_url "$path")" "s3://$S3_BUCKET/stream/$path" "$size"
    done <"$SC_DIR/stream.tsv" >"$list"
    empty_bucket
    wait_for_quiet stream
    t0="$(now)"
    # shellcheck disable=SC2016 # the inner script expands its own arguments
    S3="$S3_URL" xargs -P "$PAR" -L 1 bash -c 'set -o pipefail; curl -sSfL "$1" | aws --endpoint-url "$S3" s3 cp --quiet \
        --expected-size "$3" - "$2"' _ <"$list"
    t1="$(now)"
    record "$SC" "$RUN" stream "$bytes" "$n" "$(elapsed "$t0" "$t1")" - - -
    empty_bucket
}

# One more run of the current service, recorded with JFR (not measured), summarised by jfr-top.sh
profile_run() {
    local flow="$1" rec jcmd
    rec="$OUT/$SC-$flow.jfr"
    jcmd="$(service_jdk_tool jcmd)"
    empty_store
    wait_for_quiet "$flow (JFR)"
    "$jcmd" "$CUR_PID" JFR.start name=bench settings=profile >/dev/null || die "jcmd JFR.start failed"
    mirror_job "$REPO"
    "$jcmd" "$CUR_PID" JFR.stop name=bench filename="$rec" >/dev/null || die "jcmd JFR.stop failed"
    empty_store
    PATH="$(dirname "$(service_jdk_tool jfr)"):$PATH" "$ROOT/load-tests/jfr-top.sh" "$rec" >"$OUT/$SC-$flow-jfr-top.txt" 2>&1 \
        || log "jfr-top.sh failed, see $OUT/$SC-$flow-jfr-top.txt"
    log "  JFR of $SC $flow: $rec, top frames $OUT/$SC-$flow-jfr-top.txt"
}

# --wan-rate auto: the median limit-write MiB/s measured so far in this invocation
wan_rate() {
    if [ "$WAN_RATE" != auto ]; then
        echo "$WAN_RATE"
        return
    fi
    awk -F'\t' '$3 == "limit-write" { v[++n] = $7 } END {
        if (n == 0) exit 1
        for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] + 0 > t + 0; j--) v[j + 1] = v[j]; v[j + 1] = t }
        m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        printf "%.0f\n", m * 1048576
    }' "$RESULTS" || { log "--wan-rate auto: no limit-write measured before the WAN scenarios; using 60MiB"; echo 60MiB; }
}

# --- scenarios -----------------------------------------------------------------------------------------------------
run_scenario() {
    SC="$1"
    local spec s3dir sim_opts=() flow
    case "$SC" in
        1g) spec=large-1g.json; REPO=bench/large-1g ;;
        large | 4g) SC=large; spec=large-4g.json; REPO=bench/large-4g ;;
        small) spec=small-1000.json; REPO=bench/small-1000 ;;
        huge | 40g) SC=huge; spec=huge-40g.json; REPO=bench/huge-40g ;;
        wan-large) spec=large-1g.json; REPO=bench/large-1g ;;
        wan-small) spec=small-1000.json; REPO=bench/small-1000 ;;
        *) die "unknown scenario $SC: use 1g, large, small, huge, wan-large or wan-small" ;;
    esac
    WARMUP_REPO="$REPO-warmup"
    s3dir="$OUT/s3-$SC"
    if [ "$SC" = huge ]; then
        s3dir="$DISK/s3-$SC"
    fi
    if [[ "$SC" == wan-* ]]; then
        WAN_RATE_USED="$(wan_rate)"
        sim_opts=(--link-rate "$WAN_RATE_USED" --latency "$WAN_LATENCY")
    fi
    select_flows
    if [ "${#SC_FLOWS[@]}" -eq 0 ]; then
        log "== scenario $SC: none of the flows $FLOWS applies, skipped"
        return
    fi
    SC_DIR="$OUT/$SC"
    mkdir -p "$SC_DIR"
    log "== scenario $SC ($REPO): flows ${SC_FLOWS[*]}"
    start_sim "$ROOT/load-tests/specs/$spec" "$OUT/$SC-sim.log" "${sim_opts[@]}"
    local t0
    t0="$(now)"
    list_files "$REPO"
    log "$REPO: $FILES files, $BYTES bytes, commit $COMMIT (simulator digests computed in $(elapsed "$t0" "$(now)" | cut -d. -f1) s, before any timing)"
    if sc_has service || sc_has limit-write || sc_has seed || sc_has stream; then
        start_s3proxy "$s3dir" "$OUT/$SC-s3proxy.log"
    fi
    if sc_has service; then
        launch_service S3SVC "s3://$S3_BUCKET/weights"
        use_service S3SVC
        warm_up S3
    fi
    if sc_has dir; then
        [ "$(stat -f -c %T "$TMPFS")" = tmpfs ] || log "warning: $TMPFS is not on tmpfs: the dir flow writes to a disk"
        mkdir -p "$DIR_STORE"
        launch_service DIRSVC "$DIR_STORE"
        use_service DIRSVC
        warm_up directory
    fi
    for RUN in $(seq 1 "$RUNS"); do
        log "run $RUN/$RUNS of $SC"
        for flow in "${SC_FLOWS[@]}"; do
            case "$flow" in
                service) use_service S3SVC; flow_mirror service ;;
                dir) use_service DIRSVC; flow_mirror dir ;;
                *)
                    [ "$RUN" -le "$BASE_RUNS" ] || continue
                    case "$flow" in
                        limit-read) flow_limit_read ;;
                        limit-write) flow_limit_write ;;
                        seed) flow_seed ;;
                        stream) flow_stream ;;
                    esac
                    ;;
            esac
        done
    done
    if [ "$JFR" = true ]; then
        if sc_has service; then use_service S3SVC; profile_run service; fi
        if sc_has dir; then use_service DIRSVC; profile_run dir; fi
    fi
    stop_started
    rm -rf "$s3dir" "$SC_DIR/src" "$SC_DIR/shards"
    find "$DIR_STORE" -mindepth 1 -delete 2>/dev/null || true
}

# --- report --------------------------------------------------------------------------------------------------------
report() {
    awk -F'\t' -v budget="$(budget_mib)" -v maxload="$MAX_LOAD" '
    function sortv(n,    i, j, t) { for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] + 0 > t + 0; j--) v[j + 1] = v[j]; v[j + 1] = t } }
    function med(n) { if (n == 0) return ""; sortv(n); return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
    # median of column col over the runs of (s, f)
    function median(s, f, col,    n, r) {
        n = 0
        for (r = 1; r <= maxrun; r++) if ((s, f, r) in has) { if (val[s, f, r, col] == "-") return "-"; v[++n] = val[s, f, r, col] }
        return med(n)
    }
    # median over the runs that have both flows of col(a) / col(b): the two measured in the same run
    function ratio(s, a, b, col,    n, r) {
        n = 0
        for (r = 1; r <= maxrun; r++) if ((s, a, r) in has && (s, b, r) in has && val[s, b, r, col] > 0) v[++n] = val[s, a, r, col] / val[s, b, r, col]
        return med(n)
    }
    function has2(s, a, b) { return ((s, a) in seen) && ((s, b) in seen) }
    function row(s, what, measured, ok) {
        printf "| %s | %s | %s | %s |\n", s, what, measured, (ok ? "met" : "**missed**")
    }
    NR == 1 { next }
    {
        if (!($1 in sseen)) { sorder[++ns] = $1; sseen[$1] = 1 }
        if (!(($1, $3) in seen)) { order[++nk] = $1 SUBSEP $3; seen[$1, $3] = 1 }
        has[$1, $3, $2] = 1
        if ($2 + 0 > maxrun) maxrun = $2 + 0
        for (k = 4; k <= 13; k++) val[$1, $3, $2, k] = $k
        cnt[$1, $3]++
        if ($13 == "no") late[$1]++
        if (!($1 in lmin) || $12 + 0 < lmin[$1]) lmin[$1] = $12 + 0
        if (!($1 in lmax) || $12 + 0 > lmax[$1]) lmax[$1] = $12 + 0
    }
    END {
        printf "| scenario | flow | files | MiB | wall s | MiB/s | peak RSS MiB | CPU core-s/GiB | disk write MiB | runs |\n"
        printf "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for (i = 1; i <= nk; i++) {
            split(order[i], kk, SUBSEP); s = kk[1]; f = kk[2]
            rss = median(s, f, 8); cpu = median(s, f, 10); dw = median(s, f, 11)
            printf "| %s | %s | %d | %.1f | %.2f | %.1f | %s | %s | %s | %d |\n", s, f, median(s, f, 5),
                median(s, f, 4) / 1048576, median(s, f, 6), median(s, f, 7), rss, (cpu == "-" ? "-" : sprintf("%.2f", cpu)),
                (dw == "-" ? "-" : sprintf("%.2f", dw / 1048576)), cnt[s, f]
        }
        printf "\n1-min load average at the start of each measured flow (%s): ", (maxload == "off" ? "not waited for: --max-load off, not valid" : "waited until < " maxload)
        for (i = 1; i <= ns; i++) {
            s = sorder[i]
            printf "%s %.2f-%.2f%s. ", s, lmin[s], lmax[s], (late[s] ? sprintf(" (%d flows started above it: not valid)", late[s]) : "")
        }
        if (maxrun < 3) printf "\nFewer than 3 runs: a smoke run, not a measurement."
        printf "\n\nIssue 10 targets (medians; ratios are medians of the per-run ratios of two flows measured in the same run):\n\n"
        printf "| scenario | target | measured | met |\n|---|---|---|---|\n"
        for (i = 1; i <= ns; i++) {
            s = sorder[i]
            big = (s == "1g" || s == "large" || s == "huge")
            if (big && ((s, "dir") in seen)) { c = median(s, "dir", 10); row(s, "CPU Hub -> dir <= 1.5 core-s/GiB", sprintf("%.2f", c), c <= 1.5) }
            if (big && ((s, "service") in seen)) { c = median(s, "service", 10); row(s, "CPU Hub -> S3 <= 2.5 core-s/GiB", sprintf("%.2f", c), c <= 2.5) }
            if (big && has2(s, "dir", "limit-read")) {
                r = ratio(s, "dir", "limit-read", 7)
                row(s, sprintf("Hub -> dir >= 1/3 of curl read (%.1f MiB/s)", median(s, "limit-read", 7)), sprintf("%.1f MiB/s = %.2fx", median(s, "dir", 7), r), r >= 1 / 3)
            }
            if (big && has2(s, "service", "limit-write")) {
                r = ratio(s, "service", "limit-write", 7)
                row(s, sprintf("Hub -> S3 >= aws s3 cp --recursive from tmpfs (%.1f MiB/s)", median(s, "limit-write", 7)), sprintf("%.1f MiB/s = %.2fx", median(s, "service", 7), r), r >= 1)
            }
            if (s == "wan-large" && has2(s, "service", "limit-read")) {
                r = ratio(s, "service", "limit-read", 6)
                row(s, sprintf("wall <= 1.15x curl read (%.2f s)", median(s, "limit-read", 6)), sprintf("%.2f s = %.2fx", median(s, "service", 6), r), r <= 1.15)
            }
            if (s == "wan-large" && has2(s, "service", "seed")) {
                r = ratio(s, "service", "seed", 6)
                row(s, sprintf("wall <= 0.6x seed flow (%.2f s)", median(s, "seed", 6)), sprintf("%.2f s = %.2fx", median(s, "service", 6), r), r <= 0.6)
            }
            if (s == "wan-small" && has2(s, "service", "seed")) {
                r = ratio(s, "service", "seed", 6)
                row(s, sprintf("wall <= 0.5x seed flow (%.2f s)", median(s, "seed", 6)), sprintf("%.2f s = %.2fx", median(s, "service", 6), r), r <= 0.5)
            }
            for (fi = 1; fi <= 2; fi++) {
                f = (fi == 1) ? "service" : "dir"
                if (!((s, f) in seen)) continue
                m = median(s, f, 8)
                row(s, sprintf("%s: peak RSS <= budget + 200 MiB (%d MiB)", f, budget + 200), m " MiB", m <= budget + 200)
                d = median(s, f, 11)
                row(s, sprintf("%s: ~0 bytes written to local disk (< 1 MiB)", f), sprintf("%.0f bytes", d), d < 1048576)
            }
        }
    }' "$RESULTS"
}

# --- main (last, so that bash has read the whole file before a long run starts) ----------------------------
main() {
    require_tools
    ensure_built
    local commit
    commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    [ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit+uncommitted"
    log "results under $OUT (raw per-run figures: $RESULTS); seed-flow disk dir $DISK; directory store $DIR_STORE"
    log "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(aws --version 2>&1), $(curl --version | head -1 | cut -d' ' -f1-2)"
    SVC_JAVA_VERSION="$("$(service_java)" -version 2>&1 | head -1)"
    log "service: build $commit, $SVC_JAVA_VERSION, $(service_java_opts), budget ${BENCH_BUDGET:-128M}"
    [ "$RUNS" -ge 3 ] || log "fewer than 3 runs: a smoke run, not a measurement"
    IFS=, read -r -a scenario_list <<<"$SCENARIOS"
    for s in "${scenario_list[@]}"; do
        run_scenario "$s"
    done
    {
        printf 'Build %s; service on %s with %s, budget %s; WAN: %s per request, link %s shared; %s at once for curl/aws.\n\n' \
            "$commit" "$SVC_JAVA_VERSION" "$(service_java_opts)" "${BENCH_BUDGET:-128M}" "$WAN_LATENCY" \
            "${WAN_RATE_USED:-$WAN_RATE}" "$PAR"
        report
    } | tee "$OUT/table.md"
    log "table: $OUT/table.md, raw figures: $RESULTS"
}

main
