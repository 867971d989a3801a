// The API server address for network-plugin pods that must work before pod networking and Service
// routing exist (hostNetwork agents, Cilium without kube-proxy): never the `kubernetes` Service IP.
import type { ClusterModel } from '../../model/model.js';

export interface ApiServerAddress {
  host: string;
  port: number;
}

/**
 * localhost: every kubelet node answers on 127.0.0.1:<bindPort> (the local apiserver on control
 * planes, the nginx/haproxy static pod on the others), started by the kubelet before any CNI.
 * kube-vip and external: the shared endpoint (the VIP, or the user's load balancer), reachable
 * from every node by definition, and the address kubeadm already joined them through.
 */
export function apiServerForNodeAgents(model: ClusterModel): ApiServerAddress {
  if (model.controlPlane.loadBalancer === 'localhost') return { host: '127.0.0.1', port: model.controlPlane.bindPort };
  const endpoint = model.controlPlane.kubeadmEndpoint;
  const colon = endpoint.lastIndexOf(':');
  // client-go joins host and port itself (net.JoinHostPort): an IPv6 host goes without brackets.
  return { host: endpoint.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(endpoint.slice(colon + 1)) };
}

/** The env entries client-go's in-cluster config reads instead of the Service IP. */
export function apiServerEnv(model: ClusterModel) {
  const api = apiServerForNodeAgents(model);
  return [
    { name: 'KUBERNETES_SERVICE_HOST', value: api.host },
    { name: 'KUBERNETES_SERVICE_PORT', value: String(api.port) },
  ];
}

/** Every node pod networking serves (control planes, workers; pools count each member). */
export const kubeletNodeCount = (model: ClusterModel): number =>
  model.nodes.filter((n) => n.isControlPlane || n.roles.includes('worker')).reduce((sum, n) => sum + n.count, 0);
