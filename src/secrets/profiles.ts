// Which certificates a cluster needs, with kubeadm's subjects, usages and SANs
// (cmd/kubeadm/app/phases/certs/certlist.go, pkiutil.GetAPIServerAltNames / GetEtcdAltNames).
// Pure data from the model: issue.ts turns it into certificates.
import type { ClusterModel, NodeModel } from '../model/model.js';
import type { Subject, Usage } from './certificate.js';

export type CaName = 'ca' | 'front-proxy-ca' | 'etcd-ca';

export interface CertProfile {
  /** Certificate and leaf key name, e.g. "cp-1/apiserver" or "kubeconfig/admin". */
  name: string;
  issuer: CaName;
  subject: Subject;
  usages: Usage[];
  altNames: string[];
}

export interface NodeCertProfile extends CertProfile {
  /** Path under /etc/kubernetes/pki without extension, e.g. "etcd/server". */
  pkiPath: string;
}

export type KubeconfigField = 'admin' | 'superAdmin' | 'controllerManager' | 'scheduler';

export interface KubeconfigProfile extends CertProfile {
  field: KubeconfigField;
}

/** kubeadm:cluster-admins is bound to cluster-admin by kubeadm (1.29+) and can be revoked; system:masters cannot. */
const CLUSTER_ADMINS = 'kubeadm:cluster-admins';
const MASTERS = 'system:masters';

export function controlPlaneProfiles(model: ClusterModel, node: NodeModel): NodeCertProfile[] {
  const profile = (pkiPath: string, rest: Omit<CertProfile, 'name'>): NodeCertProfile => ({ name: `${node.name}/${pkiPath}`, pkiPath, ...rest });
  const kubernetes = [
    profile('apiserver', { issuer: 'ca', subject: { commonName: 'kube-apiserver' }, usages: ['server'], altNames: apiServerAltNames(model, node) }),
    profile('apiserver-kubelet-client', {
      issuer: 'ca',
      subject: { commonName: 'kube-apiserver-kubelet-client', organization: CLUSTER_ADMINS },
      usages: ['client'],
      altNames: [],
    }),
    profile('apiserver-etcd-client', { issuer: 'etcd-ca', subject: { commonName: 'kube-apiserver-etcd-client' }, usages: ['client'], altNames: [] }),
    profile('front-proxy-client', { issuer: 'front-proxy-ca', subject: { commonName: 'front-proxy-client' }, usages: ['client'], altNames: [] }),
  ];
  // External etcd: the control plane is only an etcd client (apiserver-etcd-client above).
  if (model.etcd.topology === 'external') return kubernetes;
  return [
    ...kubernetes,
    ...etcdMemberCerts(node).map(({ file, ...c }) => profile(`etcd/${file}`, c)),
    profile('etcd/healthcheck-client', { issuer: 'etcd-ca', subject: { commonName: 'kube-etcd-healthcheck-client' }, usages: ['client'], altNames: [] }),
  ];
}

/**
 * An external etcd member's own certificates, named like the stacked ones ("etcd-1/etcd/server")
 * so a bundle's leaf keys read the same in both topologies; pkiPath is relative to /etc/etcd/pki.
 */
export function etcdMemberProfiles(node: NodeModel): NodeCertProfile[] {
  return etcdMemberCerts(node).map(({ file, ...c }) => ({ name: `${node.name}/etcd/${file}`, pkiPath: file, ...c }));
}

function etcdMemberCerts(node: NodeModel): Array<Omit<CertProfile, 'name'> & { file: 'server' | 'peer' }> {
  const altNames = unique([node.name, 'localhost', ...node.addresses, '127.0.0.1', '::1']);
  // etcd 3.2+ also needs clientAuth on its server certificate (etcd-io/etcd#9785), hence both usages.
  return (['server', 'peer'] as const).map((file) => ({
    file,
    issuer: 'etcd-ca' as const,
    subject: { commonName: node.name },
    usages: ['server', 'client'] as Usage[],
    altNames,
  }));
}

/**
 * kubeadm's list, plus localhost/127.0.0.1: non-control-plane nodes reach the API through a local
 * TCP proxy (Kubespray's nginx on localhost), so the apiserver must be valid for those names too.
 */
function apiServerAltNames(model: ClusterModel, node: NodeModel): string[] {
  const domain = model.kubernetes.clusterDomain;
  return unique([
    node.name,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${domain}`,
    'localhost',
    // Every family's `kubernetes` Service IP and node address, primary first (kubeadm's own list has
    // the primary ones; a client of the other family reaches the API at the others).
    ...model.kubernetes.apiServiceIPs,
    ...node.addresses,
    '127.0.0.1',
    hostOf(model.controlPlane.kubeadmEndpoint),
    model.controlPlane.clientEndpoint.host,
    ...model.controlPlane.extraSANs,
  ]);
}

export const KUBECONFIG_PROFILES: readonly KubeconfigProfile[] = [
  kubeconfigProfile('admin', 'admin', { commonName: 'kubernetes-admin', organization: CLUSTER_ADMINS }),
  kubeconfigProfile('superAdmin', 'super-admin', { commonName: 'kubernetes-super-admin', organization: MASTERS }),
  kubeconfigProfile('controllerManager', 'controller-manager', { commonName: 'system:kube-controller-manager' }),
  kubeconfigProfile('scheduler', 'scheduler', { commonName: 'system:kube-scheduler' }),
];

function kubeconfigProfile(field: KubeconfigField, file: string, subject: Subject): KubeconfigProfile {
  return { field, name: `kubeconfig/${file}`, issuer: 'ca', subject, usages: ['client'], altNames: [] };
}

/** "host:port", "[v6]:port" or "host" → host. */
export function hostOf(endpoint: string): string {
  const m = /^\[(.+)\](?::\d+)?$/.exec(endpoint) ?? /^([^:]+)(?::\d+)?$/.exec(endpoint);
  return m ? m[1]! : endpoint;
}

function unique(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}
