// Versions, downloads and images of the application addons (Argo CD, cert-manager, MetalLB), pinned
// to Kubespray's data (data/kubespray/download.yml, checksums.yml) like the core components.
//
// Only Argo CD's install manifest has a checksum in Kubespray's data (argocd_install_checksums).
// Kubespray renders cert-manager and MetalLB from templates it vendors, so no upstream checksum
// exists for them: kspray downloads upstream's own release manifest at Kubespray's pinned version
// and verifies it against a sha256 the user supplies in the spec (never an unverified download,
// never a hand-written copy of upstream's CRDs).
import { checkedDownload, inRegistry as fromRegistry, kubesprayDownloadVar, mirrored, versionsOf } from './catalog.js';

/** Kubespray's addon versions: argocd_version is the newest argocd_install_checksums entry. */
export interface AppAddonVersions {
  argocd: string;
  certManager: string;
  metallb: string;
}

export function appAddonVersions(): AppAddonVersions {
  const argocd = versionsOf('argocd_install', 'no_arch')[0];
  if (!argocd) throw new Error('catalog: no argocd_install_checksums in data/kubespray/checksums.yml');
  return { argocd, certManager: kubesprayDownloadVar('cert_manager_version'), metallb: kubesprayDownloadVar('metallb_version') };
}

/** Argo CD's install.yaml (Kubespray argocd_install_url), with its catalog checksum. */
export function argocdInstallDownload(version: string, mirror?: string): { url: string; sha256: string } {
  return checkedDownload('argocd', `https://raw.githubusercontent.com/argoproj/argo-cd/v${version}/manifests/install.yaml`, 'argocd_install', 'no_arch', version, mirror);
}

/**
 * Images install.yaml runs that kspray can name from the version alone: every Argo CD component
 * runs quay.io/argoproj/argocd:v<version>. Its dex and redis tags are chosen per Argo CD patch
 * release and are in no Kubespray data, so `kspray artifacts list` cannot name them (docs/addons.md).
 */
export function argocdImages(version: string, registry?: string): string[] {
  return [fromRegistry(`quay.io/argoproj/argocd:v${version}`, registry)];
}

/** cert-manager's release manifest (CRDs included), at Kubespray's cert_manager_version. */
export function certManagerManifestUrl(version: string, mirror?: string): string {
  return mirrored(`https://github.com/cert-manager/cert-manager/releases/download/v${version}/cert-manager.yaml`, mirror);
}

/**
 * Kubespray's cert_manager_*_image_repo/tag, plus the ACME HTTP-01 solver that upstream's manifest
 * passes to the controller (--acme-http01-solver-image) and the controller starts for challenges.
 */
export function certManagerImages(version: string, registry?: string): string[] {
  return ['controller', 'cainjector', 'webhook', 'acmesolver'].map((c) => fromRegistry(`quay.io/jetstack/cert-manager-${c}:v${version}`, registry));
}

/**
 * MetalLB's native (L2/BGP without FRR) manifest at Kubespray's metallb_version: CRDs, controller,
 * speaker, RBAC and webhooks. Its controller creates the speakers' memberlist secret itself.
 */
export function metallbManifestUrl(version: string, mirror?: string): string {
  return mirrored(`https://raw.githubusercontent.com/metallb/metallb/v${version}/config/manifests/metallb-native.yaml`, mirror);
}

/** Kubespray's metallb_controller_image_repo / metallb_speaker_image_repo at metallb_image_tag. */
export function metallbImages(version: string, registry?: string): string[] {
  return ['controller', 'speaker'].map((c) => fromRegistry(`quay.io/metallb/${c}:v${version}`, registry));
}
