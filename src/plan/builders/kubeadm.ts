// kubeadm configuration (v1beta4) per node: the first control plane gets Init + Cluster + Kubelet +
// KubeProxy configs; every other node a JoinConfiguration. Control-plane nodes also get the
// encryption-at-rest config the apiserver is pointed at.
import { controlPlaneNodes, externalEtcdEndpoints, hasIPv4, hasIPv6, runsKubeProxy, type ClusterModel, type NodeModel } from '../../model/model.js';
import { PKI_DIR } from './pkiFiles.js';
import type { IssuedPki } from '../../secrets/types.js';
import { toYaml, toYamlStream } from '../../text/yaml.js';
import type { Builder } from '../builder.js';
import { addFile } from '../nodePlan.js';
import { usesIgnition } from '../osProfile.js';
import { bootsCgroupV1 } from '../../api/v1alpha1/types.js';
import { criSocket } from '../criSocket.js';
import { mergeOver } from '../../model/customization.js';
import { PATCHES_DIR, patchFiles } from './patches.js';
import { AUDIT_LOG_DIR, AUDIT_POLICY_PATH, ADMISSION_CONFIG_PATH } from './apiServerConfig.js';

const KUBEADM_API = 'kubeadm.k8s.io/v1beta4';
export const KUBEADM_CONFIG_PATH = '/etc/kspray/kubeadm.yaml';
const ENCRYPTION_CONFIG_PATH = '/etc/kubernetes/encryption-config.yaml';

/** Flatcar's documented flexvolume dir (and Cluster API's Flatcar templates'), writable on FCOS too. */
const READ_ONLY_USR_FLEX_DIR = '/opt/libexec/kubernetes/kubelet-plugins/volume/exec';
const readOnlyUsrControlPlane = (model: ClusterModel) => controlPlaneNodes(model).some((n) => usesIgnition(n.os));

type Arg = { name: string; value: string };
const args = (record: Record<string, string>): Arg[] => Object.entries(record).map(([name, value]) => ({ name, value }));
/** kspray's flags, then the user's extraArgs (rules refused every flag kspray must own). */
const withUserArgs = (ours: Record<string, string>, user: Record<string, string>): Arg[] => args({ ...ours, ...user });

export const kubeadmBuilder: Builder = {
  name: 'kubeadm',
  build({ model, node, pki, plan }) {
    const docs = node.isFirstControlPlane
      ? [
          initConfiguration(model, node, pki),
          clusterConfiguration(model),
          kubeletConfiguration(model),
          ...(runsKubeProxy(model) ? [kubeProxyConfiguration(model)] : []),
        ]
      : [joinConfiguration(model, node, pki)];
    addFile(plan, { path: KUBEADM_CONFIG_PATH, content: toYamlStream(docs), mode: 0o600, secret: false, token: true, builder: 'kubeadm', origin: node.specPath });
    if (node.isControlPlane) {
      addFile(plan, {
        path: ENCRYPTION_CONFIG_PATH,
        content: toYaml(encryptionConfiguration(pki.encryptionKey)),
        mode: 0o600,
        secret: true,
        builder: 'kubeadm',
        origin: node.specPath,
      });
    }
  },
};

function nodeRegistration(model: ClusterModel, node: NodeModel) {
  const kubeletArgs: Record<string, string> = {};
  // Pool members get their name and address from the cloud; fixed nodes pin both so the
  // certificates, etcd member names and kubelet agree.
  // Dual-stack: both addresses, primary family first (kubelet's --node-ip form).
  if (node.addresses.length) kubeletArgs['node-ip'] = node.addresses.join(',');
  const labels = Object.entries(node.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length) kubeletArgs['node-labels'] = labels.join(',');
  const taints = [
    ...(node.isControlPlane && !node.roles.includes('worker')
      ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]
      : []),
    ...node.taints,
  ];
  return {
    ...(node.kind === 'node' ? { name: node.name } : {}),
    ...preflightIgnores(model, node),
    criSocket: criSocket(model),
    imagePullPolicy: 'IfNotPresent',
    kubeletExtraArgs: withUserArgs(kubeletArgs, node.custom.kubeletExtraArgs),
    taints,
  };
}

function preflightIgnores(model: ClusterModel, node: NodeModel): { ignorePreflightErrors?: string[] } {
  const ignores = [
    // The localhost proxy (workers) and kube-vip (control planes) are static pods placed before
    // kubeadm runs; its preflight refuses a non-empty manifests directory (Kubespray ignores the
    // same check).
    ...((!node.isControlPlane && model.controlPlane.loadBalancer === 'localhost') || (node.isControlPlane && model.controlPlane.loadBalancer === 'kube-vip')
      ? ['DirAvailable--etc-kubernetes-manifests']
      : []),
    // kubeadm's system verification fails on a cgroup v1 host from 1.35, as Kubespray's CI found on
    // openEuler (tests/files/openeuler24-calico.yml ignores SystemVerification); the kubelet itself
    // runs there only with failCgroupV1: false, which the os-cgroup-v1 rule requires.
    ...(bootsCgroupV1(node.os) ? ['SystemVerification'] : []),
  ];
  return ignores.length ? { ignorePreflightErrors: ignores } : {};
}

function initConfiguration(model: ClusterModel, node: NodeModel, pki: IssuedPki) {
  return {
    apiVersion: KUBEADM_API,
    kind: 'InitConfiguration',
    bootstrapTokens: [
      {
        token: `${pki.bootstrapToken.id}.${pki.bootstrapToken.secret}`,
        description: 'kspray join token (discovery and TLS bootstrap)',
        ttl: model.bootstrapToken.ttl,
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
        usages: ['signing', 'authentication'],
      },
    ],
    localAPIEndpoint: { advertiseAddress: node.address, bindPort: model.controlPlane.bindPort },
    // Cilium's kube-proxy replacement serves Services itself: kubeadm must not install kube-proxy.
    ...(runsKubeProxy(model) ? {} : { skipPhases: ['addon/kube-proxy'] }),
    // No certificateKey/upload-certs: joining control planes receive the CA files in their own
    // payload, so no certificate ever travels through the cluster.
    nodeRegistration: nodeRegistration(model, node),
    ...patchesDirectory(model, node),
  };
}

function clusterConfiguration(model: ClusterModel) {
  const k = model.kubernetes;
  const dnsImage = model.images.coredns;
  const colon = dnsImage.lastIndexOf(':');
  return {
    apiVersion: KUBEADM_API,
    kind: 'ClusterConfiguration',
    clusterName: model.name,
    kubernetesVersion: `v${k.version}`,
    controlPlaneEndpoint: model.controlPlane.kubeadmEndpoint,
    certificatesDir: '/etc/kubernetes/pki',
    imageRepository: model.images.kubeadmRepository,
    encryptionAlgorithm: model.pki.algorithm,
    networking: { serviceSubnet: k.serviceSubnet, podSubnet: k.podSubnet, dnsDomain: k.clusterDomain },
    etcd: etcdConfiguration(model),
    apiServer: apiServerConfiguration(model),
    controllerManager: {
      extraArgs: withUserArgs(
        {
          ...nodeCidrMaskArgs(model),
          ...(Object.keys(k.featureGates).length ? { 'feature-gates': featureGates(model) } : {}),
          // kubeadm mounts this dir into the controller-manager (DirectoryOrCreate); its default under
          // /usr/libexec cannot be created on Flatcar or FCOS (read-only /usr), so the pod never starts.
          ...(readOnlyUsrControlPlane(model) ? { 'flex-volume-plugin-dir': READ_ONLY_USR_FLEX_DIR } : {}),
        },
        model.custom.controllerManager.extraArgs,
      ),
      ...extraVolumes(model.custom.controllerManager.extraVolumes),
    },
    scheduler: {
      ...(Object.keys(k.featureGates).length || Object.keys(model.custom.scheduler.extraArgs).length
        ? { extraArgs: withUserArgs(Object.keys(k.featureGates).length ? { 'feature-gates': featureGates(model) } : {}, model.custom.scheduler.extraArgs) }
        : {}),
      ...extraVolumes(model.custom.scheduler.extraVolumes),
    },
    dns: { imageRepository: dnsImage.slice(0, dnsImage.lastIndexOf('/')), imageTag: dnsImage.slice(colon + 1) },
  };
}

/**
 * Stacked: kubeadm runs etcd as a static pod on each control plane. External: the etcd-role nodes
 * run it (builders/etcd.ts) and the apiserver connects with its apiserver-etcd-client certificate
 * from the etcd CA, which is all of the etcd PKI a control plane then holds.
 */
function etcdConfiguration(model: ClusterModel) {
  if (model.etcd.topology === 'external') {
    return {
      external: {
        endpoints: externalEtcdEndpoints(model),
        caFile: `${PKI_DIR}/etcd/ca.crt`,
        certFile: `${PKI_DIR}/apiserver-etcd-client.crt`,
        keyFile: `${PKI_DIR}/apiserver-etcd-client.key`,
      },
    };
  }
  // The image is pinned to the catalog's etcd (Kubespray's etcd_image_repo/tag) rather than kubeadm's
  // built-in default, so the etcd version kspray reports is the one that runs and air-gap lists are exact.
  const image = model.images.etcd;
  const colon = image.lastIndexOf(':');
  return {
    local: {
      imageRepository: image.slice(0, image.lastIndexOf('/')),
      imageTag: image.slice(colon + 1),
      dataDir: '/var/lib/etcd',
      // Kubespray's defaults, which spec.etcd.extraArgs may change (flags kspray must own are refused by the rules).
      extraArgs: withUserArgs({ 'auto-compaction-retention': '8', 'quota-backend-bytes': '2147483648' }, model.custom.etcdExtraArgs),
    },
  };
}

/**
 * kube-controller-manager sizes each node's pod range per family: the single-family flag for IPv4
 * (unchanged IPv4 clusters), the per-family flags otherwise, because it refuses
 * --node-cidr-mask-size on a dual-stack cluster.
 */
function nodeCidrMaskArgs(model: ClusterModel): Record<string, string> {
  const k = model.kubernetes;
  if (!hasIPv6(model)) return { 'node-cidr-mask-size': String(k.nodeCidrMaskSize) };
  return {
    ...(hasIPv4(model) ? { 'node-cidr-mask-size-ipv4': String(k.nodeCidrMaskSize) } : {}),
    'node-cidr-mask-size-ipv6': String(k.nodeCidrMaskSizeIPv6),
  };
}

/**
 * SANs beyond kubeadm's own (the node name and advertise address, the primary Service IP and
 * kubernetes.default...): kubeadm reissues certificates from this list (`kubeadm certs renew`), so
 * it holds every name kspray's own certificates add (model.controlPlane.extraSANs: with IPv6, ::1;
 * dual-stack, the secondary Service IP and control-plane addresses).
 */
function apiServerExtraSANs(model: ClusterModel): string[] {
  const hosts = [model.controlPlane.clientEndpoint.host, ...model.controlPlane.extraSANs, 'localhost', '127.0.0.1'];
  return [...new Set(hosts)];
}

function featureGates(model: ClusterModel): string {
  return Object.entries(model.kubernetes.featureGates)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The cluster's KubeletConfiguration: kspray's fields, spec.kubelet.config merged over them (kubeadm uploads it for every node). */
function kubeletConfiguration(model: ClusterModel) {
  return mergeOver(kubeletBase(model), model.custom.kubeletConfig);
}

function kubeletBase(model: ClusterModel): Record<string, unknown> {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    containerRuntimeEndpoint: criSocket(model),
    clusterDomain: model.kubernetes.clusterDomain,
    // With nodelocaldns, pods resolve through the node-local cache (Kubespray's default).
    clusterDNS: [model.addons.nodeLocalDNS ? model.addons.nodeLocalDNSAddress : model.kubernetes.dnsServiceIP],
    rotateCertificates: true,
    protectKernelDefaults: true,
    failSwapOn: true,
    ...(Object.keys(model.kubernetes.featureGates).length ? { featureGates: model.kubernetes.featureGates } : {}),
  };
}

function kubeProxyConfiguration(model: ClusterModel) {
  const base = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: model.kubernetes.proxyMode,
    clusterCIDR: model.kubernetes.podSubnet,
    // kube_proxy_strict_arp: MetalLB needs it with ipvs (kube-ipvs0 holds every Service address,
    // and without strictARP each node answers ARP for LoadBalancer IPs the speaker announces).
    ...(model.kubernetes.proxyMode === 'ipvs' ? { ipvs: { strictARP: model.appAddons.metallb !== undefined } } : {}),
    ...(Object.keys(model.kubernetes.featureGates).length ? { featureGates: model.kubernetes.featureGates } : {}),
  };
  return mergeOver(base, model.custom.kubeProxyConfig);
}

/** kube-apiserver: kspray's flags and volumes (encryption, audit, admission), then the user's. */
function apiServerConfiguration(model: ClusterModel) {
  const api = model.custom.apiServer;
  const gates = model.kubernetes.featureGates;
  const ours: Record<string, string> = {
    'encryption-provider-config': ENCRYPTION_CONFIG_PATH,
    ...(Object.keys(gates).length ? { 'feature-gates': featureGates(model) } : {}),
    // Kubespray's audit log rotation defaults (audit_log_maxage/maxbackups/maxsize); extraArgs may change them.
    ...(api.auditPolicy
      ? { 'audit-policy-file': AUDIT_POLICY_PATH, 'audit-log-path': `${AUDIT_LOG_DIR}/audit.log`, 'audit-log-maxage': '30', 'audit-log-maxbackup': '10', 'audit-log-maxsize': '100' }
      : {}),
    ...(api.admission ? { 'admission-control-config-file': ADMISSION_CONFIG_PATH } : {}),
  };
  const file = (name: string, path: string) => ({ name, hostPath: path, mountPath: path, readOnly: true, pathType: 'File' });
  return {
    certSANs: apiServerExtraSANs(model),
    extraArgs: withUserArgs(ours, api.extraArgs),
    extraVolumes: [
      file('encryption-config', ENCRYPTION_CONFIG_PATH),
      ...(api.auditPolicy
        ? [file('audit-policy', AUDIT_POLICY_PATH), { name: 'audit-log', hostPath: AUDIT_LOG_DIR, mountPath: AUDIT_LOG_DIR, readOnly: false, pathType: 'DirectoryOrCreate' }]
        : []),
      ...(api.admission ? [file('admission-config', ADMISSION_CONFIG_PATH)] : []),
      ...api.extraVolumes,
    ],
  };
}

const extraVolumes = (volumes: ClusterModel['custom']['scheduler']['extraVolumes']) => (volumes.length ? { extraVolumes: volumes } : {});

/** kubeadm reads patches from this directory on init and join when the node has any. */
function patchesDirectory(model: ClusterModel, node: NodeModel) {
  return patchFiles(model, node).length ? { patches: { directory: PATCHES_DIR } } : {};
}

function joinConfiguration(model: ClusterModel, node: NodeModel, pki: IssuedPki) {
  return {
    apiVersion: KUBEADM_API,
    kind: 'JoinConfiguration',
    discovery: {
      bootstrapToken: {
        apiServerEndpoint: model.controlPlane.kubeadmEndpoint,
        token: `${pki.bootstrapToken.id}.${pki.bootstrapToken.secret}`,
        caCertHashes: [pki.caCertHash],
      },
    },
    nodeRegistration: nodeRegistration(model, node),
    ...(node.isControlPlane
      ? { controlPlane: { localAPIEndpoint: { advertiseAddress: node.address, bindPort: model.controlPlane.bindPort } } }
      : {}),
    ...patchesDirectory(model, node),
  };
}

function encryptionConfiguration(key: string) {
  // secretbox is Kubespray's default kube_encryption_algorithm; identity last so data written
  // before encryption was enabled stays readable.
  return {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [{ resources: ['secrets'], providers: [{ secretbox: { keys: [{ name: 'kspray-1', secret: key }] } }, { identity: {} }] }],
  };
}
