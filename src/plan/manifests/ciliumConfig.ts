// The cilium-config ConfigMap: the settings upstream's Helm chart renders for this kind of cluster
// (cluster-pool IPAM from the spec's pod subnet, VXLAN or Geneve tunnel, kube-proxy replacement on
// request), with keys the agent and operator already default left out to keep the payload small.
import type { ClusterModel } from '../../model/model.js';
import { KUBE_SYSTEM, metadata, type K8sObject } from './k8s.js';

/** Where the agent writes its CNI config once it is ready (the chart's cni.confFileMountPath + name). */
export const CILIUM_CNI_CONF = '/host/etc/cni/net.d/05-cilium.conflist';

export function ciliumConfigData(model: ClusterModel): Record<string, string> {
  const net = model.network;
  return {
    'identity-allocation-mode': 'crd',
    debug: 'false',
    'enable-policy': 'default',
    'enable-ipv4': 'true',
    'enable-ipv6': 'false',
    'cluster-name': 'default',
    'cluster-id': '0',
    'routing-mode': 'tunnel',
    'tunnel-protocol': net.cilium.tunnel,
    ipam: 'cluster-pool',
    'cluster-pool-ipv4-cidr': model.kubernetes.podSubnet,
    'cluster-pool-ipv4-mask-size': String(model.kubernetes.nodeCidrMaskSize),
    'kube-proxy-replacement': String(net.cilium.kubeProxyReplacement),
    'enable-ipv4-masquerade': 'true',
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
    'operator-api-serve-addr': '127.0.0.1:9234',
    // 0 (the default) = the agent derives it from the node interface minus the tunnel overhead.
    ...(net.mtu !== 0 ? { mtu: String(net.mtu) } : {}),
  };
}

export function ciliumConfigMap(model: ClusterModel): K8sObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('cilium-config', { namespace: KUBE_SYSTEM }), data: ciliumConfigData(model) };
}
