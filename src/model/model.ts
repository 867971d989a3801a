// The normalized cluster: every default applied, nothing optional. Builders read only this type,
// never the spec as written (changesets' "as written" vs "normalized" split).
import type { SpecPath } from '../errors/errors.js';
import type { ComponentVersions, Images, Arch } from '../catalog/catalog.js';
import type { AppAddonVersions } from '../catalog/appAddons.js';
import type { OsName, PkiAlgorithm, Role, SecretsDelivery } from '../api/v1alpha1/types.js';
import type { AddonSettings } from './addonSettings.js';
import type { ClusterCustomization, NodeCustomization } from './customization.js';
import type { IpFamily } from './address.js';
import { hostPort } from './address.js';

export interface NodeModel {
  name: string;
  /** 'node' = fixed identity (own payload); 'pool' = identical nodes sharing one payload. */
  kind: 'node' | 'pool';
  /** Fixed address of the primary family (addresses[0]); undefined for pool members (the cloud assigns it). */
  address?: string;
  /** Every fixed address, one per cluster family in the cluster's order (kubelet --node-ip); empty for pools. */
  addresses: string[];
  roles: Role[];
  isControlPlane: boolean;
  /** Member of the etcd cluster (stacked: every control-plane node). */
  isEtcd: boolean;
  /** The control-plane node that runs `kubeadm init` and applies the addons. */
  isFirstControlPlane: boolean;
  os: OsName;
  arch: Arch;
  labels: Record<string, string>;
  taints: Array<{ key: string; value?: string; effect: string }>;
  count: number;
  /** Where this node is declared, e.g. ['spec', 'nodes', 0]: builders attach it to what they add. */
  specPath: SpecPath;
  /** kubelet config and flags, extra files, sysctls, kernel modules: the cluster's with this node's merged over them. */
  custom: NodeCustomization;
}

/** Mirrors tried before a registry (Kubespray containerd_registries_mirrors / crio_registries). */
export interface RegistryMirror {
  /** Registry as image names spell it (docker.io, myregistry:5000), or _default (containerd: every registry). */
  host: string;
  endpoints: string[];
  skipVerify: boolean;
}

export interface ProxySettings {
  http?: string;
  https?: string;
  /** The complete NO_PROXY list (user entries plus what Kubespray always adds), comma-joined. */
  noProxy: string;
}

export interface ClusterModel {
  name: string;
  kubernetes: {
    version: string;
    minor: string;
    /** IPv4, IPv6 or both; the first is the primary family (serviceSubnet's first CIDR). */
    ipFamilies: IpFamily[];
    /** kubeadm form: one CIDR or "v4,v6" in the order of ipFamilies. */
    serviceSubnet: string;
    podSubnet: string;
    /** The same, one CIDR per family in the order of ipFamilies. */
    serviceSubnets: string[];
    podSubnets: string[];
    /** Size of each node's IPv4 pod range (unused without IPv4). */
    nodeCidrMaskSize: number;
    /** Size of each node's IPv6 pod range (unused without IPv6). */
    nodeCidrMaskSizeIPv6: number;
    clusterDomain: string;
    proxyMode: 'ipvs' | 'iptables' | 'nftables';
    featureGates: Record<string, boolean>;
    /** First address of the primary service subnet: the `kubernetes` Service, in the apiserver SANs. */
    apiServiceIP: string;
    /** First address of each service subnet (ipFamilies order), all in the apiserver SANs. */
    apiServiceIPs: string[];
    /** Tenth address of the primary service subnet: kubeadm gives its CoreDNS `kube-dns` Service this one. */
    dnsServiceIP: string;
  };
  controlPlane: {
    loadBalancer: 'localhost' | 'kube-vip' | 'external';
    /** Which proxy listens on 127.0.0.1 of the non-control-plane nodes with loadBalancer: localhost. */
    localhostProxy: 'nginx' | 'haproxy';
    /** Port the apiservers bind. */
    bindPort: number;
    /** kubeadm controlPlaneEndpoint (host:port) that cluster-info, kube-proxy and kubelets start with. */
    kubeadmEndpoint: string;
    /** What users reach the API at (spec.controlPlane.endpoint, or the first control plane). */
    clientEndpoint: { host: string; port: number };
    /** Names and addresses for the apiserver certificate, besides the per-node ones. */
    extraSANs: string[];
  };
  etcd: { topology: 'stacked' | 'external' };
  /** autoRenewCalendar: the OnCalendar of the control planes' renewal timer, or undefined (off). */
  pki: { algorithm: PkiAlgorithm; certValidityDays: number; caValidityDays: number; autoRenewCalendar?: string };
  bootstrapToken: { ttl: string };
  containerRuntime: {
    name: 'containerd' | 'cri-o';
    /** Version of the named runtime (containerd: also versions.containerd; cri-o: of the kubernetes minor). */
    version: string;
    registryMirrors: RegistryMirror[];
  };
  /** HTTP(S) proxy for runtimes, kubelet and the node program; undefined when off (the default). */
  proxy?: ProxySettings;
  network: {
    plugin: 'calico' | 'cilium' | 'flannel' | 'kube-router' | 'none';
    /** 0 = the plugin detects it from the node interface. */
    mtu: number;
    /** bgp: BIRD runs (CALICO_NETWORKING_BACKEND bird); crossSubnet: encapsulation only across subnets. */
    calico: { encapsulation: 'vxlan' | 'ipip' | 'none'; bgp: boolean; crossSubnet: boolean; blockSize: number };
    cilium: { tunnel: 'vxlan' | 'geneve'; kubeProxyReplacement: boolean };
    multus: boolean;
  };
  addons: { nodeLocalDNS: boolean; nodeLocalDNSAddress: string; metricsServer: boolean } & AddonSettings;
  /** spec.addons entries installed from upstream release manifests (catalog/appAddons.ts); undefined = not installed. */
  appAddons: {
    versions: AppAddonVersions;
    argocd: boolean;
    certManager?: { manifestSha256: string };
    metallb?: { addressPools: Array<{ name: string; addresses: string[] }>; l2: boolean; manifestSha256: string };
  };
  artifacts: { mirror?: string; registry?: string };
  provider: string;
  /** Ignition configs (flatcar, fedora-coreos nodes). */
  ignition: { version: '3.3.0' | '3.4.0'; configUrlBase?: string };
  /** spec.cloudInit.payloadUrlBase: cloud-init nodes boot from a pointer fetching <base>/<node>/payload.tar. */
  cloudInit: { payloadUrlBase?: string };
  /** spec.secrets: inline (keys and token in the payload) or fetch (from urlBase, pinned by hash in the payload). */
  secrets: { delivery: SecretsDelivery; urlBase?: string; caCert?: string };
  sshAuthorizedKeys: string[];
  versions: ComponentVersions;
  images: Images;
  /** Component flags, volumes and configs, kubeadm patches (spec.controlPlane.*, etcd, kubelet, kubeProxy, patches). */
  custom: ClusterCustomization;
  /** Fixed nodes first, then pools, each in spec order. */
  nodes: NodeModel[];
}

/**
 * The control planes and etcd members of a node list, found once per list: builders ask for them on
 * every node, which made a cluster of N workers cost N² (at 5,000 workers, 25 million node visits).
 * toModel builds `nodes` once and nothing changes the array in place (a changed cluster is a new
 * model); callers get their own copy to sort or slice.
 */
const roleCache = new WeakMap<NodeModel[], { length: number; controlPlanes: NodeModel[]; etcd: NodeModel[] }>();
function roles(m: ClusterModel): { controlPlanes: NodeModel[]; etcd: NodeModel[] } {
  let r = roleCache.get(m.nodes);
  // A list grown in place (a test adding a node to a model) is looked at again.
  if (!r || r.length !== m.nodes.length) {
    roleCache.set(m.nodes, (r = { length: m.nodes.length, controlPlanes: m.nodes.filter((n) => n.isControlPlane), etcd: m.nodes.filter((n) => n.isEtcd) }));
  }
  return r;
}
export const controlPlaneNodes = (m: ClusterModel): NodeModel[] => [...roles(m).controlPlanes];
export const etcdMembers = (m: ClusterModel): NodeModel[] => [...roles(m).etcd];
export const firstControlPlane = (m: ClusterModel): NodeModel => {
  const first = m.nodes.find((n) => n.isFirstControlPlane);
  if (!first) throw new Error('model: no first control plane (rules should have refused this spec)');
  return first;
};

/** Runs a kubelet (control plane or worker); external etcd members run etcd only. */
export const runsKubernetes = (n: NodeModel): boolean => n.isControlPlane || n.roles.includes('worker');

/** Dedicated etcd member of an external topology (etcd as a systemd service, no kubelet). */
export const isExternalEtcdMember = (m: ClusterModel, n: NodeModel): boolean => m.etcd.topology === 'external' && n.isEtcd;

/** etcd's client and peer ports (etcd's and Kubespray's defaults). */
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

/** Client URLs of the external etcd members, in spec order (kubeadm etcd.external.endpoints); empty when stacked. */
export const externalEtcdEndpoints = (m: ClusterModel): string[] =>
  m.etcd.topology === 'external' ? etcdMembers(m).map((n) => `https://${hostPort(n.address!, ETCD_CLIENT_PORT)}`) : [];

export const hasIPv4 = (m: ClusterModel): boolean => m.kubernetes.ipFamilies.includes('IPv4');
export const hasIPv6 = (m: ClusterModel): boolean => m.kubernetes.ipFamilies.includes('IPv6');
export const isDualStack = (m: ClusterModel): boolean => m.kubernetes.ipFamilies.length === 2;
/** The pod CIDR of one family, if the cluster has it. */
export const podSubnetOf = (m: ClusterModel, f: IpFamily): string | undefined => m.kubernetes.podSubnets[m.kubernetes.ipFamilies.indexOf(f)];
/** A node's fixed address of one family, if it has one. */
export const addressOf = (m: ClusterModel, n: NodeModel, f: IpFamily): string | undefined => n.addresses[m.kubernetes.ipFamilies.indexOf(f)];

/** kubeadm installs kube-proxy unless Cilium replaces it. */
export const runsKubeProxy = (m: ClusterModel): boolean => !(m.network.plugin === 'cilium' && m.network.cilium.kubeProxyReplacement);
