// Where the first control plane finds the cluster addons (docs/node-contract.md): manifests in
// /etc/kspray/addons/, applied with kubectl in file-name order after `kubeadm init`, and
// /etc/kspray/addons.tsv naming manifests the node downloads and verifies into that directory
// first. The file names live here, in one place, because their order is the apply order.
import type { SpecPath } from '../../errors/errors.js';
import { calicoCrdsDownload } from '../../catalog/catalog.js';
import type { ClusterModel } from '../../model/model.js';

export const ADDONS_DIR = '/etc/kspray/addons';
export const ADDONS_TSV = '/etc/kspray/addons.tsv';

/** Apply order: CRDs before anything that uses them, the CNI before what needs pod networking. */
export const ADDON_FILES = {
  calicoCrds: '00-calico-crds.yaml',
  calico: '10-calico.yaml',
  // CoreDNS's Corefile before nodelocaldns, which forwards the same zones.
  coredns: '25-coredns.yaml',
  nodeLocalDNS: '30-nodelocaldns.yaml',
  dnsAutoscaler: '35-dns-autoscaler.yaml',
  metricsServer: '40-metrics-server.yaml',
  // The StorageClass before the registry's claim can name it.
  localPathProvisioner: '45-local-path-provisioner.yaml',
  registry: '65-registry.yaml',
} as const;

export const addonPath = (file: string): string => `${ADDONS_DIR}/${file}`;

/** A manifest the node downloads (sha256-verified) instead of receiving it in the payload. */
export interface RemoteManifest {
  file: string;
  url: string;
  sha256: string;
  origin: SpecPath;
}

/**
 * Every downloaded manifest, for addons.tsv. Calico's CRDs are hundreds of KB, far over the
 * 16 KiB EC2 user-data limit, so the node fetches them (mirror-able URL, pinned by checksum).
 */
export function remoteManifests(model: ClusterModel): RemoteManifest[] {
  const list: RemoteManifest[] = [];
  if (model.network.plugin === 'calico') {
    const crds = calicoCrdsDownload(model.versions.calico, model.artifacts.mirror);
    list.push({ file: ADDON_FILES.calicoCrds, url: crds.url, sha256: crds.sha256, origin: ['spec', 'network'] });
  }
  return list;
}

/** addons.tsv content: `file<TAB>url<TAB>sha256` per line. */
export function addonsTsv(manifests: RemoteManifest[]): string {
  return manifests.map((m) => `${m.file}\t${m.url}\t${m.sha256}\n`).join('');
}
