// spec.pki.autoRenew: Kubespray's auto_renew_certificates on the node, no SSH. Each control plane
// gets a systemd timer (Kubespray's k8s-certs-renew.timer, first Monday of the month by default)
// running `kubeadm certs renew all` with the CA keys it already holds, then removing its control-plane
// pods so the kubelet restarts them with the new certificates, as Kubespray's k8s-certs-renew.sh does.
// Certificates signed by a CA the node has no key for (external etcd's apiserver-etcd-client) are
// reported by kubeadm as external and left alone: `kspray certs renew` renews those from the bundle.
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { osProfile } from '../osProfile.js';
import { envFile } from '../../text/shell.js';

export const CERTS_RENEW_UNIT = 'kspray-certs-renew';
const SCRIPT = '/opt/kspray/kspray-certs-renew.sh';

// Static: the bin dir and API port come from /etc/kspray/certs-renew.env.
const script = `#!/bin/bash
# Written by kspray (spec.pki.autoRenew): renews this control plane's kubeadm certificates and
# kubeconfigs, then restarts its control-plane pods so they load them.
set -euo pipefail
# shellcheck source=/dev/null
. "\${KSPRAY_CERTS_RENEW_ENV:-/etc/kspray/certs-renew.env}"
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
`;

const service = `# Written by kspray (spec.pki.autoRenew): Kubespray's k8s-certs-renew.service.
[Unit]
Description=Renew this control plane's Kubernetes certificates (kubeadm certs renew)
# Only once the node has bootstrapped (the node program writes /var/lib/kspray/done).
ConditionPathExists=/var/lib/kspray/done

[Service]
Type=oneshot
ExecStart=/bin/bash ${SCRIPT}
`;

const timer = (onCalendar: string) => `# Written by kspray (spec.pki.autoRenew): Kubespray's k8s-certs-renew.timer.
[Unit]
Description=Renew this control plane's Kubernetes certificates on a schedule

[Timer]
OnCalendar=${onCalendar}
Persistent=true

[Install]
WantedBy=timers.target
`;

export const certsRenewBuilder: Builder = {
  name: 'certs-renew',
  build({ model, node, plan }) {
    const calendar = model.pki.autoRenewCalendar;
    if (!calendar || !node.isControlPlane) return;
    const b = { builder: 'certs-renew', origin: ['spec', 'pki', 'autoRenew'] };
    addFile(plan, { ...b, path: SCRIPT, content: script, mode: 0o755 });
    addFile(plan, {
      ...b,
      path: '/etc/kspray/certs-renew.env',
      content: envFile([
        ['KSPRAY_BIN_DIR', osProfile(node.os).binDir],
        ['KSPRAY_API_PORT', String(model.controlPlane.bindPort)],
      ]),
    });
    addFile(plan, { ...b, path: `/etc/systemd/system/${CERTS_RENEW_UNIT}.service`, content: service });
    addFile(plan, { ...b, path: `/etc/systemd/system/${CERTS_RENEW_UNIT}.timer`, content: timer(calendar) });
    // Enabled by the payload itself; the service refuses to run before the node is done bootstrapping.
    plan.startUnits.push(`${CERTS_RENEW_UNIT}.timer`);
  },
};
