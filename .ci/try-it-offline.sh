#!/usr/bin/env bash
# Runs docs/try-it-offline.md as a newcomer would: every ```bash block of the page, in order, in one bash shell, so
# the page and this check cannot drift. The build step is skipped when the service and the test classes are already
# built (as after `./mvnw verify` in .ci/run). The processes the page starts are stopped by their PIDs on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."

page=docs/try-it-offline.md
commands=$(mktemp)
awk '/^```bash$/ { inside = 1; next } /^```$/ { inside = 0 } inside' "$page" > "$commands"
if [ -f target/quarkus-app/quarkus-run.jar ] && [ -d target/test-classes ] && [ -f target/s3proxy/s3proxy.jar ]; then
  sed -i 's|^\./mvnw -B -ntp package -DskipTests$|echo "try-it-offline: already built, build step skipped"|' "$commands"
fi
for port in 8080 8090 8091 8092 9000; do
  if (echo > "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
    echo "try-it-offline: port $port is in use; the page needs 8080, 8090-8092 and 9000 free" >&2
    exit 1
  fi
done

stop() {
  status=$?
  for pid in ${SVC_PID:-} ${S3_PID:-} ${SIM_PID:-}; do
    kill "$pid" 2> /dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    echo "try-it-offline: FAILED (exit $status); the logs of what it started:" >&2
    tail -n 40 /tmp/byhand/*.log >&2 2> /dev/null || true
  fi
  rm -f "$commands"
}
trap stop EXIT

echo "try-it-offline: running $(grep -c '' "$commands") lines of $page"
# shellcheck disable=SC1090
source "$commands"
echo "try-it-offline: OK"
