// Flags kspray (or kubeadm, from what kspray configures) sets on each component: a user's extraArgs
// naming one is refused with the reason, never silently overridden either way.

export type Component = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'etcd' | 'kubelet';

const PKI = 'kubeadm sets it to the certificates kspray generated in /etc/kubernetes/pki';
const FEATURE_GATES = 'set spec.kubernetes.featureGates: every component gets them, each in its own syntax';
const KUBECONFIG = "kubeadm points it at the component's own kubeconfig";

const RESERVED: Record<Component, Record<string, string>> = {
  'kube-apiserver': {
    'advertise-address': "kubeadm sets it to the node's address (spec.nodes[].address)",
    'secure-port': 'set spec.controlPlane.port',
    'etcd-servers': 'kspray sets it from spec.etcd.topology and the etcd members',
    'etcd-cafile': PKI,
    'etcd-certfile': PKI,
    'etcd-keyfile': PKI,
    'client-ca-file': PKI,
    'tls-cert-file': PKI,
    'tls-private-key-file': PKI,
    'kubelet-client-certificate': PKI,
    'kubelet-client-key': PKI,
    'proxy-client-cert-file': PKI,
    'proxy-client-key-file': PKI,
    'requestheader-client-ca-file': PKI,
    'service-account-key-file': PKI,
    'service-account-signing-key-file': PKI,
    'service-cluster-ip-range': 'set spec.kubernetes.serviceSubnet (the certificates and CoreDNS address come from it)',
    'encryption-provider-config': 'kspray writes the secrets encryption config from the bundle and points the apiserver at it',
    'audit-policy-file': 'set spec.controlPlane.apiServer.auditPolicy: kspray writes the file and mounts it',
    'admission-control-config-file': 'set spec.controlPlane.apiServer.admission: kspray writes the file and mounts it',
    'feature-gates': FEATURE_GATES,
  },
  'kube-controller-manager': {
    kubeconfig: KUBECONFIG,
    'authentication-kubeconfig': KUBECONFIG,
    'authorization-kubeconfig': KUBECONFIG,
    'cluster-signing-cert-file': PKI,
    'cluster-signing-key-file': PKI,
    'root-ca-file': PKI,
    'service-account-private-key-file': PKI,
    'requestheader-client-ca-file': PKI,
    'client-ca-file': PKI,
    'cluster-cidr': 'set spec.kubernetes.podSubnet',
    'service-cluster-ip-range': 'set spec.kubernetes.serviceSubnet',
    'allocate-node-cidrs': 'kubeadm turns it on for the pod subnet; the network plugins kspray installs need it',
    'node-cidr-mask-size': 'set spec.kubernetes.nodeCidrMaskSize',
    'feature-gates': FEATURE_GATES,
  },
  'kube-scheduler': {
    kubeconfig: KUBECONFIG,
    'authentication-kubeconfig': KUBECONFIG,
    'authorization-kubeconfig': KUBECONFIG,
    'feature-gates': FEATURE_GATES,
  },
  etcd: {
    name: 'kspray names each member after its node',
    'data-dir': 'kspray keeps etcd data in /var/lib/etcd (backups and reset depend on it)',
    'listen-client-urls': "kspray derives it from the node's address",
    'advertise-client-urls': "kspray derives it from the node's address",
    'listen-peer-urls': "kspray derives it from the node's address",
    'initial-advertise-peer-urls': "kspray derives it from the node's address",
    'initial-cluster': 'kspray lists every etcd member of the spec',
    'initial-cluster-state': 'kspray bootstraps the members statically',
    'initial-cluster-token': 'kspray sets it to the cluster name',
    'cert-file': PKI,
    'key-file': PKI,
    'trusted-ca-file': PKI,
    'peer-cert-file': PKI,
    'peer-key-file': PKI,
    'peer-trusted-ca-file': PKI,
    'client-cert-auth': 'kspray requires client certificates (mutual TLS) on etcd',
    'peer-client-cert-auth': 'kspray requires client certificates (mutual TLS) between members',
  },
  kubelet: {
    'node-ip': 'kspray sets it from spec.nodes[].address',
    'node-labels': 'set labels on the node or pool',
    'register-with-taints': 'set taints on the node or pool',
    'hostname-override': "kspray sets the node name from the node's name",
    config: 'kubeadm writes the kubelet configuration; set spec.kubelet.config',
    kubeconfig: KUBECONFIG,
    'bootstrap-kubeconfig': 'kubeadm writes the TLS bootstrap kubeconfig',
    'container-runtime-endpoint': 'kspray points the kubelet at spec.containerRuntime.name',
    'cgroup-driver': 'kspray configures the runtime with the systemd cgroup driver; the kubelet must match',
    'feature-gates': FEATURE_GATES,
  },
};

/** Why kspray refuses this flag on this component, or undefined if it may be set. */
export function reservedArgReason(component: Component, flag: string): string | undefined {
  return RESERVED[component][flag];
}
