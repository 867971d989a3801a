// Everything a cluster downloads at boot, read off its rendered plans: the files of downloads.tsv
// and addons.tsv (URL + sha256) and every container image (static pods and addon manifests in the
// payloads, the images kubeadm pulls, images inside downloaded manifests), plus the upgrade Job's image. Reading the plans rather
// than keeping a second list means the artifacts list cannot drift from what nodes really fetch.
// Kubespray's contrib/offline/generate_list.sh does the same job for its files.list/images.list.
import { parseAllDocuments } from 'yaml';
import type { Rendered } from '../rendered.js';
import type { NodePlan } from '../plan/nodePlan.js';
import { KUBEADM_CONFIG_PATH } from '../plan/builders/kubeadm.js';
import { runsKubernetes } from '../model/model.js';
import { upgradeJobImage } from '../lifecycle/upgradeJobs.js';

export interface FileArtifact {
  url: string;
  sha256: string;
  /** Nodes (or pools) that fetch it, in plan order. */
  nodes: string[];
}

export interface ImageArtifact {
  image: string;
  nodes: string[];
}

export interface ArtifactList {
  files: FileArtifact[];
  images: ImageArtifact[];
}

const DOWNLOAD_LISTS = ['/etc/kspray/downloads.tsv', '/etc/kspray/addons.tsv'];

/** `id<TAB>url<TAB>sha256` (downloads.tsv) and `file<TAB>url<TAB>sha256` (addons.tsv) lines. */
function tsvDownloads(text: string): Array<{ url: string; sha256: string }> {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t'))
    .map(([, url, sha256]) => ({ url: url!, sha256: sha256! }));
}

type Json = unknown;

/** Every `image:` string under a parsed manifest (containers, initContainers, ephemeral...). */
function imagesIn(value: Json, out: string[]): void {
  if (Array.isArray(value)) {
    for (const v of value) imagesIn(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, Json>)) {
      if (k === 'image' && typeof v === 'string') out.push(v);
      else imagesIn(v, out);
    }
  }
}

const isManifest = (path: string) => /\.ya?ml$/.test(path) && path !== KUBEADM_CONFIG_PATH;

function manifestImages(plan: NodePlan): string[] {
  const out: string[] = [];
  for (const f of plan.files.values()) {
    if (!isManifest(f.path)) continue;
    // Payload YAML is written for YAML 1.1 readers (cloud-init, kubectl's yaml.v2 heritage).
    for (const doc of parseAllDocuments(f.content, { version: '1.1' })) imagesIn(doc.toJS(), out);
  }
  return out;
}

interface KubeadmDoc {
  kind?: string;
  kubernetesVersion?: string;
  imageRepository?: string;
  skipPhases?: string[];
  etcd?: { local?: { imageRepository?: string; imageTag?: string } };
  dns?: { imageRepository?: string; imageTag?: string };
}

/**
 * The images kubeadm pulls, from the first control plane's init config (the only one holding the
 * ClusterConfiguration): control-plane components on every control plane, stacked etcd there too,
 * kube-proxy (unless its addon phase is skipped) on every kubelet node, CoreDNS once.
 */
function kubeadmImages(r: Rendered): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const first = r.plans.find((p) => p.node.isFirstControlPlane);
  const text = first?.files.get(KUBEADM_CONFIG_PATH)?.content;
  if (!first || !text) return out;
  const docs = parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS() as KubeadmDoc);
  const cluster = docs.find((d) => d.kind === 'ClusterConfiguration');
  const init = docs.find((d) => d.kind === 'InitConfiguration');
  if (!cluster?.imageRepository || !cluster.kubernetesVersion) return out;
  const repo = cluster.imageRepository;
  const version = cluster.kubernetesVersion;
  const on = (image: string, nodes: string[]) => out.set(image, [...(out.get(image) ?? []), ...nodes]);
  const controlPlanes = r.plans.filter((p) => p.node.isControlPlane).map((p) => p.node.name);
  const kubeletNodes = r.plans.filter((p) => runsKubernetes(p.node)).map((p) => p.node.name);
  for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) on(`${repo}/${c}:${version}`, controlPlanes);
  const etcd = cluster.etcd?.local;
  if (etcd?.imageRepository && etcd.imageTag) on(`${etcd.imageRepository}/etcd:${etcd.imageTag}`, controlPlanes);
  if (!(init?.skipPhases ?? []).some((p) => p === 'addon/kube-proxy' || p === 'addon')) on(`${repo}/kube-proxy:${version}`, kubeletNodes);
  if (cluster.dns?.imageRepository && cluster.dns.imageTag) on(`${cluster.dns.imageRepository}/coredns:${cluster.dns.imageTag}`, [first.node.name]);
  return out;
}

export function artifactList(r: Rendered): ArtifactList {
  const files = new Map<string, FileArtifact>();
  const images = new Map<string, ImageArtifact>();
  const addImage = (image: string, node: string) => {
    const entry = images.get(image) ?? { image, nodes: [] };
    if (!entry.nodes.includes(node)) entry.nodes.push(node);
    images.set(image, entry);
  };
  for (const plan of r.plans) {
    const name = plan.node.name;
    for (const list of DOWNLOAD_LISTS) {
      const text = plan.files.get(list)?.content;
      if (!text) continue;
      for (const d of tsvDownloads(text)) {
        const entry = files.get(d.url) ?? { url: d.url, sha256: d.sha256, nodes: [] };
        if (entry.sha256 !== d.sha256) throw new Error(`artifacts: ${d.url} listed with two checksums`);
        if (!entry.nodes.includes(name)) entry.nodes.push(name);
        files.set(d.url, entry);
      }
    }
    if (runsKubernetes(plan.node)) addImage(r.model.images.pause, name);
    // `kspray upgrade --apply` runs a Job on every kubelet node: its image must be in the mirror too
    // (with the localhost proxy it already is; with kube-vip or an external LB nothing else pulls it).
    if (runsKubernetes(plan.node)) addImage(upgradeJobImage(r.model), name);
    for (const image of [...manifestImages(plan), ...plan.extraImages]) addImage(image, name);
  }
  for (const [image, nodes] of kubeadmImages(r)) for (const n of nodes) addImage(image, n);
  const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  return {
    files: [...files.values()].sort(byKey((f) => f.url)),
    images: [...images.values()].sort(byKey((i) => i.image)),
  };
}
