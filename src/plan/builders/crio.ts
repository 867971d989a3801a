// cri-o from its official static bundle (the node program installs crio and pinns into the bin dir,
// the bundle's conmon, crun and runc into /usr/local/libexec/crio, its crio.service and its default
// policy.json): kspray's drop-in over cri-o's built-in defaults, the registry mirrors and crictl's endpoint.
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { toYaml } from '../../text/yaml.js';
import { tomlString } from '../../text/toml.js';
import { osProfile } from '../osProfile.js';
import type { RegistryMirror } from '../../model/model.js';
import { criSocket } from '../criSocket.js';
import { runsKubernetes } from '../../model/model.js';

/** Where the node program puts the bundle's OCI runtimes and conmon (the bundle installer's LIBEXEC_CRIO_DIR). */
export const CRIO_LIBEXEC = '/usr/local/libexec/crio';

/**
 * crio.conf.d/10-kspray.conf. crun is cri-o's default runtime since its bundle ships it; runc stays
 * available as a runtime handler. monitor_cgroup is the per-runtime form of the deprecated
 * conmon_cgroup: with the systemd cgroup manager conmon must live in a slice, not in the pod.
 */
function crioDropin(pauseImage: string, binDir: string): string {
  const runtime = (name: string) => `
[crio.runtime.runtimes.${name}]
runtime_path = ${tomlString(`${CRIO_LIBEXEC}/${name}`)}
runtime_type = "oci"
runtime_root = ${tomlString(`/run/${name}`)}
monitor_path = ${tomlString(`${CRIO_LIBEXEC}/conmon`)}
monitor_cgroup = "system.slice"
`;
  return `# Written by kspray: cri-o from its static bundle, systemd cgroups like kubelet (kubeadm's default).
[crio.api]
listen = "/var/run/crio/crio.sock"

[crio.runtime]
cgroup_manager = "systemd"
default_runtime = "crun"
pinns_path = ${tomlString(`${binDir}/pinns`)}
${runtime('crun')}${runtime('runc')}
[crio.image]
# Matches kubeadm's pause image.
pause_image = ${tomlString(pauseImage)}

[crio.network]
network_dir = "/etc/cni/net.d/"
plugin_dirs = ["/opt/cni/bin/"]
`;
}

/** containers-registries.conf(5) location: host[:port][/path], no scheme. */
const location = (url: string) => url.replace(/^https?:\/\//, '').replace(/\/+$/, '');

/**
 * registries.conf.d entry for one registry (Kubespray's registry.conf.j2): the mirrors are tried in
 * order, then the registry itself. `insecure` allows plain HTTP and skips TLS verification, so an
 * http:// endpoint needs it too.
 */
function registriesConf(m: RegistryMirror): string {
  const mirrors = m.endpoints.map(
    (e) => `\n[[registry.mirror]]\nlocation = ${tomlString(location(e))}\ninsecure = ${m.skipVerify || e.startsWith('http://')}\n`,
  );
  return `# Written by kspray: mirrors for ${m.host} (spec.containerRuntime.registryMirrors).
[[registry]]
prefix = ${tomlString(m.host)}
location = ${tomlString(m.host === 'docker.io' ? 'registry-1.docker.io' : m.host)}
${mirrors.join('')}`;
}

export const registriesConfPath = (host: string): string => `/etc/containers/registries.conf.d/10-${host.replace(/:/g, '_')}.conf`;

export const crioBuilder: Builder = {
  name: 'cri-o',
  build({ model, node, plan }) {
    // External etcd members run no kubelet, so no runtime.
    if (model.containerRuntime.name !== 'cri-o' || !runsKubernetes(node)) return;
    const origin = ['spec', 'containerRuntime'];
    addFile(plan, {
      path: '/etc/crio/crio.conf.d/10-kspray.conf',
      content: crioDropin(model.images.pause, osProfile(node.os).binDir),
      builder: 'cri-o',
      origin,
    });
    const socket = criSocket(model);
    addFile(plan, {
      path: '/etc/crictl.yaml',
      content: toYaml({ 'runtime-endpoint': socket, 'image-endpoint': socket, timeout: 30, debug: false }),
      builder: 'cri-o',
      origin,
    });
    model.containerRuntime.registryMirrors.forEach((m, i) => {
      addFile(plan, {
        path: registriesConfPath(m.host),
        content: registriesConf(m),
        builder: 'cri-o',
        origin: ['spec', 'containerRuntime', 'registryMirrors', i],
      });
    });
  },
};
