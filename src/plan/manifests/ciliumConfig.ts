// The cilium-config ConfigMap: the settings upstream's Helm chart renders for this kind of cluster
// (cluster-pool IPAM from the spec's pod subnet, VXLAN or Geneve tunnel, kube-proxy replacement on
// request), with keys the agent and operator already default left out to keep the payload small.
import type { ClusterModel } from '../../model/model.js';
import { hasIPv4, podSubnetOf } from '../../model/model.js';

/** Where the agent and operator serve their health endpoints: IPv6 loopback when the cluster has no IPv4 (as the chart). */
export const ciliumLoopback = (model: ClusterModel): string => (hasIPv4(model) ? '127.0.0.1' : '[::1]');
/** The same, as a probe's httpGet host (no brackets). */
export const ciliumProbeHost = (model: ClusterModel): string => (hasIPv4(model) ? '127.0.0.1' : '::1');
import { KUBE_SYSTEM, metadata, type K8sObject } from './k8s.js';

/** Where the agent writes its CNI config once it is ready (the chart's cni.confFileMountPath + name). */
export const CILIUM_CNI_CONF = '/host/etc/cni/net.d/05-cilium.conflist';

export function ciliumConfigData(model: ClusterModel): Record<string, string> {
  const net = model.network;
  const v4 = podSubnetOf(model, 'IPv4');
  const v6 = podSubnetOf(model, 'IPv6');
  return {
    'identity-allocation-mode': 'crd',
    debug: 'false',
    'enable-policy': 'default',
    'enable-ipv4': String(v4 !== undefined),
    'enable-ipv6': String(v6 !== undefined),
    'cluster-name': 'default',
    'cluster-id': '0',
    'routing-mode': 'tunnel',
    'tunnel-protocol': net.cilium.tunnel,
    ipam: 'cluster-pool',
    // One pool per family the cluster has (the chart's ipam.operator.clusterPoolIPv4/IPv6PodCIDRList).
    ...(v4 ? { 'cluster-pool-ipv4-cidr': v4, 'cluster-pool-ipv4-mask-size': String(model.kubernetes.nodeCidrMaskSize) } : {}),
    ...(v6 ? { 'cluster-pool-ipv6-cidr': v6, 'cluster-pool-ipv6-mask-size': String(model.kubernetes.nodeCidrMaskSizeIPv6) } : {}),
    'kube-proxy-replacement': String(net.cilium.kubeProxyReplacement),
    'enable-ipv4-masquerade': String(v4 !== undefined),
    ...(v6 ? { 'enable-ipv6-masquerade': 'true' } : {}),
    'enable-bpf-masquerade': 'false',
    'enable-health-checking': 'true',
    'enable-endpoint-health-checking': 'true',
    'enable-hubble': 'false',
    // No Envoy: L7 policy needs the separate cilium-envoy DaemonSet, left out to keep the first
    // control plane's payload small; L3/L4 policy and Services do not need it.
    'enable-l7-proxy': 'false',
    'external-envoy-proxy': 'false',
    // Exclusive mode deletes every other CNI config on the node, Multus's included.
    'cni-exclusive': String(!net.multus),
    'write-cni-conf-when-ready': CILIUM_CNI_CONF,
    'remove-cilium-node-taints': 'true',
    'set-cilium-is-up-condition': 'true',
    'synchronize-k8s-nodes': 'true',
    'operator-api-serve-addr': `${ciliumLoopback(model)}:9234`,
    // 0 (the default) = the agent derives it from the node interface minus the tunnel overhead.
    ...(net.mtu !== 0 ? { mtu: String(net.mtu) } : {}),
  };
}

export function ciliumConfigMap(model: ClusterModel): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('cilium-config', { namespace: KUBE_SYSTEM }), data: ciliumConfigData(model) };
}
