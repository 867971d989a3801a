#!/bin/bash
# Written by kspray (spec.pki.autoRenew): renews this control plane's kubeadm certificates and
# kubeconfigs, then restarts its control-plane pods so they load them.
set -euo pipefail
# shellcheck source=/dev/null
. "${KSPRAY_CERTS_RENEW_ENV:-/etc/kspray/certs-renew.env}"
export PATH="$KSPRAY_BIN_DIR:$PATH"
echo "## Expiration before renewal ##"
kubeadm certs check-expiration
echo "## Renewing certificates managed by kubeadm ##"
kubeadm certs renew all
echo "## Restarting control-plane pods managed by kubeadm ##"
crictl pods --namespace kube-system --name 'kube-scheduler-*|kube-controller-manager-*|kube-apiserver-*|etcd-*' -q | xargs --no-run-if-empty crictl rmp -f
echo "## Waiting for the API server ##"
for _ in $(seq 1 300); do
  if curl -ksf "https://127.0.0.1:$KSPRAY_API_PORT/readyz" >/dev/null; then break; fi
  sleep 2
done
echo "## Expiration after renewal ##"
kubeadm certs check-expiration
