// containerd 2.x: config (version 3 layout), the upstream systemd unit pointed at /usr/local/bin
// (where the node program installs the release tarball), crictl's endpoint, and the registry mirror.
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { toYaml } from '../../emit/yaml.js';
import { tomlString } from '../text/toml.js';

const SOCKET = 'unix:///run/containerd/containerd.sock';
const CERTS_D = '/etc/containerd/certs.d';

/**
 * Config version 3 (containerd 2.x): the CRI plugin is split into io.containerd.cri.v1.images
 * (pulls, the pinned sandbox image, registry hosts) and io.containerd.cri.v1.runtime (runtimes, CNI).
 * The CNI section is left at its defaults (/opt/cni/bin, /etc/cni/net.d): its key changed from
 * bin_dir to bin_dirs within 2.x, and the defaults are already where the node program installs.
 */
function configToml(pauseImage: string): string {
  const images = `plugins.'io.containerd.cri.v1.images'`;
  const runtime = `plugins.'io.containerd.cri.v1.runtime'`;
  return `# Written by kspray (containerd 2.x, config version 3).
version = 3
root = '/var/lib/containerd'
state = '/run/containerd'

[${images}]
  snapshotter = 'overlayfs'

[${images}.pinned_images]
  # Never garbage-collected; kubelet's pod sandboxes use it (matches kubeadm's pause image).
  sandbox = ${tomlString(pauseImage)}

[${images}.registry]
  # Per-registry hosts.toml files (mirrors, CAs): https://github.com/containerd/containerd/blob/main/docs/hosts.md
  config_path = ${tomlString(CERTS_D)}

[${runtime}.containerd]
  default_runtime_name = 'runc'

[${runtime}.containerd.runtimes.runc]
  runtime_type = 'io.containerd.runc.v2'

[${runtime}.containerd.runtimes.runc.options]
  # kubelet's cgroupDriver is systemd (kubeadm's default): both must agree.
  SystemdCgroup = true
  BinaryName = '/usr/local/sbin/runc'
`;
}

/** containerd's own containerd.service (containerd/containerd, Apache-2.0), ExecStart in /usr/local/bin. */
const CONTAINERD_SERVICE = `# containerd's upstream unit (containerd/containerd containerd.service), written by kspray.
[Unit]
Description=containerd container runtime
Documentation=https://containerd.io
After=network.target dbus.service

[Service]
ExecStartPre=-/sbin/modprobe overlay
ExecStart=/usr/local/bin/containerd

Type=notify
Delegate=yes
KillMode=process
Restart=always
RestartSec=5

# Having non-zero Limit*s causes performance problems due to accounting overhead
# in the kernel. We recommend using cgroups to do container-local accounting.
LimitNPROC=infinity
LimitCORE=infinity

TasksMax=infinity
OOMScoreAdjust=-999

[Install]
WantedBy=multi-user.target
`;

/** A mirror for every registry: containerd tries it first and falls back to the upstream registry. */
function mirrorHostsToml(registry: string): string {
  const url = /^https?:\/\//.test(registry) ? registry.replace(/\/+$/, '') : `https://${registry.replace(/\/+$/, '')}`;
  return `# Written by kspray: every registry is pulled through spec.artifacts.registry (Kubespray registry_host).
[host.${tomlString(url)}]
  capabilities = ['pull', 'resolve']
`;
}

export const containerdBuilder: Builder = {
  name: 'containerd',
  build({ model, plan }) {
    if (model.containerRuntime.name !== 'containerd') return;
    const origin = ['spec', 'containerRuntime'];
    addFile(plan, { path: '/etc/containerd/config.toml', content: configToml(model.images.pause), builder: 'containerd', origin });
    addFile(plan, { path: '/etc/systemd/system/containerd.service', content: CONTAINERD_SERVICE, builder: 'containerd', origin });
    addFile(plan, {
      path: '/etc/crictl.yaml',
      content: toYaml({ 'runtime-endpoint': SOCKET, 'image-endpoint': SOCKET, timeout: 30, debug: false }),
      builder: 'containerd',
      origin,
    });
    if (model.artifacts.registry) {
      addFile(plan, {
        path: `${CERTS_D}/_default/hosts.toml`,
        content: mirrorHostsToml(model.artifacts.registry),
        builder: 'containerd',
        origin: ['spec', 'artifacts', 'registry'],
      });
    }
  },
};
