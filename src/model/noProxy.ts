// NO_PROXY the way Kubespray computes it (roles/kubespray_defaults/tasks/no_proxy.yml): everything
// inside the cluster must bypass the proxy, or kubeadm, kubelet and the runtimes would send
// apiserver, node and service traffic through it.
import type { NodeModel } from './model.js';

export interface NoProxyInputs {
  user: string[];
  nodes: NodeModel[];
  serviceSubnet: string;
  podSubnet: string;
  clusterDomain: string;
  apiHost: string;
  nodeLocalDNSAddress: string;
}

/** User entries first, then localhost, nodes, cluster subnets and names, the API host, nodelocaldns; no duplicates. */
export function noProxyList(i: NoProxyInputs): string {
  const fixed = i.nodes.filter((n) => n.kind === 'node');
  const entries = [
    ...i.user,
    'localhost',
    '127.0.0.1',
    ...fixed.flatMap((n) => [n.name, ...n.addresses]),
    i.serviceSubnet,
    i.podSubnet,
    'svc',
    `svc.${i.clusterDomain}`,
    `.${i.clusterDomain}`,
    i.apiHost,
    i.nodeLocalDNSAddress,
  ];
  return [...new Set(entries)].join(',');
}
