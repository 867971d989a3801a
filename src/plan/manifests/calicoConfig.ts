// The calico-config ConfigMap (CNI network config + backend + MTU) and the choices that follow
// from spec.network.calico.encapsulation, shared by the ConfigMap and the calico-node DaemonSet.
import type { ClusterModel } from '../../model/model.js';
import { hasIPv4, hasIPv6 } from '../../model/model.js';
import { KUBE_SYSTEM, metadata, type K8sObject } from './k8s.js';

export interface CalicoNetworking {
  /** calico-node's CALICO_NETWORKING_BACKEND: bird when BGP distributes the routes, else vxlan (no BIRD). */
  backend: 'vxlan' | 'bird';
  ipip: PoolMode;
  vxlan: PoolMode;
}

type PoolMode = 'Always' | 'CrossSubnet' | 'Never';

export function calicoNetworking(model: ClusterModel): CalicoNetworking {
  const { encapsulation, bgp, crossSubnet } = model.network.calico;
  const mode = (on: boolean): PoolMode => (!on ? 'Never' : crossSubnet ? 'CrossSubnet' : 'Always');
  // none: plain routed pod traffic, BIRD peers the nodes and nothing is encapsulated.
  return { backend: bgp ? 'bird' : 'vxlan', ipip: mode(encapsulation === 'ipip'), vxlan: mode(encapsulation === 'vxlan') };
}

/**
 * The CNI conflist install-cni writes to /etc/cni/net.d/10-calico.conflist. install-cni replaces
 * the __KUBERNETES_NODE_NAME__ and __KUBECONFIG_FILEPATH__ placeholders on each node. Upstream also
 * templates the MTU (__CNI_MTU__, an unquoted JSON placeholder); kspray writes the number itself
 * so the conflist stays valid JSON built from an object. 0 means "auto-detected by Felix", as upstream.
 */
function cniNetworkConfig(model: ClusterModel): string {
  const conflist = {
    name: 'k8s-pod-network',
    cniVersion: '0.3.1',
    plugins: [
      {
        type: 'calico',
        log_level: 'info',
        log_file_path: '/var/log/calico/cni/cni.log',
        datastore_type: 'kubernetes',
        nodename: '__KUBERNETES_NODE_NAME__',
        mtu: model.network.mtu,
        // Which families calico-ipam gives each pod (IPv4 only unless the cluster has IPv6).
        ipam: hasIPv6(model) ? { type: 'calico-ipam', assign_ipv4: String(hasIPv4(model)), assign_ipv6: 'true' } : { type: 'calico-ipam' },
        policy: { type: 'k8s' },
        kubernetes: { kubeconfig: '__KUBECONFIG_FILEPATH__' },
      },
      { type: 'portmap', snat: true, capabilities: { portMappings: true } },
      // Honours the kubernetes.io/ingress-bandwidth and egress-bandwidth pod annotations.
      { type: 'bandwidth', capabilities: { bandwidth: true } },
    ],
  };
  return JSON.stringify(conflist, null, 2);
}

export function calicoConfigMap(model: ClusterModel): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata('calico-config', { namespace: KUBE_SYSTEM }),
    data: {
      // No Typha: it only pays off past ~50 nodes (upstream's calico.yaml vs calico-typha.yaml).
      typha_service_name: 'none',
      calico_backend: calicoNetworking(model).backend,
      // 0 = auto-detect from the host interfaces (upstream default); spec.network.mtu overrides it.
      veth_mtu: String(model.network.mtu),
      cni_network_config: cniNetworkConfig(model),
    },
  };
}
