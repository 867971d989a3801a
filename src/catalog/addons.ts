// Versions, images and downloads of the optional cluster addons built in src/plan/manifests/
// (dns-autoscaler, local-path-provisioner, registry, helm), from Kubespray's download.yml and
// checksums.yml like the core components. Kept apart from catalog.ts's ComponentVersions so each
// addon stays one small self-contained piece.
import { type Arch, type Download, checkedDownload, inRegistry, kubesprayDownloadVar, newestVersionOf } from './catalog.js';

export interface AddonVersions {
  /** cluster-proportional-autoscaler (Kubespray dnsautoscaler_version). */
  dnsAutoscaler: string;
  localPathProvisioner: string;
  /** registry:2 image tag (Kubespray registry_version). */
  registry: string;
  /** helm_version: the newest entry of helm_archive_checksums, as Kubespray. */
  helm: string;
}

export interface AddonImages {
  dnsAutoscaler: string;
  localPathProvisioner: string;
  /** The helper pod local-path-provisioner runs on a node to create and remove volume directories. */
  localPathHelper: string;
  registry: string;
}

/**
 * busybox for local-path-provisioner's helper pod. Kubespray's data has no busybox version (its
 * template falls back to an unpinned `busybox`); kspray pins one so every node pulls the same bytes
 * and an air-gapped registry can hold it. Change only together with a test on a real cluster.
 */
const BUSYBOX_TAG = '1.37.0';

export function addonVersions(): AddonVersions {
  return {
    dnsAutoscaler: kubesprayDownloadVar('dnsautoscaler_version'),
    localPathProvisioner: kubesprayDownloadVar('local_path_provisioner_version'),
    registry: kubesprayDownloadVar('registry_version'),
    helm: newestVersionOf('helm_archive'),
  };
}

/** Images, with `registry` replacing the upstream host as catalog.images() does. */
export function addonImages(v: AddonVersions, registry?: string): AddonImages {
  const r = (upstream: string) => inRegistry(upstream, registry);
  return {
    dnsAutoscaler: r(`registry.k8s.io/cpa/cluster-proportional-autoscaler:v${v.dnsAutoscaler}`),
    localPathProvisioner: r(`docker.io/rancher/local-path-provisioner:v${v.localPathProvisioner}`),
    localPathHelper: r(`docker.io/library/busybox:${BUSYBOX_TAG}`),
    registry: r(`docker.io/library/registry:${v.registry}`),
  };
}

/** Kubespray's helm_download_url and helm_archive_checksums: the release tarball (linux-<arch>/helm inside). */
export function helmDownload(version: string, arch: Arch, mirror?: string): Download {
  return checkedDownload('helm', `https://get.helm.sh/helm-v${version}-linux-${arch}.tar.gz`, 'helm_archive', arch, version, mirror);
}
