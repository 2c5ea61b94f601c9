#!/usr/bin/env bash
# Summarises a JFR recording of the service: the recording's event counts (jfr summary), the methods on top of the
# sampled stacks (jdk.ExecutionSample), the top frames of this project's code and the hottest packages.
# Usage: load-tests/jfr-top.sh recording.jfr [N]   (N lines per list, default 25; needs the JDK's jfr tool)
set -euo pipefail
rec="${1:?usage: jfr-top.sh recording.jfr [N]}"
n="${2:-25}"
command -v jfr >/dev/null 2>&1 || { echo "no jfr tool on PATH (it ships with the JDK)" >&2; exit 1; }
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
jfr print --events jdk.ExecutionSample --stack-depth 64 "$rec" >"$tmp"
total="$(grep -c '^jdk.ExecutionSample' "$tmp" || true)"
echo "== $rec: $total execution samples"
jfr summary "$rec" | grep -E 'Start|Duration|jdk.ExecutionSample|jdk.GarbageCollection |jdk.ObjectAllocationSample' || true
# A sample's frames follow "stackTrace = [" one per line, innermost first.
echo
echo "== top-of-stack methods (self time), share of samples"
awk '/stackTrace = \[/ { getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); print }' "$tmp" \
    | sort | uniq -c | sort -rn | head -n "$n" | awk -v t="$total" '{ c = $1; $1 = ""; printf "%5.1f%% %s\n", 100 * c / t, $0 }'
echo
echo "== innermost dev.hubmirror frame of each sample (own code on the hot path), share of samples"
awk '/stackTrace = \[/ { inside = 1; found = 0; next }
     inside && /^[ \t]*\]/ { inside = 0; if (!found) print "(no dev.hubmirror frame)"; next }
     inside && !found && /dev\.hubmirror\./ { l = $0; sub(/^[ \t]+/, "", l); sub(/[ \t]+line:.*/, "", l); print l; found = 1 }' "$tmp" \
    | sort | uniq -c | sort -rn | head -n "$n" | awk -v t="$total" '{ c = $1; $1 = ""; printf "%5.1f%% %s\n", 100 * c / t, $0 }'
echo
echo "== packages of the top-of-stack method, share of samples"
awk '/stackTrace = \[/ { getline; sub(/^[ \t]+/, ""); sub(/\(.*/, ""); m = split($0, p, "."); pk = p[1]; for (i = 2; i < m - 1 && i <= 4; i++) pk = pk "." p[i]; print pk }' "$tmp" \
    | sort | uniq -c | sort -rn | head -n "$n" | awk -v t="$total" '{ printf "%5.1f%% %s\n", 100 * $1 / t, $2 }'
