// secrets/ issuing: (model, bundle) → every leaf certificate and kubeconfig. Pure and
// deterministic: leaf keys and dates come from the bundle, serials are derived, and ECDSA
// signatures use RFC 6979 nonces (signer.ts), so the same inputs give byte-identical PEMs.
import { createHash } from 'node:crypto';
import { failure, inputError } from '../errors/errors.js';
import { messages } from '../errors/messages.js';
import { controlPlaneNodes, etcdMembers, isExternalEtcdMember, type ClusterModel } from '../model/model.js';
import { loadSigner } from './caSigner.js';
import { certToPem, signLeafCertificate, type Signer } from './certificate.js';
import { spkiOfPrivateKey } from './keys.js';
import { buildKubeconfig, serverUrl } from './kubeconfig.js';
import { controlPlaneProfiles, etcdMemberProfiles, KUBECONFIG_PROFILES, type CaName, type CertProfile, type NodeCertProfile } from './profiles.js';
import { derivedSerial } from './serial.js';
import type { IssuedCertificate, IssuedPki, PemPair, PkiFile, SecretsBundle } from './types.js';
import { leafValidity } from './validity.js';

/** Every leaf key issuePki needs; call ensureLeafKeys with these first. */
export function leafKeyNames(model: ClusterModel): string[] {
  return allProfiles(model).map((p) => p.name);
}

function nodeProfiles(model: ClusterModel): NodeCertProfile[] {
  return [
    ...controlPlaneNodes(model).flatMap((node) => controlPlaneProfiles(model, node)),
    ...externalMembers(model).flatMap((node) => etcdMemberProfiles(node)),
  ];
}

const externalMembers = (model: ClusterModel) => etcdMembers(model).filter((n) => isExternalEtcdMember(model, n));

function allProfiles(model: ClusterModel): CertProfile[] {
  return [...nodeProfiles(model), ...KUBECONFIG_PROFILES];
}

interface Leaf {
  profile: CertProfile;
  cert: string;
  key: string;
}

export async function issuePki(model: ClusterModel, bundle: SecretsBundle): Promise<IssuedPki> {
  checkBundleFitsModel(model, bundle);
  const profiles = allProfiles(model);
  const missing = profiles.find((p) => !bundle.leafKeys.has(p.name));
  if (missing) throw failure(messages.leafKeyMissing(missing.name));

  const signers = loadSigners(bundle);
  const identity = bundleIdentity(bundle);
  const leaves = profiles.map((p) => issueLeaf(p, bundle, signers, identity, model.pki.certValidityDays));
  const byName = new Map(leaves.map((l) => [l.profile.name, l]));

  return {
    caCertHash: caCertHash(signers.ca),
    caCert: bundle.ca.cert,
    bootstrapToken: { ...bundle.bootstrapToken },
    encryptionKey: bundle.encryptionKey,
    controlPlaneFiles: controlPlaneFilesOf(model, bundle, byName),
    etcdMemberFiles: etcdMemberFilesOf(model, bundle, byName),
    kubeconfigs: kubeconfigsOf(model, bundle, byName),
    certificates: [...caCertificates(bundle), ...leaves.map((l) => ({ name: l.profile.name, pem: l.cert, issuer: l.profile.issuer }))],
  };
}

function checkBundleFitsModel(model: ClusterModel, bundle: SecretsBundle): void {
  if (bundle.clusterName !== model.name) {
    throw inputError({ ...messages.bundleClusterMismatch(bundle.clusterName, model.name), path: ['metadata', 'name'] });
  }
  if (bundle.algorithm !== model.pki.algorithm) {
    throw inputError({ ...messages.bundleAlgorithmMismatch(bundle.algorithm, model.pki.algorithm), path: ['spec', 'pki', 'algorithm'] });
  }
}

type Signers = Record<CaName, Signer>;

/** Each CA's certificate and key are read once per render, then sign all of its leaves. */
function loadSigners(bundle: SecretsBundle): Signers {
  const load = (pair: PemPair): Signer => loadSigner(pair, bundle.algorithm);
  return { ca: load(bundle.ca), 'front-proxy-ca': load(bundle.frontProxyCa), 'etcd-ca': load(bundle.etcdCa) };
}

/** What makes serials of this bundle differ from any other bundle's: its three CAs. */
function bundleIdentity(bundle: SecretsBundle): string {
  return createHash('sha256').update(bundle.ca.cert).update(bundle.frontProxyCa.cert).update(bundle.etcdCa.cert).digest('hex');
}

function issueLeaf(profile: CertProfile, bundle: SecretsBundle, signers: Signers, identity: string, days: number): Leaf {
  const leafKey = bundle.leafKeys.get(profile.name)!;
  const signer = signers[profile.issuer];
  const publicKey = spkiOfPrivateKey(leafKey.key);
  const { notBefore, notAfter } = leafValidity(leafKey.createdAt, days, signer.notAfter);
  const content = {
    issuer: profile.issuer,
    subject: profile.subject,
    usages: profile.usages,
    altNames: profile.altNames,
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    publicKey: publicKey.toString('hex'),
  };
  const serialNumber = derivedSerial(identity, profile.name, content);
  const cert = signLeafCertificate({ ...profile, serialNumber, notBefore, notAfter, publicKey }, signer);
  return { profile, cert: certToPem(cert), key: leafKey.key };
}

/** kubeadm --discovery-token-ca-cert-hash: sha256 over the CA's DER SubjectPublicKeyInfo. */
function caCertHash(ca: Signer): string {
  const spki = ca.publicKey;
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

function caCertificates(bundle: SecretsBundle): IssuedCertificate[] {
  return [
    { name: 'ca', pem: bundle.ca.cert, issuer: 'self' },
    { name: 'front-proxy-ca', pem: bundle.frontProxyCa.cert, issuer: 'self' },
    { name: 'etcd-ca', pem: bundle.etcdCa.cert, issuer: 'self' },
  ];
}

function controlPlaneFilesOf(model: ClusterModel, bundle: SecretsBundle, leaves: Map<string, Leaf>): (nodeName: string) => PkiFile[] {
  const shared = sharedPkiFiles(bundle, model.etcd.topology);
  const perNode = new Map(
    controlPlaneNodes(model).map((node) => [
      node.name,
      controlPlaneProfiles(model, node).flatMap((p) => leafFiles(p.pkiPath, leaves.get(p.name)!)),
    ]),
  );
  return (nodeName) => {
    const own = perNode.get(nodeName);
    if (!own) throw failure(messages.notControlPlaneNode(nodeName));
    return [...shared, ...own].map((f) => ({ ...f }));
  };
}

/**
 * The CA keys and sa.key go to every control-plane node, as `kubeadm join --control-plane` expects
 * them. With external etcd the control planes are etcd clients only: the etcd CA certificate to
 * trust the members, never its key (kubeadm skips its etcd certificate phases then).
 */
function sharedPkiFiles(bundle: SecretsBundle, topology: ClusterModel['etcd']['topology']): PkiFile[] {
  return [
    ...pairFiles('ca', bundle.ca),
    ...pairFiles('front-proxy-ca', bundle.frontProxyCa),
    ...(topology === 'stacked' ? pairFiles('etcd/ca', bundle.etcdCa) : [{ relPath: 'etcd/ca.crt', content: bundle.etcdCa.cert, secret: false }]),
    { relPath: 'sa.key', content: bundle.serviceAccount.privateKey, secret: true },
    { relPath: 'sa.pub', content: bundle.serviceAccount.publicKey, secret: false },
  ];
}

/** An external etcd member's /etc/etcd/pki: the etcd CA certificate (no CA key) and its own server and peer pairs. */
function etcdMemberFilesOf(model: ClusterModel, bundle: SecretsBundle, leaves: Map<string, Leaf>): (nodeName: string) => PkiFile[] {
  const perNode = new Map(
    externalMembers(model).map((node) => [node.name, etcdMemberProfiles(node).flatMap((p) => leafFiles(p.pkiPath, leaves.get(p.name)!))]),
  );
  return (nodeName) => {
    const own = perNode.get(nodeName);
    if (!own) throw failure(messages.notEtcdMemberNode(nodeName));
    return [{ relPath: 'ca.crt', content: bundle.etcdCa.cert, secret: false }, ...own].map((f) => ({ ...f }));
  };
}

function pairFiles(base: string, pair: PemPair): PkiFile[] {
  return [
    { relPath: `${base}.crt`, content: pair.cert, secret: false },
    { relPath: `${base}.key`, content: pair.key, secret: true },
  ];
}

function leafFiles(base: string, leaf: Leaf): PkiFile[] {
  return pairFiles(base, { cert: leaf.cert, key: leaf.key });
}

function kubeconfigsOf(model: ClusterModel, bundle: SecretsBundle, leaves: Map<string, Leaf>): IssuedPki['kubeconfigs'] {
  const server = serverUrl(model.controlPlane.clientEndpoint.host, model.controlPlane.clientEndpoint.port);
  const build = (field: keyof IssuedPki['kubeconfigs']): string => {
    const profile = KUBECONFIG_PROFILES.find((p) => p.field === field)!;
    const leaf = leaves.get(profile.name)!;
    return buildKubeconfig({
      clusterName: model.name,
      server,
      caCert: bundle.ca.cert,
      userName: profile.subject.commonName,
      clientCert: leaf.cert,
      clientKey: leaf.key,
    });
  };
  return { admin: build('admin'), superAdmin: build('superAdmin'), controllerManager: build('controllerManager'), scheduler: build('scheduler') };
}
