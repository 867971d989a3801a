// Where the first control plane finds the cluster addons (docs/node-contract.md): manifests in
// /etc/kspray/addons/, applied with kubectl in file-name order after `kubeadm init`, and
// /etc/kspray/addons.tsv naming manifests the node downloads and verifies into that directory
// first. The file names live here, in one place, because their order is the apply order.
import type { SpecPath } from '../../errors/errors.js';
import { calicoCrdsDownload } from '../../catalog/catalog.js';
import type { ClusterModel } from '../../model/model.js';
import { argocdInstallDownload, certManagerManifestUrl, metallbManifestUrl } from '../../catalog/appAddons.js';
import { ARGOCD_NAMESPACE } from './appAddons.js';

export const ADDONS_DIR = '/etc/kspray/addons';
export const ADDONS_TSV = '/etc/kspray/addons.tsv';

/** Apply order: CRDs before anything that uses them, the CNI before what needs pod networking. */
export const ADDON_FILES = {
  calicoCrds: '00-calico-crds.yaml',
  calico: '10-calico.yaml',
  cilium: '10-cilium.yaml',
  flannel: '10-flannel.yaml',
  kubeRouter: '10-kube-router.yaml',
  multus: '15-multus.yaml',
  // CoreDNS's Corefile before nodelocaldns, which forwards the same zones.
  coredns: '25-coredns.yaml',
  nodeLocalDNS: '30-nodelocaldns.yaml',
  dnsAutoscaler: '35-dns-autoscaler.yaml',
  metricsServer: '40-metrics-server.yaml',
  // Application addons (catalog/appAddons.ts): upstream release manifests, then what configures them.
  certManager: '70-cert-manager.yaml',
  metallb: '71-metallb.yaml',
  metallbConfig: '72-metallb-config.yaml',
  argocdNamespace: '80-argocd-namespace.yaml',
  argocd: '81-argocd.yaml',
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
  /** Applied with `kubectl -n` (a manifest whose objects carry no namespace, like Argo CD's install.yaml). */
  namespace?: string;
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
  const apps = model.appAddons;
  const { mirror } = model.artifacts;
  if (apps.certManager) {
    const url = certManagerManifestUrl(apps.versions.certManager, mirror);
    list.push({ file: ADDON_FILES.certManager, url, sha256: apps.certManager.manifestSha256, origin: ['spec', 'addons', 'certManager'] });
  }
  if (apps.metallb) {
    const url = metallbManifestUrl(apps.versions.metallb, mirror);
    list.push({ file: ADDON_FILES.metallb, url, sha256: apps.metallb.manifestSha256, origin: ['spec', 'addons', 'metallb'] });
  }
  if (apps.argocd) {
    const install = argocdInstallDownload(apps.versions.argocd, mirror);
    list.push({ file: ADDON_FILES.argocd, ...install, origin: ['spec', 'addons', 'argocd'], namespace: ARGOCD_NAMESPACE });
  }
  return list;
}

/** addons.tsv content: `file<TAB>url<TAB>sha256[<TAB>namespace]` per line. */
export function addonsTsv(manifests: RemoteManifest[]): string {
  return manifests.map((m) => `${m.file}\t${m.url}\t${m.sha256}${m.namespace ? `\t${m.namespace}` : ''}\n`).join('');
}
