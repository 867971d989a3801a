// What one node downloads (its downloads.tsv): external etcd members only etcd; kubelet nodes the
// runtime, the CNI plugins, crictl and kubernetes, then what addons put on them (addonDownloads.ts).
// The runtime part depends on the runtime and the OS: Flatcar ships containerd and runc; cri-o's
// static bundle brings its own conmon, crun and runc.
import { etcdDownload, nodeDownloads, type Arch, type Download } from '../catalog/catalog.js';
import { crioDownload } from '../catalog/runtime.js';
import { isExternalEtcdMember, runsKubernetes, type ClusterModel, type NodeModel } from '../model/model.js';
import { osProfile } from './osProfile.js';
import { addonDownloads } from './addonDownloads.js';
import { perCluster } from './perCluster.js';

const CONTAINERD_ONLY = new Set(['containerd', 'runc']);

/** Kubernetes, runtime, CNI and crictl for one architecture: the same list for every node of it. */
const kubeletDownloads = perCluster((model, arch) => nodeDownloads(model.versions, arch as Arch, model.artifacts.mirror));

export function downloadsOf(model: ClusterModel, node: NodeModel): Download[] {
  return [...runtimeAndKubernetes(model, node), ...addonDownloads(model, node)];
}

/** downloads.tsv: `id<TAB>url<TAB>sha256` per line (docs/node-contract.md). */
export function downloadsTsv(downloads: Download[]): string {
  return downloads.map((d) => `${d.id}\t${d.url}\t${d.sha256}\n`).join('');
}

function runtimeAndKubernetes(model: ClusterModel, node: NodeModel): Download[] {
  const mirror = model.artifacts.mirror;
  const etcd = etcdDownload(model.versions, node.arch, mirror);
  if (!runsKubernetes(node)) return [etcd];
  // An external etcd member that also runs Kubernetes (Kubespray's etcd group over control planes or workers).
  const core = [...kubeletDownloads(model, node.arch), ...(isExternalEtcdMember(model, node) ? [etcd] : [])];
  if (model.containerRuntime.name === 'cri-o') {
    const crio = crioDownload(model.containerRuntime.version, node.arch, mirror);
    return core.flatMap((d) => (d.id === 'containerd' ? [crio] : CONTAINERD_ONLY.has(d.id) ? [] : [d]));
  }
  return osProfile(node.os).installContainerd ? core : core.filter((d) => !CONTAINERD_ONLY.has(d.id));
}
