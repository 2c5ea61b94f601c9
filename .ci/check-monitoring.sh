#!/usr/bin/env bash
# Checks the monitoring assets with Prometheus' own tool, after the Maven build:
#   - promtool check rules on the alert rules (the `spec` of k8s/base/prometheusrule.yaml, a plain rules file);
#   - promtool check metrics on the scrape MonitoringTest saved after real mirrors (target/metrics-scrape.txt): the
#     whole scrape must parse, and hub-mirror's own metrics (hubmirror_*) must pass promtool's lint; lint findings
#     about library metrics (JVM, Netty, HTTP server) are printed but do not fail, they are not ours to rename;
#   - the Grafana dashboard parses as JSON and k8s/monitoring renders with kubectl kustomize (when kubectl is there).
# Installs Debian's `prometheus` package (which ships promtool) when promtool is missing; run as root (CI) or with it
# installed. Usage: bash .ci/check-monitoring.sh   (after ./mvnw verify, which writes the scrape)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'check-monitoring: %s\n' "$*"; }
fail() {
    printf 'check-monitoring: FAILED: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

rules_source=k8s/base/prometheusrule.yaml
dashboard=k8s/monitoring/hub-mirror-dashboard.json
scrape=target/metrics-scrape.txt

if ! have promtool; then
    [ "$(id -u)" -eq 0 ] || fail "promtool missing: apt-get install -y prometheus, or run this script as root"
    log "apt-get install -y prometheus (for promtool)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    # the package starts a Prometheus server where an init system runs; it is not needed here
    if have systemctl && systemctl is-active --quiet prometheus 2>/dev/null; then
        systemctl stop prometheus || true
    fi
fi
log "$(promtool --version 2>&1 | head -1)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- rules -------------------------------------------------------------------------------------------------------
# The PrometheusRule's spec is a rules file indented by two spaces: take what follows `spec:` and un-indent it.
[ -f "$rules_source" ] || fail "$rules_source not found"
awk 'found { sub(/^  /, ""); print } /^spec:[[:space:]]*$/ { found = 1 }' "$rules_source" >"$work/rules.yaml"
grep -q '^groups:' "$work/rules.yaml" || fail "$rules_source: no spec.groups found"
promtool check rules "$work/rules.yaml" || fail "promtool check rules $rules_source (spec)"
log "rules: $rules_source OK"

# --- metrics -----------------------------------------------------------------------------------------------------
[ -s "$scrape" ] || fail "$scrape is missing: run the Maven build first (MonitoringTest writes it)"
set +e
promtool check metrics <"$scrape" >"$work/lint.txt" 2>&1
status=$?
set -e
case "$status" in
    0) log "metrics: $scrape parses, no lint findings" ;;
    3)
        log "metrics: $scrape parses; promtool's lint findings on library metrics (not failing):"
        sed 's/^/    /' "$work/lint.txt"
        ;;
    *)
        cat "$work/lint.txt" >&2
        fail "promtool check metrics: $scrape does not parse"
        ;;
esac
if grep -q '^hubmirror_' "$work/lint.txt"; then
    grep '^hubmirror_' "$work/lint.txt" >&2
    fail "promtool lint findings on hub-mirror's own metrics"
fi
grep -E '^(# (HELP|TYPE) )?hubmirror_' "$scrape" >"$work/own.txt" || fail "$scrape has no hubmirror_ metrics"
promtool check metrics <"$work/own.txt" || fail "promtool check metrics on the hubmirror_ metrics of $scrape"
log "metrics: $(grep -c '^# TYPE hubmirror_' "$work/own.txt") hubmirror_ metric families pass promtool's lint"

# --- dashboard ---------------------------------------------------------------------------------------------------
if have python3; then
    python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$dashboard" || fail "$dashboard is not valid JSON"
    log "dashboard: $dashboard is valid JSON"
fi
if have kubectl; then
    kubectl kustomize k8s/monitoring >"$work/monitoring.yaml" || fail "kubectl kustomize k8s/monitoring"
    grep -q 'grafana_dashboard: "1"' "$work/monitoring.yaml" || fail "k8s/monitoring lost its grafana_dashboard label"
    log "dashboard: k8s/monitoring renders"
fi

if have shellcheck; then
    shellcheck .ci/check-monitoring.sh || fail "shellcheck .ci/check-monitoring.sh"
fi
log "OK"
