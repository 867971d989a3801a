// What kubeadm would issue, written out independently of src/secrets/profiles.ts so the tests
// check the implementation against kubeadm's list rather than against itself.
export type Ca = 'ca' | 'front-proxy-ca' | 'etcd-ca';
export type Purpose = 'sslserver' | 'sslclient';

export interface ExpectedLeaf {
  issuer: Ca;
  subject: string; // openssl's default one-line form
  purposes: Purpose[];
  eku: string; // openssl's extendedKeyUsage text
}

const server = { purposes: ['sslserver'] as Purpose[], eku: 'TLS Web Server Authentication' };
const client = { purposes: ['sslclient'] as Purpose[], eku: 'TLS Web Client Authentication' };
const both = { purposes: ['sslserver', 'sslclient'] as Purpose[], eku: 'TLS Web Server Authentication, TLS Web Client Authentication' };

export const CONTROL_PLANES = [
  { name: 'cp-1', address: '10.0.0.11' },
  { name: 'cp-2', address: '10.0.0.12' },
  { name: 'cp-3', address: '10.0.0.13' },
];

export function nodeLeaves(node: string): Record<string, ExpectedLeaf> {
  return {
    apiserver: { issuer: 'ca', subject: 'CN = kube-apiserver', ...server },
    'apiserver-kubelet-client': { issuer: 'ca', subject: 'O = kubeadm:cluster-admins, CN = kube-apiserver-kubelet-client', ...client },
    'apiserver-etcd-client': { issuer: 'etcd-ca', subject: 'CN = kube-apiserver-etcd-client', ...client },
    'front-proxy-client': { issuer: 'front-proxy-ca', subject: 'CN = front-proxy-client', ...client },
    'etcd/server': { issuer: 'etcd-ca', subject: `CN = ${node}`, ...both },
    'etcd/peer': { issuer: 'etcd-ca', subject: `CN = ${node}`, ...both },
    'etcd/healthcheck-client': { issuer: 'etcd-ca', subject: 'CN = kube-etcd-healthcheck-client', ...client },
  };
}

export const KUBECONFIG_LEAVES: Record<string, ExpectedLeaf> = {
  'kubeconfig/admin': { issuer: 'ca', subject: 'O = kubeadm:cluster-admins, CN = kubernetes-admin', ...client },
  'kubeconfig/super-admin': { issuer: 'ca', subject: 'O = system:masters, CN = kubernetes-super-admin', ...client },
  'kubeconfig/controller-manager': { issuer: 'ca', subject: 'CN = system:kube-controller-manager', ...client },
  'kubeconfig/scheduler': { issuer: 'ca', subject: 'CN = system:kube-scheduler', ...client },
};

export const CA_SUBJECTS: Record<Ca, string> = { ca: 'CN = kubernetes', 'front-proxy-ca': 'CN = front-proxy-ca', 'etcd-ca': 'CN = etcd-ca' };

/** Every leaf, by certificate name ("cp-1/apiserver", "kubeconfig/admin"). */
export function allExpectedLeaves(): Map<string, ExpectedLeaf> {
  const out = new Map<string, ExpectedLeaf>();
  for (const cp of CONTROL_PLANES) for (const [base, leaf] of Object.entries(nodeLeaves(cp.name))) out.set(`${cp.name}/${base}`, leaf);
  for (const [name, leaf] of Object.entries(KUBECONFIG_LEAVES)) out.set(name, leaf);
  return out;
}

/** kubeadm adds the controlPlaneEndpoint host: with the localhost proxy that is cp-1's address on every node. */
export function apiServerSans(node: { name: string; address: string }): string[] {
  const all = [
    `DNS:${node.name}`,
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
    'DNS:localhost',
    'DNS:api.demo.internal',
    'IP Address:10.233.0.1',
    `IP Address:${node.address}`,
    'IP Address:127.0.0.1',
    'IP Address:10.0.0.11',
  ];
  return [...new Set(all)].sort();
}

export function etcdSans(node: { name: string; address: string }): string[] {
  return [`DNS:${node.name}`, 'DNS:localhost', `IP Address:${node.address}`, 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1'].sort();
}
