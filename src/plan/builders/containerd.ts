// containerd: config.toml (version 3 for containerd 2.x, version 2 for 1.7 and Flatcar's), the
// upstream systemd unit pointed at /usr/local/bin (where the node program installs the release
// tarball), crictl's endpoint, and registry hosts (certs.d/<host>/hosts.toml) for the mirrors.
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { toYaml } from '../../text/yaml.js';
import { tomlString } from '../../text/toml.js';
import { osProfile } from '../osProfile.js';
import { containerdConfigVersion } from '../../catalog/runtime.js';
import type { RegistryMirror } from '../../model/model.js';

const SOCKET = 'unix:///run/containerd/containerd.sock';
const CERTS_D = '/etc/containerd/certs.d';

/**
 * runc as the default runtime, with systemd cgroups: the same in both config versions, under the
 * table `containerd` (v2: the CRI plugin's, v3: the runtime plugin's). `header: false` continues the
 * table the caller opened (v2 keeps its snapshotter there).
 */
function runcRuntime(containerd: string, runc: string, header = true): string {
  return `${header ? `[${containerd}]\n` : ''}  default_runtime_name = 'runc'

[${containerd}.runtimes.runc]
  runtime_type = 'io.containerd.runc.v2'

[${containerd}.runtimes.runc.options]
  # kubelet's cgroupDriver is systemd (kubeadm's default): both must agree.
  SystemdCgroup = true
  BinaryName = ${tomlString(runc)}
`;
}

/**
 * Config version 3 (containerd 2.x): the CRI plugin is split into io.containerd.cri.v1.images
 * (pulls, the pinned sandbox image, registry hosts) and io.containerd.cri.v1.runtime (runtimes, CNI).
 * The CNI section is left at its defaults (/opt/cni/bin, /etc/cni/net.d): its key changed from
 * bin_dir to bin_dirs within 2.x, and the defaults are already where the node program installs.
 */
function configToml(pauseImage: string, runc: string): string {
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

${runcRuntime(`${runtime}.containerd`, runc)}`;
}

/**
 * Config version 2: containerd 1.7 (a pinned 1.7.x) reads only this one. Flatcar's built-in
 * containerd is 1.7 on older channels, 2.x on newer ones; 2.x migrates version 2 in memory, so
 * one file fits every Flatcar release (runc is then the OS's).
 */
function configTomlV2(pauseImage: string, runc: string, header: string): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return `# Written by kspray (${header}).
version = 2
root = '/var/lib/containerd'
state = '/run/containerd'

[${cri}]
  # Matches kubeadm's pause image.
  sandbox_image = ${tomlString(pauseImage)}

[${cri}.containerd]
  snapshotter = 'overlayfs'
${runcRuntime(`${cri}.containerd`, runc, false)}
[${cri}.cni]
  bin_dir = '/opt/cni/bin'
  conf_dir = '/etc/cni/net.d'

[${cri}.registry]
  config_path = ${tomlString(CERTS_D)}
`;
}

/** Flatcar's containerd.service starts with its own /usr/share config: point it at ours. */
const FLATCAR_DROPIN = `# Written by kspray: Flatcar's containerd with /etc/containerd/config.toml (Flatcar docs, "Customizing containerd").
[Service]
ExecStart=
ExecStart=/usr/bin/containerd --config /etc/containerd/config.toml
`;

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

/**
 * hosts.toml for one registry of spec.containerRuntime.registryMirrors (Kubespray's hosts.toml.j2):
 * the endpoints in order, then `server`, the registry itself (docker.io's API is registry-1.docker.io).
 * `_default` applies to every registry without its own directory and has no server of its own.
 */
function registryHostsToml(m: RegistryMirror): string {
  const server = m.host === '_default' ? '' : `server = ${tomlString(m.host === 'docker.io' ? 'https://registry-1.docker.io' : `https://${m.host}`)}\n`;
  const hosts = m.endpoints.map(
    (e) => `\n[host.${tomlString(e.replace(/\/+$/, ''))}]\n  capabilities = ['pull', 'resolve']\n  skip_verify = ${m.skipVerify}\n`,
  );
  return `# Written by kspray: mirrors for ${m.host} (spec.containerRuntime.registryMirrors).\n${server}${hosts.join('')}`;
}

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
  build({ model, node, plan }) {
    if (model.containerRuntime.name !== 'containerd') return;
    const origin = ['spec', 'containerRuntime'];
    const os = osProfile(node.os);
    if (os.installContainerd) {
      const version = model.containerRuntime.version;
      const config =
        containerdConfigVersion(version) === 3
          ? configToml(model.images.pause, os.runc)
          : configTomlV2(model.images.pause, os.runc, `containerd ${version}, config version 2`);
      addFile(plan, { path: '/etc/containerd/config.toml', content: config, builder: 'containerd', origin });
      addFile(plan, { path: '/etc/systemd/system/containerd.service', content: CONTAINERD_SERVICE, builder: 'containerd', origin });
    } else {
      // The OS's containerd: configure it, never replace it. The choice comes from the node's os.
      const osOrigin = [...node.specPath, 'os'];
      const header = "Flatcar's built-in containerd, config version 2: read by 1.7 and 2.x";
      addFile(plan, { path: '/etc/containerd/config.toml', content: configTomlV2(model.images.pause, os.runc, header), builder: 'containerd', origin: osOrigin });
      addFile(plan, {
        path: '/etc/systemd/system/containerd.service.d/10-kspray.conf',
        content: FLATCAR_DROPIN,
        builder: 'containerd',
        origin: osOrigin,
      });
    }
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
    model.containerRuntime.registryMirrors.forEach((m, i) => {
      addFile(plan, {
        path: `${CERTS_D}/${m.host}/hosts.toml`,
        content: registryHostsToml(m),
        builder: 'containerd',
        origin: ['spec', 'containerRuntime', 'registryMirrors', i],
      });
    });
  },
};
