#!/usr/bin/env bash
# Lints the deployment manifests: renders the kustomize base and every overlay under k8s/ with `kubectl kustomize`
# (any error or warning fails), lints k8s/ and the rendered manifests with yamllint (.ci/yamllint.yml), checks that
# every overlay still renders the resources and hardening the docs promise, and shellchecks this script and
# load-tests/*.sh.
# Installs what it needs from Debian's packages when it is missing; run as root (CI) or with the tools installed.
# Takes a few seconds once the tools are there. Usage: bash .ci/lint-deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'lint-deploy: %s\n' "$*"; }
fail() {
    printf 'lint-deploy: FAILED: %s\n' "$*" >&2
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# --- tools -------------------------------------------------------------------------------------------------------
# yamllint and kubectl are required; shellcheck is used when Debian provides it. Nothing is installed twice.
apt_updated=false
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        fail "missing $*: install it (apt-get install -y $*) or run this script as root"
    fi
    if [ "$apt_updated" = false ]; then
        log "apt-get update"
        apt-get update -qq
        apt_updated=true
    fi
    log "apt-get install -y $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

have yamllint || apt_install yamllint
# kubectl: the machine may already have one (Google's cloud-sdk package `kubectl` ships kubectl with kustomize v5).
# Debian's own kubernetes-client (bookworm: kubectl 1.20, kustomize v2) is too old for these kustomizations.
if ! have kubectl; then
    apt_install kubectl || fail "no kubectl: install kubectl >= 1.21 (kustomize >= v4) from a Kubernetes apt repository"
fi
if ! have shellcheck; then
    apt_install shellcheck || log "shellcheck not available: script not shellchecked"
fi

log "yamllint: $(yamllint --version 2>&1)"
log "kubectl: $(kubectl version --client 2>&1 | tr '\n' ' ')"

# --- render ------------------------------------------------------------------------------------------------------
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

targets=(k8s/base)
for overlay in k8s/overlays/*/; do
    targets+=("${overlay%/}")
done
[ "${#targets[@]}" -gt 1 ] || fail "no overlays under k8s/overlays"

for target in "${targets[@]}"; do
    rendered="$out/$(basename "$target").yaml"
    if ! kubectl kustomize "$target" >"$rendered" 2>"$rendered.err"; then
        cat "$rendered.err" >&2
        fail "kubectl kustomize $target"
    fi
    # kustomize reports deprecated fields on stderr and still succeeds: treat that as a failure too
    if [ -s "$rendered.err" ]; then
        cat "$rendered.err" >&2
        fail "kubectl kustomize $target wrote warnings"
    fi
    log "rendered $target: $(grep -c '^kind: ' "$rendered") resources"
done

# --- what every overlay must still contain -----------------------------------------------------------------------
for target in "${targets[@]}"; do
    [ "$target" = k8s/base ] && continue
    rendered="$out/$(basename "$target").yaml"
    for kind in Namespace ServiceAccount ConfigMap Deployment Service NetworkPolicy PodDisruptionBudget \
        ServiceMonitor ScaledObject; do
        grep -q "^kind: $kind\$" "$rendered" || fail "$target renders no $kind"
    done
    for hardening in 'readOnlyRootFilesystem: true' 'runAsNonRoot: true' 'allowPrivilegeEscalation: false' \
        'type: RuntimeDefault' 'path: /q/health/ready' 'path: /q/health/live' 'path: /q/health/started'; do
        grep -q -- "$hardening" "$rendered" || fail "$target lost '$hardening'"
    done
    grep -q '^  MIRROR_STORE_URL: ' "$rendered" || fail "$target sets no MIRROR_STORE_URL"
    for key in MIRROR_API_KEYS_SUBMIT_KEY MIRROR_API_KEYS_READ_KEY; do
        grep -q -- "- name: $key\$" "$rendered" || fail "$target lost the API key $key (Secret hub-mirror-api-keys)"
    done
    grep -q 'name: hub-mirror-api-keys' "$rendered" || fail "$target does not read the Secret hub-mirror-api-keys"
done
log "checked: every overlay renders all resource kinds, the pod hardening, the three probes, a store URL and API keys"

# --- yamllint ----------------------------------------------------------------------------------------------------
# Warnings fail too (--strict). Rendered manifests are machine-formatted: line length is not theirs to keep.
yamllint --strict -c .ci/yamllint.yml k8s/ || fail "yamllint k8s/ (rules: .ci/yamllint.yml)"
log "yamllint: k8s/ ($(find k8s -name '*.yaml' | wc -l) files)"
yamllint --strict -d '{extends: .ci/yamllint.yml, rules: {line-length: disable}}' "$out" \
    || fail "yamllint of the rendered manifests"
log "yamllint: rendered manifests of ${targets[*]}"

# --- shellcheck --------------------------------------------------------------------------------------------------
if have shellcheck; then
    shellcheck .ci/lint-deploy.sh || fail "shellcheck .ci/lint-deploy.sh"
    log "shellcheck: .ci/lint-deploy.sh"
    shellcheck -x load-tests/*.sh || fail "shellcheck load-tests/*.sh"
    log "shellcheck: load-tests/*.sh"
fi

log "OK"
