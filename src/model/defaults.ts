// Defaults, as Kubespray's where Kubespray has one (roles/kubespray_defaults). Documented in the
// spec descriptions (spec/v1alpha1.ts) and in `kspray init`'s starter file.
export const DEFAULTS = {
  kubernetes: {
    serviceSubnet: '10.233.0.0/18', // kube_service_addresses
    podSubnet: '10.233.64.0/18', // kube_pods_subnet
    nodeCidrMaskSize: 24, // kube_network_node_prefix
    nodeCidrMaskSizeIPv6: 120, // kube_network_node_prefix_ipv6
    clusterDomain: 'cluster.local', // dns_domain
    proxyMode: 'ipvs' as const, // kube_proxy_mode
  },
  controlPlane: { loadBalancer: 'localhost' as const, localhostProxy: 'nginx' as const, port: 6443 },
  etcd: { topology: 'stacked' as const },
  pki: { algorithm: 'ECDSA-P256' as const, certValidityDays: 365, caValidityDays: 3650, autoRenewCalendar: 'Mon *-*-1,2,3,4,5,6,7 03:00:00' /* auto_renew_certificates_systemd_calendar */ },
  bootstrapToken: { ttl: '24h' },
  containerRuntime: { name: 'containerd' as const },
  network: { plugin: 'calico' as const, mtu: 0 /* 0 = let calico detect it */, calico: { encapsulation: 'vxlan' as const, crossSubnet: false, blockSize: 26 /* calico_pool_blocksize */ }, cilium: { tunnel: 'vxlan' as const, kubeProxyReplacement: false }, multus: false },
  // nodelocaldns_ip. Kubespray has no IPv6 default (an IPv6-only cluster sets nodelocaldns_ip to an
  // IPv6 address): kspray takes one from fd00::/8 as the Kubernetes nodelocaldns docs advise, with
  // the IPv4 address's digits so the two read as a pair.
  addons: { nodeLocalDNS: true, nodeLocalDNSAddress: '169.254.25.10', nodeLocalDNSAddressIPv6: 'fd00::169:254:25:10', metricsServer: false },
  appAddons: { argocd: false, metallbL2: true }, // argocd_enabled; MetalLB layer2 as Kubespray's metallb_config example
  // Kubespray's roles/kubernetes-apps defaults for the addons of src/plan/manifests/.
  corednsZoneCache: 30,
  dnsAutoscaler: { coresPerReplica: 256, nodesPerReplica: 16, min: 2, preventSinglePointFailure: true },
  localPathProvisioner: { namespace: 'local-path-storage', storageClass: 'local-path', reclaimPolicy: 'Delete' as const, claimRoot: '/opt/local-path-provisioner/', defaultClass: true },
  registry: { namespace: 'kube-system', port: 5000, size: '10Gi' },
  node: { os: 'ubuntu-24.04' as const, arch: 'amd64' as const },
  provider: 'baremetal',
  // What Flatcar and FCOS stable read and Debian's ignition-validate 2.14 checks.
  ignition: { version: '3.3.0' as const },
  secrets: { delivery: 'inline' as const },
};
