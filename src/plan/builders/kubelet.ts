// kubelet's systemd unit and kubeadm's drop-in, as the kubernetes/release deb/rpm packages ship
// them, with the binary in /usr/local/bin (installed by the node program, not a package).
// `kubeadm init|join` writes /var/lib/kubelet/config.yaml and kubeadm-flags.env, then starts kubelet;
// until then kubelet restarts in a loop, which is expected.
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { osProfile } from '../osProfile.js';

const RUNTIME_UNIT = { containerd: 'containerd.service', 'cri-o': 'crio.service' } as const;

function kubeletService(runtimeUnit: string, binDir: string): string {
  return `# kubernetes/release kubelet.service, written by kspray (binary in ${binDir}).
[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=https://kubernetes.io/docs/
Wants=network-online.target
After=network-online.target ${runtimeUnit}

[Service]
ExecStart=${binDir}/kubelet
Restart=always
StartLimitInterval=0
RestartSec=10

[Install]
WantedBy=multi-user.target
`;
}

const kubeadmDropin = (binDir: string) => `# kubeadm's drop-in (kubernetes/release 10-kubeadm.conf), written by kspray.
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generates at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=${binDir}/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

export const kubeletBuilder: Builder = {
  name: 'kubelet',
  build({ model, node, plan }) {
    addFile(plan, {
      path: '/etc/systemd/system/kubelet.service',
      content: kubeletService(RUNTIME_UNIT[model.containerRuntime.name], osProfile(node.os).binDir),
      builder: 'kubelet',
      origin: node.specPath,
    });
    addFile(plan, {
      path: '/etc/systemd/system/kubelet.service.d/10-kubeadm.conf',
      content: kubeadmDropin(osProfile(node.os).binDir),
      builder: 'kubelet',
      origin: node.specPath,
    });
  },
};
