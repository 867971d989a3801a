// spec.proxy: systemd drop-ins giving the container runtime and kubelet HTTP_PROXY, HTTPS_PROXY and
// NO_PROXY (Kubespray's http-proxy.conf drop-ins). The node program's own downloads get the same
// values through node.env (bootstrap builder).
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { runsKubernetes, type ProxySettings } from '../../model/model.js';

const RUNTIME_UNIT = { containerd: 'containerd.service', 'cri-o': 'crio.service' } as const;

/** A systemd Environment= assignment: double-quoted, with \, " and the specifier character % escaped. */
function environment(name: string, value: string): string {
  const quoted = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  return `Environment="${name}=${quoted}"\n`;
}

export function proxyDropin(p: ProxySettings): string {
  return (
    '# Written by kspray from spec.proxy.\n[Service]\n' +
    (p.http ? environment('HTTP_PROXY', p.http) : '') +
    (p.https ? environment('HTTPS_PROXY', p.https) : '') +
    environment('NO_PROXY', p.noProxy)
  );
}

export const proxyBuilder: Builder = {
  name: 'proxy',
  build({ model, node, plan }) {
    if (!model.proxy || !runsKubernetes(node)) return;
    const content = proxyDropin(model.proxy);
    for (const unit of [RUNTIME_UNIT[model.containerRuntime.name], 'kubelet.service']) {
      addFile(plan, { path: `/etc/systemd/system/${unit}.d/http-proxy.conf`, content, builder: 'proxy', origin: ['spec', 'proxy'] });
    }
  },
};
