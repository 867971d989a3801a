// Kernel settings every node needs before containerd and kubelet start. The node program's
// prepare-os phase loads these modules and runs `sysctl --system`; systemd applies them on reboots.
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { KSPRAY_SYSCTLS } from '../../model/kernelSettings.js';
import { hasIPv6 } from '../../model/model.js';

/** kube-proxy's IPVS mode needs these loaded (Kubespray node main.yml). */
const IPVS_MODULES = ['ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_sh', 'nf_conntrack'];

/**
 * IPv6 forwarding for clusters with IPv6 (Kubespray's sysctl for ipv6_stack): pods' IPv6 traffic is
 * routed by the node. "all" alone covers every interface, existing and future (the kernel copies
 * it to each); "default" too, for interfaces a CNI creates later.
 */
const IPV6_SYSCTL: Array<[string, string | number]> = [
  ['net.ipv6.conf.all.forwarding', 1],
  ['net.ipv6.conf.default.forwarding', 1],
];

export const osBuilder: Builder = {
  name: 'os',
  build({ model, node, plan }) {
    const sysctl = [...KSPRAY_SYSCTLS, ...(hasIPv6(model) ? IPV6_SYSCTL : [])];
    addFile(plan, {
      path: '/etc/sysctl.d/99-kubernetes.conf',
      content: '# Written by kspray.\n' + sysctl.map(([k, v]) => `${k} = ${v}\n`).join(''),
      builder: 'os',
      origin: node.specPath,
    });
    // br_netfilter must be loaded for the net.bridge.* keys above to exist.
    const modules = ['overlay', 'br_netfilter', ...(model.kubernetes.proxyMode === 'ipvs' ? IPVS_MODULES : [])];
    addFile(plan, {
      path: '/etc/modules-load.d/kubernetes.conf',
      content: '# Written by kspray.\n' + modules.map((m) => `${m}\n`).join(''),
      builder: 'os',
      origin: model.kubernetes.proxyMode === 'ipvs' ? ['spec', 'kubernetes', 'proxyMode'] : node.specPath,
    });
  },
};
