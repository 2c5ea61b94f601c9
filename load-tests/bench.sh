#!/usr/bin/env bash
# Benchmarks hub-mirror against what users do today, on this machine, on loopback:
#   starts the Hub simulator, s3proxy and the packaged service, mirrors each scenario's repo through the service,
#   and measures in the same run, next to it, the loopback limit (curl to /dev/null; aws s3 cp from tmpfs), the
#   seed flow (curl per file to disk, then aws s3 sync) and a streaming baseline (curl | aws s3 cp - per file).
# Prints a Markdown table of medians over the runs, and whether the targets of issue 6 are met.
#
# Usage: load-tests/bench.sh [--runs N] [--scenarios large,small] [--huge] [--flows service,limit,seed,stream]
#                            [--jfr] [--stream-files N] [--out DIR]
#   --runs N          runs per scenario (default 3); medians are reported
#   --baseline-runs N measure limit, seed and stream only in the first N runs (default: every run)
#   --scenarios LIST  large (a ~4 GiB model, 3 large files) and/or small (1,000 files of 1-64 KiB); default both
#   --huge            also the 40 GiB synthetic model (service only, s3proxy stores on disk: needs ~45 GB free)
#   --flows LIST      which flows to measure (default all: service,limit,seed,stream)
#   --jfr             record the service with JFR (profile settings) and print its top frames
#   --nmt             start the service with native memory tracking; after each run, save
#                     `jcmd PID VM.native_memory summary` (what the RSS beyond the heap is)
#   --stream-files N  the streaming baseline starts one aws process per file; it streams the first N files
#                     (default 100; 0 = all) and reports its throughput over those
#   --out DIR         where results, logs and recordings go (default: a fresh dir under /dev/shm or TMPDIR)
# Environment: BENCH_BUDGET (mirror.transfer.memory-budget, default 128M), BENCH_JAVA_OPTS (service JVM options,
# default "-Xmx384m -XX:+ExitOnOutOfMemoryError"), BENCH_PARALLEL (curl/aws parallelism, default 8, like
# huggingface_hub's max_workers), BENCH_DISK_DIR (disk directory for the seed flow; default TMPDIR or /tmp),
# BENCH_AUTH=off (send no API key), BENCH_API_KEY / BENCH_API_ROLE (for builds with REST API keys).
set -euo pipefail
# shellcheck source=load-tests/lib.sh
source "$(dirname "$0")/lib.sh"

RUNS=3
BASE_RUNS=""
SCENARIOS=large,small
HUGE=false
FLOWS=service,limit,seed,stream
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
        --jfr) JFR=true; shift ;;
        --nmt) NMT=true; shift ;;
        --stream-files) STREAM_FILES="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
[ "$HUGE" = true ] && SCENARIOS="$SCENARIOS,huge"
BASE_RUNS="${BASE_RUNS:-$RUNS}"
PAR="${BENCH_PARALLEL:-8}"

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
RESULTS="$OUT/results.tsv"
printf 'scenario\trun\tflow\tbytes\tfiles\twall_s\tmib_s\tpeak_rss_mib\tcpu_s\tcpu_s_per_gib\tdisk_write_bytes\tload\n' >"$RESULTS"

cleanup() {
    stop_started
    rm -rf "$DISK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

has_flow() { [[ ",$FLOWS," == *",$1,"* ]]; }

# record SCENARIO RUN FLOW BYTES FILES WALL RSS_MIB CPU_S DISK_BYTES
record() {
    local mibs cpug
    mibs="$(awk -v b="$4" -v w="$6" 'BEGIN { printf "%.1f", (w > 0 ? b / 1048576 / w : 0) }')"
    cpug="$(awk -v b="$4" -v c="$8" 'BEGIN { if (c == "-") print "-"; else printf "%.2f", c / (b / 1073741824) }')"
    printf '%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$mibs" "$7" "$8" \
        "$cpug" "$9" "$RUN_LOAD" >>"$RESULTS"
    log "  $3: $5 files, $(awk -v b="$4" 'BEGIN { printf "%.1f", b / 1048576 }') MiB in $(printf '%.2f' "$6") s = $mibs MiB/s"
}

# --- the repo's files, from the simulator ------------------------------------------------------------------------
# files.tsv: path, size; urls: the resolve URL of each file at the commit
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

# curl config: every file to /dev/null (or under DIR), fetched with up to PAR transfers at once
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

# --- flows ---------------------------------------------------------------------------------------------------------
flow_service() {
    local c0 w0 c1 w1 t0 t1 body job status rss
    empty_bucket
    c0="$(cpu_seconds "$SVC_PID")"
    w0="$(write_bytes "$SVC_PID")"
    reset_hwm "$SVC_PID"
    t0="$(now)"
    body="$(curl -sf "${SVC_AUTH[@]}" -X POST "$SVC_URL/v1/mirrors" -H 'Content-Type: application/json' \
        -d "{\"models\": [\"$REPO\"]}")" || die "POST /v1/mirrors failed"
    job="$(jq -r '.jobs[0].id' <<<"$body")"
    while :; do
        status="$(curl -sf "${SVC_AUTH[@]}" "$SVC_URL/v1/jobs/$job")" || die "GET /v1/jobs/$job failed"
        case "$(jq -r .status <<<"$status")" in
            SUCCEEDED) break ;;
            FAILED | CANCELLED) die "job $job of $REPO did not succeed: $(jq -c .error <<<"$status")" ;;
        esac
        kill -0 "$SVC_PID" 2>/dev/null || die "the service died, see $OUT/$SC-service.log"
        sleep 0.2
    done
    t1="$(now)"
    c1="$(cpu_seconds "$SVC_PID")"
    w1="$(write_bytes "$SVC_PID")"
    rss="$(awk -v k="$(hwm_kib "$SVC_PID")" 'BEGIN { printf "%.0f", k / 1024 }')"
    if [ "$NMT" = true ]; then
        jcmd "$SVC_PID" VM.native_memory summary >"$OUT/$SC-nmt-run$RUN.txt" 2>&1 || true
    fi
    [ "$(jq -r '.bytes.total' <<<"$status")" = "$BYTES" ] || die "job bytes $(jq -c .bytes <<<"$status") != $BYTES"
    record "$SC" "$RUN" service "$BYTES" "$FILES" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
        "$rss" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')" $((w1 - w0))
    empty_bucket
}

flow_limit() {
    local t0 t1 t2 d pids=() pid failed=0
    # read: every file from the simulator to /dev/null, PAR at once
    t0="$(now)"
    curl_all /dev/null
    t1="$(now)"
    record "$SC" "$RUN" limit-read "$BYTES" "$FILES" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" - - -
    # write: the same files from tmpfs to s3proxy with PAR AWS CLI processes at once (one process is bound by
    # Python: it uploads at about half the speed of several), each `aws s3 cp --recursive` of a shard of the files
    # (hard links, round robin). The files are fetched once per scenario, not timed.
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
    t1="$(now)"
    for d in "$SC_DIR"/shards/*; do
        aws --endpoint-url "$S3_URL" s3 cp --recursive --quiet "$d" "s3://$S3_BUCKET/limit/" &
        pids+=("$!")
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || failed=1
    done
    t2="$(now)"
    [ "$failed" = 0 ] || die "aws s3 cp to s3proxy failed"
    record "$SC" "$RUN" limit-write "$BYTES" "$FILES" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')" - - -
    empty_bucket
}

flow_seed() {
    local t0 t1 t2 dir="$DISK/seed-$SC"
    rm -rf "$dir"
    empty_bucket
    t0="$(now)"
    curl_all "$dir"
    t1="$(now)"
    aws --endpoint-url "$S3_URL" s3 sync --quiet "$dir" "s3://$S3_BUCKET/seed/"
    t2="$(now)"
    record "$SC" "$RUN" seed-download "$BYTES" "$FILES" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" - - -
    record "$SC" "$RUN" seed-upload "$BYTES" "$FILES" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')" - - -
    record "$SC" "$RUN" seed "$BYTES" "$FILES" "$(awk -v a="$t0" -v b="$t2" 'BEGIN { print b - a }')" - - -
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
    t0="$(now)"
    # shellcheck disable=SC2016 # the inner script expands its own arguments
    S3="$S3_URL" xargs -P "$PAR" -L 1 bash -c 'set -o pipefail; curl -sSfL "$1" | aws --endpoint-url "$S3" s3 cp --quiet \
        --expected-size "$3" - "$2"' _ <"$list"
    t1="$(now)"
    record "$SC" "$RUN" stream "$bytes" "$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" - - -
    empty_bucket
}

# --- scenarios -----------------------------------------------------------------------------------------------------
run_scenario() {
    SC="$1"
    local spec s3dir
    case "$SC" in
        large) spec=large-4g.json; REPO=bench/large-4g; s3dir="$OUT/s3-$SC" ;;
        small) spec=small-1000.json; REPO=bench/small-1000; s3dir="$OUT/s3-$SC" ;;
        huge) spec=huge-40g.json; REPO=bench/huge-40g; s3dir="$DISK/s3-$SC" ;;
        *) die "unknown scenario $SC: use large, small or huge" ;;
    esac
    SC_DIR="$OUT/$SC"
    mkdir -p "$SC_DIR"
    log "== scenario $SC ($REPO)"
    start_sim "$ROOT/load-tests/specs/$spec" "$OUT/$SC-sim.log"
    local t0
    t0="$(now)"
    list_files "$REPO"
    log "$REPO: $FILES files, $BYTES bytes, commit $COMMIT (simulator digests computed in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s, before any timing)"
    start_s3proxy "$s3dir" "$OUT/$SC-s3proxy.log"
    local jvm=()
    if [ "$JFR" = true ]; then
        jvm+=("-XX:StartFlightRecording=filename=$OUT/$SC-service.jfr,settings=profile,dumponexit=true")
    fi
    if [ "$NMT" = true ]; then
        jvm+=("-XX:NativeMemoryTracking=summary")
    fi
    start_service "s3://$S3_BUCKET/weights" "$OUT/$SC-service.log" "${jvm[@]}"
    for RUN in $(seq 1 "$RUNS"); do
        RUN_LOAD="$(loadavg)"
        log "run $RUN/$RUNS of $SC, load average $RUN_LOAD"
        has_flow service && flow_service
        if [ "$SC" != huge ] && [ "$RUN" -le "$BASE_RUNS" ]; then
            has_flow limit && flow_limit
            has_flow seed && flow_seed
            has_flow stream && flow_stream
        fi
    done
    stop_pid "$SVC_PID"
    stop_pid "$S3_PID"
    stop_pid "$SIM_PID"
    rm -rf "$s3dir" "$SC_DIR/src" "$SC_DIR/shards"
    if [ "$JFR" = true ] && have jfr && [ -f "$OUT/$SC-service.jfr" ]; then
        "$ROOT/load-tests/jfr-top.sh" "$OUT/$SC-service.jfr" >"$OUT/$SC-jfr-top.txt" 2>&1 || true
        log "JFR top frames of $SC: $OUT/$SC-jfr-top.txt"
    fi
}

# --- report --------------------------------------------------------------------------------------------------------
report() {
    awk -F'\t' -v runs="$RUNS" '
    function median(key, col,    n, i, j, t, v) {
        n = cnt[key]
        if (n == 0) return ""
        for (i = 1; i <= n; i++) v[i] = val[key, col, i]
        for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] + 0 > t + 0; j--) v[j + 1] = v[j]; v[j + 1] = t }
        if (v[1] == "-") return "-"
        return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    NR == 1 { next }
    {
        key = $1 SUBSEP $3
        if (!(key in cnt)) { order[++nk] = key; sc[key] = $1; fl[key] = $3 }
        c = ++cnt[key]
        for (k = 4; k <= 11; k++) val[key, k, c] = $k
        if (!(($1, $2) in ld)) { ld[$1, $2] = $12; loads[$1] = loads[$1] (loads[$1] == "" ? "" : "; ") $12 }
    }
    END {
        printf "| scenario | flow | files | MiB | wall s | MiB/s | peak RSS MiB | CPU s/GiB | disk write MiB | runs |\n"
        printf "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for (i = 1; i <= nk; i++) {
            key = order[i]
            rss = median(key, 8); cpu = median(key, 10); dw = median(key, 11)
            printf "| %s | %s | %d | %.1f | %.2f | %.1f | %s | %s | %s | %d |\n", sc[key], fl[key], median(key, 5),
                median(key, 4) / 1048576, median(key, 6), median(key, 7), rss, (cpu == "-" ? "-" : sprintf("%.2f", cpu)),
                (dw == "-" ? "-" : sprintf("%.2f", dw / 1048576)), cnt[key]
            thr[sc[key], fl[key]] = median(key, 7); wall[sc[key], fl[key]] = median(key, 6)
            prss[sc[key], fl[key]] = rss; pcpu[sc[key], fl[key]] = cpu; pdw[sc[key], fl[key]] = dw
            seen[sc[key]] = 1
        }
        printf "\nLoad average (1, 5, 15 min) at the start of each run: "
        for (s in loads) printf "%s: %s. ", s, loads[s]
        printf "\n\n| scenario | target | measured | met |\n|---|---|---|---|\n"
        for (s in seen) {
            if (!((s, "service") in thr)) continue
            t = thr[s, "service"]
            if ((s, "limit-read") in thr) {
                lim = thr[s, "limit-read"] < thr[s, "limit-write"] ? thr[s, "limit-read"] : thr[s, "limit-write"]
                need = (s == "small") ? 0.8 : 0.9
                r = t / lim
                printf "| %s | throughput >= %.1fx loopback limit (min of read %.1f, write %.1f MiB/s) | %.1f MiB/s = %.2fx | %s |\n",
                    s, need, thr[s, "limit-read"], thr[s, "limit-write"], t, r, (r >= need ? "yes" : "no")
            }
            if ((s, "seed") in wall) {
                r = wall[s, "service"] / wall[s, "seed"]
                printf "| %s | wall time <= 0.4x seed flow (%.2f s) | %.2f s = %.2fx | %s |\n", s, wall[s, "seed"],
                    wall[s, "service"], r, (r <= 0.4 ? "yes" : "no")
            }
            if (s != "small") printf "| %s | peak RSS <= 400 MiB | %s MiB | %s |\n", s, prss[s, "service"], (prss[s, "service"] <= 400 ? "yes" : "no")
            printf "| %s | CPU <= 2 core-s/GiB | %.2f | %s |\n", s, pcpu[s, "service"], (pcpu[s, "service"] <= 2 ? "yes" : "no")
            printf "| %s | ~0 bytes written to local disk | %.0f bytes | %s |\n", s, pdw[s, "service"], (pdw[s, "service"] < 1048576 ? "yes" : "no")
        }
    }' "$RESULTS"
}

# --- main (last, so that bash has read the whole file before a long run starts) ----------------------------
main() {
    require_tools
    ensure_built
    log "results under $OUT (raw per-run figures: $RESULTS); seed-flow disk dir $DISK"
    log "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $(java -version 2>&1 | head -1), $(aws --version 2>&1), $(curl --version | head -1 | cut -d' ' -f1-2)"
    IFS=, read -r -a scenario_list <<<"$SCENARIOS"
    for s in "${scenario_list[@]}"; do
        run_scenario "$s"
    done
    report | tee "$OUT/table.md"
    log "table: $OUT/table.md, raw figures: $RESULTS"
}

main
