// The contract between secrets/ and the rest: what the bundle holds and what issuing produces.
// secrets/ is the only stage that knows about keys and certificates; builders only place PEM text.
import type { PkiAlgorithm } from '../api/v1alpha1/types.js';

export interface PemPair {
  cert: string;
  key: string;
}

/** Everything kspray ever generates at random, created once and never overwritten. */
export interface SecretsBundle {
  /** Format version of the on-disk bundle. */
  version: 1;
  clusterName: string;
  algorithm: PkiAlgorithm;
  createdAt: Date;
  ca: PemPair; // kubernetes CA (ca.crt/ca.key)
  frontProxyCa: PemPair;
  etcdCa: PemPair;
  serviceAccount: { publicKey: string; privateKey: string }; // sa.pub / sa.key (PEM)
  bootstrapToken: { id: string; secret: string }; // kubeadm format [a-z0-9]{6}.[a-z0-9]{16}
  encryptionKey: string; // base64 of 32 random bytes (secretbox, encryption at rest)
  /** Leaf private keys by stable name (e.g. "cp-1/apiserver", "kubeconfig/admin"), each with its creation time. */
  leafKeys: Map<string, { key: string; createdAt: Date }>;
}

/** A file for /etc/kubernetes/pki on a control-plane node (relPath like "etcd/ca.crt"). */
export interface PkiFile {
  relPath: string;
  content: string;
  secret: boolean;
}

export interface IssuedCertificate {
  /** e.g. "cp-1/apiserver", "ca", "etcd-ca", "kubeconfig/admin". */
  name: string;
  pem: string;
  /** Name of the issuing CA ("ca" | "front-proxy-ca" | "etcd-ca"), or "self" for a CA. */
  issuer: 'ca' | 'front-proxy-ca' | 'etcd-ca' | 'self';
}

export interface IssuedPki {
  /** "sha256:<hex>" over the cluster CA's SubjectPublicKeyInfo (kubeadm discovery-token-ca-cert-hash). */
  caCertHash: string;
  caCert: string;
  bootstrapToken: { id: string; secret: string };
  encryptionKey: string;
  /** CAs (cert+key), sa.key/sa.pub and this control-plane node's own leaf certs and keys. */
  controlPlaneFiles(nodeName: string): PkiFile[];
  /** External etcd member: etcd CA cert (never a CA key) and its own server/peer pairs (relPath like "server.crt", under /etc/etcd/pki). */
  etcdMemberFiles(nodeName: string): PkiFile[];
  /** kubeconfigs for the operator, pointing at the client endpoint. */
  kubeconfigs: { admin: string; superAdmin: string; controllerManager: string; scheduler: string };
  /** Every certificate issued (CAs included), for `kspray certs` and tests. */
  certificates: IssuedCertificate[];
}
