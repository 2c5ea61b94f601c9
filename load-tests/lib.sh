# shellcheck shell=bash
# Shared by bench.sh and api-load.sh: build, start and stop the Hub simulator, s3proxy and the packaged service on
# loopback, and read a process's counters from /proc. Sourced, not run. Every process started here is remembered
# by its PID and stopped by that PID on exit.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
S3_ACCESS=bench-access
S3_SECRET=bench-secret
S3_BUCKET=bench
STARTED_PIDS=()

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }
now() { date +%s.%N; }

stop_started() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    STARTED_PIDS=()
}

stop_pid() {
    local pid="$1" keep=() p
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${STARTED_PIDS[@]}"; do
        [ "$p" = "$pid" ] || keep+=("$p")
    done
    STARTED_PIDS=("${keep[@]}")
}

# --- tools ---------------------------------------------------------------------------------------------------------
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        die "missing $*: install it (sudo apt-get install -y $*) and run again"
    fi
    log "apt-get install -y $* (Debian's package)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

require_tools() {
    local t
    for t in java curl jq awk; do
        have "$t" || apt_install "$t"
    done
    have aws || apt_install awscli
    have jfr || log "no 'jfr' tool on PATH: --jfr recordings can still be made, not summarised"
}

# --- build ---------------------------------------------------------------------------------------------------------
# The packaged service, the simulator's test classes, the s3proxy jar and the test classpath (for the simulator).
ensure_built() {
    cd "$ROOT" || exit 1
    local jar=target/quarkus-app/quarkus-run.jar sim=target/test-classes/dev/hubmirror/sim/HubSimulatorMain.class
    if [ ! -f "$jar" ] || [ ! -f target/s3proxy/s3proxy.jar ] || [ ! -f "$sim" ] \
        || [ -n "$(find src/main pom.xml -newer "$jar" -print -quit)" ] \
        || [ -n "$(find src/test/java/dev/hubmirror/sim -newer "$sim" -print -quit)" ]; then
        log "building (missing or older than the sources): ./mvnw -B -ntp -o package -DskipTests"
        ./mvnw -B -ntp -o package -DskipTests >"$WORK/build.log" 2>&1 \
            || die "build failed, see $WORK/build.log (without a populated ~/.m2, run it once without -o)"
    fi
    mkdir -p target/bench
    if [ ! -s target/bench/test-classpath.txt ] || [ pom.xml -nt target/bench/test-classpath.txt ]; then
        log "resolving the test classpath for the simulator"
        ./mvnw -B -ntp -o -q dependency:build-classpath -Dmdep.includeScope=test \
            -Dmdep.outputFile=target/bench/test-classpath.txt >"$WORK/classpath.log" 2>&1 \
            || die "dependency:build-classpath failed, see $WORK/classpath.log"
        touch target/bench/test-classpath.txt
    fi
}

# --- ports ---------------------------------------------------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port BASE: the first free port from BASE on
free_port() {
    local p="$1"
    while ! port_free "$p"; do
        p=$((p + 1))
    done
    echo "$p"
}

wait_http() { # URL SECONDS PID
    local url="$1" deadline=$((SECONDS + $2)) pid="$3"
    until curl -sf -o /dev/null "$url"; do
        kill -0 "$pid" 2>/dev/null || return 1
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.3
    done
}

# --- servers -------------------------------------------------------------------------------------------------------
# start_sim SPEC LOG [simulator options, e.g. --link-rate 60MiB --latency 40ms]: sets SIM_PID, HUB_URL (the
# simulator takes ephemeral ports and prints them)
start_sim() {
    local spec="$1" logf="$2"
    shift 2
    : >"$logf"
    java -Xmx512m -XX:+UseSerialGC -cp "$ROOT/target/test-classes:$ROOT/target/classes:$(cat "$ROOT/target/bench/test-classpath.txt")" \
        dev.hubmirror.sim.HubSimulatorMain --port 0 --cdn-port 0 --spec "$spec" "$@" >"$logf" 2>&1 &
    SIM_PID=$!
    STARTED_PIDS+=("$SIM_PID")
    local deadline=$((SECONDS + 90))
    until grep -q '^hub-simulator hub=' "$logf"; do
        kill -0 "$SIM_PID" 2>/dev/null || die "the Hub simulator exited: $(tail -5 "$logf")"
        [ "$SECONDS" -lt "$deadline" ] || die "the Hub simulator did not start in 90 s: $logf"
        sleep 0.3
    done
    HUB_URL="$(sed -n 's/^hub-simulator hub=\([^ ]*\) .*/\1/p' "$logf")"
    log "Hub simulator pid=$SIM_PID $HUB_URL spec=$spec $(sed -n 's/^  network //p' "$logf")"
}

# start_s3proxy DATA_DIR LOG: sets S3_PID, S3_URL and creates the bucket
start_s3proxy() {
    local data="$1" logf="$2" port props
    port="$(free_port "${BENCH_S3_PORT:-$((18100 + RANDOM % 800))}")"
    rm -rf "${data:?}/$S3_BUCKET"
    mkdir -p "$data"
    props="$WORK/s3proxy.properties"
    cat >"$props" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$S3_ACCESS
s3proxy.credential=$S3_SECRET
s3proxy.ignore-unknown-headers=true
jclouds.provider=filesystem-nio2
jclouds.identity=$S3_ACCESS
jclouds.credential=$S3_SECRET
jclouds.filesystem.basedir=$data
PROPS
    LOG_LEVEL=warn java -Xmx512m -jar "$ROOT/target/s3proxy/s3proxy.jar" --properties "$props" >"$logf" 2>&1 &
    S3_PID=$!
    STARTED_PIDS+=("$S3_PID")
    S3_URL="http://127.0.0.1:$port"
    S3_DATA="$data"
    local deadline=$((SECONDS + 90))
    until port_free_not "$port"; do
        kill -0 "$S3_PID" 2>/dev/null || die "s3proxy exited: $(tail -5 "$logf")"
        [ "$SECONDS" -lt "$deadline" ] || die "s3proxy did not start in 90 s: $logf"
        sleep 0.3
    done
    export AWS_ACCESS_KEY_ID="$S3_ACCESS" AWS_SECRET_ACCESS_KEY="$S3_SECRET" AWS_DEFAULT_REGION=us-east-1 \
        AWS_REGION=us-east-1 AWS_REQUEST_CHECKSUM_CALCULATION=when_required \
        AWS_RESPONSE_CHECKSUM_VALIDATION=when_required AWS_EC2_METADATA_DISABLED=true
    aws --endpoint-url "$S3_URL" s3 mb "s3://$S3_BUCKET" >/dev/null || die "could not create the bucket"
    log "s3proxy pid=$S3_PID $S3_URL data=$data"
}
port_free_not() { ! port_free "$1"; }

# Empties the bucket: s3proxy's filesystem backend keeps one directory per bucket.
empty_bucket() {
    find "${S3_DATA:?}/$S3_BUCKET" -mindepth 1 -delete 2>/dev/null || true
}

# --- the service's JVM: the ONE place its java binary and options come from --------------------------------------
# budget_mib: BENCH_BUDGET (mirror.transfer.memory-budget, default 128M; K/M/G suffixes as Quarkus' MemorySize) in MiB
budget_mib() {
    local b="${BENCH_BUDGET:-128M}"
    awk -v b="$b" 'BEGIN {
        n = b + 0; u = toupper(substr(b, length(n "") + 1, 1))
        if (u == "G") n *= 1024; else if (u == "K") n /= 1024; else if (u != "M") n /= 1048576
        printf "%d\n", n
    }'
}

# service_java: the java binary the service runs on (BENCH_JAVA_HOME/bin/java, default java on PATH)
service_java() {
    if [ -n "${BENCH_JAVA_HOME:-}" ]; then
        echo "$BENCH_JAVA_HOME/bin/java"
    else
        command -v java
    fi
}

# service_jdk_tool NAME: jcmd/jfr of the same JDK as the service
service_jdk_tool() {
    if [ -n "${BENCH_JAVA_HOME:-}" ]; then
        echo "$BENCH_JAVA_HOME/bin/$1"
    else
        command -v "$1" || echo "$1"
    fi
}

# service_java_opts: BENCH_JAVA_OPTS when set; else what docs/deployment.md prescribes for the budget B: the serial
# collector, a 256 MiB heap and B + 64 MiB of direct memory, i.e. for the default 128M budget
# "-XX:+UseSerialGC -Xms64m -Xmx256m -XX:MaxDirectMemorySize=192m -XX:+ExitOnOutOfMemoryError"
service_java_opts() {
    if [ -n "${BENCH_JAVA_OPTS:-}" ]; then
        echo "$BENCH_JAVA_OPTS"
        return
    fi
    echo "-XX:+UseSerialGC -Xms64m -Xmx256m -XX:MaxDirectMemorySize=$(($(budget_mib) + 64))m -XX:+ExitOnOutOfMemoryError"
}

# start_service STORE_URL LOG [extra JVM options...]: sets SVC_PID, SVC_URL, SVC_AUTH (curl arguments), SVC_KEY
start_service() {
    local store="$1" logf="$2" port mport
    shift 2
    port="$(free_port "${BENCH_SERVICE_PORT:-$((19000 + RANDOM % 800))}")"
    mport="$(free_port $((port + 1)))"
    mkdir -p "$WORK/service"
    # A bearer API key for builds with REST auth (mirror.api.keys.<name>.key/.role); builds without it ignore it.
    local key="${BENCH_API_KEY:-bench-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')}"
    local auth_opts=()
    if [ "${BENCH_AUTH:-auto}" != off ]; then
        auth_opts=("-Dmirror.api.keys.bench.key=$key" "-Dmirror.api.keys.bench.role=${BENCH_API_ROLE:-submit}")
        SVC_AUTH=(-H "Authorization: Bearer $key")
        # shellcheck disable=SC2034 # read by api-load.sh
        SVC_KEY="$key"
    else
        SVC_AUTH=()
        # shellcheck disable=SC2034 # read by api-load.sh
        SVC_KEY=""
    fi
    (
        cd "$WORK/service" || exit 1
        export HF_ENDPOINT="$HUB_URL" MIRROR_STORE_URL="$store" AWS_ENDPOINT_URL_S3="${S3_URL:-}" \
            MIRROR_HUB_REDIRECT_ALLOWLIST=127.0.0.1 MIRROR_HUB_ALLOW_PRIVATE_REDIRECTS=true QUARKUS_HTTP_PORT="$port" QUARKUS_HTTP_HOST=127.0.0.1 \
            QUARKUS_MANAGEMENT_PORT="$mport" QUARKUS_MANAGEMENT_HOST=127.0.0.1 \
            MIRROR_TRANSFER_MEMORY_BUDGET="${BENCH_BUDGET:-128M}"
        unset HF_TOKEN
        local opts
        read -r -a opts <<<"$(service_java_opts)"
        exec "$(service_java)" "${opts[@]}" "$@" "${auth_opts[@]}" \
            -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
            -jar "$ROOT/target/quarkus-app/quarkus-run.jar" >"$logf" 2>&1
    ) &
    SVC_PID=$!
    STARTED_PIDS+=("$SVC_PID")
    SVC_URL="http://127.0.0.1:$port"
    wait_http "http://127.0.0.1:$mport/q/health/ready" 120 "$SVC_PID" \
        || die "the service did not become ready in 120 s: $(tail -20 "$logf")"
    local code
    code="$(curl -s -o /dev/null -w '%{http_code}' "$SVC_URL/v1/jobs")"
    if [ "$code" = 401 ] || [ "$code" = 403 ]; then
        code="$(curl -s -o /dev/null -w '%{http_code}' "${SVC_AUTH[@]}" "$SVC_URL/v1/jobs")"
        [ "$code" = 200 ] || die "the service refuses the bench API key ($code): set BENCH_API_ROLE"
        log "service: REST needs an API key; using the bench key"
    fi
    log "service pid=$SVC_PID $SVC_URL store=$store budget=${BENCH_BUDGET:-128M} java=$(service_java) $(service_java_opts)"
}

# --- /proc counters ------------------------------------------------------------------------------------------------
# CPU seconds (utime + stime) of PID
cpu_seconds() {
    local stat
    stat="$(cat "/proc/$1/stat")"
    stat="${stat##*) }"
    # after the command name: field 3 is the state, so utime (14) and stime (15) are the 12th and 13th here
    awk -v tck="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($12 + $13) / tck }' <<<"$stat"
}
write_bytes() { awk '/^write_bytes:/ { print $2 }' "/proc/$1/io"; }
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# Resets the peak RSS (VmHWM) of PID to its current RSS (Linux: echo 5 > clear_refs)
reset_hwm() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || log "cannot reset VmHWM of $1: peak is since start"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
