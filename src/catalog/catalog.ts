// The artifact catalog: Kubespray's version + sha256 data (data/kubespray/, copied unmodified from
// kubespray; see its SOURCE.md) turned into concrete downloads and images for one cluster.
// Version choices follow Kubespray's own rules (download.yml / main.yml): the newest entry of each
// checksum table is the default, per-minor tables pick etcd/pause/coredns, crictl follows the
// kubernetes minor. A version with no checksum is never used: downloads are always verified.
import { readFileSync } from 'node:fs';

export const ARCHES = ['amd64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

type ChecksumTable = Record<string, Record<string, string>>; // arch (or no_arch) → version → "sha256:hex"

interface KubesprayData {
  checksums: Record<string, ChecksumTable>;
  download: Record<string, unknown>;
  main: Record<string, unknown>;
}

let cached: KubesprayData | undefined;

/** Loaded once per process from the JSON form of Kubespray's YAML (scripts/build-catalog.mjs). */
function data(): KubesprayData {
  cached ??= JSON.parse(readFileSync(new URL('../../data/kubespray/kubespray.json', import.meta.url), 'utf8')) as KubesprayData;
  return cached;
}

function table(name: string): ChecksumTable {
  const t = data().checksums[`${name}_checksums`];
  if (!t) throw new Error(`catalog: no checksum table ${name}_checksums in data/kubespray/checksums.yml`);
  return t;
}

export function versionsOf(name: string, arch: string = 'amd64'): string[] {
  return Object.keys(table(name)[arch] ?? {});
}

function sha256Of(name: string, arch: string, version: string): string | undefined {
  const v = table(name)[arch]?.[version];
  if (!v || !v.startsWith('sha256:')) return undefined;
  return v.slice('sha256:'.length);
}

/** Kubernetes versions kspray can install: every version with kubeadm, kubelet and kubectl checksums for amd64 and arm64. */
export function kubernetesVersions(): string[] {
  return versionsOf('kubelet').filter((v) =>
    ARCHES.every((a) => ['kubelet', 'kubeadm', 'kubectl'].every((c) => sha256Of(c, a, v))),
  );
}

/** Kubespray's default: the first (newest) kubelet version. */
export function defaultKubernetesVersion(): string {
  const v = kubernetesVersions()[0];
  if (!v) throw new Error('catalog: no kubernetes versions');
  return v;
}

export const minorOf = (version: string): string => version.split('.').slice(0, 2).join('.');

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Newest version of a component strictly below `limit` (Kubespray's select('version', X, '<')). */
function newestBelow(name: string, limit: string): string | undefined {
  return versionsOf(name).find((v) => compareVersions(v, limit) < 0);
}

export function nextMinor(version: string): string {
  const [maj, min] = version.split('.');
  return `${maj}.${Number(min) + 1}`;
}

function perMinor(key: string, minor: string): string | undefined {
  const map = (data().main[key] ?? data().download[key]) as Record<string, unknown> | undefined;
  const v = map?.[minor];
  return v === undefined ? undefined : String(v);
}

/** Every component version a cluster at `kubernetes` uses, chosen as Kubespray would. */
export interface ComponentVersions {
  kubernetes: string;
  containerd: string;
  runc: string;
  cni: string;
  crictl: string;
  etcd: string;
  pause: string;
  coredns: string;
  calico: string;
  nginx: string;
  /** haproxy image tag (localhostProxy: haproxy), Kubespray's haproxy_image_tag. */
  haproxy: string;
  /** kube-vip (loadBalancer: kube-vip), Kubespray's kube_vip_version. */
  kubeVip: string;
  nodelocaldns: string;
  metricsServer: string;
}

export function componentVersions(kubernetes: string): ComponentVersions {
  const minor = minorOf(kubernetes);
  const dl = data().download;
  const first = (name: string) => versionsOf(name)[0]!;
  // etcd_supported_versions: newest 3.6.x for 1.35+, newest below 3.6 for 1.34 (main.yml).
  const etcdLimit = compareVersions(minor, '1.35') >= 0 ? '3.7' : '3.6';
  const required = (what: string, v: string | undefined): string => {
    if (!v) throw new Error(`catalog: no ${what} version for kubernetes ${minor}`);
    return v;
  };
  return {
    kubernetes,
    containerd: first('containerd_archive'),
    runc: first('runc'),
    cni: first('cni_binary'),
    crictl: required('crictl', newestBelow('crictl', nextMinor(kubernetes))),
    etcd: required('etcd', newestBelow('etcd_binary', etcdLimit)),
    pause: required('pause', perMinor('pod_infra_supported_versions', minor)),
    coredns: required('coredns', perMinor('coredns_supported_versions', minor)),
    calico: first('calicoctl_binary'),
    nginx: String(dl.nginx_image_tag),
    haproxy: String(dl.haproxy_image_tag),
    kubeVip: String(dl.kube_vip_version),
    nodelocaldns: String(dl.nodelocaldns_version),
    metricsServer: String(dl.metrics_server_version),
  };
}

/** A file a node downloads, verified by sha256 before use. */
export interface Download {
  /** Stable id, also the node program's marker name. */
  id: string;
  url: string;
  sha256: string;
}

const GITHUB = 'https://github.com';
const DL_K8S = 'https://dl.k8s.io';

/**
 * The downloads a node of `arch` needs for the core install (runtime + kubernetes + CNI plugins).
 * URL templates are Kubespray's (download.yml); `mirror` replaces the upstream host the way
 * Kubespray's files_repo does (offline.yml layout: <mirror>/<upstream path without host>).
 */
export function nodeDownloads(v: ComponentVersions, arch: Arch, mirror?: string): Download[] {
  const k = v.kubernetes;
  const list: Array<[string, string, string, string]> = [
    ['kubeadm', `${DL_K8S}/release/v${k}/bin/linux/${arch}/kubeadm`, 'kubeadm', k],
    ['kubelet', `${DL_K8S}/release/v${k}/bin/linux/${arch}/kubelet`, 'kubelet', k],
    ['kubectl', `${DL_K8S}/release/v${k}/bin/linux/${arch}/kubectl`, 'kubectl', k],
    [
      'containerd',
      `${GITHUB}/containerd/containerd/releases/download/v${v.containerd}/containerd-${v.containerd}-linux-${arch}.tar.gz`,
      'containerd_archive',
      v.containerd,
    ],
    ['runc', `${GITHUB}/opencontainers/runc/releases/download/v${v.runc}/runc.${arch}`, 'runc', v.runc],
    [
      'cni-plugins',
      `${GITHUB}/containernetworking/plugins/releases/download/v${v.cni}/cni-plugins-linux-${arch}-v${v.cni}.tgz`,
      'cni_binary',
      v.cni,
    ],
    [
      'crictl',
      `${GITHUB}/kubernetes-sigs/cri-tools/releases/download/v${v.crictl}/crictl-v${v.crictl}-linux-${arch}.tar.gz`,
      'crictl',
      v.crictl,
    ],
  ];
  return list.map(([id, url, tableName, version]) => ({
    id,
    url: mirrored(url, mirror),
    sha256: requireSha(tableName, arch, version),
  }));
}

/**
 * The etcd release tarball (etcd, etcdctl, etcdutl) for external etcd members: Kubespray's
 * etcd_download_url and its etcd_binary checksum table, at the version componentVersions picked.
 */
export function etcdDownload(v: ComponentVersions, arch: Arch, mirror?: string): Download {
  return {
    id: 'etcd',
    url: mirrored(`${GITHUB}/etcd-io/etcd/releases/download/v${v.etcd}/etcd-v${v.etcd}-linux-${arch}.tar.gz`, mirror),
    sha256: requireSha('etcd_binary', arch, v.etcd),
  };
}

/** Calico's CRDs manifest (no_arch checksum table), applied by the first control plane. */
export function calicoCrdsDownload(calico: string, mirror?: string): Download {
  return {
    id: 'calico-crds',
    url: mirrored(`${GITHUB}/projectcalico/calico/raw/v${calico}/manifests/crds.yaml`, mirror),
    sha256: requireSha('calico_crds', 'no_arch', calico),
  };
}

export function requireSha(tableName: string, arch: string, version: string): string {
  const sha = sha256Of(tableName, arch, version);
  if (!sha) throw new Error(`catalog: no sha256 for ${tableName} ${version} ${arch}`);
  return sha;
}

/** Where a file lives in a files mirror laid out like Kubespray's files_repo: <mirror>/<host><path>. */
export function mirrored(url: string, mirror?: string): string {
  if (!mirror) return url;
  const u = new URL(url);
  return `${mirror.replace(/\/+$/, '')}/${u.host}${u.pathname}`;
}

/** Container images, with `registry` replacing the upstream registry host when air-gapped. */
export interface Images {
  pause: string;
  coredns: string;
  /** Stacked etcd's static pod image, pinned like Kubespray's etcd_image_repo/tag (not kubeadm's built-in). */
  etcd: string;
  nginx: string;
  haproxy: string;
  kubeVip: string;
  nodelocaldns: string;
  metricsServer: string;
  calicoNode: string;
  calicoCni: string;
  calicoKubeControllers: string;
  /** kubeadm's imageRepository (control-plane images). */
  kubeadmRepository: string;
}

/** An upstream image reference as pulled through `registry` (Kubespray's registry_host): the registry host is replaced. */
export function inRegistry(upstream: string, registry?: string): string {
  return registry ? upstream.replace(/^[^/]+/, registry.replace(/\/+$/, '')) : upstream;
}

export function images(v: ComponentVersions, registry?: string): Images {
  const r = (upstream: string) => inRegistry(upstream, registry);
  return {
    pause: r(`registry.k8s.io/pause:${v.pause}`),
    coredns: r(`registry.k8s.io/coredns/coredns:v${v.coredns}`),
    etcd: r(`quay.io/coreos/etcd:v${v.etcd}`),
    nginx: r(`docker.io/library/nginx:${v.nginx}`),
    haproxy: r(`docker.io/library/haproxy:${v.haproxy}`),
    kubeVip: r(`ghcr.io/kube-vip/kube-vip:v${v.kubeVip}`),
    nodelocaldns: r(`registry.k8s.io/dns/k8s-dns-node-cache:${v.nodelocaldns}`),
    metricsServer: r(`registry.k8s.io/metrics-server/metrics-server:v${v.metricsServer}`),
    calicoNode: r(`quay.io/calico/node:v${v.calico}`),
    calicoCni: r(`quay.io/calico/cni:v${v.calico}`),
    calicoKubeControllers: r(`quay.io/calico/kube-controllers:v${v.calico}`),
    kubeadmRepository: r('registry.k8s.io'),
  };
}

/** A scalar of Kubespray's download.yml as written (addon versions kept outside ComponentVersions: src/catalog/addons.ts). */
export function kubesprayDownloadVar(key: string): string {
  const v = data().download[key];
  if (v === undefined || v === null || typeof v === 'object') throw new Error(`catalog: no ${key} in data/kubespray/download.yml`);
  return String(v);
}

/** The newest version of a checksum table (Kubespray's default for it), for addons that pick their own. */
export const newestVersionOf = (tableName: string): string => {
  const v = versionsOf(tableName)[0];
  if (!v) throw new Error(`catalog: empty checksum table ${tableName}_checksums`);
  return v;
};

/** A verified download of `version` from checksum table `tableName`, mirror-able like the others. */
export function checkedDownload(id: string, url: string, tableName: string, arch: string, version: string, mirror?: string): Download {
  return { id, url: mirrored(url, mirror), sha256: requireSha(tableName, arch, version) };
}
